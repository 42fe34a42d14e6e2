"""k-means pooling: seeded, never empty, agrees with scikit-learn on clear clusters."""

from __future__ import annotations

import pytest
import torch
from sklearn.cluster import KMeans

from pooling_core import InputError, pool
from pooling_core.pooling.assemble import canonical_labels


def blobs(k: int, per: int, d: int = 8, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centres = torch.nn.functional.normalize(torch.randn(k, d, generator=g), dim=-1) * 10
    pts = centres.repeat_interleave(per, 0) + 0.05 * torch.randn(k * per, d, generator=g)
    return pts[torch.randperm(k * per, generator=g)]


def test_matches_sklearn_on_separated_blobs() -> None:
    x = blobs(5, 12)
    res = pool(x, "kmeans", n_clusters=5)
    xn = torch.nn.functional.normalize(x, dim=-1).numpy()
    ref = KMeans(n_clusters=5, n_init=10, random_state=0).fit(xn).labels_
    assert res.assignment.tolist() == canonical_labels(torch.from_numpy(ref).long()).tolist()


def test_seeded_and_deterministic() -> None:
    x = torch.randn(50, 6)
    a = pool(x, "kmeans", pool_factor=5, seed=7)
    b = pool(x, "kmeans", pool_factor=5, seed=7)
    assert torch.equal(a.assignment, b.assignment) and torch.equal(a.vectors, b.vectors)
    assert a.n_output == 10


@pytest.mark.parametrize("x", [torch.ones(9, 4), torch.zeros(6, 3), torch.eye(3).repeat(4, 1)])
def test_never_an_empty_cluster(x: torch.Tensor) -> None:
    k = min(5, x.shape[0])
    res = pool(x, "kmeans", n_clusters=k)
    assert res.n_output == k
    assert torch.all(res.cluster_sizes >= 1)
    assert int(res.cluster_sizes.sum()) == x.shape[0]


def test_more_clusters_than_vectors() -> None:
    with pytest.raises(InputError, match="only 4 vectors"):
        pool(torch.randn(4, 3), "kmeans", n_clusters=5)
