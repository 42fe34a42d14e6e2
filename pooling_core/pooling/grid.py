"""Image-specific pooling over the patch grid: rows, columns, both, and 2D windows.

The grid part of a page (``rows x cols`` patches, row-major) is averaged along rows,
columns or in ``kh x kw`` windows. Special tokens (ColPali's prompt tokens) are not
patches: ``keep_special=True`` keeps them unpooled after the pooled vectors, as Qdrant's
optimisation article does (ColPali 1024 + 6 -> 32 rows + 6 = 38); ``False`` drops them
(assignment ``-1``), as the DeepLearning.AI course notebook does (-> 32).
"""

from __future__ import annotations

import math

import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector
from pooling_core.pooling.assemble import assemble
from pooling_core.pooling.params import window_pair
from pooling_core.pooling.result import PoolingResult


def _kept_specials(mv: MultiVector, keep_special: bool) -> torch.Tensor:
    return mv.special_indices if keep_special else mv.special_indices[:0]


def _rc(mv: MultiVector, method: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, int]:
    rows, cols = mv.require_grid(method)
    pos = mv.patch_indices
    i = torch.arange(rows * cols, device=mv.device)
    return pos, i // cols, i % cols, rows, cols


def row_pool(mv: MultiVector, *, keep_special: bool = True, normalize: bool = True) -> PoolingResult:
    """Mean of each grid row: ``rows x cols`` patches -> ``rows`` vectors (+ kept specials).

    Pooled vector ``r`` is the (re-normalised, if ``normalize``) mean of row ``r``.
    """
    pos, r, _, rows, _ = _rc(mv, "row")
    params = {"keep_special": keep_special, "normalize": normalize}
    return assemble(mv, pos, r, rows, method="row", params=params,
                    keep=_kept_specials(mv, keep_special), normalize=normalize)


def column_pool(mv: MultiVector, *, keep_special: bool = True, normalize: bool = True) -> PoolingResult:
    """Mean of each grid column: ``rows x cols`` patches -> ``cols`` vectors (+ kept specials)."""
    pos, _, c, _, cols = _rc(mv, "column")
    params = {"keep_special": keep_special, "normalize": normalize}
    return assemble(mv, pos, c, cols, method="column", params=params,
                    keep=_kept_specials(mv, keep_special), normalize=normalize)


def row_column_pool(mv: MultiVector, *, keep_special: bool = True, normalize: bool = True) -> PoolingResult:
    """Row means followed by column means (Qdrant's two multivectors concatenated).

    ``rows x cols`` patches -> ``rows + cols`` vectors (+ kept specials). Every patch is in
    two pooled vectors: ``assignment`` points to its row vector (``0..rows-1``),
    ``secondary_assignment`` to its column vector (``rows..rows+cols-1``).
    """
    pos, r, c, rows, _ = _rc(mv, "row_column")
    params = {"keep_special": keep_special, "normalize": normalize}
    return assemble(mv, pos, r, rows, method="row_column", params=params,
                    keep=_kept_specials(mv, keep_special), normalize=normalize,
                    secondary_positions=pos, secondary_labels=c)


def grid_pool(
    mv: MultiVector,
    *,
    window: int | tuple[int, int] = (2, 2),
    keep_special: bool = True,
    normalize: bool = True,
) -> PoolingResult:
    """Mean over non-overlapping ``kh x kw`` windows of the grid (stride = window).

    ``rows x cols`` -> ``ceil(rows/kh) x ceil(cols/kw)`` vectors, row-major over windows.
    Edges: when the window does not divide the grid, the last row / column of windows is
    smaller (it covers only the patches that are left) rather than padded or cut off, so
    every patch is pooled exactly once. A window larger than the grid is an error.
    """
    kh, kw = window_pair(window)
    pos, r, c, rows, cols = _rc(mv, "grid")
    if kh > rows or kw > cols:
        raise InputError(
            f"The window {kh}x{kw} is larger than the {rows}x{cols} patch grid; "
            f"choose at most {rows}x{cols}."
        )
    wc = math.ceil(cols / kw)
    labels = (r // kh) * wc + (c // kw)
    k = math.ceil(rows / kh) * wc
    params = {"window": (kh, kw), "keep_special": keep_special, "normalize": normalize}
    return assemble(mv, pos, labels, k, method="grid", params=params,
                    keep=_kept_specials(mv, keep_special), normalize=normalize,
                    extras={"window_grid": (math.ceil(rows / kh), wc)})
