"""Page text layer -> words, lines and blocks; boxes -> cells of a uniform page grid.

Pure geometry on character boxes (PDF points, origin top left, ``y`` downward), no model.
It serves :mod:`pooling_core.encoders.layout`, which encodes each block with MiniLM and
spreads the token vectors over a ColPali-like patch grid.

The grouping, in four steps, each with thresholds in units of the text's own height
``h`` (the loose font-height box), so that it works for 6-pt tables and 24-pt titles:

1. **Words.** Characters are walked in the PDF's content order. A word ends at whitespace
   or a control character, where the next character is not on the same line (vertical
   overlap below half the smaller height) or steps backwards, and where it leaves a gap
   wider than ``WORD_GAP * h``: some PDFs (tables, notably) draw no space characters.
2. **Lines.** Words sorted by vertical centre are swept into rows (a word joins the row
   it overlaps most, by at least half the smaller height). Each row is read left to right
   and *cut wherever the gap exceeds* ``LINE_GAP * h``: a column gutter or a table gap
   ends a line, so no line ever crosses from one column into the next.
3. **Regions (recursive XY-cut).** The set of lines is cut along whitespace that runs
   across all of them: horizontal bands at least ``BAND_GAP * h`` high or vertical
   gutters at least ``GUTTER_GAP * h`` wide, always along the direction with the widest
   gap (relative to its threshold), then each piece again. Where nothing can be cut, it
   tries again ignoring stray one- or two-character lines (rotated margin text), which
   would otherwise bridge a gutter. The leaves come out in reading order: top to bottom,
   and left to right across columns.
4. **Blocks.** Inside a leaf, lines taken top-down join the block whose last line
   overlaps them horizontally and lies at most ``BAND_GAP * h`` above; otherwise they
   open a new block. This keeps columns apart even where XY-cut cannot cut (a figure
   spanning two of three columns). A block is then cut before every indented first line
   of a paragraph, so that blocks are paragraphs, headings, list items or table columns.

Trade-off: this is a heuristic layout analysis, not a learned one. Unusual layouts
(rotated text, right-to-left scripts, text on a curve) fall apart into small blocks; they
are still encoded, with less context per token.

The grid helpers share one convention: a page ``W`` x ``H`` points cut into ``rows x cols``
cells, cell ``(r, c)`` spanning ``(c W/cols, r H/rows)`` to ``((c+1) W/cols, (r+1) H/rows)``,
numbered row-major; a box "touches" a cell when their overlap has a positive area.
"""

from __future__ import annotations

import statistics
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

WORD_GAP = 0.15  # a gap wider than this (x height) ends a word; a space is ~0.22 h
LINE_GAP = 0.9  # a gap wider than this ends a line (column gutter, table cell)
BAND_GAP = 1.0  # XY-cut: horizontal whitespace band at least this high; also block gap
GUTTER_GAP = 0.9  # XY-cut: vertical whitespace gutter at least this wide
MINOR_CHARS = 2  # XY-cut may ignore lines this short when nothing else can be cut
INDENT = 0.8  # a paragraph's first line is indented at least this much
_EPS = 1e-6


@dataclass(eq=False)
class Word:
    """A run of characters: ``text`` and ``boxes`` ``(len(text), 4)`` (x0, y0, x1, y1)."""

    text: str
    boxes: np.ndarray
    box: np.ndarray = field(init=False)
    height: float = field(init=False)

    def __post_init__(self) -> None:
        b = self.boxes
        self.box = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
        self.height = float(self.box[3] - self.box[1])


@dataclass(eq=False)
class Line:
    """Words on one baseline with no wide gap between them, left to right."""

    words: list[Word]
    box: np.ndarray = field(init=False)
    height: float = field(init=False)  # median word height (superscripts do not count)

    def __post_init__(self) -> None:
        self.box = union_box([w.box for w in self.words])
        self.height = float(statistics.median(w.height for w in self.words))


@dataclass(eq=False)
class Block:
    """Consecutive lines of one column: a paragraph, a heading, a table cell or column.

    Attributes:
        lines: the lines, top to bottom.
        text: the words joined by single spaces (lines too).
        char_boxes: ``(len(text), 4)`` box of every character of ``text``; NaN rows for
            the spaces inserted between words.
        box: ``(4,)`` union box ``(x0, y0, x1, y1)``.
    """

    lines: list[Line]
    text: str = field(init=False)
    char_boxes: np.ndarray = field(init=False)
    box: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        words = [w for ln in self.lines for w in ln.words]
        self.text = " ".join(w.text for w in words)
        parts: list[np.ndarray] = []
        gap = np.full((1, 4), np.nan)
        for k, w in enumerate(words):
            if k:
                parts.append(gap)
            parts.append(w.boxes)
        self.char_boxes = np.concatenate(parts, axis=0)
        self.box = union_box([ln.box for ln in self.lines])

    @property
    def words(self) -> list[Word]:
        return [w for ln in self.lines for w in ln.words]


