"""Benchmark pooling_core against colpali-engine 0.3.18 on the same inputs, in one run.

    .venv/bin/python bench/bench_core.py            # full size (the numbers in RESULTS.md)
    .venv/bin/python bench/bench_core.py --quick    # small sizes, to check it runs

Timings are medians of repeated runs (wall clock). Documents are ColPali-shaped: 1030
unit vectors of 128 dimensions (1024 patches + 6 prompt tokens). They are synthetic but
structured (each is drawn around 60 "region" centres, as real pages have regions of
similar patches), so MaxSim retention numbers mean something; queries are noisy copies
of vectors of one document. Writes the "core" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from bench.results import write_section  # noqa: E402
from pooling_core import maxsim_scores, pool, pool_many  # noqa: E402
from pooling_core.pooling.linkage import LINKAGE_CACHE  # noqa: E402


def timed(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> float:
    """Median seconds of ``fn`` over ``repeat`` runs (``setup`` runs untimed before each)."""
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def make_docs(n_docs: int, n_vec: int = 1030, dim: int = 128, regions: int = 60, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    docs = []
    for _ in range(n_docs):
        centres = F.normalize(torch.randn(regions, dim, generator=g), dim=-1)
        which = torch.randint(regions, (n_vec,), generator=g)
        docs.append(F.normalize(centres[which] + 0.35 * torch.randn(n_vec, dim, generator=g) / dim**0.5 * 4, dim=-1))
    return docs


def make_queries(docs: list[torch.Tensor], n_q: int, q_len: int = 20, seed: int = 1) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    qs = []
    for i in range(n_q):
        d = docs[i % len(docs)]
        pick = torch.randint(d.shape[0], (q_len,), generator=g)
        qs.append(F.normalize(d[pick] + 0.5 * torch.randn(q_len, d.shape[1], generator=g) / d.shape[1] ** 0.5 * 4, dim=-1))
    return qs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update RESULTS.md")
    args = ap.parse_args()
    n_docs, n_corpus, repeat = (4, 50, 1) if args.quick else (32, 1000, 3)

    t0 = time.perf_counter()
    from colpali_engine.compression.token_pooling import HierarchicalTokenPooler
    from colpali_engine.utils.processing_utils import BaseVisualRetrieverProcessor
    import_s = time.perf_counter() - t0
    theirs_pooler = HierarchicalTokenPooler()
    score_multi_vector = BaseVisualRetrieverProcessor.score_multi_vector

    docs = make_docs(n_docs)
    rows: list[tuple[str, float, float, str]] = []

    # 1. hierarchical pooling, pool factor 3, cold cache (every linkage computed)
    theirs = timed(lambda: theirs_pooler.pool_embeddings(docs, pool_factor=3), repeat)
    ours = timed(lambda: pool_many(docs, "hierarchical", pool_factor=3), repeat, setup=LINKAGE_CACHE.clear)
    ours_1t = timed(lambda: pool_many(docs, "hierarchical", pool_factor=3, workers=1), repeat,
                    setup=LINKAGE_CACHE.clear)
    rows.append((f"hierarchical pf 3, {n_docs} docs x 1030 x 128", theirs, ours, ">= 10x"))
    rows.append((f"  (ours on 1 thread)", theirs, ours_1t, ""))

    # 2. sweep of pool factors 2..9 (slider / sweep page): one linkage per doc, then cuts
    factors = range(2, 10)
    theirs_sw = timed(lambda: [theirs_pooler.pool_embeddings(docs, pool_factor=k) for k in factors], 1)
    ours_sw = timed(lambda: [pool_many(docs, "hierarchical", pool_factor=k) for k in factors], repeat,
                    setup=LINKAGE_CACHE.clear)
    rows.append((f"sweep pf 2..9, {n_docs} docs", theirs_sw, ours_sw, ">= 50x"))

    # 3. maxsim_scores, 32 queries x N documents (ragged 800..1030 vectors)
    g = torch.Generator().manual_seed(7)
    base = make_docs(8, seed=3)
    corpus = []
    for i in range(n_corpus):
        n = int(torch.randint(800, 1031, (1,), generator=g))
        corpus.append(base[i % 8][torch.randperm(1030, generator=g)[:n]])
    queries = make_queries(corpus, 32)
    theirs_ms = timed(lambda: score_multi_vector(queries, corpus, device="cpu"), repeat)
    ours_ms = timed(lambda: maxsim_scores(queries, corpus), repeat)
    agree = torch.allclose(score_multi_vector(queries, corpus, device="cpu"), maxsim_scores(queries, corpus), atol=1e-3)
    rows.append((f"maxsim_scores 32 q x {n_corpus} docs", theirs_ms, ours_ms, ">= 1x"))

    # 4. pool-factor change on one cached 1030-vector page (cut + mean)
    page = docs[0]
    pool(page, "hierarchical", pool_factor=3)  # linkage cached
    cut_ms = timed(lambda: pool(page, "hierarchical", pool_factor=5), 20) * 1000

    # Fidelity: mean MaxSim retention (pooled / original) for each query against its own document
    fid_docs = docs[: min(len(docs), 16)]
    fid_q = make_queries(fid_docs, len(fid_docs))
    orig = torch.tensor([float(maxsim_scores([q], [d])[0, 0]) for q, d in zip(fid_q, fid_docs)])
    fidelity = []
    for k in (2, 3, 4):
        ours_p = pool_many(fid_docs, "hierarchical", pool_factor=k)
        out = theirs_pooler.pool_embeddings(fid_docs, pool_factor=k)
        theirs_p = out if isinstance(out, list) else out.pooled_embeddings
        r_ours = torch.tensor([float(maxsim_scores([q], [p.vectors])[0, 0]) for q, p in zip(fid_q, ours_p)]) / orig
        r_theirs = torch.tensor([float(maxsim_scores([q], [p])[0, 0]) for q, p in zip(fid_q, theirs_p)]) / orig
        fidelity.append((k, float(r_ours.mean()), float(r_theirs.mean())))

    lines = ["| benchmark | colpali-engine 0.3.18 | pooling_core | ratio | target |",
             "|---|---:|---:|---:|---|"]
    for name, t, o, target in rows:
        lines.append(f"| {name} | {t * 1000:.0f} ms | {o * 1000:.0f} ms | {t / o:.1f}x | {target} |")
    lines.append(f"| pool-factor change, cached 1030-vector page | - | {cut_ms:.1f} ms | - | <= 50 ms |")
    lines += ["", f"maxsim_scores agrees with score_multi_vector (atol 1e-3): {agree}. "
              f"Importing colpali-engine's pooler took {import_s:.1f} s.",
              "", "MaxSim retention (pooled / original score, mean over queries, each against its own document):",
              "", "| pool factor | pooling_core (Ward on vectors) | colpali-engine (Ward on rows of 1 - cos) |",
              "|---:|---:|---:|"]
    lines += [f"| {k} | {a * 100:.2f}% | {b * 100:.2f}% |" for k, a, b in fidelity]
    body = "## Core: pooling and MaxSim vs colpali-engine (`bench/bench_core.py`)\n\n" + "\n".join(lines)
    if args.quick:
        body += "\n\n(quick run: small sizes)"
    print(body)
    if not args.no_write:
        write_section("core" + ("-quick" if args.quick else ""), body)


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
