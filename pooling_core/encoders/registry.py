"""Names -> encoders: the registry behind :func:`get_encoder` and :func:`available_encoders`.

``get_encoder(name)`` accepts, in this order:

1. a registered name (``"minilm"``, the known ``vidore/...`` ids listed below);
2. a local model folder (a colpali-engine model, a LoRA adapter of one, or a BERT-style
   text model), recognised from its ``config.json`` / ``adapter_config.json``;
3. any other Hugging Face id of a colpali-engine model, looked up in the local cache
   (downloaded only when allowed, see :mod:`pooling_core.encoders.sources`).

Anything else is an :class:`InputError` listing what would work. Registering a new
encoder is one line::

    register_encoder("layout-minilm", "pooling_core.encoders.layout:LayoutMiniLMEncoder",
                     label="Layout-MiniLM", input_kinds=("pdf",), yields_patches=True)

A factory is a callable (or a lazy ``"module:function"`` string, so that listing encoders
imports no model code) called as ``factory(device=..., **options)``.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import torch

from pooling_core.encoders.base import Encoder, check_options
from pooling_core.encoders.families import detect_family, import_object, is_text_model
from pooling_core.encoders.sources import cached_folder, is_hub_id, looks_like_path, resolve_model
from pooling_core.errors import InputError

Factory = Union[Callable[..., Encoder], str]


@dataclass(frozen=True)
class EncoderInfo:
    """What the app shows about an encoder before loading it.

    Attributes:
        name: what to pass to :func:`get_encoder`.
        label: short human label.
        description: one or two sentences.
        input_kinds: document kinds it reads (``"pdf"``, ``"image"``, ``"text"``).
        yields_patches: whether documents come out with a patch grid.
        offline: whether it can load right now without network.
    """

    name: str
    label: str
    description: str
    input_kinds: tuple[str, ...]
    yields_patches: bool
    offline: bool


@dataclass(frozen=True)
class _Entry:
    name: str
    factory: Factory
    label: str
    description: str
    input_kinds: tuple[str, ...]
    yields_patches: bool
    offline: bool | Callable[[], bool]

    def info(self) -> EncoderInfo:
        offline = self.offline() if callable(self.offline) else bool(self.offline)
        return EncoderInfo(
            self.name, self.label, self.description, self.input_kinds, self.yields_patches, offline
        )


_REGISTRY: dict[str, _Entry] = {}


def register_encoder(
    name: str,
    factory: Factory,
    *,
    label: str,
    description: str = "",
    input_kinds: tuple[str, ...] = ("pdf", "image"),
    yields_patches: bool = True,
    offline: bool | Callable[[], bool] = True,
    replace: bool = False,
) -> None:
    """Make ``name`` loadable by :func:`get_encoder` and listed by :func:`available_encoders`.

    ``offline`` may be a function, evaluated at listing time (for example "is it cached?").
    """
    key = name.strip().lower()
    if key in _REGISTRY and not replace:
        raise ValueError(f"An encoder named '{name}' is already registered.")
    _REGISTRY[key] = _Entry(name, factory, label, description, tuple(input_kinds), yields_patches, offline)


def available_encoders() -> list[EncoderInfo]:
    """Registered encoders, in registration order (no model is loaded)."""
    return [e.info() for e in _REGISTRY.values()]


def _call(factory: Factory, name: str, device: Any, options: dict[str, Any]) -> Encoder:
    fn = import_object(factory) if isinstance(factory, str) else factory
    params = inspect.signature(fn).parameters
    if "allow_download" not in params and "allow_download" in options:
        options = {k: v for k, v in options.items() if k != "allow_download"}  # offline encoders
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(options) - set(params))
        if unknown:
            raise InputError(f"The encoder '{name}' does not take the option(s) {', '.join(unknown)}.")
    return fn(device=device, **options)


def load_model(
    name: str,
    device: str | torch.device | None = "auto",
    *,
    allow_download: bool | None = None,
    **options: Any,
) -> Encoder:
    """Load a model folder or hub id through the single colpali-engine / text-model path."""
    from pooling_core.encoders.page_models import PageEncoder
    from pooling_core.encoders.text_tokens import TextTokenEncoder

    source = resolve_model(name, allow_download)
    if is_text_model(source.config) and not source.is_adapter:
        options = check_options(TextTokenEncoder, name, options)
        return TextTokenEncoder(source.folder, name=name, device=device, **options)
    family = detect_family(source.config, name)
    return PageEncoder(source, family, device=device, **check_options(PageEncoder, name, options))


def get_encoder(
    name: str | os.PathLike[str], device: str | torch.device | None = "auto", **options: Any
) -> Encoder:
    """Load an encoder by registry name, colpali-engine model id or local folder.

    Args:
        name: ``"minilm"``, ``"vidore/colqwen2-v1.0"``, ``"/path/to/model"`` (or a ``Path``).
        device: ``"auto"`` (CUDA, then MPS, then CPU), or an explicit device.
        **options: encoder options (``allow_download=True`` for hub ids; ``window`` /
            ``stride`` for text encoders; ``dpi``, ``batch_size``, ``max_visual_tokens``
            for page encoders).

    Raises:
        InputError: unknown name, missing folder, model not available offline, unsupported
            model type, unknown option.
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str) or not name.strip():
        raise InputError("Give an encoder name, a model id or a model folder.")
    name = name.strip()
    entry = _REGISTRY.get(name.lower())
    if entry is not None:
        return _call(entry.factory, entry.name, device, options)
    if looks_like_path(name) or is_hub_id(name) or _is_dir(name):
        return load_model(name, device, **options)
    names = ", ".join(e.name for e in _REGISTRY.values())
    raise InputError(
        f"Unknown encoder '{name}'. Choose one of: {names}; or give a colpali-engine model id "
        f"(owner/name) or the path of a local model folder."
    )


