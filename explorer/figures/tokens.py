"""Text tokens as inline HTML "chips": coloured by embedding, cluster or similarity.

These builders return HTML strings (for ``st.html`` / ``st.markdown(unsafe_allow_html=True)``).
Every piece of user text (tokens, tooltips) goes through :func:`html.escape`: a token can
be ``<script>``. Chips are concatenated with no whitespace between them (whitespace between
inline spans renders as a space); word boundaries come from a left margin, so a
continuation piece (``##ing``, or a SentencePiece / byte-level piece without its ``▁`` /
``Ġ`` word marker) sits flush against the piece before it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
from plotly.colors import sample_colorscale, unlabel_rgb

from explorer.figures.common import (
    cluster_colors,
    hex_to_rgb01,
    readable_text_color,
    rgb01_to_css,
    sequence_adjacency,
)

_CONTAINER = ('<div class="mvp-tokens" style="line-height:2.3;font-family:ui-monospace,SFMono-Regular,'
              'Menlo,monospace;font-size:0.92em">')
_NEUTRAL = (0.93, 0.93, 0.93)
_WORD_MARKERS = ("▁", "Ġ")  # SentencePiece, byte-level BPE: "this piece starts a word"
SIMILARITY_SCALE = "Blues"


def _pieces(tokens: Sequence[str], special: np.ndarray) -> list[tuple[str, bool]]:
    """``(display text, joins previous)`` per token: WordPiece ``##`` pieces join the
    previous token; with SentencePiece / byte-level markers present, unmarked pieces join."""
    marked = any(str(t).startswith(_WORD_MARKERS) for t in tokens)
    out: list[tuple[str, bool]] = []
    for i, t in enumerate(map(str, tokens)):
        joinable = i > 0 and not special[i] and not special[i - 1]
        if t.startswith("##") and len(t) > 2:
            out.append((t[2:], joinable))
        elif marked and not special[i]:
            starts = t.startswith(_WORD_MARKERS)
            out.append((t[1:] if starts else t, joinable and not starts))
        else:
            out.append((t, False))
    return out


def _visible(text: str) -> str:
    """Escaped token text with whitespace made visible (a chip of spaces would vanish)."""
    if text == "":
        return "∅"
    shown = text.replace("\n", "↵").replace("\t", "⇥")
    if shown.strip() == "":
        shown = shown.replace(" ", "␣")
    return html.escape(shown, quote=True)


def _chip(text: str, rgb: Sequence[float], *, title: str | None, special: bool, joined: bool,
          joins_next: bool = False, struck: bool = False) -> str:
    # A word split into pieces reads as one rounded block: inner corners are square.
    left, right = ("0", "4px") if joined else ("4px", "4px")
    right = "0" if joins_next else right
    style = [f"background:{rgb01_to_css(rgb)}", "color:" + ("#666666" if struck else readable_text_color(rgb)),
             "padding:2px 3px", "white-space:pre", f"margin-left:{0 if joined else 5}px",
             f"border-radius:{left} {right} {right} {left}"]
    classes = ["mvp-tok"]
    if special:
        style += ["border:1px dashed #444", "font-variant:small-caps"]
        classes.append("mvp-special")
    if struck:
        style.append("text-decoration:line-through")
        classes.append("mvp-dropped")
    if joined:
        classes.append("mvp-cont")
    tip = "" if title is None else f' title="{html.escape(str(title), quote=True)}"'
    return f'<span class="{" ".join(classes)}" style="{";".join(style)}"{tip}>{_visible(text)}</span>'


def _special(is_special: Sequence[bool] | np.ndarray | None, n: int) -> np.ndarray:
    s = np.zeros(n, dtype=bool) if is_special is None else np.asarray(is_special, dtype=bool).reshape(-1)
    if s.shape != (n,):
        raise ValueError(f"is_special must have {n} entries, got {s.shape}.")
    return s


def _row(tokens: Sequence[str], colors: Sequence[Sequence[float]], titles: Sequence[str | None],
         special: np.ndarray, struck: Sequence[bool] | None = None) -> str:
    struck = [False] * len(tokens) if struck is None else struck
    pieces = _pieces(tokens, special)
    joins_next = [j for _, j in pieces[1:]] + [False]
    return "".join(_chip(text, colors[i], title=titles[i], special=bool(special[i]), joined=joined,
                         joins_next=joins_next[i], struck=bool(struck[i]))
                   for i, (text, joined) in enumerate(pieces))


def token_chips_html(tokens: Sequence[str], *, colors: np.ndarray | None = None,
                     is_special: Sequence[bool] | np.ndarray | None = None,
                     titles: Sequence[str] | None = None) -> str:
    """Tokens as inline chips. ``colors`` ``(n, 3)`` in [0, 1] (e.g. PCA colours) with black
    or white text by luminance; special tokens get a dashed border and small caps;
    ``titles``: n hover tooltips.

    >>> token_chips_html(["<b>", "##x"]).count("mvp-cont")
    1
    """
    n = len(tokens)
    special = _special(is_special, n)
    if colors is None:
        rgb = [_NEUTRAL] * n
    else:
        rgb = np.asarray(colors, dtype=float)
        if rgb.shape != (n, 3):
            raise ValueError(f"colors must have shape ({n}, 3), got {rgb.shape}.")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have {n} entries, got {len(titles)}.")
    tips = [None] * n if titles is None else list(titles)
    return _CONTAINER + _row(tokens, rgb, tips, special) + "</div>"


def token_clusters_html(tokens: Sequence[str], assignment: Sequence[int] | np.ndarray,
                        sizes: Sequence[int] | np.ndarray, *,
                        is_special: Sequence[bool] | np.ndarray | None = None) -> str:
    """Tokens coloured by the pooled vector they went into (consecutive tokens of different
    clusters never share a colour: same palette logic as ``cluster_heatmap``); tooltip
    ``cluster k (size s)``; dropped tokens (``-1``) struck through."""
    n = len(tokens)
    ids = np.asarray(assignment, dtype=int).reshape(-1)
    if ids.shape != (n,):
        raise ValueError(f"assignment must have {n} entries, got {ids.shape}.")
    sizes = np.asarray(sizes, dtype=int).reshape(-1)
    if ids.max(initial=-1) >= len(sizes):
        raise ValueError(f"assignment refers to cluster {ids.max()} but sizes has only {len(sizes)} entries.")
    palette = cluster_colors(ids.tolist(), sequence_adjacency(ids))
    rgb = [hex_to_rgb01(palette[k]) if k >= 0 else _NEUTRAL for k in ids.tolist()]
    tips = [f"cluster {k} (size {sizes[k]})" if k >= 0 else "dropped" for k in ids.tolist()]
    return _CONTAINER + _row(tokens, rgb, tips, _special(is_special, n), struck=(ids < 0).tolist()) + "</div>"


def similarity_colors(values: np.ndarray, lo: float, hi: float) -> list[tuple[float, float, float]]:
    """Colours of ``values`` on the similarity scale between ``lo`` and ``hi`` (NaN: neutral)."""
    out = []
    span = hi - lo if hi > lo else 1.0
    for v in values:
        if not np.isfinite(v):
            out.append(_NEUTRAL)
            continue
        css = sample_colorscale(SIMILARITY_SCALE, [float(np.clip((v - lo) / span, 0.0, 1.0))])[0]
        out.append(tuple(c / 255 for c in unlabel_rgb(css)))
    return out


def token_similarity_html(tokens: Sequence[str], before: np.ndarray, after: np.ndarray | None = None, *,
                          is_special: Sequence[bool] | np.ndarray | None = None) -> str:
    """Tokens with a background as strong as their similarity ``before`` ``(n,)`` (to a
    query token, say). With ``after`` ``(n,)`` (similarities on the pooled document, NaN =
    dropped): two lines, original and pooled, on one shared scale."""
    n = len(tokens)
    lines = [("original", np.asarray(before, dtype=float).reshape(-1))]
    if after is not None:
        lines.append(("pooled", np.asarray(after, dtype=float).reshape(-1)))
    for name, v in lines:
        if v.shape != (n,):
            raise ValueError(f"{name} similarities must have {n} entries, got {v.shape}.")
    finite = np.concatenate([v[np.isfinite(v)] for _, v in lines])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    special = _special(is_special, n)
    parts = []
    for name, v in lines:
        tips = [f"{name}: similarity {x:.3f}" if np.isfinite(x) else f"{name}: dropped" for x in v]
        row = _row(tokens, similarity_colors(v, lo, hi), tips, special, struck=(~np.isfinite(v)).tolist())
        label = ('<span class="mvp-line-label" style="display:inline-block;min-width:5.5em;color:#666;'
                 f'font-family:sans-serif">{name}</span>') if after is not None else ""
        parts.append(f'<div class="mvp-line">{label}{row}</div>')
    return _CONTAINER + "".join(parts) + "</div>"