def union_box(boxes: Sequence[np.ndarray]) -> np.ndarray:
    """``(4,)`` smallest box containing every ``(4,)`` box of ``boxes``."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


# --------------------------------------------------------------------------- 1. words


def _is_separator(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def chars_to_words(chars: Sequence[Any], *, word_gap: float = WORD_GAP) -> list[Word]:
    """Group characters (objects with ``char, x0, y0, x1, y1``) into words, in content order.

    >>> from types import SimpleNamespace as C
    >>> cs = [C(char=c, x0=x, y0=0, x1=x + 5, y1=10) for c, x in zip("ab cd", (0, 5, 10, 15, 20))]
    >>> cs.append(C(char="e", x0=40, y0=0, x1=45, y1=10))  # a gap of 15 with no space
    >>> [w.text for w in chars_to_words(cs)]
    ['ab', 'cd', 'e']
    """
    words: list[Word] = []
    text: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []

    def flush() -> None:
        if text:
            words.append(Word("".join(text), np.array(boxes, dtype=np.float64)))
            text.clear()
            boxes.clear()

    prev: tuple[float, float, float, float] | None = None
    for c in chars:
        box = (float(c.x0), float(c.y0), float(c.x1), float(c.y1))
        if _is_separator(c.char) or (box[2] - box[0] <= 0 and box[3] - box[1] <= 0):
            flush()
            prev = None
            continue
        if prev is not None and _breaks_word(prev, box, word_gap):
            flush()
        text.append(c.char)
        boxes.append(box)
        prev = box
    flush()
    return words


def _breaks_word(p: tuple[float, ...], b: tuple[float, ...], word_gap: float) -> bool:
    h = max(min(p[3] - p[1], b[3] - b[1]), _EPS)
    if min(p[3], b[3]) - max(p[1], b[1]) < 0.5 * h:  # not on the same line
        return True
    if b[0] < p[0] - 0.05 * h:  # steps backwards
        return True
    return b[0] - p[2] > word_gap * h


# --------------------------------------------------------------------------- 2. lines


def words_to_lines(words: Sequence[Word], *, line_gap: float = LINE_GAP) -> list[Line]:
    """Sweep words into rows by vertical overlap, then cut each row at wide gaps.

    Returns the lines sorted top to bottom, then left to right.

    >>> w = lambda t, x: Word(t, np.array([[x, 0.0, x + 10, 10]] * len(t)))
    >>> [[x.text for x in ln.words] for ln in words_to_lines([w("b", 12), w("a", 0), w("c", 40)])]
    [['a', 'b'], ['c']]
    """
    if not words:
        return []
    boxes = np.array([w.box for w in words])
    centre = (boxes[:, 1] + boxes[:, 3]) / 2
    rows: list[list[int]] = []
    anchors: list[tuple[float, float]] = []
    active: list[int] = []
    for i in np.argsort(centre, kind="stable").tolist():
        y0, y1 = boxes[i, 1], boxes[i, 3]
        active = [r for r in active if anchors[r][1] > y0]  # rows wholly above are done
        best, best_overlap = -1, 0.5
        for r in active:
            a0, a1 = anchors[r]
            overlap = (min(a1, y1) - max(a0, y0)) / max(min(y1 - y0, a1 - a0), _EPS)
            if overlap >= best_overlap:
                best, best_overlap = r, overlap
        if best >= 0:
            rows[best].append(i)
        else:
            rows.append([i])
            anchors.append((y0, y1))
            active.append(len(rows) - 1)
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda i: boxes[i, 0])
        h = float(np.median(boxes[row, 3] - boxes[row, 1]))
        start, right = 0, boxes[row[0], 2]
        for k in range(1, len(row)):
            i = row[k]
            if boxes[i, 0] - right > line_gap * h:
                lines.append(Line([words[j] for j in row[start:k]]))
                start = k
            right = max(right, boxes[i, 2]) if k > start else boxes[i, 2]
        lines.append(Line([words[j] for j in row[start:]]))
    lines.sort(key=lambda ln: (ln.box[1], ln.box[0]))
    return lines


# --------------------------------------------------------------------------- 3. regions


def _gaps(lo: np.ndarray, hi: np.ndarray, min_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Empty stretches between intervals ``[lo, hi]`` at least ``min_width`` wide: ``(starts, ends)``."""
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], np.maximum.accumulate(hi[order])
    starts, ends = hi[:-1], lo[1:]
    keep = ends - starts >= min_width
    return starts[keep], ends[keep]


