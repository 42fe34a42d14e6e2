"""Encoder timings on this machine: MiniLM, layout-MiniLM, tiny colpali-engine models.

    .venv/bin/python bench/bench_encoders.py

MiniLM: load time (first load in the process, imports included) and encoding of a
200-word text. layout-MiniLM: encoding of a dense page (Federal Register p. 1) and of the
sample report, model already loaded. Tiny colpali-engine models (random weights, built
from configs as in the tests): encode one page and one query; real-size ColPali weights
cannot be downloaded here, so their timings are not measured. Medians of 5 runs.
Writes the "encoders" section of bench/RESULTS.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402


def median_time(fn, repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    import torch

    torch.set_grad_enabled(False)
    from pooling_core.documents import load_document
    from pooling_core.encoders import get_encoder
    from pooling_core.samples import load_sample

    t0 = time.perf_counter()
    minilm = get_encoder("minilm")
    minilm_load = time.perf_counter() - t0
    words = (ROOT / "samples" / "late_interaction.txt").read_text().split()
    text = " ".join((words * 3)[:200])
    enc_200 = median_time(lambda: minilm.encode_text(text))
    query = median_time(lambda: minilm.encode_query("what does pooling do to retrieval quality?"))

    t0 = time.perf_counter()
    layout = get_encoder("layout-minilm")
    layout_load = time.perf_counter() - t0
    dense = load_document((ROOT / "samples/pdfs/federal-register-2020-17221.pdf").read_bytes(), "fr.pdf")
    report = load_sample("report")
    dense_s = median_time(lambda: layout.encode_document(dense, 0))
    report_s = median_time(lambda: layout.encode_document(report, 0))

    rows = [("MiniLM load (first in process, imports included)", minilm_load, "-"),
            ("MiniLM encode, 200-word text", enc_200, "-"),
            ("MiniLM encode, one query", query, "-"),
            ("layout-MiniLM load (model shared with MiniLM)", layout_load, "-"),
            ("layout-MiniLM encode, dense page (Federal Register p. 1)", dense_s, "<= 2 s"),
            ("layout-MiniLM encode, sample report page", report_s, "-")]

    try:
        from PIL import Image

        from tests.encoders import conftest as tiny

        page = Image.new("RGB", (112, 112), (200, 40, 40))
        with tempfile.TemporaryDirectory() as tmp:
            builders = {"ColPali": tiny.build_colpali,
                        "ColQwen2": lambda f: tiny.build_colqwen(f, "2"),
                        "ColQwen2.5": lambda f: tiny.build_colqwen(f, "2.5"),
                        "ColIdefics3": tiny.build_colidefics3,
                        "ColModernVBert": tiny.build_colmodernvbert}
            for family, builder in builders.items():
                folder = builder(Path(tmp) / family.replace(".", "_"))
                enc = get_encoder(str(folder))
                rows.append((f"tiny {family}: encode one page image (random weights)",
                             median_time(lambda: enc.encode_images([page])), "-"))
                rows.append((f"tiny {family}: encode one query", median_time(lambda: enc.encode_query("a page")), "-"))
    except Exception as exc:  # noqa: BLE001 - report what could not be measured
        rows.append((f"tiny colpali-engine models: not measured ({type(exc).__name__}: {exc})", float("nan"), "-"))

    lines = ["| measurement | time | target |", "|---|---:|---|"]
    lines += [f"| {name} | {t * 1000:.0f} ms | {target} |" for name, t, target in rows]
    lines += ["", "Real-size ColPali-family weights cannot be downloaded on this machine (no Hugging Face access), "
              "so real-model timings are not measured here."]
    body = "## Encoders (`bench/bench_encoders.py`)\n\n" + "\n".join(lines)
    print(body)
    write_section("encoders", body)


if __name__ == "__main__":
    main()
