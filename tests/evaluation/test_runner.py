"""The evaluation pipeline on a corpus where the right answer is known."""

from __future__ import annotations

import pytest
import torch

from pooling_core import MultiVector
from pooling_core.errors import InputError
from pooling_core.evaluation.runner import evaluate, parse_method, parse_methods


def corpus(n_docs: int = 30, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    docs = [MultiVector(torch.nn.functional.normalize(torch.randn(40, 16, generator=g), dim=-1))
            for _ in range(n_docs)]
    # each query is copied from one document: that document must come first
    queries = [d.vectors[:6].clone() for d in docs[:10]]
    qrels = {f"q{i}": {f"d{i}": 1.0} for i in range(10)}
    return docs, [f"d{i}" for i in range(n_docs)], queries, [f"q{i}" for i in range(10)], qrels


def test_known_answers_and_keys() -> None:
    docs, ids, qs, qids, qrels = corpus()
    ev = evaluate(docs, ids, qs, qids, parse_methods("hierarchical:1,hierarchical:4,mean"), k=5, qrels=qrels,
                  prefetch=10)
    table = ev.table()
    assert set(table) == {"original", "hierarchical:1", "hierarchical:4", "mean"}
    for row in table.values():
        assert {"ndcg@5", "recall@5", "mrr", "topk_overlap", "kendall_tau", "vectors", "bytes"} <= set(row)
    assert table["original"]["ndcg@5"] == pytest.approx(1.0)
    assert table["original"]["mrr"] == pytest.approx(1.0)
    # pool factor 1 is the identity: same ranking, tau 1
    assert table["hierarchical:1"]["topk_overlap"] == pytest.approx(1.0)
    assert table["hierarchical:1"]["kendall_tau"] == pytest.approx(1.0)
    assert table["hierarchical:1"]["prefetch_recall@5"] == pytest.approx(1.0)
    assert table["original"]["vectors"] == 30 * 40 and table["mean"]["vectors"] == 30
    assert table["original"]["bytes"] == 30 * 40 * 16 * 4
    assert table["hierarchical:4"]["vectors"] == 30 * 10
    assert table["mean"]["ndcg@5"] < table["original"]["ndcg@5"]
    rep = ev.methods[1]
    assert len(rep.rankings) == 10 and rep.changes[0][0][1] == 1


def test_prefetch_with_full_depth_is_exact() -> None:
    docs, ids, qs, qids, _ = corpus(12)
    ev = evaluate(docs, ids, qs, qids, parse_methods("mean"), k=3, prefetch=12)
    assert ev.table()["mean"]["prefetch_recall@3"] == pytest.approx(1.0)


def test_method_parsing() -> None:
    assert parse_method("hierarchical:3").params == {"pool_factor": 3}
    assert parse_method("kmeans").params == {"pool_factor": 3}
    assert parse_method("grid:2").params == {"window": (2, 2)}
    assert parse_method("row").params == {}
    for bad in ("hierarchical:x", "pca", "row:3", "grid:axb"):
        with pytest.raises(InputError):
            parse_method(bad)
    with pytest.raises(InputError, match="at least one method"):
        parse_methods(" , ")


def test_bad_inputs() -> None:
    docs, ids, qs, qids, _ = corpus(5)
    with pytest.raises(InputError, match="exactly one id"):
        evaluate(docs, ids[:4], qs, qids, parse_methods("row"))
    with pytest.raises(InputError, match="k must be"):
        evaluate(docs, ids, qs[:2], qids[:2], parse_methods("mean"), k=0)
