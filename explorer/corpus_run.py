"""The Corpus page's computation, without Streamlit: inputs -> embeddings -> evaluation.

A corpus is either a text collection (one document per line, JSONL or TSV) or the pages
of a PDF (a page range); queries are typed (one per line) or uploaded; relevance labels
are optional. Embeddings go through the on-disk cache (:mod:`pooling_core.evaluation.cache`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pooling_core.documents import load_document
from pooling_core.errors import InputError
from pooling_core.evaluation.cache import EmbeddingCache
from pooling_core.evaluation.corpus import encode_documents, encode_items, file_documents
from pooling_core.evaluation.parsing import Item, parse_items
from pooling_core.multivector import MultiVector

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "samples" / "corpus"
DEFAULT_METHODS = ("hierarchical:2", "hierarchical:3", "hierarchical:4", "sequential:2", "sequential:3", "mean")


@dataclass(frozen=True)
class CorpusSpec:
    """What to encode: a text collection (``data`` + ``name``), a PDF page range, or
    several files (``files``: (name, bytes) pairs; every PDF page, image and text file is
    one document)."""

    name: str
    data: bytes = b""
    first_page: int = 1
    last_page: int | None = None
    files: tuple[tuple[str, bytes], ...] = ()

    @property
    def sha(self) -> str:
        h = hashlib.sha256(self.data + f"|{self.first_page}|{self.last_page}".encode())
        for name, data in self.files:
            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest()

    @property
    def is_pdf(self) -> bool:
        return self.name.lower().endswith(".pdf")


def sample_corpus() -> tuple[CorpusSpec, str, bytes]:
    """The shipped sample: passages, their queries (one per line) and BEIR qrels."""
    import json

    passages = (SAMPLE_DIR / "passages.jsonl").read_bytes()
    queries = [json.loads(line)["text"] for line in (SAMPLE_DIR / "queries.jsonl").read_text().splitlines() if line]
    return CorpusSpec("passages.jsonl", passages), "\n".join(queries), (SAMPLE_DIR / "qrels.tsv").read_bytes()


def sample_query_ids() -> list[str]:
    import json

    return [json.loads(line)["id"] for line in (SAMPLE_DIR / "queries.jsonl").read_text().splitlines() if line]


def encode_corpus(spec: CorpusSpec, encoder, cache: EmbeddingCache | None,
                  progress: Callable[[int, int, str], None] | None = None) -> tuple[list[str], list[MultiVector]]:
    """Ids and embeddings of every document of the corpus."""
    if spec.files:
        return encode_documents(file_documents(spec.files), encoder, cache, progress)
    if not spec.is_pdf:
        items = parse_items(spec.data, spec.name, prefix="d")
        return [it.id for it in items], encode_items(items, encoder, cache, progress)
    doc = load_document(spec.data, spec.name)
    last = doc.page_count if spec.last_page is None else spec.last_page
    if not 1 <= spec.first_page <= last <= doc.page_count:
        raise InputError(f"Choose pages between 1 and {doc.page_count} (first ≤ last).")
    entries = [(f"p{page + 1}", spec.data, spec.name, page) for page in range(spec.first_page - 1, last)]
    return encode_documents(entries, encoder, cache, progress)


def query_items(text: str) -> list[Item]:
    """Typed queries, one per line (ids q1, q2, ...) — or JSONL/TSV with ids."""
    return parse_items(text.encode("utf-8"), "the queries", prefix="q")
