"""Sliding windows: full cover, one owner per token, the most central one."""

from __future__ import annotations

import pytest

from pooling_core.encoders.windows import assign_tokens, plan_windows
from pooling_core.errors import InputError

CASES = [
    (1, 8, 6), (8, 8, 6), (9, 8, 6), (20, 8, 6), (15, 8, 6), (1000, 254, 192), (600, 254, 254), (50, 10, 1),
]


@pytest.mark.parametrize("n,window,stride", CASES)
def test_windows_cover_in_order(n: int, window: int, stride: int) -> None:
    wins = plan_windows(n, window, stride)
    assert wins[0][0] == 0 and wins[-1][1] == n
    assert all(e - s == min(window, n) for s, e in wins)
    for (s0, e0), (s1, e1) in zip(wins, wins[1:]):
        assert s0 < s1 <= s0 + stride and s1 <= e0  # overlapping or touching, never a gap


@pytest.mark.parametrize("n,window,stride", CASES)
def test_each_token_owned_by_its_most_central_window(n: int, window: int, stride: int) -> None:
    wins = plan_windows(n, window, stride)
    owner, offset = assign_tokens(n, wins)
    for p in range(n):
        s, e = wins[int(owner[p])]
        assert s <= p < e and int(offset[p]) == p - s
        best = max(min(p - a, b - 1 - p) for a, b in wins if a <= p < b)
        assert min(p - s, e - 1 - p) == best


def test_context_at_seams() -> None:
    """Away from the text ends, a token has >= (window - stride) / 2 tokens on each side."""
    n, window, stride = 1000, 254, 192
    wins = plan_windows(n, window, stride)
    owner, offset = assign_tokens(n, wins)
    margin = (window - stride) // 2
    for p in range(window, n - window):
        assert margin <= int(offset[p]) < window - margin


@pytest.mark.parametrize("window,stride", [(0, 1), (8, 0), (8, 9)])
def test_bad_settings(window: int, stride: int) -> None:
    with pytest.raises(InputError):
        plan_windows(10, window, stride)
