"""Load a user's file (PDF, image or text) into a :class:`Document`.

``load_document(data, filename)`` is the single entry point. It decides what the bytes
*are* from their magic numbers, not only from the name, so a ZIP renamed ``.pdf`` or a
text file named ``.png`` is refused with a sentence that says what the file really is.
Everything a user can get wrong raises :class:`~pooling_core.errors.InputError` with one
sentence meant to be shown as is; no other exception type escapes for bad input.

Trade-offs:

* **PDFs stay lazy.** Loading opens the file with pdfium, counts the pages and loads the
  first page once (a damaged page tree is caught at upload, not later); nothing is
  rendered until :meth:`Document.page_image` asks for one page. A 2,000-page PDF opens in
  milliseconds.
* **pdfium is not thread-safe**, and the Streamlit app serves many sessions in threads.
  Every pdfium call runs under one module-level re-entrant lock, and every pdfium object
  (page, text page, bitmap) is closed explicitly inside it, so no pdfium finalizer runs
  later on an arbitrary thread. Only the document handle outlives a call; it is closed
  under the lock by :meth:`Document.close` (or when the document is garbage-collected).
* **Images are decoded at load** (that is the only way to know a PNG is not truncated),
  converted to RGB once and kept. Pillow's decompression-bomb guard stays on and its
  warning becomes an error; the size cap below is stricter still. Turning a warning into
  an error needs the process-wide warnings filters, so image decoding is serialised by a
  lock; decoding is cheap next to encoding a page.
* **Character boxes use a top-left origin**, in PDF points of the page *as displayed*
  (after ``/Rotate`` and the crop box), so that they line up with
  :meth:`Document.page_image` at any dpi: pixel = point * dpi / 72.

Caps (module constants): files up to 200 MB, text up to 2 MB, images up to 40 megapixels
and at least 8 pixels a side, rendered pages up to 40 megapixels (the scale is lowered
for huge pages and :attr:`Document.notice` says so).
"""

from __future__ import annotations

import atexit
import codecs
import hashlib
import io
import math
import operator
import threading
import warnings
import weakref
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable, ClassVar

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from pooling_core.errors import InputError

MB = 1024 * 1024
MAX_FILE_BYTES = 200 * MB
MAX_TEXT_BYTES = 2 * MB
MAX_IMAGE_PIXELS = 40_000_000
MIN_IMAGE_SIDE = 8
MAX_RENDER_PIXELS = 40_000_000
DEFAULT_DPI = 144.0
MIN_DPI, MAX_DPI = 9.0, 1200.0

# Extension -> (kind, what the name promises, for messages).
SUPPORTED_EXTENSIONS: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "a PDF"),
    ".png": ("image", "a PNG image"),
    ".jpg": ("image", "a JPEG image"),
    ".jpeg": ("image", "a JPEG image"),
    ".webp": ("image", "a WebP image"),
    ".tif": ("image", "a TIFF image"),
    ".tiff": ("image", "a TIFF image"),
    ".gif": ("image", "a GIF image"),
    ".txt": ("text", "a text file"),
    ".md": ("text", "a Markdown text file"),
}
# Pillow plugins allowed to decode (never EPS, which would start Ghostscript, or others).
_PIL_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "GIF")

# pdfium is not thread-safe: every call into it holds this lock (re-entrant, so helpers
# can nest).
_PDFIUM_LOCK = threading.RLock()
# Serialises the warnings-filter change around Pillow's decoding (see module docstring).
_PIL_LOCK = threading.Lock()
# PDF documents whose pdfium handle may be open; closed at exit before pypdfium2's own
# exit hook (atexit runs hooks last-registered first), which would warn about each one.
_OPEN_PDFS: weakref.WeakSet[PdfDocument] = weakref.WeakSet()


