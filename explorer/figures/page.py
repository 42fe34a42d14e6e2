"""The page and its patch grid: where each patch vector comes from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from explorer.figures.common import (
    GRID_LINE_COLOR,
    add_page_background,
    cell_centers,
    cell_hovertext,
    check_grid_array,
    finish_layout,
    grid_height,
    patch_customdata,
    patch_hovertemplate,
    setup_grid_axes,
)

BLANK_SHADE = "rgba(90, 90, 90, 0.35)"
_TRANSPARENT = "rgba(0, 0, 0, 0)"


def grid_lines(grid: tuple[int, int]) -> tuple[list, list]:
    """All cell edges of the grid (outer frame included) as one ``None``-separated polyline."""
    rows, cols = grid
    xs: list = []
    ys: list = []
    for c in range(cols + 1):
        xs += [c, c, None]
        ys += [0, rows, None]
    for r in range(rows + 1):
        xs += [0, cols, None]
        ys += [r, r, None]
    return xs, ys


def page_with_grid(image: Image.Image, grid: tuple[int, int], *, cell_text: Sequence[str] | None = None,
                   blank_mask: np.ndarray | None = None, title: str = "Page and patch grid",
                   width: int = 640) -> go.Figure:
    """The page with its ``(rows, cols)`` patch grid drawn over it.

    Hover on a cell gives row, col, patch index and ``cell_text[index]`` (e.g. the PDF text
    under the cell). ``blank_mask`` ``(rows, cols)`` bool: blank cells are lightly shaded.
    A heatmap carries the hover (and the shading): z is ``blank_mask`` as 0/1, drawn with a
    colour scale that is transparent at 0.
    """
    rows, cols = grid = (int(grid[0]), int(grid[1]))
    if blank_mask is None:
        shade = np.zeros((rows, cols))
    else:
        shade = check_grid_array(blank_mask, "blank_mask").astype(float)
        if shade.shape != (rows, cols):
            raise ValueError(f"blank_mask has shape {shade.shape}, grid is {grid}.")
    x, y = cell_centers(grid)
    text = cell_hovertext(grid, cell_text)
    if blank_mask is not None:
        flag = np.where(shade > 0, "(blank)", "")
        text = flag if text is None else np.char.add(np.char.add(text, " "), flag)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=shade, x=x, y=y, zmin=0, zmax=1, colorscale=[[0, _TRANSPARENT], [1, BLANK_SHADE]],
        showscale=False, customdata=patch_customdata(grid), text=text,
        hovertemplate=patch_hovertemplate(*(["%{text}"] if text is not None else [])), name="patches",
    ))
    gx, gy = grid_lines(grid)
    fig.add_trace(go.Scatter(x=gx, y=gy, mode="lines", line=dict(color=GRID_LINE_COLOR, width=1),
                             hoverinfo="skip", showlegend=False, name="grid"))
    add_page_background(fig, image, grid)
    setup_grid_axes(fig, grid, image)
    subtitle = f"{rows} x {cols} = {rows * cols} patches"
    if blank_mask is not None:
        subtitle += f", {int(shade.sum())} blank (shaded)"
    return finish_layout(fig, f"{title} ({subtitle})", height=grid_height(grid, image, width=width))
