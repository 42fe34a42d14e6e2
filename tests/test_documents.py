"""Tests for pooling_core.documents: PDFs, images and texts, and every way they go wrong.

Bad inputs are generated here (hand-written PDFs, PNG headers, Pillow images) so no
binary fixtures are committed. Every refusal must be an InputError whose message is one
sentence a user can read.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import threading
import time
import zipfile
import zlib

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from pooling_core.documents import (
    MAX_TEXT_BYTES,
    CharBox,
    Document,
    load_document,
    page_transform,
    render_scale,
    sniff,
    to_rgb,
)
from pooling_core.errors import InputError
from pooling_core.samples import report_layout, sample_path


# --------------------------------------------------------------------------- helpers


def assert_sentence(message: str) -> None:
    """A message for users: one line, a capital first, a full stop last, no internals."""
    assert message, "empty message"
    assert message[0].isupper(), message
    assert message.endswith("."), message
    assert "\n" not in message, message
    for internal in ("Traceback", "Error:", "PdfiumError", "Exception", "0x"):
        assert internal not in message, message
    assert len(message) < 300, message


def refused(data: bytes, filename: str, *fragments: str) -> str:
    with pytest.raises(InputError) as info:
        load_document(data, filename)
    message = str(info.value)
    assert_sentence(message)
    for fragment in fragments:
        assert fragment in message, message
    return message


def handmade_pdf(pages: list[dict], count: int | None = None) -> bytes:
    """A minimal PDF written by hand: each page dict has ``mediabox``, optional ``rotate``,
    ``cropbox`` and ``content`` (a content stream); Helvetica is font /F1.
    ``count`` overrides the page tree's /Count (to make it lie)."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    number = 4
    for page in pages:
        pid, cid = number, number + 1
        number += 2
        box = b" ".join(b"%g" % v for v in page["mediabox"])
        entry = b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Resources << /Font << /F1 3 0 R >> >>" % box
        entry += b" /Contents %d 0 R" % cid
        if page.get("rotate"):
            entry += b" /Rotate %d" % page["rotate"]
        if page.get("cropbox"):
            entry += b" /CropBox [%s]" % b" ".join(b"%g" % v for v in page["cropbox"])
        objects[pid] = entry + b" >>"
        content = page.get("content", b"")
        objects[cid] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
        kids.append(b"%d 0 R" % pid)
    n_pages = len(kids) if count is None else count
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), n_pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for i in sorted(objects):
        offsets[i] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (i, objects[i])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for i in range(1, size):
        out += b"%010d 00000 n \n" % offsets[i]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def text_page(text: str, x: float, y: float, size: float = 24, mediabox=(0, 0, 200, 100), **extra) -> dict:
    content = b"BT /F1 %g Tf %g %g Td (%s) Tj ET" % (size, x, y, text.encode("latin-1"))
    return {"mediabox": mediabox, "content": content, **extra}


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (8-bit grey) with one tiny IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    grey = np.asarray(image.convert("L"))
    ys, xs = np.nonzero(grey < 128)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.fixture(scope="module")
def report_bytes() -> bytes:
    return sample_path("report").read_bytes()


@pytest.fixture(scope="module")
def report(report_bytes: bytes) -> Document:
    return load_document(report_bytes, "report.pdf")


# --------------------------------------------------------------------------- PDFs