@dataclass(frozen=True)
class CharBox:
    """One character of a PDF's text layer and its box.

    Coordinates are PDF points on the page as displayed, origin at the TOP LEFT, ``y``
    growing downward: ``x0 <= x1`` and ``y0 <= y1`` (``y0`` is the top edge).
    """

    char: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


# --------------------------------------------------------------------------- documents


class Document:
    """A loaded file: ``kind`` is ``"pdf"``, ``"image"`` or ``"text"``.

    Pages are numbered from 0. Images and texts have one page. Methods that make no sense
    for a kind (the page image of a text) raise :class:`InputError`.

    Attributes:
        filename: the name it was uploaded under.
        sha256: hex digest of the bytes (a cache key that ignores the name).
        text: the whole text of a text document; ``""`` for PDFs and images (use
            :meth:`page_text` for a PDF's text layer).
    """

    kind: ClassVar[str] = ""

    def __init__(self, data: bytes, filename: str, notices: list[str] | None = None) -> None:
        self._data = data
        self.filename = filename
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._notices: list[str] = list(notices or [])

    # -- shared attributes
    @property
    def data(self) -> bytes:
        """The original bytes."""
        return self._data

    @property
    def size_bytes(self) -> int:
        return len(self._data)

    @property
    def notices(self) -> tuple[str, ...]:
        """Every remark made while loading or rendering, oldest first."""
        return tuple(self._notices)

    @property
    def notice(self) -> str | None:
        """Remarks for the user (``"decoded as cp1252"``, a reduced resolution), or ``None``."""
        return " ".join(self._notices) if self._notices else None

    def _add_notice(self, text: str) -> None:
        if text not in self._notices:
            self._notices.append(text)

    @property
    def page_count(self) -> int:
        return 1

    # -- per page (defaults for single-page kinds without geometry)
    def page_size(self, index: int = 0) -> tuple[float, float]:
        """``(width, height)``: PDF points for a PDF page, pixels for an image."""
        self._check_index(index)
        raise InputError(f"A {self.kind} document has no page size.")

    def page_image(self, index: int = 0, dpi: float = DEFAULT_DPI) -> Image.Image:
        """The page as an RGB image (PDF and image documents)."""
        self._check_index(index)
        raise InputError(f"A {self.kind} document has no page image; use its text instead.")

    def page_text(self, index: int = 0) -> str:
        """The text of the page (a PDF's text layer, with ``\\n`` line breaks)."""
        self._check_index(index)
        return ""

    def page_chars(self, index: int = 0, loose: bool = True) -> list[CharBox]:
        """Characters with their boxes (top-left origin); empty unless a PDF."""
        self._check_index(index)
        return []

    def close(self) -> None:
        """Release native resources (a PDF's pdfium handle); the document stays usable."""

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.filename!r} kind={self.kind} "
            f"pages={self.page_count} sha256={self.sha256[:12]}>"
        )

    def _check_index(self, index: Any) -> int:
        n = self.page_count
        try:
            if isinstance(index, bool):
                raise TypeError
            i = operator.index(index)
        except TypeError:
            raise InputError(f"The page index must be a whole number, not {index!r}.") from None
        if not 0 <= i < n:
            valid = "the only valid index is 0" if n == 1 else f"valid indices are 0 to {n - 1}"
            noun = "page" if n == 1 else "pages"
            raise InputError(f"Page index {i} is out of range: this document has {n} {noun}, so {valid}.")
        return i


class TextDocument(Document):
    """A ``.txt`` / ``.md`` file decoded to ``str`` (line breaks normalised to ``\\n``)."""

    kind: ClassVar[str] = "text"

    def __init__(self, data: bytes, filename: str, text: str, notices: list[str] | None = None) -> None:
        super().__init__(data, filename, notices)
        self.text = text

    def page_text(self, index: int = 0) -> str:
        self._check_index(index)
        return self.text


