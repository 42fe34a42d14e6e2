"""Encoders on real :mod:`pooling_core.documents` objects (PDF, image, text)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from pooling_core.errors import InputError

documents = pytest.importorskip("pooling_core.documents")


@pytest.fixture(scope="module")
def pdf_doc() -> Any:
    from fpdf import FPDF

    pdf = FPDF()
    for text in ("Pooling keeps the late interaction signal.", "Second page about patches."):
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(text=text)
    return documents.load_document(bytes(pdf.output()), "two-pages.pdf")


@pytest.fixture(scope="module")
def png_doc() -> Any:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 90), (200, 10, 10)).save(buf, "PNG")
    return documents.load_document(buf.getvalue(), "page.png")


def test_minilm_reads_the_pdf_text_layer(minilm: Any, pdf_doc: Any) -> None:
    mv = minilm.encode_document(pdf_doc, page=1)
    assert mv.metadata["source"] == "pdf_text_layer"
    assert "patches" in mv.tokens and mv.grid is None


def test_minilm_text_document(minilm: Any) -> None:
    doc = documents.load_document(b"A plain text about pooling.", "note.txt")
    assert minilm.encode_document(doc).tokens[1:3] == ["a", "plain"]


def test_minilm_refuses_an_image(minilm: Any, png_doc: Any) -> None:
    with pytest.raises(InputError, match="page encoder"):
        minilm.encode_document(png_doc)


@pytest.mark.parametrize("key", ["colpali", "colqwen2", "colidefics3"])
def test_page_encoders_on_pdf_and_image(tiny_encoders: Any, pdf_doc: Any, png_doc: Any, key: str) -> None:
    enc = tiny_encoders(key)
    page = enc.encode_document(pdf_doc, page=1, dpi=40)
    assert page.grid is not None and page.metadata["image_size"] == pdf_doc.page_image(1, dpi=40).size
    image = enc.encode_document(png_doc)
    assert image.metadata["image_size"] == (120, 90) and image.n_patches == image.grid[0] * image.grid[1]
    with pytest.raises(InputError, match="text encoder"):
        enc.encode_document(documents.load_document(b"text", "t.txt"))