class TestPdf:
    def test_report_basics(self, report: Document, report_bytes: bytes) -> None:
        assert report.kind == "pdf"
        assert report.page_count == 1
        assert report.filename == "report.pdf"
        assert report.sha256 == hashlib.sha256(report_bytes).hexdigest()
        assert report.page_size(0) == (612.0, 792.0)
        assert report.notice is None

    @pytest.mark.parametrize("dpi, size", [(72, (612, 792)), (144, (1224, 1584)), (36, (306, 396))])
    def test_render_size_follows_dpi(self, report: Document, dpi: int, size: tuple[int, int]) -> None:
        image = report.page_image(0, dpi=dpi)
        assert image.mode == "RGB"
        assert image.size == size

    def test_render_default_dpi_is_144(self, report: Document) -> None:
        assert report.page_image(0).size == (1224, 1584)

    def test_page_text_holds_every_paragraph(self, report: Document) -> None:
        flat = " ".join(report.page_text(0).split())
        for element in report_layout()["elements"]:
            if element["kind"] in ("title", "paragraph"):
                assert " ".join(element["text"].split()) in flat
        assert "\r" not in report.page_text(0)

    @pytest.mark.parametrize("loose", [True, False])
    def test_title_chars_lie_in_title_box(self, report: Document, loose: bool) -> None:
        title = report_layout()["elements"][0]
        assert title["kind"] == "title"
        x0, y0, x1, y1 = title["bbox"]
        chars = report.page_chars(0, loose=loose)
        in_title = [c for c in chars if c.y1 <= y1 + 0.5]
        assert "".join(c.char for c in in_title) == title["text"]
        for c in in_title:
            assert x0 - 0.5 <= c.x0 <= c.x1 <= x1 + 0.5
            assert y0 - 0.5 <= c.y0 <= c.y1 <= y1 + 0.5  # top-left origin: near the top

    def test_char_boxes_are_ordered_and_frozen(self, report: Document) -> None:
        c = report.page_chars(0)[0]
        assert isinstance(c, CharBox)
        assert c.char == "F"
        assert c.x0 < c.x1 and c.y0 < c.y1
        with pytest.raises(AttributeError):
            c.char = "G"  # type: ignore[misc]

    def test_chars_match_rendered_ink(self, report: Document) -> None:
        """Tight char boxes at 72 dpi sit exactly on the title's dark pixels."""
        image = report.page_image(0, dpi=72)
        title = [c for c in report.page_chars(0, loose=False) if c.y1 < 100]
        ink = ink_box(image.crop((0, 0, 612, 100)))
        box = (min(c.x0 for c in title), min(c.y0 for c in title), max(c.x1 for c in title), max(c.y1 for c in title))
        assert np.allclose(ink, box, atol=1.5), (ink, box)

    @pytest.mark.parametrize("rotate", [0, 90, 180, 270])
    @pytest.mark.parametrize("cropbox", [None, (50, 10, 200, 100)])
    def test_rotation_and_cropbox(self, rotate: int, cropbox: tuple | None) -> None:
        page = text_page("H", 80, 30, rotate=rotate, cropbox=cropbox)
        doc = load_document(handmade_pdf([page]), "rotated.pdf")
        visible_w, visible_h = (150.0, 90.0) if cropbox else (200.0, 100.0)
        expected_size = (visible_h, visible_w) if rotate in (90, 270) else (visible_w, visible_h)
        assert doc.page_size(0) == expected_size
        image = doc.page_image(0, dpi=72)
        assert image.size == tuple(int(v) for v in expected_size)
        (char,) = doc.page_chars(0, loose=False)
        assert char.char == "H"
        assert np.allclose(ink_box(image), (char.x0, char.y0, char.x1, char.y1), atol=1.5)

    def test_page_transform_maps_corners(self) -> None:
        bbox = (10, 20, 110, 70)  # 100 wide, 50 high
        assert page_transform(bbox, 0)(10, 70) == (0, 0)
        assert page_transform(bbox, 90)(10, 70) == (50, 0)
        assert page_transform(bbox, 180)(10, 70) == (100, 50)
        assert page_transform(bbox, 270)(10, 70) == (0, 100)

    def test_page_out_of_range_names_valid_range(self, report: Document) -> None:
        for index in (1, -1):
            with pytest.raises(InputError) as info:
                report.page_image(index)
            assert_sentence(str(info.value))
            assert "only valid index is 0" in str(info.value)
        with pytest.raises(InputError, match="whole number"):
            report.page_text("first")  # type: ignore[arg-type]

    @pytest.mark.parametrize("dpi", [0, -72, 5000, "high", None])
    def test_bad_dpi(self, report: Document, dpi: object) -> None:
        with pytest.raises(InputError) as info:
            report.page_image(0, dpi=dpi)  # type: ignore[arg-type]
        assert_sentence(str(info.value))

    def test_corrupt_pdf(self) -> None:
        junk = np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()
        refused(b"%PDF-1.7\n" + junk + b"\n%%EOF\n", "corrupt.pdf", "damaged")

    def test_truncated_pdf(self, report_bytes: bytes) -> None:
        refused(report_bytes[: len(report_bytes) // 2], "half.pdf", "cut off")

    def test_password_protected_pdf(self) -> None:
        pdf = FPDF()
        pdf.set_encryption(owner_password="owner", user_password="secret")
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(text="confidential")
        refused(bytes(pdf.output()), "locked.pdf", "password-protected")

    def test_owner_password_only_opens(self) -> None:
        pdf = FPDF()
        pdf.set_encryption(owner_password="owner")  # restricts editing, not reading
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(text="readable")
        doc = load_document(bytes(pdf.output()), "restricted.pdf")
        assert doc.page_text(0) == "readable"

    def test_zero_page_pdf(self) -> None:
        assert refused(handmade_pdf([]), "empty.pdf") == "This PDF has no pages."

    def test_page_tree_that_lies(self) -> None:
        refused(handmade_pdf([], count=3), "liar.pdf", "first page could not be read")

    def test_two_thousand_pages_is_lazy(self) -> None:
        pages = [text_page(f"Page {i + 1}", 20, 40, size=12) for i in range(2000)]
        data = handmade_pdf(pages)
        start = time.perf_counter()
        doc = load_document(data, "long.pdf")
        assert doc.page_count == 2000
        image = doc.page_image(1999, dpi=72)
        assert doc.page_text(1999) == "Page 2000"
        elapsed = time.perf_counter() - start
        assert image.size == (200, 100)
        assert elapsed < 1.0, f"took {elapsed:.2f} s: pages are being rendered eagerly"
        with pytest.raises(InputError, match="valid indices are 0 to 1999"):
            doc.page_chars(2000)

    def test_huge_page_rendered_at_reduced_resolution(self) -> None:
        pdf = FPDF(unit="pt", format=(14400, 14400))  # 200 x 200 inches, PDF's maximum
        pdf.add_page()
        pdf.set_font("Helvetica", size=400)
        pdf.text(1000, 2000, "Huge")
        doc = load_document(bytes(pdf.output()), "poster.pdf")
        assert doc.page_size(0) == (14400.0, 14400.0)
        image = doc.page_image(0, dpi=144)
        assert image.width * image.height <= 40_000_000
        assert image.width > 6000  # lowered, not collapsed
        assert "reduced resolution" in (doc.notice or "")
        assert_sentence(doc.notice or "")

    def test_render_cap_is_a_parameter(self) -> None:
        doc = load_document(handmade_pdf([text_page("A", 10, 10, mediabox=(0, 0, 4000, 2000))]), "wide.pdf")
        image = doc.page_image(0, dpi=72, max_pixels=200_000)
        assert image.width * image.height <= 200_000
        assert abs(image.width / image.height - 2.0) < 0.01

    def test_render_scale(self) -> None:
        assert render_scale(612, 792, 72, 40_000_000) == 1.0
        scale = render_scale(30000, 100, 144, 1_000_000)
        assert np.ceil(30000 * scale) * np.ceil(100 * scale) <= 1_000_000

    def test_threads_render_concurrently(self, report_bytes: bytes) -> None:
        docs = [load_document(report_bytes, "a.pdf"), load_document(handmade_pdf([text_page("Hi", 20, 20)]), "b.pdf")]
        expected = [(d.page_image(0, dpi=36).tobytes(), d.page_chars(0)) for d in docs]
        failures: list[str] = []

        def work(k: int) -> None:
            for _ in range(5):
                doc = docs[k % 2]
                got = (doc.page_image(0, dpi=36).tobytes(), doc.page_chars(0))
                if got != expected[k % 2]:
                    failures.append(f"thread {k} got a different page")

        threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []

    def test_pickle_and_close_keep_the_document_usable(self, report_bytes: bytes) -> None:
        doc = load_document(report_bytes, "report.pdf")
        chars = doc.page_chars(0)
        clone = pickle.loads(pickle.dumps(doc))  # our own object, as st.cache_data does
        assert clone.page_chars(0) == chars
        doc.close()
        assert doc.page_chars(0) == chars  # reopened lazily
        with load_document(report_bytes, "report.pdf") as scoped:
            assert scoped.page_count == 1


# --------------------------------------------------------------------------- type detection


class TestTypeDetection:
    def test_zip_named_pdf(self) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("notes.txt", "hello")
        assert refused(buf.getvalue(), "report.pdf") == "This file is a ZIP archive, not a PDF."

    def test_docx_named_pdf(self) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
        refused(buf.getvalue(), "report.pdf", "Word document")

    def test_text_named_png(self) -> None:
        assert refused(b"just some words", "photo.png") == "This file is a text file, not a PNG image."

    def test_pdf_named_png(self, report_bytes: bytes) -> None:
        assert refused(report_bytes, "photo.png") == "This file is a PDF document, not a PNG image."

    def test_png_named_txt(self) -> None:
        png = encoded(Image.new("RGB", (16, 16)), "PNG")
        assert refused(png, "notes.txt") == "This file is a PNG image, not a text file."

    def test_png_named_jpg_loads_with_notice(self) -> None:
        doc = load_document(encoded(Image.new("RGB", (16, 16), (1, 2, 3)), "PNG"), "photo.jpg")
        assert doc.kind == "image"
        assert doc.page_image().getpixel((0, 0)) == (1, 2, 3)
        assert doc.notice == "The file is a PNG image although its name ends in .jpg."

    def test_binary_named_pdf(self) -> None:
        refused(bytes(range(256)) * 4, "scan.pdf", "%PDF header")

    def test_binary_named_txt(self) -> None:
        refused(b"\x00\x01\x02\x03" * 100, "notes.txt", "binary data")

    def test_binary_named_png(self) -> None:
        refused(b"\x00\x01\x02\x03" * 100, "photo.png", "no image format")

    def test_unknown_extension_lists_supported(self) -> None:
        message = refused(b"abc", "slides.pptx", "'.pptx'")
        for ext in (".pdf", ".png", ".jpg", ".webp", ".tiff", ".gif", ".txt", ".md"):
            assert ext in message
        refused(b"abc", "README", "no extension")

    def test_extension_is_case_insensitive(self, report_bytes: bytes) -> None:
        assert load_document(report_bytes, "REPORT.PDF").kind == "pdf"

    @pytest.mark.parametrize("name", ["a.pdf", "a.png", "a.txt"])
    def test_empty_bytes(self, name: str) -> None:
        assert refused(b"", name) == f"The file '{name}' is empty."

    def test_wrong_argument_types(self) -> None:
        with pytest.raises(InputError):
            load_document("text, not bytes", "a.txt")  # type: ignore[arg-type]
        with pytest.raises(InputError):
            load_document(b"abc", None)  # type: ignore[arg-type]
        assert load_document(bytearray(b"bytes-like works"), "a.txt").text == "bytes-like works"

    def test_text_mentioning_pdf_header_stays_text(self) -> None:
        doc = load_document(b"Every PDF starts with %PDF-1.x, then objects.", "notes.txt")
        assert doc.kind == "text"

    def test_sniff(self) -> None:
        assert sniff(b"\x89PNG\r\n\x1a\n....").name == "png"
        assert sniff(b"\x80\x04\x95....").name == "pickle"
        assert sniff(b"\x00\x01\x02") is None


# --------------------------------------------------------------------------- images


class TestImages:
    def test_rgb_png(self) -> None:
        doc = load_document(encoded(Image.new("RGB", (30, 20), (10, 20, 30)), "PNG"), "a.png")
        assert (doc.kind, doc.page_count, doc.page_size(0)) == ("image", 1, (30.0, 20.0))
        image = doc.page_image(0, dpi=300)  # dpi does not resample images
        assert (image.mode, image.size, image.getpixel((5, 5))) == ("RGB", (30, 20), (10, 20, 30))
        assert doc.page_text(0) == "" and doc.page_chars(0) == []

    def test_page_image_is_a_copy(self) -> None:
        doc = load_document(encoded(Image.new("RGB", (16, 16), (0, 0, 0)), "PNG"), "a.png")
        doc.page_image().paste((255, 255, 255), (0, 0, 16, 16))
        assert doc.page_image().getpixel((0, 0)) == (0, 0, 0)

    def test_one_pixel_image(self) -> None:
        message = refused(encoded(Image.new("RGB", (1, 1)), "PNG"), "dot.png")
        assert message == "The image is 1 x 1 pixels; it must be at least 8 pixels on each side."

    def test_decompression_bomb(self) -> None:
        """30000 x 30000 is over twice Pillow's limit: its DecompressionBombError."""
        refused(png_header_only(30000, 30000), "bomb.png", "decompression bomb")

    def test_decompression_bomb_warning_becomes_error(self) -> None:
        """100 MP is between Pillow's warning and error thresholds: the warning is refused too."""
        refused(png_header_only(10000, 10000), "bomb.png", "decompression bomb")

    def test_own_pixel_cap(self) -> None:
        message = refused(png_header_only(7000, 7000), "big.png")
        assert message == "The image is 7000 x 7000 pixels (49.0 megapixels); the limit is 40 megapixels."

    def test_truncated_png(self) -> None:
        png = encoded(Image.effect_noise((64, 64), 50).convert("RGB"), "PNG")
        refused(png[: len(png) // 2], "cut.png", "damaged or truncated")

    def test_cmyk_jpeg(self) -> None:
        data = encoded(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)
        red = load_document(data, "print.jpg").page_image().getpixel((8, 8))
        assert np.allclose(red, (255, 0, 0), atol=3), red

    def test_16_bit_png_scaled_not_clipped(self) -> None:
        values = np.array([[0, 32768, 65535]] * 8, dtype=np.uint16).repeat(8, axis=1)
        image = Image.fromarray(values)
        assert image.mode == "I;16"
        doc = load_document(encoded(image, "PNG"), "depth.png")
        rgb = doc.page_image()
        assert [rgb.getpixel((x, 0)) for x in (0, 8, 16)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]

    def test_palette_png(self) -> None:
        image = Image.new("P", (16, 16), 2)
        image.putpalette([0, 0, 0, 255, 0, 0, 0, 200, 0])
        assert load_document(encoded(image, "PNG"), "p.png").page_image().getpixel((3, 3)) == (0, 200, 0)

    def test_palette_png_with_transparent_index(self) -> None:
        image = Image.new("P", (16, 16), 2)
        image.putpalette([0, 0, 0, 255, 0, 0, 0, 200, 0])
        data = encoded(image, "PNG", transparency=2)
        assert load_document(data, "p.png").page_image().getpixel((3, 3)) == (255, 255, 255)

    def test_animated_gif_uses_first_frame(self) -> None:
        frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
        data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
        doc = load_document(data, "anim.gif")
        assert doc.page_image().getpixel((8, 8)) == (255, 0, 0)
        assert doc.notice == "The image has several frames; only the first is used."

    @pytest.mark.parametrize(
        "mode, colour, fmt, expected",
        [
            ("RGBA", (0, 0, 0, 0), "PNG", (255, 255, 255)),  # transparent: white paper
            ("RGBA", (0, 0, 0, 128), "PNG", (127, 127, 127)),  # half black on white
            ("RGBA", (200, 0, 0, 255), "PNG", (200, 0, 0)),
            ("LA", (0, 0), "PNG", (255, 255, 255)),
            ("RGBA", (0, 0, 0, 128), "WEBP", (127, 127, 127)),
        ],
    )
    def test_alpha_composited_on_white(self, mode: str, colour: tuple, fmt: str, expected: tuple) -> None:
        options = {"lossless": True} if fmt == "WEBP" else {}
        data = encoded(Image.new(mode, (16, 16), colour), fmt, **options)
        assert load_document(data, f"a.{fmt.lower()}").page_image().getpixel((4, 4)) == expected

    def test_exif_rotation_applied(self) -> None:
        image = Image.new("RGB", (40, 20), (255, 0, 0))
        image.paste((0, 0, 255), (20, 0, 40, 20))  # left red, right blue
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
        doc = load_document(encoded(image, "JPEG", exif=exif.tobytes(), quality=95), "phone.jpg")
        assert doc.page_size(0) == (20.0, 40.0)
        rotated = doc.page_image()
        assert np.allclose(rotated.getpixel((10, 5)), (255, 0, 0), atol=40)  # left went to the top
        assert np.allclose(rotated.getpixel((10, 35)), (0, 0, 255), atol=40)

    def test_tiff_formats(self) -> None:
        grey16 = Image.fromarray(np.full((10, 10), 32768, dtype=np.uint16))
        floats = Image.fromarray(np.full((10, 10), 0.5, dtype=np.float32))
        for image in (grey16, floats):
            assert load_document(encoded(image, "TIFF"), "scan.tif").page_image().getpixel((0, 0)) == (128, 128, 128)

    @pytest.mark.parametrize(
        "image, expected",
        [
            (Image.new("I;16", (8, 8), 65535), (255, 255, 255)),
            (Image.new("I", (8, 8), 32768), (128, 128, 128)),
            (Image.new("F", (8, 8), 1.0), (255, 255, 255)),
            (Image.new("1", (8, 8), 1), (255, 255, 255)),
            (Image.new("L", (8, 8), 7), (7, 7, 7)),
            (Image.new("CMYK", (8, 8), (0, 0, 0, 255)), (0, 0, 0)),
            (Image.new("YCbCr", (8, 8), (255, 128, 128)), (255, 255, 255)),
        ],
    )
    def test_to_rgb(self, image: Image.Image, expected: tuple) -> None:
        rgb = to_rgb(image)
        assert rgb.mode == "RGB"
        assert np.allclose(rgb.getpixel((0, 0)), expected, atol=1)

    def test_to_rgb_stretches_out_of_range_values(self) -> None:
        values = np.array([[-5.0, 0.0, 5.0]] * 8, dtype=np.float32).repeat(8, axis=1)
        rgb = to_rgb(Image.fromarray(values))
        assert [rgb.getpixel((x, 0))[0] for x in (0, 8, 16)] == [0, 128, 255]

    def test_image_has_no_text(self) -> None:
        doc = load_document(encoded(Image.new("RGB", (16, 16)), "PNG"), "a.png")
        assert doc.text == ""


# --------------------------------------------------------------------------- texts


class TestText:
    def test_utf8(self) -> None:
        doc = load_document("Late interaction keeps one vector per token.".encode(), "a.txt")
        assert (doc.kind, doc.page_count, doc.notice) == ("text", 1, None)
        assert doc.text == "Late interaction keeps one vector per token."
        assert doc.page_text(0) == doc.text and doc.page_chars(0) == []

    def test_markdown(self) -> None:
        assert load_document(b"# Title\n\nSome *words*.", "notes.md").text == "# Title\n\nSome *words*."

    def test_utf8_bom_stripped(self) -> None:
        assert load_document(b"\xef\xbb\xbfhello", "a.txt").text == "hello"

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
    def test_utf16_and_utf32_with_bom(self, codec: str) -> None:
        text = "h\u00e9llo w\u00f6rld \u65e5\u672c"
        data = text.encode(codec)
        if codec == "utf-16-be":
            data = b"\xfe\xff" + data
        doc = load_document(data, "a.txt")
        assert doc.text == text and doc.notice is None

    def test_invalid_utf16(self) -> None:
        refused(b"\xff\xfe" + "abc".encode("utf-16-le") + b"\x00\xd8", "a.txt", "not valid UTF-16")

    def test_invalid_utf8_falls_back_to_cp1252(self) -> None:
        doc = load_document(b"caf\xe9 \x93quoted\x94", "a.txt")
        assert doc.text == "caf\u00e9 \u201cquoted\u201d"
        assert doc.notice == "The text was not valid UTF-8, so it was decoded as cp1252 (Windows Western)."

    def test_bytes_outside_cp1252_fall_back_to_latin1(self) -> None:
        doc = load_document(b"abc \x81 def", "a.txt")
        assert doc.text == "abc \x81 def"
        assert "latin-1" in (doc.notice or "")

    def test_mixed_scripts_emoji_and_rtl_kept_intact(self) -> None:
        text = "English, \u0627\u0644\u0639\u0631\u0628\u064a\u0629, \u05e2\u05d1\u05e8\u05d9\u05ea, \u65e5\u672c\u8a9e, \U0001f389\U0001f44d\U0001f3fd, e\u0301"
        assert load_document(text.encode(), "a.txt").text == text

    def test_line_breaks_normalised(self) -> None:
        assert load_document(b"one\r\ntwo\rthree\n", "a.txt").text == "one\ntwo\nthree\n"

    def test_whitespace_only(self) -> None:
        refused(b" \n\t \r\n ", "a.txt", "only whitespace")

    def test_oversized_text(self) -> None:
        message = refused(b"a" * (MAX_TEXT_BYTES + 1), "big.txt")
        assert message == "The text file is 2,097,153 bytes; the limit is 2 MB (2,097,152 bytes)."

    def test_text_at_limit_loads(self) -> None:
        assert len(load_document(b"a" * MAX_TEXT_BYTES, "big.txt").text) == MAX_TEXT_BYTES

    def test_text_has_no_image_or_size(self) -> None:
        doc = load_document(b"words", "a.txt")
        for call in (doc.page_image, doc.page_size):
            with pytest.raises(InputError) as info:
                call(0)
            assert_sentence(str(info.value))


# --------------------------------------------------------------------------- fuzzing


def mutations(seed_bytes: bytes, count: int, seed: int = 0):
    """Seeded random damage: flipped bytes, cuts, insertions and deletions."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        data = bytearray(seed_bytes)
        for _ in range(int(rng.integers(1, 6))):
            if len(data) < 2:
                break
            i = int(rng.integers(len(data)))
            op = rng.random()
            if op < 0.5:
                data[i] = int(rng.integers(256))
            elif op < 0.7:
                del data[i:]
            elif op < 0.85:
                data[i:i] = rng.integers(0, 256, int(rng.integers(1, 20)), dtype=np.uint8).tobytes()
            else:
                del data[i : i + int(rng.integers(1, 50))]
        yield bytes(data)


@pytest.mark.parametrize("name", ["report.pdf", "noise.png", "noise.jpg", "noise.gif", "noise.webp", "noise.tif", "notes.txt"])
def test_damaged_files_raise_only_input_errors(name: str, report_bytes: bytes) -> None:
    noise = Image.effect_noise((40, 30), 60).convert("RGB")
    seeds = {
        "report.pdf": report_bytes,
        "noise.png": encoded(noise, "PNG"),
        "noise.jpg": encoded(noise, "JPEG"),
        "noise.gif": encoded(noise.convert("P"), "GIF"),
        "noise.webp": encoded(noise, "WEBP"),
        "noise.tif": encoded(noise, "TIFF"),
        "notes.txt": "h\u00e9llo w\u00f6rld \U0001f389".encode(),
    }
    for data in mutations(seeds[name], 30):
        try:
            doc = load_document(data, name)
            if doc.kind != "text":
                doc.page_image(0, dpi=18)
            doc.page_text(0)
            doc.page_chars(0)
        except InputError as exc:
            assert_sentence(str(exc))
