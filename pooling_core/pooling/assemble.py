"""The shared part of every pooling method: labels in, pooled vectors out.

A method only decides *which* input vectors go together (an integer label per vector);
:func:`assemble` does the rest once: the mean (or max) of each group on the input's
device, re-normalisation, special tokens kept or dropped, the assignment and the sizes.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from pooling_core.multivector import MultiVector
from pooling_core.pooling.result import PoolingResult


def canonical_labels(labels: torch.Tensor) -> torch.Tensor:
    """Relabel groups ``0..k-1`` in the order of their first member.

    ``(n,)`` long -> ``(n,)`` long. Makes results independent of a clustering
    algorithm's arbitrary label order, so that equal partitions compare equal.

    >>> canonical_labels(torch.tensor([5, 5, 2, 9, 2])).tolist()
    [0, 0, 1, 2, 1]
    """
    uniq, inverse = torch.unique(labels, return_inverse=True)
    n = labels.shape[0]
    first = torch.full((uniq.shape[0],), n, dtype=torch.long, device=labels.device)
    first.scatter_reduce_(0, inverse, torch.arange(n, device=labels.device), reduce="amin")
    rank = torch.empty_like(first)
    rank[torch.argsort(first)] = torch.arange(uniq.shape[0], device=labels.device)
    return rank[inverse]


def group_reduce(
    x: torch.Tensor, labels: torch.Tensor, k: int, reduce: str = "mean"
) -> torch.Tensor:
    """``(p, d)`` vectors and ``(p,)`` labels in ``[0, k)`` -> ``(k, d)`` float32 mean or max."""
    x = x.to(torch.float32)
    out = torch.zeros((k, x.shape[1]), dtype=torch.float32, device=x.device)
    if reduce == "mean":
        out.index_add_(0, labels, x)
        counts = torch.bincount(labels, minlength=k).clamp_min(1).to(torch.float32)
        return out / counts[:, None]
    if reduce == "max":
        idx = labels[:, None].expand_as(x)
        return out.scatter_reduce(0, idx, x, reduce="amax", include_self=False)
    raise ValueError(f"unknown reduce {reduce!r}")


def assemble(
    mv: MultiVector,
    positions: torch.Tensor,
    labels: torch.Tensor,
    k: int,
    *,
    method: str,
    params: dict[str, Any],
    keep: torch.Tensor | None = None,
    normalize: bool = True,
    reduce: str = "mean",
    secondary_positions: torch.Tensor | None = None,
    secondary_labels: torch.Tensor | None = None,
    **extra: Any,
) -> PoolingResult:
    """Build a :class:`PoolingResult` from a grouping of some of ``mv``'s vectors.

    Args:
        positions: ``(p,)`` long: input positions that are pooled.
        labels: ``(p,)`` long in ``[0, k)``: the group of each of those positions; every
            group must be non-empty.
        k: number of groups; pooled vectors ``0..k-1`` are the groups, in label order.
        keep: ``(s,)`` long: input positions copied unchanged after the groups (kept
            special / protected tokens); every position in neither is dropped (``-1``).
        normalize: L2-normalise each pooled vector (a zero mean stays zero).
        reduce: ``"mean"`` or ``"max"`` over each group's members.
        secondary_positions, secondary_labels: a second grouping of the same vectors
            whose groups come after the first ``k`` (``row_column``); its labels are in
            ``[0, k2)`` and are offset by ``k``.
        **extra: stored on the result (``linkage``, ``clustered_indices``).
    """
    device = mv.device
    x = mv.vectors
    positions = positions.to(device)
    labels = labels.to(device)
    parts = [group_reduce(x[positions], labels, k, reduce)]
    sizes = [torch.bincount(labels, minlength=k)]
    assignment = torch.full((mv.n,), -1, dtype=torch.long, device=device)
    assignment[positions] = labels
    secondary = None
    total = k
    if secondary_positions is not None and secondary_labels is not None:
        secondary_positions = secondary_positions.to(device)
        secondary_labels = secondary_labels.to(device)
        k2 = int(secondary_labels.max().item()) + 1
        parts.append(group_reduce(x[secondary_positions], secondary_labels, k2, reduce))
        sizes.append(torch.bincount(secondary_labels, minlength=k2))
        secondary = torch.full((mv.n,), -1, dtype=torch.long, device=device)
        secondary[secondary_positions] = secondary_labels + total
        total += k2
    pooled = torch.cat(parts, dim=0)
    if normalize:
        pooled = F.normalize(pooled, dim=-1)
    pooled = pooled.to(x.dtype)
    passthrough = torch.zeros(total, dtype=torch.bool, device=device)
    if keep is not None and keep.numel() > 0:
        keep = keep.to(device)
        pooled = torch.cat([pooled, x[keep]], dim=0)
        sizes.append(torch.ones(keep.shape[0], dtype=torch.long, device=device))
        passthrough = torch.cat([passthrough, torch.ones(keep.shape[0], dtype=torch.bool, device=device)])
        assignment[keep] = torch.arange(total, total + keep.shape[0], device=device)
    return PoolingResult(
        vectors=pooled,
        assignment=assignment,
        method=method,
        params=params,
        cluster_sizes=torch.cat(sizes),
        passthrough=passthrough,
        secondary_assignment=secondary,
        **extra,
    )
