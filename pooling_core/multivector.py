"""`MultiVector`: one document's late-interaction embedding with its geometry.

A ColPali page is 1024 patch vectors on a 32x32 grid plus a few prompt tokens; a text is
one vector per token with ``[CLS]``/``[SEP]`` at the ends. ``MultiVector`` keeps the
vectors together with what is needed to draw them: which vectors are *special* (not
patches), the patch grid of the others (row-major, in the order they appear), and token
strings. It validates once, so that every pooling method can trust its input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from pooling_core.errors import InputError


@dataclass(eq=False)
class MultiVector:
    """A document as ``n`` vectors of dimension ``d``.

    Attributes:
        vectors: ``(n, d)`` floating tensor, any device and dtype.
        grid: ``(rows, cols)`` of the NON-special vectors, which are laid out row-major
            in the order they appear in ``vectors``; ``None`` for text.
        special_mask: ``(n,)`` bool tensor on the vectors' device, ``True`` for prompt /
            ``[CLS]`` / ``[SEP]`` tokens that are not patches. All ``False`` by default.
        tokens: optional ``n`` token strings (text encoders), for display.
        model: optional name of the encoder that produced the vectors.
        metadata: free-form extras for display (for example ``cell_text``: the text under
            each patch, ``blank_mask``: patches with nothing on them).
    """

    vectors: torch.Tensor
    grid: tuple[int, int] | None = None
    special_mask: torch.Tensor | None = None
    tokens: Sequence[str] | None = None
    model: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vectors = as_vectors(self.vectors)
        n = self.vectors.shape[0]
        if self.special_mask is None:
            self.special_mask = torch.zeros(n, dtype=torch.bool, device=self.vectors.device)
        else:
            mask = torch.as_tensor(self.special_mask)
            if mask.ndim != 1 or mask.shape[0] != n:
                raise InputError(
                    f"The special-token mask has {tuple(mask.shape)} entries but there are {n} vectors."
                )
            if mask.dtype != torch.bool:
                if not torch.all((mask == 0) | (mask == 1)):
                    raise InputError("The special-token mask must hold only true/false values.")
                mask = mask.bool()
            self.special_mask = mask.to(self.vectors.device)
        if self.grid is not None:
            try:
                rows, cols = (int(v) for v in self.grid)
            except (TypeError, ValueError) as exc:
                raise InputError("The grid must be two whole numbers: (rows, columns).") from exc
            if rows < 1 or cols < 1:
                raise InputError(f"The grid {rows}x{cols} must have at least one row and one column.")
            if rows * cols != self.n_patches:
                raise InputError(
                    f"The grid {rows}x{cols} has {rows * cols} cells but there are "
                    f"{self.n_patches} non-special vectors; they must match."
                )
            self.grid = (rows, cols)
        if self.tokens is not None:
            self.tokens = [str(t) for t in self.tokens]
            if len(self.tokens) != n:
                raise InputError(f"There are {len(self.tokens)} token strings for {n} vectors.")

    @property
    def n(self) -> int:
        """Number of vectors."""
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        """Dimension ``d`` of each vector."""
        return int(self.vectors.shape[1])

    @property
    def device(self) -> torch.device:
        return self.vectors.device

    @property
    def dtype(self) -> torch.dtype:
        return self.vectors.dtype

    @property
    def n_special(self) -> int:
        return int(self.special_mask.sum().item())

    @property
    def n_patches(self) -> int:
        """Number of non-special vectors (the patches, or the ordinary tokens)."""
        return self.n - self.n_special

    @property
    def patch_indices(self) -> torch.Tensor:
        """``(n_patches,)`` long: positions of the non-special vectors, in order."""
        return torch.nonzero(~self.special_mask, as_tuple=False).flatten()

    @property
    def special_indices(self) -> torch.Tensor:
        """``(n_special,)`` long: positions of the special vectors, in order."""
        return torch.nonzero(self.special_mask, as_tuple=False).flatten()

    def require_grid(self, method: str) -> tuple[int, int]:
        """The grid, or an :class:`InputError` naming ``method`` when there is none."""
        if self.grid is None:
            raise InputError(
                f"The '{method}' pooling method needs a patch grid (an image page); this document has none."
            )
        return self.grid


def as_vectors(x: Any, what: str = "embedding") -> torch.Tensor:
    """Check and return ``x`` as an ``(n, d)`` floating tensor with finite values.

    Accepts a tensor or a numpy array; integer arrays are converted to float32.
    """
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            raise InputError(f"The {what} array holds Python objects, not numbers.")
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise InputError(f"The {what} must be a tensor or an array, not {type(x).__name__}.")
    if x.ndim != 2:
        raise InputError(
            f"The {what} must be a 2-D array (vectors x dimensions); it has shape {tuple(x.shape)}."
        )
    if x.shape[0] == 0:
        raise InputError(f"The {what} has no vectors.")
    if x.shape[1] == 0:
        raise InputError(f"The {what} vectors have dimension 0.")
    if not torch.is_floating_point(x):
        if x.dtype == torch.bool or x.is_complex():
            raise InputError(f"The {what} must hold real numbers, not {x.dtype}.")
        x = x.to(torch.float32)
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).any(dim=1).sum().item())
        raise InputError(f"The {what} contains NaN or infinite values (in {bad} of {x.shape[0]} vectors).")
    return x


def as_multivector(x: MultiVector | torch.Tensor | np.ndarray) -> MultiVector:
    """Wrap a plain ``(n, d)`` tensor as a :class:`MultiVector` with no grid and no specials."""
    if isinstance(x, MultiVector):
        return x
    return MultiVector(x)
