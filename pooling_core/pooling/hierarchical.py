"""Hierarchical token pooling: Ward clustering of similar vectors, one mean per cluster.

This is the generic method of Clavié et al. (2024), "Reducing the Footprint of
Multi-Vector Retrieval with Minimal Performance Impact via Token Pooling": with
``pool_factor`` 3 a document keeps ~1/3 of its vectors and ~98-99% of its retrieval
quality. Protected tokens (by default the special tokens: ColPali's prompt, ``[CLS]``,
``[SEP]``) are kept out of the clustering, so they neither absorb patches nor vanish
into them. The linkage comes from :data:`~pooling_core.pooling.linkage.LINKAGE_CACHE`,
so a new pool factor on the same document costs one cut.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector
from pooling_core.pooling.assemble import assemble
from pooling_core.pooling.linkage import LINKAGE_CACHE, LinkageCache, cut_linkage, merges_below
from pooling_core.pooling.params import one_of, positive_int
from pooling_core.pooling.result import PoolingResult


def protected_mask(mv: MultiVector, protected: Any) -> torch.Tensor:
    """``(n,)`` bool: the vectors kept out of the clustering.

    ``protected`` is ``None`` / ``"special"`` (the special tokens), ``"none"`` (nothing),
    a bool mask of length ``n`` (added to the special tokens), or a sequence of positions
    (added to the special tokens).
    """
    base = mv.special_mask.clone()
    if protected is None or (isinstance(protected, str) and protected == "special"):
        return base
    if isinstance(protected, str):
        if protected == "none":
            return torch.zeros_like(base)
        raise InputError(f"The protected tokens must be 'special', 'none', a mask or positions, not {protected!r}.")
    p = torch.as_tensor(protected, device=mv.device)
    if p.dtype == torch.bool:
        if p.shape != base.shape:
            raise InputError(f"The protected mask has {p.numel()} entries but there are {mv.n} vectors.")
        return base | p
    p = p.flatten().long()
    if p.numel() and (p.min() < -mv.n or p.max() >= mv.n):
        raise InputError(f"A protected position is outside 0..{mv.n - 1}.")
    base[p] = True
    return base


def target_clusters(n: int, pool_factor: int | None, n_clusters: int | None) -> int:
    """Clusters for ``n`` vectors: ``max(n // pool_factor, 1)``, or ``n_clusters``."""
    if n_clusters is not None:
        n_clusters = positive_int("n_clusters", n_clusters)
        if n_clusters > n:
            raise InputError(f"The number of clusters is {n_clusters} but only {n} vectors can be clustered.")
        return n_clusters
    pool_factor = positive_int("pool_factor", 3 if pool_factor is None else pool_factor)
    return max(n // pool_factor, 1)


def hierarchical_pool(
    mv: MultiVector,
    *,
    pool_factor: int | None = None,
    n_clusters: int | None = None,
    threshold: float | None = None,
    protected: str | Sequence[int] | torch.Tensor | None = "special",
    keep_special: bool = True,
    normalize: bool = True,
    cache: LinkageCache | None = None,
) -> PoolingResult:
    """Ward clustering of the non-protected vectors; each cluster becomes its mean.

    Give one of ``pool_factor`` (clusters = ``max(n_c // pool_factor, 1)`` for ``n_c``
    clustered vectors; the default is 3), ``n_clusters``, or ``threshold`` (cut every
    merge whose Ward height is above it). Protected vectors are appended unpooled;
    special tokens among them are dropped instead when ``keep_special`` is False.
    ``normalize`` re-normalises the cluster means (as colpali-engine does).
    The linkage is computed on the CPU (see :mod:`~pooling_core.pooling.linkage`).
    """
    how = one_of(pool_factor=pool_factor, n_clusters=n_clusters, threshold=threshold)
    mask = protected_mask(mv, protected)
    pos = torch.nonzero(~mask, as_tuple=False).flatten()
    kept = mask if keep_special else mask & ~mv.special_mask
    keep = torch.nonzero(kept, as_tuple=False).flatten()
    n_c = int(pos.shape[0])
    params: dict[str, Any] = {"protected": protected if isinstance(protected, str) or protected is None
                              else "custom", "keep_special": keep_special, "normalize": normalize}
    if n_c == 0:
        params["n_clusters"] = 0
        return assemble(mv, pos, pos, 0, method="hierarchical", params=params, keep=keep,
                        normalize=normalize, linkage=np.zeros((0, 4)), clustered_indices=pos)
    z = (cache if cache is not None else LINKAGE_CACHE).get(mv.vectors[pos])
    if how == "threshold":
        try:
            t = float(threshold)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            t = float("nan")
        if not np.isfinite(t) or t < 0:
            raise InputError(f"The threshold must be a distance of at least 0, not {threshold!r}.")
        k = n_c - merges_below(z, t)
        params["threshold"] = t
    else:
        k = target_clusters(n_c, pool_factor, n_clusters)
        params["pool_factor" if how != "n_clusters" else "n_clusters"] = (
            n_clusters if how == "n_clusters" else (pool_factor or 3))
    labels = torch.from_numpy(cut_linkage(z, n_c, k)).to(mv.device)
    params["clusters"] = k
    return assemble(mv, pos, labels, k, method="hierarchical", params=params, keep=keep,
                    normalize=normalize, linkage=z, clustered_indices=pos)
