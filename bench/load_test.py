"""Many sessions at once: one Streamlit server, N real Chromium sessions, bounded loops.

    .venv/bin/python bench/load_test.py --sessions 8 --seconds 120   # full size, writes bench/RESULTS.md
    .venv/bin/python bench/load_test.py --sessions 8 --seconds 20 --mode tabs --no-write   # CI size

One ``streamlit run app.py`` on 127.0.0.1 (a free port) and one headless Chromium (Debian's)
with one browser context per session (``--mode contexts``, the default: separate cookies
and caches, like separate users) or all sessions as tabs of one context (``--mode tabs``:
the tabs share the compiled JavaScript, ~20 % faster on 2 cores; still one websocket and
so one Streamlit session each). All sessions are driven at once from one asyncio loop with
Playwright's async API (its sync API cannot be shared between threads). Pages may talk to
the server only: every other request is aborted and recorded.

A session's clock starts when every session shows its first page (the cold start, model
loading included, is the "first page" latency). Each session then loops, starting a new
round while its time is not up and ``--max-rounds`` not reached:

1. Document page: "Upload a file", upload a new small text holding the session's unique
   word ``zebra<i>token`` (from the second round on, every ``--pdf-every``-th upload is a
   one-page PDF made with fpdf2); wait until it is encoded (latency "upload → encoded").
2. Embeddings page: the token chips (text) or the page grid's hover text (PDF) contain the
   session's word.
3. Pooling page: change the pool factor (slider, by keyboard) or the method (selectbox);
   the page must show the new choice (latency "pool change").
4. MaxSim page: type a query with the session's word; read the scores (latency "query").

The first round is the warm-up and is never cut short; later rounds stop at the deadline.
A run is over for the driver when the server's websocket says ``script_finished`` (parsed
with Streamlit's own protobuf classes) and the page shows no stale element.

Checks (:meth:`LoadReport.failures`): no ``stException``, no ``st.error``, no page error or
console error in any browser, no traceback in the server's output, every expected element
within ``--timeout``; every page shows the session's own file name (and its word, in the
chips or figures) and never another session's word or file name; one distinct Streamlit
session per browser session; each encoder loaded exactly once (``explorer/context.py``
prints ``loaded encoder <name>`` to stderr on each load); the server's resident memory
(sampled every second) stays under the bound of :func:`memory_bound`. ``--verbose`` (or
LOADTEST_DEBUG=1) prints every action as it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
POLL_MS = 200  # how often a wait re-checks the page (the default, every animation frame, costs CPU x sessions)
DEBUG = os.environ.get("LOADTEST_DEBUG") == "1"
T0 = time.monotonic()
EXTRA_FLAGS = ["--disable-renderer-backgrounding", "--disable-background-timer-throttling",
               "--disable-backgrounding-occluded-windows", "--disable-extensions", "--mute-audio"]
VIEWPORT = {"width": 1280, "height": 1000}
LOAD_LINE = re.compile(r"loaded encoder (\S+)")
METHODS = [("sequential", "Sequential windows"), ("kmeans", "k-means"),
           ("hierarchical", "Hierarchical (Ward clustering)")]
PROSE = [
    "Late interaction keeps one vector per token, and MaxSim sums the best match of each query token.",
    "Pooling merges similar vectors so that an index needs less memory for the same documents.",
    "Hierarchical clustering with Ward linkage merges the closest pair of clusters at every step.",
    "Sequential windows average neighbouring tokens, which keeps the order of the text intact.",
    "A retrieval system compares the query with every stored vector of every candidate page.",
    "Memory grows with the number of vectors, so a pool factor of three saves about two thirds.",
]
TOPICS = ["memory", "clustering", "retrieval", "windows", "vectors", "tokens", "pooling", "index"]

# The page shows a finished run: connected, not running, no element left stale from the run
# before, every image loaded (a user sees the page before moving on; Streamlit drops a run's
# media files when the next run of the session ends, so leaving earlier makes its fetch 404).
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stMain"] [data-stale="true"]')
    && [...document.querySelectorAll('[data-testid="stMain"] img')].every((img) => img.complete);
}"""
APP_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {script: app && app.getAttribute('data-test-script-state'),
          connection: app && app.getAttribute('data-test-connection-state'), url: location.pathname};
}"""
# Words shown by token chips (explorer/figures/tokens.py): a chip with class mvp-cont
# continues the word of the chip before it.
CHIP_WORDS_JS = """() => {
  const words = [];
  for (const box of document.querySelectorAll('[data-testid="stMain"] .mvp-tokens')) {
    for (const chip of box.querySelectorAll('.mvp-tok')) {
      const t = chip.textContent;
      if (chip.classList.contains('mvp-cont') && words.length) words[words.length - 1] += t;
      else words.push(t);
    }
  }
  return words;
}"""
# Every string in the plotly figures' text / hovertext / customdata (the page grid's hover
# shows each cell's text).
PLOT_TEXT_JS = """() => {
  const out = [];
  const walk = (v) => { if (typeof v === 'string') out.push(v); else if (Array.isArray(v)) v.forEach(walk); };
  for (const gd of document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')) {
    for (const tr of (gd.data || [])) { walk(tr.text); walk(tr.hovertext); walk(tr.customdata); }
  }
  return out.join(' ');
}"""


class CheckFailed(Exception):
    """A check inside a session failed (recorded, then the session goes on)."""


def word_of(i: int) -> str:
    return f"zebra{i}token"


def file_prefix(i: int) -> str:
    return f"session{i}-"


def document_for(i: int, k: int, pdf: bool) -> tuple[str, bytes, str]:
    """``(file name, bytes, mime type)`` of session ``i``'s ``k``-th upload: different for
    every session and round, always with the session's unique word."""
    w = word_of(i)
    sentences = [PROSE[(k + j) % len(PROSE)] for j in range(3)]
    text = (f"Notes {k} of reader {i}. The {w} appears here. " + " ".join(sentences)
            + f" Only this session knows the {w}.")
    name = f"{file_prefix(i)}{k:03d}"
    if not pdf:
        return name + ".txt", text.encode(), "text/plain"
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 12, f"Report {k} of reader {i}", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=12)
    doc.multi_cell(0, 7, text)
    return name + ".pdf", bytes(doc.output()), "application/pdf"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]); NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


