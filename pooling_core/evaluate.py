"""Command line: how pooling changes rankings on your corpus.

    python -m pooling_core.evaluate --docs DOCS --queries QUERIES [--qrels QRELS]
        [--encoder minilm] [--methods hierarchical:3,row,sequential:2] [--k 10]
        [--prefetch 50] [--out results.json] [--cache-dir DIR]

DOCS: a JSONL file of {"id": ..., "text": ...} (or one text per line, or TSV id<TAB>text),
a folder of documents (PDF pages, images, text files: one document per page or file), or
a corpus embeddings file (.npz / .safetensors, see pooling_core.evaluation.corpus).
QUERIES: JSONL {"id": ..., "text": ...} or one query per line. QRELS: TREC
(qid 0 docid rel) or BEIR TSV (query-id corpus-id score, header optional).
Prints a table and writes JSON: for "original" and each method, ndcg@k, recall@k, mrr
(with qrels), topk_overlap, kendall_tau, vectors and bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pooling_core.errors import InputError  # noqa: E402


def _progress(label: str):
    state = {"t": 0.0}

    def report(i: int, n: int, ident: str) -> None:
        now = time.perf_counter()
        if i == n or now - state["t"] > 0.5:
            state["t"] = now
            print(f"\r{label}: {i}/{n} ({ident[:40]})".ljust(80), end="" if i < n else "\n",
                  file=sys.stderr, flush=True)

    return report


def run(argv: list[str] | None = None) -> dict:
    from pooling_core.evaluation.cache import EmbeddingCache
    from pooling_core.evaluation.corpus import (
        EMB_SUFFIXES, encode_folder, encode_items, load_corpus_embeddings,
    )
    from pooling_core.evaluation.parsing import parse_items, parse_qrels
    from pooling_core.evaluation.runner import evaluate, parse_methods

    ap = argparse.ArgumentParser(prog="python -m pooling_core.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--docs", required=True, type=Path)
    ap.add_argument("--queries", required=True, type=Path)
    ap.add_argument("--qrels", type=Path)
    ap.add_argument("--encoder", default="minilm")
    ap.add_argument("--methods", default="hierarchical:3,row,sequential:2")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--prefetch", type=int, default=0, help="also run pooled prefetch of the top K + full rerank")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--cache-dir", type=Path, help="embedding cache folder (default: ~/.cache/pooling-explorer)")
    ap.add_argument("--no-cache", action="store_true")
    args = ap.parse_args(argv)

    methods = parse_methods(args.methods)
    for path in (args.docs, args.queries, args.qrels):
        if path is not None and not path.exists():
            raise InputError(f"{path} does not exist.")
    cache = None if args.no_cache else EmbeddingCache(args.cache_dir)
    if cache:
        cache.clean_temporary()
    encoder = None

    def get_encoder():
        nonlocal encoder
        if encoder is None:
            from pooling_core.encoders import get_encoder as load

            print(f"loading encoder {args.encoder}…", file=sys.stderr)
            encoder = load(args.encoder)
        return encoder

    t0 = time.perf_counter()
    if args.docs.is_dir():
        doc_ids, docs = encode_folder(args.docs, get_encoder(), cache, _progress("encoding documents"))
    elif args.docs.suffix.lower() in EMB_SUFFIXES:
        doc_ids, docs = load_corpus_embeddings(args.docs.read_bytes(), args.docs.name)
    else:
        items = parse_items(args.docs.read_bytes(), args.docs.name, prefix="d")
        doc_ids = [it.id for it in items]
        docs = encode_items(items, get_encoder(), cache, _progress("encoding documents"))
    q_items = parse_items(args.queries.read_bytes(), args.queries.name, prefix="q")
    enc = get_encoder()
    queries = enc.encode_queries([q.text for q in q_items])
    qrels = parse_qrels(args.qrels.read_bytes(), args.qrels.name) if args.qrels else None
    encode_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    ev = evaluate(docs, doc_ids, queries, [q.id for q in q_items], methods, k=args.k, qrels=qrels,
                  prefetch=args.prefetch or None, progress=lambda m: print(m, file=sys.stderr))
    table = ev.table()
    eval_s = time.perf_counter() - t1
    cols = sorted({c for row in table.values() for c in row}, key=_col_order)
    width = max(12, *(len(c) + 2 for c in cols))
    print(f"{'method':<18}" + "".join(f"{c:>{width}}" for c in cols))
    for name, row in table.items():
        print(f"{name:<18}" + "".join(f"{_fmt(row.get(c)):>{width}}" for c in cols))
    print(f"{len(docs)} documents, {len(queries)} queries; encoding {encode_s:.1f} s, "
          f"evaluation {eval_s:.1f} s" + (f"; cache {cache.hits} hits, {cache.misses} misses" if cache else ""),
          file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(table, indent=2))
    return table


def _col_order(c: str) -> tuple[int, str]:
    order = ["ndcg", "recall", "mrr", "topk_overlap", "kendall_tau", "prefetch", "vectors", "bytes"]
    return next((i for i, p in enumerate(order) if c.startswith(p)), len(order)), c


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.4f}"


def main() -> int:
    try:
        run()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
