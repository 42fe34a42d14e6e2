"""``layout-minilm``: an offline page encoder that puts MiniLM token vectors on a patch grid.

ColPali reads the page *image* and gives one vector per patch of a 32x32 grid. Without a
vision model (offline, on a CPU) this encoder approximates that output from the PDF's
**text layer**, so that the grid-based pooling methods and similarity maps of the app can
be explored on real pages:

1. The page's characters and their boxes (:meth:`Document.page_chars`) are grouped into
   words, lines and blocks in reading order (:mod:`pooling_core.encoders.layout_grid`:
   lines are cut at wide gaps and regions by recursive XY-cut, so columns never merge).
2. Each block is encoded by all-MiniLM-L6-v2 as one text, so every token gets a
   contextual 384-d vector. Blocks longer than the 256-token window are encoded in
   overlapping windows, each token kept once from the window where it is most central
   (:mod:`pooling_core.encoders.windows`); all blocks go through the model in a few
   padded batches, sorted by length so that little padding is computed.
3. The tokenizer's character offsets map each token to the union box of its characters.
4. The page is tiled by a ``rows x cols`` grid (32x32 by default, like ColPali): cell
   ``(r, c)`` covers ``(c W/cols, r H/rows)`` to ``((c+1) W/cols, (r+1) H/rows)``, origin
   top left, row-major. A cell's vector is the L2-normalised mean of the (unit) token
   vectors whose boxes overlap it, weighted by overlap area: one ``(tokens, cells)``
   overlap matrix by broadcasting, then one matmul. Cells without text all get the same
   **blank** vector (MiniLM's ``[CLS]`` output for an empty input, normalised) and are
   flagged in ``metadata["blank_mask"]``.

Queries are MiniLM token vectors in the same space, *without* ``[CLS]``/``[SEP]``, so
MaxSim sums over the query's real word pieces; :meth:`LayoutMiniLMEncoder.query_tokens`
names them.

Honesty caveat: this is **not** ColPali. It sees only the text layer: no pictures,
charts, colours, rules or scanned text, and its "patches" are text averaged by area, not
visual features. Retrieval scores are not comparable with any ColPali model; the point is
a realistic, page-shaped multi-vector (dense text cells, large blank areas with identical
vectors) to pool and to draw.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from pooling_core.encoders.base import Encoder, check_page, check_queries, doc_kind, log
from pooling_core.encoders.layout_grid import Block, box_cells, overlap_areas, page_blocks
from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector

NAME = "layout-minilm"
LABEL = "Layout-MiniLM (offline approximation: PDF text layer + MiniLM, not ColPali)"
CELL_TEXT_CHARS = 60
MAX_GRID_SIDE = 256
BUCKET_RATIO = 0.75  # blocks in one forward pass are at least 3/4 as long as its longest
BUCKET_SLACK = 16  # ... or at most this many tokens shorter (a pass costs more than that)
_MIN_EXTENT = 0.05  # points: a token box is at least this wide and high, so it has an area

NO_TEXT_LAYER = (
    "This page has no text layer, so layout-minilm has nothing to embed; "
    "use a ColPali-family model for scanned pages and images."
)


def _check_grid(grid: Any) -> tuple[int, int]:
    try:
        rows, cols = (int(v) for v in grid)
    except (TypeError, ValueError) as exc:
        raise InputError("The grid must be two whole numbers: (rows, columns).") from exc
    if not (1 <= rows <= MAX_GRID_SIDE and 1 <= cols <= MAX_GRID_SIDE):
        raise InputError(f"The grid {rows}x{cols} must have 1 to {MAX_GRID_SIDE} rows and columns.")
    return rows, cols


def token_boxes(block: Block, offsets: np.ndarray) -> np.ndarray:
    """``(t, 4)`` union box of the characters ``[start, end)`` of each token of ``block``.

    ``offsets`` is ``(t, 2)`` character spans into ``block.text``; the inserted spaces
    have NaN boxes and are ignored. One ``reduceat`` per coordinate, no loop.
    """
    boxes = np.vstack([block.char_boxes, np.full((1, 4), np.nan)])  # room for index len(text)
    spans = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    idx = spans.ravel()  # start0, end0, start1, end1...: even slots reduce [start, end)
    with np.errstate(invalid="ignore"):
        lo = np.fmin.reduceat(boxes[:, :2], idx, axis=0)[0::2]
        hi = np.fmax.reduceat(boxes[:, 2:], idx, axis=0)[0::2]
    return np.hstack([lo, hi])


def length_buckets(lengths: Sequence[int], window: int, ratio: float = BUCKET_RATIO) -> list[list[int]]:
    """Split positions ``0..n-1`` of texts sorted by token count (longest first) into
    consecutive groups whose model windows (at most ``window`` tokens) are at least
    ``ratio`` times, or at most :data:`BUCKET_SLACK` tokens short of, the group's longest,
    so that padding each group to its longest window wastes little compute.

    >>> length_buckets([600, 254, 200, 120, 100, 3, 2], 254)
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    groups: list[list[int]] = []
    top = 0
    for k, n in enumerate(lengths):
        w = min(int(n), window)
        if not groups or (w < ratio * top and top - w > BUCKET_SLACK):
            groups.append([])
            top = w
        groups[-1].append(k)
    return groups


