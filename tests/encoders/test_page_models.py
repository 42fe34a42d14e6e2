"""Page encoders of every colpali-engine family, on tiny random models loaded from folders.

The ordering tests do not trust the random weights: they follow each grid cell back to
the pixels the model reads for it (through the geometry permutation and the processor's
``pixel_values`` layout) and check that those pixels are in the right half of a page
that is red on one half and blue on the other.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector

from .conftest import FAMILY_KEYS, TILE, halves_image

PAGE = (336, 224)  # (w, h): halves fall on cell borders for every tiny family


def image_token_pixels(enc: Any, batch: Any, b: int, j: int) -> torch.Tensor:
    """``(3, ...)`` pixel values the model reads for the ``j``-th image token of item ``b``.

    This is the model side of the contract: SigLIP flattens its patch grid row-major; the
    Qwen vision tower merges each 4 consecutive rows of ``pixel_values``; Idefics3 fills
    the image tokens tile after tile (``pixel_values[b, t]``), each tile's ``k x k`` tokens
    row-major after the pixel shuffle (checked in :func:`test_pixel_shuffle_is_row_major`).
    """
    pv = batch["pixel_values"][b]
    layout = enc.family.layout
    if layout == "siglip":
        p = int(enc.model.config.vision_config.patch_size)
        nx = pv.shape[-1] // p
        r, c = divmod(j, nx)
        return pv[:, r * p : (r + 1) * p, c * p : (c + 1) * p].reshape(3, -1)
    if layout == "qwen":
        rows = pv[4 * j : 4 * j + 4]  # (4, C * temporal * p * p)
        return rows.reshape(4, 3, -1).permute(1, 0, 2).reshape(3, -1)
    seq = int(enc.processor.image_seq_len)
    k = int(round(seq**0.5))
    t, local = divmod(j, seq)
    s = TILE // k
    r, c = divmod(local, k)
    return pv[t, :, r * s : (r + 1) * s, c * s : (c + 1) * s].reshape(3, -1)


def cell_is_red(enc: Any, image: Any) -> tuple[MultiVector, list[bool]]:
    """The page's MultiVector, and for each grid cell whether its source pixels are red."""
    batch = enc.processor.process_images([image])
    keep = batch["attention_mask"][0].bool()
    ids = batch["input_ids"][0][keep]
    layout, _ = enc._layout(batch, 0, ids)
    image_positions = (ids == enc.processor.image_token_id).nonzero().flatten().tolist()
    rank = {pos: j for j, pos in enumerate(image_positions)}
    red = []
    for g in range(layout.n_patches):
        px = image_token_pixels(enc, batch, 0, rank[int(layout.order[g])]).float().mean(dim=1)
        red.append(bool(px[0] > px[2]))
    return enc.encode_images([image])[0], red


@pytest.fixture(params=FAMILY_KEYS)
def enc(request: pytest.FixtureRequest, tiny_encoders: Any) -> Any:
    return tiny_encoders(request.param)


def test_family_detected_from_folder(enc: Any) -> None:
    assert enc.family.key in FAMILY_KEYS
    assert enc.yields_patches and enc.dim == 128 and enc.device == torch.device("cpu")
    assert enc.family.label.split()[0] in enc.label and enc.load_seconds > 0


def test_grid_matches_image_vectors(enc: Any) -> None:
    mv = enc.encode_images([halves_image(PAGE, "lr")])[0]
    rows, cols = mv.grid
    assert rows * cols == mv.n_patches
    kinds = mv.metadata["token_kinds"]
    assert len(kinds) == mv.n and kinds.count("patch") == rows * cols
    image_token = enc.processor.tokenizer.convert_ids_to_tokens(enc.processor.image_token_id)
    assert all(t == image_token for t in mv.tokens[: mv.n_patches])
    assert mv.special_mask[: mv.n_patches].sum() == 0 and bool(mv.special_mask[mv.n_patches :].all())
    text_tokens = [t for t, k in zip(mv.tokens, kinds) if k == "text"]
    assert text_tokens and image_token not in text_tokens  # prompt tokens flagged special
    assert torch.allclose(mv.vectors.norm(dim=1), torch.ones(mv.n), atol=1e-4)
    assert mv.vectors.dtype == torch.float32


