"""PCA colours and pool-factor sweeps."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA

from pooling_core import MultiVector
from pooling_core.pooling.linkage import LinkageCache
from pooling_core.projection import pca, pca_rgb
from pooling_core.sweep import knee_index, sweep


def test_pca_matches_sklearn_up_to_sign(unit_vectors) -> None:
    x = unit_vectors(50, 8)
    ours, explained = pca(x, 3)
    ref = PCA(3).fit(x.numpy())
    theirs = ref.transform(x.numpy())
    for j in range(3):
        c = np.corrcoef(ours[:, j].numpy(), theirs[:, j])[0, 1]
        assert abs(abs(c) - 1) < 1e-4
    assert np.allclose(explained.numpy(), ref.explained_variance_ratio_, atol=1e-5)


def test_pca_small_inputs_pad_with_zeros() -> None:
    coords, explained = pca(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 3)
    assert coords.shape == (2, 3) and torch.allclose(coords[:, 1:], torch.zeros(2, 2), atol=1e-5)
    assert abs(explained[0].item() - 1.0) < 1e-6


def test_pca_rgb_in_unit_cube_and_similar_vectors_alike() -> None:
    a = torch.tensor([1.0, 0, 0, 0]).repeat(10, 1)
    b = torch.tensor([0, 0, 1.0, 0]).repeat(10, 1)
    x = torch.cat([a, b]) + 0.01 * torch.randn(20, 4)
    rgb = pca_rgb(x)
    assert rgb.shape == (20, 3) and rgb.min() >= 0 and rgb.max() <= 1
    within = (rgb[:10] - rgb[:10].mean(0)).norm(dim=1).max()
    between = (rgb[:10].mean(0) - rgb[10:].mean(0)).norm()
    assert between > 5 * within


def test_knee() -> None:
    assert knee_index([1, 2, 3, 4, 5], [0.0, 0.8, 0.9, 0.95, 1.0]) == 1
    assert knee_index([1, 2], [0, 1]) is None
    assert knee_index([1, 2, 3], [1, 1, 1]) is None


def test_sweep_identity_and_monotone_counts(unit_vectors) -> None:
    mv = MultiVector(unit_vectors(40, 8), grid=(5, 8))
    qs = [unit_vectors(4, 8, seed=2)]
    pts = sweep(mv, qs, "hierarchical", "pool_factor", [1, 2, 4, 8])
    assert [p.vectors for p in pts] == [40, 20, 10, 5]
    assert abs(pts[0].retention - 1.0) < 1e-5
    calls = []
    sweep(mv, qs, "row", "keep_special", [True], progress=lambda i, n: calls.append((i, n)))
    assert calls == [(1, 1)]


def test_sweep_clusters_once(unit_vectors) -> None:
    from pooling_core.pooling import linkage as linkage_mod

    cache = LinkageCache()
    old = linkage_mod.LINKAGE_CACHE
    mv = MultiVector(unit_vectors(30, 8, seed=7))
    import pooling_core.pooling.hierarchical as h
    h.LINKAGE_CACHE = cache
    try:
        sweep(mv, [unit_vectors(3, 8)], "hierarchical", "pool_factor", list(range(1, 9)))
    finally:
        h.LINKAGE_CACHE = old
    assert cache.misses == 1 and cache.hits == 7
