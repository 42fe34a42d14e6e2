"""Ranking metrics against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from pooling_core.evaluation import metrics as M


def test_ndcg_hand_computed() -> None:
    rel = {"a": 0, "b": 1, "c": 2}
    # DCG = 0/log2(2) + 1/log2(3) + 2/log2(4); IDCG = 2/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 1) / (2 + 1 / math.log2(3))
    assert M.ndcg_at_k(["a", "b", "c"], rel, 3) == pytest.approx(expected)
    assert M.ndcg_at_k(["c", "b", "a"], rel, 3) == pytest.approx(1.0)
    # cut at k=1: only the first document counts, ideal is grade 2
    assert M.ndcg_at_k(["b", "c"], rel, 1) == pytest.approx(0.5)
    # relevant documents that are not retrieved still count in the ideal
    assert M.ndcg_at_k(["x", "b"], {"b": 1, "z": 1}, 2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert M.ndcg_at_k(["a"], {}, 5) == 0.0


def test_recall_and_mrr() -> None:
    rel = {"b": 1, "d": 1, "e": 0}
    assert M.recall_at_k(["a", "b", "c", "d"], rel, 2) == 0.5
    assert M.recall_at_k(["a", "b", "c", "d"], rel, 4) == 1.0
    assert M.reciprocal_rank(["a", "e", "c", "d"], rel) == 0.25
    assert M.reciprocal_rank(["a"], rel) == 0.0


def test_overlap_tau_changes() -> None:
    assert M.topk_overlap(["a", "b", "c"], ["c", "x", "a"], 3) == pytest.approx(2 / 3)
    assert M.topk_overlap(["a", "b"], ["b", "a"], 1) == 0.0
    assert M.kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert M.kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # one discordant pair of six: (5 - 1) / 6
    assert M.kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    assert M.kendall_tau([1, 1], [1, 1]) == 1.0
    assert M.rank_changes(["a", "b", "c"], ["b", "c", "a"], 2) == [("a", 1, 3), ("b", 2, 1)]
