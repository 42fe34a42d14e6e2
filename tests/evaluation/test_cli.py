"""`python -m pooling_core.evaluate` end to end with MiniLM, on a corpus with known answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pooling_core.evaluate import run

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "Tides rise and fall twice a day as the moon pulls the oceans.",
    "Sourdough bread needs a starter of flour and water kept warm.",
    "The first steam railway carried passengers between two towns.",
    "Bees dance to tell the hive where the flowers are.",
    "Volcanic ash can ground aircraft for days across a continent.",
]


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)))
    queries = tmp_path / "queries.txt"
    queries.write_text("moon pulls the oceans\nsteam railway passengers\nbees dance flowers\n")
    qrels = tmp_path / "qrels.trec"
    qrels.write_text("q1 0 d0 1\nq2 0 d2 1\nq3 0 d3 1\n")
    return {"docs": docs, "queries": queries, "qrels": qrels, "cache": tmp_path / "cache", "out": tmp_path / "r.json"}


def test_run_twice_second_encodes_nothing(corpus, capsys) -> None:
    args = ["--docs", str(corpus["docs"]), "--queries", str(corpus["queries"]), "--qrels", str(corpus["qrels"]),
            "--methods", "hierarchical:2,sequential:2,mean", "--k", "3", "--cache-dir", str(corpus["cache"]),
            "--out", str(corpus["out"])]
    table = run(args)
    assert "cache 0 hits, 5 misses" in capsys.readouterr().err
    assert set(table) == {"original", "hierarchical:2", "sequential:2", "mean"}
    for row in table.values():
        for key in ("ndcg@3", "recall@3", "mrr", "topk_overlap", "kendall_tau", "vectors", "bytes"):
            assert key in row
    assert table["original"]["mrr"] == 1.0  # each query's words come from its document
    assert json.loads(corpus["out"].read_text()) == table
    run(args)
    assert "cache 5 hits, 0 misses" in capsys.readouterr().err


def test_bad_qrels_line_exits_2_with_the_line(corpus) -> None:
    corpus["qrels"].write_text("q1 0 d0 1\nq2 d2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pooling_core.evaluate", "--docs", str(corpus["docs"]), "--queries",
         str(corpus["queries"]), "--qrels", str(corpus["qrels"]), "--cache-dir", str(corpus["cache"])],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "qrels.trec, line 2" in proc.stderr and "Traceback" not in proc.stderr


def test_corpus_embeddings_file(tmp_path, corpus) -> None:
    import torch

    from pooling_core import MultiVector
    from pooling_core.evaluation.corpus import load_corpus_embeddings, save_corpus_embeddings

    docs = [MultiVector(torch.randn(n, 384)) for n in (3, 5, 2)]
    for fmt in ("npz", "safetensors"):
        data = save_corpus_embeddings(["a", "b", "c"], docs, fmt)
        ids, back = load_corpus_embeddings(data, f"c.{fmt}")
        assert ids == ["a", "b", "c"] and [d.n for d in back] == [3, 5, 2]
        assert torch.allclose(back[1].vectors, docs[1].vectors)