# ----------------------------------------------------------------------------- memory


@dataclass(frozen=True)
class MemoryBudget:
    """What may still grow in the server after warm-up, in MiB (see :func:`memory_bound`)."""

    caches: float
    sessions: float
    slack: float
    lines: tuple[str, ...]

    @property
    def total(self) -> float:
        return self.caches + self.sessions + self.slack


# Sizes of one cache entry for this test's documents, in MiB, measured (pickled, as
# st.cache_data keeps them) with the shipped encoders: a text of ~80 MiniLM tokens, a
# one-page PDF on the 32x32 grid of layout-minilm (1024 x 384 float32 plus cell texts).
ENTRY_MIB = {
    "document": 0.5,        # parsed document + its bytes (pickled: < 0.01; allowance for a PDF handle)
    "image": 2.55,          # a page rendered at 96 dpi: 794 x 1123 RGB
    "text_embedding": 0.12,
    "pdf_embedding": 1.51,
    "text_pooled": 0.065,   # pool factor 2 (the loop uses 2..6): about half, plus the assignment
    "pdf_pooled": 0.80,
    "query": 0.011,         # ~7 tokens x 384 float32
    "text_linkage": 0.0024,  # (n - 1) x 4 float64
    "pdf_linkage": 0.031,
}


def memory_bound(sessions: int, pdf_share: float) -> MemoryBudget:
    """The server's allowed growth over its RSS after warm-up, for this workload.

    After warm-up (every session has done one round) both encoders, torch, Streamlit and
    plotly are loaded and every session exists; what can still grow is bounded, however
    long the test runs, by the capped caches filled with this workload's entries
    (:data:`ENTRY_MIB`; a share ``pdf_share`` of the uploads are PDFs): documents
    (``st.cache_resource``, 32), page images (64), embeddings (48), pooled results (256),
    query vectors (256) in ``explorer/context.py``, and the linkage LRU (256) in
    ``pooling_core/pooling/linkage.py``; plus per session what a run holds (unpickled
    copies of its embedding, pooled result and page image, its session state, its media
    file and forward-message cache): 8 MiB; plus allocator slack: glibc keeps freed memory
    in per-thread arenas (Streamlit runs each session's script in its own thread; up to
    8 x cores arenas) and torch and pymalloc keep pools: 192 MiB.
    """
    p = min(max(pdf_share, 0.0), 1.0)
    e = ENTRY_MIB

    def mix(kind: str) -> float:
        return p * e[f"pdf_{kind}"] + (1 - p) * e[f"text_{kind}"]

    parts = {
        "documents": (32, e["document"]),
        f"page images ({p:.0%} PDFs)": (64, p * e["image"]),
        "embeddings": (48, mix("embedding")),
        "pooled results": (256, mix("pooled")),
        "query vectors": (256, e["query"]),
        "linkages": (256, mix("linkage")),
    }
    caches = sum(n * size for n, size in parts.values())
    per_session, slack = 8.0, 192.0
    lines = tuple(f"{name} {n} x {size:.3f} = {n * size:.0f} MiB" for name, (n, size) in parts.items()) + (
        f"{sessions} sessions x {per_session:.0f} = {sessions * per_session:.0f} MiB",
        f"allocator slack {slack:.0f} MiB",
    )
    return MemoryBudget(caches=caches, sessions=sessions * per_session, slack=slack, lines=lines)


