"""Turn a corpus on disk into MultiVectors: text collections, folders of documents, or a
corpus embeddings file; encoding goes through the on-disk cache and reports progress.

Corpus embeddings file (``.npz`` or ``.safetensors``): ``vectors`` (sum of n_i, d)
float, ``lengths`` (N,) int (vectors per document, in order), optional ``ids`` (npz: a
unicode array; safetensors: metadata key ``ids`` holding a JSON list). Written by
:func:`save_corpus_embeddings`, read with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from pooling_core.documents import load_document
from pooling_core.errors import InputError
from pooling_core.evaluation.cache import EmbeddingCache
from pooling_core.evaluation.parsing import Item, parse_items
from pooling_core.multivector import MultiVector

Progress = Callable[[int, int, str], None]
DOC_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".gif", ".txt", ".md"}
EMB_SUFFIXES = {".npz", ".safetensors"}


def encode_items(items: Sequence[Item], encoder, cache: EmbeddingCache | None = None,
                 progress: Progress | None = None, batch_size: int = 32) -> list[MultiVector]:
    """Encode text items as documents (cached by encoder name and text), in batches when
    the encoder has ``encode_texts``."""
    out: list[MultiVector | None] = [None] * len(items)
    keys = [EmbeddingCache.key(encoder.name, it.text.encode("utf-8")) for it in items]
    todo = []
    for i, key in enumerate(keys):
        out[i] = cache.get(key) if cache else None
        if out[i] is None:
            todo.append(i)
    done = len(items) - len(todo)
    if progress and done:
        progress(done, len(items), "cached")
    batch = batch_size if hasattr(encoder, "encode_texts") else 1
    for start in range(0, len(todo), batch):
        idx = todo[start:start + batch]
        texts = [items[i].text for i in idx]
        mvs = encoder.encode_texts(texts) if batch > 1 else [encoder.encode_text(texts[0])]
        for i, mv in zip(idx, mvs):
            out[i] = mv
            if cache:
                cache.put(keys[i], mv)
        done += len(idx)
        if progress:
            progress(done, len(items), items[idx[-1]].id)
    return out  # type: ignore[return-value]


def file_documents(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes, str, int]]:
    """``(id, bytes, file name, page)`` for every page of every file (a PDF gives one
    document per page, ids ``name#p3``; an image or a text file is one document)."""
    out = []
    for name, data in files:
        doc = load_document(data, name)
        for page in range(doc.page_count):
            ident = f"{name}#p{page + 1}" if doc.kind == "pdf" else name
            out.append((ident, data, name, page))
    return out


def folder_documents(folder: Path) -> list[tuple[str, bytes, str, int]]:
    """:func:`file_documents` of the PDF, image and text files in ``folder``, sorted by name."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DOC_SUFFIXES)
    if not files:
        raise InputError(f"The folder {folder} holds no PDF, image or text files.")
    return file_documents([(p.name, p.read_bytes()) for p in files])


def encode_documents(entries: Sequence[tuple[str, bytes, str, int]], encoder, cache: EmbeddingCache | None = None,
                     progress: Progress | None = None) -> tuple[list[str], list[MultiVector]]:
    """Encode the pages listed by :func:`file_documents` (cached by encoder, bytes and page)."""
    ids, mvs, docs = [], [], {}
    for i, (ident, data, name, page) in enumerate(entries):
        key = EmbeddingCache.key(encoder.name, data, page)
        mv = cache.get(key) if cache else None
        if mv is None:
            if name not in docs:
                docs[name] = load_document(data, name)
            mv = encoder.encode_document(docs[name], page=page)
            if cache:
                cache.put(key, mv)
        ids.append(ident)
        mvs.append(mv)
        if progress:
            progress(i + 1, len(entries), ident)
    return ids, mvs


def encode_folder(folder: Path, encoder, cache: EmbeddingCache | None = None,
                  progress: Progress | None = None) -> tuple[list[str], list[MultiVector]]:
    """Every page of every document in ``folder``, encoded."""
    return encode_documents(folder_documents(folder), encoder, cache, progress)


def save_corpus_embeddings(ids: Sequence[str], docs: Sequence[MultiVector], fmt: str = "npz") -> bytes:
    """A corpus embeddings file (see the module docstring) as bytes."""
    vectors = torch.cat([d.vectors.detach().float().cpu() for d in docs]).numpy()
    lengths = np.array([d.n for d in docs], dtype=np.int64)
    if fmt == "npz":
        buf = io.BytesIO()
        np.savez(buf, vectors=vectors, lengths=lengths, ids=np.array([str(i) for i in ids]))
        return buf.getvalue()
    if fmt == "safetensors":
        from safetensors.numpy import save

        return save({"vectors": vectors, "lengths": lengths}, metadata={"ids": json.dumps(list(map(str, ids)))})
    raise InputError(f"Unknown corpus format {fmt!r}; use npz or safetensors.")


def load_corpus_embeddings(data: bytes, name: str) -> tuple[list[str], list[MultiVector]]:
    """Read a corpus embeddings file; every problem is an :class:`InputError`."""
    suffix = Path(name).suffix.lower()
    ids: list[str] | None = None
    try:
        if suffix == ".npz":
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                if "vectors" not in z or "lengths" not in z:
                    raise InputError(f"{name} needs arrays 'vectors' and 'lengths'; it has {sorted(z.files)}.")
                vectors, lengths = z["vectors"], z["lengths"]
                if "ids" in z:
                    ids = [str(v) for v in z["ids"].tolist()]
        elif suffix == ".safetensors":
            from safetensors.numpy import load

            arrays = load(data)
            if "vectors" not in arrays or "lengths" not in arrays:
                raise InputError(f"{name} needs tensors 'vectors' and 'lengths'; it has {sorted(arrays)}.")
            vectors, lengths = arrays["vectors"], arrays["lengths"]
            meta = _safetensors_metadata(data)
            if meta.get("ids"):
                ids = [str(v) for v in json.loads(meta["ids"])]
        else:
            raise InputError(f"{name}: corpus embeddings must be .npz or .safetensors.")
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad file
        raise InputError(f"{name} could not be read as a corpus embeddings file ({type(exc).__name__}).") from None
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer) or (lengths < 1).any():
        raise InputError(f"{name}: 'lengths' must be a list of positive whole numbers.")
    if vectors.ndim != 2 or int(lengths.sum()) != vectors.shape[0]:
        raise InputError(f"{name}: the lengths add up to {int(lengths.sum())} but there are "
                         f"{vectors.shape[0] if vectors.ndim == 2 else 'no 2-D'} vectors.")
    if ids is None:
        ids = [f"d{i + 1}" for i in range(lengths.shape[0])]
    if len(ids) != lengths.shape[0]:
        raise InputError(f"{name}: {len(ids)} ids for {lengths.shape[0]} documents.")
    splits = np.cumsum(lengths)[:-1]
    docs = [MultiVector(torch.from_numpy(np.ascontiguousarray(v))) for v in np.split(vectors, splits)]
    return ids, docs


def _safetensors_metadata(data: bytes) -> dict:
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    return header.get("__metadata__", {}) or {}
