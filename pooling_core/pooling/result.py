"""`PoolingResult`: what a pooling method returns, with everything needed to draw it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


@dataclass(eq=False)
class PoolingResult:
    """Pooled vectors and the map from input vectors to them.

    Attributes:
        vectors: ``(m, d)`` pooled vectors, same device and dtype as the input.
        assignment: ``(n,)`` long, on the input's device: for every input vector the
            index of the pooled vector it went into; ``-1`` where it was dropped.
        method: the method name given to :func:`pooling_core.pool`.
        params: the parameters actually used (defaults filled in).
        cluster_sizes: ``(m,)`` long: how many input vectors each pooled vector stands for
            (1 for special tokens kept as they are).
        passthrough: ``(m,)`` bool: ``True`` for pooled vectors that are an input vector
            copied unchanged (special or protected tokens kept out of the pooling).
        secondary_assignment: ``(n,)`` long or ``None``. Only ``row_column`` pools every
            patch twice (into its row and its column vector); ``assignment`` then points to
            the row vector and this to the column vector (``-1`` for non-patches).
        linkage: for ``hierarchical``: the ``(n_c - 1, 4)`` scipy linkage matrix of the
            clustered vectors (for a dendrogram), else ``None``.
        clustered_indices: for ``hierarchical``: ``(n_c,)`` positions in the input of the
            vectors that were clustered (the leaves of ``linkage``), else ``None``.
    """

    vectors: torch.Tensor
    assignment: torch.Tensor
    method: str
    params: dict[str, Any]
    cluster_sizes: torch.Tensor
    passthrough: torch.Tensor
    secondary_assignment: torch.Tensor | None = None
    linkage: np.ndarray | None = None
    clustered_indices: torch.Tensor | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def n_input(self) -> int:
        """Number of input vectors ``n``."""
        return int(self.assignment.shape[0])

    @property
    def n_output(self) -> int:
        """Number of pooled vectors ``m``."""
        return int(self.vectors.shape[0])

    @property
    def n_dropped(self) -> int:
        """Input vectors that were dropped (assignment ``-1``)."""
        return int((self.assignment < 0).sum().item())

    @property
    def compression(self) -> float:
        """``n / m``: how many input vectors one pooled vector replaces on average."""
        return self.n_input / max(self.n_output, 1)

    def members(self, j: int) -> torch.Tensor:
        """``(size,)`` long: positions of the input vectors pooled into vector ``j``."""
        hit = self.assignment == j
        if self.secondary_assignment is not None:
            hit = hit | (self.secondary_assignment == j)
        return torch.nonzero(hit, as_tuple=False).flatten()
