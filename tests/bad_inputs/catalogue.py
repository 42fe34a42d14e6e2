"""The bad-input catalogue: every hostile or broken input we know of, made in code.

Each :class:`Case` says how to make the input (no binary fixtures are committed), what
kind of input it is and what must happen:

* ``kind="document"``: ``make()`` gives ``(bytes, filename)`` for
  :func:`~pooling_core.documents.load_document`; ``then(doc)``, if given, goes on with the
  loaded document (render a page, ask for a page that does not exist).
* ``kind="embeddings"``: ``make()`` gives ``(bytes, filename)`` or
  ``(bytes, filename, sidecar)`` for :func:`~pooling_core.io.load_embeddings`.
* ``kind="call"``: ``make()`` gives a zero-argument callable that exercises the pooling /
  MaxSim API.

``expect="error"``: an :class:`~pooling_core.errors.InputError` whose message is one
sentence for users (:func:`assert_user_sentence`), never another exception type.
``expect="ok"``: the input is valid (a CMYK JPEG, a pool factor larger than the
document) and ``check`` says what a correct result looks like.

Generators shared with the unit tests are imported from them (``tests/test_documents.py``,
``tests/test_io.py``) rather than copied. :func:`run_case` runs one case under a time
limit (:func:`time_limit`) and counts the pages pdfium renders, so that "opens a
2,000-page PDF lazily" is checked by counting, not only by the clock.
"""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import io
import os
import pickle
import re
import signal
import struct
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pypdfium2 as pdfium
import safetensors.numpy
import torch
from fpdf import FPDF
from PIL import Image

from pooling_core import MultiVector, maxsim, maxsim_scores, pool
from pooling_core.documents import MAX_RENDER_PIXELS, Document, load_document
from pooling_core.io import load_embeddings
from pooling_core.samples import sample_path
from tests.test_documents import encoded, handmade_pdf, png_header_only, text_page
from tests.test_io import MarkerOnUnpickle, npy, npz

TIME_LIMIT_S = 20.0  # no case may take longer; most take milliseconds
KINDS = ("document", "embeddings", "call")
EXPECTATIONS = ("error", "ok")


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Outcome:
    """What running a case gave: its value or the exception, the time, pdfium renders."""

    value: Any
    error: BaseException | None
    seconds: float
    renders: int
    document: Document | None = None


@dataclass(frozen=True)
class Case:
    """One bad (or surprising but valid) input; see the module docstring."""

    name: str
    kind: str
    make: Callable[[], Any]
    expect: str
    contains: tuple[str, ...] = ()  # fragments the error message must contain
    then: Callable[[Document], Any] | None = None  # documents: continue with the loaded document
    check: Callable[[Outcome], None] | None = None  # more assertions (on results or side effects)
    max_seconds: float = TIME_LIMIT_S  # the case must finish within this (asserted)
    why: str = ""  # expect="ok": why the input is valid
    known_bug: str | None = None  # a bug outside the files this catalogue may fix (xfail)

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        assert self.expect in EXPECTATIONS, self.expect
        assert re.fullmatch(r"[a-z0-9_]+", self.name), self.name


