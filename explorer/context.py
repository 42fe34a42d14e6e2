"""The current document, its embedding and its pooling, computed once and cached.

Caching (see STYLE.md): models are shared objects in ``st.cache_resource`` (at most 4);
documents are keyed by the SHA-256 of their bytes, embeddings and pooling results by
that hash plus the page, encoder and parameters, never by tensors (the tensor arguments
carry a leading underscore so Streamlit does not hash them). Several sessions that
upload identical bytes share one cache entry; different bytes never can. Every per-document
cache is bounded (``max_entries``) and expires after an hour (``ttl``), so a server's memory
stays bounded however many people upload.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
import torch
from PIL import Image

from explorer import state
from explorer.model_policy import current_policy
from explorer.pooling_choice import PoolingChoice
from pooling_core import MultiVector, PoolingResult, pool
from pooling_core.documents import Document, load_document
from pooling_core.encoders import available_encoders, get_encoder
from pooling_core.encoders.base import Encoder
from pooling_core.errors import InputError
from pooling_core.samples import DEFAULT_SAMPLE, SAMPLES, sample_path

PREVIEW_DPI = 96
_loaded_lock = threading.Lock()
_loaded: set[str] = set()


@st.cache_resource(max_entries=4, show_spinner=False)
def _encoder(name: str) -> Encoder:
    enc = get_encoder(name)
    # One line per real load (a cache miss): bench/load_test.py counts them in the server's output.
    print(f"loaded encoder {name}", file=sys.stderr, flush=True)
    with _loaded_lock:
        _loaded.add(name)
    return enc


def encoder(name: str) -> Encoder:
    """The encoder ``name``, loaded once per process; shows progress the first time.

    Raises :class:`InputError` when this server's model policy does not allow ``name``
    (:mod:`explorer.model_policy`)."""
    current_policy().check(name)
    with _loaded_lock:
        loaded = name in _loaded
    if loaded:
        return _encoder(name)
    with st.status(f"Loading encoder '{name}'…", expanded=False) as status:
        t0 = time.perf_counter()
        enc = _encoder(name)
        status.update(label=f"Loaded {enc.label} in {time.perf_counter() - t0:.1f} s", state="complete")
    return enc


@st.cache_resource(max_entries=32, ttl="1h", show_spinner=False)
def _document(sha: str, name: str, _data: bytes) -> Document:
    return load_document(_data, name)


def document(name: str, data: bytes) -> Document:
    """The :class:`Document` for these bytes (raises :class:`InputError` for bad input)."""
    return _document(hashlib.sha256(data).hexdigest(), name, data)


@st.cache_data(max_entries=64, ttl="1h", show_spinner=False)
def _page_image(sha: str, page: int, dpi: int, _doc: Document) -> Image.Image:
    return _doc.page_image(page, dpi=dpi)


@st.cache_data(max_entries=48, ttl="1h", show_spinner=False)
def _embed(sha: str, page: int, encoder_name: str, _doc: Document, _enc: Encoder) -> MultiVector:
    return _enc.encode_document(_doc, page=page)


@st.cache_data(max_entries=256, ttl="1h", show_spinner=False)
def _pooled(sha: str, page: int, encoder_name: str, choice_key: str, _mv: MultiVector,
            _choice: PoolingChoice) -> PoolingResult:
    return pool(_mv, _choice.method, **_choice.kwargs())


@st.cache_data(max_entries=256, ttl="1h", show_spinner=False)
def _query(encoder_name: str, text: str, _enc: Encoder) -> torch.Tensor:
    return _enc.encode_query(text)


def default_encoder(kind: str) -> str:
    """The offline default encoder for a document kind."""
    names = {info.name for info in available_encoders()}
    if kind == "pdf" and "layout-minilm" in names:
        return "layout-minilm"
    return "minilm"


@dataclass
class Context:
    """Everything a page needs about the current document."""

    name: str
    sha: str
    doc: Document
    page: int
    encoder_name: str
    sample: str | None
    enc: Encoder | None = None
    mv: MultiVector | None = None
    image: Image.Image | None = None
    error: str | None = None
    encode_seconds: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def ok(self) -> bool:
        return self.mv is not None

    def pooled(self, choice: PoolingChoice) -> PoolingResult:
        """Pool the current embedding (cached per document, page, encoder and choice)."""
        assert self.mv is not None
        return _pooled(self.sha, self.page, self.encoder_name, choice.key(), self.mv, choice)

    def query(self, text: str) -> torch.Tensor:
        """Query vectors from the current encoder (cached)."""
        assert self.enc is not None
        return _query(self.encoder_name, text, self.enc)

    def default_query(self) -> str:
        if self.sample and self.sample in SAMPLES:
            return SAMPLES[self.sample].default_query
        return ""


def use_sample(name: str) -> None:
    """Make the sample ``name`` the current document."""
    path = sample_path(name)
    state.put(state.DOC_NAME, path.name)
    state.put(state.DOC_BYTES, path.read_bytes())
    state.put(state.DOC_SAMPLE, name)
    state.put(state.PAGE, 0)
    state.put(state.ENCODER, None)


def use_upload(name: str, data: bytes) -> Document:
    """Validate an upload and make it the current document (raises InputError)."""
    doc = document(name, data)
    state.put(state.DOC_NAME, name)
    state.put(state.DOC_BYTES, data)
    state.put(state.DOC_SAMPLE, None)
    state.put(state.PAGE, 0)
    state.put(state.ENCODER, None)
    return doc


def current() -> Context:
    """The current document of this session, encoded; falls back to the default sample
    (a page opened directly by its URL starts a new session with nothing chosen)."""
    if state.get(state.DOC_BYTES) is None:
        use_sample(DEFAULT_SAMPLE)
    name, data = state.get(state.DOC_NAME), state.get(state.DOC_BYTES)
    sha = hashlib.sha256(data).hexdigest()
    doc = _document(sha, name, data)
    page = min(max(int(state.get(state.PAGE) or 0), 0), doc.page_count - 1)
    enc_name = state.get(state.ENCODER) or default_encoder(doc.kind)
    ctx = Context(name=name, sha=sha, doc=doc, page=page, encoder_name=enc_name,
                  sample=state.get(state.DOC_SAMPLE))
    if doc.kind in ("pdf", "image"):
        ctx.image = _page_image(sha, page, PREVIEW_DPI, doc)
    try:
        ctx.enc = encoder(enc_name)
        key = (sha, page, enc_name)
        seen = st.session_state.setdefault("_encoded", set())
        if key in seen:
            ctx.mv = _embed(sha, page, enc_name, doc, ctx.enc)
        else:
            with st.status(f"Encoding {name} with {ctx.enc.label}…", expanded=False) as status:
                t0 = time.perf_counter()
                ctx.mv = _embed(sha, page, enc_name, doc, ctx.enc)
                ctx.encode_seconds = time.perf_counter() - t0
                status.update(label=f"Encoded in {ctx.encode_seconds:.2f} s: {ctx.mv.n} vectors "
                                    f"of {ctx.mv.dim} dimensions", state="complete")
            seen.add(key)
    except InputError as exc:
        ctx.error = str(exc)
    except MemoryError:
        ctx.error = (f"The encoder '{enc_name}' ran out of memory on this document; try a smaller page "
                     "or another encoder.")
    except Exception as exc:  # noqa: BLE001 - a failing model must not take the session down
        if "out of memory" in str(exc).lower():
            ctx.error = (f"The encoder '{enc_name}' ran out of memory on this document; try a smaller page, "
                         "a lower resolution or another encoder.")
        else:
            ctx.error = f"The encoder '{enc_name}' failed on this document ({type(exc).__name__}: {exc})."
    return ctx


def require(ctx: Context) -> bool:
    """Show the encoding error (if any) and say whether the page can go on."""
    if ctx.error:
        st.error(ctx.error)
        st.info("Choose another encoder or document on the **Document** page.")
        return False
    return True


def choice_from_state() -> PoolingChoice:
    """The pooling choice currently set on the Pooling page."""
    return PoolingChoice(
        method=state.get(state.METHOD),
        pool_factor=int(state.get(state.P_POOL_FACTOR)),
        window=(int(state.get(state.P_WINDOW_H)), int(state.get(state.P_WINDOW_W))),
        keep_special=bool(state.get(state.P_KEEP_SPECIAL)),
        protect_special=bool(state.get(state.P_PROTECT)),
        seed=int(state.get(state.P_SEED)),
    )





def _session_memo(name: str, key: tuple, compute: Any, keep: int = 4) -> Any:
    """A small per-session memo (the last ``keep`` results of ``compute`` by ``key``).

    Used instead of ``st.cache_data`` where the computation draws progress bars, which a
    cached function may not do. Per session, so nothing is shared between users.
    """
    memo = st.session_state.setdefault(f"_memo_{name}", {})
    if key not in memo:
        memo[key] = compute()
        while len(memo) > keep:
            memo.pop(next(iter(memo)))
    return memo[key]


def sweep(ctx: Context, methods: tuple[str, ...], maximum: int, queries: tuple[str, ...],
          qv: list, progress: Any = None) -> list[dict]:
    """The Sweep page's series, memoised per document, encoder, methods and queries."""
    from explorer.sweeps import sweep_series

    assert ctx.mv is not None
    key = (ctx.sha, ctx.page, ctx.encoder_name, methods, maximum, queries)
    return _session_memo("sweep", key, lambda: sweep_series(ctx.mv, qv, methods, maximum, progress=progress))


def corpus_evaluation(spec: Any, enc: Encoder, encoder_name: str, queries: tuple, methods_text: str, k: int,
                      prefetch: int, qrels_bytes: bytes | None, qrels: Any, methods: Any, progress: Any) -> Any:
    """The Corpus page's evaluation, memoised by corpus content, queries, methods and labels;
    embeddings come from the on-disk cache when the corpus was seen before."""
    from explorer.corpus_run import encode_corpus
    from pooling_core.evaluation.cache import EmbeddingCache
    from pooling_core.evaluation.runner import evaluate

    def compute() -> Any:
        ids, docs = encode_corpus(spec, enc, EmbeddingCache(), progress)
        vectors = enc.encode_queries([q.text for q in queries])
        return evaluate(docs, ids, vectors, [q.id for q in queries], methods, k=k, qrels=qrels,
                        prefetch=prefetch or None)

    qrels_sha = hashlib.sha256(qrels_bytes).hexdigest() if qrels_bytes else None
    return _session_memo("corpus", (spec.sha, encoder_name, queries, methods_text, k, prefetch, qrels_sha), compute,
                         keep=2)
