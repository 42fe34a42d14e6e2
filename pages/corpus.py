"""Corpus page: how pooling changes rankings and quality over many documents."""

from __future__ import annotations

import streamlit as st

from explorer import context
from explorer.corpus_run import DEFAULT_METHODS, CorpusSpec, query_items, sample_corpus, sample_query_ids
from explorer.figures import pareto_plot, ranking_figure
from explorer.widgets import chart
from pooling_core.errors import InputError
from pooling_core.evaluation.parsing import Item
from pooling_core.evaluation.parsing import parse_qrels
from pooling_core.evaluation.runner import parse_methods

st.title("Corpus")
st.caption("Rank many documents by MaxSim with original and pooled vectors, and compare.")

source = st.radio("Corpus", ["Sample (70 Federal Register passages, 18 labelled queries)",
                             "Upload a text collection", "Upload a multi-page PDF", "Upload several documents"],
                  key="corpus_source")
spec = qrels_bytes = None
queries_text = ""
sample_ids = None
if source.startswith("Sample"):
    spec, queries_text, qrels_bytes = sample_corpus()
    sample_ids = sample_query_ids()
    encoder_name = "minilm"
elif source == "Upload a text collection":
    up = st.file_uploader("One document per line, JSONL {\"id\", \"text\"} or TSV id<TAB>text",
                          type=["txt", "jsonl", "tsv"], key="corpus_upload")
    if up is not None:
        spec = CorpusSpec(up.name, up.getvalue())
    encoder_name = "minilm"
elif source == "Upload several documents":
    ups = st.file_uploader("PDFs (every page is a document), images, text files", accept_multiple_files=True,
                           type=["pdf", "png", "jpg", "jpeg", "webp", "tif", "tiff", "gif", "txt", "md"],
                           key="corpus_files")
    encoder_name = st.selectbox("Encoder", ["layout-minilm", "minilm"], key="corpus_files_encoder",
                                help="Images need a ColPali-family model: type its id or folder below.")
    other = st.text_input("…or a ColPali-family model id / local folder", key="corpus_files_model")
    if other.strip():
        encoder_name = other.strip()
    if ups:
        spec = CorpusSpec(f"{len(ups)} files", files=tuple((u.name, u.getvalue()) for u in ups))
else:
    up = st.file_uploader("PDF", type=["pdf"], key="corpus_pdf")
    encoder_name = st.selectbox("Encoder", ["layout-minilm", "minilm"], key="corpus_encoder")
    if up is not None:
        c1, c2 = st.columns(2)
        first = c1.number_input("First page", 1, 10_000, 1, key="corpus_first")
        last = c2.number_input("Last page", 1, 10_000, 20, key="corpus_last")
        spec = CorpusSpec(up.name, up.getvalue(), int(first), int(last))

queries_text = st.text_area("Queries (one per line)", value=queries_text, height=120, key=f"corpus_q_{source[:6]}")
qrels_up = st.file_uploader("Relevance labels (optional; TREC or BEIR TSV)", type=["txt", "tsv", "qrels"],
                            key="corpus_qrels")
if qrels_up is not None:
    qrels_bytes = qrels_up.getvalue()
c1, c2, c3 = st.columns([3, 1, 1])
methods_text = c1.text_input("Methods", ",".join(DEFAULT_METHODS), key="corpus_methods",
                             help="e.g. hierarchical:3, sequential:2, kmeans:4, grid:2x2, row, column, mean")
k = c2.number_input("k", 1, 100, 5, key="corpus_k")
prefetch = c3.number_input("Prefetch K (0 = off)", 0, 1000, 20, key="corpus_prefetch")

if spec is None:
    st.info("Upload a corpus, or choose the sample.")
    st.stop()
if not st.button("Run the evaluation", type="primary", key="corpus_run") and "corpus_result" not in st.session_state:
    st.stop()

try:
    methods = parse_methods(methods_text)
    q_items = query_items(queries_text)
    if sample_ids is not None and queries_text == sample_corpus()[1]:
        q_items = [Item(sample_ids[i], q.text) for i, q in enumerate(q_items)]  # the labels apply
    qrels = parse_qrels(qrels_bytes, "the relevance labels") if qrels_bytes else None
    enc = context.encoder(encoder_name)
    bar = st.progress(0.0, text="Encoding the corpus…")
    ev = context.corpus_evaluation(spec, enc, encoder_name, tuple(q_items), methods_text, int(k), int(prefetch),
                                   qrels_bytes, qrels, methods,
                                   lambda i, n, what: bar.progress(i / n, text=f"Encoding {i}/{n}: {what}"))
    bar.empty()
    st.session_state["corpus_result"] = True
except InputError as exc:
    st.error(str(exc))
    st.stop()

table = ev.table()
quality = f"ndcg@{int(k)}" if qrels else "topk_overlap"
st.subheader("Metrics per method")
st.dataframe([{"method": name, **{key: round(v, 4) for key, v in row.items()}} for name, row in table.items()],
             hide_index=True)
chart(pareto_plot(table, quality=quality, title=f"Memory (bytes, float32) vs {quality}"), "corpus-pareto", "pareto")
if prefetch:
    st.caption(f"Prefetch + rerank: the top {int(prefetch)} by pooled MaxSim are rescored with full MaxSim; "
               f"prefetch_recall@{int(k)} is the share of the exact top {int(k)} recovered.")

st.subheader("One query's ranking")
qi = st.selectbox("Query", range(len(q_items)), format_func=lambda i: f"{q_items[i].id}: {q_items[i].text[:80]}",
                  key="corpus_query_pick")
mi = st.selectbox("Method", range(len(ev.methods)), format_func=lambda i: ev.methods[i].name, key="corpus_method_pick")
rep = ev.methods[mi]
relevant = [d for d, r in (qrels or {}).get(q_items[qi].id, {}).items() if r > 0]
chart(ranking_figure(ev.original.rankings[qi], rep.rankings[qi], int(k), relevant=relevant,
                     title=f"Top {int(k)}: original vs {rep.name} (moved documents in colour)"),
      "corpus-ranking", "ranking")