class CaseTimeout(BaseException):
    """A case ran past its time limit (a BaseException, so ``except Exception`` in the
    code under test cannot swallow it and turn it into an InputError)."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str = "the call") -> Iterator[None]:
    """Raise :class:`CaseTimeout` in the main thread after ``seconds`` (``SIGALRM``).

    A hang inside native code (pdfium, zlib) does not return to Python, so the alarm
    cannot interrupt it; ``faulthandler`` then dumps every thread's stack and exits the
    process a little later, so a run never hangs silently either way.
    """

    def on_alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"{what} did not finish within {seconds:g} s")

    in_main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    faulthandler.dump_traceback_later(seconds + 30, exit=True)
    previous = signal.signal(signal.SIGALRM, on_alarm) if in_main else None
    if in_main:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if in_main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


@contextlib.contextmanager
def counted_renders() -> Iterator[list[int]]:
    """Count ``pypdfium2.PdfPage.render`` calls inside the block (``[count]``)."""
    original = pdfium.PdfPage.render
    count = [0]

    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, *args, **kwargs)

    pdfium.PdfPage.render = render
    try:
        yield count
    finally:
        pdfium.PdfPage.render = original


def run_case(case: Case, time_limit_s: float = TIME_LIMIT_S) -> Outcome:
    """Make the input, run it, and return what happened (exceptions are returned, except
    :class:`CaseTimeout`, which propagates)."""
    inputs = case.make()
    document: Document | None = None
    value: Any = None
    error: BaseException | None = None
    with counted_renders() as renders, time_limit(time_limit_s, f"case {case.name!r}"):
        start = time.perf_counter()
        try:
            if case.kind == "document":
                data, filename = inputs
                document = load_document(data, filename)
                value = case.then(document) if case.then is not None else document
            elif case.kind == "embeddings":
                data, filename, *rest = inputs
                value = load_embeddings(data, filename, sidecar=rest[0] if rest else None)
            else:
                value = inputs()
        except Exception as exc:  # noqa: BLE001 - the test decides what was acceptable
            error = exc
        seconds = time.perf_counter() - start
    return Outcome(value, error, seconds, renders[0], document)


# --------------------------------------------------------------------------- messages

_INTERNALS = re.compile(
    r"Traceback|\b\w*(?:Error|Exception)\b|BadZipFile|Errno|object at 0x|\b0x[0-9a-fA-F]{6,}"
)


def assert_user_sentence(message: str) -> None:
    """One sentence for users: a capital first, a full stop last, one line, at most 300
    characters, no second sentence, no traceback or exception class names."""
    assert message, "empty message"
    assert message[0].isupper(), f"does not start with a capital letter: {message!r}"
    assert message.endswith("."), f"does not end with a full stop: {message!r}"
    assert "\n" not in message, f"more than one line: {message!r}"
    assert len(message) <= 300, f"{len(message)} characters: {message!r}"
    assert not re.search(r"[.!?]\s+[A-Z]", message[:-1]), f"more than one sentence: {message!r}"
    found = _INTERNALS.search(message)
    assert found is None, f"shows internals ({found.group(0) if found else ''!r}): {message!r}"


# --------------------------------------------------------------------------- generators


def _password_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="confidential")
    return bytes(pdf.output())


def _poster_pdf() -> bytes:
    """One 14400 x 14400 pt page (200 x 200 inches, PDF's maximum): 1.6 gigapixels at 144 dpi."""
    pdf = FPDF(unit="pt", format=(14400, 14400))
    pdf.add_page()
    pdf.set_font("Helvetica", size=400)
    pdf.text(1000, 2000, "Huge")
    return bytes(pdf.output())


@functools.cache
def _long_pdf() -> bytes:
    return handmade_pdf([text_page(f"Page {i + 1}", 20, 40, size=12) for i in range(2000)])


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buf.getvalue()


def _noise(size: tuple[int, int] = (64, 64)) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _palette_png() -> bytes:
    image = Image.new("P", (16, 16), 2)
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 200, 0])
    return encoded(image, "PNG")


def _png_16bit() -> bytes:
    values = np.array([[0, 32768, 65535]] * 8, dtype=np.uint16).repeat(8, axis=1)
    return encoded(Image.fromarray(values), "PNG")


