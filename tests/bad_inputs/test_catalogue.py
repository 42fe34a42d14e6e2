"""Every case of the bad-input catalogue: a one-sentence InputError, or a correct result.

A case marked ``known_bug`` documents a fault in code this catalogue does not own; it is
an expected failure until that is fixed, and the test fails as soon as the case passes,
so that the mark is removed.
"""

from __future__ import annotations

import io
import pickle
import time

import numpy as np
import pytest

from pooling_core.documents import Document
from pooling_core.errors import InputError
from tests.bad_inputs.catalogue import (
    CASES,
    CASES_BY_NAME,
    CaseTimeout,
    Outcome,
    _marker_path,
    assert_user_sentence,
    counted_renders,
    run_case,
    time_limit,
)


def check_outcome(case, outcome: Outcome) -> None:
    """All of a case's expectations (AssertionError on the first one broken)."""
    if case.expect == "error":
        error = outcome.error
        assert error is not None, f"accepted, returned {type(outcome.value).__name__}"
        assert isinstance(error, InputError), f"{type(error).__name__} escaped: {error}"
        assert isinstance(error, ValueError)
        message = str(error)
        assert_user_sentence(message)
        for fragment in case.contains:
            assert fragment in message, f"{fragment!r} not in {message!r}"
    else:
        assert outcome.error is None, f"refused a valid input: {type(outcome.error).__name__}: {outcome.error}"
        doc = outcome.document
        if isinstance(doc, Document):
            for notice in doc.notices:
                assert_user_sentence(notice)
    if case.check is not None:
        case.check(outcome)
    assert outcome.seconds < case.max_seconds, f"took {outcome.seconds:.2f} s (limit {case.max_seconds:g} s)"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case) -> None:
    try:
        outcome = run_case(case)
    except CaseTimeout as exc:
        pytest.fail(str(exc))
    try:
        check_outcome(case, outcome)
    except AssertionError as exc:
        if case.known_bug:
            pytest.xfail(f"known bug: {case.known_bug} -- {exc}")
        raise
    if case.known_bug:
        pytest.fail(f"{case.name} passes now: remove its known_bug ({case.known_bug})")


def test_catalogue_covers_every_kind() -> None:
    kinds = {c.kind for c in CASES}
    assert kinds == {"document", "embeddings", "call"}
    assert len(CASES) >= 30
    assert sum(c.expect == "ok" for c in CASES) >= 8
    for case in CASES:
        if case.expect == "ok":
            assert case.why and case.check is not None, f"{case.name}: say why it is valid and what to check"


def test_time_limit_interrupts_a_hang() -> None:
    start = time.perf_counter()
    with pytest.raises(CaseTimeout):
        with time_limit(0.2, "a sleeping call"):
            while True:  # a pure-Python hang, even one that swallows Exception
                try:
                    time.sleep(0.05)
                except Exception:  # noqa: BLE001
                    pass
    assert time.perf_counter() - start < 2


def test_marker_payloads_really_run_code() -> None:
    """The never-unpickled cases prove something: unpickling their bytes does create the marker."""
    for name, load in (
        ("pickle_named_npy", pickle.loads),
        ("npy_object_array", lambda data: np.load(io.BytesIO(data), allow_pickle=True)),
    ):
        data, _ = CASES_BY_NAME[name].make()
        marker = _marker_path(name)
        loaded = load(data)  # the marker's open file (alone, or inside the object array)
        for handle in loaded if isinstance(loaded, np.ndarray) else [loaded]:
            getattr(handle, "close", lambda: None)()
        assert marker.exists(), f"{name}: unpickling did not create {marker}"
        marker.unlink()


def test_render_counter_counts() -> None:
    doc = run_case(CASES_BY_NAME["pdf_2000_pages_last_page"]).value[0]
    with counted_renders() as renders:
        for i in range(3):
            doc.page_image(i, dpi=18)
    assert renders[0] == 3
