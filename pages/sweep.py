"""Sweep page: vectors kept vs MaxSim retention, for several methods and parameters."""

from __future__ import annotations

import streamlit as st

from explorer import context, state
from explorer.figures import sweep_curves
from explorer.pooling_choice import GRID_ONLY, METHOD_LABELS
from explorer.sweeps import SINGLE_POINT, SWEEPABLE, sweep_series
from explorer.widgets import chart
from pooling_core.errors import InputError

st.title("Sweep")
ctx = context.current()
st.caption(f"{ctx.name} · {ctx.enc.label if ctx.enc else ctx.encoder_name}")
if context.require(ctx):
    mv = ctx.mv
    options = [m for m in (*SWEEPABLE, *SINGLE_POINT) if mv.grid is not None or m not in GRID_ONLY]
    chosen = [m for m in state.get(state.SWEEP_METHODS) if m in options]
    if chosen != state.get(state.SWEEP_METHODS):
        state.put(state.SWEEP_METHODS, chosen)
    methods = st.multiselect("Methods", options, format_func=METHOD_LABELS.get, key=state.SWEEP_METHODS)
    maximum = st.slider("Largest pool factor / window", 2, 16, key=state.SWEEP_MAX)
    if state.get(state.QUERY_FOR) != ctx.sha:
        state.put(state.QUERY, ctx.default_query())
        state.put(state.QUERY_FOR, ctx.sha)
    default = state.get(state.QUERY) or ctx.default_query()
    text = st.text_area("Queries (one per line)", value=default, key="sweep_queries", height=90)
    queries = [line.strip() for line in text.splitlines() if line.strip()]
    if not methods or not queries:
        st.info("Choose at least one method and type at least one query.")
        st.stop()
    bar = st.progress(0.0, text="Sweeping…")
    total = len(methods)

    def progress(method: str, i: int, n: int) -> None:
        k = methods.index(method)
        bar.progress(min((k + i / n) / total, 1.0), text=f"{METHOD_LABELS[method]}: {i}/{n}")

    try:
        qv = [ctx.query(q) for q in queries]
        series = context.sweep(ctx, tuple(methods), maximum, tuple(queries), qv, progress)
    except InputError as exc:
        st.error(str(exc))
        st.stop()
    bar.empty()
    chart(sweep_curves(series, title="Vectors kept vs MaxSim retention (knee marked)"), "sweep", "sweep")
    rows = []
    for s in series:
        k = s["knee"]
        if k is not None:
            rows.append({"method": METHOD_LABELS[s["method"]], "knee at": s["param"][k],
                         "vectors": s["vectors"][k], "retention": f"{s['retention'][k] * 100:.1f}%"})
    if rows:
        st.dataframe(rows, hide_index=True)