class ImageDocument(Document):
    """A raster image, decoded at load to RGB (EXIF orientation applied)."""

    kind: ClassVar[str] = "image"

    def __init__(self, data: bytes, filename: str, image: Image.Image, notices: list[str] | None = None) -> None:
        super().__init__(data, filename, notices)
        self._image = image
        self.text = ""

    def page_size(self, index: int = 0) -> tuple[float, float]:
        self._check_index(index)
        return (float(self._image.width), float(self._image.height))

    def page_image(self, index: int = 0, dpi: float = DEFAULT_DPI) -> Image.Image:
        """A copy of the decoded image at its own pixel size (``dpi`` is ignored)."""
        self._check_index(index)
        return self._image.copy()


class PdfDocument(Document):
    """A PDF, opened lazily with pdfium; see the module docstring for thread safety."""

    kind: ClassVar[str] = "pdf"

    def __init__(self, data: bytes, filename: str, pdf: pdfium.PdfDocument, notices: list[str] | None = None) -> None:
        super().__init__(data, filename, notices)
        self._pdf: pdfium.PdfDocument | None = pdf
        with _PDFIUM_LOCK:
            self._page_count = len(pdf)
            _OPEN_PDFS.add(self)
        self.text = ""

    @property
    def page_count(self) -> int:
        return self._page_count

    def page_size(self, index: int = 0) -> tuple[float, float]:
        """``(width, height)`` in points as displayed (crop box, after ``/Rotate``)."""
        i = self._check_index(index)
        with self._page(i) as page:
            w, h = page.get_size()
        return (float(w), float(h))

    def page_image(
        self, index: int = 0, dpi: float = DEFAULT_DPI, *, max_pixels: int = MAX_RENDER_PIXELS
    ) -> Image.Image:
        """Render one page to RGB. Huge pages are rendered at a lower dpi (see ``notice``)."""
        i = self._check_index(index)
        dpi = _check_dpi(dpi)
        with self._page(i) as page:
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                raise InputError(f"Page {i + 1} of this PDF has no area, so it cannot be drawn.")
            scale = render_scale(width, height, dpi, max_pixels)
            try:
                bitmap = page.render(scale=scale, rev_byteorder=True)
                try:
                    image = bitmap.to_pil()  # an RGB bitmap is copied out of pdfium's buffer
                    if image.mode != "RGB":  # (other modes share it: convert() copies)
                        image = image.convert("RGB")
                finally:
                    bitmap.close()
            except (pdfium.PdfiumError, ValueError, MemoryError) as exc:
                raise InputError(f"Page {i + 1} of this PDF could not be drawn.") from exc
        if scale < dpi / 72 - 1e-9:
            self._add_notice(
                f"Page {i + 1} was rendered at reduced resolution ({scale * 72:.3g} dpi instead of "
                f"{dpi:g} dpi) to stay within the {max_pixels / 1e6:g}-megapixel limit."
            )
        return image

    def page_text(self, index: int = 0) -> str:
        i = self._check_index(index)
        with self._page(i) as page:
            textpage = _call(page.get_textpage, i)
            try:
                text = _call(textpage.get_text_range, i)
            finally:
                textpage.close()
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def page_chars(self, index: int = 0, loose: bool = True) -> list[CharBox]:
        """Characters with boxes in points, top-left origin, as displayed.

        ``loose=True`` (default) gives font-height boxes (every character of a line has
        the same top and bottom; spaces have a width), which suits laying text on a
        patch grid; ``loose=False`` gives the tight ink box of each glyph. Line breaks
        that pdfium inserts (``\\r\\n``) and characters without a box are left out.
        """
        i = self._check_index(index)
        with self._page(i) as page:
            to_top_left = _call(lambda: page_transform(page.get_bbox(), page.get_rotation()), i)
            textpage = _call(page.get_textpage, i)
            try:
                return _call(lambda: _collect_chars(textpage, to_top_left, loose), i)
            finally:
                textpage.close()

    def close(self) -> None:
        with _PDFIUM_LOCK:
            if self._pdf is not None:
                self._pdf.close()
                self._pdf = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown; nothing sensible to do
            pass

    # A Document may be pickled by caches (st.cache_data): keep the bytes, drop the handle.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_pdf"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _handle(self) -> pdfium.PdfDocument:
        """The open pdfium document (re-opened after ``close`` or unpickling); lock held."""
        if self._pdf is None:
            self._pdf = _open_pdf(self._data)
            _OPEN_PDFS.add(self)
        return self._pdf

    def _page(self, i: int) -> _PdfPage:
        return _PdfPage(self, i)


