"""Shared helpers of the figure builders: palettes, grid axes, page background, HTML export.

Everything here is plain numpy / plotly / PIL. A patch grid is ``(rows, cols)`` with row
0 at the top; the grid occupies data coordinates ``x in [0, cols]`` and ``y in [0, rows]``
(y axis reversed), so cell ``(r, c)`` is the unit square ``[c, c+1] x [r, r+1]`` and its
centre is ``(c + 0.5, r + 0.5)``. The page image, when given, is stretched over exactly that
extent, so heatmaps, boundaries and the page line up on cell edges by construction.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from PIL import Image

TEMPLATE = "plotly_white"
# New figures start from this template; passing ``template=`` again would deep-copy it a second
# time (~20 ms a figure, measured), so ``finish_layout`` only sets it when it differs.
pio.templates.default = TEMPLATE
MARGIN = dict(l=10, r=10, t=50, b=10)
#: Plot width (px) assumed when sizing a figure's height from the page aspect ratio.
DEFAULT_WIDTH = 640

# Dark24 and Light24 interleaved, without the greys (grey means "dropped") and the palest
# tints (they vanish over a page image): 44 distinct colours.
_DARK = ["#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#B68100", "#750D86", "#EB663B",
         "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE", "#862A16",
         "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038"]
_LIGHT = ["#FD3216", "#00FE35", "#6A76FC", "#FE00CE", "#0DF9FF", "#F6F926", "#FF9616", "#479B55",
          "#EEA6FB", "#DC587D", "#D626FF", "#00B5F7", "#B68E00", "#FF0092", "#22FFA7", "#86CE00",
          "#BC7196", "#7E7DCD", "#FC6955", "#E48F72", "#6E899C"]
QUALITATIVE: list[str] = [c for pair in zip(_DARK, _LIGHT) for c in pair] + _DARK[len(_LIGHT):]
DROPPED_COLOR = "#A0A0A0"
GRID_LINE_COLOR = "rgba(220, 30, 30, 0.55)"
BOUNDARY_COLOR = "rgba(15, 15, 15, 0.9)"
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"
#: Heatmap opacity over a page image (the page must stay readable underneath).
OVERLAY_OPACITY = 0.55
# Where each cluster id starts its search in the palette: a fixed pseudo-random slot per id
# (seeded, so a cluster keeps its colour across reruns), so that the palette does not repeat
# visibly every 44 ids the way ``id mod 44`` would.
_COLOR_SEED = 20240611


# --------------------------------------------------------------------------- text & colour
def plotly_text(s: object) -> str:
    """Escape user text for plotly labels (plotly renders a subset of HTML: ``<s>`` would
    strike through, ``<b>`` bold). Newlines become ``<br>``.

    >>> plotly_text("<s> & ##ing\\nnext")
    '&lt;s&gt; &amp; ##ing<br>next'
    """
    return html.escape(str(s), quote=False).replace("\n", "<br>")


def hex_to_rgb01(color: str) -> tuple[float, float, float]:
    """``'#FF8000'`` -> ``(1.0, 0.50..., 0.0)``."""
    c = color.lstrip("#")
    return tuple(int(c[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def rgb01_to_css(rgb: Sequence[float]) -> str:
    """``(1, 0.5, 0)`` -> ``'rgb(255, 128, 0)'`` (values clipped to [0, 1]).

    >>> rgb01_to_css((1, 0.5, 0))
    'rgb(255, 128, 0)'
    """
    r, g, b = (int(round(float(np.clip(v, 0.0, 1.0)) * 255)) for v in rgb[:3])
    return f"rgb({r}, {g}, {b})"


def relative_luminance(rgb: Sequence[float]) -> float:
    """WCAG relative luminance of an sRGB colour given in [0, 1]."""
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
           for v in (float(np.clip(x, 0.0, 1.0)) for x in rgb[:3])]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def readable_text_color(rgb: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the background ``rgb`` in [0, 1].

    >>> readable_text_color((1, 1, 0)), readable_text_color((0, 0, 0.5))
    ('#000000', '#ffffff')
    """
    lum = relative_luminance(rgb)
    # contrast(black) = (L + .05) / .05, contrast(white) = 1.05 / (L + .05); equal at L ~ 0.179
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def human_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'`` (binary units).

    >>> human_bytes(512), human_bytes(1536), human_bytes(3 * 2**20)
    ('512 B', '1.5 KiB', '3.0 MiB')
    """
    value = float(n)
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    for unit in units:
        if abs(value) < 1024 or unit == units[-1]:
            break
        value /= 1024
    return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"


def discrete_colorscale(colors: Sequence[str]) -> list[list]:
    """A colorscale that maps the integer ``k`` to ``colors[k]`` when used with
    ``zmin=-0.5, zmax=len(colors) - 0.5`` (flat steps, no blending)."""
    k = len(colors)
    scale: list[list] = []
    for i, c in enumerate(colors):
        scale += [[i / k, c], [(i + 1) / k, c]]
    return scale


# --------------------------------------------------------------------------- cluster colours
def grid_adjacency(ids: np.ndarray) -> set[tuple[int, int]]:
    """Pairs ``(a, b)``, ``a < b``, of different ids (``>= 0``) on 4-neighbouring cells.

    >>> sorted(grid_adjacency(np.array([[0, 0, 1], [2, 2, 1]])))
    [(0, 1), (0, 2), (1, 2)]
    """
    ids = np.asarray(ids)
    pairs: set[tuple[int, int]] = set()
    for a, b in ((ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])):
        hit = (a != b) & (a >= 0) & (b >= 0)
        for u, v in zip(a[hit].tolist(), b[hit].tolist()):
            pairs.add((min(u, v), max(u, v)))
    return pairs


def sequence_adjacency(ids: Sequence[int] | np.ndarray) -> set[tuple[int, int]]:
    """Pairs of different ids (``>= 0``) on consecutive positions of a 1-d sequence."""
    return grid_adjacency(np.asarray(ids).reshape(1, -1))


def cluster_color_slots(ids: Iterable[int], edges: Iterable[tuple[int, int]],
                        n_colors: int = len(QUALITATIVE)) -> dict[int, int]:
    """Palette slot for every cluster id so that ids joined by an edge differ.

    Greedy colouring in id order: cluster ``k`` starts its search at a fixed pseudo-random
    slot (a permuted palette) and takes the first slot no already-coloured neighbour uses.
    Proper whenever a cluster has fewer than ``n_colors`` neighbours; otherwise it falls
    back to the slot its neighbours use least.
    """
    present = sorted({int(i) for i in ids if int(i) >= 0})
    starts = np.random.default_rng(_COLOR_SEED).integers(0, n_colors, size=(present[-1] + 1) if present else 0)
    neighbours: dict[int, set[int]] = {k: set() for k in present}
    for a, b in edges:
        if a in neighbours and b in neighbours and a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    slots: dict[int, int] = {}
    for k in present:
        used = [slots[j] for j in neighbours[k] if j in slots]
        start = int(starts[k])
        order = [(start + s) % n_colors for s in range(n_colors)]
        free = [s for s in order if s not in used]
        slots[k] = free[0] if free else min(order, key=used.count)
    return slots


def cluster_colors(ids: Iterable[int], edges: Iterable[tuple[int, int]]) -> dict[int, str]:
    """Hex colour for every cluster id (``>= 0``), adjacent ids differing; see
    :func:`cluster_color_slots`."""
    return {k: QUALITATIVE[s] for k, s in cluster_color_slots(ids, edges).items()}


def boundary_segments(ids: np.ndarray) -> tuple[list[float | None], list[float | None]]:
    """Cell edges between 4-neighbours with different ids, as one polyline with ``None``
    separators (``x``, ``y`` lists for a single ``go.Scatter``).

    The vertical edge between ``(r, c)`` and ``(r, c+1)`` is ``x = c+1, y in [r, r+1]``;
    the horizontal edge between ``(r, c)`` and ``(r+1, c)`` is ``y = r+1, x in [c, c+1]``.

    >>> boundary_segments(np.array([[0, 1]]))
    ([1, 1, None], [0, 1, None])
    """
    ids = np.asarray(ids)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for r, c in zip(*np.nonzero(ids[:, :-1] != ids[:, 1:])):
        xs += [int(c) + 1, int(c) + 1, None]
        ys += [int(r), int(r) + 1, None]
    for r, c in zip(*np.nonzero(ids[:-1, :] != ids[1:, :])):
        xs += [int(c), int(c) + 1, None]
        ys += [int(r) + 1, int(r) + 1, None]
    return xs, ys


# --------------------------------------------------------------------------- grid figures
def check_grid_array(values: np.ndarray | Sequence, name: str, *, channels: int | None = None) -> np.ndarray:
    """``values`` as an array of shape ``(rows, cols)`` (or ``(rows, cols, channels)``)."""
    arr = np.asarray(values)
    want = 2 if channels is None else 3
    if arr.ndim != want or arr.shape[0] == 0 or arr.shape[1] == 0 or (
            channels is not None and arr.shape[2] != channels):
        shape = "(rows, cols)" if channels is None else f"(rows, cols, {channels})"
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}.")
    return arr


def cell_centers(grid: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (cols,) and ``y`` (rows,) of the cell centres: ``0.5, 1.5, ...``."""
    rows, cols = grid
    return np.arange(cols) + 0.5, np.arange(rows) + 0.5


