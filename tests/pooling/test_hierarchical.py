"""Hierarchical (Ward) pooling: exact small cases, the scipy reference, the linkage cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.cluster.hierarchy import fcluster, linkage

from pooling_core import InputError, MultiVector, pool
from pooling_core.pooling.assemble import canonical_labels
from pooling_core.pooling.linkage import LinkageCache, cut_linkage, ward_linkage


def scipy_partition(x: torch.Tensor, k: int) -> list[int]:
    """Reference: scipy's Ward linkage on the L2-normalised vectors, cut into k clusters."""
    xn = torch.nn.functional.normalize(x.double(), dim=-1).numpy()
    labels = fcluster(linkage(xn, method="ward"), t=k, criterion="maxclust")
    return canonical_labels(torch.from_numpy(labels.astype(np.int64))).tolist()


def test_two_obvious_clusters() -> None:
    v = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    res = pool(v, "hierarchical", n_clusters=2)
    assert res.assignment.tolist() == [0, 0, 1, 1]
    assert torch.allclose(res.vectors, torch.nn.functional.normalize(torch.tensor([[1.9, 0.1], [0.1, 1.9]]), dim=-1))
    assert res.linkage.shape == (3, 4)
    assert res.params["clusters"] == 2


def test_linkage_equals_scipy(unit_vectors) -> None:
    x = unit_vectors(80, 12, seed=3)
    ref = linkage(x.double().numpy(), method="ward")
    assert np.allclose(ward_linkage(x), ref, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_partition_equals_scipy_at_every_pool_factor(unit_vectors, seed: int) -> None:
    x = unit_vectors(61, 8, seed=seed)
    for pf in range(1, 12):
        res = pool(x, "hierarchical", pool_factor=pf)
        k = max(61 // pf, 1)
        assert res.n_output == k
        assert res.assignment.tolist() == scipy_partition(x, k)


def test_cached_linkage_gives_the_same_result_as_a_fresh_one(unit_vectors) -> None:
    x = unit_vectors(100, 16, seed=5)
    cache = LinkageCache(max_entries=4)
    for pf in range(1, 10):
        cached = pool(x, "hierarchical", pool_factor=pf, cache=cache)
        fresh = pool(x, "hierarchical", pool_factor=pf, cache=LinkageCache())
        assert torch.equal(cached.assignment, fresh.assignment)
        assert torch.equal(cached.vectors, fresh.vectors)
    assert cache.misses == 1 and cache.hits == 8


def test_cache_is_bounded_and_keyed_by_content(unit_vectors) -> None:
    cache = LinkageCache(max_entries=2)
    a, b, c = (unit_vectors(10, 4, seed=s) for s in range(3))
    for x in (a, b, c):
        pool(x, "hierarchical", cache=cache)
    assert len(cache) == 2
    pool(a.clone(), "hierarchical", cache=cache)  # evicted: computed again
    assert cache.misses == 4
    pool(c.clone(), "hierarchical", cache=cache)  # same bytes, another tensor: a hit
    assert cache.hits == 1


def test_special_tokens_are_protected(unit_vectors) -> None:
    x = unit_vectors(12, 6)
    mask = torch.zeros(12, dtype=torch.bool)
    mask[[0, 11]] = True
    mv = MultiVector(x, special_mask=mask)
    res = pool(mv, "hierarchical", pool_factor=2)
    assert res.n_output == 5 + 2
    assert res.passthrough.tolist() == [False] * 5 + [True, True]
    assert res.assignment[0].item() == 5 and res.assignment[11].item() == 6
    assert torch.equal(res.vectors[5], x[0])
    assert res.clustered_indices.tolist() == list(range(1, 11))
    assert res.assignment[1:11].tolist() == scipy_partition(x[1:11], 5)
    dropped = pool(mv, "hierarchical", pool_factor=2, keep_special=False)
    assert dropped.n_output == 5 and dropped.assignment[[0, 11]].tolist() == [-1, -1]


def test_extra_protected_positions(unit_vectors) -> None:
    x = unit_vectors(9, 4)
    res = pool(x, "hierarchical", pool_factor=4, protected=[2, 5])
    assert res.n_output == max(7 // 4, 1) + 2
    assert torch.equal(res.vectors[-2], x[2]) and torch.equal(res.vectors[-1], x[5])
    none = pool(MultiVector(x, special_mask=torch.ones(9, dtype=torch.bool)), "hierarchical",
                protected="none", pool_factor=3)
    assert none.n_output == 3


def test_threshold(unit_vectors) -> None:
    x = unit_vectors(20, 5)
    assert pool(x, "hierarchical", threshold=0.0).n_output == 20
    assert pool(x, "hierarchical", threshold=1e9).n_output == 1
    z = ward_linkage(x)
    mid = float(z[9, 2])
    assert pool(x, "hierarchical", threshold=mid).n_output == 10
    with pytest.raises(InputError, match="threshold"):
        pool(x, "hierarchical", threshold=-1)


def test_ties_and_identical_vectors_give_exactly_k_clusters() -> None:
    x = torch.ones(10, 3)
    res = pool(x, "hierarchical", pool_factor=3)
    assert res.n_output == 3
    assert int(res.cluster_sizes.sum()) == 10
    assert torch.allclose(res.vectors, torch.full((3, 3), 3 ** -0.5))


def test_zero_vectors_stay_zero() -> None:
    res = pool(torch.zeros(6, 4), "hierarchical", pool_factor=2)
    assert res.n_output == 3
    assert torch.equal(res.vectors, torch.zeros(3, 4))


def test_edge_sizes(unit_vectors) -> None:
    one = pool(unit_vectors(1, 4), "hierarchical", pool_factor=3)
    assert one.n_output == 1 and one.linkage.shape == (0, 4)
    assert pool(unit_vectors(5, 4), "hierarchical", pool_factor=50).n_output == 1
    x = unit_vectors(7, 4)
    ident = pool(x, "hierarchical", pool_factor=1)
    assert ident.n_output == 7
    assert torch.allclose(ident.vectors[ident.assignment], x, atol=1e-6)


def test_parameter_errors(unit_vectors) -> None:
    x = unit_vectors(5, 4)
    with pytest.raises(InputError, match="Give only one"):
        pool(x, "hierarchical", pool_factor=2, n_clusters=2)
    with pytest.raises(InputError, match="only 5 vectors"):
        pool(x, "hierarchical", n_clusters=6)
    with pytest.raises(InputError, match="The pool factor must be at least 1"):
        pool(x, "hierarchical", pool_factor=0)


def test_cut_linkage_matches_fcluster_without_ties(unit_vectors) -> None:
    x = unit_vectors(40, 6, seed=9)
    z = ward_linkage(x)
    for k in (1, 2, 7, 39, 40):
        ours = cut_linkage(z, 40, k)
        ref = canonical_labels(torch.from_numpy(fcluster(z, k, "maxclust").astype(np.int64)))
        assert ours.tolist() == ref.tolist()


def test_pool_many_equals_one_by_one(unit_vectors) -> None:
    from pooling_core import pool_many

    docs = [unit_vectors(30 + i, 8, seed=i) for i in range(5)]
    many = pool_many(docs, "hierarchical", pool_factor=3, workers=2)
    for d, r in zip(docs, many):
        single = pool(d, "hierarchical", pool_factor=3)
        assert torch.equal(r.assignment, single.assignment) and torch.equal(r.vectors, single.vectors)
