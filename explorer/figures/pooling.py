"""What pooling did: which patches went into which vector, and what it saved."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from scipy.cluster.hierarchy import dendrogram

from explorer.figures.common import (
    BOUNDARY_COLOR,
    DROPPED_COLOR,
    OVERLAY_OPACITY,
    QUALITATIVE,
    add_page_background,
    boundary_segments,
    cell_centers,
    check_grid_array,
    cluster_color_slots,
    discrete_colorscale,
    empty_figure,
    finish_layout,
    grid_adjacency,
    grid_height,
    human_bytes,
    patch_customdata,
    patch_hovertemplate,
    setup_grid_axes,
)

BEFORE_COLOR = "#778AAE"
AFTER_COLOR = "#1CA71C"
#: Heatmap value of a dropped cell: the slot after the palette, coloured ``DROPPED_COLOR``.
DROPPED_SLOT = len(QUALITATIVE)


def cluster_heatmap(assignment: np.ndarray, sizes: np.ndarray, *, image: Image.Image | None = None,
                    title: str = "Which pooled vector each patch went into",
                    secondary: np.ndarray | None = None, width: int = 640) -> go.Figure:
    """Every patch coloured by the pooled vector it went into, cluster boundaries drawn.

    ``assignment`` ``(rows, cols)`` int: the pooled-vector id of each patch, ``-1`` = dropped
    (grey). ``sizes`` ``(m,)``: size of each pooled vector, indexed by id. ``secondary``
    ``(rows, cols)``: a second id per patch (row+column pooling: the column vector), in hover.

    Colours: a greedy colouring of the cluster adjacency graph
    (:func:`~explorer.figures.common.cluster_color_slots`), so clusters that touch never
    share a colour. The heatmap's z is the palette slot of each cell (``DROPPED_SLOT`` for
    dropped cells) under a stepwise colour scale; its ``customdata`` is
    ``[row, col, index, cluster id, cluster size, secondary id]``. Boundaries: one
    ``go.Scatter`` with a segment on every cell edge between different ids.
    """
    ids = check_grid_array(assignment, "assignment").astype(int)
    grid = ids.shape
    sizes = np.asarray(sizes, dtype=int).reshape(-1)
    if ids.max(initial=-1) >= len(sizes):
        raise ValueError(f"assignment refers to cluster {ids.max()} but sizes has only {len(sizes)} entries.")
    slots = cluster_color_slots(np.unique(ids).tolist(), grid_adjacency(ids))
    z = np.full(grid, DROPPED_SLOT, dtype=int)
    for k, s in slots.items():
        z[ids == k] = s
    size_of = np.zeros(grid, dtype=int)
    size_of[ids >= 0] = sizes[ids[ids >= 0]]
    label = np.array([f"cluster {k} (size {s})" if k >= 0 else "dropped"
                      for k, s in zip(ids.ravel().tolist(), size_of.ravel().tolist())]).reshape(grid)
    extra = [ids, size_of]
    lines = ["%{text}"]
    if secondary is not None:
        sec = check_grid_array(secondary, "secondary").astype(int)
        if sec.shape != grid:
            raise ValueError(f"secondary has shape {sec.shape}, assignment has {grid}.")
        extra.append(sec)
        lines.append("column vector %{customdata[5]}")
    x, y = cell_centers(grid)
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, zmin=-0.5, zmax=DROPPED_SLOT + 0.5,
        colorscale=discrete_colorscale([*QUALITATIVE, DROPPED_COLOR]), showscale=False,
        opacity=OVERLAY_OPACITY if image is not None else 0.9,
        customdata=patch_customdata(grid, *extra), text=label,
        hovertemplate=patch_hovertemplate(*lines), name="clusters",
    ))
    bx, by = boundary_segments(ids)
    fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line=dict(color=BOUNDARY_COLOR, width=1.5),
                             hoverinfo="skip", showlegend=False, name="boundaries"))
    add_page_background(fig, image, grid)
    setup_grid_axes(fig, grid, image)
    n_clusters = len(slots)
    n_dropped = int((ids < 0).sum())
    sub = f"{ids.size} patches → {n_clusters} vectors" + (f", {n_dropped} dropped (grey)" if n_dropped else "")
    return finish_layout(fig, f"{title} ({sub})", height=grid_height(grid, image, width=width))


def counts_bars(before: int, after: int, *, title: str = "Vectors per page") -> go.Figure:
    """Two bars: vectors before and after pooling; the reduction factor in the title."""
    before, after = int(before), int(after)
    ratio = f"{before / after:.2f}× fewer" if after > 0 else "all dropped"
    fig = go.Figure(go.Bar(
        x=["before", "after"], y=[before, after], marker_color=[BEFORE_COLOR, AFTER_COLOR],
        text=[str(before), str(after)], textposition="auto", hovertemplate="%{x}: %{y} vectors<extra></extra>",
    ))
    fig.update_yaxes(title_text="vectors", rangemode="tozero")
    return finish_layout(fig, f"{title}: {before} → {after} ({ratio})", height=320, showlegend=False)


def memory_bars(before: Mapping[str, int], after: Mapping[str, int], *,
                title: str = "Index memory per page", log_y: bool = True) -> go.Figure:
    """Grouped bars, one group per storage precision, before/after pooling.

    ``before``/``after``: ``{"float32": bytes, "float16": ..., "int8": ..., "binary": ...}``.
    Bars are labelled in KiB/MiB; the y axis is logarithmic by default (binary is 32x smaller
    than float32) with ticks at powers of 2 labelled in binary units.
    """
    precisions = [p for p in before if p in after] + [p for p in after if p not in before]
    fig = go.Figure()
    values: list[float] = []
    for name, data, color in (("before", before, BEFORE_COLOR), ("after", after, AFTER_COLOR)):
        y = [float(data.get(p, 0)) for p in precisions]
        values += y
        fig.add_trace(go.Bar(
            name=name, x=precisions, y=y, marker_color=color, text=[human_bytes(v) for v in y],
            textposition="outside", customdata=[human_bytes(v) for v in y],
            hovertemplate=name + " · %{x}: %{customdata}<extra></extra>",
        ))
    pos = [v for v in values if v > 0]
    if log_y and pos:
        lo, hi = int(np.floor(np.log2(min(pos)))), int(np.ceil(np.log2(max(pos)))) + 1
        step = max(1, (hi - lo + 4) // 6)
        ticks = [2.0 ** k for k in range(lo, hi + 1, step)]
        fig.update_yaxes(type="log", tickvals=ticks, ticktext=[human_bytes(t) for t in ticks],
                         range=[np.log10(2.0 ** lo), np.log10(2.0 ** (hi + 0.6))])
    fig.update_yaxes(title_text="bytes")
    fig.update_xaxes(title_text="precision")
    tot_b, tot_a = float(before.get("float32", 0)), float(after.get("float32", 0))
    if tot_b > 0 and tot_a > 0:
        title = f"{title} (float32: {human_bytes(tot_b)} → {human_bytes(tot_a)}, {tot_b / tot_a:.2f}× smaller)"
    return finish_layout(fig, title, barmode="group", height=360, legend=dict(orientation="h", y=1.02, x=1,
                                                                             xanchor="right", yanchor="bottom"))


def cluster_size_histogram(sizes: np.ndarray, *, title: str = "Cluster sizes") -> go.Figure:
    """How many pooled vectors stand for 1, 2, 3... input vectors: one bar per size value
    (exact counts, ``np.bincount``)."""
    s = np.asarray(sizes, dtype=int).reshape(-1)
    s = s[s > 0]
    if s.size == 0:
        return empty_figure("No clusters.", title)
    counts = np.bincount(s)
    x = np.nonzero(counts)[0]
    fig = go.Figure(go.Bar(x=x, y=counts[x], marker_color=AFTER_COLOR,
                           hovertemplate="size %{x}: %{y} vectors<extra></extra>"))
    fig.update_xaxes(title_text="cluster size (input vectors per pooled vector)", dtick=1 if x.max() <= 30 else None)
    fig.update_yaxes(title_text="pooled vectors")
    return finish_layout(fig, f"{title} (mean {s.mean():.2f}, max {s.max()})", height=320, bargap=0.15)


def dendrogram_figure(linkage: np.ndarray | None, *, p: int = 30, cut_height: float | None = None,
                      title: str = "Hierarchical clustering (dendrogram)") -> go.Figure:
    """The top of a scipy linkage tree: the last ``p`` merges (``truncate_mode="lastp"``).

    ``linkage`` ``(n - 1, 4)``; leaf labels ``(k)`` are collapsed subtrees of ``k`` vectors.
    ``cut_height``: a dashed horizontal line where the tree is cut (the clusters below it
    are the pooled vectors), with the resulting number of clusters; branches under the cut
    are coloured by cluster.
    """
    z = None if linkage is None else np.asarray(linkage, dtype=float)
    if z is None or z.size == 0:
        return empty_figure("Nothing to draw: fewer than two vectors were clustered.", title)
    if z.ndim != 2 or z.shape[1] != 4:
        raise ValueError(f"linkage must have shape (n - 1, 4), got {z.shape}.")
    kwargs = {} if cut_height is None else {"color_threshold": float(cut_height)}
    d = dendrogram(z, no_plot=True, truncate_mode="lastp", p=max(int(p), 1), above_threshold_color="#999999",
                   **kwargs)
    by_color: dict[str, tuple[list, list]] = {}
    for xs, ys, c in zip(d["icoord"], d["dcoord"], d["color_list"]):
        bx, by = by_color.setdefault(c, ([], []))
        bx += [*xs, None]
        by += [*ys, None]
    fig = go.Figure()
    for k, (c, (bx, by)) in enumerate(sorted(by_color.items())):
        color = c if c.startswith("#") else QUALITATIVE[(int(c[1:]) if c[1:].isdigit() else k) % len(QUALITATIVE)]
        fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line=dict(color=color, width=1.5), showlegend=False,
                                 name="merges", hovertemplate="height %{y:.3f}<extra></extra>"))
    leaves = d["ivl"]
    ticks = [5 + 10 * i for i in range(len(leaves))]
    fig.update_xaxes(tickvals=ticks, ticktext=leaves if len(leaves) <= 60 else None,
                     showticklabels=len(leaves) <= 60, title_text=f"{len(leaves)} leaves", showgrid=False,
                     range=[0, 10 * len(leaves)])
    fig.update_yaxes(title_text="merge distance", rangemode="tozero")
    n = z.shape[0] + 1
    sub = f"{n} vectors"
    if cut_height is not None:
        k = n - int((z[:, 2] <= cut_height).sum())
        fig.add_hline(y=float(cut_height), line=dict(color="#D62728", dash="dash", width=1.5),
                      annotation_text=f"cut → {k} clusters", annotation_position="top right")
        sub += f", cut at {cut_height:.3g} → {k} clusters"
    return finish_layout(fig, f"{title} ({sub})", height=380)