def xy_cut(
    lines: Sequence[Line], *, band_gap: float = BAND_GAP, gutter_gap: float = GUTTER_GAP
) -> list[list[Line]]:
    """Recursive XY-cut of ``lines`` into regions, in reading order.

    >>> w = lambda x, y: Word("w", np.array([[x, y, x + 50.0, y + 10]]))
    >>> ls = [Line([w(x, y)]) for y in (0, 12) for x in (0, 70)]  # two columns, two lines
    >>> [[(int(l.box[0]), int(l.box[1])) for l in r] for r in xy_cut(ls)]
    [[(0, 0), (0, 12)], [(70, 0), (70, 12)]]
    """
    boxes = np.array([ln.box for ln in lines]).reshape(-1, 4)
    heights = np.array([ln.height for ln in lines])
    minor = np.array([sum(len(w.text) for w in ln.words) <= MINOR_CHARS for ln in lines])
    leaves: list[list[int]] = []

    def best_cut(b: np.ndarray, h: float) -> tuple[float, int, np.ndarray] | None:
        best: tuple[float, int, np.ndarray] | None = None
        for axis, gap in ((1, band_gap), (0, gutter_gap)):  # 1: horizontal bands (y)
            starts, ends = _gaps(b[:, axis], b[:, axis + 2], gap * h)
            if len(starts):
                score = float((ends - starts).max()) / (gap * h)
                if best is None or score > best[0]:
                    best = (score, axis, (starts + ends) / 2)
        return best

    def cut(ix: np.ndarray, depth: int) -> None:
        b = boxes[ix]
        h = max(float(np.median(heights[ix])), _EPS)
        best = best_cut(b, h) if len(ix) > 1 and depth < 200 else None
        if best is None and len(ix) > 2 and 0 < minor[ix].sum() < len(ix):
            # Stray one- or two-character lines (rotated margin text, page furniture) can
            # bridge a gutter; look for a cut without them, then file them by their centre.
            best = best_cut(b[~minor[ix]], h)
        if best is None:
            leaves.append(ix.tolist())
            return
        _, axis, cuts = best
        centre = (b[:, axis] + b[:, axis + 2]) / 2
        piece = np.searchsorted(cuts, centre)
        for p in range(len(cuts) + 1):
            sub = ix[piece == p]
            if len(sub):
                cut(sub, depth + 1)

    if len(lines):
        cut(np.arange(len(lines)), 0)
    return [[lines[i] for i in leaf] for leaf in leaves]


# --------------------------------------------------------------------------- 4. blocks


def stack_lines(lines: Sequence[Line], *, band_gap: float = BAND_GAP) -> list[list[Line]]:
    """Group the lines of one region into blocks: each line joins the nearest block above
    whose last line overlaps it horizontally, at most ``band_gap`` line heights up."""
    blocks: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.box[1], ln.box[0])):
        best, best_key = -1, None
        for k, blk in enumerate(blocks):
            last = blk[-1]
            h = min(ln.height, last.height)
            g = ln.box[1] - last.box[3]
            if g < -0.5 * h or g > band_gap * h:
                continue
            overlap = min(ln.box[2], last.box[2]) - max(ln.box[0], last.box[0])
            if overlap <= 0:
                continue
            key = (g, -overlap)
            if best_key is None or key < best_key:
                best, best_key = k, key
        if best >= 0:
            blocks[best].append(ln)
        else:
            blocks.append([ln])
    return blocks


def split_paragraphs(lines: Sequence[Line], *, indent: float = INDENT) -> list[list[Line]]:
    """Cut a block before each paragraph's indented first line.

    Line ``k`` starts a paragraph when it is indented (its left edge at least ``indent``
    line heights right of line ``k - 1``'s), line ``k - 1`` ends short (two line heights
    before the block's right edge), and line ``k + 1``, if any, is back at line ``k - 1``'s
    left edge. A hanging indent (a long line, then indented continuations) is not cut.

    >>> w = lambda x0, x1, y: Word("w", np.array([[x0, y, x1, y + 10.0]]))
    >>> spans = [(0, 200), (0, 90), (20, 200), (0, 150)]  # the third line is indented
    >>> ls = [Line([w(x0, x1, 12.0 * k)]) for k, (x0, x1) in enumerate(spans)]
    >>> [len(p) for p in split_paragraphs(ls)]
    [2, 2]
    """
    if len(lines) < 2:
        return [list(lines)]
    right = max(ln.box[2] for ln in lines)
    out: list[list[Line]] = [[lines[0]]]
    for k in range(1, len(lines)):
        prev, ln = lines[k - 1], lines[k]
        h = min(prev.height, ln.height)
        starts = (
            ln.box[0] - prev.box[0] >= indent * h
            and prev.box[2] < right - 2 * h
            and (k + 1 == len(lines) or abs(lines[k + 1].box[0] - prev.box[0]) < 0.5 * h)
        )
        if starts:
            out.append([])
        out[-1].append(ln)
    return out


