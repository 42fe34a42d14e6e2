"""The on-disk embedding cache: round trip, atomic writes, damaged entries."""

from __future__ import annotations

import os

import pytest
import torch

from pooling_core import MultiVector
from pooling_core.evaluation import cache as cache_mod
from pooling_core.evaluation.cache import EmbeddingCache


def mv() -> MultiVector:
    return MultiVector(torch.randn(6, 4), grid=(2, 2), special_mask=torch.tensor([1, 0, 0, 0, 0, 1]).bool(),
                       model="m")


def test_round_trip(tmp_path) -> None:
    c = EmbeddingCache(tmp_path)
    key = EmbeddingCache.key("enc", b"hello", 0)
    assert c.get(key) is None
    x = mv()
    c.put(key, x)
    back = c.get(key)
    assert torch.equal(back.vectors, x.vectors) and back.grid == (2, 2)
    assert back.special_mask.tolist() == x.special_mask.tolist() and back.model == "m"
    assert (c.hits, c.misses) == (1, 1)
    assert EmbeddingCache.key("enc", b"hello", 1) != key != EmbeddingCache.key("other", b"hello", 0)


def test_interrupted_write_leaves_no_entry(tmp_path, monkeypatch) -> None:
    """Simulate a kill in the middle of writing: the entry must not exist afterwards."""
    c = EmbeddingCache(tmp_path)
    key = EmbeddingCache.key("enc", b"doc")

    def half_write(tensors, path, metadata=None):
        with open(path, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"trunc")
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(cache_mod, "save_file", half_write)
    with pytest.raises(KeyboardInterrupt):
        c.put(key, mv())
    assert not c.path(key).exists()
    assert c.get(key) is None


def test_stray_temporary_and_damaged_entries(tmp_path) -> None:
    c = EmbeddingCache(tmp_path)
    (tmp_path / ".tmp-abc.safetensors").write_bytes(b"partial")
    assert c.clean_temporary() == 1
    key = EmbeddingCache.key("enc", b"x")
    c.path(key).write_bytes(b"not a safetensors file")
    assert c.get(key) is None  # damaged: treated as missing, re-encoded by the caller
    c.put(key, mv())
    assert c.get(key) is not None
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]