def _zip_bomb_npz() -> bytes:
    """An honest .npz whose one member unpacks to 544 MB of zeros (2.5 MB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("vectors.npy", "w", force_zip64=True) as member:
            chunk = bytes(16 * 2**20)
            for _ in range(34):
                member.write(chunk)
    return buf.getvalue()


def _npz_member_lying_about_its_size() -> bytes:
    """A 4 MB member whose headers claim 1,000 bytes (zipfile stops at 1,000; the CRC fails)."""
    data = bytearray(_zip({"vectors.npy": npy(np.ones((1000, 1000), np.float32))}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature) + offset
        data[at : at + 4] = struct.pack("<I", 1000)
    return bytes(data)


def _npy_header_only(shape: tuple[int, ...]) -> bytes:
    """A version-1 .npy header declaring float32 ``shape``, followed by 16 bytes of data."""
    header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}".ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(16)


def _safetensors_with_lying_offsets() -> bytes:
    good = safetensors.numpy.save({"vectors": np.ones((4, 2), np.float32)})
    size = int.from_bytes(good[:8], "little")
    header = good[8 : 8 + size].replace(b"[0,32]", b"[0,1000000]")
    assert header != good[8 : 8 + size], "safetensors header layout changed"
    return struct.pack("<Q", len(header)) + header + good[8 + size :]


def _with_value(value: float) -> np.ndarray:
    array = np.ones((3, 4), np.float32)
    array[1, 2] = value
    return array


def _unit(n: int, d: int = 8, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=-1)


def _marker_path(name: str) -> Path:
    """The file that unpickling case ``name``'s payload would create (it must never appear)."""
    return Path(tempfile.gettempdir()) / f"pooling-bad-inputs-{os.getpid()}-{name}.ran"


def _fresh_marker(name: str) -> Path:
    path = _marker_path(name)
    path.unlink(missing_ok=True)
    return path


def _never_unpickled(name: str, payload: Callable[[Path], bytes], filename: str, *contains: str) -> Case:
    """An embeddings case whose bytes would create a marker file if anything unpickled them."""

    def make() -> tuple[bytes, str]:
        return payload(_fresh_marker(name)), filename

    def check(outcome: Outcome) -> None:
        marker = _marker_path(name)
        assert not marker.exists(), f"{filename} was unpickled: {marker} was created"

    return Case(name, "embeddings", make, "error", contains, check=check)


