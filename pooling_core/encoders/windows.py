"""Overlapping windows for texts longer than a text encoder's input.

MiniLM reads at most 256 tokens (254 plus ``[CLS]``/``[SEP]``). A longer text is never
cut: it is encoded as overlapping windows of ``window`` tokens whose starts are
``stride`` apart (the last one flush with the end), all in one batched forward pass.
Each token keeps the vector from the window where it is *most central* (largest distance
to that window's nearer edge), so every token gets exactly one vector, computed with at
least ``(window - stride) / 2`` tokens of context on each side except at the text's ends.

Trade-off: a smaller stride gives tokens more context at window seams but costs
``window / stride`` times the compute; 192 of 254 costs ~1.3x a single pass.
"""

from __future__ import annotations

import torch

from pooling_core.errors import InputError


def plan_windows(n_tokens: int, window: int, stride: int) -> list[tuple[int, int]]:
    """``[start, stop)`` token ranges covering ``0..n_tokens``.

    >>> plan_windows(5, 8, 6)
    [(0, 5)]
    >>> plan_windows(20, 8, 6)
    [(0, 8), (6, 14), (12, 20)]
    >>> plan_windows(15, 8, 6)
    [(0, 8), (6, 14), (7, 15)]
    """
    if window < 1:
        raise InputError(f"The window must hold at least one token, not {window}.")
    if not 1 <= stride <= window:
        raise InputError(f"The stride must be between 1 and the window ({window}); it is {stride}.")
    if n_tokens <= window:
        return [(0, n_tokens)]
    starts = list(range(0, n_tokens - window, stride))
    starts.append(n_tokens - window)
    return [(s, s + window) for s in dict.fromkeys(starts)]


def assign_tokens(n_tokens: int, windows: list[tuple[int, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """For each token, the window where it is most central, and its position there.

    Centrality of token ``p`` in ``[s, e)`` is ``min(p - s, e - 1 - p)``; ties go to the
    earlier window.

    Returns:
        ``(owner, offset)``: two ``(n_tokens,)`` long tensors; token ``p`` is read from
        window ``owner[p]`` at position ``offset[p]`` (0 = the window's first token).

    >>> owner, offset = assign_tokens(20, plan_windows(20, 8, 6))
    >>> owner.tolist()
    [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    """
    best = torch.full((n_tokens,), -1, dtype=torch.long)
    owner = torch.full((n_tokens,), -1, dtype=torch.long)
    for k, (s, e) in enumerate(windows):
        pos = torch.arange(s, e)
        centrality = torch.minimum(pos - s, e - 1 - pos)
        better = centrality > best[s:e]
        best[s:e] = torch.where(better, centrality, best[s:e])
        owner[s:e] = torch.where(better, torch.full_like(pos, k), owner[s:e])
    if bool((owner < 0).any()):
        raise InputError("The windows do not cover every token.")
    starts = torch.tensor([s for s, _ in windows], dtype=torch.long)
    return owner, torch.arange(n_tokens) - starts[owner]
