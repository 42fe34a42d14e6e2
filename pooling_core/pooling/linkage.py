"""Ward linkage of a document's vectors, computed once and cut many times.

Distance. Vectors are L2-normalised first, so the Euclidean distance between two of
them is ``sqrt(2 - 2 cos)``: a monotone function of the cosine distance that MaxSim
scores with, and a distance Ward's criterion is defined for (Ward merges the pair of
clusters whose union least increases the within-cluster sum of squared Euclidean
distances). colpali-engine's ``HierarchicalTokenPooler`` instead hands the n x n
``1 - cos`` matrix to scipy as if its rows were observations, which costs O(n^3) and
clusters rows of distances rather than the vectors.

Speed. The n x n Gram matrix is one matmul in torch (on the input's device); the
condensed distances go to ``fastcluster.linkage(method="ward")``, the same algorithm as
``scipy.cluster.hierarchy.linkage(x, "ward")`` (equal to 1e-12 in the tests) but faster
and it releases the GIL, so documents can be clustered in parallel threads. The
linkage runs on the CPU; results come back to the input's device.

Reuse. :data:`LINKAGE_CACHE` keeps the linkage of recently seen documents, keyed by a
hash of the vectors' bytes: cutting the same document at another pool factor is a
cut (~1 ms), not a new clustering.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np
import torch

try:  # fastcluster is in requirements.txt; scipy is the fallback.
    import fastcluster as _fastcluster
except ImportError:  # pragma: no cover - exercised only without fastcluster
    _fastcluster = None
from scipy.cluster.hierarchy import linkage as _scipy_linkage


def ward_linkage(x: torch.Tensor) -> np.ndarray:
    """Ward linkage of the L2-normalised rows of ``x``.

    Args:
        x: ``(n, d)`` tensor, any device and dtype, ``n >= 1``.

    Returns:
        ``(n - 1, 4)`` float64 scipy linkage matrix (``[a, b, height, size]`` per merge,
        heights non-decreasing). Computed on the CPU.
    """
    n = x.shape[0]
    if n < 2:
        return np.zeros((0, 4), dtype=np.float64)
    xn = torch.nn.functional.normalize(x.detach().to(torch.float64), dim=-1)
    if _fastcluster is None:
        return _scipy_linkage(xn.cpu().numpy(), method="ward")
    # Condensed Euclidean distances sqrt(2 - 2 cos), in place on the Gram matrix's upper
    # triangle (torch is ~2x faster here than numpy fancy indexing).
    gram = xn @ xn.T
    condensed = torch.take(gram, _upper_flat(n, gram.device))
    condensed.mul_(-2.0).add_(2.0).clamp_(min=0.0).sqrt_()
    return _fastcluster.linkage(condensed.cpu().numpy(), method="ward", preserve_input=False)


_TRIU: dict[tuple[int, str], torch.Tensor] = {}


def _upper_flat(n: int, device: torch.device) -> torch.Tensor:
    """Flat indices of the strict upper triangle of an n x n matrix, in scipy's condensed
    order (row by row), memoised per size and device."""
    key = (n, str(device))
    if key not in _TRIU:
        if len(_TRIU) > 16:
            _TRIU.clear()
        r, c = np.triu_indices(n, k=1)
        _TRIU[key] = torch.from_numpy(r * n + c).to(device)
    return _TRIU[key]


def cut_linkage(z: np.ndarray, n: int, n_clusters: int) -> np.ndarray:
    """Flat clusters after the first ``n - n_clusters`` merges of linkage ``z``.

    Unlike ``fcluster(criterion="maxclust")`` this always returns exactly ``n_clusters``
    clusters, even when merge heights tie (identical vectors). Labels are ``0..k-1`` in
    the order of each cluster's first member.

    Args:
        z: ``(n - 1, 4)`` linkage matrix.
        n: number of leaves.
        n_clusters: ``1 <= n_clusters <= n``.

    Returns:
        ``(n,)`` int64 labels.
    """
    merges = n - n_clusters
    parent = np.arange(2 * n - 1)
    if merges > 0:
        a = z[:merges, 0].astype(np.int64)
        b = z[:merges, 1].astype(np.int64)
        new = np.arange(n, n + merges)
        parent[a] = new
        parent[b] = new
    # Pointer jumping: every node points to its root after log2(depth) rounds.
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    roots = parent[:n]
    _, first = np.unique(roots, return_index=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    _, inverse = np.unique(roots, return_inverse=True)
    return rank[inverse].astype(np.int64)


def merges_below(z: np.ndarray, threshold: float) -> int:
    """Number of merges whose Ward height is ``<= threshold`` (heights are monotone)."""
    return int(np.searchsorted(z[:, 2], threshold, side="right"))


class LinkageCache:
    """A bounded, thread-safe LRU of linkages keyed by the bytes of the vectors.

    Shared by every session of the app (the key is the content, so one user's document
    can never be served another's linkage unless their vectors are identical).
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(x: torch.Tensor) -> str:
        """Content hash of ``x`` (dtype, shape and values)."""
        arr = x.detach().cpu().contiguous()
        h = hashlib.blake2b(digest_size=20)
        h.update(f"{arr.dtype}|{tuple(arr.shape)}".encode())
        h.update(arr.view(torch.uint8).numpy().tobytes() if arr.dtype == torch.bfloat16
                 else arr.numpy().tobytes())
        return h.hexdigest()

    def get(self, x: torch.Tensor) -> np.ndarray:
        """The Ward linkage of ``x``, from the cache or computed (and then cached)."""
        k = self.key(x)
        with self._lock:
            z = self._data.get(k)
            if z is not None:
                self._data.move_to_end(k)
                self.hits += 1
                return z
            self.misses += 1
        z = ward_linkage(x)
        z.setflags(write=False)
        with self._lock:
            self._data[k] = z
            self._data.move_to_end(k)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        return z

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


LINKAGE_CACHE = LinkageCache()