def _torch_checkpoint(marker: Path) -> bytes:
    buf = io.BytesIO()
    torch.save({"vectors": MarkerOnUnpickle(marker)}, buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- checks


def _pixel(expected: tuple[int, int, int], at: tuple[int, int] = (8, 8), atol: int = 0) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        image = outcome.value.page_image()
        assert image.mode == "RGB", image.mode
        got = image.getpixel(at)
        assert np.allclose(got, expected, atol=atol), f"pixel {at} is {got}, expected {expected}"

    return check


def _text_notice(outcome: Outcome, expected: str) -> None:
    assert outcome.value.notice == expected, outcome.value.notice


def _text_is(expected: str, notice: str | None = None) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        doc = outcome.value
        assert doc.kind == "text" and doc.text == expected, repr(doc.text[:200])
        assert doc.notice == notice, doc.notice

    return check


def _check_last_page(outcome: Outcome) -> None:
    doc, image = outcome.value
    assert doc.page_count == 2000
    assert image.size == (400, 200)  # a 200 x 100 pt page at 144 dpi
    assert outcome.renders == 1, f"{outcome.renders} pages were rendered to show one"


def _check_poster(outcome: Outcome) -> None:
    image = outcome.value
    assert image.width * image.height <= MAX_RENDER_PIXELS, image.size
    assert image.width > 6000, f"{image.size}: the resolution was lowered too far"
    notice = outcome.document.notice or ""
    assert "reduced resolution" in notice and "40-megapixel limit" in notice, notice
    assert_user_sentence(notice)


def _check_one_vector(outcome: Outcome) -> None:
    result = outcome.value
    assert result.n_output == 1, f"{result.n_output} vectors"
    assert result.assignment.tolist() == [0] * 10
    assert torch.allclose(result.vectors.norm(dim=-1), torch.ones(1))


# --------------------------------------------------------------------------- the catalogue

_MIXED = ("English, \u0627\u0644\u0639\u0631\u0628\u064a\u0629 (\u202bRTL\u202c), \u05e2\u05d1\u05e8\u05d9\u05ea, "
          "\u65e5\u672c\u8a9e, \U0001f389\U0001f44d\U0001f3fd \U0001f468\u200d\U0001f469\u200d\U0001f467, e\u0301")
_HTML = "<html><body><script>alert(1)</script><p onclick=\"x()\">Hi &amp; bye</p></body></html>"
_GRID = MultiVector(_unit(16), grid=(4, 4))
_TEXT_LIKE = MultiVector(_unit(10))


def _doc(data: Callable[[], bytes] | bytes, filename: str) -> Callable[[], tuple[bytes, str]]:
    return lambda: (data() if callable(data) else data, filename)


def _emb(data: Callable[[], bytes], filename: str, sidecar: bytes | None = None) -> Callable[[], tuple]:
    return lambda: (data(), filename) if sidecar is None else (data(), filename, sidecar)


def _call(fn: Callable[[], Any]) -> Callable[[], Callable[[], Any]]:
    return lambda: fn


DOCUMENT_CASES = [
    # PDFs
    Case("pdf_corrupt", "document",
         _doc(lambda: b"%PDF-1.7\n" + np.random.default_rng(0).bytes(4000) + b"\n%%EOF\n", "corrupt.pdf"),
         "error", ("damaged",)),
    Case("pdf_truncated", "document",
         _doc(lambda: (b := sample_path("report").read_bytes())[: len(b) // 2], "half.pdf"), "error", ("cut off",)),
    Case("pdf_header_only", "document", _doc(b"%PDF-1.7 this is not really a pdf", "broken.pdf"), "error", ("PDF",)),
    Case("pdf_password_protected", "document", _doc(_password_pdf, "locked.pdf"), "error", ("password-protected",)),
    Case("pdf_zero_pages", "document", _doc(lambda: handmade_pdf([]), "empty.pdf"), "error", ("no pages",)),
    Case("pdf_page_tree_lies", "document", _doc(lambda: handmade_pdf([], count=3), "liar.pdf"), "error",
         ("first page could not be read",)),
    Case("pdf_2000_pages_last_page", "document", _doc(_long_pdf, "long.pdf"), "ok",
         then=lambda doc: (doc, doc.page_image(1999)), check=_check_last_page, max_seconds=5.0,
         why="a long PDF is valid; it opens lazily and renders only the page asked for"),
    Case("pdf_2000_pages_page_2000", "document", _doc(_long_pdf, "long.pdf"), "error",
         ("valid indices are 0 to 1999",), then=lambda doc: doc.page_image(2000), max_seconds=5.0),
    Case("pdf_enormous_page", "document", _doc(_poster_pdf, "poster.pdf"), "ok",
         then=lambda doc: doc.page_image(0), check=_check_poster,
         why="a 200-inch page is valid; it is rendered at a lower resolution within the pixel cap"),
    Case("pdf_binary_without_header", "document", _doc(bytes(range(256)) * 4, "scan.pdf"), "error",
         ("%PDF header",)),
    Case("zip_named_pdf", "document", _doc(lambda: _zip({"notes.txt": b"hello"}), "report.pdf"), "error",
         ("This file is a ZIP archive, not a PDF.",)),
    Case("docx_named_pdf", "document",
         _doc(lambda: _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), "report.pdf"),
         "error", ("Word document",)),
    Case("gif_named_pdf", "document", _doc(lambda: encoded(Image.new("RGB", (16, 16)), "GIF"), "slides.pdf"),
         "error", ("This file is a GIF image, not a PDF.",)),
    Case("png_named_txt", "document",
         _doc(lambda: encoded(Image.new("RGB", (16, 16)), "PNG"), "notes.txt"), "error",
         ("This file is a PNG image, not a text file.",)),
    Case("pdf_named_png", "document", _doc(lambda: sample_path("report").read_bytes(), "photo.png"), "error",
         ("This file is a PDF document, not a PNG image.",)),
    # images
    Case("png_decompression_bomb", "document", _doc(lambda: png_header_only(30000, 30000), "bomb.png"), "error",
         ("decompression bomb",)),
    Case("png_decompression_bomb_warning_zone", "document", _doc(lambda: png_header_only(10000, 10000), "bomb.png"),
         "error", ("decompression bomb",)),
    Case("png_over_pixel_cap", "document", _doc(lambda: png_header_only(7000, 7000), "big.png"), "error",
         ("40 megapixels",)),
    Case("image_1x1", "document", _doc(lambda: encoded(Image.new("RGB", (1, 1)), "PNG"), "dot.png"), "error",
         ("at least 8 pixels",)),
    Case("png_truncated", "document", _doc(lambda: (p := encoded(_noise(), "PNG"))[: len(p) // 2], "cut.png"),
         "error", ("damaged or truncated",)),
    Case("jpeg_truncated", "document", _doc(lambda: encoded(_noise(), "JPEG")[:300], "cut.jpg"), "error",
         ("damaged",)),
    Case("text_named_png", "document", _doc(b"just some words", "photo.png"), "error",
         ("This file is a text file, not a PNG image.",)),
    Case("program_named_png", "document", _doc(b"MZ\x90\x00" + bytes(100), "photo.png"), "error",
         ("Windows program",)),
    Case("heic_named_jpg", "document", _doc(b"\x00\x00\x00\x18ftypheic" + bytes(40), "phone.jpg"), "error",
         ("HEIC image",)),
    Case("cmyk_jpeg", "document",
         _doc(lambda: encoded(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95), "print.jpg"),
         "ok", check=_pixel((255, 0, 0), atol=3), why="CMYK is a valid JPEG; it is converted to RGB"),
    Case("png_16_bit", "document", _doc(_png_16bit, "depth.png"), "ok",
         check=lambda o: [_pixel(c, (x, 0))(o) for x, c in ((0, (0, 0, 0)), (8, (128, 128, 128)), (16, (255,) * 3))],
         why="16-bit grey is valid; it is scaled (not clipped) to 8 bits"),
    Case("png_palette", "document", _doc(_palette_png, "palette.png"), "ok", check=_pixel((0, 200, 0)),
         why="a palette image is valid; its colours are looked up"),
    Case("gif_animated", "document", _doc(_animated_gif, "anim.gif"), "ok",
         check=lambda o: (_pixel((255, 0, 0))(o),
                          _text_notice(o, "The image has several frames; only the first is used.")),
         why="an animated GIF is valid; its first frame is used, with a notice"),
    Case("png_named_jpg", "document", _doc(lambda: encoded(Image.new("RGB", (16, 16), (1, 2, 3)), "PNG"), "a.jpg"),
         "ok", check=lambda o: (_pixel((1, 2, 3))(o),
                                _text_notice(o, "The file is a PNG image although its name ends in .jpg.")),
         why="a PNG named .jpg is still an image this app reads; a notice says so"),
    # texts
    Case("empty_file", "document", _doc(b"", "empty.txt"), "error", ("The file 'empty.txt' is empty.",)),
    Case("empty_pdf_file", "document", _doc(b"", "empty.pdf"), "error", ("is empty",)),
    Case("text_whitespace_only", "document", _doc(" \n\t \r\n \u00a0\u3000".encode(), "blank.txt"), "error",
         ("only whitespace",)),
    Case("text_5_mb", "document", _doc(lambda: b"words " * (5 * 2**20 // 6 + 1), "big.txt"), "error",
         ("the limit is 2 MB",)),
    Case("text_invalid_utf8", "document", _doc(b"caf\xe9 \x93quoted\x94", "latin.txt"), "ok",
         check=_text_is("caf\u00e9 \u201cquoted\u201d",
                        "The text was not valid UTF-8, so it was decoded as cp1252 (Windows Western)."),
         why="invalid UTF-8 is decoded as cp1252 with a notice, not refused"),
    Case("text_mixed_scripts_emoji_rtl", "document", _doc(_MIXED.encode(), "mixed.txt"), "ok",
         check=_text_is(_MIXED), why="every script, emoji sequence and bidi mark is kept as is"),
    Case("text_with_nul_bytes", "document", _doc(b"hello\x00world\x00" * 10, "nul.txt"), "error",
         ("binary data",)),
    Case("text_invalid_utf16", "document", _doc(b"\xff\xfe" + "abc".encode("utf-16-le") + b"\x00\xd8", "u16.txt"),
         "error", ("not valid UTF-16",)),
    Case("html_named_txt", "document", _doc(_HTML.encode(), "page.txt"), "ok", check=_text_is(_HTML),
         why="HTML is text: it is embedded as the characters it is, never rendered (the app escapes it)"),
    Case("unknown_extension", "document", _doc(b"abc", "slides.pptx"), "error", ("'.pptx'", ".pdf")),
    Case("no_extension", "document", _doc(b"abc", "README"), "error", ("no extension",)),
]


EMBEDDING_CASES = [
    _never_unpickled("npy_object_array",
                     lambda m: npy(np.array([MarkerOnUnpickle(m), 1.0], dtype=object), allow_pickle=True),
                     "objects.npy", "Python objects"),
    _never_unpickled("npz_object_array",
                     lambda m: npz(vectors=np.ones((2, 2), np.float32),
                                   tokens=np.array([MarkerOnUnpickle(m), "b"], dtype=object)),
                     "objects.npz", "'tokens'", "Python objects"),
    _never_unpickled("pickle_named_npy", lambda m: pickle.dumps(MarkerOnUnpickle(m)), "evil.npy", "pickle"),
    _never_unpickled("pickle_named_npz", lambda m: pickle.dumps(MarkerOnUnpickle(m)), "evil.npz", "pickle"),
    _never_unpickled("pickle_named_safetensors", lambda m: pickle.dumps(MarkerOnUnpickle(m)), "evil.safetensors",
                     "pickle"),
    _never_unpickled("torch_checkpoint_named_npz", _torch_checkpoint, "ckpt.npz", "'archive/data.pkl'"),
    Case("safetensors_wrong_keys", "embeddings",
         _emb(lambda: safetensors.numpy.save({"embedding": np.ones((2, 2), np.float32)}), "wrong.safetensors"),
         "error", ("no 'vectors' array", "'embedding'")),
    Case("safetensors_integer_dtype", "embeddings",
         _emb(lambda: safetensors.numpy.save({"vectors": np.ones((2, 2), np.int32)}), "ints.safetensors"),
         "error", ("The 'vectors' array must hold floating-point numbers; it holds int32.",)),
    Case("safetensors_lying_offsets", "embeddings", _emb(_safetensors_with_lying_offsets, "lie.safetensors"),
         "error", ("damaged",)),
    Case("embeddings_nan", "embeddings", _emb(lambda: npz(vectors=_with_value(np.nan)), "nan.npz"), "error",
         ("NaN or infinite", "1 of 3")),
    Case("embeddings_inf", "embeddings",
         _emb(lambda: safetensors.numpy.save({"vectors": _with_value(np.inf)}), "inf.safetensors"), "error",
         ("NaN or infinite", "1 of 3")),
    Case("embeddings_all_zero", "embeddings", _emb(lambda: npz(vectors=np.zeros((6, 8), np.float32)), "zeros.npz"),
         "error", ("only zeros",)),
    Case("embeddings_wrong_rank", "embeddings", _emb(lambda: npy(np.ones((2, 3, 4), np.float32)), "cube.npy"),
         "error", ("must be 2-D", "(2, 3, 4)")),
    Case("embeddings_grid_mismatch", "embeddings",
         _emb(lambda: npz(vectors=np.ones((4, 2), np.float32), grid=np.array([3, 3])), "grid.npz"), "error",
         ("The grid 3x3 has 9 cells but there are 4 non-special vectors; they must match.",)),
    Case("npy_truncated", "embeddings", _emb(lambda: (d := npy(np.ones((100, 8), np.float32)))[: len(d) // 2],
                                             "cut.npy"), "error", ("truncated",)),
    Case("npy_header_claims_huge_shape", "embeddings",
         _emb(lambda: _npy_header_only((1_000_000, 1_000_000)), "huge.npy"),
         "error", ("limit",)),
    Case("npz_zip_bomb", "embeddings", _emb(_zip_bomb_npz, "bomb.npz"), "error", ("unpacks to more than",)),
    Case("npz_member_lies_about_its_size", "embeddings", _emb(_npz_member_lying_about_its_size, "lie.npz"),
         "error", ("damaged",)),
    Case("npy_sidecar_not_json", "embeddings", _emb(lambda: npy(np.ones((4, 2), np.float32)), "v.npy",
                                                    sidecar=b"{not json"), "error", ("not valid JSON",)),
    Case("embeddings_empty_file", "embeddings", _emb(lambda: b"", "empty.npz"), "error", ("empty",)),
    Case("embeddings_unknown_extension", "embeddings", _emb(lambda: b"\x80\x04.", "model.pt"), "error",
         (".npz", ".safetensors", ".npy")),
    Case("pdf_named_npz", "embeddings", _emb(lambda: b"%PDF-1.7 whatever", "doc.npz"), "error", ("PDF document",)),
]

CALL_CASES = [
    Case("maxsim_dimension_mismatch", "call", _call(lambda: maxsim(_unit(3, d=4), _unit(5, d=8))), "error",
         ("dimension 4", "8", "same encoder")),
    Case("maxsim_scores_dimension_mismatch", "call",
         _call(lambda: maxsim_scores([_unit(3)], [_unit(5), _unit(4, d=6)])), "error", ("same dimension",)),
    Case("maxsim_empty_query", "call", _call(lambda: maxsim(torch.zeros(0, 8), _unit(5))), "error",
         ("The query has no vectors.",)),
    *[
        Case(f"pool_factor_larger_than_n_{method}", "call",
             _call(lambda method=method: pool(_TEXT_LIKE, method, pool_factor=100)), "ok", check=_check_one_vector,
             why="pooling_core's contract: a pool factor >= n gives one cluster")
        for method in ("hierarchical", "sequential", "kmeans")
    ],
    Case("kmeans_more_clusters_than_vectors", "call", _call(lambda: pool(_TEXT_LIKE, "kmeans", n_clusters=11)),
         "error", ("11 clusters", "only 10 vectors")),
    Case("hierarchical_more_clusters_than_vectors", "call",
         _call(lambda: pool(_TEXT_LIKE, "hierarchical", n_clusters=11)), "error", ("11",)),
    Case("grid_window_larger_than_grid", "call", _call(lambda: pool(_GRID, "grid", window=(5, 5))), "error",
         ("The window 5x5 is larger than the 4x4 patch grid",)),
    Case("unknown_pooling_method", "call", _call(lambda: pool(_TEXT_LIKE, "median")), "error",
         ("Unknown pooling method 'median'", "hierarchical")),
    Case("negative_pool_factor", "call", _call(lambda: pool(_TEXT_LIKE, "hierarchical", pool_factor=-2)), "error",
         ("at least 1",)),
    Case("grid_pooling_without_grid", "call", _call(lambda: pool(_TEXT_LIKE, "grid")), "error", ("patch grid",)),
    Case("pool_unknown_parameter", "call", _call(lambda: pool(_TEXT_LIKE, "sequential", window=3)), "error",
         ("window",)),
    Case("mean_pool_only_special_tokens", "call",
         _call(lambda: pool(MultiVector(_unit(4), special_mask=torch.ones(4, dtype=torch.bool)), "mean")), "error",
         ("non-special",)),
    Case("hierarchical_threshold_not_a_number", "call",
         _call(lambda: pool(_TEXT_LIKE, "hierarchical", threshold="far")), "error", ("threshold",)),
    Case("kmeans_seed_not_a_number", "call", _call(lambda: pool(_TEXT_LIKE, "kmeans", seed="abc")), "error",
         ("seed",)),
    Case("multivector_grid_mismatch", "call", _call(lambda: MultiVector(_unit(10), grid=(3, 3))), "error",
         ("The grid 3x3 has 9 cells but there are 10 non-special vectors",)),
    Case("pool_nan_vectors", "call", _call(lambda: pool(torch.full((4, 8), float("nan")), "mean")), "error",
         ("NaN or infinite",)),
]

CASES: list[Case] = [*DOCUMENT_CASES, *EMBEDDING_CASES, *CALL_CASES]
CASES_BY_NAME: dict[str, Case] = {case.name: case for case in CASES}
assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"
