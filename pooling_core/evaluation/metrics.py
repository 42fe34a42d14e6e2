"""Ranking metrics, one query at a time; the runner averages them.

Conventions follow trec_eval (and ranx / pytrec_eval, which reproduce it): nDCG uses
linear gains ``rel / log2(rank + 1)`` with the ideal ordering of *all* judged relevant
documents of the query; recall@k and MRR count documents with ``rel > 0``; MRR has no
cut-off (the first relevant document anywhere in the ranking). Queries without any
relevant document are left out of the averages, as trec_eval does.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
from scipy.stats import kendalltau


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 first)."""
    return float(sum(g / math.log2(i + 2) for i, g in enumerate(gains)))


def ndcg_at_k(ranking: Sequence[str], relevance: Mapping[str, float], k: int) -> float:
    """nDCG@k of ``ranking`` (doc ids, best first) given ``relevance`` (doc id -> grade).

    >>> round(ndcg_at_k(["a", "b", "c"], {"b": 1}, 3), 4)
    0.6309
    """
    ideal = sorted((r for r in relevance.values() if r > 0), reverse=True)[:k]
    if not ideal:
        return 0.0
    gains = [max(relevance.get(d, 0.0), 0.0) for d in ranking[:k]]
    return dcg(gains) / dcg(ideal)


def recall_at_k(ranking: Sequence[str], relevance: Mapping[str, float], k: int) -> float:
    """Share of the relevant documents found in the top ``k``."""
    relevant = {d for d, r in relevance.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], relevance: Mapping[str, float]) -> float:
    """``1 / rank`` of the first relevant document, 0 when none is ranked."""
    for i, d in enumerate(ranking):
        if relevance.get(d, 0.0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def topk_overlap(a: Sequence, b: Sequence, k: int) -> float:
    """``|top-k(a) ∩ top-k(b)| / k``: how much of one top k the other keeps."""
    if k <= 0:
        return 0.0
    return len(set(a[:k]).intersection(b[:k])) / min(k, max(len(a[:k]), 1))


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b between two score lists over the same documents (1 = same order).
    Constant inputs (no order to compare) give 1.0 when equal, else 0.0."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape[0] < 2:
        return 1.0
    tau = kendalltau(x, y).statistic
    if not np.isfinite(tau):
        return 1.0 if np.allclose(x, y) else 0.0
    return float(tau)


def rank_changes(original: Sequence[str], pooled: Sequence[str], k: int) -> list[tuple[str, int, int]]:
    """For each document of the original top ``k``: ``(doc, original rank, pooled rank)``,
    ranks 1-based."""
    where = {d: i + 1 for i, d in enumerate(pooled)}
    return [(d, i + 1, where.get(d, len(pooled) + 1)) for i, d in enumerate(original[:k])]
