"""Corpus figures: memory against quality per method (with the Pareto front), and one
query's ranking before and after pooling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from explorer.figures.common import MARGIN, QUALITATIVE, plotly_text


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both axes (less memory, more quality),
    sorted by memory.

    >>> pareto_front([(1, 0.5), (2, 0.9), (3, 0.8), (0.5, 0.2)])
    [3, 0, 1]
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def pareto_plot(table: Mapping[str, Mapping[str, float]], *, quality: str, memory: str = "bytes",
                title: str = "Memory vs quality") -> go.Figure:
    """One marker per method (``table``: method -> metrics); x = ``memory``, y = ``quality``;
    the Pareto front drawn as a dashed line."""
    names = [n for n in table if quality in table[n] and memory in table[n]]
    pts = [(float(table[n][memory]), float(table[n][quality])) for n in names]
    fig = go.Figure()
    for i, (n, (x, y)) in enumerate(zip(names, pts)):
        fig.add_trace(go.Scatter(
            x=[x], y=[y], mode="markers+text", text=[plotly_text(n)], textposition="top center",
            marker=dict(size=13, color="black" if n == "original" else QUALITATIVE[i % len(QUALITATIVE)],
                        symbol="star" if n == "original" else "circle"),
            name=plotly_text(n),
            hovertemplate=f"{plotly_text(n)}<br>{memory}: %{{x:,.0f}}<br>{quality}: %{{y:.4f}}<extra></extra>"))
    front = pareto_front(pts)
    if len(front) > 1:
        fig.add_trace(go.Scatter(x=[pts[i][0] for i in front], y=[pts[i][1] for i in front], mode="lines",
                                 line=dict(dash="dash", color="grey"), name="Pareto front", hoverinfo="skip"))
    fig.update_layout(margin=MARGIN, title=title, xaxis_title=memory, yaxis_title=quality,
                      xaxis_type="log", height=420, showlegend=False)
    return fig


def ranking_figure(original: Sequence[str], pooled: Sequence[str], k: int, *,
                   relevant: Sequence[str] = (), title: str = "Ranking before and after pooling") -> go.Figure:
    """Two columns of the top ``k`` (original left, pooled right) with a line per document
    joining its two ranks; documents that moved are drawn in colour, new arrivals and
    drop-outs marked; relevant documents (if labels are known) in bold."""
    top_o, top_p = list(original[:k]), list(pooled[:k])
    where_p = {d: i for i, d in enumerate(pooled)}
    where_o = {d: i for i, d in enumerate(original)}
    rel = set(relevant)
    fig = go.Figure()
    for i, d in enumerate(top_o):
        j = where_p.get(d, len(pooled))
        moved = j != i
        colour = "#1f77b4" if not moved else ("#d62728" if j > i else "#2ca02c")
        fig.add_trace(go.Scatter(x=[0, 1], y=[i + 1, min(j, k) + 1], mode="lines",
                                 line=dict(color=colour, width=3 if moved else 1.5, dash="dot" if j >= k else None),
                                 hoverinfo="skip", showlegend=False))
    def label(d: str, rank: int) -> str:
        text = plotly_text(d)
        return f"<b>{text}</b>" if d in rel else text
    fig.add_trace(go.Scatter(x=[0] * len(top_o), y=list(range(1, len(top_o) + 1)), mode="markers+text",
                             text=[label(d, i) for i, d in enumerate(top_o)], textposition="middle left",
                             marker=dict(size=9, color="#444"), showlegend=False,
                             hovertemplate="%{text}: original rank %{y}<extra></extra>"))
    colours = ["#444" if where_o.get(d, k) < k else "#ff7f0e" for d in top_p]
    fig.add_trace(go.Scatter(x=[1] * len(top_p), y=list(range(1, len(top_p) + 1)), mode="markers+text",
                             text=[label(d, i) + ("" if where_o.get(d, k) < k else " (new)") for i, d in
                                   enumerate(top_p)],
                             textposition="middle right", marker=dict(size=9, color=colours), showlegend=False,
                             hovertemplate="%{text}: pooled rank %{y}<extra></extra>"))
    fig.update_layout(margin=dict(l=160, r=160, t=50, b=10), title=title,
                      height=80 + 32 * k,
                      xaxis=dict(tickvals=[0, 1], ticktext=["original", "pooled"], range=[-0.6, 1.6]),
                      yaxis=dict(autorange="reversed", title="rank", dtick=1, range=[k + 1.5, 0.5]))
    return fig
