"""Embeddings cached on disk by content hash, so re-opening a corpus encodes nothing.

One safetensors file per (encoder, document bytes, page): the key is a SHA-256 of all
three. Writes are atomic: the file is written under a temporary name in the same folder
and moved into place with ``os.replace``, so a process killed mid-write leaves at most a
stray temporary file (ignored and cleaned up), never a truncated entry. A file that
fails to load is treated as missing and re-encoded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from pooling_core.multivector import MultiVector


def default_dir() -> Path:
    """``$POOLING_CACHE_DIR``, else ``~/.cache/pooling-explorer/embeddings``."""
    env = os.environ.get("POOLING_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "pooling-explorer" / "embeddings"


class EmbeddingCache:
    """A folder of ``<key>.safetensors`` files."""

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(encoder: str, content: bytes, page: int = 0) -> str:
        h = hashlib.sha256()
        h.update(encoder.encode())
        h.update(b"\0")
        h.update(str(page).encode())
        h.update(b"\0")
        h.update(content)
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.safetensors"

    def get(self, key: str) -> MultiVector | None:
        """The cached MultiVector, or ``None`` (missing or unreadable)."""
        p = self.path(key)
        if not p.exists():
            self.misses += 1
            return None
        try:
            tensors = load_file(str(p))
            with safe_open(str(p), framework="pt") as f:
                meta = f.metadata() or {}
            grid = json.loads(meta["grid"]) if meta.get("grid") not in (None, "null") else None
            mv = MultiVector(tensors["vectors"], grid=tuple(grid) if grid else None,
                             special_mask=tensors["special_mask"].bool(), model=meta.get("model") or None)
        except Exception:  # noqa: BLE001 - a damaged entry is re-encoded, never trusted
            self.misses += 1
            return None
        self.hits += 1
        return mv

    def put(self, key: str, mv: MultiVector) -> None:
        """Store ``mv`` atomically."""
        tensors = {"vectors": mv.vectors.detach().to("cpu", torch.float32).contiguous(),
                   "special_mask": mv.special_mask.detach().cpu().to(torch.uint8).contiguous()}
        meta = {"grid": json.dumps(list(mv.grid) if mv.grid else None), "model": mv.model or ""}
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=self.folder)
        os.close(fd)
        try:
            save_file(tensors, tmp, metadata=meta)
            os.replace(tmp, self.path(key))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def clean_temporary(self) -> int:
        """Remove temporary files left by interrupted writes; returns how many."""
        stray = list(self.folder.glob(".tmp-*"))
        for p in stray:
            p.unlink(missing_ok=True)
        return len(stray)
