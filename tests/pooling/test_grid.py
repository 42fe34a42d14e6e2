"""Row, column, row+column and window pooling on hand-made grids."""

from __future__ import annotations

import pytest
import torch

from pooling_core import InputError, MultiVector, pool


@pytest.fixture
def grid_2x3() -> MultiVector:
    """A 2x3 grid (values chosen so every mean is exact) plus two special tokens at the end."""
    patches = torch.tensor(
        [[1.0, 0.0], [3.0, 0.0], [5.0, 0.0],
         [0.0, 2.0], [0.0, 4.0], [0.0, 6.0]]
    )
    special = torch.tensor([[7.0, 7.0], [-1.0, 1.0]])
    mask = torch.tensor([False] * 6 + [True] * 2)
    return MultiVector(torch.cat([patches, special]), grid=(2, 3), special_mask=mask)


class TestRow:
    def test_exact_means(self, grid_2x3: MultiVector) -> None:
        res = pool(grid_2x3, "row", normalize=False)
        assert torch.equal(res.vectors, torch.tensor([[3.0, 0.0], [0.0, 4.0], [7.0, 7.0], [-1.0, 1.0]]))
        assert res.assignment.tolist() == [0, 0, 0, 1, 1, 1, 2, 3]
        assert res.cluster_sizes.tolist() == [3, 3, 1, 1]
        assert res.passthrough.tolist() == [False, False, True, True]

    def test_normalized(self, grid_2x3: MultiVector) -> None:
        res = pool(grid_2x3, "row")
        assert torch.allclose(res.vectors[:2], torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        # special tokens are copied unchanged, not normalised
        assert torch.equal(res.vectors[2], torch.tensor([7.0, 7.0]))

    def test_drop_special(self, grid_2x3: MultiVector) -> None:
        res = pool(grid_2x3, "row", keep_special=False, normalize=False)
        assert res.n_output == 2
        assert res.assignment.tolist() == [0, 0, 0, 1, 1, 1, -1, -1]
        assert res.n_dropped == 2


def test_column_exact(grid_2x3: MultiVector) -> None:
    res = pool(grid_2x3, "column", normalize=False)
    assert torch.equal(res.vectors[:3], torch.tensor([[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]]))
    assert res.assignment.tolist() == [0, 1, 2, 0, 1, 2, 3, 4]


def test_row_column_exact(grid_2x3: MultiVector) -> None:
    res = pool(grid_2x3, "row_column", normalize=False)
    expected = torch.tensor([[3.0, 0.0], [0.0, 4.0], [0.5, 1.0], [1.5, 2.0], [2.5, 3.0], [7.0, 7.0], [-1.0, 1.0]])
    assert torch.equal(res.vectors, expected)
    assert res.assignment.tolist() == [0, 0, 0, 1, 1, 1, 5, 6]
    assert res.secondary_assignment.tolist() == [2, 3, 4, 2, 3, 4, -1, -1]
    assert res.cluster_sizes.tolist() == [3, 3, 2, 2, 2, 1, 1]
    assert res.members(3).tolist() == [1, 4]


def test_special_tokens_first_are_found_by_mask() -> None:
    """Special tokens need not be at the end: the grid is of the non-special vectors in order."""
    v = torch.tensor([[9.0, 9.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [0.0, 4.0]])
    mv = MultiVector(v, grid=(2, 2), special_mask=torch.tensor([True, False, False, False, False]))
    res = pool(mv, "row", normalize=False)
    assert res.vectors.tolist() == [[2.0, 0.0], [0.0, 3.0], [9.0, 9.0]]
    assert res.assignment.tolist() == [2, 0, 0, 1, 1]


class TestGridWindow:
    def test_even_windows(self) -> None:
        v = torch.arange(16, dtype=torch.float32).reshape(16, 1).repeat(1, 2)
        res = pool(MultiVector(v, grid=(4, 4)), "grid", window=(2, 2), normalize=False)
        # window (0,0) holds patches 0,1,4,5 -> mean 2.5
        assert res.vectors[:, 0].tolist() == [2.5, 4.5, 10.5, 12.5]
        assert res.assignment.tolist() == [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]
        assert res.extras["window_grid"] == (2, 2)

    def test_uneven_edges_are_smaller_windows(self) -> None:
        """3x5 grid, 2x2 windows -> 2x3 windows; the last row/column of windows is partial."""
        v = torch.arange(15, dtype=torch.float32)[:, None]
        res = pool(MultiVector(v, grid=(3, 5)), "grid", window=2, normalize=False)
        assert res.n_output == 6
        assert res.cluster_sizes.tolist() == [4, 4, 2, 2, 2, 1]
        # bottom-right window is patch 14 alone
        assert res.vectors[5].item() == 14.0
        # bottom-left window: patches 10 and 11
        assert res.vectors[3].item() == 10.5

    def test_window_larger_than_grid(self) -> None:
        with pytest.raises(InputError, match="larger than the 3x5 patch grid"):
            pool(MultiVector(torch.ones(15, 2), grid=(3, 5)), "grid", window=(4, 1))

    def test_window_validation(self) -> None:
        mv = MultiVector(torch.ones(4, 2), grid=(2, 2))
        with pytest.raises(InputError):
            pool(mv, "grid", window=(0, 1))
        with pytest.raises(InputError):
            pool(mv, "grid", window="big")


def test_grid_methods_need_a_grid() -> None:
    for method in ("row", "column", "row_column", "grid"):
        with pytest.raises(InputError, match="needs a patch grid"):
            pool(torch.ones(4, 2), method)


def test_colpali_shape_counts() -> None:
    """ColPali: 1024 patches (32x32) + 6 prompt tokens -> 38 rows kept, 32 dropped."""
    v = torch.randn(1030, 8)
    mask = torch.zeros(1030, dtype=torch.bool)
    mask[1024:] = True
    mv = MultiVector(v, grid=(32, 32), special_mask=mask)
    assert pool(mv, "row").n_output == 38
    assert pool(mv, "row", keep_special=False).n_output == 32
    assert pool(mv, "row_column").n_output == 70
    assert pool(mv, "grid", window=(3, 3)).n_output == 11 * 11 + 6
