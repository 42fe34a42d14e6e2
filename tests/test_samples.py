"""Tests for pooling_core.samples and the samples/ folder.

The generated report is checked against its own layout file: the text layer inside each
recorded box is exactly that element's text, nothing is printed outside the boxes, and
the generator reproduces the committed files byte for byte.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from pooling_core.documents import CharBox
from pooling_core.errors import InputError
from pooling_core.samples import (
    DEFAULT_SAMPLE,
    REPORT_LAYOUT_PATH,
    SAMPLES,
    SAMPLES_DIR,
    get_sample,
    load_sample,
    report_layout,
    sample_path,
)

PUBLIC_PDFS = {
    "federal_register": (15, (612.0, 792.0)),
    "scotus_transcript": (1, (612.0, 792.0)),
    "nics_background_checks": (1, (1008.0, 612.0)),
    "senate_expenditures": (1, (792.0, 612.0)),
}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def inside(c: CharBox, bbox: list[float], tol: float = 0.5) -> bool:
    x0, y0, x1, y1 = bbox
    return x0 - tol <= c.x0 and c.x1 <= x1 + tol and y0 - tol <= c.y0 and c.y1 <= y1 + tol


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def report_chars() -> list[CharBox]:
    return load_sample("report").page_chars(0)


@pytest.fixture(scope="module")
def layout() -> dict:
    return report_layout()


class TestRegistry:
    def test_default_sample(self) -> None:
        assert DEFAULT_SAMPLE == "report"
        assert DEFAULT_SAMPLE in SAMPLES

    @pytest.mark.parametrize("name", list(SAMPLES))
    def test_every_sample_loads(self, name: str) -> None:
        sample = SAMPLES[name]
        assert sample.name == name
        assert sample.path.is_file() and sample.path.is_relative_to(SAMPLES_DIR)
        assert sample_path(name) == sample.path
        assert sample.title and sample.description.endswith(".")
        assert len(sample.default_query.split()) >= 3
        doc = load_sample(name)
        assert doc.kind == sample.kind
        assert doc.notice is None

    def test_unknown_sample(self) -> None:
        with pytest.raises(InputError) as info:
            get_sample("holiday photos")
        message = str(info.value)
        assert message.startswith("There is no sample called 'holiday photos'") and message.endswith(".")
        assert "report" in message

    @pytest.mark.parametrize("name", list(PUBLIC_PDFS))
    def test_public_pdfs(self, name: str) -> None:
        pages, size = PUBLIC_PDFS[name]
        doc = load_sample(name)
        assert doc.page_count == pages
        assert doc.page_size(0) == size
        assert len(doc.page_chars(0)) > 200  # a real text layer

    def test_default_queries_match_their_documents(self) -> None:
        for name, sample in SAMPLES.items():
            doc = load_sample(name)
            text = " ".join(doc.page_text(i) for i in range(min(doc.page_count, 2)))
            missing = words(sample.default_query) - words(text)
            assert missing <= {"how", "does", "and", "by", "to"}, (name, missing)

    def test_sources_document_every_pdf(self) -> None:
        sources = (SAMPLES_DIR / "SOURCES.md").read_text(encoding="utf-8")
        for path in (SAMPLES_DIR / "pdfs").glob("*.pdf"):
            assert path.name in sources
        assert "public domain" in sources

    def test_late_interaction_text(self) -> None:
        doc = load_sample("late_interaction")
        assert 200 <= len(doc.text.split()) <= 300
        assert "MaxSim" in doc.text and "pool" in doc.text.lower()


class TestReport:
    def test_elements(self, layout: dict) -> None:
        kinds = [e["kind"] for e in layout["elements"]]
        assert sorted(kinds) == ["chart", "paragraph", "paragraph", "paragraph", "paragraph", "table", "title"]
        assert layout["page"] == {"width": 612.0, "height": 792.0, "units": "pt", "origin": "top-left"}
        for e in layout["elements"]:
            x0, y0, x1, y1 = e["bbox"]
            assert 0 <= x0 < x1 <= 612 and 0 <= y0 < y1 <= 792
            assert e["text"]

    def test_boxes_do_not_overlap(self, layout: dict) -> None:
        boxes = [e["bbox"] for e in layout["elements"]]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)

    def test_text_inside_each_box_is_the_element(self, layout: dict, report_chars: list[CharBox]) -> None:
        for e in layout["elements"]:
            found = "".join(c.char for c in report_chars if inside(c, e["bbox"]))
            if e["kind"] in ("title", "paragraph"):
                assert squeeze(found) == squeeze(e["text"]), e["kind"]
            elif e["kind"] == "table":
                assert squeeze(found) == squeeze(e["caption"] + "".join("".join(row) for row in e["rows"]))
            else:  # chart: labels in drawing order, so compare the characters
                assert sorted(squeeze(found)) == sorted(squeeze(e["text"]))

    def test_nothing_printed_outside_the_boxes(self, layout: dict, report_chars: list[CharBox]) -> None:
        stray = [c for c in report_chars if not any(inside(c, e["bbox"]) for e in layout["elements"])]
        assert stray == []
        (blank,) = layout["blank_regions"]
        assert blank[3] - blank[1] > 150  # a generous empty band at the bottom
        assert not any(inside(c, blank) for c in report_chars)

    def test_paragraphs_have_distinct_vocabularies(self, layout: dict) -> None:
        paragraphs = [e for e in layout["elements"] if e["kind"] == "paragraph"]
        assert [p["topic"] for p in paragraphs] == ["ocean tides", "bread baking", "railway history", "honeybees"]
        query = words(SAMPLES["report"].default_query)
        tides, others = paragraphs[0], paragraphs[1:]
        assert query <= words(tides["text"])
        others_words = set().union(*(words(e["text"]) for e in layout["elements"] if e is not tides))
        assert query.isdisjoint(others_words)
        for p in paragraphs:
            assert 60 <= len(p["text"].split()) <= 110

    def test_chart_bars_are_drawn(self, layout: dict) -> None:
        doc = load_sample("report")
        image = doc.page_image(0, dpi=72).convert("RGB")
        chart = next(e for e in layout["elements"] if e["kind"] == "chart")
        for bar in chart["bars"]:
            x0, y0, x1, y1 = bar["bbox"]
            assert image.getpixel((round((x0 + x1) / 2), round((y0 + y1) / 2))) == (70, 110, 170)
        assert image.getpixel((306, 760)) == (255, 255, 255)  # the blank band

    def test_generator_is_deterministic(self) -> None:
        spec = importlib.util.spec_from_file_location("make_report", SAMPLES_DIR / "make_report.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        data, layout = module.build()
        assert data == sample_path("report").read_bytes()
        assert module.to_json(layout) + "\n" == Path(REPORT_LAYOUT_PATH).read_text(encoding="utf-8")
