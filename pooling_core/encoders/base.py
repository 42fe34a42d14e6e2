"""`Encoder`: what every encoder offers, and the document checks they share.

An encoder turns a document page (or a text) into a :class:`MultiVector` and a query into
``(q_len, d)`` vectors in the same space. Page encoders (ColPali family) read the page
*image* and yield a patch grid; text encoders (MiniLM) read the page *text* and yield one
vector per token. Everything a user can get wrong (an image given to a text encoder, an
empty text, a page number past the end) is an :class:`InputError` with a sentence.

The document is duck-typed (:class:`pooling_core.documents.Document`): ``kind`` ("pdf",
"image" or "text"), ``page_count``, ``page_image(i, dpi=...)``, ``text`` and
``page_text(i)``.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import time
from abc import ABC, abstractmethod
from typing import Any, Iterator, Sequence

import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector

log = logging.getLogger("pooling_core.encoders")

DEFAULT_DPI = 144


class Encoder(ABC):
    """Base class of all encoders.

    Attributes:
        name: the name it was loaded by (registry name, model id or folder).
        label: a short human description, e.g. ``"MiniLM-L6 (offline, text tokens)"``.
        dim: dimension ``d`` of every vector.
        device: the torch device the model runs on; outputs live there too.
        yields_patches: ``True`` when documents come out with a patch grid.
        input_kinds: document kinds it accepts (``"pdf"``, ``"image"``, ``"text"``).
        load_seconds: wall time the model took to load.
    """

    name: str
    label: str
    dim: int
    device: torch.device
    yields_patches: bool = False
    input_kinds: tuple[str, ...] = ()
    load_seconds: float = 0.0

    @abstractmethod
    def encode_document(self, doc: Any, page: int = 0, *, dpi: int | None = None) -> MultiVector:
        """Encode one page of ``doc`` (page 0 for an image or a text)."""

    def encode_text(self, text: str) -> MultiVector:
        """Encode a plain text as a document; text encoders only."""
        raise InputError(
            f"{self.label} encodes page images, not plain text; use a text encoder such as 'minilm'."
        )

    @abstractmethod
    def encode_queries(self, queries: Sequence[str]) -> list[torch.Tensor]:
        """Encode several queries in one batch: a list of ``(q_len_i, dim)`` float32 tensors."""

    def encode_query(self, query: str) -> torch.Tensor:
        """``(q_len, dim)`` float32 query vectors, comparable with this encoder's documents."""
        return self.encode_queries([query])[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, device={self.device})"


def check_options(cls: type, name: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` if they are all keyword-only arguments of ``cls``, else an :class:`InputError`."""
    params = inspect.signature(cls.__init__).parameters
    accepted = {p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InputError(
            f"The encoder '{name}' does not take the option(s) {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(accepted - {'name', 'label', 'device'})) or 'none'}."
        )
    return options


def check_text(text: Any, what: str = "text") -> str:
    """``text`` as a non-empty string, or an :class:`InputError`."""
    if not isinstance(text, str):
        raise InputError(f"The {what} must be a string, not {type(text).__name__}.")
    if not text.strip():
        raise InputError(f"The {what} is empty; there is nothing to encode.")
    return text


def check_queries(queries: Sequence[str]) -> list[str]:
    """Non-empty list of non-empty query strings."""
    if isinstance(queries, str):
        queries = [queries]
    queries = [check_text(q, "query") for q in queries]
    if not queries:
        raise InputError("There are no queries to encode.")
    return queries


def check_page(doc: Any, page: int) -> int:
    """``page`` as a valid index into ``doc``."""
    try:
        page = int(page)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The page number must be a whole number, not {page!r}.") from exc
    count = int(getattr(doc, "page_count", 1) or 1)
    if not 0 <= page < count:
        raise InputError(f"Page {page} does not exist; the document has {count} page(s), numbered from 0.")
    return page


def doc_kind(doc: Any) -> str:
    kind = getattr(doc, "kind", None)
    if kind not in ("pdf", "image", "text"):
        raise InputError(
            f"Cannot encode a {type(doc).__name__}: it is not a loaded document (pdf, image or text)."
        )
    return kind


def document_text(doc: Any, page: int) -> tuple[str, str]:
    """The text a text encoder reads from ``doc``: ``(text, source)``.

    ``source`` is ``"text"`` for a text document and ``"pdf_text_layer"`` for a PDF page.
    """
    kind = doc_kind(doc)
    if kind == "image":
        raise InputError(
            "An image has no text for a text encoder; choose a page encoder "
            "(ColPali, ColQwen2, ColSmol...) to encode images."
        )
    page = check_page(doc, page)
    if kind == "text":
        return check_text(getattr(doc, "text", None), "document text"), "text"
    text = doc.page_text(page) or ""
    if not text.strip():
        raise InputError(
            f"Page {page} of this PDF has no text layer (a scan?); choose a page encoder "
            "(ColPali, ColQwen2, ColSmol...) to encode it as an image."
        )
    return text, "pdf_text_layer"


def document_image(doc: Any, page: int, dpi: int) -> Any:
    """The PIL RGB image a page encoder reads from ``doc``."""
    kind = doc_kind(doc)
    if kind == "text":
        raise InputError("A plain-text document has no page image; choose a text encoder such as 'minilm'.")
    page = check_page(doc, page)
    image = doc.page_image(page, dpi=dpi)
    return image.convert("RGB") if getattr(image, "mode", "RGB") != "RGB" else image


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load reports and progress bars while loading a model."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


class Timer:
    """``with Timer() as t: ...``; then ``t.seconds`` (accumulates over re-entries)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> "Timer":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._start
