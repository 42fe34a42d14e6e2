"""Where each output token of a page encoder sits on the page.

A page encoder returns one vector per *input token*, and the input sequence mixes prompt
tokens with image tokens whose order depends on the model family:

- **ColPali (PaliGemma / SigLIP):** the image tokens come first, one per patch of the
  fixed-size (448 px) square image, row-major; then ``<bos>`` and the text prompt.
- **ColQwen2 / ColQwen2.5:** ``<|vision_start|>``, then one token per 2x2 block of 14-px
  patches (28x28 px) of the dynamically resized image, row-major over the merged grid
  ``(H/28, W/28)`` given by ``image_grid_thw``; the prompt around it.
- **ColIdefics3 / ColSmol / ColModernVBert:** the page is cut into square tiles (512 px for
  real models), each tile gives ``k x k`` tokens (8x8) in row-major order, the tiles come
  in row-major *tile* order (each announced by a ``<row_r_col_c>`` marker) and a last
  ``global`` tile (the whole page shrunk to one tile, after ``<global-img>``) closes the
  image.

Every function here turns what the processor produced (token ids or strings, grid sizes)
into a :class:`TokenLayout`: the permutation that puts the patch tokens into ONE row-major
grid of the whole page, followed by every other token in sequence order. Nothing here
touches model weights, so it is tested on its own.

Choice for the Idefics3 global tile: its tokens are kept (the model scores with them, and
dropping them would change MaxSim) but flagged *special*, kind ``"global"``: they do not
belong to one place on the page. When the page is small enough not to be split, the single
tile *is* the page and its tokens are the grid.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import torch

from pooling_core.errors import InputError

PATCH = "patch"
GLOBAL = "global"
TEXT = "text"

_ROW_COL = re.compile(r"^<row_(\d+)_col_(\d+)>$")


@dataclass(frozen=True)
class TokenLayout:
    """How to reorder one unpadded token sequence into grid order.

    Attributes:
        order: ``(n,)`` long: for each output vector, its position in the input sequence.
            The first ``rows * cols`` entries are the patches in row-major grid order, the
            rest are the other tokens in their sequence order.
        grid: ``(rows, cols)`` of the patches.
        kinds: ``n`` strings, one per output vector: ``"patch"``, ``"global"`` (Idefics3
            global-tile token) or ``"text"`` (prompt, markers, ``<bos>``...).
        global_grid: ``(k, k)`` of the global-tile tokens when there are any, else ``None``.
    """

    order: torch.Tensor
    grid: tuple[int, int]
    kinds: tuple[str, ...]
    global_grid: tuple[int, int] | None = None

    @property
    def n_patches(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def special_mask(self) -> torch.Tensor:
        """``(n,)`` bool: ``True`` for every output vector that is not a grid patch."""
        return torch.tensor([k != PATCH for k in self.kinds], dtype=torch.bool)


def _layout(patch_positions: Sequence[int], grid: tuple[int, int], length: int,
            global_positions: Sequence[int] = (), global_grid: tuple[int, int] | None = None) -> TokenLayout:
    """Patches first (given order), then every other position in sequence order."""
    taken = set(patch_positions)
    globals_ = set(global_positions)
    rest = [p for p in range(length) if p not in taken]
    order = list(patch_positions) + rest
    kinds = [PATCH] * len(patch_positions) + [GLOBAL if p in globals_ else TEXT for p in rest]
    return TokenLayout(
        order=torch.tensor(order, dtype=torch.long),
        grid=(int(grid[0]), int(grid[1])),
        kinds=tuple(kinds),
        global_grid=global_grid,
    )


def _positions(input_ids: torch.Tensor | Sequence[int], token_id: int) -> list[int]:
    ids = torch.as_tensor(input_ids).flatten()
    return torch.nonzero(ids == int(token_id), as_tuple=False).flatten().tolist()


def row_major_layout(input_ids: torch.Tensor | Sequence[int], image_token_id: int,
                     grid: tuple[int, int]) -> TokenLayout:
    """Layout when the image tokens already appear row-major (ColPali, ColQwen2/2.5).

    Args:
        input_ids: ``(L,)`` token ids of ONE unpadded sequence.
        image_token_id: id of the image placeholder token.
        grid: ``(rows, cols)`` the processor reports for this image.

    >>> lay = row_major_layout([9, 9, 9, 9, 1, 5], image_token_id=9, grid=(2, 2))
    >>> lay.order.tolist(), lay.kinds[-2:]
    ([0, 1, 2, 3, 4, 5], ('text', 'text'))
    """
    pos = _positions(input_ids, image_token_id)
    rows, cols = grid
    if len(pos) != rows * cols:
        raise InputError(
            f"The processor produced {len(pos)} image tokens but reports a {rows}x{cols} patch grid "
            f"({rows * cols} patches); the model and its processor do not match."
        )
    return _layout(pos, grid, len(torch.as_tensor(input_ids).flatten()))


def paligemma_grid(n_patches_xy: tuple[int, int]) -> tuple[int, int]:
    """``(rows, cols)`` from colpali-engine's ``get_n_patches`` answer ``(n_x, n_y)``.

    >>> paligemma_grid((32, 32))
    (32, 32)
    """
    n_x, n_y = (int(v) for v in n_patches_xy)
    return n_y, n_x


def qwen_grid(image_grid_thw: torch.Tensor | Sequence[int], merge_size: int) -> tuple[int, int]:
    """``(rows, cols)`` of merged tokens from one row of ``image_grid_thw`` ``(t, h, w)``.

    ``h`` and ``w`` count 14-px patches; ``merge_size x merge_size`` of them (2x2) form
    one token, so a token covers 28x28 px of the resized image.

    >>> qwen_grid([1, 8, 14], merge_size=2)
    (4, 7)
    """
    t, h, w = (int(v) for v in torch.as_tensor(image_grid_thw).flatten().tolist())
    if t != 1:
        raise InputError(f"Expected a single image (temporal size 1), got temporal size {t}.")
    if h % merge_size or w % merge_size:
        raise InputError(f"The patch grid {h}x{w} is not divisible by the merge size {merge_size}.")
    return h // merge_size, w // merge_size


def tile_major_to_grid(tile_rows: int, tile_cols: int, k: int) -> torch.Tensor:
    """Index, in tile-major order, of each cell of the row-major page grid.

    Tile-major order lists tile ``(0, 0)``'s ``k x k`` tokens row-major, then tile
    ``(0, 1)``'s, ..., row by row of tiles. The page grid has ``tile_rows * k`` rows and
    ``tile_cols * k`` columns; cell ``(R, C)`` lies in tile ``(R // k, C // k)`` at local
    position ``(R % k, C % k)``.

    Returns:
        ``(tile_rows * k * tile_cols * k,)`` long: ``out[R * cols + C]`` is the tile-major
        index of cell ``(R, C)``.

    >>> tile_major_to_grid(1, 2, 2).tolist()
    [0, 1, 4, 5, 2, 3, 6, 7]
    """
    rows, cols = tile_rows * k, tile_cols * k
    r = torch.arange(rows).view(-1, 1).expand(rows, cols)
    c = torch.arange(cols).view(1, -1).expand(rows, cols)
    tile = (r // k) * tile_cols + (c // k)
    local = (r % k) * k + (c % k)
    return (tile * k * k + local).flatten()


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """``[start, stop)`` of each maximal run of ``True``."""
    runs, start = [], None
    for i, f in enumerate(flags):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    return runs


def idefics3_layout(tokens: Sequence[str], image_token: str, image_seq_len: int) -> TokenLayout:
    """Layout of an Idefics3-style split image (ColIdefics3, ColSmol, ColModernVBert).

    Args:
        tokens: the ``L`` token strings of ONE unpadded sequence.
        image_token: the image placeholder string (``"<image>"``).
        image_seq_len: tokens per tile (64 for real models, a square).

    Each run of ``image_seq_len`` image tokens is one tile; the nearest marker before it
    (``<row_r_col_c>``, 1-based, or ``<global-img>``) says which. The tiles must form a
    complete ``R x C`` arrangement.

    >>> toks = ["<s>"]
    >>> for r in (1, 2):
    ...     toks += [f"<row_{r}_col_1>"] + ["<image>"] * 4 + [f"<row_{r}_col_2>"] + ["<image>"] * 4
    >>> toks += ["<global-img>"] + ["<image>"] * 4 + ["!"]
    >>> lay = idefics3_layout(toks, "<image>", 4)
    >>> lay.grid, lay.global_grid, lay.order[:4].tolist()
    ((4, 4), (2, 2), [2, 3, 7, 8])
    """
    k = math.isqrt(int(image_seq_len))
    if k * k != image_seq_len:
        raise InputError(f"{image_seq_len} tokens per tile do not form a square grid.")
    flags = [t == image_token for t in tokens]
    runs = _runs(flags)
    tiles: dict[tuple[int, int], int] = {}
    global_start: int | None = None
    for start, stop in runs:
        if stop - start != image_seq_len:
            raise InputError(
                f"An image-token run has {stop - start} tokens where one tile has "
                f"{image_seq_len}; the model and its processor do not match."
            )
        marker = None
        for j in range(start - 1, -1, -1):
            if tokens[j] == "<global-img>" or _ROW_COL.match(tokens[j]):
                marker = tokens[j]
                break
            if flags[j]:
                break
        if marker is None:
            raise InputError("An image tile has no <row_r_col_c> or <global-img> marker before it.")
        if marker == "<global-img>":
            if global_start is not None:
                raise InputError("Only one image per page is supported; found two global tiles.")
            global_start = start
        else:
            m = _ROW_COL.match(marker)
            tiles[(int(m.group(1)) - 1, int(m.group(2)) - 1)] = start
    if not tiles:
        if global_start is None:
            raise InputError("The processor produced no image tokens.")
        # Not split: the single (global) tile is the whole page.
        pos = [global_start + i for i in range(image_seq_len)]
        return _layout(pos, (k, k), len(tokens))
    n_rows = 1 + max(r for r, _ in tiles)
    n_cols = 1 + max(c for _, c in tiles)
    if len(tiles) != n_rows * n_cols:
        raise InputError(f"The tiles do not form a complete {n_rows}x{n_cols} arrangement.")
    tile_major = [
        tiles[(r, c)] + i for r in range(n_rows) for c in range(n_cols) for i in range(image_seq_len)
    ]
    perm = tile_major_to_grid(n_rows, n_cols, k).tolist()
    pos = [tile_major[i] for i in perm]
    glob = [global_start + i for i in range(image_seq_len)] if global_start is not None else []
    return _layout(pos, (n_rows * k, n_cols * k), len(tokens), glob, (k, k) if glob else None)


def grid_boxes(grid: tuple[int, int], image_size: tuple[int, int]) -> list[tuple[float, float, float, float]]:
    """Pixel box ``(x0, y0, x1, y1)`` of each cell of a uniform grid over an image, row-major.

    Every supported processor *stretches* the whole page onto its input canvas (SigLIP
    square, Qwen multiples of 28 px, Idefics3 multiples of the tile size) without padding
    or cropping, so cell boxes on the original image are a uniform grid.

    Args:
        grid: ``(rows, cols)``.
        image_size: ``(width, height)`` in pixels (PIL's order).

    >>> grid_boxes((1, 2), (100, 50))
    [(0.0, 0.0, 50.0, 50.0), (50.0, 0.0, 100.0, 50.0)]
    """
    rows, cols = grid
    w, h = image_size
    return [
        (c * w / cols, r * h / rows, (c + 1) * w / cols, (r + 1) * h / rows)
        for r in range(rows)
        for c in range(cols)
    ]
