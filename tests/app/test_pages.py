"""Every page through Streamlit's AppTest, on the embedded default and on uploads."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.app.conftest import ROOT, goto, metric

PAGES = ["document", "embeddings", "pooling", "maxsim", "sweep"]


def test_default_document_page(app) -> None:
    assert app.title[0].value == "Document"
    text = " ".join(m.value for m in app.markdown)
    assert "Embedding:" in text and "32×32 patch grid" in text
    assert not app.error


@pytest.mark.parametrize("page", PAGES[1:])
def test_each_page_renders_the_default_sample(app, page: str) -> None:
    goto(app, page)
    assert not app.error, [e.value for e in app.error]
    assert app.get("plotly_chart"), f"{page} shows no chart"


def test_page_opened_directly_falls_back_to_the_sample() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/pooling.py")
    at.run()
    assert not at.exception and not at.error
    assert metric(at, "Vectors before") == "1024"


def test_method_and_pool_factor_change_the_counts(app) -> None:
    goto(app, "pooling")
    assert metric(app, "Vectors before") == "1024"
    assert metric(app, "Vectors after") == str(1024 // 3)
    app.slider(key="p_pool_factor").set_value(4).run()
    assert metric(app, "Vectors after") == "256"
    app.selectbox(key="method").set_value("row").run()
    assert metric(app, "Vectors after") == "32"
    app.selectbox(key="method").set_value("grid").run()
    assert metric(app, "Vectors after") == str(16 * 16)
    app.selectbox(key="method").set_value("mean").run()
    assert metric(app, "Vectors after") == "1"


def test_query_shows_both_scores(app) -> None:
    goto(app, "maxsim")
    assert app.text_input(key="query").value, "sample query is prefilled"
    original = float(metric(app, "MaxSim, original"))
    pooled = float(metric(app, "MaxSim, pooled"))
    assert original > 0 and pooled > 0
    app.text_input(key="query").set_value("railway locomotive history").run()
    assert float(metric(app, "MaxSim, original")) != original


def _upload(app, name: str, data: bytes, mime: str):
    app.radio(key="doc_source").set_value("Upload a file").run()
    app.file_uploader(key="upload").upload(name, data, mime).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_upload_pdf(app) -> None:
    data = (ROOT / "samples" / "pdfs" / "scotus-transcript-p1.pdf").read_bytes()
    _upload(app, "transcript.pdf", data, "application/pdf")
    assert not app.error
    assert app.get("subheader")[0].value == "transcript.pdf"


def test_upload_text_then_pool(app) -> None:
    text = "Tides rise and fall twice a day because the moon pulls on the oceans. " * 3
    _upload(app, "tides.txt", text.encode(), "text/plain")
    assert not app.error
    goto(app, "pooling")
    assert int(metric(app, "Vectors before")) > 20
    assert app.get("html"), "tokens are shown as chips"


def test_upload_image(app) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="PNG")
    _upload(app, "red.png", buf.getvalue(), "image/png")
    # no page encoder for images offline: a clear message, not a crash
    assert app.get("subheader")[0].value == "red.png"


def test_bad_upload_shows_an_error_and_the_app_keeps_working(app) -> None:
    _upload(app, "broken.pdf", b"%PDF-1.7 this is not really a pdf", "application/pdf")
    assert app.error and "broken.pdf" in app.error[0].value
    goto(app, "pooling")  # the previous document is still there
    assert metric(app, "Vectors before") == "1024"


def test_upload_survives_a_visit_to_another_page(app) -> None:
    text = "Glaciers carve valleys slowly over thousands of years of ice."
    _upload(app, "glacier.txt", text.encode(), "text/plain")
    goto(app, "pooling")
    goto(app, "document")
    assert app.get("subheader")[0].value == "glacier.txt"