def page_blocks(chars: Sequence[Any]) -> list[Block]:
    """Characters of a page -> blocks in reading order (see the module docstring)."""
    lines = words_to_lines(chars_to_words(chars))
    return [
        Block(par)
        for region in xy_cut(lines)
        for blk in stack_lines(region)
        for par in split_paragraphs(blk)
    ]


# --------------------------------------------------------------------------- grid


def cell_edges(size: tuple[float, float], grid: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(xs, ys)``: the ``cols + 1`` and ``rows + 1`` cell edges (float64) of a page of
    ``size = (W, H)`` cut into ``grid = (rows, cols)`` cells: ``xs[c] = c * W / cols``.

    >>> xs, ys = cell_edges((100.0, 50.0), (2, 4))
    >>> xs.tolist(), ys.tolist()
    ([0.0, 25.0, 50.0, 75.0, 100.0], [0.0, 25.0, 50.0])
    """
    (w, h), (rows, cols) = size, grid
    xs = torch.arange(cols + 1, dtype=torch.float64) * float(w) / cols
    ys = torch.arange(rows + 1, dtype=torch.float64) * float(h) / rows
    return xs, ys


def _axis_overlap(lo: torch.Tensor, hi: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """``(m, k)``: length of ``[lo_i, hi_i]`` inside each of the ``k`` intervals of ``edges``."""
    inner = torch.minimum(hi[:, None], edges[None, 1:]) - torch.maximum(lo[:, None], edges[None, :-1])
    return inner.clamp_min(0)


def overlap_areas(
    boxes: torch.Tensor | np.ndarray, size: tuple[float, float], grid: tuple[int, int]
) -> torch.Tensor:
    """``(m, rows * cols)`` float64: area of each box ``(x0, y0, x1, y1)`` inside each cell,
    cells row-major. Separable: ``(m, rows)`` and ``(m, cols)`` overlaps, then their
    outer product, so no Python loop over boxes or cells.

    >>> overlap_areas(np.array([[10.0, 0.0, 30.0, 10.0]]), (40.0, 20.0), (2, 2)).tolist()
    [[100.0, 100.0, 0.0, 0.0]]
    """
    b = torch.as_tensor(boxes, dtype=torch.float64).reshape(-1, 4)
    xs, ys = cell_edges(size, grid)
    ox = _axis_overlap(b[:, 0], b[:, 2], xs)  # (m, cols)
    oy = _axis_overlap(b[:, 1], b[:, 3], ys)  # (m, rows)
    return (oy[:, :, None] * ox[:, None, :]).reshape(b.shape[0], -1)


def box_cells(
    boxes: np.ndarray, size: tuple[float, float], grid: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Every (box, cell) pair with a positive overlap: ``(box_index, cell_index)`` arrays,
    sorted by box then cell. Exact against :func:`cell_edges` (same comparisons), and
    memory-light: only the pairs are built, never a boxes x cells matrix.

    >>> box_cells(np.array([[10.0, 0.0, 30.0, 10.0], [0.0, 15.0, 5.0, 20.0]]), (40.0, 20.0), (2, 2))
    (array([0, 0, 1]), array([0, 1, 2]))
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    rows, cols = grid
    xs, ys = (e.numpy() for e in cell_edges(size, grid))

    def span(lo: np.ndarray, hi: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Cells k with hi > edges[k] and lo < edges[k + 1]: a contiguous range [first, last].
        first = np.searchsorted(edges[1:], lo, side="right")
        last = np.searchsorted(edges[:-1], hi, side="left") - 1
        return first, np.minimum(last, len(edges) - 2)

    c0, c1 = span(b[:, 0], b[:, 2], xs)
    r0, r1 = span(b[:, 1], b[:, 3], ys)
    nc, nr = np.maximum(c1 - c0 + 1, 0), np.maximum(r1 - r0 + 1, 0)
    counts = np.where((b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1]), nc * nr, 0)  # no area, no cell
    item = np.repeat(np.arange(len(b)), counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    width = np.maximum(nc[item], 1)
    r = r0[item] + k // width
    c = c0[item] + k % width
    return item, r * cols + c
