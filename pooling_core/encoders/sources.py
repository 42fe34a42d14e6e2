"""Finding a model's files: a local folder, the Hugging Face cache, or (if allowed) the Hub.

Hugging Face is often unreachable from where this runs, and ``from_pretrained`` on a hub
id then retries name resolution for minutes. So a hub id is looked up in the local cache
first, without any network call (``try_to_load_from_cache``); when it is not there and
downloads are not allowed, the user gets an :class:`InputError` at once saying how to
provide the model. Downloads happen only with ``allow_download=True`` or the environment
variable ``POOLING_ALLOW_DOWNLOADS=1``. After resolution every model loads from a local
folder through the same code path, with ``local_files_only=True``.

A LoRA adapter folder (``adapter_config.json``, no full weights) is resolved together
with its base model (``base_model_name_or_path``: a folder or another hub id).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooling_core.errors import InputError

ALLOW_ENV = "POOLING_ALLOW_DOWNLOADS"
_WEIGHTS = (
    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
)
_DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken"]


@dataclass(frozen=True)
class ModelSource:
    """A model resolved to local files.

    Attributes:
        name: what the user asked for (id or folder).
        folder: the folder holding the processor files (and the weights or adapter).
        config: the (base) model's ``config.json``.
        base_folder: for a LoRA adapter, the base model's folder; else ``None``.
    """

    name: str
    folder: Path
    config: dict[str, Any]
    base_folder: Path | None = None

    @property
    def is_adapter(self) -> bool:
        return self.base_folder is not None


def downloads_allowed(allow_download: bool | None = None) -> bool:
    """``allow_download`` when given, else whether ``POOLING_ALLOW_DOWNLOADS=1``."""
    if allow_download is not None:
        return bool(allow_download)
    return os.environ.get(ALLOW_ENV, "0").strip() == "1"


def looks_like_path(name: str) -> bool:
    """Whether ``name`` is meant as a filesystem path rather than a hub id.

    >>> looks_like_path("vidore/colqwen2-v1.0"), looks_like_path("./models/x"), looks_like_path("/tmp/m")
    (False, True, True)
    """
    return (
        name.startswith((".", "/", "~", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or name.count("/") > 1
        or "\\" in name
    )


def is_hub_id(name: str) -> bool:
    """``owner/name`` with hub-legal characters.

    >>> is_hub_id("vidore/colpali-v1.3"), is_hub_id("minilm"), is_hub_id("a b/c")
    (True, False, False)
    """
    if looks_like_path(name) or name.count("/") != 1:
        return False
    try:
        from huggingface_hub.utils import validate_repo_id

        validate_repo_id(name)
    except Exception:  # noqa: BLE001 - any validation failure means "not an id"
        return False
    return True


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"Could not read '{path}': {exc}") from exc


def _missing_model_message(repo_id: str) -> str:
    return (
        f"The model '{repo_id}' is not available offline: it is not in the local Hugging Face cache "
        f"and downloads are off. Either download it once with network access (set "
        f"{ALLOW_ENV}=1, or pass allow_download=True), or give the path of a local folder that "
        f"holds the model (config.json or adapter_config.json, weights, processor and tokenizer files)."
    )


def cached_folder(repo_id: str) -> Path | None:
    """The cached snapshot folder of a hub repo, found without any network call."""
    from huggingface_hub import try_to_load_from_cache

    for filename in ("config.json", "adapter_config.json"):
        found = try_to_load_from_cache(repo_id, filename)
        if isinstance(found, str):
            return Path(found).parent
    return None


def hub_folder(repo_id: str, allow_download: bool | None = None) -> Path:
    """A local folder for hub repo ``repo_id``: the cache, or a download when allowed."""
    folder = cached_folder(repo_id)
    if folder is not None:
        return folder
    if not downloads_allowed(allow_download):
        raise InputError(_missing_model_message(repo_id))
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, allow_patterns=_DOWNLOAD_PATTERNS))
    except Exception as exc:  # noqa: BLE001 - network, auth, offline mode: all one message
        raise InputError(
            f"Could not download '{repo_id}' from Hugging Face ({type(exc).__name__}: {exc}). "
            f"Check the id and the network (HF_HUB_OFFLINE must not be 1), or give a local folder."
        ) from exc


def local_folder(name: str) -> Path:
    """``name`` as an existing directory, or an :class:`InputError`."""
    path = Path(os.path.expanduser(name))
    if not path.exists():
        raise InputError(f"The model folder '{name}' does not exist.")
    if not path.is_dir():
        raise InputError(f"'{name}' is a file; give the folder that holds the model files.")
    return path


def resolve_folder(name: str, allow_download: bool | None = None) -> Path:
    """A folder for a path or a hub id."""
    path = Path(os.path.expanduser(name))
    if path.is_dir():
        return path
    if looks_like_path(name) or not is_hub_id(name):
        return local_folder(name)
    return hub_folder(name, allow_download)


def resolve_model(name: str, allow_download: bool | None = None) -> ModelSource:
    """Resolve ``name`` (folder or hub id) to local files and read its configuration."""
    folder = resolve_folder(name, allow_download)
    config_path, adapter_path = folder / "config.json", folder / "adapter_config.json"
    has_weights = any((folder / w).exists() for w in _WEIGHTS)
    if adapter_path.is_file() and not (config_path.is_file() and has_weights):
        base = _read_json(adapter_path).get("base_model_name_or_path")
        if not base:
            raise InputError(
                f"The adapter in '{name}' does not name its base model (base_model_name_or_path)."
            )
        base_folder = resolve_folder(str(base), allow_download)
        base_config = base_folder / "config.json"
        if not base_config.is_file():
            raise InputError(f"The base model '{base}' of adapter '{name}' has no config.json.")
        return ModelSource(name=name, folder=folder, config=_read_json(base_config), base_folder=base_folder)
    if not config_path.is_file():
        raise InputError(
            f"'{name}' is not a model folder: it has neither config.json nor adapter_config.json."
        )
    return ModelSource(name=name, folder=folder, config=_read_json(config_path))
