"""Many sessions at once, CI size: ``bench/load_test.py`` with 8 Chromium sessions for ~20 s.

One ``streamlit run`` on 127.0.0.1 and 8 sessions driven at once (Playwright's async API,
one asyncio loop), each uploading its own documents with a unique word, pooling them and
querying them (see the module docstring of ``bench/load_test.py``). Asserts the checks,
not the latencies. The run is shared by the tests below (one module-scoped fixture).

CI size: every session completes one full round (never cut short: it is the warm-up), then
rounds go on until 20 s have passed since all sessions showed their first page. The
sessions are tabs of one browser context here (separate websockets, so separate Streamlit
sessions, checked by their session ids): on 2 cores that takes ~85-100 s instead of ~125-145 s
with one context per session, because the tabs share the compiled JavaScript. The full-size
run (``bench/load_test.py --sessions 8 --seconds 120``) uses one context per session.
Override with POOLING_LOAD_SESSIONS, POOLING_LOAD_SECONDS, POOLING_LOAD_MODE (contexts/tabs).
"""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.load, pytest.mark.slow]

SESSIONS = int(os.environ.get("POOLING_LOAD_SESSIONS", "8"))
SECONDS = float(os.environ.get("POOLING_LOAD_SECONDS", "20"))
MODE = os.environ.get("POOLING_LOAD_MODE", "tabs")


@pytest.fixture(scope="module")
def report(chromium: str):
    from bench.load_test import run_load

    rep = run_load(SESSIONS, SECONDS, timeout_s=120, mode=MODE)
    print(rep.summary())
    return rep


def test_every_session_ran(report) -> None:
    assert len(report.results) == SESSIONS >= 8
    assert all(r.rounds >= 1 for r in report.results), [(r.index, r.rounds) for r in report.results]
    assert "sessions" not in report.failures(), report.failures()["sessions"]  # distinct Streamlit sessions
    assert report.actions >= SESSIONS * 7  # a first round: 7 actions (radio, upload, 3 page switches, pool, query)


def test_no_errors(report) -> None:
    assert not report.errors, report.errors[:10]


def test_each_session_sees_only_its_own_document(report) -> None:
    assert sum(r.checks for r in report.results) >= SESSIONS * 4
    assert not report.isolation, report.isolation[:10]


def test_each_encoder_loaded_once(report) -> None:
    assert report.model_loads, "no 'loaded encoder' line in the server's output"
    assert all(n == 1 for n in report.model_loads.values()), report.model_loads


def test_memory_stays_under_the_bound(report) -> None:
    assert report.rss_baseline, "no RSS baseline (the warm-up never ended)"
    assert report.rss_peak <= report.rss_bound, report.summary()


def test_scores_were_read(report) -> None:
    scores = [s for r in report.results for s in r.scores]
    assert len(scores) >= SESSIONS
    assert all(orig > 0 for orig, _ in scores)
