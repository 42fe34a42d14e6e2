"""k-means pooling: Lloyd's algorithm in torch, seeded, never an empty cluster.

Runs on the input's device (GPU when there is one). The vectors are L2-normalised
before clustering, as for hierarchical pooling, so that Euclidean k-means groups
vectors by cosine similarity; the pooled vectors are then the (re-normalised) means of
the original members. Initialisation is k-means++ from a seeded generator, so a seed
gives the same clusters every time on a device.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector
from pooling_core.pooling.assemble import assemble, canonical_labels
from pooling_core.pooling.hierarchical import target_clusters
from pooling_core.pooling.params import one_of, positive_int
from pooling_core.pooling.result import PoolingResult


def _kmeans_pp(x: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """k-means++ seeding: ``(n, d)`` -> ``(k, d)`` initial centres."""
    n = x.shape[0]
    first = int(torch.randint(n, (1,), generator=gen).item())
    centres = [x[first]]
    d2 = ((x - x[first]) ** 2).sum(-1)
    for _ in range(1, k):
        total = float(d2.sum().item())
        if total <= 0:  # all remaining points coincide with a centre
            idx = int(torch.randint(n, (1,), generator=gen).item())
        else:
            probs = (d2 / total).cpu()
            idx = int(torch.multinomial(probs, 1, generator=gen).item())
        centres.append(x[idx])
        d2 = torch.minimum(d2, ((x - x[idx]) ** 2).sum(-1))
    return torch.stack(centres)


def _fill_empty(labels: torch.Tensor, dist: torch.Tensor, k: int) -> torch.Tensor:
    """Give each empty cluster one of the points farthest from their centres, taken only
    from clusters that keep at least one member, so no cluster is empty (possible since
    ``k <= n``). One sort and one pass over the points, however many clusters are empty
    (pages with many identical blank patches leave hundreds empty)."""
    counts = torch.bincount(labels, minlength=k)
    empty = torch.nonzero(counts == 0, as_tuple=False).flatten().tolist()
    if not empty:
        return labels
    own = dist.gather(1, labels[:, None]).squeeze(1)
    order = torch.argsort(own, descending=True, stable=True).tolist()
    new = labels.tolist()
    sizes = counts.tolist()
    targets = iter(empty)
    target = next(targets)
    for i in order:
        if sizes[new[i]] > 1:
            sizes[new[i]] -= 1
            new[i] = target
            sizes[target] = 1
            target = next(targets, None)
            if target is None:
                break
    return torch.tensor(new, dtype=labels.dtype, device=labels.device)


def kmeans_labels(x: torch.Tensor, k: int, *, seed: int = 0, max_iter: int = 100) -> torch.Tensor:
    """Lloyd's k-means on ``(n, d)`` -> ``(n,)`` long labels in ``[0, k)``, none empty."""
    if k >= x.shape[0]:  # every point its own cluster
        return torch.arange(x.shape[0], device=x.device)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    x = x.to(torch.float32)
    centres = _kmeans_pp(x, k, gen)
    x2 = (x * x).sum(-1, keepdim=True)
    labels = None
    inertia = float("inf")
    for _ in range(max_iter):
        # squared distances by one matmul (faster than cdist on the CPU)
        dist = (x2 - 2.0 * x @ centres.T + (centres * centres).sum(-1)[None, :]).clamp_min_(0.0)
        new = _fill_empty(torch.argmin(dist, dim=1), dist, k)
        new_inertia = float(dist.gather(1, new[:, None]).sum())
        # Stop when the labels repeat, or when nothing improves any more (with fewer
        # distinct points than clusters the empty-cluster fix can cycle between ties).
        if labels is not None and (torch.equal(new, labels) or new_inertia >= inertia * (1 - 1e-9)):
            if new_inertia < inertia:
                labels = new
            break
        labels, inertia = new, new_inertia
        sums = torch.zeros_like(centres).index_add_(0, labels, x)
        centres = sums / torch.bincount(labels, minlength=k).clamp_min(1)[:, None].to(x.dtype)
    assert labels is not None
    return labels


def kmeans_pool(
    mv: MultiVector,
    *,
    pool_factor: int | None = None,
    n_clusters: int | None = None,
    seed: int = 0,
    max_iter: int = 100,
    keep_special: bool = True,
    normalize: bool = True,
) -> PoolingResult:
    """k-means over the non-special vectors: ``max(n // pool_factor, 1)`` clusters (default
    pool factor 3) or ``n_clusters``; each cluster becomes its (re-normalised) mean.
    Special tokens are kept unpooled (or dropped when ``keep_special`` is False)."""
    one_of(pool_factor=pool_factor, n_clusters=n_clusters)
    pos = mv.patch_indices
    n = int(pos.shape[0])
    if n == 0:
        raise InputError("K-means pooling needs at least one non-special vector.")
    if n_clusters is not None and positive_int("n_clusters", n_clusters) > n:
        raise InputError(
            f"K-means was asked for {n_clusters} clusters but there are only {n} vectors to cluster."
        )
    k = target_clusters(n, pool_factor, n_clusters)
    max_iter = positive_int("max_iter", max_iter)
    seed = positive_int("seed", seed, minimum=0)
    labels = canonical_labels(kmeans_labels(F.normalize(mv.vectors[pos].float(), dim=-1), k,
                                            seed=int(seed), max_iter=max_iter))
    params: dict[str, Any] = {"clusters": k, "seed": int(seed), "keep_special": keep_special,
                              "normalize": normalize}
    params["n_clusters" if n_clusters is not None else "pool_factor"] = n_clusters or pool_factor or 3
    keep = mv.special_indices if keep_special else mv.special_indices[:0]
    return assemble(mv, pos, labels, k, method="kmeans", params=params, keep=keep, normalize=normalize)
