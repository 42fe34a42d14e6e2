"""The trade-off curve: how much MaxSim each method keeps as it keeps fewer vectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from explorer.figures.common import QUALITATIVE, finish_layout, plotly_text

_AXIS_TITLES = {"vectors": "vectors kept per page", "param": "parameter"}


def sweep_curves(series: Sequence[Mapping], *, x: str = "vectors", title: str = "Retention vs vectors kept",
                 param_name: str = "parameter", log_x: bool = False) -> go.Figure:
    """One line+markers per method: retention (MaxSim pooled / original, in %) against the
    number of vectors kept (``x="vectors"``) or the method's parameter (``x="param"``).

    ``series``: dicts ``{"method": str, "param": [...], "vectors": [int], "retention":
    [float in 0..1], "knee": int | None}``; ``knee`` indexes the lists and is marked with a
    large star and an annotation. Hover shows the method, ``param_name`` = value, vectors
    and retention.
    """
    if x not in _AXIS_TITLES:
        raise ValueError(f"x must be 'vectors' or 'param', got {x!r}.")
    fig = go.Figure()
    pname = plotly_text(param_name)
    for i, s in enumerate(series):
        method = plotly_text(s["method"])
        params, vectors = list(s["param"]), [int(v) for v in s["vectors"]]
        ret = [100.0 * float(r) for r in s["retention"]]
        if not len(params) == len(vectors) == len(ret):
            raise ValueError(f"series {s['method']!r}: param, vectors and retention differ in length.")
        xs = vectors if x == "vectors" else params
        color = QUALITATIVE[i % len(QUALITATIVE)]
        custom = [[plotly_text(p), v] for p, v in zip(params, vectors)]
        fig.add_trace(go.Scatter(
            x=xs, y=ret, mode="lines+markers", name=method, line=dict(color=color, width=2),
            marker=dict(size=7, color=color), customdata=custom,
            hovertemplate=f"<b>{method}</b><br>{pname} %{{customdata[0]}}<br>%{{customdata[1]}} vectors"
                          "<br>retention %{y:.1f}%<extra></extra>",
        ))
        knee = s.get("knee")
        if knee is not None and 0 <= int(knee) < len(xs):
            k = int(knee)
            fig.add_trace(go.Scatter(
                x=[xs[k]], y=[ret[k]], mode="markers", name=f"{method} knee", showlegend=False,
                marker=dict(symbol="star", size=18, color=color, line=dict(width=1.5, color="#111")),
                customdata=[custom[k]],
                hovertemplate=f"<b>{method} knee</b><br>{pname} %{{customdata[0]}}<br>%{{customdata[1]}} vectors"
                              "<br>retention %{y:.1f}%<extra></extra>",
            ))
            fig.add_annotation(x=xs[k], y=ret[k], text=f"{method} knee: {pname} {plotly_text(params[k])}",
                               showarrow=True, arrowhead=2, ax=30, ay=30 + 18 * (i % 3),
                               font=dict(color=color))
    fig.update_xaxes(title_text=_AXIS_TITLES[x] if x == "vectors" else pname, type="log" if log_x else None)
    fig.update_yaxes(title_text="MaxSim retention (%)", ticksuffix="%")
    return finish_layout(fig, title, height=420, hovermode="closest")
