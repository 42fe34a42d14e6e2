"""Bad uploads through the Document page (Streamlit AppTest).

Each upload must show one ``st.error`` with the file name and the loader's sentence, raise
nothing, and leave the app working: the default sample is still the current document, so
the Pooling page still shows its 1024 vectors. One AppTest serves the whole module (its
first run loads the encoder; later runs take a fraction of a second).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from pooling_core.documents import load_document
from pooling_core.errors import InputError
from tests.app.conftest import ROOT, TIMEOUT, goto, metric
from tests.app.test_pages import _upload
from tests.bad_inputs.catalogue import CASES_BY_NAME, assert_user_sentence

UPLOADS = [
    ("pdf_corrupt", "application/pdf"),
    ("pdf_truncated", "application/pdf"),
    ("pdf_password_protected", "application/pdf"),
    ("zip_named_pdf", "application/pdf"),
    ("gif_named_pdf", "application/pdf"),
    ("text_named_png", "image/png"),
    ("png_decompression_bomb", "image/png"),
    ("empty_file", "text/plain"),
    ("text_with_nul_bytes", "text/plain"),
]


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("case_name, mime", UPLOADS, ids=[u[0] for u in UPLOADS])
def test_bad_upload_shows_the_sentence_and_the_app_keeps_working(app: AppTest, case_name: str, mime: str) -> None:
    data, filename = CASES_BY_NAME[case_name].make()
    with pytest.raises(InputError) as info:
        load_document(data, filename)
    sentence = str(info.value)
    assert_user_sentence(sentence)

    goto(app, "document")
    _upload(app, filename, data, mime)
    assert [e.value for e in app.error] == [f"{filename}: {sentence}"]
    assert any("previous document is still loaded" in c.value for c in app.caption)
    assert app.get("subheader")[0].value == "report.pdf"  # the sample is still shown

    goto(app, "pooling")
    assert not app.error, [e.value for e in app.error]
    assert metric(app, "Vectors before") == "1024"
