"""MaxSim against a naive double loop, padding invariance, and colpali-engine."""

from __future__ import annotations

import pytest
import torch

from pooling_core import InputError, MultiVector, maxsim, maxsim_details, maxsim_scores, pool


def naive(q: torch.Tensor, d: torch.Tensor) -> float:
    total = 0.0
    for i in range(q.shape[0]):
        best = -float("inf")
        for j in range(d.shape[0]):
            best = max(best, float(torch.dot(q[i].double(), d[j].double())))
        total += best
    return total


def ragged(count: int, lo: int, hi: int, d: int, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(lo, hi + 1, (count,), generator=g).tolist()
    return [torch.randn(n, d, generator=g) for n in lengths]


def test_exact_small_case() -> None:
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    d = torch.tensor([[0.5, 0.5], [1.0, 0.0], [-1.0, 2.0]])
    det = maxsim_details(q, d)
    assert det.score == 3.0
    assert det.token_scores.tolist() == [1.0, 2.0]
    assert det.argmax.tolist() == [1, 2]


def test_cosine_option() -> None:
    q = torch.tensor([[2.0, 0.0]])
    d = torch.tensor([[0.0, 5.0], [3.0, 4.0]])
    assert maxsim(q, d) == 6.0
    assert maxsim(q, d, normalize=True) == pytest.approx(0.6)


def test_accepts_multivector_and_pooling_result() -> None:
    x = torch.randn(12, 4)
    q = torch.randn(3, 4)
    mv = MultiVector(x)
    res = pool(mv, "sequential", pool_factor=3)
    assert maxsim(q, mv) == pytest.approx(naive(q, x), abs=1e-5)
    assert maxsim(q, res) == pytest.approx(naive(q, res.vectors), abs=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_scores_equal_naive_loop_with_ragged_lengths(seed: int) -> None:
    qs = ragged(5, 1, 9, 6, seed)
    ds = ragged(11, 1, 30, 6, seed + 100)
    scores = maxsim_scores(qs, ds, max_elements=500)  # tiny budget: many chunks
    assert scores.shape == (5, 11)
    for i, q in enumerate(qs):
        for j, d in enumerate(ds):
            assert scores[i, j].item() == pytest.approx(naive(q, d), abs=1e-4)


def test_padding_never_wins_a_max() -> None:
    """All similarities negative: a zero padding row would win (score 0); ours must not."""
    q = [torch.tensor([[1.0, 0.0]])]
    short = torch.tensor([[-1.0, 0.0]])
    long = torch.tensor([[-2.0, 0.0], [-3.0, 1.0], [-4.0, 0.0]])
    scores = maxsim_scores(q, [short, long])
    assert scores.tolist() == [[-1.0, -2.0]]


def test_padding_does_not_change_scores() -> None:
    qs = ragged(4, 2, 6, 5, 1)
    ds = ragged(6, 3, 12, 5, 2)
    alone = torch.stack([maxsim_scores(qs, [d])[:, 0] for d in ds], dim=1)
    together = maxsim_scores(qs, ds)
    assert torch.allclose(alone, together, atol=1e-5)
    # a much longer document in the same batch changes nothing for the others
    with_long = maxsim_scores(qs, ds + [torch.randn(200, 5)])
    assert torch.allclose(with_long[:, :6], together, atol=1e-5)


def test_errors() -> None:
    with pytest.raises(InputError, match="dimension 3 but the document vectors have 4"):
        maxsim(torch.ones(2, 3), torch.ones(5, 4))
    with pytest.raises(InputError, match="same dimension"):
        maxsim_scores([torch.ones(2, 3)], [torch.ones(5, 4)])
    with pytest.raises(InputError, match="no queries"):
        maxsim_scores([], [torch.ones(5, 4)])
    with pytest.raises(InputError, match="NaN"):
        maxsim(torch.tensor([[float("nan"), 0.0]]), torch.ones(5, 2))


class TestAgainstColpaliEngine:
    @pytest.fixture(scope="class")
    def score_multi_vector(self):
        processing_utils = pytest.importorskip("colpali_engine.utils.processing_utils")
        return processing_utils.BaseVisualRetrieverProcessor.score_multi_vector

    def test_same_scores(self, score_multi_vector) -> None:
        # unit vectors with positive entries: zero padding cannot win there, so the two agree
        g = torch.Generator().manual_seed(0)
        qs = [torch.nn.functional.normalize(torch.rand(n, 16, generator=g), dim=-1) for n in (3, 7, 5)]
        ds = [torch.nn.functional.normalize(torch.rand(n, 16, generator=g), dim=-1) for n in (10, 40, 25, 1)]
        ref = score_multi_vector(qs, ds, device="cpu")
        assert torch.allclose(maxsim_scores(qs, ds), ref, atol=1e-5)

    def test_colpali_lets_padding_win(self, score_multi_vector) -> None:
        """Documents the difference: colpali-engine pads with zeros and does not mask them."""
        q = [torch.tensor([[1.0, 0.0]])]
        ds = [torch.tensor([[-1.0, 0.0]]), torch.tensor([[-2.0, 0.0], [-3.0, 0.0]])]
        assert score_multi_vector(q, ds, device="cpu").tolist() == [[0.0, -2.0]]
        assert maxsim_scores(q, ds).tolist() == [[-1.0, -2.0]]
