"""Which model names a visitor may type into the app."""

from __future__ import annotations

import pytest

from explorer.model_policy import ModelPolicy, policy_from
from pooling_core.errors import InputError


def test_defaults_refuse_local_folders(tmp_path) -> None:
    policy = policy_from({})
    policy.check("layout-minilm")
    policy.check("vidore/colqwen2-v1.0")  # hub ids: allowed (offline unless downloads are on)
    for name in ("/models/colpali", "./x", "~/m", str(tmp_path)):
        with pytest.raises(InputError, match="local folder is turned off"):
            policy.check(name)


def test_existing_relative_folder_counts_as_local(tmp_path, monkeypatch) -> None:
    (tmp_path / "vidore" / "fake").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="local folder"):
        policy_from({}).check("vidore/fake")


def test_enabling_local_folders_and_allow_list() -> None:
    assert policy_from({"POOLING_ALLOW_LOCAL_MODELS": "1"}).allow_local
    assert policy_from({}, {"allow_local_models": True}).allow_local
    assert not policy_from({"POOLING_ALLOW_LOCAL_MODELS": "0"}, {"allow_local_models": True}).allow_local
    policy = policy_from({"POOLING_ALLOWED_MODELS": "vidore/colpali-v1.3, vidore/colSmol-256M"})
    assert policy.allowed_ids == frozenset({"vidore/colpali-v1.3", "vidore/colSmol-256M"})
    policy.check("vidore/colpali-v1.3")
    policy.check("minilm")
    with pytest.raises(InputError, match="not on this server's list"):
        policy.check("someone/else")
    assert policy_from({}, {"allowed_models": ["a/b"]}).allowed_ids == frozenset({"a/b"})
    ModelPolicy(allow_local=True).check("/anywhere")
