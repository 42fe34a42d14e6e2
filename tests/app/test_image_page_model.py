"""An image page through every page of the app, with a (tiny, random) ColQwen2 model loaded
from a local folder, the way a user with real weights would."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.app.conftest import ROOT, goto, metric


@pytest.fixture(scope="module")
def tiny_colqwen(tmp_path_factory):
    from tests.encoders.conftest import build_colqwen

    return build_colqwen(tmp_path_factory.mktemp("models") / "colqwen2", "2")


def test_image_with_a_local_colqwen_model(tiny_colqwen, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("POOLING_ALLOW_LOCAL_MODELS", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    img = Image.new("RGB", (112, 84), (255, 255, 255))
    img.paste((20, 20, 200), (0, 0, 56, 84))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    at.radio(key="doc_source").set_value("Upload a file").run()
    at.file_uploader(key="upload").upload("halves.png", buf.getvalue(), "image/png").run()
    at.selectbox(key="encoder_pick").set_value("__other__").run()
    at.text_input(key="model_id").set_value(str(tiny_colqwen)).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    text = " ".join(m.value for m in at.markdown)
    assert "patch grid" in text  # dynamic resolution: 84x112 px -> a 3x4 grid of 28-px patches
    for page in ("embeddings", "pooling", "maxsim", "sweep"):
        goto(at, page)
        assert not at.error, (page, [e.value for e in at.error])
    goto(at, "pooling")
    before = int(metric(at, "Vectors before"))
    at.selectbox(key="method").set_value("row").run()
    after = int(metric(at, "Vectors after"))
    assert after < before
