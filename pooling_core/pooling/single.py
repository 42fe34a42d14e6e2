"""Single-vector baselines: the mean or the element-wise max of all patch vectors."""

from __future__ import annotations

import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector
from pooling_core.pooling.assemble import assemble
from pooling_core.pooling.result import PoolingResult


def _single(mv: MultiVector, reduce: str, keep_special: bool, normalize: bool) -> PoolingResult:
    pos = mv.patch_indices
    if pos.numel() == 0:
        raise InputError(f"The {reduce} pooling method needs at least one non-special vector.")
    labels = torch.zeros(pos.shape[0], dtype=torch.long, device=mv.device)
    keep = mv.special_indices if keep_special else mv.special_indices[:0]
    params = {"keep_special": keep_special, "normalize": normalize}
    return assemble(mv, pos, labels, 1, method=reduce, params=params, keep=keep,
                    normalize=normalize, reduce=reduce)


def mean_pool(mv: MultiVector, *, keep_special: bool = False, normalize: bool = True) -> PoolingResult:
    """One vector: the mean of the non-special vectors (specials dropped by default,
    so the result is a true single-vector embedding)."""
    return _single(mv, "mean", keep_special, normalize)


def max_pool(mv: MultiVector, *, keep_special: bool = False, normalize: bool = True) -> PoolingResult:
    """One vector: the element-wise max of the non-special vectors (specials dropped by default)."""
    return _single(mv, "max", keep_special, normalize)