class _PdfPage:
    """Context manager: holds the pdfium lock, loads page ``i``, closes it on exit."""

    def __init__(self, doc: PdfDocument, i: int) -> None:
        self._doc, self._i = doc, i
        self._page: pdfium.PdfPage | None = None

    def __enter__(self) -> pdfium.PdfPage:
        _PDFIUM_LOCK.acquire()
        try:
            self._page = _call(lambda: self._doc._handle()[self._i], self._i)
        except BaseException:
            _PDFIUM_LOCK.release()
            raise
        return self._page

    def __exit__(self, *_: object) -> None:
        try:
            if self._page is not None:
                self._page.close()
        finally:
            _PDFIUM_LOCK.release()


@atexit.register
def _close_open_pdfs() -> None:
    with _PDFIUM_LOCK:
        for doc in list(_OPEN_PDFS):
            doc.close()


def _call(fn: Callable[[], Any], i: int) -> Any:
    """Run a pdfium call for page ``i``; its failures become an :class:`InputError`."""
    try:
        return fn()
    except (pdfium.PdfiumError, KeyError) as exc:  # KeyError: pypdfium2 on an invalid /Rotate
        raise InputError(f"Page {i + 1} of this PDF is damaged and could not be read.") from exc


# --------------------------------------------------------------------------- geometry


def page_transform(bbox: tuple[float, float, float, float], rotation: int) -> Callable[[float, float], tuple[float, float]]:
    """Map PDF user space (bottom-left origin) to displayed-page points (top-left origin).

    ``bbox`` is the visible box ``(left, bottom, right, top)`` (crop box within media
    box) and ``rotation`` the page's clockwise ``/Rotate`` in degrees.

    >>> f = page_transform((0, 0, 200, 100), 0)
    >>> f(20, 30)
    (20, 70)
    >>> page_transform((0, 0, 200, 100), 90)(20, 30)
    (30, 20)
    """
    left, bottom, right, top = bbox
    rot = int(rotation) % 360
    if rot == 90:
        return lambda x, y: (y - bottom, x - left)
    if rot == 180:
        return lambda x, y: (right - x, y - bottom)
    if rot == 270:
        return lambda x, y: (top - y, right - x)
    return lambda x, y: (x - left, top - y)


def render_scale(width: float, height: float, dpi: float, max_pixels: int) -> float:
    """The scale (pixels per point) for ``dpi``, lowered so the bitmap stays within ``max_pixels``.

    >>> render_scale(612, 792, 144, 40_000_000)
    2.0
    >>> s = render_scale(14400, 14400, 144, 40_000_000)
    >>> math.ceil(14400 * s) ** 2 <= 40_000_000
    True
    """
    scale = dpi / 72.0

    def pixels(s: float) -> int:
        return max(1, math.ceil(width * s)) * max(1, math.ceil(height * s))

    if pixels(scale) <= max_pixels:
        return scale
    scale = math.sqrt(max_pixels / (width * height))
    while pixels(scale) > max_pixels:  # ceil() can push it one row or column over
        scale *= 0.999
    return scale


def _check_dpi(dpi: Any) -> float:
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        raise InputError(f"The resolution must be a number of dots per inch, not {dpi!r}.") from None
    if not MIN_DPI <= value <= MAX_DPI:
        raise InputError(f"The resolution must be between {MIN_DPI:g} and {MAX_DPI:g} dpi, not {value:g}.")
    return value


