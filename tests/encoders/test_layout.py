"""``layout-minilm``: the PDF text layer laid on a patch grid with MiniLM vectors.

The generated report (``samples/report.pdf`` with its exact layout in
``samples/report_layout.json``) checks *where* things land; the real PDFs in
``samples/pdfs/`` check that real layouts (three columns, a sparse cover page, landscape
tables) encode and pool sensibly. One encoder is loaded for the whole module.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import torch
from PIL import Image

from pooling_core import InputError, MultiVector, pool, similarity_map
from pooling_core.documents import load_document
from pooling_core.encoders.layout import NAME, LayoutMiniLMEncoder, token_boxes
from pooling_core.encoders.layout_grid import box_cells, overlap_areas, page_blocks

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
PDFS = {
    "federal": "federal-register-2020-17221.pdf",  # dense, three columns
    "scotus": "scotus-transcript-p1.pdf",  # sparse cover page
    "nics": "nics-background-checks-2015-11.pdf",  # landscape table
    "senate": "senate-expenditures.pdf",  # landscape table, no space characters
}


def load(path: Path):
    return load_document(path.read_bytes(), path.name)


@pytest.fixture(scope="module")
def encoder() -> LayoutMiniLMEncoder:
    return LayoutMiniLMEncoder(device="cpu")


@pytest.fixture(scope="module")
def report():
    return load(SAMPLES / "report.pdf")


@pytest.fixture(scope="module")
def layout() -> dict:
    return json.loads((SAMPLES / "report_layout.json").read_text())


@pytest.fixture(scope="module", params=[(32, 32), (16, 24)], ids=["32x32", "16x24"])
def report_mv(request, encoder, report) -> MultiVector:
    return encoder.encode_document(report, 0, grid=request.param)


@pytest.fixture(scope="module")
def real_pages(encoder) -> dict[str, MultiVector]:
    return {key: encoder.encode_document(load(SAMPLES / "pdfs" / name), 0) for key, name in PDFS.items()}


def cells_touching(box: list[float], size: tuple[float, float], grid: tuple[int, int]) -> np.ndarray:
    """``(rows, cols)`` bool: cells with a positive overlap with ``box`` (computed here, by hand)."""
    (w, h), (rows, cols) = size, grid
    x0, y0, x1, y1 = box
    out = np.zeros(grid, dtype=bool)
    for r in range(rows):
        for c in range(cols):
            in_x = c * w / cols < x1 and (c + 1) * w / cols > x0
            out[r, c] = in_x and r * h / rows < y1 and (r + 1) * h / rows > y0
    return out


def cells_inside(box: list[float], size: tuple[float, float], grid: tuple[int, int]) -> np.ndarray:
    """``(rows, cols)`` bool: cells lying wholly inside ``box``."""
    (w, h), (rows, cols) = size, grid
    x0, y0, x1, y1 = box
    c = np.arange(cols)
    r = np.arange(rows)
    in_x = (c * w / cols >= x0) & ((c + 1) * w / cols <= x1)
    in_y = (r * h / rows >= y0) & ((r + 1) * h / rows <= y1)
    return in_y[:, None] & in_x[None, :]


def distinctive_words(element: dict, elements: list[dict], k: int = 6) -> list[str]:
    """The ``k`` longest words of ``element`` that no other element uses."""
    others = {w for e in elements if e is not element for w in re.findall(r"[a-z]+", e["text"].lower())}
    words = {w for w in re.findall(r"[a-z]+", element["text"].lower()) if len(w) >= 5 and w not in others}
    return sorted(words, key=lambda w: (-len(w), w))[:k]


# --------------------------------------------------------------------------- the grid


class TestGrid:
    def test_shape_and_metadata(self, report_mv: MultiVector, encoder: LayoutMiniLMEncoder) -> None:
        rows, cols = report_mv.grid
        n = rows * cols
        assert report_mv.n == n and report_mv.dim == encoder.dim == 384
        assert report_mv.model == NAME
        assert report_mv.n_special == 0
        assert torch.allclose(report_mv.vectors.norm(dim=1), torch.ones(n), atol=1e-5)
        meta = report_mv.metadata
        assert len(meta["blank_mask"]) == n and len(meta["cell_text"]) == n
        assert meta["page_size"] == (612.0, 792.0)
        assert meta["blocks"]
        assert all(set(b) == {"text", "box"} and len(b["box"]) == 4 for b in meta["blocks"])
        assert all(len(t) <= 60 for t in meta["cell_text"])

    def test_constructor_grid(self) -> None:
        # The grid is checked before the model loads, so a bad one fails at once.
        with pytest.raises(InputError, match="grid"):
            LayoutMiniLMEncoder(device="cpu", grid=(0, 32))
        with pytest.raises(InputError, match="grid"):
            LayoutMiniLMEncoder(device="cpu", grid="32x32")

    def test_blank_cells_share_one_vector(self, report_mv: MultiVector, encoder: LayoutMiniLMEncoder) -> None:
        blank = torch.tensor(report_mv.metadata["blank_mask"])
        assert 0 < int(blank.sum()) < report_mv.n
        assert torch.equal(report_mv.vectors[blank], encoder.blank_vector.expand(int(blank.sum()), -1))
        assert all(t == "" for t, b in zip(report_mv.metadata["cell_text"], blank.tolist()) if b)

    def test_blank_exactly_where_no_character_is(self, report_mv: MultiVector, report) -> None:
        size, grid = report.page_size(0), report_mv.grid
        touched = np.zeros(grid, dtype=bool)
        for ch in report.page_chars(0):
            if not ch.char.isspace():
                touched |= cells_touching([ch.x0, ch.y0, ch.x1, ch.y1], size, grid)
        assert np.array_equal(~touched.ravel(), np.array(report_mv.metadata["blank_mask"]))

    def test_margins_and_blank_band_are_blank(self, report_mv: MultiVector, report, layout: dict) -> None:
        size, grid = report.page_size(0), report_mv.grid
        blank = np.array(report_mv.metadata["blank_mask"]).reshape(grid)
        regions = list(layout["blank_regions"])
        regions += [[0.0, 0.0, 72.0, 792.0], [0.0, 0.0, 612.0, 72.0]]  # left and top margins
        for region in regions:
            inside = cells_inside(region, size, grid)
            assert inside.any() and blank[inside].all()

    def test_paragraph_interiors_are_not_blank(self, report_mv: MultiVector, report, layout: dict) -> None:
        (w, h), (rows, cols) = report.page_size(0), report_mv.grid
        blank = np.array(report_mv.metadata["blank_mask"]).reshape(rows, cols)
        cx = (np.arange(cols) + 0.5) * w / cols
        cy = (np.arange(rows) + 0.5) * h / rows
        for element in layout["elements"]:
            if element["kind"] == "paragraph":
                x0, y0, x1, y1 = element["bbox"]
                y1 -= 13.5  # the last line may be short
                centred = ((cy >= y0) & (cy <= y1))[:, None] & ((cx >= x0) & (cx <= x1))[None, :]
                assert centred.any() and not blank[centred].any(), element["topic"]

    def test_cell_text_lies_under_its_cell(self, report_mv: MultiVector, report) -> None:
        chars = report.page_chars(0)
        stream = "".join(c.char for c in chars)
        boxes = np.array([[c.x0, c.y0, c.x1, c.y1] for c in chars])
        (w, h), (rows, cols) = report.page_size(0), report_mv.grid
        checked = 0
        for k, text in enumerate(report_mv.metadata["cell_text"]):
            if report_mv.metadata["blank_mask"][k]:
                continue
            r, c = divmod(k, cols)
            x0, x1, y0, y1 = c * w / cols, (c + 1) * w / cols, r * h / rows, (r + 1) * h / rows
            words = text.split()
            assert words, f"cell {k} is not blank but has no text"
            if text.endswith("…"):
                words = words[:-1]  # truncated
            for word in words:
                hits = [m.start() for m in re.finditer(re.escape(word), stream)]
                assert any(
                    ((boxes[i : i + len(word), 0] < x1) & (boxes[i : i + len(word), 2] > x0)
                     & (boxes[i : i + len(word), 1] < y1) & (boxes[i : i + len(word), 3] > y0)).any()
                    for i in hits
                ), f"{word!r} is not under cell {k}"
                checked += 1
        assert checked > 100


# --------------------------------------------------------------------------- queries


class TestQueries:
    def test_paragraph_words_light_up_that_paragraph(self, encoder, report_mv, report, layout) -> None:
        size, grid = report.page_size(0), report_mv.grid
        paragraphs = [e for e in layout["elements"] if e["kind"] == "paragraph"]
        assert len(paragraphs) == 4
        for element in paragraphs:
            query = " ".join(distinctive_words(element, layout["elements"]))
            q = encoder.encode_query(query)
            sims = similarity_map(q, report_mv)  # (q_len, rows, cols)
            target = cells_touching(element["bbox"], size, grid).ravel()
            peak = int(sims.sum(0).argmax())
            assert target[peak], f"the summed map of {query!r} peaks outside {element['topic']}"
            per_token = target[sims.reshape(q.shape[0], -1).argmax(dim=1).numpy()]
            assert per_token.mean() >= 0.8, (element["topic"], per_token.tolist())

    def test_query_vectors_are_word_pieces_only(self, encoder) -> None:
        text = "sourdough bread"
        q = encoder.encode_query(text)
        tokens = encoder.query_tokens(text)
        assert tokens == ["sour", "##dou", "##gh", "bread"]
        assert q.shape == (len(tokens), 384)
        assert torch.allclose(q.norm(dim=1), torch.ones(len(tokens)), atol=1e-5)
        batch = encoder.encode_queries(["honeybee colony", text])
        assert torch.allclose(batch[1], q, atol=1e-5)
        assert batch[0].shape[0] == len(encoder.query_tokens("honeybee colony"))

    def test_empty_query_is_refused(self, encoder) -> None:
        with pytest.raises(InputError):
            encoder.encode_query("   ")


# --------------------------------------------------------------------------- real PDFs


class TestRealPages:
    @pytest.mark.parametrize("key", list(PDFS))
    def test_encodes_with_a_plausible_blank_fraction(self, real_pages, key: str) -> None:
        mv = real_pages[key]
        assert mv.grid == (32, 32) and mv.n == 1024
        assert bool(torch.isfinite(mv.vectors).all())
        fraction = float(np.mean(mv.metadata["blank_mask"]))
        assert 0.05 < fraction < 0.9, fraction
        assert mv.metadata["n_tokens"] > 100

    def test_sparse_page_is_much_blanker_than_dense_page(self, real_pages) -> None:
        dense = float(np.mean(real_pages["federal"].metadata["blank_mask"]))
        sparse = float(np.mean(real_pages["scotus"].metadata["blank_mask"]))
        assert dense < 0.35 and sparse > 0.55 and sparse - dense > 0.3

    @pytest.mark.parametrize("key", list(PDFS))
    def test_hierarchical_pooling_gathers_the_blank_cells(self, real_pages, key: str) -> None:
        mv = real_pages[key]
        blank = np.array(mv.metadata["blank_mask"])
        res = pool(mv, "hierarchical", pool_factor=3)
        assignment = res.assignment.numpy()
        blank_clusters = np.unique(assignment[blank])
        # No blank cell is averaged with text: clusters holding a blank cell hold only blanks.
        assert blank[np.isin(assignment, blank_clusters)].all()
        distinct = len(np.unique(mv.vectors.numpy().round(5), axis=0))
        if distinct > res.n_output:
            assert len(blank_clusters) <= 2
        # Otherwise (the sparse cover page: ~230 distinct vectors for 341 clusters) Ward
        # has to split identical vectors, blanks included; purity is all one can ask.

    def test_three_columns_are_not_merged(self, real_pages) -> None:
        width, _ = real_pages["federal"].metadata["page_size"]
        blocks = real_pages["federal"].metadata["blocks"]
        body = [b for b in blocks if b["box"][1] > 110 and b["box"][3] < 745]
        assert len(body) >= 10
        assert max(b["box"][2] - b["box"][0] for b in body) <= 0.5 * width
        # The long blocks start at three distinct column edges.
        starts = sorted({round(b["box"][0] / 50) for b in body if len(b["text"]) > 200})
        assert len(starts) >= 3

    def test_tables_without_space_characters_still_split_into_words(self, real_pages) -> None:
        text = " ".join(b["text"] for b in real_pages["senate"].metadata["blocks"])
        assert "DOCUMENT NO." in text and "LEGISLATIVE CORRESPONDENT" in text


# --------------------------------------------------------------------------- refusals


class TestRefusals:
    def test_image_document(self, encoder) -> None:
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), "white").save(buf, format="PNG")
        doc = load_document(buf.getvalue(), "page.png")
        with pytest.raises(InputError, match="no text layer.*ColPali"):
            encoder.encode_document(doc)

    def test_pdf_page_without_text(self, encoder) -> None:
        pdf = pdfium.PdfDocument.new()
        try:
            pdf.new_page(612, 792)
            buf = io.BytesIO()
            pdf.save(buf)
        finally:
            pdf.close()
        doc = load_document(buf.getvalue(), "blank.pdf")
        with pytest.raises(InputError, match="no text layer"):
            encoder.encode_document(doc)

    def test_text_document_and_plain_text(self, encoder) -> None:
        doc = load_document(b"Just some words.", "notes.txt")
        with pytest.raises(InputError, match="'minilm'"):
            encoder.encode_document(doc)
        with pytest.raises(InputError, match="'minilm'"):
            encoder.encode_text("Just some words.")

    def test_page_out_of_range(self, encoder, report) -> None:
        with pytest.raises(InputError, match="Page 3"):
            encoder.encode_document(report, 3)


# --------------------------------------------------------------------------- geometry


class TestGeometry:
    def test_box_cells_agrees_with_overlap_areas(self) -> None:
        g = np.random.default_rng(0)
        xy = g.uniform(-20, 640, size=(300, 2))
        wh = g.uniform(0, 80, size=(300, 2)) * (g.random((300, 1)) > 0.05)  # some with no area
        boxes = np.hstack([xy, xy + wh])
        boxes[:5, 2:] = boxes[:5, :2] + np.array([612 / 24, 792 / 16])  # exactly on cell edges
        for grid in [(16, 24), (32, 32), (1, 1)]:
            areas = overlap_areas(boxes, (612.0, 792.0), grid).numpy()
            item, cell = box_cells(boxes, (612.0, 792.0), grid)
            expected = np.argwhere(areas > 0)
            assert np.array_equal(np.stack([item, cell], axis=1), expected)

    def test_token_boxes_cover_their_characters(self, encoder, report) -> None:
        block = next(b for b in page_blocks(report.page_chars(0)) if b.text.startswith("Ocean tides"))
        enc = encoder.tokenizer(block.text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = np.array(enc["offset_mapping"])
        boxes = token_boxes(block, offsets)
        assert np.isfinite(boxes).all()
        first_word = block.words[0]  # "Ocean" is one token
        assert np.allclose(boxes[0], first_word.box)
        assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
