"""App timings: cold start in a real browser, a pool-factor change, the sweep page's work.

    .venv/bin/python bench/bench_app.py

1. Cold start: ``streamlit run app.py`` in a new process, Debian's Chromium opens it, and
   the clock stops when the Document page shows the embedding of the default sample (model
   load and encoding included).
2. Pool-factor change, server side: for the default 1024-patch page, the work one slider
   move triggers — a cut of the cached linkage, the means, and building the cluster
   heatmap figure (plotly JSON included).
3. Sweep: 8 pool factors x 3 methods (hierarchical, sequential, k-means) with MaxSim
   retention for the sample query.
Writes the "app" section of bench/RESULTS.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402


def cold_start() -> float | None:
    from tests.browser.conftest import CHROMIUM_FLAGS, Server, chromium_path, free_port

    path = chromium_path()
    if path is None:
        return None
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    srv = Server(free_port())
    try:
        srv.wait()
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
            page = b.new_page()
            page.goto(srv.url)
            page.get_by_text("Embedding:").first.wait_for(timeout=180_000)
            elapsed = time.perf_counter() - t0
            b.close()
    finally:
        srv.stop()
    return elapsed


def main() -> None:
    import torch

    from explorer.figures import cluster_heatmap
    from explorer.sweeps import sweep_series
    from pooling_core import pool
    from pooling_core.encoders import get_encoder
    from pooling_core.samples import DEFAULT_SAMPLE, SAMPLES, load_sample

    torch.set_grad_enabled(False)
    start = cold_start()

    doc = load_sample(DEFAULT_SAMPLE)
    enc = get_encoder("layout-minilm")
    mv = enc.encode_document(doc, 0)
    image = doc.page_image(0, dpi=96)
    pool(mv, "hierarchical", pool_factor=3)  # the linkage is cached from here on
    times = []
    for pf in [2, 3, 4, 5, 6, 7, 8, 9] * 3:
        t0 = time.perf_counter()
        res = pool(mv, "hierarchical", pool_factor=pf)
        ids = res.assignment[mv.patch_indices].numpy().reshape(mv.grid)
        cluster_heatmap(ids, res.cluster_sizes.numpy(), image=image).to_json()
        times.append(time.perf_counter() - t0)
    slider_ms = statistics.median(times) * 1000

    q = [enc.encode_query(SAMPLES[DEFAULT_SAMPLE].default_query)]
    from pooling_core.pooling.linkage import LINKAGE_CACHE

    LINKAGE_CACHE.clear()
    t0 = time.perf_counter()
    sweep_series(mv, q, ["hierarchical", "sequential", "kmeans"], 9)  # pool factors 1..9 (8 past identity)
    sweep_s = time.perf_counter() - t0

    lines = ["| measurement | result | target |", "|---|---:|---|",
             f"| cold start to the first interactive page (server start, model load, encoding) | "
             f"{'n/a (no chromium)' if start is None else f'{start:.1f} s'} | <= 15 s |",
             f"| pool-factor change on the {mv.n}-patch default page (cut + means + heatmap figure) | "
             f"{slider_ms:.0f} ms | <= 100 ms |",
             f"| sweep: pool factors 1..9 x 3 methods (hierarchical, sequential, k-means), cold linkage | "
             f"{sweep_s:.2f} s | <= 2 s |"]
    body = "## App (`bench/bench_app.py`)\n\n" + "\n".join(lines)
    print(body)
    write_section("app", body)


if __name__ == "__main__":
    main()
