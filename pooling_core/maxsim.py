"""MaxSim (late interaction): for each query token, its best match among the document's
vectors; the score is the sum of those maxima (Khattab & Zaharia, ColBERT, 2020).

All functions are batched torch on the device of their inputs. Similarity is the dot
product by default (ColPali-family and ColBERT vectors are unit length, so it is the
cosine); ``normalize=True`` L2-normalises both sides first (true cosine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector, as_vectors
from pooling_core.pooling.result import PoolingResult

Doc = Union[MultiVector, PoolingResult, torch.Tensor, np.ndarray]


def doc_vectors(doc: Doc, what: str = "document") -> torch.Tensor:
    """The ``(n, d)`` vectors of a document given as a MultiVector, a PoolingResult or a tensor."""
    if isinstance(doc, (MultiVector, PoolingResult)):
        return doc.vectors
    return as_vectors(doc, what)


def _pair(query: torch.Tensor | np.ndarray, doc: Doc, normalize: bool) -> tuple[torch.Tensor, torch.Tensor]:
    q = as_vectors(query, "query")
    d = doc_vectors(doc)
    if q.shape[1] != d.shape[1]:
        raise InputError(
            f"The query vectors have dimension {q.shape[1]} but the document vectors have "
            f"{d.shape[1]}; they must come from the same encoder."
        )
    q = q.to(device=d.device, dtype=torch.float32)
    d = d.to(torch.float32)
    if normalize:
        q, d = F.normalize(q, dim=-1), F.normalize(d, dim=-1)
    return q, d


def similarities(query: torch.Tensor | np.ndarray, doc: Doc, *, normalize: bool = False) -> torch.Tensor:
    """``(q_len, n)`` float32: similarity of every query token to every document vector."""
    q, d = _pair(query, doc, normalize)
    return q @ d.T


@dataclass(frozen=True)
class MaxSimDetails:
    """One query against one document.

    Attributes:
        score: the MaxSim score (sum of ``token_scores``).
        token_scores: ``(q_len,)`` float32: each query token's best similarity.
        argmax: ``(q_len,)`` long: the document vector that gave it.
    """

    score: float
    token_scores: torch.Tensor
    argmax: torch.Tensor


def maxsim_details(query: torch.Tensor | np.ndarray, doc: Doc, *, normalize: bool = False) -> MaxSimDetails:
    """Per-query-token maxima and their argmax (the app's "contributions")."""
    best, idx = similarities(query, doc, normalize=normalize).max(dim=1)
    return MaxSimDetails(score=float(best.sum().item()), token_scores=best, argmax=idx)


def maxsim(query: torch.Tensor | np.ndarray, doc: Doc, *, normalize: bool = False) -> float:
    """MaxSim score of ``query`` ``(q_len, d)`` against ``doc`` ``(n, d)``.

    >>> maxsim(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([[0.5, 0.5], [1.0, 0.0]]))
    1.5
    """
    return maxsim_details(query, doc, normalize=normalize).score


def _pad(vectors: Sequence[torch.Tensor], length: int, repeat_first: bool) -> torch.Tensor:
    """Stack ``(len_i, d)`` tensors to ``(B, length, d)``.

    Documents are padded with copies of their own first vector: a duplicate can never
    change a maximum, so no mask is needed and no padding row can win. Queries are padded
    with zero vectors, whose similarity is exactly 0 and adds nothing to the sum.
    """
    out = []
    for v in vectors:
        extra = length - v.shape[0]
        if extra:
            fill = v[:1].expand(extra, -1) if repeat_first else v.new_zeros((extra, v.shape[1]))
            v = torch.cat([v, fill], dim=0)
        out.append(v)
    return torch.stack(out)


def maxsim_scores(
    queries: Sequence[torch.Tensor | np.ndarray] | torch.Tensor,
    docs: Sequence[Doc] | torch.Tensor,
    *,
    normalize: bool = False,
    max_elements: int | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """MaxSim of every query against every document, ragged lengths allowed.

    Args:
        queries: ``Q`` tensors of shape ``(q_len_i, d)`` (or one ``(Q, q_len, d)`` tensor).
        docs: ``N`` documents of shape ``(n_j, d)`` (tensors, MultiVectors or PoolingResults).
        normalize: cosine instead of dot product.
        max_elements: bound on the similarity block held at once (``Q x q_len x B x n``
            float32 elements); documents are processed in chunks of ``B`` sorted by length,
            so padding stays small. Default: 2**20 (4 MiB) on the CPU, where blocks that
            stay in cache are fastest (measured: 2**26 was ~1.7x slower on 2 cores), and
            2**28 (1 GiB) on a GPU.
        device: where to compute; default: the first document's device.

    Returns:
        ``(Q, N)`` float32 scores on ``device``.
    """
    qs = [as_vectors(q, "query") for q in queries]
    ds = [doc_vectors(d) for d in docs]
    if not qs:
        raise InputError("There are no queries to score.")
    if not ds:
        raise InputError("There are no documents to score.")
    dim = ds[0].shape[1]
    for v in (*qs, *ds):
        if v.shape[1] != dim:
            raise InputError(
                f"All vectors must have the same dimension (found {v.shape[1]} and {dim}); "
                "queries and documents must come from the same encoder."
            )
    dev = torch.device(device) if device is not None else ds[0].device
    if max_elements is None:
        max_elements = 1 << 20 if dev.type == "cpu" else 1 << 28
    qs = [q.to(dev, torch.float32) for q in qs]
    if normalize:
        qs = [F.normalize(q, dim=-1) for q in qs]
    qlen = max(q.shape[0] for q in qs)
    qpad = _pad(qs, qlen, repeat_first=False)  # (Q, Lq, d)
    qflat = qpad.reshape(-1, dim)
    n_q = len(qs)
    lengths = torch.tensor([d.shape[0] for d in ds])
    order = torch.argsort(lengths, stable=True).tolist()
    scores = torch.empty((n_q, len(ds)), dtype=torch.float32, device=dev)
    start = 0
    while start < len(order):
        # Grow the chunk while the similarity block stays under max_elements.
        stop = start + 1
        longest = int(lengths[order[start]])
        while stop < len(order):
            nxt = max(longest, int(lengths[order[stop]]))
            if n_q * qlen * (stop - start + 1) * nxt > max_elements:
                break
            longest = nxt
            stop += 1
        idx = order[start:stop]
        chunk = [ds[i].to(dev, torch.float32) for i in idx]
        if normalize:
            chunk = [F.normalize(c, dim=-1) for c in chunk]
        dpad = _pad(chunk, longest, repeat_first=True)  # (B, Ld, d)
        sims = qflat @ dpad.reshape(-1, dim).T  # (Q*Lq, B*Ld)
        best = sims.view(n_q, qlen, len(idx), longest).amax(dim=3)  # (Q, Lq, B)
        scores[:, torch.tensor(idx, device=dev)] = best.sum(dim=1)
        start = stop
    return scores
