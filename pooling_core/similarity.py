"""Similarity maps: where on the page (or in the text) each query token finds its match,
before and after pooling.

The pooled map gives every original patch the similarity of the pooled vector it went
into, so the two maps share one geometry and can be shown side by side or subtracted.
"""

from __future__ import annotations

import numpy as np
import torch

from pooling_core.maxsim import similarities
from pooling_core.multivector import MultiVector
from pooling_core.pooling.result import PoolingResult


def token_similarities(query: torch.Tensor | np.ndarray, mv: MultiVector, *, normalize: bool = False) -> torch.Tensor:
    """``(q_len, n)`` float32: similarity of each query token to every input vector."""
    return similarities(query, mv.vectors, normalize=normalize)


def pooled_token_similarities(
    query: torch.Tensor | np.ndarray, result: PoolingResult, *, normalize: bool = False
) -> torch.Tensor:
    """``(q_len, n)`` float32: for every *input* vector, the similarity of the pooled vector
    it was assigned to (NaN where it was dropped). For ``row_column``, where a patch is in
    two pooled vectors, the larger of the two (what MaxSim could reach through it)."""
    sims = similarities(query, result.vectors, normalize=normalize)  # (q, m)
    a = result.assignment
    out = sims[:, a.clamp_min(0)]
    if result.secondary_assignment is not None:
        b = result.secondary_assignment
        out = torch.where((b >= 0)[None, :], torch.maximum(out, sims[:, b.clamp_min(0)]), out)
    return out.masked_fill((a < 0)[None, :], float("nan"))


def _to_grid(values: torch.Tensor, mv: MultiVector) -> torch.Tensor:
    rows, cols = mv.require_grid("a similarity map")
    return values[:, mv.patch_indices].reshape(values.shape[0], rows, cols)


def similarity_map(query: torch.Tensor | np.ndarray, mv: MultiVector, *, normalize: bool = False) -> torch.Tensor:
    """``(q_len, rows, cols)``: each query token's similarity to each patch of the grid."""
    return _to_grid(token_similarities(query, mv, normalize=normalize), mv)


def pooled_similarity_map(
    query: torch.Tensor | np.ndarray, mv: MultiVector, result: PoolingResult, *, normalize: bool = False
) -> torch.Tensor:
    """``(q_len, rows, cols)``: each patch takes the similarity of its pooled vector."""
    return _to_grid(pooled_token_similarities(query, result, normalize=normalize), mv)