def patch_customdata(grid: tuple[int, int], *extra: np.ndarray) -> np.ndarray:
    """``(rows, cols, 3 + len(extra))`` numeric array of ``[row, col, patch index, *extra[r, c]]``.

    Numeric on purpose: plotly passes numpy arrays through without per-element validation
    and ships them as typed arrays (plotly.js decodes 3-d ones); strings go in ``text``.

    >>> patch_customdata((2, 3))[1, 2].tolist()
    [1, 2, 5]
    """
    rows, cols = grid
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return np.stack([r, c, r * cols + c, *(np.asarray(e) for e in extra)], axis=-1)


def cell_hovertext(grid: tuple[int, int], cell_text: Sequence[str] | None, *, limit: int = 160) -> np.ndarray | None:
    """``cell_text`` (rows * cols strings, row-major) escaped, cut to ``limit`` characters
    and shaped ``(rows, cols)``."""
    if cell_text is None:
        return None
    rows, cols = grid
    if len(cell_text) != rows * cols:
        raise ValueError(f"cell_text must have rows*cols = {rows * cols} entries, got {len(cell_text)}.")
    out = []
    for t in cell_text:
        t = "" if t is None else str(t)
        out.append(plotly_text(t if len(t) <= limit else t[: limit - 1] + "…"))
    return np.array(out, dtype=str).reshape(rows, cols)


