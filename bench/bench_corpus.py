"""Corpus evaluation at 500 documents: MiniLM, 5 methods, through the evaluate CLI.

    .venv/bin/python bench/bench_corpus.py

The 500 passages are 80-word windows (stride 20) of the text layers of the shipped
public-domain PDFs; queries are 8-word runs copied from every tenth passage, labelled
relevant to it. Runs ``python -m pooling_core.evaluate`` twice with a fresh cache folder:
the first run encodes everything (progress on stderr), the second finds every embedding
in the cache. Writes the "corpus" section of bench/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402



def build(folder: Path, n_docs: int = 500) -> tuple[Path, Path, Path]:
    from pooling_core.documents import load_document

    words: list[str] = []
    for pdf in sorted((ROOT / "samples" / "pdfs").glob("*.pdf")):
        doc = load_document(pdf.read_bytes(), pdf.name)
        for page in range(doc.page_count):
            words += doc.page_text(page).split()
    passages = []
    start = 0
    while len(passages) < n_docs and start + 80 <= len(words):
        passages.append({"id": f"d{len(passages) + 1}", "text": " ".join(words[start:start + 80])})
        start += 20
    docs, queries, qrels = folder / "docs.jsonl", folder / "queries.jsonl", folder / "qrels.tsv"
    docs.write_text("".join(json.dumps(p) + "\n" for p in passages))
    qs = [{"id": f"q{i + 1}", "text": " ".join(p["text"].split()[36:44])} for i, p in enumerate(passages[::10])]
    queries.write_text("".join(json.dumps(q) + "\n" for q in qs))
    qrels.write_text("".join(f"q{i + 1} 0 {p['id']} 1\n" for i, p in enumerate(passages[::10])))
    return docs, queries, qrels


def main() -> None:
    from pooling_core.evaluate import run

    methods = "hierarchical:2,hierarchical:3,hierarchical:4,sequential:2,mean"
    with tempfile.TemporaryDirectory() as tmp:
        docs, queries, qrels = build(Path(tmp))
        n_docs = sum(1 for _ in docs.open())
        n_queries = sum(1 for _ in queries.open())
        args = ["--docs", str(docs), "--queries", str(queries), "--qrels", str(qrels), "--methods", methods,
                "--k", "10", "--prefetch", "50", "--cache-dir", str(Path(tmp) / "cache")]
        t0 = time.perf_counter()
        table = run(args)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        run(args)
        second = time.perf_counter() - t0
    lines = [f"{n_docs} text passages, {n_queries} queries, MiniLM, methods {methods}, k = 10, prefetch 50.", "",
             f"- first run (encodes everything, progress shown): **{first:.1f} s**",
             f"- second run (every embedding from the on-disk cache): **{second:.1f} s** "
             "(model load and query encoding included)", "",
             "| method | ndcg@10 | recall@10 | mrr | topk_overlap | kendall_tau | prefetch_recall@10 | vectors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in table.items():
        lines.append(f"| {name} | {row['ndcg@10']:.4f} | {row['recall@10']:.4f} | {row['mrr']:.4f} | "
                     f"{row['topk_overlap']:.4f} | {row['kendall_tau']:.4f} | "
                     f"{row.get('prefetch_recall@10', float('nan')):.4f} | {row['vectors']:.0f} |")
    body = "## Corpus evaluation (`bench/bench_corpus.py`)\n\n" + "\n".join(lines)
    print(body)
    write_section("corpus", body)


if __name__ == "__main__":
    main()
