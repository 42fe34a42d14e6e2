"""Which models a user of the app may load by typing a name.

A shared server must not let any visitor point the app at an arbitrary folder on its
disk, nor make it fetch any model id. So, for names typed into the UI:

* the built-in offline encoders (``layout-minilm``, ``minilm``) are always allowed;
* local folders are refused unless the operator enables them with the environment
  variable ``POOLING_ALLOW_LOCAL_MODELS=1`` or ``allow_local_models = true`` in
  ``.streamlit/secrets.toml``;
* Hugging Face ids are allowed unless the operator lists the allowed ones, with
  ``POOLING_ALLOWED_MODELS="vidore/colpali-v1.3,vidore/colqwen2-v1.0"`` or
  ``allowed_models = [...]`` in ``secrets.toml``; then only those.

Downloads stay off unless ``POOLING_ALLOW_DOWNLOADS=1`` (see README). The library itself
(``pooling_core.encoders.get_encoder``) has no such limits: they belong to the app.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from pooling_core.encoders.sources import looks_like_path
from pooling_core.errors import InputError

ALWAYS_ALLOWED = frozenset({"layout-minilm", "minilm"})


@dataclass(frozen=True)
class ModelPolicy:
    allow_local: bool = False
    allowed_ids: frozenset[str] | None = None  # None: any id

    def check(self, name: str) -> None:
        """Raise :class:`InputError` when ``name`` may not be loaded from the UI."""
        key = name.strip()
        if key.lower() in ALWAYS_ALLOWED:
            return
        # get_encoder loads an existing folder before trying a hub id, so both count as local
        if looks_like_path(key) or Path(key).expanduser().exists():
            if not self.allow_local:
                raise InputError(
                    "Loading a model from a local folder is turned off on this server; the operator "
                    "can enable it with POOLING_ALLOW_LOCAL_MODELS=1 (see the README)."
                )
            return
        if self.allowed_ids is not None and key not in self.allowed_ids:
            allowed = ", ".join(sorted(self.allowed_ids)) or "none"
            raise InputError(f"The model '{key}' is not on this server's list of allowed models ({allowed}).")


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def policy_from(env: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> ModelPolicy:
    """The policy from environment variables (which win) and ``secrets.toml`` values."""
    secrets = secrets or {}
    allow_local = _truthy(env["POOLING_ALLOW_LOCAL_MODELS"]) if "POOLING_ALLOW_LOCAL_MODELS" in env \
        else _truthy(secrets.get("allow_local_models", False))
    raw: Any = env.get("POOLING_ALLOWED_MODELS")
    if raw is None:
        raw = secrets.get("allowed_models")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        ids = None
    else:
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        ids = frozenset(str(i).strip() for i in items if str(i).strip())
    return ModelPolicy(allow_local=allow_local, allowed_ids=ids)


def current_policy() -> ModelPolicy:
    """The policy of this process (environment + Streamlit secrets, when there are any)."""
    secrets: Mapping[str, Any] = {}
    try:
        import streamlit as st

        secrets = dict(st.secrets) if st.secrets.load_if_toml_exists() else {}
    except Exception:  # noqa: BLE001 - no secrets file, or not inside Streamlit
        secrets = {}
    return policy_from(os.environ, secrets)