def _collect_chars(
    textpage: pdfium.PdfTextPage, to_top_left: Callable[[float, float], tuple[float, float]], loose: bool
) -> list[CharBox]:
    """Walk pdfium's character list (lock held) and build top-left-origin boxes."""
    chars: list[CharBox] = []
    pending_high: tuple[int, tuple[float, float, float, float]] | None = None
    for k in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, k)
        try:
            box = textpage.get_charbox(k, loose=loose)
        except pdfium.PdfiumError:
            continue
        if 0xD800 <= code <= 0xDBFF:  # high surrogate: wait for its partner
            pending_high = (code, box)
            continue
        if 0xDC00 <= code <= 0xDFFF and pending_high is not None:
            high, hbox = pending_high
            code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
            box = (min(box[0], hbox[0]), min(box[1], hbox[1]), max(box[2], hbox[2]), max(box[3], hbox[3]))
        pending_high = None
        char = _char_of(code)
        if char in ("\r", "\n"):
            continue
        left, bottom, right, top = box
        if right - left <= 0 and top - bottom <= 0:
            continue
        xa, ya = to_top_left(left, bottom)
        xb, yb = to_top_left(right, top)
        chars.append(CharBox(char, min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
    return chars


def _char_of(code: int) -> str:
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"  # a glyph without a (valid) Unicode mapping
    return chr(code)


# --------------------------------------------------------------------------- sniffing


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: a short ``name`` and a phrase for messages (``"a ZIP archive"``)."""

    name: str
    description: str

    @property
    def kind(self) -> str | None:
        """``"pdf"``, ``"image"`` or ``"text"`` when this app reads the format, else ``None``."""
        if self.name == "pdf":
            return "pdf"
        if self.name in ("png", "jpeg", "gif", "webp", "tiff"):
            return "image"
        if self.name == "text":
            return "text"
        return None


def _zip_description(data: bytes) -> str:
    head = data[:65536]
    for marker, what in (
        (b"word/", "a Word document (.docx)"),
        (b"xl/", "an Excel workbook (.xlsx)"),
        (b"ppt/", "a PowerPoint file (.pptx)"),
        (b"application/epub+zip", "an EPUB e-book"),
        (b"application/vnd.oasis.opendocument", "an OpenDocument file"),
    ):
        if marker in head:
            return what
    return "a ZIP archive"


def sniff(data: bytes) -> Sniffed | None:
    """Identify ``data`` from its first bytes; ``None`` when it is unknown binary data.

    >>> sniff(b"%PDF-1.7 ...").description
    'a PDF document'
    >>> sniff(b"PK\\x03\\x04" + bytes(30)).description
    'a ZIP archive'
    >>> sniff("plain words".encode()).name
    'text'
    """
    head = data[:64]
    # pdfium, like most readers, accepts junk before the header; a text that merely
    # mentions "%PDF-" near its start stays a text.
    if data.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and not looks_like_text(data)):
        return Sniffed("pdf", "a PDF document")
    strong = [
        (b"\x89PNG\r\n\x1a\n", "png", "a PNG image"),
        (b"\xff\xd8\xff", "jpeg", "a JPEG image"),
        (b"GIF87a", "gif", "a GIF image"),
        (b"GIF89a", "gif", "a GIF image"),
        (b"II*\x00", "tiff", "a TIFF image"),
        (b"MM\x00*", "tiff", "a TIFF image"),
        (b"II+\x00", "bigtiff", "a BigTIFF image"),
        (b"\x93NUMPY", "npy", "a NumPy array file"),
        (b"\x1f\x8b", "gzip", "a gzip archive"),
        (b"7z\xbc\xaf\x27\x1c", "7z", "a 7-Zip archive"),
        (b"Rar!\x1a\x07", "rar", "a RAR archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole", "an old-style Microsoft Office file"),
        (b"\x7fELF", "elf", "a program (an ELF executable)"),
        (b"8BPS", "psd", "a Photoshop document"),
        (b"\x00\x00\x01\x00", "ico", "an icon file"),
    ]
    for magic, name, description in strong:
        if head.startswith(magic):
            return Sniffed(name, description)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return Sniffed("zip", _zip_description(data))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("webp", "a WebP image")
    if head[:4] == b"RIFF":
        return Sniffed("riff", "a RIFF media file (audio or video)")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
            return Sniffed("heic", "an HEIC image")
        if brand in (b"avif", b"avis"):
            return Sniffed("avif", "an AVIF image")
        return Sniffed("mp4", "a video or audio file")
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return Sniffed("pickle", "a Python pickle")
    if head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return Sniffed("bmp", "a BMP image")
    if head.startswith(b"MZ") and b"\x00" in head:
        return Sniffed("exe", "a Windows program")
    if looks_like_text(data):
        return Sniffed("text", "a text file")
    return None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def _bom(data: bytes) -> tuple[bytes, str, str] | None:
    for bom, codec, label in _BOMS:  # UTF-32 LE before UTF-16 LE: they share a prefix
        if data.startswith(bom):
            return bom, codec, label
    return None


def looks_like_text(data: bytes) -> bool:
    """``True`` for bytes that are plausibly text: a Unicode BOM, or no NUL and few controls."""
    if _bom(data) is not None:
        return True
    sample = data[:8192]
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= max(1, len(sample) // 100)


# --------------------------------------------------------------------------- text


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode text bytes: BOM first, then UTF-8, then cp1252, then latin-1.

    Returns the text (BOM removed, ``\\r\\n`` and ``\\r`` turned into ``\\n``) and a notice
    when it was not UTF-8.

    >>> decode_text(b"caf\\xc3\\xa9")
    ('café', None)
    >>> decode_text(b"caf\\xe9")
    ('café', 'The text was not valid UTF-8, so it was decoded as cp1252 (Windows Western).')
    """
    notice = None
    found = _bom(data)
    if found is not None and found[2] != "UTF-8":
        bom, codec, label = found
        try:
            text = data[len(bom):].decode(codec)
        except UnicodeDecodeError:
            raise InputError(f"The text file starts with a {label} marker but is not valid {label}.") from None
    else:
        body = data[len(codecs.BOM_UTF8):] if found is not None else data
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = body.decode("cp1252")
                notice = "The text was not valid UTF-8, so it was decoded as cp1252 (Windows Western)."
            except UnicodeDecodeError:
                text = body.decode("latin-1")
                notice = "The text was not valid UTF-8, so it was decoded as latin-1 (ISO-8859-1)."
    return text.replace("\r\n", "\n").replace("\r", "\n"), notice


def _load_text(data: bytes, filename: str) -> TextDocument:
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(
            f"The text file is {len(data):,} bytes; the limit is {MAX_TEXT_BYTES // MB} MB "
            f"({MAX_TEXT_BYTES:,} bytes)."
        )
    text, notice = decode_text(data)
    if not text.strip():
        raise InputError("The text file contains only whitespace; there is nothing to encode.")
    return TextDocument(data, filename, text, [notice] if notice else [])


# --------------------------------------------------------------------------- images


def _load_image(data: bytes, filename: str, notices: list[str]) -> ImageDocument:
    with _PIL_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Pillow's remarks on damaged metadata ("Corrupt EXIF data") are not for users.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        opened = _open_image(data)
        try:
            _check_image_size(opened.width, opened.height)
            if getattr(opened, "is_animated", False):
                notices.append("The image has several frames; only the first is used.")
                opened.seek(0)
            image = _decode(opened, notices)
        finally:
            opened.close()
    return ImageDocument(data, filename, image, notices)


def _open_image(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=_PIL_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"The image claims to be so large that it was refused as a possible decompression bomb; "
            f"the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels."
        ) from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad bytes
        raise InputError("The image could not be read: the file is damaged or in an unsupported variant.") from exc


def _check_image_size(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise InputError(
            f"The image is {width} x {height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels."
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InputError(
            f"The image is {width} x {height} pixels; it must be at least {MIN_IMAGE_SIDE} pixels on each side."
        )


def _decode(image: Image.Image, notices: list[str]) -> Image.Image:
    """Decode pixels, apply EXIF orientation and convert to RGB (Pillow errors -> InputError)."""
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"The image was refused as a possible decompression bomb; the limit is "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels."
        ) from None
    except Exception as exc:  # noqa: BLE001 - truncated data, bad chunks, broken codecs...
        raise InputError("The image could not be decoded: the file is damaged or truncated.") from exc
    try:
        oriented = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block should not cost the picture
        oriented = image
        notices.append("The image's orientation tag could not be read, so it is shown as stored.")
    try:
        return to_rgb(oriented)
    except Exception as exc:  # noqa: BLE001 - exotic modes Pillow cannot convert
        raise InputError(f"The image's colour format ({image.mode}) cannot be converted to RGB.") from exc


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB: alpha composited on white, 16-bit and float scaled.

    >>> to_rgb(Image.new("I;16", (2, 2), 32768)).getpixel((0, 0))
    (128, 128, 128)
    >>> to_rgb(Image.new("RGBA", (2, 2), (255, 0, 0, 0))).getpixel((0, 0))
    (255, 255, 255)
    """
    mode = image.mode
    if mode.startswith("I;16"):
        return _gray_to_rgb(_scale_16bit(np.asarray(image)))
    if mode == "I":
        values = np.asarray(image)
        if values.size and values.min() >= 0 and values.max() <= 65535:
            return _gray_to_rgb(_scale_16bit(values))
        return _gray_to_rgb(_stretch(values.astype(np.float64)))
    if mode == "F":
        values = np.asarray(image).astype(np.float64)
        finite = values[np.isfinite(values)]
        if finite.size and finite.min() >= 0 and finite.max() <= 1:
            return _gray_to_rgb(np.round(np.nan_to_num(values, nan=0.0) * 255).astype(np.uint8))
        return _gray_to_rgb(_stretch(values))
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode == "RGB":
        return image.copy()
    return image.convert("RGB")


def _scale_16bit(values: np.ndarray) -> np.ndarray:
    """0..65535 -> 0..255 with rounding (65535 -> 255, 32768 -> 128)."""
    wide = values.astype(np.uint32)
    return ((wide * 255 + 32767) // 65535).astype(np.uint8)


def _stretch(values: np.ndarray) -> np.ndarray:
    """Min-max stretch of arbitrary values to 0..255 (non-finite values become black)."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.uint8)
    lo, hi = values[finite].min(), values[finite].max()
    span = hi - lo if hi > lo else 1.0
    out = np.where(finite, (values - lo) / span * 255, 0)
    return np.round(out).astype(np.uint8)


def _gray_to_rgb(gray: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(gray), mode="L").convert("RGB")


# --------------------------------------------------------------------------- pdf


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open with pdfium (lock held by the caller) or raise an InputError that says why."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise _pdf_open_error(data) from None


def _pdf_open_error(data: bytes) -> InputError:
    """Why pdfium refused ``data`` (lock held), as a sentence.

    pypdfium2 reports a PDF that loads but has no pages as a load failure, with whatever
    error code pdfium last left behind (possibly from another document). So load once
    more through the raw API: a handle means "no pages"; otherwise the error code is
    fresh and tells a password from damage.
    """
    raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if raw:
        try:
            if pdfium_c.FPDF_GetPageCount(raw) == 0:
                return InputError("This PDF has no pages.")
        finally:
            pdfium_c.FPDF_CloseDocument(raw)
        return InputError("This PDF is damaged and could not be opened.")
    code = pdfium_c.FPDF_GetLastError()
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return InputError("This PDF is password-protected; remove the password and upload it again.")
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return InputError("This PDF is encrypted with a method that cannot be read here; save an unencrypted copy.")
    if b"%%EOF" not in data[-2048:]:
        return InputError("This PDF is incomplete: it stops before its end marker, so it was probably cut off.")
    return InputError("This PDF is damaged and could not be opened.")


def _load_pdf(data: bytes, filename: str, notices: list[str]) -> PdfDocument:
    with _PDFIUM_LOCK:
        pdf = _open_pdf(data)
        try:
            if len(pdf) < 1:
                raise InputError("This PDF has no pages.")
            # Load page 1 once: a broken page tree (a /Count with no pages behind it) is
            # then caught now, with a clear message, instead of at the first render.
            try:
                pdf[0].close()
            except pdfium.PdfiumError:
                raise InputError("This PDF is damaged: its first page could not be read.") from None
        except BaseException:
            pdf.close()
            raise
        return PdfDocument(data, filename, pdf, notices)


# --------------------------------------------------------------------------- entry point


def supported_extensions_sentence() -> str:
    """``".pdf, .png, ... and .md"`` for messages."""
    exts = list(SUPPORTED_EXTENSIONS)
    return ", ".join(exts[:-1]) + " and " + exts[-1]


def load_document(data: bytes, filename: str) -> Document:
    """Load ``data`` (the file's bytes) named ``filename`` as a :class:`Document`.

    The extension says what the user meant; the bytes decide what it is. Any problem
    raises :class:`InputError` with one sentence.

    >>> doc = load_document("Late interaction keeps one vector per token.".encode(), "note.txt")
    >>> doc.kind, doc.page_count, doc.text[:16]
    ('text', 1, 'Late interaction')
    """
    data, filename = _check_arguments(data, filename)
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        supported = supported_extensions_sentence()
        if not suffix:
            raise InputError(f"The file '{PurePath(filename).name}' has no extension; supported types are {supported}.")
        raise InputError(f"Files ending in '{suffix}' are not supported; supported types are {supported}.")
    if len(data) == 0:
        raise InputError(f"The file '{PurePath(filename).name}' is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"The file is {len(data) / MB:,.0f} MB; the limit is {MAX_FILE_BYTES // MB} MB.")
    kind, promised = SUPPORTED_EXTENSIONS[suffix]
    actual = sniff(data)
    notices = _check_type(kind, promised, suffix, actual)
    if kind == "pdf":
        return _load_pdf(data, filename, notices)
    if kind == "image":
        return _load_image(data, filename, notices)
    return _load_text(data, filename)


def _check_arguments(data: Any, filename: Any) -> tuple[bytes, str]:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InputError(f"The file contents must be bytes, not {type(data).__name__}.")
    if not isinstance(filename, str) or not filename.strip():
        raise InputError("The file needs a name with an extension such as .pdf, .png or .txt.")
    return data, filename


def _check_type(kind: str, promised: str, suffix: str, actual: Sniffed | None) -> list[str]:
    """Refuse bytes that are not what the name says; return notices for harmless mismatches."""
    if actual is not None and actual.kind == kind:
        if kind == "image" and not _same_image_format(actual.name, suffix):
            return [f"The file is {actual.description} although its name ends in {suffix}."]
        return []
    if actual is not None:
        raise InputError(f"This file is {actual.description}, not {promised}.")
    if kind == "pdf":
        raise InputError("This file is not a PDF: it does not start with a %PDF header.")
    if kind == "image":
        raise InputError(f"This file is not {promised}: its contents match no image format this app reads.")
    raise InputError(f"This file is not {promised}: it contains binary data.")


def _same_image_format(name: str, suffix: str) -> bool:
    expected = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp", ".tif": "tiff", ".tiff": "tiff", ".gif": "gif"}
    return expected.get(suffix) == name
