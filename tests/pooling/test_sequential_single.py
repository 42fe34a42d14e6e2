"""Sequential windows and the single-vector baselines."""

from __future__ import annotations

import pytest
import torch

from pooling_core import InputError, MultiVector, pool


def test_sequential_exact_with_short_last_window() -> None:
    v = torch.tensor([[1.0], [3.0], [5.0], [7.0], [10.0]])
    res = pool(v, "sequential", pool_factor=2, normalize=False)
    assert res.vectors.flatten().tolist() == [2.0, 6.0, 10.0]
    assert res.assignment.tolist() == [0, 0, 1, 1, 2]


def test_sequential_skips_special_tokens() -> None:
    """[CLS] a b c [SEP]: the windows run over a b c; CLS and SEP stay as they are."""
    v = torch.tensor([[100.0], [1.0], [3.0], [5.0], [200.0]])
    mask = torch.tensor([True, False, False, False, True])
    res = pool(MultiVector(v, special_mask=mask), "sequential", pool_factor=2, normalize=False)
    assert res.vectors.flatten().tolist() == [2.0, 5.0, 100.0, 200.0]
    assert res.assignment.tolist() == [2, 0, 0, 1, 3]
    dropped = pool(MultiVector(v, special_mask=mask), "sequential", pool_factor=3, keep_special=False)
    assert dropped.assignment.tolist() == [-1, 0, 0, 0, -1]


def test_pool_factor_one_is_identity() -> None:
    v = torch.randn(7, 4)
    res = pool(v, "sequential", pool_factor=1, normalize=False)
    assert torch.equal(res.vectors, v)


def test_mean_and_max() -> None:
    v = torch.tensor([[1.0, -2.0], [3.0, 0.0], [2.0, 5.0], [9.0, 9.0]])
    mv = MultiVector(v, special_mask=torch.tensor([False, False, False, True]))
    mean = pool(mv, "mean", normalize=False)
    assert mean.vectors.tolist() == [[2.0, 1.0]]
    assert mean.assignment.tolist() == [0, 0, 0, -1]
    mx = pool(mv, "max", normalize=False)
    assert mx.vectors.tolist() == [[3.0, 5.0]]
    kept = pool(mv, "max", normalize=False, keep_special=True)
    assert kept.vectors.tolist() == [[3.0, 5.0], [9.0, 9.0]]


def test_mean_needs_a_patch() -> None:
    mv = MultiVector(torch.ones(2, 2), special_mask=torch.tensor([True, True]))
    with pytest.raises(InputError, match="at least one non-special"):
        pool(mv, "mean")


@pytest.mark.parametrize("bad", [0, -3, 1.5, "3", None, True])
def test_bad_pool_factor(bad: object) -> None:
    with pytest.raises(InputError, match="pool factor"):
        pool(torch.ones(4, 2), "sequential", pool_factor=bad)


def test_unknown_method_and_parameter() -> None:
    with pytest.raises(InputError, match="Unknown pooling method 'pca'"):
        pool(torch.ones(4, 2), "pca")
    with pytest.raises(InputError, match="has no parameter window"):
        pool(torch.ones(4, 2), "sequential", window=3)
