"""Invariants every method must keep, on random inputs (parametrized over all methods)."""

from __future__ import annotations

import pytest
import torch

from pooling_core import METHODS, MultiVector, pool

PARAMS = {"grid": {"window": (2, 3)}, "sequential": {"pool_factor": 3},
          "hierarchical": {"pool_factor": 3}, "kmeans": {"pool_factor": 3}}


def page(dtype: torch.dtype = torch.float32, seed: int = 0) -> MultiVector:
    """A 5x7 grid with 3 special tokens (two before, one after the patches)."""
    g = torch.Generator().manual_seed(seed)
    v = torch.nn.functional.normalize(torch.randn(38, 10, generator=g), dim=-1).to(dtype)
    mask = torch.zeros(38, dtype=torch.bool)
    mask[[0, 1, 37]] = True
    return MultiVector(v, grid=(5, 7), special_mask=mask)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("keep_special", [True, False])
def test_assignment_and_means(method: str, keep_special: bool) -> None:
    mv = page()
    res = pool(mv, method, keep_special=keep_special, **PARAMS.get(method, {}))
    m, n = res.n_output, mv.n
    a = res.assignment
    assert a.dtype == torch.long and a.shape == (n,)
    assert torch.all((a >= -1) & (a < m))
    # specials: kept as themselves or dropped
    if keep_special:
        assert torch.all(a[mv.special_mask] >= 0)
        assert torch.equal(res.vectors[a[mv.special_mask]], mv.vectors[mv.special_mask])
    else:
        assert torch.all(a[mv.special_mask] == -1)
    assert torch.all(a[~mv.special_mask] >= 0), "every patch is pooled"
    counts = torch.bincount(a[a >= 0], minlength=m)
    if res.secondary_assignment is not None:
        b = res.secondary_assignment
        counts += torch.bincount(b[b >= 0], minlength=m)
    assert torch.equal(counts, res.cluster_sizes), "sizes are the members counted once each"
    assert torch.all(res.cluster_sizes >= 1), "no empty pooled vector"
    for j in range(m):
        members = mv.vectors[res.members(j)]
        if res.passthrough[j]:
            assert members.shape[0] == 1 and torch.equal(res.vectors[j], members[0])
            continue
        agg = members.max(0).values if method == "max" else members.mean(0)
        expected = torch.nn.functional.normalize(agg, dim=0)
        assert torch.allclose(res.vectors[j], expected, atol=1e-6), (method, j)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_dtype_and_device_preserved(method: str, dtype: torch.dtype) -> None:
    mv = page(dtype)
    res = pool(mv, method, **PARAMS.get(method, {}))
    assert res.vectors.dtype == dtype and res.vectors.device == mv.device
    assert res.assignment.device == mv.device


@pytest.mark.parametrize("method", sorted(METHODS))
def test_same_input_same_output(method: str) -> None:
    a = pool(page(seed=4), method, **PARAMS.get(method, {}))
    b = pool(page(seed=4), method, **PARAMS.get(method, {}))
    assert torch.equal(a.vectors, b.vectors) and torch.equal(a.assignment, b.assignment)


def test_counts() -> None:
    mv = page()
    n_c = 35
    for pf in range(1, 8):
        assert pool(mv, "hierarchical", pool_factor=pf).n_output == max(n_c // pf, 1) + 3
        assert pool(mv, "kmeans", pool_factor=pf).n_output == max(n_c // pf, 1) + 3
        assert pool(mv, "sequential", pool_factor=pf).n_output == -(-n_c // pf) + 3
    assert pool(mv, "row").n_output == 5 + 3
    assert pool(mv, "column", keep_special=False).n_output == 7
