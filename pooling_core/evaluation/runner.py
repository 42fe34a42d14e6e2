"""Rank a corpus by MaxSim with original and pooled documents, and compare.

For every method: the ranking of each query with pooled documents against the ranking
with the original ones (top-k overlap, Kendall's tau of the scores, rank changes), and,
with relevance labels, nDCG@k, recall@k and MRR. Optionally the two-stage pipeline:
prefetch the top ``K`` documents with pooled vectors, rerank them with full MaxSim, and
report how much of the exact top ``k`` it recovers. Scoring is :func:`maxsim_scores`:
batched torch on the documents' device (GPU when there is one), chunked so memory stays
bounded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import torch

from pooling_core.errors import InputError
from pooling_core.evaluation import metrics as M
from pooling_core.maxsim import maxsim_scores
from pooling_core.memory import memory_bytes
from pooling_core.multivector import MultiVector
from pooling_core.pooling import pool_many


@dataclass(frozen=True)
class MethodSpec:
    """A method and its parameters, as written on a command line (``hierarchical:3``)."""

    name: str
    method: str
    params: dict[str, Any] = field(default_factory=dict)


_FACTOR = {"hierarchical", "sequential", "kmeans"}
_PLAIN = {"row", "column", "row_column", "mean", "max"}


def parse_method(text: str) -> MethodSpec:
    """``hierarchical:3`` -> pool factor 3; ``grid:2x3`` (or ``grid:2``) -> window; ``row``.

    >>> parse_method("grid:2x3")
    MethodSpec(name='grid:2x3', method='grid', params={'window': (2, 3)})
    """
    text = text.strip()
    method, _, value = text.partition(":")
    method = method.strip()
    if method in _FACTOR:
        try:
            factor = int(value) if value else 3
        except ValueError:
            raise InputError(f"In {text!r}, the pool factor {value!r} is not a whole number.") from None
        return MethodSpec(f"{method}:{factor}", method, {"pool_factor": factor})
    if method == "grid":
        try:
            parts = [int(v) for v in (value or "2").lower().split("x")]
        except ValueError:
            raise InputError(f"In {text!r}, the window must look like 2 or 2x3.") from None
        window = (parts[0], parts[-1])
        return MethodSpec(f"grid:{window[0]}x{window[1]}", "grid", {"window": window})
    if method in _PLAIN and not value:
        return MethodSpec(method, method, {})
    raise InputError(
        f"Unknown method {text!r}; use e.g. hierarchical:3, sequential:2, kmeans:4, grid:2x2, "
        "row, column, row_column, mean or max."
    )


def parse_methods(text: str) -> list[MethodSpec]:
    specs = [parse_method(t) for t in text.split(",") if t.strip()]
    if not specs:
        raise InputError("Give at least one method, e.g. --methods hierarchical:3,row.")
    return specs


@dataclass
class MethodReport:
    """One method over the whole corpus."""

    name: str
    metrics: dict[str, float]
    scores: torch.Tensor  # (Q, N) on the CPU
    rankings: list[list[str]]  # per query, all doc ids best first
    seconds: float
    changes: list[list[tuple[str, int, int]]] = field(default_factory=list)


@dataclass
class Evaluation:
    k: int
    doc_ids: list[str]
    query_ids: list[str]
    original: MethodReport
    methods: list[MethodReport]

    def table(self) -> dict[str, dict[str, float]]:
        """``{"original": metrics, method name: metrics, ...}`` (the CLI's JSON)."""
        return {"original": self.original.metrics, **{m.name: m.metrics for m in self.methods}}


def _rankings(scores: torch.Tensor, ids: Sequence[str]) -> list[list[str]]:
    order = torch.argsort(scores, dim=1, descending=True, stable=True).tolist()
    return [[ids[j] for j in row] for row in order]


def _quality(rankings: list[list[str]], query_ids: Sequence[str], qrels: Mapping[str, Mapping[str, float]],
             k: int) -> dict[str, float]:
    judged = [(r, qrels[q]) for r, q in zip(rankings, query_ids) if any(v > 0 for v in qrels.get(q, {}).values())]
    if not judged:
        return {}
    n = len(judged)
    return {
        f"ndcg@{k}": sum(M.ndcg_at_k(r, rel, k) for r, rel in judged) / n,
        f"recall@{k}": sum(M.recall_at_k(r, rel, k) for r, rel in judged) / n,
        "mrr": sum(M.reciprocal_rank(r, rel) for r, rel in judged) / n,
    }


def evaluate(
    docs: Sequence[MultiVector],
    doc_ids: Sequence[str],
    queries: Sequence[torch.Tensor],
    query_ids: Sequence[str],
    methods: Sequence[MethodSpec],
    *,
    k: int = 10,
    qrels: Mapping[str, Mapping[str, float]] | None = None,
    prefetch: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Evaluate every method on the corpus. ``prefetch``: also run pooled prefetch of the
    top ``prefetch`` documents + full-MaxSim rerank, reporting ``prefetch_recall@k``."""
    if len(docs) != len(doc_ids) or len(queries) != len(query_ids):
        raise InputError("Each document and each query needs exactly one id.")
    if not docs or not queries:
        raise InputError("The evaluation needs at least one document and one query.")
    if k < 1:
        raise InputError(f"k must be at least 1; got {k}.")
    k_eff = min(k, len(docs))
    dim = docs[0].dim
    say = progress or (lambda _msg: None)

    say("scoring the original documents")
    t0 = time.perf_counter()
    full = maxsim_scores(list(queries), [d.vectors for d in docs]).cpu()
    orig_seconds = time.perf_counter() - t0
    orig_rank = _rankings(full, doc_ids)
    n_vec = sum(d.n for d in docs)
    base = {"topk_overlap": 1.0, "kendall_tau": 1.0, "vectors": float(n_vec),
            "bytes": float(memory_bytes(n_vec, dim))}
    if qrels:
        base.update(_quality(orig_rank, query_ids, qrels, k))
    original = MethodReport("original", base, full, orig_rank, orig_seconds)

    reports = []
    for spec in methods:
        say(f"pooling with {spec.name}")
        pooled = pool_many(list(docs), spec.method, **spec.params)
        t0 = time.perf_counter()
        scores = maxsim_scores(list(queries), [p.vectors for p in pooled]).cpu()
        seconds = time.perf_counter() - t0
        ranks = _rankings(scores, doc_ids)
        m_vec = sum(p.n_output for p in pooled)
        met: dict[str, float] = {
            "topk_overlap": sum(M.topk_overlap(a, b, k_eff) for a, b in zip(orig_rank, ranks)) / len(ranks),
            "kendall_tau": sum(M.kendall_tau(full[i].tolist(), scores[i].tolist())
                               for i in range(len(ranks))) / len(ranks),
            "vectors": float(m_vec),
            "bytes": float(memory_bytes(m_vec, dim)),
        }
        if qrels:
            met.update(_quality(ranks, query_ids, qrels, k))
        if prefetch:
            met.update(_two_stage(queries, docs, scores, full, prefetch, k_eff))
        changes = [M.rank_changes(a, b, k_eff) for a, b in zip(orig_rank, ranks)]
        reports.append(MethodReport(spec.name, met, scores, ranks, seconds, changes))
    return Evaluation(k, list(doc_ids), list(query_ids), original, reports)


def _two_stage(queries: Sequence[torch.Tensor], docs: Sequence[MultiVector], pooled_scores: torch.Tensor,
               full_scores: torch.Tensor, prefetch: int, k: int) -> dict[str, float]:
    """Pooled prefetch of the top ``prefetch``, full-MaxSim rerank of those candidates."""
    K = min(max(prefetch, k), pooled_scores.shape[1])
    t0 = time.perf_counter()
    recall = 0.0
    for i, q in enumerate(queries):
        cand = torch.topk(pooled_scores[i], K).indices.tolist()
        rerank = maxsim_scores([q], [docs[j].vectors for j in cand])[0].cpu()
        final = [cand[j] for j in torch.argsort(rerank, descending=True, stable=True)[:k].tolist()]
        exact = torch.argsort(full_scores[i], descending=True, stable=True)[:k].tolist()
        recall += len(set(final) & set(exact)) / k
    return {f"prefetch_recall@{k}": recall / len(queries), "prefetch_k": float(K),
            "rerank_seconds": time.perf_counter() - t0}