def test_expected_grids(tiny_encoders: Any) -> None:
    img = halves_image(PAGE, "lr")
    assert tiny_encoders("colpali").encode_images([img])[0].grid == (4, 4)  # 56 px / 14
    for key in ("colqwen2", "colqwen2.5"):
        mv = tiny_encoders(key).encode_images([img])[0]
        w, h = mv.metadata["processed_size"]
        assert mv.grid == (h // 28, w // 28) == (8, 12)
    for key in ("colidefics3", "colmodernvbert"):
        mv = tiny_encoders(key).encode_images([img])[0]
        assert mv.grid == (8, 12)  # 2x3 tiles of 4x4 tokens
        assert mv.metadata["token_kinds"].count("global") == 16 and mv.metadata["global_grid"] == (4, 4)
        assert mv.metadata["processed_size"] == (3 * TILE, 2 * TILE)


@pytest.mark.parametrize("split", ["lr", "tb"])
def test_ordering_follows_the_page(enc: Any, split: str) -> None:
    image = halves_image(PAGE, split)
    mv, red = cell_is_red(enc, image)
    rows, cols = mv.grid
    for g, is_red in enumerate(red):
        r, c = divmod(g, cols)
        expected = (c < cols / 2) if split == "lr" else (r < rows / 2)
        assert is_red == expected, f"cell ({r}, {c}) of {rows}x{cols}"
    # patch boxes agree: the red cells' boxes lie on the red half
    boxes = mv.metadata["patch_boxes"]
    assert len(boxes) == mv.n_patches
    w, h = mv.metadata["image_size"]
    for (x0, y0, x1, y1), is_red in zip(boxes, red):
        centre = (x0 + x1) / 2 / w if split == "lr" else (y0 + y1) / 2 / h
        assert (centre < 0.5) == is_red


def test_pixel_shuffle_is_row_major(tiny_encoders: Any) -> None:
    """Idefics3 / ModernVBert merge 2x2 patch blocks into tokens in row-major order."""
    for key in ("colidefics3", "colmodernvbert"):
        connector = tiny_encoders(key).model.model.connector
        n = (TILE // 14) ** 2  # 8x8 patches of one tile, row-major
        x = torch.arange(n, dtype=torch.float32).view(1, n, 1)
        factor = getattr(connector, "scale_factor", None) or connector.pixel_shuffle_factor
        out = connector.pixel_shuffle(x, factor)[0]  # (16, 4): patch ids per token
        side = TILE // 14
        for t, patches in enumerate(out.long().tolist()):
            tr, tc = divmod(t, side // factor)
            assert {(p // side // factor, p % side // factor) for p in patches} == {(tr, tc)}


@pytest.mark.parametrize("key", ["colqwen2", "colqwen2.5", "colidefics3"])
def test_left_padded_batch_equals_single(tiny_encoders: Any, key: str) -> None:
    enc = tiny_encoders(key)
    images = [halves_image(PAGE, "lr"), halves_image((100, 90), "tb")]
    batched = enc.encode_images(images)
    assert batched[0].n != batched[1].n  # different lengths: one of them was padded
    for mv, image in zip(batched, images):
        single = enc.encode_images([image])[0]
        assert mv.grid == single.grid and mv.tokens == single.tokens
        assert torch.allclose(mv.vectors, single.vectors, atol=1e-5)


def test_small_idefics3_page_is_one_tile(tiny_encoders: Any) -> None:
    from PIL import Image

    enc = tiny_encoders("colidefics3")
    saved = enc.processor.image_processor.size
    enc.processor.image_processor.size = {"longest_edge": TILE}  # no split at this size
    try:
        mv = enc.encode_images([Image.new("RGB", (80, 60), (9, 9, 9))])[0]
    finally:
        enc.processor.image_processor.size = saved
    assert mv.grid == (4, 4) and "global" not in mv.metadata["token_kinds"]


def test_query_shape(enc: Any) -> None:
    q = enc.encode_query("what is pooling?")
    assert q.ndim == 2 and q.shape[1] == enc.dim and q.shape[0] > 10  # + augmentation tokens
    qs = enc.encode_queries(["what is pooling?", "a"])
    assert torch.allclose(qs[0], q, atol=1e-5) and qs[1].shape[0] < q.shape[0]
    with pytest.raises(InputError, match="empty"):
        enc.encode_query(" ")


class TestDocuments:
    def test_pdf_page_rendered_at_dpi(self, tiny_encoders: Any, make_doc: Any) -> None:
        enc = tiny_encoders("colqwen2")
        doc = make_doc(kind="pdf", images=[halves_image(PAGE, "lr"), halves_image(PAGE, "tb")])
        mv = enc.encode_document(doc, page=1)
        assert doc.dpis == [144] and mv.metadata["page"] == 1 and mv.metadata["dpi"] == 144
        enc.encode_document(doc, page=0, dpi=72)
        assert doc.dpis[-1] == 72

    def test_image_document(self, tiny_encoders: Any, make_doc: Any) -> None:
        doc = make_doc(kind="image", images=[halves_image(PAGE, "lr")])
        mv = tiny_encoders("colpali").encode_document(doc)
        assert mv.grid == (4, 4) and mv.metadata["image_size"] == PAGE

    def test_text_document_refused(self, tiny_encoders: Any, make_doc: Any) -> None:
        enc = tiny_encoders("colpali")
        with pytest.raises(InputError, match="text encoder"):
            enc.encode_document(make_doc(kind="text", text="hello"))
        with pytest.raises(InputError, match="text encoder"):
            enc.encode_text("hello")

    def test_page_out_of_range(self, tiny_encoders: Any, make_doc: Any) -> None:
        with pytest.raises(InputError, match="does not exist"):
            doc = make_doc(kind="pdf", images=[halves_image(PAGE, "lr")])
            tiny_encoders("colpali").encode_document(doc, page=1)


def test_max_visual_tokens(tiny_model_dirs: Any) -> None:
    from pooling_core.encoders import get_encoder

    enc = get_encoder(str(tiny_model_dirs("colqwen2")), device="cpu", max_visual_tokens=16)
    mv = enc.encode_images([halves_image(PAGE, "lr")])[0]
    assert mv.n_patches <= 16
    with pytest.raises(InputError, match="ColQwen"):
        get_encoder(str(tiny_model_dirs("colpali")), device="cpu", max_visual_tokens=16)


@pytest.mark.slow
def test_lora_adapter_folder(tiny_model_dirs: Any) -> None:
    """An adapter folder (adapter_config.json -> base model) loads, merged, through get_encoder."""
    from colpali_engine.models import ColQwen2
    from peft import PeftModel

    from pooling_core.encoders import get_encoder

    folder = tiny_model_dirs("colqwen2-lora")
    enc = get_encoder(str(folder), device="cpu")
    assert enc.source.is_adapter and enc.family.key == "colqwen2"
    base = get_encoder(str(tiny_model_dirs("colqwen2")), device="cpu")
    image = halves_image(PAGE, "lr")
    batch = enc.processor.process_images([image])
    base_model = ColQwen2.from_pretrained(str(tiny_model_dirs("colqwen2")))
    ref_model = PeftModel.from_pretrained(base_model, str(folder)).eval()  # unmerged
    with torch.no_grad():
        ref = ref_model(**{k: v for k, v in batch.items()})[0]
    mv = enc.encode_images([image])[0]
    ref = ref[batch["attention_mask"][0].bool()][torch.tensor(mv.metadata["source_positions"])]
    assert torch.allclose(mv.vectors, ref, atol=1e-4)
    assert not torch.allclose(mv.vectors, base.encode_images([image])[0].vectors, atol=1e-2)


@pytest.mark.parametrize("key", ["colpali", "colidefics3"])
def test_processor_rebuilt_from_parts(
    tiny_model_dirs: Any, tiny_encoders: Any, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """When Processor.from_pretrained fails (no torchvision), the rebuilt one is equivalent."""
    import colpali_engine.models as cem

    from pooling_core.encoders import get_encoder

    reference = tiny_encoders(key)
    cls = getattr(cem, reference.family.processor_class)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("simulated: Unrecognized image processor")

    monkeypatch.setattr(cls, "from_pretrained", classmethod(refuse))
    enc = get_encoder(str(tiny_model_dirs(key)), device="cpu")
    image = halves_image(PAGE, "lr")
    mine, ref = enc.encode_images([image])[0], reference.encode_images([image])[0]
    assert mine.grid == ref.grid and mine.tokens == ref.tokens
    assert torch.allclose(mine.vectors, ref.vectors, atol=1e-6)
    assert torch.allclose(enc.encode_query("what is pooling?"), reference.encode_query("what is pooling?"))