class RssSampler(threading.Thread):
    """The resident memory of process ``pid`` (and its children) every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def rss(self) -> int:
        import psutil

        try:
            total = self.proc.memory_info().rss
            for child in self.proc.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            return total
        except psutil.Error:
            return 0

    def sample(self) -> int:
        value = self.rss()
        if value:
            self.samples.append((time.monotonic(), value))
        return value

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


# ----------------------------------------------------------------------------- results


@dataclass
class SessionResult:
    index: int
    rounds: int = 0
    actions: int = 0
    errors: list[str] = field(default_factory=list)
    isolation: list[str] = field(default_factory=list)
    checks: int = 0
    blocked: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    #: the part of each latency until the server's "script finished" message arrived
    server_latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    scores: list[tuple[float, float]] = field(default_factory=list)
    #: the Streamlit session id of each page load (from the server's new_session message)
    session_ids: list[str] = field(default_factory=list)
    uploads: Counter = field(default_factory=Counter)  # "text" / "pdf"


@dataclass
class LoadReport:
    sessions: int
    seconds: float
    wall_seconds: float
    pdf_every: int
    mode: str
    results: list[SessionResult]
    model_loads: dict[str, int]
    server_problems: list[str]
    rss_start: int
    rss_baseline: int | None
    rss_peak: int
    rss_final: int
    budget: MemoryBudget
    warm_seconds: float | None
    machine: str
    #: (seconds since the loops started, RSS in bytes), one sample per second
    rss_samples: list[tuple[float, int]] = field(default_factory=list)

    def rss_trace(self, step: float = 30.0) -> list[tuple[int, int]]:
        """``(second, MiB)`` every ``step`` seconds of the loops (the peak of each step)."""
        out: dict[int, int] = {}
        for s, v in self.rss_samples:
            if s >= 0:
                k = int(s // step * step)
                out[k] = max(out.get(k, 0), v)
        return [(k, round(v / MIB)) for k, v in sorted(out.items())]

    @property
    def rss_bound(self) -> int | None:
        return None if self.rss_baseline is None else int(self.rss_baseline + self.budget.total * MIB)

    @property
    def errors(self) -> list[str]:
        return [e for r in self.results for e in r.errors] + self.server_problems

    @property
    def isolation(self) -> list[str]:
        return [e for r in self.results for e in r.isolation]

    @property
    def actions(self) -> int:
        return sum(r.actions for r in self.results)

    @property
    def rounds(self) -> int:
        return sum(r.rounds for r in self.results)

    def latencies(self, server: bool = False) -> dict[str, list[float]]:
        """All sessions' latencies by action (``server``: the part until the run finished)."""
        out: dict[str, list[float]] = defaultdict(list)
        for r in self.results:
            for k, v in (r.server_latencies if server else r.latencies).items():
                out[k].extend(v)
        return dict(out)

    @property
    def uploads(self) -> Counter:
        return sum((r.uploads for r in self.results), Counter())

    def failures(self) -> dict[str, str]:
        """The failed checks, by name (empty when the run passed)."""
        bad: dict[str, str] = {}
        if self.errors:
            bad["errors"] = f"{len(self.errors)} error(s): " + "; ".join(self.errors[:8])
        if self.isolation:
            bad["isolation"] = f"{len(self.isolation)} violation(s): " + "; ".join(self.isolation[:8])
        firsts = [r.session_ids[0] if r.session_ids else None for r in self.results]
        if None in firsts or len(set(firsts)) != len(firsts):
            bad["sessions"] = f"expected {len(firsts)} distinct Streamlit sessions, got ids {firsts}"
        idle = [r.index for r in self.results if r.rounds < 1]
        if idle:
            bad["rounds"] = f"session(s) {idle} completed no full round"
        if not self.model_loads or any(n != 1 for n in self.model_loads.values()):
            bad["model_loads"] = f"expected each encoder loaded exactly once, got {self.model_loads or 'none'}"
        if self.rss_bound is None:
            bad["memory"] = "no RSS baseline: the sessions never all finished a round"
        elif self.rss_peak > self.rss_bound:
            bad["memory"] = (f"RSS peak {self.rss_peak / MIB:.0f} MiB over the bound "
                             f"{self.rss_bound / MIB:.0f} MiB")
        return bad

    def latency_rows(self) -> list[tuple[str, int, float, float, float, float]]:
        """``(action, n, p50, p95, max, p50 of the server part)`` in seconds."""
        rows = []
        every, server = self.latencies(), self.latencies(server=True)
        for name in ("first page", "upload → encoded", "page switch", "pool change", "query"):
            v = every.get(name, [])
            rows.append((name, len(v), percentile(v, 50), percentile(v, 95), max(v) if v else float("nan"),
                         percentile(server.get(name, []), 50)))
        return rows

    def markdown(self) -> str:
        fails = self.failures()
        ok = lambda name: "fail: " + fails[name] if name in fails else "pass"  # noqa: E731
        blocked = sorted({u for r in self.results for u in r.blocked})
        scores = [s for r in self.results for s in r.scores]
        how = ("one browser context per session" if self.mode == "contexts"
               else "the sessions as tabs of one browser context")
        up = self.uploads
        lines = [
            "## Load: many sessions at once",
            "",
            "`bench/load_test.py` (CI size: `tests/browser/test_load.py`). One `streamlit run` on 127.0.0.1,",
            f"one headless Chromium with {how}, all driven at once (Playwright's",
            "async API, one asyncio loop). Each session loops: upload its own new document with its unique",
            f"word (a text; from the second round on every {self.pdf_every}th upload a one-page PDF),",
            "Embeddings (token chips / page-grid hover text), Pooling (pool factor or method change),",
            "MaxSim (a query with its word; scores read). The first round is the warm-up and always",
            "completes; later rounds stop at the deadline. Latencies are wall time from the action to the",
            "page showing the finished run; \"server\" is the part until the server's script-finished message.",
            "",
            "| | |",
            "|---|---|",
            f"| sessions × duration | {self.sessions} × {self.seconds:.0f} s (wall {self.wall_seconds:.0f} s, "
            "server start and cold first page included) |",
            f"| rounds / actions completed | {self.rounds} / {self.actions} "
            f"({up['text']} text and {up['pdf']} PDF uploads) |",
            f"| errors (stException, st.error, page/console errors, timeouts, server tracebacks) | "
            f"{len(self.errors)} — {ok('errors')} |",
            f"| isolation (own file name and word on every page, no other session's) | "
            f"{sum(r.checks for r in self.results)} page checks, {len(self.isolation)} violations — "
            f"{ok('isolation')} |",
            f"| distinct Streamlit sessions | {len({r.session_ids[0] for r in self.results if r.session_ids})} "
            f"of {self.sessions} — {ok('sessions')} |",
            f"| model loads | {', '.join(f'{k}: {v}' for k, v in sorted(self.model_loads.items())) or 'none'}"
            f" — {ok('model_loads')} |",
            f"| server RSS at start / after warm-up / peak / final | {self.rss_start / MIB:.0f} / "
            f"{(self.rss_baseline or 0) / MIB:.0f} / {self.rss_peak / MIB:.0f} / {self.rss_final / MIB:.0f} MiB |",
            f"| RSS bound | {(self.rss_bound or 0) / MIB:.0f} MiB = warm-up + {self.budget.total:.0f} MiB "
            f"— {ok('memory')} |",
            f"| server RSS peak per 30 s of the loops (s: MiB) | "
            f"{', '.join(f'{s}: {m}' for s, m in self.rss_trace()) or 'none'} |",
            f"| warm-up (every session done one round) | "
            f"{'%.0f s' % self.warm_seconds if self.warm_seconds is not None else 'not reached'} |",
        ]
        if scores:
            lines.append(f"| MaxSim scores read | {len(scores)}, original {min(s[0] for s in scores):.3f}–"
                         f"{max(s[0] for s in scores):.3f} |")
        if blocked:
            lines.append(f"| non-loopback requests blocked | {', '.join(blocked)} |")
        lines += ["", "| action | n | p50 | p95 | max | server p50 |", "|---|---:|---:|---:|---:|---:|"]
        for name, n, p50, p95, mx, srv in self.latency_rows():
            lines.append(f"| {name} | {n} | {p50:.2f} s | {p95:.2f} s | {mx:.2f} s | {srv:.2f} s |")
        lines += ["", "Memory bound: the growth allowed after warm-up is what the bounded caches can still",
                  "hold for this workload plus per-session state plus allocator slack (see",
                  "`memory_bound` in `bench/load_test.py`): " + "; ".join(self.budget.lines) + ".",
                  "Most of the growth is glibc's per-thread arenas (Streamlit runs every script run in a",
                  "thread): with `--server-env MALLOC_ARENA_MAX=2` the same load grows about half as much."]
        return "\n".join(lines)

    def summary(self) -> str:
        fails = self.failures()
        head = "PASS" if not fails else "FAIL: " + ", ".join(fails)
        lat = "; ".join(f"{n} p50 {a:.2f}s p95 {b:.2f}s (n={c})" for n, c, a, b, _, _ in self.latency_rows())
        text = [
            f"load test {head}",
            f"  sessions {self.sessions} x {self.seconds:.0f}s ({self.mode}), wall {self.wall_seconds:.0f}s, "
            f"rounds {self.rounds}, actions {self.actions}, uploads {dict(self.uploads)}",
            f"  errors {len(self.errors)}, isolation violations {len(self.isolation)} "
            f"({sum(r.checks for r in self.results)} page checks), model loads {self.model_loads}",
            f"  RSS start {self.rss_start / MIB:.0f} MiB, warm-up {(self.rss_baseline or 0) / MIB:.0f} MiB, "
            f"peak {self.rss_peak / MIB:.0f} MiB, final {self.rss_final / MIB:.0f} MiB, "
            f"bound {(self.rss_bound or 0) / MIB:.0f} MiB",
            f"  RSS per 30 s of the loops (s: MiB): {', '.join(f'{s}: {m}' for s, m in self.rss_trace())}",
            f"  latencies: {lat}",
        ]
        for name, why in fails.items():
            text.append(f"  {name}: {why}")
        return "\n".join(text)


