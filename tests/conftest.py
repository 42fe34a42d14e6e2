"""Shared test set-up: offline, CPU, deterministic."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def unit_vectors():
    """Factory: ``(n, d)`` random unit vectors from a seeded generator."""

    def make(n: int, d: int = 16, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        g = torch.Generator().manual_seed(seed)
        return torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=-1).to(dtype)

    return make
