"""Faults in encoders and refused model names: a message, and the session goes on."""

from __future__ import annotations

import pytest

from pooling_core.encoders import registry
from pooling_core.encoders.base import Encoder
from tests.app.conftest import goto, metric


class Broken(Encoder):
    """An encoder that loads, then fails on every document."""

    name = label = "test-broken"
    dim = 4
    yields_patches = False
    input_kinds = ("pdf", "image", "text")

    def __init__(self, device=None, message: str = "boom") -> None:
        import torch

        self.device = torch.device("cpu")
        self.message = message

    def encode_document(self, doc, page=0, *, dpi=None):
        raise RuntimeError(self.message)

    def encode_queries(self, queries):
        raise RuntimeError(self.message)


@pytest.fixture
def broken_encoders():
    registry.register_encoder("test-broken", lambda device=None: Broken(device), label="test-broken",
                              input_kinds=("pdf", "image", "text"), replace=True)
    registry.register_encoder("test-oom", lambda device=None: Broken(device, "CUDA out of memory. Tried to "
                                                                              "allocate 20.00 GiB"),
                              label="test-oom", input_kinds=("pdf", "image", "text"), replace=True)
    yield
    registry._REGISTRY.pop("test-broken", None)
    registry._REGISTRY.pop("test-oom", None)


def test_failing_and_oom_encoders_show_a_message(broken_encoders, app) -> None:
    app.selectbox(key="encoder_pick").set_value("test-broken").run()
    assert not app.exception
    assert any("test-broken' failed" in e.value and "boom" in e.value for e in app.error)
    app.selectbox(key="encoder_pick").set_value("test-oom").run()
    assert any("ran out of memory" in e.value for e in app.error)
    goto(app, "pooling")  # the other pages say so too, without crashing
    assert app.error
    goto(app, "document")
    app.selectbox(key="encoder_pick").set_value("layout-minilm").run()
    assert not app.error
    goto(app, "pooling")
    assert metric(app, "Vectors before") == "1024"


def test_local_folder_refused_unless_enabled(app, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("POOLING_ALLOW_LOCAL_MODELS", raising=False)
    app.selectbox(key="encoder_pick").set_value("__other__").run()
    app.text_input(key="model_id").set_value(str(tmp_path)).run()
    assert any("local folder is turned off" in e.value for e in app.error)
    monkeypatch.setenv("POOLING_ALLOW_LOCAL_MODELS", "1")
    app.run()
    # now allowed by the policy: the folder itself is then checked by the encoder registry
    assert not any("turned off" in e.value for e in app.error)
    assert app.error  # an empty folder is not a model
