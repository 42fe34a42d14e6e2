"""Similarity maps before and after pooling."""

from __future__ import annotations

import math

import torch

from pooling_core import MultiVector, pool, pooled_similarity_map, pooled_token_similarities, similarity_map


def mv_2x2() -> MultiVector:
    v = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [5.0, 5.0]])
    return MultiVector(v, grid=(2, 2), special_mask=torch.tensor([False] * 4 + [True]))


def test_similarity_map_exact() -> None:
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    m = similarity_map(q, mv_2x2())
    assert m.shape == (2, 2, 2)
    assert m[0].tolist() == [[1.0, 0.0], [1.0, 2.0]]
    assert m[1].tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_pooled_map_takes_the_pooled_vectors_similarity() -> None:
    mv = mv_2x2()
    res = pool(mv, "row", normalize=False)  # rows: [0.5, 0.5], [1.5, 0.5]
    q = torch.tensor([[1.0, 0.0]])
    assert pooled_similarity_map(q, mv, res)[0].tolist() == [[0.5, 0.5], [1.5, 1.5]]


def test_row_column_takes_the_better_of_row_and_column() -> None:
    mv = mv_2x2()
    res = pool(mv, "row_column", normalize=False)
    # rows [.5,.5], [1.5,.5]; columns [1,.5], [1,.5]
    q = torch.tensor([[1.0, 0.0]])
    assert pooled_similarity_map(q, mv, res)[0].tolist() == [[1.0, 1.0], [1.5, 1.5]]


def test_dropped_vectors_are_nan() -> None:
    mv = mv_2x2()
    res = pool(mv, "row", keep_special=False)
    sims = pooled_token_similarities(torch.tensor([[1.0, 0.0]]), res)
    assert math.isnan(sims[0, 4].item()) and not torch.isnan(sims[0, :4]).any()


def test_identity_pooling_gives_the_same_map(unit_vectors) -> None:
    x = unit_vectors(12, 6)
    mv = MultiVector(x, grid=(3, 4))
    q = unit_vectors(3, 6, seed=1)
    res = pool(mv, "hierarchical", pool_factor=1)
    assert torch.allclose(pooled_similarity_map(q, mv, res), similarity_map(q, mv), atol=1e-6)