# ----------------------------------------------------------------------------- one session


def is_loopback(url: str) -> bool:
    p = urlparse(url)
    if p.scheme in ("data", "blob", "about"):
        return True
    return p.hostname in ("127.0.0.1", "localhost", "::1")


class Session:
    """One browser page = one Streamlit session, driven through the app's pages."""

    def __init__(self, index: int, n_sessions: int, url: str, timeout_s: float, pdf_every: int) -> None:
        self.i = index
        self.url = url
        self.timeout_ms = timeout_s * 1000
        self.pdf_every = pdf_every
        self.word = word_of(index)
        self.others = [word_of(j) for j in range(n_sessions) if j != index]
        self.other_files = [file_prefix(j) for j in range(n_sessions) if j != index]
        self.result = SessionResult(index)
        self.page = None
        self.pf_step = 1
        self.finished = 0  # script runs this page's Streamlit session finished (from the websocket)
        self.finished_at = 0.0

    # -- plumbing

    async def open(self, browser, shared=None) -> None:
        """A page in its own browser context (``shared`` None) or a tab of ``shared``."""
        self.own_context = shared is None
        ctx = await browser.new_context(viewport=VIEWPORT) if shared is None else shared
        page = await ctx.new_page()
        await page.route(lambda u: not is_loopback(u), self._block)
        page.set_default_timeout(self.timeout_ms)
        page.on("pageerror", lambda e: self.result.errors.append(f"s{self.i}: page error: {e}"))
        page.on("console", self._console)
        page.on("websocket", self._websocket)
        self.page = page

    def _websocket(self, ws) -> None:
        if "/_stcore/stream" in ws.url:
            ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        """Every message from the server: count finished runs, note the session id."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str) or len(payload) > 65536:
            return  # script_finished and new_session are small; deltas (figures) can be large
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: not ours to judge
            return
        kind = msg.WhichOneof("type")
        if kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.finished += 1
            self.finished_at = time.perf_counter()
        elif kind == "new_session":
            sid = msg.new_session.initialize.session_id
            if sid not in self.result.session_ids:
                self.result.session_ids.append(sid)

    async def _block(self, route) -> None:
        self.result.blocked.append(urlparse(route.request.url).hostname or route.request.url)
        await route.abort("blockedbyclient")

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        loc = (msg.location or {}).get("url", "")
        if loc and not is_loopback(loc):
            return  # a request we blocked ourselves (recorded in `blocked`)
        self.result.errors.append(f"s{self.i}: console error: {msg.text[:200]}")

    async def settled(self, d0: int, what: str) -> None:
        """Wait until the server has finished a run after ``d0`` runs and the page shows it."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        end = time.monotonic() + self.timeout_ms / 1000
        while self.finished <= d0:
            if time.monotonic() > end:
                st = await self.page.evaluate(APP_STATE_JS)
                raise CheckFailed(f"s{self.i}: {what}: no finished run within {self.timeout_ms / 1000:.0f} s "
                                  f"(runs {d0}, page {st})")
            await asyncio.sleep(POLL_MS / 1000)
        try:
            await self.page.wait_for_function(IDLE_JS, polling=POLL_MS, timeout=max(end - time.monotonic(), 1) * 1000)
        except PlaywrightTimeout:
            st = await self.page.evaluate(APP_STATE_JS)
            raise CheckFailed(f"s{self.i}: {what}: the page did not settle (page {st})") from None

    async def act(self, kind: str | None, action) -> float:
        """Do ``action`` and wait until the rerun it starts has finished; returns seconds."""
        d0 = self.finished
        t0 = time.perf_counter()
        await action()
        await self.settled(d0, kind or "action")
        dt = time.perf_counter() - t0
        server = max(self.finished_at - t0, 0.0)
        self.result.actions += 1
        if DEBUG:
            print(f"[{time.monotonic() - T0:6.1f}] s{self.i} {kind or 'action'} {dt:.2f}s (run finished after "
                  f"{server:.2f}s)", file=sys.stderr)
        if kind:
            self.result.latencies[kind].append(dt)
            self.result.server_latencies[kind].append(server)
        return dt

    async def start(self) -> float:
        """Open the app (a new Streamlit session); returns the seconds until its first page."""
        d0 = self.finished
        t0 = time.perf_counter()
        await self.page.goto(self.url)
        await self.settled(d0, "first page")
        await self.page.get_by_role("heading", name="Document").first.wait_for()
        self.result.server_latencies["first page"].append(max(self.finished_at - t0, 0.0))
        return time.perf_counter() - t0
        if DEBUG:
            print(f"[{time.monotonic() - T0:6.1f}] s{self.i} started", file=sys.stderr)

    async def nav(self, title: str) -> None:
        link = self.page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True)
        await self.act("page switch", lambda: link.click())
        await self.page.get_by_role("heading", name=title, exact=True).first.wait_for()

    async def check(self, where: str, name: str, *, chips: bool = False, plots: bool = False) -> str:
        """Errors and isolation on the page shown now; returns the main area's text."""
        page, r = self.page, self.result
        r.checks += 1
        t_check = time.perf_counter()
        n_exc = await page.locator('[data-testid="stException"]').count()
        n_err = await page.locator('[data-testid="stAlertContentError"]').count()
        main = page.locator('[data-testid="stMain"]')
        text = await main.inner_text()
        if n_exc or n_err:
            detail = (await page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
                      .first.inner_text())[:200]
            raise CheckFailed(f"s{self.i} {where}: {n_exc} exception(s), {n_err} error(s): {detail!r}")
        if name not in text:
            r.isolation.append(f"s{self.i} {where}: own file {name} not shown")
        low = text.lower()
        for w in self.others + self.other_files:
            if w in low:
                r.isolation.append(f"s{self.i} {where}: another session's {w!r} is shown")
        if chips:
            words = [w.lower() for w in await page.evaluate(CHIP_WORDS_JS)]
            if self.word not in words:
                r.isolation.append(f"s{self.i} {where}: own word {self.word} not among {len(words)} token chips")
            for w in self.others:
                if w in words:
                    r.isolation.append(f"s{self.i} {where}: token chips contain another session's {w}")
        if plots:
            hover = (await page.evaluate(PLOT_TEXT_JS)).lower()
            if self.word not in hover:
                r.isolation.append(f"s{self.i} {where}: own word {self.word} not in the page grid's hover text")
            for w in self.others:
                if w in hover:
                    r.isolation.append(f"s{self.i} {where}: figures contain another session's {w}")
        if DEBUG:
            print(f"[{time.monotonic() - T0:6.1f}] s{self.i} check {where} {time.perf_counter() - t_check:.2f}s",
                  file=sys.stderr)
        return text

    async def metric(self, label: str) -> str:
        box = self.page.locator('[data-testid="stMetric"]').filter(has_text=label).first
        return (await box.locator('[data-testid="stMetricValue"]').inner_text(timeout=self.timeout_ms)).strip()

    # -- one round

    def is_pdf(self, k: int) -> bool:
        """Every ``pdf_every``-th upload of a session is a PDF, staggered over the sessions
        (with 4: sessions 3 and 7 in their second round, 2 and 6 in their third...); the first
        round (the warm-up) is a text everywhere."""
        return self.pdf_every > 0 and k > 0 and (k + self.i) % self.pdf_every == 0

    async def round(self, k: int, deadline: float | None) -> bool:
        """One round; False when ``deadline`` (None: none) passed before it was complete."""
        page = self.page
        late = (lambda: False) if deadline is None else (lambda: time.monotonic() > deadline)
        pdf = self.is_pdf(k)
        name, data, mime = document_for(self.i, k, pdf)

        # 1. Document: upload
        if k > 0:
            await self.nav("Document")
        upload = page.get_by_role("radio", name="Upload a file")
        if not await upload.is_checked():
            await self.act(None, lambda: page.get_by_text("Upload a file", exact=True).click())
        await page.locator('input[type="file"]').wait_for(state="attached")
        await self.act("upload → encoded", lambda: page.locator('input[type="file"]').set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": data}]))
        await page.get_by_role("heading", name=name, exact=True).wait_for()
        await page.get_by_text("Embedding:").first.wait_for()
        self.result.uploads["pdf" if pdf else "text"] += 1
        await self.check("Document", name)
        if late():
            return False

        # 2. Embeddings
        await self.nav("Embeddings")
        if pdf:
            await page.locator(".js-plotly-plot").first.wait_for()
        else:
            await page.locator(".mvp-tokens").first.wait_for()
        await self.check("Embeddings", name, chips=not pdf, plots=pdf)
        if late():
            return False

        # 3. Pooling: the pool factor (even rounds) or the method (odd rounds)
        await self.nav("Pooling")
        await page.get_by_text("Vectors after").first.wait_for()
        if k % 2 == 0:
            slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
            pf = int(await slider.input_value())
            if pf + self.pf_step not in range(2, 7):
                self.pf_step = -self.pf_step
            key = "ArrowRight" if self.pf_step > 0 else "ArrowLeft"

            async def move() -> None:
                await slider.focus()
                await slider.press(key)

            await self.act("pool change", move)
            want = f"pool_factor={pf + self.pf_step}"
        else:
            box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Method").first
            shown = await box.locator("input").input_value()
            labels = [lab for _, lab in METHODS]
            method, label = METHODS[(labels.index(shown) + 1) % len(METHODS) if shown in labels else 0]

            async def pick() -> None:
                await box.click()
                await page.get_by_role("option", name=label, exact=True).click()

            await self.act("pool change", pick)
            want = f"'{method}'"
        code = page.locator('[data-testid="stCode"]').filter(has_text="from pooling_core import pool").first
        text = await code.inner_text()
        if want not in text:
            raise CheckFailed(f"s{self.i} Pooling: the page does not show {want} after the change: {text[:120]!r}")
        before = await self.metric("Vectors before")
        after = await self.metric("Vectors after")
        if not (before.isdigit() and after.isdigit() and 0 < int(after) <= int(before)):
            raise CheckFailed(f"s{self.i} Pooling: vectors before/after {before!r}/{after!r}")
        await self.check("Pooling", name, chips=not pdf)
        if late():
            return False

        # 4. MaxSim: a query with the session's word
        await self.nav("MaxSim")
        box = page.get_by_label("Query")
        query = f"{self.word} {TOPICS[(k + self.i) % len(TOPICS)]}"

        async def ask() -> None:
            await box.fill(query)
            await box.press("Enter")

        await self.act("query", ask)
        original = float(await self.metric("MaxSim, original"))
        pooled = float(await self.metric("MaxSim, pooled"))
        if not (math.isfinite(original) and math.isfinite(pooled) and original > 0):
            raise CheckFailed(f"s{self.i} MaxSim: scores {original} / {pooled}")
        self.result.scores.append((original, pooled))
        await self.check("MaxSim", name, chips=not pdf)
        return True


class Clock:
    """The shared clock: the loops' time starts when every session shows its first page
    (the cold start, model loading included, is measured apart as "first page")."""

    def __init__(self, n: int, seconds: float, sampler: RssSampler) -> None:
        self.n, self.seconds, self.sampler = n, seconds, sampler
        self.arrived = 0
        self.rounds_done = 0
        self.go = asyncio.Event()
        self.t0 = self.deadline = float("inf")
        self.rss: int | None = None
        self.warm_seconds: float | None = None

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived == self.n:
            self.t0 = time.monotonic()
            self.deadline = self.t0 + self.seconds
            self.go.set()

    def first_round_done(self) -> None:
        """Warm-up ends when every session has completed one round: the baseline RSS."""
        self.rounds_done += 1
        if self.rounds_done == self.n:
            self.rss = self.sampler.sample()
            self.warm_seconds = time.monotonic() - self.t0


async def _run_session(s: Session, browser, shared, clock: Clock, max_rounds: int) -> None:
    from playwright.async_api import Error as PlaywrightError

    r = s.result
    try:
        await s.open(browser, shared)
        r.latencies["first page"].append(await s.start())
    except (PlaywrightError, CheckFailed) as exc:
        r.errors.append(f"s{s.i} start: {str(exc).splitlines()[0][:300]}")
    clock.arrive()
    await clock.go.wait()
    k = 0
    while s.page is not None and k < max_rounds and time.monotonic() < clock.deadline:
        n_errors = len(r.errors)
        try:  # the first round is never cut short: it is the warm-up
            if await s.round(k, clock.deadline if r.rounds else None):
                r.rounds += 1
                if r.rounds == 1:
                    clock.first_round_done()
        except CheckFailed as exc:
            r.errors.append(str(exc))
        except PlaywrightError as exc:  # timeouts included: an expected element did not appear
            r.errors.append(f"s{s.i} round {k}: {str(exc).splitlines()[0][:300]}")
        except Exception as exc:  # noqa: BLE001 - a bug of the driver itself is an error too
            r.errors.append(f"s{s.i} round {k}: {type(exc).__name__}: {exc}")
        if len(r.errors) >= 20:
            break
        if len(r.errors) > n_errors:
            try:  # start over: a fresh Streamlit session in this browser context
                await s.start()
            except PlaywrightError:
                break
        k += 1
    if s.page is not None:
        await (s.page.context.close() if s.own_context else s.page.close())


async def _drive(url: str, sessions: int, seconds: float, max_rounds: int, timeout_s: float, pdf_every: int,
                 mode: str, sampler: RssSampler) -> tuple[list[SessionResult], Clock]:
    from playwright.async_api import async_playwright

    from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed (/usr/bin/chromium)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS + EXTRA_FLAGS, headless=True)
        try:
            clock = Clock(sessions, seconds, sampler)
            group = [Session(i, sessions, url, timeout_s, pdf_every) for i in range(sessions)]
            shared = await browser.new_context(viewport=VIEWPORT) if mode == "tabs" else None
            await asyncio.gather(*(_run_session(s, browser, shared, clock, max_rounds) for s in group))
        finally:
            await browser.close()
    return [s.result for s in group], clock


