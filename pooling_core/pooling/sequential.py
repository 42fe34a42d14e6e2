"""Sequential pooling: windows of ``pool_factor`` consecutive tokens (the text baseline).

Only position decides what merges, not similarity, which is why it is the naive baseline
hierarchical pooling is compared with.
"""

from __future__ import annotations

import math

import torch

from pooling_core.multivector import MultiVector
from pooling_core.pooling.assemble import assemble
from pooling_core.pooling.params import positive_int
from pooling_core.pooling.result import PoolingResult


def sequential_pool(
    mv: MultiVector, *, pool_factor: int = 2, keep_special: bool = True, normalize: bool = True
) -> PoolingResult:
    """Mean of each run of ``pool_factor`` consecutive non-special vectors.

    ``n_patches`` vectors -> ``ceil(n_patches / pool_factor)`` (the last window may be
    shorter), then the special tokens unpooled when ``keep_special``.
    """
    pool_factor = positive_int("pool_factor", pool_factor)
    pos = mv.patch_indices
    labels = torch.arange(pos.shape[0], device=mv.device) // pool_factor
    k = math.ceil(pos.shape[0] / pool_factor)
    params = {"pool_factor": pool_factor, "keep_special": keep_special, "normalize": normalize}
    keep = mv.special_indices if keep_special else mv.special_indices[:0]
    return assemble(mv, pos, labels, k, method="sequential", params=params, keep=keep,
                    normalize=normalize)