def _is_dir(name: str) -> bool:
    return Path(os.path.expanduser(name)).is_dir()


# --- built-in encoders --------------------------------------------------------------

register_encoder(
    "layout-minilm",
    "pooling_core.encoders.layout:LayoutMiniLMEncoder",
    label="Layout-MiniLM (offline approximation: PDF text layer + MiniLM, not ColPali)",
    description="MiniLM token vectors of the page's text laid on a 32x32 patch grid by the "
    "characters' positions (option grid=(rows, cols)); blank cells share one vector. "
    "Ships with the app, no download; PDF pages with a text layer only.",
    input_kinds=("pdf",),
    yields_patches=True,
    offline=True,
)

register_encoder(
    "minilm",
    "pooling_core.encoders.text_tokens:load_minilm",
    label="MiniLM-L6 (offline, text tokens)",
    description="all-MiniLM-L6-v2 token vectors (384-d) of a text or a PDF page's text layer; "
    "ships with the app, no download.",
    input_kinds=("text", "pdf"),
    yields_patches=False,
    offline=True,
)

_HUB_MODELS = (
    ("vidore/colpali-v1.3", "ColPali v1.3", "PaliGemma-3B, 1024 patches (32x32) per page, 128-d."),
    ("vidore/colqwen2-v1.0", "ColQwen2 v1.0", "Qwen2-VL-2B, dynamic resolution, 28x28-px patches, 128-d."),
    ("vidore/colqwen2.5-v0.2", "ColQwen2.5 v0.2", "Qwen2.5-VL-3B, dynamic resolution, 28x28-px patches."),
    ("vidore/colSmol-256M", "ColSmol 256M", "Idefics3 (SmolVLM-256M), 512-px tiles of 8x8 patches, 128-d."),
    ("ModernVBERT/colmodernvbert", "ColModernVBert", "ModernVBERT-250M, 512-px tiles of 8x8 patches, 128-d."),
)


def _hub_entry(repo_id: str) -> tuple[Callable[..., Encoder], Callable[[], bool]]:
    def factory(device: Any = "auto", **options: Any) -> Encoder:
        return load_model(repo_id, device, **options)

    return factory, lambda: cached_folder(repo_id) is not None


for _repo, _label, _desc in _HUB_MODELS:
    _factory, _offline = _hub_entry(_repo)
    register_encoder(
        _repo,
        _factory,
        label=f"{_label} (page patches)",
        description=_desc + " Needs the weights in the Hugging Face cache or a download.",
        input_kinds=("pdf", "image"),
        yields_patches=True,
        offline=_offline,
    )
