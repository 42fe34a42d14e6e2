"""End to end in a real browser: upload a shared PDF, pool it, query it, take screenshots.

Screenshots go to a temporary folder; with POOLING_SCREENSHOTS=1 they are written to
docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("POOLING_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path


def metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    box.wait_for(timeout=120_000)
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    wait_idle(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
    wait_idle(page)


def test_upload_pool_query(server, browser, tmp_path: Path) -> None:
    out = shots_dir(tmp_path)
    pdf = ROOT / "samples" / "pdfs" / "federal-register-2020-17221.pdf"
    page = browser.new_page(viewport={"width": 1500, "height": 2600})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url, wait_until="networkidle")
    page.get_by_role("heading", name="Document").first.wait_for(timeout=120_000)
    page.get_by_text("Embedding:").first.wait_for(timeout=120_000)
    wait_idle(page)
    page.screenshot(path=str(out / "document.png"))

    page.get_by_text("Upload a file", exact=True).click()
    wait_idle(page)
    page.locator('input[type="file"]').set_input_files(str(pdf))
    page.get_by_text(re.compile(r"Page \(1–15\)")).first.wait_for(timeout=120_000)
    wait_idle(page)
    page.get_by_text("federal-register-2020-17221.pdf").first.wait_for()
    assert page.get_by_label(re.compile(r"Page \(1–15\)")).input_value() == "1"

    go(page, "Embeddings")
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    page.screenshot(path=str(out / "embeddings.png"))

    go(page, "Pooling")
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    assert metric_value(page, "Vectors before") == "1024"
    assert metric_value(page, "Vectors after") == str(1024 // 3)  # hierarchical, pool factor 3
    assert page.locator(".js-plotly-plot").count() >= 4  # heatmap, counts, memory, sizes (+ dendrogram)
    page.screenshot(path=str(out / "pooling.png"))

    go(page, "MaxSim")
    box = page.get_by_label("Query")
    box.fill("firearms background checks agency rule")
    box.press("Enter")
    wait_idle(page)
    original = float(metric_value(page, "MaxSim, original"))
    pooled = float(metric_value(page, "MaxSim, pooled"))
    assert original > 0 and pooled > 0
    # scores, contributions and the similarity maps
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=120_000)
    wait_idle(page)
    page.screenshot(path=str(out / "maxsim.png"))

    go(page, "Sweep")
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    wait_idle(page)
    page.screenshot(path=str(out / "sweep.png"))
    assert not errors, errors
    assert page.locator('[data-testid="stException"]').count() == 0
