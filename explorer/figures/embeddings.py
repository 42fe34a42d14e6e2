"""What the patch embeddings look like before any pooling: PCA colours, norms, a 2-d map."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from explorer.figures.common import (
    OVERLAY_OPACITY,
    SEQUENTIAL,
    add_page_background,
    cell_centers,
    cell_hovertext,
    check_grid_array,
    finish_layout,
    grid_height,
    patch_customdata,
    patch_hovertemplate,
    plotly_text,
    rgb01_to_css,
    setup_grid_axes,
)

_TRANSPARENT = "rgba(0, 0, 0, 0)"


def pca_rgb_map(rgb: np.ndarray, *, image: Image.Image | None = None, cell_text: Sequence[str] | None = None,
                title: str = "Patch embeddings as colours (first 3 principal components)",
                width: int = 640) -> go.Figure:
    """Every patch painted with its first three principal components as R, G, B.

    ``rgb`` ``(rows, cols, 3)`` in [0, 1]: patches with similar vectors look alike. Drawn as
    a ``go.Image`` (one pixel per cell, ``x0 = y0 = 0.5``, ``dx = dy = 1``, so pixel edges are
    cell edges), semi-transparent over the page when ``image`` is given; a transparent
    heatmap on top carries the hover (row, col, index, the colour, ``cell_text``).
    """
    arr = check_grid_array(rgb, "rgb", channels=3).astype(float)
    grid = arr.shape[:2]
    pixels = np.round(np.clip(np.nan_to_num(arr), 0.0, 1.0) * 255).astype(np.uint8)
    fig = go.Figure()
    fig.add_trace(go.Image(z=pixels, x0=0.5, y0=0.5, dx=1, dy=1, hoverinfo="skip", name="pca",
                           opacity=OVERLAY_OPACITY + 0.2 if image is not None else 1.0))
    x, y = cell_centers(grid)
    text = cell_hovertext(grid, cell_text)
    lines = ["PC 1-3 (as R, G, B): %{customdata[3]:.2f}, %{customdata[4]:.2f}, %{customdata[5]:.2f}"]
    lines += ["%{text}"] if text is not None else []
    fig.add_trace(go.Heatmap(
        z=np.zeros(grid), x=x, y=y, colorscale=[[0, _TRANSPARENT], [1, _TRANSPARENT]], showscale=False,
        customdata=patch_customdata(grid, *np.moveaxis(arr, -1, 0)), text=text,
        hovertemplate=patch_hovertemplate(*lines), name="patches",
    ))
    add_page_background(fig, image, grid)
    setup_grid_axes(fig, grid, image)
    return finish_layout(fig, title, height=grid_height(grid, image, width=width))


def norm_heatmap(norms: np.ndarray, *, image: Image.Image | None = None,
                 title: str = "Embedding norm of each patch", width: int = 640) -> go.Figure:
    """``norms`` ``(rows, cols)``: the L2 norm of every patch vector, as a heatmap over the page."""
    z = check_grid_array(norms, "norms").astype(float)
    grid = z.shape
    x, y = cell_centers(grid)
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, colorscale=SEQUENTIAL, opacity=OVERLAY_OPACITY if image is not None else 1.0,
        colorbar=dict(title=dict(text="norm"), thickness=12), customdata=patch_customdata(grid),
        hovertemplate=patch_hovertemplate("norm %{z:.4f}"), name="norm",
    ))
    add_page_background(fig, image, grid)
    setup_grid_axes(fig, grid, image)
    return finish_layout(fig, title, height=grid_height(grid, image, width=width))


def pca_scatter(coords: np.ndarray, *, colors: np.ndarray | None = None, is_special: np.ndarray | None = None,
                hover: Sequence[str] | None = None,
                title: str = "Embeddings projected on 2 principal components") -> go.Figure:
    """``coords`` ``(n, 2)``: one marker per vector, coloured by ``colors`` ``(n, 3)`` in [0, 1]
    (e.g. the same PCA colours as :func:`pca_rgb_map`); ``is_special`` ``(n,)`` bool vectors
    (prompt / special tokens) get a diamond marker and their own legend entry; ``hover``: n
    strings. Each marker's ``customdata`` is its position in the input."""
    xy = np.asarray(coords, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"coords must have shape (n, 2), got {xy.shape}.")
    n = xy.shape[0]
    special = np.zeros(n, dtype=bool) if is_special is None else np.asarray(is_special, dtype=bool)
    if special.shape != (n,):
        raise ValueError(f"is_special must have shape ({n},), got {special.shape}.")
    if colors is None:
        css = np.array(["#2E91E5"] * n, dtype=object)
    else:
        col = np.asarray(colors, dtype=float)
        if col.shape != (n, 3):
            raise ValueError(f"colors must have shape ({n}, 3), got {col.shape}.")
        css = np.array([rgb01_to_css(c) for c in col], dtype=object)
    if hover is not None and len(hover) != n:
        raise ValueError(f"hover must have {n} entries, got {len(hover)}.")
    text = np.array([plotly_text(h) for h in hover] if hover is not None else [""] * n, dtype=object)
    fig = go.Figure()
    for name, sel, marker in (
        ("patch / token", ~special, dict(symbol="circle", size=7, line=dict(width=0))),
        ("special token", special, dict(symbol="diamond", size=12, line=dict(width=1.5, color="#111"))),
    ):
        if not sel.any():
            continue
        idx = np.nonzero(sel)[0]
        fig.add_trace(go.Scatter(
            x=xy[idx, 0], y=xy[idx, 1], mode="markers", name=name, marker=dict(color=css[idx].tolist(), **marker),
            customdata=idx.tolist(), text=text[idx].tolist(),
            hovertemplate="vector %{customdata}" + ("<br>%{text}" if hover is not None else "")
            + "<br>(%{x:.3f}, %{y:.3f})<extra>" + name + "</extra>",
        ))
    fig.update_xaxes(title_text="PC 1", zeroline=False)
    fig.update_yaxes(title_text="PC 2", zeroline=False)
    return finish_layout(fig, title, height=480, legend=dict(orientation="h", y=-0.12))
