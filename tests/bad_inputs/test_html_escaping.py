"""User text shown as HTML is escaped: token chips, clusters, similarities, figure downloads,
and the app itself after uploading a text file whose name and contents are script tags.
"""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import contribution_bars, figure_html
from explorer.figures.tokens import token_chips_html, token_clusters_html, token_similarity_html
from tests.app.conftest import ROOT, TIMEOUT, goto
from tests.app.test_pages import _upload

HOSTILE = [
    "[CLS]",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "##<script>",
    "' onmouseover='alert(1)",
    "</div></span><script>",
    "[SEP]",
]
SPECIAL = [True, False, False, False, False, False, True]


class _Tags(HTMLParser):
    """Collects every tag and attribute name the HTML really contains."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def assert_only_our_markup(html: str) -> None:
    assert "<script" not in html.lower() and "<img" not in html.lower(), html
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= {"div", "span"}, parser.tags
    assert parser.attributes <= {"class", "style", "title"}, parser.attributes
    assert "&lt;script&gt;" in html  # escaped, not dropped


@pytest.mark.parametrize(
    "build",
    [
        lambda: token_chips_html(HOSTILE, is_special=SPECIAL, titles=HOSTILE[::-1]),
        lambda: token_chips_html(HOSTILE, colors=np.linspace(0, 1, 21).reshape(7, 3)),
        lambda: token_clusters_html(HOSTILE, [3, 0, 0, 1, -1, 2, 4], [2, 1, 1, 1, 1], is_special=SPECIAL),
        lambda: token_similarity_html(HOSTILE, np.linspace(-1, 1, 7), np.array([0.1, np.nan, 0.3, 0.2, 0, 1, 2])),
        lambda: token_similarity_html(["\u2581<script>", "<script>"], np.ones(2)),  # SentencePiece markers
    ],
    ids=["chips", "chips-coloured", "clusters", "similarity", "sentencepiece"],
)
def test_token_html_escapes_user_text(build) -> None:
    assert_only_our_markup(build())


def test_downloaded_figure_cannot_close_its_script_tag() -> None:
    html = figure_html(contribution_bars(["</script><script>alert(1)</script>", "b"], np.ones(2), np.ones(2)))
    assert "</script><script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


# --------------------------------------------------------------------------- the app

SCRIPT_NAME = "<script>alert(1)</script>.txt"
SCRIPT_TEXT = b"<script>alert(2)</script> hello world"


def _elements(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _elements(child)


def raw_html_bodies(at: AppTest) -> tuple[list[str], list[str]]:
    """``(HTML the browser renders as HTML, markdown shown as text that has a '<script')``."""
    rendered, as_text = [], []
    for element in [*_elements(at.main), *_elements(at.sidebar)]:
        proto = getattr(element, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        fields = proto.DESCRIPTOR.fields_by_name
        if proto.DESCRIPTOR.name == "Html" or ("allow_html" in fields and proto.allow_html):
            rendered.append(proto.body)
        elif "body" in fields and "<script" in str(proto.body).lower():
            as_text.append(proto.body)
    return rendered, as_text


def assert_no_raw_script(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    rendered, as_text = raw_html_bodies(at)
    for body in rendered:
        assert "<script" not in body.lower(), body[:500]
    return as_text


@pytest.fixture(scope="module")
def app_with_script_upload() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    _upload(at, SCRIPT_NAME, SCRIPT_TEXT, "text/plain")
    assert not at.error, [e.value for e in at.error]
    return at


def test_script_named_upload_is_shown_as_text(app_with_script_upload: AppTest) -> None:
    at = app_with_script_upload
    as_text = assert_no_raw_script(at)
    assert at.get("subheader")[0].value == SCRIPT_NAME
    # The name reaches the page only through markdown without HTML, which shows it as text.
    assert SCRIPT_NAME in as_text, as_text


@pytest.mark.parametrize("page", ["embeddings", "pooling", "maxsim"])
def test_token_views_escape_the_upload(app_with_script_upload: AppTest, page: str) -> None:
    at = goto(app_with_script_upload, page)
    if page == "maxsim":
        at.text_input(key="query").set_value("<script>alert(3)</script> hello").run()
    as_text = assert_no_raw_script(at)
    assert not at.error, [e.value for e in at.error]
    chips = [h.proto.body for h in at.get("html")]
    assert chips, f"{page} shows no token chips"
    assert any("&lt;" in body for body in chips), "the '<' token is escaped, not dropped"
    assert any(SCRIPT_NAME in text for text in as_text), "the caption names the file, as text"
