"""Pooling methods and the :func:`pool` entry point.

Each method is one function ``f(mv: MultiVector, **params) -> PoolingResult`` in its
own module; :data:`METHODS` maps the public method names to them. To add a method,
write the function (deciding only which vectors go together, then calling
:func:`~pooling_core.pooling.assemble.assemble`) and register it here.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector, as_multivector
from pooling_core.pooling.batch import pool_many
from pooling_core.pooling.grid import column_pool, grid_pool, row_column_pool, row_pool
from pooling_core.pooling.hierarchical import hierarchical_pool
from pooling_core.pooling.kmeans import kmeans_pool
from pooling_core.pooling.linkage import LINKAGE_CACHE
from pooling_core.pooling.result import PoolingResult
from pooling_core.pooling.sequential import sequential_pool
from pooling_core.pooling.single import max_pool, mean_pool

METHODS: dict[str, Callable[..., PoolingResult]] = {
    "row": row_pool,
    "column": column_pool,
    "row_column": row_column_pool,
    "grid": grid_pool,
    "sequential": sequential_pool,
    "hierarchical": hierarchical_pool,
    "kmeans": kmeans_pool,
    "mean": mean_pool,
    "max": max_pool,
}

GRID_METHODS = frozenset({"row", "column", "row_column", "grid"})


def method_params(method: str) -> dict[str, Any]:
    """The parameters of ``method`` with their defaults (for UIs and error messages)."""
    fn = _method(method)
    return {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def _method(method: str) -> Callable[..., PoolingResult]:
    try:
        return METHODS[method]
    except (KeyError, TypeError):
        raise InputError(
            f"Unknown pooling method {method!r}; choose one of {', '.join(METHODS)}."
        ) from None


def pool(x: MultiVector | torch.Tensor | np.ndarray, method: str, **params: Any) -> PoolingResult:
    """Pool one document's vectors with ``method``.

    Args:
        x: a :class:`MultiVector`, or a plain ``(n, d)`` tensor for methods that need no grid.
        method: one of :data:`METHODS` (``row``, ``column``, ``row_column``, ``grid``,
            ``sequential``, ``hierarchical``, ``kmeans``, ``mean``, ``max``).
        **params: the method's parameters (see each function; unknown ones are an error).

    Returns:
        A :class:`PoolingResult`: ``vectors`` ``(m, d)`` on the input's device and dtype,
        ``assignment`` ``(n,)``.

    >>> res = pool(torch.eye(4), "sequential", pool_factor=2, normalize=False)
    >>> res.vectors.tolist(), res.assignment.tolist()
    ([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]], [0, 0, 1, 1])
    """
    fn = _method(method)
    allowed = method_params(method)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InputError(
            f"The '{method}' pooling method has no parameter {', '.join(unknown)}; "
            f"it takes {', '.join(allowed)}."
        )
    return fn(as_multivector(x), **params)


__all__ = ["METHODS", "GRID_METHODS", "LINKAGE_CACHE", "PoolingResult", "method_params", "pool", "pool_many"]
