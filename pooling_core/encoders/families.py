"""The colpali-engine model families this explorer understands, and how to tell them apart.

A model folder says what it is in ``config.json``: ``architectures`` names the
colpali-engine class (``"ColQwen2"``) and ``model_type`` the backbone (``"qwen2_vl"``).
LoRA adapters (most ``vidore/*`` releases) have only ``adapter_config.json``; their base
model's ``config.json`` decides. The architecture name wins over the model type, because
two families can share a backbone.

Each family names its colpali-engine model and processor classes, the PIL image
processor to build when transformers cannot pick one without torchvision, and the
geometry rule (:mod:`pooling_core.encoders.geometry`) of its image tokens. Adding a
family is one more :class:`Family` in :data:`FAMILIES` (plus a geometry rule if it lays
its tokens out in a new way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pooling_core.errors import InputError

_IDEFICS3_PIL = "transformers.models.idefics3.image_processing_pil_idefics3:Idefics3ImageProcessorPil"


@dataclass(frozen=True)
class Family:
    """One colpali-engine model family.

    Attributes:
        key: short id (``"colqwen2"``).
        label: human name (``"ColQwen2 (Qwen2-VL)"``).
        model_class / processor_class: class names in ``colpali_engine.models``.
        image_processor: ``"module:Class"`` of the PIL image processor (no torchvision).
        model_types: backbone ``model_type`` values.
        architectures: ``architectures`` entries that identify it.
        layout: geometry rule: ``"siglip"`` (ColPali), ``"qwen"`` or ``"tiles"`` (Idefics3).
        needs_video_processor: Qwen processors insist on a video processor argument.
    """

    key: str
    label: str
    model_class: str
    processor_class: str
    image_processor: str
    model_types: tuple[str, ...]
    architectures: tuple[str, ...]
    layout: str
    needs_video_processor: bool = False


FAMILIES: tuple[Family, ...] = (
    Family(
        key="colpali",
        label="ColPali (PaliGemma)",
        model_class="ColPali",
        processor_class="ColPaliProcessor",
        image_processor="transformers.models.siglip.image_processing_pil_siglip:SiglipImageProcessorPil",
        model_types=("paligemma",),
        architectures=("ColPali",),
        layout="siglip",
    ),
    Family(
        key="colqwen2",
        label="ColQwen2 (Qwen2-VL)",
        model_class="ColQwen2",
        processor_class="ColQwen2Processor",
        image_processor="transformers.models.qwen2_vl.image_processing_pil_qwen2_vl:Qwen2VLImageProcessorPil",
        model_types=("qwen2_vl",),
        architectures=("ColQwen2",),
        layout="qwen",
        needs_video_processor=True,
    ),
    Family(
        key="colqwen2.5",
        label="ColQwen2.5 (Qwen2.5-VL)",
        model_class="ColQwen2_5",
        processor_class="ColQwen2_5_Processor",
        image_processor="transformers.models.qwen2_vl.image_processing_pil_qwen2_vl:Qwen2VLImageProcessorPil",
        model_types=("qwen2_5_vl",),
        architectures=("ColQwen2_5",),
        layout="qwen",
        needs_video_processor=True,
    ),
    Family(
        key="colidefics3",
        label="ColIdefics3 / ColSmol (Idefics3)",
        model_class="ColIdefics3",
        processor_class="ColIdefics3Processor",
        image_processor=_IDEFICS3_PIL,
        model_types=("idefics3",),
        architectures=("ColIdefics3",),
        layout="tiles",
    ),
    Family(
        key="colmodernvbert",
        label="ColModernVBert (ModernVBERT)",
        model_class="ColModernVBert",
        processor_class="ColModernVBertProcessor",
        image_processor=_IDEFICS3_PIL,
        model_types=("modernvbert",),
        architectures=("ColModernVBert",),
        layout="tiles",
    ),
)

#: Encoder-only text models whose token vectors the text encoder can use.
TEXT_MODEL_TYPES = (
    "bert", "distilbert", "roberta", "xlm-roberta", "mpnet", "electra", "deberta-v2", "modernbert",
)

#: Single-vector siblings: recognised only to explain why they are refused.
_SINGLE_VECTOR = (
    "BiPali", "BiPaliProj", "BiQwen2", "BiQwen2_5", "BiIdefics3", "BiModernVBert", "BiQwen3", "BiGemma3",
)


def detect_family(config: dict[str, Any], where: str) -> Family:
    """The :class:`Family` of a model from its ``config.json`` contents.

    >>> detect_family({"architectures": ["ColQwen2_5"], "model_type": "qwen2_5_vl"}, "x").key
    'colqwen2.5'
    >>> detect_family({"model_type": "paligemma"}, "x").key
    'colpali'
    """
    archs = [str(a) for a in config.get("architectures") or []]
    for fam in FAMILIES:
        if any(a in fam.architectures for a in archs):
            return fam
    if any(a in _SINGLE_VECTOR for a in archs):
        raise InputError(
            f"'{where}' is a single-vector model ({archs[0]}); this explorer needs a multi-vector "
            "(late-interaction) model such as ColPali, ColQwen2 or ColSmol."
        )
    model_type = str(config.get("model_type", ""))
    for fam in FAMILIES:
        if model_type in fam.model_types:
            return fam
    known = ", ".join(f.label for f in FAMILIES)
    shown = f"model type '{model_type}'" if model_type else "no model type"
    raise InputError(
        f"'{where}' has {shown}{' (' + ', '.join(archs) + ')' if archs else ''}, which is not a supported "
        f"encoder. Supported page encoders: {known}; text encoders: BERT-style models."
    )


def is_text_model(config: dict[str, Any]) -> bool:
    """Whether ``config.json`` describes an encoder-only text model (BERT, MiniLM, ...)."""
    return str(config.get("model_type", "")) in TEXT_MODEL_TYPES


def import_object(path: str) -> Any:
    """``"package.module:Name"`` -> the object."""
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
