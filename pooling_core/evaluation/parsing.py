"""Queries, document collections and relevance labels from files.

Every error is an :class:`~pooling_core.errors.InputError` that names the file and the
line, so a user can fix the file. Formats:

* queries / text documents: JSONL with ``{"id": ..., "text": ...}`` per line (``_id``
  is accepted for BEIR files), or plain text with one item per line (ids ``q1``, ``q2``,
  ... / ``d1``, ``d2``, ...), or TSV ``id<TAB>text``.
* qrels: TREC (``qid 0 docid rel``, whitespace separated) or BEIR TSV
  (``query-id<TAB>corpus-id<TAB>score``, with or without that header line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pooling_core.errors import InputError


@dataclass(frozen=True)
class Item:
    """One query or text document."""

    id: str
    text: str


def _lines(data: bytes, name: str) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded).") from exc
    return text.splitlines()


def parse_items(data: bytes, name: str, prefix: str = "d") -> list[Item]:
    """Items from JSONL, TSV (``id<TAB>text``) or one text per line."""
    lines = _lines(data, name)
    items: list[Item] = []
    seen: set[str] = set()
    jsonl = any(line.lstrip().startswith("{") for line in lines if line.strip())
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if jsonl:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name}, line {no}: not valid JSON ({exc.msg}).") from None
            if not isinstance(obj, dict):
                raise InputError(f"{name}, line {no}: expected an object with \"id\" and \"text\".")
            ident = obj.get("id", obj.get("_id"))
            text = obj.get("text")
            if ident is None or not isinstance(text, str):
                raise InputError(f"{name}, line {no}: needs an \"id\" and a \"text\" string.")
            if obj.get("title"):
                text = f"{obj['title']}\n{text}"
            ident = str(ident)
        elif "\t" in line:
            ident, _, text = line.partition("\t")
            ident = ident.strip()
        else:
            ident, text = f"{prefix}{len(items) + 1}", line
        if not text.strip():
            raise InputError(f"{name}, line {no}: the text is empty.")
        if ident in seen:
            raise InputError(f"{name}, line {no}: the id {ident!r} appears twice.")
        seen.add(ident)
        items.append(Item(ident, text.strip()))
    if not items:
        raise InputError(f"{name} holds no items.")
    return items


def parse_qrels(data: bytes, name: str) -> dict[str, dict[str, float]]:
    """Relevance labels: ``{query id: {doc id: grade}}`` from TREC or BEIR TSV."""
    qrels: dict[str, dict[str, float]] = {}
    for no, line in enumerate(_lines(data, name), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        parts = [p.strip() for p in parts]
        if no == 1 and parts[:2] == ["query-id", "corpus-id"]:
            continue
        if len(parts) == 4:
            qid, _, did, rel = parts
        elif len(parts) == 3:
            qid, did, rel = parts
        else:
            raise InputError(
                f"{name}, line {no}: expected 'qid 0 docid relevance' (TREC) or "
                f"'query-id<TAB>corpus-id<TAB>score' (BEIR), found {len(parts)} field(s)."
            )
        try:
            grade = float(rel)
        except ValueError:
            raise InputError(f"{name}, line {no}: the relevance {rel!r} is not a number.") from None
        qrels.setdefault(qid, {})[did] = grade
    if not qrels:
        raise InputError(f"{name} holds no relevance labels.")
    return qrels
