"""Pooling many documents at once.

Hierarchical pooling spends its time in the Ward linkage, which fastcluster computes
without holding the GIL, so documents are pooled in a thread pool: on a 2-core machine
two documents cluster at the same time. (colpali-engine's ``num_workers`` threads do not
help because scipy's ``linkage`` holds the GIL.) Other methods are cheap tensor ops and
run in the same pool.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np
import torch

from pooling_core.multivector import MultiVector


def default_workers() -> int:
    """One thread per available CPU core."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def pool_many(
    docs: Sequence[MultiVector | torch.Tensor | np.ndarray],
    method: str,
    *,
    workers: int | None = None,
    **params: Any,
) -> list:
    """:func:`pooling_core.pool` applied to every document, in ``workers`` threads.

    Returns the :class:`~pooling_core.PoolingResult` of each document, in input order.
    """
    from pooling_core.pooling import pool  # late import: pooling/__init__ imports this module

    workers = default_workers() if workers is None else max(int(workers), 1)
    if workers == 1 or len(docs) < 2:
        return [pool(d, method, **params) for d in docs]
    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(lambda d: pool(d, method, **params), docs))
