"""Memory accounting, device choice and MultiVector validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pooling_core import InputError, MultiVector, memory_bytes, memory_table
from pooling_core.device import resolve
from pooling_core.memory import human_bytes


def test_memory_exact() -> None:
    assert memory_table(1030, 128) == {"float32": 527360, "float16": 263680, "int8": 131840, "binary": 16480}
    assert memory_bytes(1, 3, "binary") == 1  # 3 bits round up to a byte
    assert memory_bytes(0, 128) == 0
    assert human_bytes(1536) == "1.5 KiB" and human_bytes(12) == "12 B"
    with pytest.raises(InputError, match="Unknown precision"):
        memory_bytes(1, 1, "int4")


def test_device_resolution() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert resolve("auto").type == expected
    assert resolve(None).type == expected
    assert resolve("CPU") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            resolve("cuda")
    with pytest.raises(InputError, match="not a device name"):
        resolve("gpu please")


class TestMultiVector:
    def test_defaults_and_properties(self) -> None:
        mv = MultiVector(np.ones((6, 3), dtype=np.float32), grid=(2, 2),
                         special_mask=[True, False, False, False, False, True])
        assert (mv.n, mv.dim, mv.n_special, mv.n_patches) == (6, 3, 2, 4)
        assert mv.patch_indices.tolist() == [1, 2, 3, 4]
        assert mv.special_indices.tolist() == [0, 5]
        assert isinstance(mv.vectors, torch.Tensor)

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"vectors": torch.ones(4)}, "2-D array"),
            ({"vectors": torch.ones(0, 3)}, "no vectors"),
            ({"vectors": torch.ones(3, 0)}, "dimension 0"),
            ({"vectors": torch.tensor([[1.0, float("inf")]])}, "NaN or infinite"),
            ({"vectors": torch.ones(4, 2), "grid": (3, 2)}, "6 cells but there are 4"),
            ({"vectors": torch.ones(4, 2), "grid": (0, 4)}, "at least one row"),
            ({"vectors": torch.ones(4, 2), "special_mask": [True]}, "1,\\) entries"),
            ({"vectors": torch.ones(4, 2), "tokens": ["a"]}, "1 token strings for 4"),
            ({"vectors": np.array([[object()]])}, "Python objects"),
            ({"vectors": "hello"}, "not str"),
        ],
    )
    def test_validation(self, kwargs: dict, message: str) -> None:
        with pytest.raises(InputError, match=message):
            MultiVector(**kwargs)

    def test_integer_vectors_become_float(self) -> None:
        assert MultiVector(torch.ones(2, 2, dtype=torch.int64)).dtype == torch.float32