def patch_hovertemplate(*lines: str) -> str:
    """Hover template: row, col and patch index from ``customdata[0:3]``, then ``lines``."""
    body = "row %{customdata[0]}, col %{customdata[1]}<br>patch %{customdata[2]}"
    return "<br>".join([body, *lines]) + "<extra></extra>"


def grid_aspect(grid: tuple[int, int], image: Image.Image | None) -> float:
    """Height / width of the drawn grid: the page's if there is one, else square cells."""
    if image is not None:
        w, h = image.size
        return h / max(w, 1)
    rows, cols = grid
    return rows / max(cols, 1)


def grid_height(grid: tuple[int, int], image: Image.Image | None, *, panels: int = 1,
                width: int = DEFAULT_WIDTH, extra: int = 0) -> int:
    """Figure height (px) that shows ``panels`` side-by-side grids of ``width`` px total at
    the page's aspect ratio, clamped to a readable range."""
    plot_w = (width - MARGIN["l"] - MARGIN["r"]) / panels
    h = plot_w * grid_aspect(grid, image) + MARGIN["t"] + MARGIN["b"] + extra
    return int(np.clip(h, 260, 1100))


def setup_grid_axes(fig: go.Figure, grid: tuple[int, int], image: Image.Image | None,
                    *, axis: str = "") -> None:
    """Axes of one grid panel (``axis`` = ``""``, ``"2"``...): exact extent, y reversed,
    aspect locked to the page's (a cell is ``W/cols`` x ``H/rows`` page pixels)."""
    rows, cols = grid
    cell_ratio = grid_aspect(grid, image) * cols / max(rows, 1)  # y unit length / x unit length
    common = dict(showgrid=False, zeroline=False, showticklabels=False, ticks="", showline=False)
    fig.update_layout({
        f"xaxis{axis}": dict(range=[0, cols], constrain="domain", **common),
        f"yaxis{axis}": dict(range=[rows, 0], scaleanchor=f"x{axis}", scaleratio=cell_ratio,
                             constrain="domain", **common),
    })


