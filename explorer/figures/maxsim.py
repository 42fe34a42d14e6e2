"""What pooling did to retrieval: MaxSim scores, per-token contributions, similarity maps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from explorer.figures.common import (
    DIVERGING,
    MARGIN,
    OVERLAY_OPACITY,
    SEQUENTIAL,
    add_page_background,
    cell_centers,
    check_grid_array,
    finish_layout,
    grid_height,
    patch_customdata,
    patch_hovertemplate,
    plotly_text,
    setup_grid_axes,
)
from explorer.figures.pooling import AFTER_COLOR, BEFORE_COLOR

LOSS_COLOR = "#D62728"


def retention(original: float, pooled: float) -> float | None:
    """``pooled / original`` or ``None`` when the original score is not positive.

    >>> retention(10.0, 9.5), retention(0.0, 1.0)
    (0.95, None)
    """
    return float(pooled) / float(original) if float(original) > 0 else None


def score_bars(original: float, pooled: float, *, title: str = "MaxSim score") -> go.Figure:
    """Two bars, the query's MaxSim score against the original and the pooled page, and the
    retention ``pooled / original`` in percent."""
    r = retention(original, pooled)
    label = "retention n/a (original score <= 0)" if r is None else f"retention {100 * r:.1f}%"
    fig = go.Figure(go.Bar(
        x=["original", "pooled"], y=[float(original), float(pooled)], marker_color=[BEFORE_COLOR, AFTER_COLOR],
        text=[f"{float(original):.3f}", f"{float(pooled):.3f}"], textposition="auto",
        hovertemplate="%{x}: %{y:.4f}<extra></extra>",
    ))
    fig.add_annotation(text=label, x=1, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                       showarrow=False, font=dict(size=14))
    fig.update_yaxes(title_text="MaxSim")
    return finish_layout(fig, f"{title}: {label}", height=320, showlegend=False)


def contribution_bars(tokens: Sequence[str], before: np.ndarray, after: np.ndarray, *,
                      title: str = "Per query token: best patch similarity") -> go.Figure:
    """Grouped bars per query token: its MaxSim term (max similarity over the page) before
    and after pooling. The token that lost most (largest ``before - after``) has its
    "after" bar in red and an annotation. Tokens sit at positions ``0..n-1`` (repeated
    tokens stay separate) with the token text as tick labels."""
    b = np.asarray(before, dtype=float).reshape(-1)
    a = np.asarray(after, dtype=float).reshape(-1)
    n = len(tokens)
    if b.shape != (n,) or a.shape != (n,):
        raise ValueError(f"before/after must have one value per token ({n}), got {b.shape} and {a.shape}.")
    labels = [plotly_text(t) for t in tokens]
    x = list(range(n))
    fig = go.Figure()
    fig.add_trace(go.Bar(name="original", x=x, y=b, marker_color=BEFORE_COLOR, customdata=labels,
                         hovertemplate="%{customdata}: %{y:.4f} (original)<extra></extra>"))
    loss = b - a
    worst = int(np.nanargmax(loss)) if n and np.isfinite(loss).any() else None
    colors = [AFTER_COLOR] * n
    if worst is not None and loss[worst] > 0:
        colors[worst] = LOSS_COLOR
        fig.add_annotation(x=worst, y=max(b[worst], a[worst]), text=f"largest loss: {labels[worst]} "
                           f"({-loss[worst]:+.3f})", showarrow=True, arrowhead=2, ax=0, ay=-36,
                           font=dict(color=LOSS_COLOR))
    else:
        worst = None
    fig.add_trace(go.Bar(name="pooled", x=x, y=a, marker_color=colors, customdata=labels,
                         hovertemplate="%{customdata}: %{y:.4f} (pooled)<extra></extra>"))
    fig.update_xaxes(tickvals=x, ticktext=labels, tickangle=-45 if n > 12 else 0, title_text="query token")
    fig.update_yaxes(title_text="max similarity")
    # The index of the highlighted token, for callers and tests (None when nothing lost).
    fig.update_layout(meta={"largest_loss_index": worst})
    return finish_layout(fig, title, barmode="group", height=380,
                         legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))


def similarity_maps(original: np.ndarray, pooled: np.ndarray, *, image: Image.Image | None = None,
                    token: str = "", title: str = "Similarity map", width: int = 960) -> go.Figure:
    """Three panels: the query token's similarity to every patch on the original page, on
    the pooled page (each patch gets the similarity of the vector it was pooled into; NaN =
    dropped) and the difference ``pooled - original`` (diverging scale centred at 0).

    ``original``/``pooled`` ``(rows, cols)``. The first two share one colour scale
    (``coloraxis``) and are drawn over ``image`` when given; the difference has its own
    symmetric scale (``coloraxis2``). Colour bars are horizontal under the panels.
    """
    o = check_grid_array(original, "original").astype(float)
    p = check_grid_array(pooled, "pooled").astype(float)
    if o.shape != p.shape:
        raise ValueError(f"original {o.shape} and pooled {p.shape} must have the same shape.")
    grid = o.shape
    diff = p - o
    names = ["original", "pooled", "difference (pooled - original)"]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.03, subplot_titles=names)
    x, y = cell_centers(grid)
    both = np.concatenate([o[np.isfinite(o)], p[np.isfinite(p)]])
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    span = float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 0.0
    span = span if span > 0 else 1e-6
    customdata = patch_customdata(grid)
    for i, (z, name) in enumerate(zip([o, p, diff], names)):
        axis = "" if i == 0 else str(i + 1)
        fig.add_trace(go.Heatmap(
            z=z, x=x, y=y, coloraxis="coloraxis" if i < 2 else "coloraxis2", name=name,
            opacity=OVERLAY_OPACITY if (image is not None and i < 2) else 1.0, customdata=customdata,
            text=np.where(np.isnan(z), "(dropped)", ""),
            hovertemplate=patch_hovertemplate(name + ": %{z:.4f} %{text}"),
        ), row=1, col=i + 1)
        setup_grid_axes(fig, grid, image, axis=axis)
        if i < 2:
            add_page_background(fig, image, grid, axis=axis)
    bar = dict(orientation="h", thickness=10, y=-0.04, yanchor="top")
    fig.update_layout(
        coloraxis=dict(colorscale=SEQUENTIAL, cmin=lo, cmax=hi if hi > lo else lo + 1e-6,
                       colorbar=dict(x=0.33, len=0.6, title=dict(text="similarity", side="top"), **bar)),
        coloraxis2=dict(colorscale=DIVERGING, cmin=-span, cmax=span,
                        colorbar=dict(x=0.845, len=0.3, title=dict(text="pooled - original", side="top"), **bar)),
    )
    full = f'{title} for token "{token}"' if token else title
    height = grid_height(grid, image, panels=3, width=width, extra=90)
    return finish_layout(fig, full, height=height, margin=dict(MARGIN, b=90))