class LayoutMiniLMEncoder(Encoder):
    """PDF page -> ``rows x cols`` grid of MiniLM vectors (see the module docstring).

    Args:
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        grid: ``(rows, cols)`` of the page grid (default ColPali's 32x32).

    Documents come out as a :class:`MultiVector` of ``rows * cols`` unit vectors
    ``(rows * cols, 384)``, row-major, no special tokens, ``grid=(rows, cols)``, with
    ``metadata``: ``blank_mask`` (``rows * cols`` bools), ``cell_text`` (``rows * cols``
    strings, the words under each cell, at most ~60 characters), ``blocks`` (``{"text",
    "box"}`` in reading order, boxes in points), ``page_size`` ``(W, H)`` in points,
    ``page``, ``n_tokens``, ``timings`` (seconds) and ``encoder``.
    """

    label = LABEL
    yields_patches = True
    input_kinds = ("pdf",)

    def __init__(self, device: str | torch.device | None = "auto", grid: tuple[int, int] = (32, 32)) -> None:
        from pooling_core.encoders.text_tokens import load_minilm

        self.name = NAME
        self.grid = _check_grid(grid)
        started = time.perf_counter()
        # Queries without [CLS]/[SEP]; 64 windows a pass (blocks are mostly short).
        self._text = load_minilm(device, query_special_tokens=False, batch_size=64)
        self.device = self._text.device
        self.dim = self._text.dim
        self.tokenizer = self._text.tokenizer
        # [CLS] of an empty input ("[CLS] [SEP]"): the one vector every blank cell shares.
        empty = self.tokenizer("", return_tensors="pt")
        self._window_text = self._text.window - int(empty["input_ids"].shape[1])  # text tokens a window
        with torch.inference_mode():
            hidden = self._text.model(**{k: v.to(self.device) for k, v in empty.items()}).last_hidden_state
        self.blank_vector = F.normalize(hidden[0, 0].float(), dim=-1).clone()  # (dim,), a normal tensor
        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s in %.2f s on %s", NAME, self.load_seconds, self.device)

    # --- documents ------------------------------------------------------------------

    def encode_text(self, text: str) -> MultiVector:
        raise InputError(
            "layout-minilm lays text out on a PDF page; for plain text use the 'minilm' encoder."
        )

    def page_layout(self, doc: Any, page: int = 0) -> tuple[list[Block], tuple[float, float]]:
        """The blocks of one PDF page (reading order) and its size ``(W, H)`` in points."""
        kind = doc_kind(doc)
        if kind == "text":
            raise InputError(
                "layout-minilm reads PDF pages; for a plain-text document use the 'minilm' encoder."
            )
        if kind == "image":
            raise InputError(NO_TEXT_LAYER)
        page = check_page(doc, page)
        size = tuple(float(v) for v in doc.page_size(page))
        if not (size[0] > 0 and size[1] > 0):
            raise InputError(f"Page {page} of this PDF has no area, so there is no grid to lay text on.")
        blocks = page_blocks(doc.page_chars(page))
        if not blocks:
            raise InputError(NO_TEXT_LAYER)
        return blocks, size

    def encode_document(
        self, doc: Any, page: int = 0, *, dpi: int | None = None, grid: tuple[int, int] | None = None
    ) -> MultiVector:
        """One PDF page as a ``rows x cols`` grid of unit vectors ``(rows * cols, dim)``.

        ``grid`` overrides the encoder's grid for this call (the model is shared, so a
        different grid costs no reload); ``dpi`` is unused (nothing is rendered).
        """
        rows, cols = self.grid if grid is None else _check_grid(grid)
        t0 = time.perf_counter()
        blocks, size = self.page_layout(doc, page)
        t1 = time.perf_counter()
        vectors, boxes = self._token_vectors(blocks)
        t2 = time.perf_counter()
        cells, blank = self._cells(vectors, boxes, size, (rows, cols))
        cell_text = self._cell_text(blocks, size, (rows, cols), blank)
        t3 = time.perf_counter()
        return MultiVector(
            cells,
            grid=(rows, cols),
            model=NAME,
            metadata={
                "blank_mask": blank.tolist(),
                "cell_text": cell_text,
                "blocks": [{"text": b.text, "box": [round(float(v), 2) for v in b.box]} for b in blocks],
                "page_size": size,
                "page": int(page),
                "n_tokens": int(vectors.shape[0]),
                "source": "pdf_text_layer",
                "encoder": self.label,
                "timings": {"layout": t1 - t0, "model": t2 - t1, "grid": t3 - t2},
            },
        )

    def _token_vectors(self, blocks: Sequence[Block]) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit token vectors ``(t, dim)`` of all blocks and their boxes ``(t, 4)`` (float64, CPU)."""
        texts = [b.text for b in blocks]
        ids = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        lengths = [len(t) for t in ids]
        # Longest first; a block of glyphs the tokenizer drops entirely has nothing to encode.
        keep = [i for i in np.argsort(lengths, kind="stable")[::-1].tolist() if lengths[i] > 0]
        if not keep:
            raise InputError(NO_TEXT_LAYER)
        states: list[dict[str, Any]] = []
        for group in length_buckets([lengths[i] for i in keep], self._window_text):
            states.extend(self._text.token_states([texts[keep[k]] for k in group]))
        vecs, boxes = [], []
        for i, st in zip(keep, states):
            body = ~st["special"]
            offsets = np.asarray(st["offsets"], dtype=np.int64)[body.numpy()]
            b = token_boxes(blocks[i], offsets)
            ok = torch.from_numpy(np.isfinite(b).all(axis=1))
            vecs.append(st["vectors"][body.to(st["vectors"].device)][ok.to(st["vectors"].device)])
            boxes.append(torch.from_numpy(b[ok.numpy()]))
        vectors = F.normalize(torch.cat(vecs), dim=-1)
        box = torch.cat(boxes)
        # Give degenerate boxes (a zero-width glyph) a tiny area, centred where they are.
        centre = (box[:, :2] + box[:, 2:]) / 2
        half = torch.maximum((box[:, 2:] - box[:, :2]) / 2, torch.full_like(centre, _MIN_EXTENT / 2))
        return vectors, torch.cat([centre - half, centre + half], dim=1)

    def _cells(
        self, vectors: torch.Tensor, boxes: torch.Tensor, size: tuple[float, float], grid: tuple[int, int]
    ) -> tuple[torch.Tensor, np.ndarray]:
        """``(rows * cols, dim)`` cell vectors and the ``(rows * cols,)`` blank mask."""
        weights = overlap_areas(boxes, size, grid)  # (t, cells) float64
        weights = weights.to(device=vectors.device, dtype=vectors.dtype)
        total = weights.sum(dim=0)  # (cells,)
        cells = F.normalize(weights.T @ vectors, dim=-1)  # (cells, dim); the area total cancels
        blank = total <= 0
        cells[blank] = self.blank_vector.to(cells.dtype)
        return cells, blank.cpu().numpy()

    def _cell_text(
        self, blocks: Sequence[Block], size: tuple[float, float], grid: tuple[int, int], blank: np.ndarray
    ) -> list[str]:
        """The words (reading order) with at least one character overlapping each cell."""
        rows, cols = grid
        words = [w for b in blocks for w in b.words]
        char_word = np.repeat(np.arange(len(words)), [len(w.boxes) for w in words])
        char_boxes = np.concatenate([w.boxes for w in words], axis=0)
        item, cell = box_cells(char_boxes, size, grid)
        pairs = np.unique(cell.astype(np.int64) * len(words) + char_word[item])  # sorted by cell, then word
        cell_of, word_of = pairs // len(words), pairs % len(words)
        bounds = np.searchsorted(cell_of, np.arange(rows * cols + 1))
        out = [""] * (rows * cols)
        for k in np.nonzero(bounds[1:] > bounds[:-1])[0].tolist():
            if blank[k]:
                continue  # only glyphs the tokenizer drops (e.g. unmapped ones) lie here
            text = " ".join(words[j].text for j in word_of[bounds[k] : bounds[k + 1]].tolist())
            out[k] = text if len(text) <= CELL_TEXT_CHARS else text[: CELL_TEXT_CHARS - 1].rstrip() + "…"
        return out

    # --- queries --------------------------------------------------------------------

    def encode_queries(self, queries: Sequence[str]) -> list[torch.Tensor]:
        """``(q_len_i, dim)`` unit MiniLM token vectors per query, ``[CLS]``/``[SEP]`` left out
        (MaxSim then sums over the query's word pieces only)."""
        return self._text.encode_queries(check_queries(queries))

    def query_tokens(self, text: str) -> list[str]:
        """The word piece of each vector :meth:`encode_query` returns for ``text``."""
        (text,) = check_queries([text])
        ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        return self.tokenizer.convert_ids_to_tokens(ids)
