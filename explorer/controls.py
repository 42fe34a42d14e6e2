"""The pooling controls (method and parameters), shared by the Pooling and MaxSim pages.

Widgets are bound to the keys in :mod:`explorer.state`, so a choice made on one page is
the choice on the other.
"""

from __future__ import annotations

import streamlit as st

from explorer import context, state
from explorer.pooling_choice import GRID_ONLY, METHOD_LABELS, WITH_POOL_FACTOR, PoolingChoice
from pooling_core import MultiVector


def pooling_controls(mv: MultiVector, *, compact: bool = False) -> PoolingChoice:
    """Render method + parameter widgets for ``mv`` and return the resulting choice."""
    methods = [m for m in METHOD_LABELS if mv.grid is not None or m not in GRID_ONLY]
    if state.get(state.METHOD) not in methods:
        state.put(state.METHOD, "hierarchical")
    c1, c2, c3 = st.columns([2, 3, 2])
    with c1:
        method = st.selectbox("Method", methods, format_func=METHOD_LABELS.get, key=state.METHOD)
    with c2:
        if method in WITH_POOL_FACTOR:
            st.slider("Pool factor (keep about 1/k of the vectors)", 1, 16, key=state.P_POOL_FACTOR)
        elif method == "grid":
            rows, cols = mv.grid
            w1, w2 = st.columns(2)
            if state.get(state.P_WINDOW_H) > rows:
                state.put(state.P_WINDOW_H, rows)
            if state.get(state.P_WINDOW_W) > cols:
                state.put(state.P_WINDOW_W, cols)
            w1.number_input("Window rows", 1, rows, key=state.P_WINDOW_H)
            w2.number_input("Window columns", 1, cols, key=state.P_WINDOW_W)
        if method == "kmeans" and not compact:
            st.number_input("Seed", 0, 10_000, key=state.P_SEED)
    with c3:
        if not compact:
            st.checkbox("Keep special tokens (unpooled)", key=state.P_KEEP_SPECIAL,
                        help="Prompt / [CLS] / [SEP] tokens are not patches: keep them as they are, "
                             "or drop them.")
            if method == "hierarchical":
                st.checkbox("Protect special tokens from clustering", key=state.P_PROTECT,
                            help="Keep special tokens out of the clustering (they are kept or dropped "
                                 "as set above) instead of letting them merge with patches.")
    return context.choice_from_state()