#: Longest side (px) of the page image embedded in a figure: the image travels inside every
#: figure's JSON as a PNG data URI, so a 300-dpi render is scaled down first.
BACKGROUND_MAX_SIDE = 1024


def background_image(image: Image.Image, max_side: int = BACKGROUND_MAX_SIDE) -> Image.Image:
    """``image`` as RGB, scaled down (aspect kept) so its longest side is ``<= max_side``."""
    img = image.convert("RGB")
    if max(img.size) > max_side:
        img = img.copy()
        img.thumbnail((max_side, max_side))
    return img


_URI_CACHE: OrderedDict[tuple, str] = OrderedDict()
_URI_CACHE_SIZE = 32


def image_data_uri(image: Image.Image, *, quality: int = 88) -> str:
    """``image`` (scaled by :func:`background_image`) as a JPEG data URI: several times
    smaller and faster to encode than the PNG plotly would make of a rendered page.

    Memoised by a hash of the pixels (a few ms) because every figure over the same page
    embeds the same background: encoding it again cost ~45 ms per figure, which is most of
    a pool-factor change."""
    key = (image.size, image.mode, quality, hashlib.blake2b(image.tobytes(), digest_size=16).digest())
    uri = _URI_CACHE.get(key)
    if uri is None:
        buf = io.BytesIO()
        background_image(image).save(buf, format="JPEG", quality=quality)
        uri = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        _URI_CACHE[key] = uri
        while len(_URI_CACHE) > _URI_CACHE_SIZE:
            _URI_CACHE.popitem(last=False)
    else:
        _URI_CACHE.move_to_end(key)
    return uri


def add_page_background(fig: go.Figure, image: Image.Image | None, grid: tuple[int, int],
                        *, axis: str = "") -> None:
    """Draw ``image`` under the traces, stretched over exactly ``[0, cols] x [0, rows]``.

    With the y axis reversed, ``y=0`` with ``yanchor="top"`` is the top edge of row 0.
    """
    if image is None:
        return
    rows, cols = grid
    fig.add_layout_image(dict(
        source=image_data_uri(image), xref=f"x{axis}", yref=f"y{axis}", x=0, y=0,
        sizex=cols, sizey=rows, xanchor="left", yanchor="top", sizing="stretch", layer="below",
    ))


def finish_layout(fig: go.Figure, title: str, **layout) -> go.Figure:
    """Common look: template, small margins, escaped title."""
    fig.update_layout(margin=MARGIN, title=dict(text=plotly_text(title), x=0.01))
    fig.update_layout(**layout)
    return fig


def empty_figure(message: str, title: str) -> go.Figure:
    """A figure that says ``message`` instead of showing data."""
    fig = go.Figure()
    fig.add_annotation(text=plotly_text(message), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font=dict(size=14, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish_layout(fig, title, height=260)


# --------------------------------------------------------------------------- export
# plotly.js's only built-in CDN address: the default topojson URL for geo maps (which this
# app never draws). Pointing it to a relative path keeps the exported page free of any
# network address, so it provably loads nothing from outside.
_TOPOJSON_CDN = '"https://cdn.plot.ly/un/"'
_TOPOJSON_LOCAL = '"./topojson/"'


def figure_html(fig: go.Figure) -> str:
    """A self-contained HTML document of ``fig`` with plotly.js embedded (~4.8 MB), so it
    opens offline. No CDN reference, no external script."""
    doc = fig.to_html(full_html=True, include_plotlyjs=True, config={"displaylogo": False})
    return doc.replace(_TOPOJSON_CDN, _TOPOJSON_LOCAL)
