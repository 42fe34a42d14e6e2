"""The Sweep page's computation as plain functions (no Streamlit): for each method, the
vectors kept and the MaxSim retention at each parameter value, and the knee."""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from pooling_core import MultiVector
from pooling_core.sweep import knee_index, sweep

#: method -> (parameter name, how to build the values from the maximum)
SWEEPABLE = {
    "hierarchical": "pool_factor",
    "sequential": "pool_factor",
    "kmeans": "pool_factor",
    "grid": "window",
}
SINGLE_POINT = ("row", "column", "row_column", "mean")


def sweep_values(method: str, mv: MultiVector, maximum: int) -> list:
    """Parameter values to sweep: pool factors 1..maximum, or square windows 1..maximum
    that fit the grid."""
    if method == "grid":
        rows, cols = mv.grid
        return [(k, k) for k in range(1, min(maximum, rows, cols) + 1)]
    return list(range(1, maximum + 1))


def sweep_series(
    mv: MultiVector,
    queries: Sequence[torch.Tensor],
    methods: Sequence[str],
    maximum: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[dict]:
    """One series per method for :func:`explorer.figures.sweep_curves`."""
    series = []
    for method in methods:
        if method in SWEEPABLE:
            name, values = SWEEPABLE[method], sweep_values(method, mv, maximum)
        else:
            name, values = "keep_special", [True]
        pts = sweep(mv, queries, method, name, values,
                    progress=(lambda i, n, m=method: progress(m, i, n)) if progress else None)
        vec = [p.vectors for p in pts]
        ret = [p.retention for p in pts]
        label = [f"{v[0]}x{v[1]}" if isinstance(v, tuple) else v for v in values]
        series.append({"method": method, "param": label if method in SWEEPABLE else ["-"],
                       "vectors": vec, "retention": ret, "knee": knee_index(vec, ret)})
    return series
