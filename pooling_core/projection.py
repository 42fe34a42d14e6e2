"""Principal components of a document's vectors, for pictures.

Three components become an RGB colour per vector (similar vectors look alike); two
become a scatter plot. Computed with a plain SVD of the centred vectors (exact for the
few thousand vectors of a page), in float32 on the input's device.
"""

from __future__ import annotations

import torch

from pooling_core.multivector import as_vectors


def pca(x: torch.Tensor, k: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """Project ``(n, d)`` onto its top ``k`` principal components.

    Returns ``(coords, explained)``: ``(n, k)`` float32 coordinates and ``(k,)`` fraction
    of the variance each component explains. Components are sign-normalised (largest
    absolute loading positive) so colours do not flip between runs. When ``n`` or ``d`` is
    smaller than ``k``, the missing components are zero.
    """
    x = as_vectors(x).to(torch.float32)
    xc = x - x.mean(dim=0, keepdim=True)
    u, s, vh = torch.linalg.svd(xc, full_matrices=False)
    r = min(k, s.shape[0])
    comps = vh[:r]
    signs = torch.sign(comps.gather(1, comps.abs().argmax(dim=1, keepdim=True))).squeeze(1)
    signs[signs == 0] = 1
    coords = (xc @ comps.T) * signs
    total = float((s**2).sum())
    explained = (s[:r] ** 2) / total if total > 0 else torch.zeros(r)
    if r < k:
        coords = torch.cat([coords, coords.new_zeros((x.shape[0], k - r))], dim=1)
        explained = torch.cat([explained, explained.new_zeros(k - r)])
    return coords, explained


def pca_rgb(x: torch.Tensor) -> torch.Tensor:
    """``(n, d)`` -> ``(n, 3)`` float32 colours in [0, 1] from the first three principal
    components. All three share one scale (the 99th percentile of their absolute values),
    centred on mid-grey, so a component that explains little variance stays near grey
    instead of having its noise stretched over the whole colour range."""
    coords, _ = pca(x, 3)
    scale = torch.quantile(coords.abs().flatten(), 0.99)
    if float(scale) <= 1e-12:
        return torch.full_like(coords, 0.5)
    return (0.5 + 0.5 * coords / scale).clamp(0.0, 1.0)
