"""Sweeps: how many vectors a method keeps, and how much MaxSim it keeps, as its
parameter grows; and the knee of that curve.

For hierarchical pooling every point reuses the one cached linkage of the document,
so a sweep of eight pool factors costs one clustering and eight cuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from pooling_core.maxsim import maxsim_scores
from pooling_core.multivector import MultiVector
from pooling_core.pooling import pool


@dataclass(frozen=True)
class SweepPoint:
    """One parameter value: vectors kept and mean MaxSim retention over the queries."""

    param: Any
    vectors: int
    retention: float
    scores: tuple[float, ...]


def sweep(
    mv: MultiVector,
    queries: Sequence[torch.Tensor],
    method: str,
    param_name: str,
    values: Sequence[Any],
    *,
    fixed: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[SweepPoint]:
    """Pool ``mv`` with ``method`` at each of ``values`` of ``param_name``.

    Retention is the pooled MaxSim score divided by the original, averaged over
    ``queries`` (each ``(q_len, d)``). ``progress(i, total)`` is called after each point.
    """
    fixed = fixed or {}
    original = maxsim_scores(list(queries), [mv.vectors])[:, 0]
    points = []
    for i, v in enumerate(values):
        res = pool(mv, method, **{**fixed, param_name: v})
        pooled = maxsim_scores(list(queries), [res.vectors])[:, 0]
        ratio = pooled / torch.where(original.abs() > 1e-12, original, torch.ones_like(original))
        points.append(SweepPoint(param=v, vectors=res.n_output, retention=float(ratio.mean()),
                                 scores=tuple(float(s) for s in pooled)))
        if progress:
            progress(i + 1, len(values))
    return points


def knee_index(x: Sequence[float], y: Sequence[float]) -> int | None:
    """Index of the knee of a curve: the point farthest from the chord joining its ends
    (after scaling both axes to [0, 1]); ``None`` for fewer than three points.

    >>> knee_index([1, 2, 3, 4, 5], [0.0, 0.8, 0.9, 0.95, 1.0])
    1
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape[0] < 3:
        return None
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    xr, yr = np.ptp(xs), np.ptp(ys)
    if xr == 0 or yr == 0:
        return None
    xn, yn = (xs - xs[0]) / xr, (ys - ys.min()) / yr
    # distance from each point to the line through the first and last point
    p0, p1 = np.array([xn[0], yn[0]]), np.array([xn[-1], yn[-1]])
    d = p1 - p0
    dist = np.abs(d[0] * (yn - p0[1]) - d[1] * (xn - p0[0])) / np.hypot(*d)
    return int(order[int(np.argmax(dist))])
