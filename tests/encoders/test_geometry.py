"""Geometry rules on their own: no weights, hand-made token sequences."""

from __future__ import annotations

import pytest
import torch

from pooling_core.encoders.geometry import (
    GLOBAL,
    PATCH,
    TEXT,
    grid_boxes,
    idefics3_layout,
    paligemma_grid,
    qwen_grid,
    row_major_layout,
    tile_major_to_grid,
)
from pooling_core.errors import InputError


def split_prompt(rows: int, cols: int, seq_len: int, with_global: bool = True) -> list[str]:
    """Token strings as Idefics3Processor writes a split image (tiles row-major, global last)."""
    toks = ["<|im_start|>", "User", ":"]
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            toks += ["<fake_token_around_image>", f"<row_{r}_col_{c}>"] + ["<image>"] * seq_len
        toks.append("\n")
    if with_global:
        toks += ["\n", "<fake_token_around_image>", "<global-img>"] + ["<image>"] * seq_len
    return toks + ["<fake_token_around_image>", "Describe", "<end_of_utterance>"]


class TestTileMajorToGrid:
    def test_reference_loops(self) -> None:
        rows, cols, k = 2, 3, 4
        expected = []
        for big_r in range(rows * k):
            for big_c in range(cols * k):
                tile = (big_r // k) * cols + big_c // k
                expected.append(tile * k * k + (big_r % k) * k + big_c % k)
        assert tile_major_to_grid(rows, cols, k).tolist() == expected

    def test_is_a_permutation(self) -> None:
        perm = tile_major_to_grid(3, 2, 8)
        assert sorted(perm.tolist()) == list(range(3 * 2 * 64))

    @pytest.mark.parametrize("rows,cols", [(1, 1), (2, 3), (4, 2)])
    def test_matches_colpali_engine_rearrangement(self, rows: int, cols: int) -> None:
        """colpali-engine's interpretability helper reorders the same way."""
        from colpali_engine.utils.processing_utils import Idefics3SplitImageInterpretabilityMixin

        class Helper(Idefics3SplitImageInterpretabilityMixin):
            image_seq_len = 64

        n = rows * cols * 64
        emb = torch.arange(n, dtype=torch.float32).view(n, 1)  # value = tile-major index
        mask = torch.ones(n, dtype=torch.bool)
        spatial = Helper().rearrange_image_embeddings(emb, mask, (cols * 8, rows * 8))
        theirs = spatial.permute(1, 0, 2).reshape(-1).long()  # (n_y, n_x) row-major
        assert torch.equal(theirs, tile_major_to_grid(rows, cols, 8))


class TestIdefics3Layout:
    def test_split_page(self) -> None:
        toks = split_prompt(2, 3, 16)
        lay = idefics3_layout(toks, "<image>", 16)
        assert lay.grid == (8, 12)
        assert lay.global_grid == (4, 4)
        assert len(lay.order) == len(toks) and sorted(lay.order.tolist()) == list(range(len(toks)))
        assert all(toks[p] == "<image>" for p in lay.order[: lay.n_patches].tolist())
        assert lay.kinds.count(PATCH) == 96 and lay.kinds.count(GLOBAL) == 16
        # Cell (R, C) comes from the marker <row_{R//4+1}_col_{C//4+1}>, local (R%4, C%4).
        for big_r in range(8):
            for big_c in range(12):
                pos = int(lay.order[big_r * 12 + big_c])
                marker = toks.index(f"<row_{big_r // 4 + 1}_col_{big_c // 4 + 1}>")
                assert pos == marker + 1 + (big_r % 4) * 4 + big_c % 4

    def test_global_tokens_are_the_last_image_run(self) -> None:
        toks = split_prompt(1, 2, 4)
        lay = idefics3_layout(toks, "<image>", 4)
        glob = [p for p, k in zip(lay.order.tolist(), lay.kinds) if k == GLOBAL]
        start = toks.index("<global-img>") + 1
        assert glob == list(range(start, start + 4))
        assert lay.special_mask.tolist() == [k != PATCH for k in lay.kinds]

    def test_unsplit_page_is_its_own_grid(self) -> None:
        toks = ["<s>", "<fake_token_around_image>", "<global-img>"] + ["<image>"] * 64 + ["x"]
        lay = idefics3_layout(toks, "<image>", 64)
        assert lay.grid == (8, 8) and lay.global_grid is None
        assert lay.order[:64].tolist() == list(range(3, 67))
        assert GLOBAL not in lay.kinds

    def test_incomplete_tiles_rejected(self) -> None:
        toks = split_prompt(2, 2, 4)
        cut = toks.index("<row_2_col_2>")
        del toks[cut - 1 : cut + 5]
        with pytest.raises(InputError, match="complete"):
            idefics3_layout(toks, "<image>", 4)

    def test_wrong_run_length_rejected(self) -> None:
        with pytest.raises(InputError, match="tile has 16"):
            idefics3_layout(split_prompt(1, 2, 8), "<image>", 16)


class TestRowMajor:
    def test_colpali_like(self) -> None:
        ids = [7] * 16 + [2, 2, 5, 6]
        lay = row_major_layout(ids, 7, paligemma_grid((4, 4)))
        assert lay.grid == (4, 4)
        assert lay.order.tolist() == list(range(20))
        assert lay.kinds == (PATCH,) * 16 + (TEXT,) * 4

    def test_qwen_like_prompt_around(self) -> None:
        ids = [1, 2, 3] + [9] * 6 + [4, 5]
        lay = row_major_layout(ids, 9, qwen_grid([1, 4, 6], 2))
        assert lay.grid == (2, 3)
        assert lay.order.tolist() == [3, 4, 5, 6, 7, 8, 0, 1, 2, 9, 10]
        assert lay.special_mask.tolist() == [False] * 6 + [True] * 5

    def test_count_mismatch(self) -> None:
        with pytest.raises(InputError, match="do not match"):
            row_major_layout([9] * 5, 9, (2, 3))

    def test_qwen_grid_checks(self) -> None:
        with pytest.raises(InputError):
            qwen_grid([2, 4, 4], 2)
        with pytest.raises(InputError):
            qwen_grid([1, 5, 4], 2)


def test_grid_boxes_tile_the_image() -> None:
    boxes = grid_boxes((3, 4), (200, 90))
    assert len(boxes) == 12
    assert boxes[0] == (0.0, 0.0, 50.0, 30.0)
    assert boxes[-1] == (150.0, 60.0, 200.0, 90.0)
    area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes)
    assert area == pytest.approx(200 * 90)
