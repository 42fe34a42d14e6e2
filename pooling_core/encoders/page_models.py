"""Page encoders: every colpali-engine family through one code path.

``PageEncoder(source, family)`` loads the model class and processor that the family names
(:mod:`pooling_core.encoders.families`) from a local folder (a hub id has already been
resolved to one by :mod:`pooling_core.encoders.sources`), in bfloat16 on CUDA and float32
elsewhere. A page becomes ``processor.process_images`` -> one forward pass -> per image:
drop padding with the attention mask (Qwen and Idefics3 batches are *left*-padded), then
reorder with the family's geometry rule (:mod:`pooling_core.encoders.geometry`) so the
patches form one row-major grid of the page, followed by the prompt / marker / global-tile
tokens flagged special. All tokens are kept: they are what the model scores with.

Vectors come out as float32 on the model's device (computed in bfloat16 on CUDA), unit
length (the models normalise them). ``metadata`` carries what is needed to draw them:
``patch_boxes`` (pixel box of each patch on the encoded page image), ``image_size``,
``processed_size`` (the model's canvas), ``token_kinds``, ``source_positions`` (position of
each vector in the model's input sequence) and, for split Idefics3 pages,
``global_grid`` / ``global_boxes``.

Processors: when ``Processor.from_pretrained`` fails (transformers 5.4 without torchvision
cannot auto-select Qwen or Idefics3 image processors) the processor is rebuilt from its
parts: the fast tokenizer, the family's PIL image processor from the saved settings, and
for Qwen an empty video processor (pages never contain video).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import torch

from pooling_core.device import resolve
from pooling_core.encoders.base import (
    DEFAULT_DPI,
    Encoder,
    Timer,
    check_queries,
    document_image,
    log,
    quiet_transformers,
)
from pooling_core.encoders.families import Family, import_object
from pooling_core.encoders.geometry import (
    TokenLayout,
    grid_boxes,
    idefics3_layout,
    paligemma_grid,
    qwen_grid,
    row_major_layout,
)
from pooling_core.encoders.sources import ModelSource
from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector

_NOT_IMAGE_KWARGS = ("image_processor_type", "processor_class", "_processor_class", "auto_map")


def model_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 on CUDA (how the models are trained and shipped), float32 elsewhere."""
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _image_processor_settings(folders: Sequence[Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(image processor settings, other processor settings)`` saved in the first folder that has them."""
    for folder in folders:
        proc = _json(folder / "processor_config.json") or {}
        pre = _json(folder / "preprocessor_config.json")
        image = pre if pre is not None else proc.get("image_processor")
        if image is not None:
            extra = {k: v for k, v in proc.items() if k not in ("image_processor", "processor_class")}
            return dict(image), extra
    raise InputError(
        f"No image-processor settings (preprocessor_config.json or processor_config.json) in '{folders[0]}'."
    )


def build_processor(family: Family, source: ModelSource) -> Any:
    """The colpali-engine processor of ``source``: ``from_pretrained``, else rebuilt from its parts."""
    import colpali_engine.models as cem
    from transformers import AutoTokenizer, BaseVideoProcessor

    cls = getattr(cem, family.processor_class)
    folders = [source.folder] + ([source.base_folder] if source.base_folder else [])
    try:
        proc = cls.from_pretrained(str(source.folder), local_files_only=True)
        if all(getattr(proc, part, None) is not None for part in ("image_processor", "tokenizer")):
            return proc
        first: Exception = ValueError("processor without image processor or tokenizer")
    except Exception as exc:  # noqa: BLE001 - any failure: fall back to building it from parts
        first = exc
    try:
        image_settings, extra = _image_processor_settings(folders)
        image_processor = import_object(family.image_processor)(
            **{k: v for k, v in image_settings.items() if k not in _NOT_IMAGE_KWARGS}
        )
        tokenizer = None
        for folder in folders:
            try:
                tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
                break
            except (OSError, ValueError):
                continue
        if tokenizer is None:
            raise InputError(f"No tokenizer files in '{source.folder}'.")
        kwargs: dict[str, Any] = {}
        if "image_seq_len" in extra:  # Idefics3 family: tokens per tile
            kwargs["image_seq_len"] = int(extra["image_seq_len"])
        if family.needs_video_processor:
            # Pages never hold video; the processor only insists on having one.
            kwargs["video_processor"] = object.__new__(BaseVideoProcessor)
        return cls(image_processor=image_processor, tokenizer=tokenizer, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise InputError(
            f"Could not build the {family.label} processor for '{source.name}': {exc} "
            f"(from_pretrained said: {first})"
        ) from exc


def build_model(family: Family, source: ModelSource, device: torch.device) -> torch.nn.Module:
    """The colpali-engine model of ``source`` in eval mode on ``device`` (LoRA merged)."""
    import colpali_engine.models as cem

    cls = getattr(cem, family.model_class)
    dtype = model_dtype(device)
    try:
        if source.base_folder is not None:
            from peft import PeftModel

            base = cls.from_pretrained(str(source.base_folder), dtype=dtype, local_files_only=True)
            model = PeftModel.from_pretrained(base, str(source.folder)).merge_and_unload()
        else:
            model = cls.from_pretrained(str(source.folder), dtype=dtype, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(
            f"Could not load the {family.label} weights of '{source.name}' (is the folder or the cached "
            f"copy complete?): {exc}"
        ) from exc
    _tie_missing_heads(model, source.name)
    return model.to(device).eval()


def _tie_missing_heads(model: torch.nn.Module, name: str) -> None:
    """Tie a language-model head that was not in the checkpoint to the input embeddings.

    ColPali ignores a missing ``lm_head`` on load (the retrieval forward pass does not need
    the logits, and tied checkpoints do not store it), leaving it on the ``meta`` device,
    where it cannot be moved. Tying it is what ``tie_word_embeddings`` means anyway.
    """
    missing = [n for n, p in model.named_parameters() if p.is_meta]
    for full in [n for n in missing if n.endswith("lm_head.weight")]:
        owner = model.get_submodule(full.rsplit(".", 1)[0])
        owner.weight = model.get_input_embeddings().weight
    still = [n for n, p in model.named_parameters() if p.is_meta]
    if still:
        raise InputError(f"The checkpoint of '{name}' lacks weights for: {', '.join(still[:5])}.")


class PageEncoder(Encoder):
    """A colpali-engine model (ColPali, ColQwen2/2.5, ColIdefics3/ColSmol, ColModernVBert).

    Args:
        source: the resolved model files.
        family: its family.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        dpi: resolution at which PDF pages are rendered (default 144).
        batch_size: pages per forward pass in :meth:`encode_images`.
        max_visual_tokens: Qwen only: cap on image tokens per page (sets the processor's
            ``max_pixels`` to ``max_visual_tokens * 28 * 28``).
    """

    yields_patches = True
    input_kinds = ("pdf", "image")

    def __init__(
        self,
        source: ModelSource,
        family: Family,
        *,
        device: str | torch.device | None = "auto",
        dpi: int = DEFAULT_DPI,
        batch_size: int = 4,
        max_visual_tokens: int | None = None,
    ) -> None:
        self.source = source
        self.family = family
        self.name = source.name
        shown = source.name if not Path(source.name).expanduser().is_dir() else Path(source.name).name
        self.label = f"{family.label}: {shown} (page patches)"
        self.device = resolve(device)
        self._dtype = model_dtype(self.device)
        self.dpi = int(dpi)
        self.batch_size = max(1, int(batch_size))
        with Timer() as timer, quiet_transformers():
            self.processor = build_processor(family, source)
            self.model = build_model(family, source, self.device)
        self.load_seconds = timer.seconds
        log.info("loaded %s (%s) in %.2f s on %s", source.name, family.key, timer.seconds, self.device)
        if max_visual_tokens is not None:
            self._cap_visual_tokens(int(max_visual_tokens))
        self.dim = int(getattr(self.model, "dim", 0) or self._probe_dim())

    # --- helpers --------------------------------------------------------------------

    def _probe_dim(self) -> int:
        return int(self.encode_queries(["dimension"])[0].shape[1])

    def _cap_visual_tokens(self, n: int) -> None:
        if self.family.layout != "qwen":
            raise InputError(f"max_visual_tokens only applies to ColQwen models, not {self.family.label}.")
        ip = self.processor.image_processor
        side = int(ip.patch_size) * int(ip.merge_size)
        ip.size["longest_edge"] = n * side * side
        if hasattr(ip, "max_pixels"):
            ip.max_pixels = n * side * side

    def _forward(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(embeddings (B, L, dim) on the device, input_ids (B, L), attention_mask (B, L) on CPU)``."""
        inputs = {}
        for key, value in dict(batch).items():
            if key == "labels" or not isinstance(value, torch.Tensor):
                continue
            value = value.to(self.device)
            inputs[key] = value.to(self._dtype) if torch.is_floating_point(value) else value
        with torch.inference_mode():
            emb = self.model(**inputs)
        return emb, batch["input_ids"], batch["attention_mask"]

    def _layout(self, batch: Any, b: int, ids: torch.Tensor) -> tuple[TokenLayout, tuple[int, int]]:
        """Geometry of image ``b`` of ``batch`` and the size ``(w, h)`` of the model's canvas."""
        proc, ip = self.processor, self.processor.image_processor
        if self.family.layout == "siglip":
            patch = int(self.model.config.vision_config.patch_size)
            grid = paligemma_grid(proc.get_n_patches((ip.size["height"], ip.size["width"]), patch_size=patch))
            return row_major_layout(ids, proc.image_token_id, grid), (ip.size["width"], ip.size["height"])
        if self.family.layout == "qwen":
            thw = batch["image_grid_thw"][b]
            grid = qwen_grid(thw, int(ip.merge_size))
            patch = int(ip.patch_size)
            canvas = (int(thw[2]) * patch, int(thw[1]) * patch)
            return row_major_layout(ids, proc.image_token_id, grid), canvas
        if self.family.layout == "tiles":
            tokens = proc.tokenizer.convert_ids_to_tokens(ids.tolist())
            layout = idefics3_layout(tokens, proc.image_token, int(proc.image_seq_len))
            k = int(round(int(proc.image_seq_len) ** 0.5))
            tile = int(ip.max_image_size["longest_edge"])
            return layout, (layout.grid[1] // k * tile, layout.grid[0] // k * tile)
        raise AssertionError(f"unknown layout {self.family.layout}")

    def _page_vectors(self, batch: Any, images: Sequence[Any]) -> list[MultiVector]:
        emb, input_ids, attention = self._forward(batch)
        out = []
        for b, image in enumerate(images):
            keep = attention[b].bool()
            ids = input_ids[b][keep]
            vectors = emb[b][keep.to(emb.device)]
            layout, canvas = self._layout(batch, b, ids)
            order = layout.order.to(vectors.device)
            tokens = self.processor.tokenizer.convert_ids_to_tokens(ids[layout.order].tolist())
            metadata: dict[str, Any] = {
                "patch_boxes": grid_boxes(layout.grid, image.size),
                "image_size": tuple(image.size),
                "processed_size": canvas,
                "token_kinds": list(layout.kinds),
                "source_positions": layout.order.tolist(),
                "family": self.family.key,
                "encoder": self.label,
            }
            if layout.global_grid is not None:
                metadata["global_grid"] = layout.global_grid
                metadata["global_boxes"] = grid_boxes(layout.global_grid, image.size)
            out.append(
                MultiVector(
                    vectors[order].float(),
                    grid=layout.grid,
                    special_mask=layout.special_mask,
                    tokens=tokens,
                    model=self.name,
                    metadata=metadata,
                )
            )
        return out

    # --- public API -----------------------------------------------------------------

    def encode_images(self, images: Sequence[Any]) -> list[MultiVector]:
        """Encode PIL page images, ``batch_size`` per forward pass: one MultiVector each.

        Each has ``rows * cols`` patch vectors (grid row-major) then the special tokens.
        """
        images = [im.convert("RGB") for im in images]
        if not images:
            raise InputError("There are no page images to encode.")
        out: list[MultiVector] = []
        for i in range(0, len(images), self.batch_size):
            chunk = images[i : i + self.batch_size]
            out.extend(self._page_vectors(self.processor.process_images(chunk), chunk))
        return out

    def encode_document(self, doc: Any, page: int = 0, *, dpi: int | None = None) -> MultiVector:
        """One page of a PDF (rendered at ``dpi``, default 144) or an image."""
        dpi = int(dpi or self.dpi)
        mv = self.encode_images([document_image(doc, page, dpi)])[0]
        mv.metadata.update(page=int(page), dpi=dpi if getattr(doc, "kind", None) == "pdf" else None)
        return mv

    def encode_queries(self, queries: Sequence[str]) -> list[torch.Tensor]:
        """``(q_len_i, dim)`` float32 per query, prompt and augmentation tokens included.

        Uses the processor's ``process_queries`` (query prefix + 10 augmentation tokens, as
        colpali-engine's retrieval evaluation does); padding is removed.
        """
        batch = self.processor.process_queries(queries=check_queries(queries))
        emb, _, attention = self._forward(batch)
        return [emb[b][attention[b].bool().to(emb.device)].float() for b in range(emb.shape[0])]