def run_load(sessions: int = 8, seconds: float = 120, *, max_rounds: int = 1000, timeout_s: float = 90,
             pdf_every: int = 4, mode: str = "contexts", server_log: str | None = None,
             server_env: dict[str, str] | None = None) -> LoadReport:
    """Start the server, drive ``sessions`` browsers at once for ``seconds``, stop; the report."""
    from bench.results import machine
    from tests.browser.conftest import Server, free_port

    t_start = time.monotonic()
    srv = Server(free_port(), env={"PYTHONUNBUFFERED": "1", **(server_env or {})})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(srv.proc.stdout.readline, "")), daemon=True)
    reader.start()
    sampler = None
    try:
        srv.wait()
        sampler = RssSampler(srv.proc.pid)
        rss_start = sampler.sample()
        sampler.start()
        results, warm = asyncio.run(_drive(srv.url, sessions, seconds, max_rounds, timeout_s, pdf_every, mode,
                                           sampler))
        rss_final = sampler.sample()
    finally:
        try:
            if sampler is not None:
                sampler.stop()
        finally:
            srv.stop()
            reader.join(5)
    if server_log:
        Path(server_log).write_text("".join(lines))
    loads = Counter(m.group(1) for line in lines if (m := LOAD_LINE.search(line)))
    problems = [f"server: {line.strip()[:200]}" for line in lines
                if any(s in line for s in ("Traceback", "Uncaught app", "Exception in"))]
    share = (1 / pdf_every) if pdf_every > 0 else 0.0
    return LoadReport(
        sessions=sessions, seconds=seconds, wall_seconds=time.monotonic() - t_start, pdf_every=pdf_every, mode=mode,
        results=results, model_loads=dict(loads), server_problems=problems, rss_start=rss_start,
        rss_baseline=warm.rss, rss_peak=max([v for _, v in sampler.samples] or [0]), rss_final=rss_final,
        budget=memory_bound(sessions, share), warm_seconds=warm.warm_seconds, machine=machine(),
        rss_samples=[(ts - warm.t0, v) for ts, v in sampler.samples] if math.isfinite(warm.t0) else [])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--max-rounds", type=int, default=1000, help="per session (default 1000)")
    ap.add_argument("--timeout", type=float, default=90, help="seconds an expected element may take")
    ap.add_argument("--pdf-every", type=int, default=4, help="every n-th upload is a PDF (0: texts only)")
    ap.add_argument("--mode", choices=["contexts", "tabs"], default="contexts",
                    help="one browser context per session (default) or all sessions as tabs of one context")
    ap.add_argument("--server-log", help="write the server's output to this file")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                    help="an environment variable for the server (e.g. MALLOC_ARENA_MAX=2); repeatable")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    ap.add_argument("--verbose", action="store_true", help="print every action as it ends (stderr)")
    args = ap.parse_args(argv)
    global DEBUG
    DEBUG = DEBUG or args.verbose
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # a SIGTERM ends the run through the finally blocks: the server is stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = run_load(args.sessions, args.seconds, max_rounds=args.max_rounds, timeout_s=args.timeout,
                      pdf_every=args.pdf_every, mode=args.mode, server_log=args.server_log,
                      server_env=dict(kv.split("=", 1) for kv in args.server_env))
    print(report.summary())
    if not args.no_write:
        from bench.results import write_section

        write_section("load", report.markdown())
        print("wrote the 'load' section of bench/RESULTS.md")
    return 0 if not report.failures() else 1


if __name__ == "__main__":
    sys.exit(main())
