"""Index memory of a multi-vector document at common storage precisions.

Bytes of the vectors alone (no index overhead): ``m`` vectors of ``d`` dimensions at
32, 16, 8 bits or 1 bit (binary quantisation, sign only) per dimension, each vector
rounded up to whole bytes.
"""

from __future__ import annotations

import math

from pooling_core.errors import InputError

BITS_PER_DIM: dict[str, int] = {"float32": 32, "float16": 16, "int8": 8, "binary": 1}


def memory_bytes(n_vectors: int, dim: int, precision: str = "float32") -> int:
    """Bytes for ``n_vectors`` x ``dim`` at ``precision``.

    >>> memory_bytes(1030, 128), memory_bytes(1030, 128, "binary")
    (527360, 16480)
    """
    if precision not in BITS_PER_DIM:
        raise InputError(f"Unknown precision {precision!r}; choose one of {', '.join(BITS_PER_DIM)}.")
    return int(n_vectors) * math.ceil(int(dim) * BITS_PER_DIM[precision] / 8)


def memory_table(n_vectors: int, dim: int) -> dict[str, int]:
    """Bytes at every precision of :data:`BITS_PER_DIM`."""
    return {p: memory_bytes(n_vectors, dim, p) for p in BITS_PER_DIM}


def human_bytes(n: int) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError
