"""Tiny randomly initialised colpali-engine models of every family, built offline.

Each builder writes a model folder the way a user would have one (``save_pretrained`` of
the model plus processor / tokenizer / image-processor files) so that the tests load it
through the same ``get_encoder(folder)`` path users take. Tokenizers are small BPEs
trained in-process that contain each model's special tokens. Sizes follow
``shared/ENVIRONMENT.md``: hidden 64, 2 layers, 14-px patches.

Folder layouts deliberately differ, as they do on the Hub: ColPali and Idefics3 save a
full ``processor_config.json``; the Qwen folders only ``preprocessor_config.json`` plus
tokenizer files (and cannot be loaded by ``from_pretrained`` without torchvision, which
exercises the rebuild-from-parts path).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

CORPUS = [
    "Describe the image. what is pooling? User: Assistant: a page of text about documents, "
    "vectors, tables and figures; late interaction scores every query token."
] * 20


def bpe_tokenizer(specials: list[str], **special_kwargs: str) -> Any:
    """A small byte-level BPE tokenizer containing ``specials``, as a fast HF tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(CORPUS, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, **special_kwargs)


def build_colpali(folder: Path) -> Path:
    """ColPali: PaliGemma (gemma text, hidden 64) + SigLIP 56-px image, patch 14 -> 4x4 grid."""
    from colpali_engine.models import ColPali, ColPaliProcessor
    from transformers import PaliGemmaConfig
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    tok = bpe_tokenizer(
        ["<pad>", "<eos>", "<bos>", "<unk>", "<image>"],
        pad_token="<pad>", eos_token="<eos>", bos_token="<bos>", unk_token="<unk>",
    )
    image_processor = SiglipImageProcessorPil(size={"height": 56, "width": 56})
    image_processor.image_seq_length = 16
    proc = ColPaliProcessor(image_processor=image_processor, tokenizer=tok)
    vocab = len(proc.tokenizer)
    config = PaliGemmaConfig(
        text_config=dict(
            model_type="gemma", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=2, num_key_value_heads=1, head_dim=32, vocab_size=vocab,
        ),
        vision_config=dict(
            model_type="siglip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=2, image_size=56, patch_size=14, projection_dim=64,
        ),
        image_token_index=proc.image_token_id, projection_dim=64, vocab_size=vocab,
    )
    torch.manual_seed(0)
    ColPali(config).save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def _qwen_parts(version: str) -> tuple[Any, Any, Any, Any]:
    from colpali_engine.models import ColQwen2, ColQwen2_5
    from transformers import Qwen2_5_VLConfig, Qwen2VLConfig
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                "<|image_pad|>", "<|video_pad|>"]
    tok = bpe_tokenizer(specials, pad_token="<|endoftext|>", eos_token="<|im_end|>")
    ids = {t: tok.convert_tokens_to_ids(t) for t in specials}
    # at most 128 tokens (28x28 px each) per page keeps the tiny model fast; a 336x224 page
    # fits unscaled (8x12 tokens), so its halves fall on token borders
    image_processor = Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=128 * 28 * 28)
    text = dict(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=len(tok),
        rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0},
    )
    if version == "2.5":
        vision = dict(
            depth=2, hidden_size=32, out_hidden_size=64, intermediate_size=64, num_heads=2, patch_size=14,
            spatial_merge_size=2, temporal_patch_size=2, in_channels=3, window_size=56,
            fullatt_block_indexes=[1],
        )
        config_cls, model_cls = Qwen2_5_VLConfig, ColQwen2_5
    else:
        vision = dict(
            depth=2, embed_dim=32, hidden_size=64, num_heads=2, patch_size=14, spatial_merge_size=2,
            temporal_patch_size=2, in_chans=3, mlp_ratio=2,
        )
        config_cls, model_cls = Qwen2VLConfig, ColQwen2
    config = config_cls(
        text_config=text, vision_config=vision, image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    return model_cls, config, tok, image_processor


def build_colqwen(folder: Path, version: str = "2") -> Path:
    """ColQwen2 / ColQwen2.5: hidden 64, 2 layers, mrope [2,3,3], vision depth 2, patch 14, merge 2."""
    model_cls, config, tok, image_processor = _qwen_parts(version)
    torch.manual_seed(0)
    model_cls(config).save_pretrained(folder)
    # As on the Hub: tokenizer + preprocessor_config.json, no processor_config.json.
    tok.save_pretrained(folder)
    image_processor.save_pretrained(folder)
    return folder


def build_colqwen_adapter(base: Path, folder: Path) -> Path:
    """A LoRA adapter (non-zero) on the tiny ColQwen2 in ``base``, like the vidore releases."""
    from colpali_engine.models import ColQwen2
    from peft import LoraConfig, get_peft_model

    model = ColQwen2.from_pretrained(str(base), dtype=torch.float32)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False,
                      modules_to_save=["custom_text_proj"])
    torch.manual_seed(1)
    peft_model = get_peft_model(model, lora)
    with torch.no_grad():
        peft_model.base_model.model.custom_text_proj.modules_to_save["default"].weight.mul_(-1.0)
    peft_model.save_pretrained(folder)
    import json

    cfg_path = folder / "adapter_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["base_model_name_or_path"] = str(base)
    cfg_path.write_text(json.dumps(cfg))
    for name in ("tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"):
        (folder / name).write_bytes((base / name).read_bytes())
    return folder


TILE = 112  # px; patch 14 -> 8x8 patches -> 4x4 tokens per tile after the 2x pixel shuffle


def _tiles_parts() -> tuple[Any, Any]:
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    specials = ["<pad>", "<|im_start|>", "<|begin_of_text|>", "<end_of_utterance>",
                "<fake_token_around_image>", "<image>", "<global-img>"]
    specials += [f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)]
    tok = bpe_tokenizer(specials, pad_token="<pad>", bos_token="<|im_start|>", eos_token="<end_of_utterance>")
    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": 3 * TILE}, max_image_size={"longest_edge": TILE}
    )
    return tok, image_processor


def build_colidefics3(folder: Path) -> Path:
    """ColIdefics3: llama text hidden 64, vision tiles of 112 px, patch 14, scale factor 2."""
    from colpali_engine.models import ColIdefics3, ColIdefics3Processor
    from transformers import Idefics3Config

    tok, image_processor = _tiles_parts()
    proc = ColIdefics3Processor(image_processor=image_processor, tokenizer=tok, image_seq_len=16)
    config = Idefics3Config(
        text_config=dict(
            model_type="llama", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=2, num_key_value_heads=1, vocab_size=len(tok), pad_token_id=0,
        ),
        vision_config=dict(
            model_type="idefics3_vision", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=2, image_size=TILE, patch_size=14,
        ),
        image_token_id=tok.convert_tokens_to_ids("<image>"), scale_factor=2,
    )
    torch.manual_seed(0)
    ColIdefics3(config).save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def build_colmodernvbert(folder: Path) -> Path:
    """ColModernVBert: ModernBERT text hidden 64 + SigLIP tiles of 112 px, pixel shuffle 2."""
    from colpali_engine.models import ColModernVBert, ColModernVBertProcessor
    from transformers import ModernBertConfig, ModernVBertConfig

    tok, image_processor = _tiles_parts()
    proc = ColModernVBertProcessor(image_processor=image_processor, tokenizer=tok, image_seq_len=16)
    config = ModernVBertConfig(
        text_config=ModernBertConfig(
            hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
            vocab_size=len(tok), pad_token_id=0,
        ),
        vision_config=dict(
            model_type="siglip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=2, image_size=TILE, patch_size=14,
        ),
        image_token_id=tok.convert_tokens_to_ids("<image>"), pixel_shuffle_factor=2,
    )
    torch.manual_seed(0)
    ColModernVBert(config).save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "colpali": build_colpali,
    "colqwen2": lambda d: build_colqwen(d, "2"),
    "colqwen2.5": lambda d: build_colqwen(d, "2.5"),
    "colidefics3": build_colidefics3,
    "colmodernvbert": build_colmodernvbert,
}
FAMILY_KEYS = list(BUILDERS)


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``get(family_key)`` -> folder of a tiny model of that family (built once, on demand)."""
    root = tmp_path_factory.mktemp("tiny-models")
    built: dict[str, Path] = {}

    def get(key: str) -> Path:
        if key not in built:
            if key == "colqwen2-lora":
                built[key] = build_colqwen_adapter(get("colqwen2"), root / key)
            else:
                built[key] = BUILDERS[key](root / key)
        return built[key]

    return get


@pytest.fixture(scope="session")
def tiny_encoders(tiny_model_dirs: Callable[[str], Path]) -> Callable[[str], Any]:
    """``get(family_key)`` -> the encoder loaded by ``get_encoder(folder, device="cpu")``, cached."""
    from pooling_core.encoders import get_encoder

    loaded: dict[str, Any] = {}

    def get(key: str) -> Any:
        if key not in loaded:
            loaded[key] = get_encoder(str(tiny_model_dirs(key)), device="cpu")
        return loaded[key]

    return get


@pytest.fixture(scope="session")
def minilm() -> Any:
    """The real all-MiniLM-L6-v2 text encoder on CPU (loaded once)."""
    from pooling_core.encoders import get_encoder

    return get_encoder("minilm", device="cpu")


@dataclass
class StandInDocument:
    """The slice of ``pooling_core.documents.Document`` that encoders use."""

    kind: str
    images: list[Any] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    text: str | None = None
    dpis: list[int] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return max(len(self.images), len(self.texts), 1)

    def page_image(self, i: int, dpi: int = 144) -> Any:
        self.dpis.append(dpi)
        return self.images[i]

    def page_text(self, i: int) -> str:
        return self.texts[i] if self.texts else ""


@pytest.fixture
def make_doc() -> Callable[..., StandInDocument]:
    return StandInDocument


def halves_image(size: tuple[int, int], split: str) -> Any:
    """A page whose left/top half is red and right/bottom half blue (``split``: "lr" or "tb")."""
    from PIL import Image

    w, h = size
    img = Image.new("RGB", (w, h), (0, 0, 255))
    box = (0, 0, w // 2, h) if split == "lr" else (0, 0, w, h // 2)
    img.paste((255, 0, 0), box)
    return img


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
