"""MaxSim page: how a query's score and its similarity maps change with pooling."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import context, state
from explorer.controls import pooling_controls
from explorer.figures import contribution_bars, score_bars, similarity_maps, token_similarity_html
from explorer.widgets import chart, html_block
from pooling_core import (
    maxsim_details,
    pooled_similarity_map,
    pooled_token_similarities,
    similarity_map,
    token_similarities,
)
from pooling_core.errors import InputError

st.title("MaxSim")
ctx = context.current()
st.caption(f"{ctx.name} · {ctx.enc.label if ctx.enc else ctx.encoder_name}")
if context.require(ctx):
    mv = ctx.mv
    if state.get(state.QUERY_FOR) != ctx.sha:
        state.put(state.QUERY, ctx.default_query())
        state.put(state.QUERY_FOR, ctx.sha)
    query = st.text_input("Query", key=state.QUERY, placeholder="Type a query about this document…")
    choice = pooling_controls(mv, compact=True)
    if not query.strip():
        st.info("Type a query to see its MaxSim score before and after pooling.")
        st.stop()
    try:
        q = ctx.query(query)
        res = ctx.pooled(choice)
        before = maxsim_details(q, mv)
        after = maxsim_details(q, res)
    except InputError as exc:
        st.error(str(exc))
        st.stop()
    q_tokens = list(getattr(ctx.enc, "query_tokens", lambda t: [])(query)) or [f"q{i}" for i in range(q.shape[0])]
    if len(q_tokens) != q.shape[0]:
        q_tokens = [f"q{i}" for i in range(q.shape[0])]
    retention = after.score / before.score if before.score else float("nan")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("MaxSim, original", f"{before.score:.3f}")
    m2.metric("MaxSim, pooled", f"{after.score:.3f}", delta=f"{after.score - before.score:+.3f}")
    m3.metric("Retention", f"{retention * 100:.1f}%")
    m4.metric("Vectors", f"{res.n_output} / {mv.n}")
    loss = (before.token_scores - after.token_scores).cpu().numpy()
    a, b = st.columns([1, 2])
    with a:
        chart(score_bars(before.score, after.score), "ms-scores", "maxsim-scores")
    with b:
        chart(contribution_bars(q_tokens, before.token_scores.cpu().numpy(), after.token_scores.cpu().numpy()),
              "ms-contrib", "contributions")
    worst = int(np.argmax(loss))
    t = st.selectbox("Query token for the similarity map", range(len(q_tokens)), index=worst,
                     format_func=lambda i: f"{i}: {q_tokens[i]} (lost {loss[i]:+.3f})", key="ms_token")
    if mv.grid is not None:
        orig = similarity_map(q, mv)[t].cpu().numpy()
        pooled = pooled_similarity_map(q, mv, res)[t].cpu().numpy()
        chart(similarity_maps(orig, pooled, image=ctx.image, token=q_tokens[t],
                              title=f"Similarity of '{q_tokens[t]}' to every patch: original, pooled, difference"),
              "ms-maps", "similarity-maps")
        best = int(before.argmax[t])
        if bool(mv.special_mask[best]):
            st.caption(f"Best match of '{q_tokens[t]}': special token {best}.")
        else:
            pos = int((mv.patch_indices < best).sum())
            st.caption(f"Best original match of '{q_tokens[t]}': patch {pos} "
                       f"(row {pos // mv.grid[1]}, col {pos % mv.grid[1]}).")
    else:
        tokens = mv.tokens or [str(i) for i in range(mv.n)]
        html_block(token_similarity_html(tokens, token_similarities(q, mv)[t].cpu().numpy(),
                                         pooled_token_similarities(q, res)[t].cpu().numpy()))
