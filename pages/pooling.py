"""Pooling page: choose a method and its parameters; see what merges and what it saves."""

from __future__ import annotations

import streamlit as st

from explorer import context
from explorer.figures import (
    cluster_heatmap,
    cluster_size_histogram,
    counts_bars,
    dendrogram_figure,
    memory_bars,
    token_clusters_html,
)
from explorer.controls import pooling_controls
from explorer.widgets import chart, html_block
from pooling_core import memory_table
from pooling_core.errors import InputError
from pooling_core.io import save_embeddings
from pooling_core.memory import human_bytes

st.title("Pooling")
ctx = context.current()
st.caption(f"{ctx.name} · {ctx.enc.label if ctx.enc else ctx.encoder_name}")
if context.require(ctx):
    mv = ctx.mv
    choice = pooling_controls(mv)
    try:
        res = ctx.pooled(choice)
    except InputError as exc:
        st.error(str(exc))
        st.stop()

    before, after = mv.n, res.n_output
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Vectors before", before)
    m2.metric("Vectors after", after, delta=f"{(after - before) / before * 100:.0f}%", delta_color="off")
    m3.metric("Compression", f"{res.compression:.1f}×")
    mem_before, mem_after = memory_table(before, mv.dim), memory_table(after, mv.dim)
    m4.metric("Memory (float32)", human_bytes(mem_after["float32"]),
              delta=f"-{human_bytes(mem_before['float32'] - mem_after['float32'])}", delta_color="off")

    if mv.grid is not None:
        rows, cols = mv.grid
        patch = mv.patch_indices
        grid_ids = res.assignment[patch].cpu().numpy().reshape(rows, cols)
        secondary = None
        if res.secondary_assignment is not None:
            secondary = res.secondary_assignment[patch].cpu().numpy().reshape(rows, cols)
        chart(cluster_heatmap(grid_ids, res.cluster_sizes.cpu().numpy(), image=ctx.image, secondary=secondary,
                              title=f"Which pooled vector each patch went into — {choice.label()}"),
              "pool-heatmap", "cluster-heatmap")
        if res.n_dropped:
            st.caption(f"{res.n_dropped} special token(s) dropped.")
    else:
        st.subheader("Tokens coloured by the pooled vector they went into")
        html_block(token_clusters_html(mv.tokens or [str(i) for i in range(mv.n)], res.assignment.cpu().numpy(),
                                       res.cluster_sizes.cpu().numpy(), is_special=mv.special_mask.cpu().numpy()))

    a, b, c = st.columns(3)
    with a:
        chart(counts_bars(before, after), "pool-counts", "vector-counts")
    with b:
        chart(memory_bars(mem_before, mem_after), "pool-memory", "memory")
    with c:
        pooled_sizes = res.cluster_sizes[~res.passthrough].cpu().numpy()
        chart(cluster_size_histogram(pooled_sizes), "pool-sizes", "cluster-sizes")

    if res.linkage is not None and res.linkage.shape[0] > 0:
        z = res.linkage
        k = res.params.get("clusters", after)
        n_c = z.shape[0] + 1
        lo = z[n_c - k - 1, 2] if 0 <= n_c - k - 1 < z.shape[0] else 0.0
        hi = z[n_c - k, 2] if n_c - k < z.shape[0] else lo
        chart(dendrogram_figure(z, p=40, cut_height=float((lo + hi) / 2),
                                title=f"Ward dendrogram (last 40 merges; dashed: the cut into {k} clusters)"),
              "pool-dendrogram", "dendrogram")

    st.subheader("Take it with you")
    d1, d2 = st.columns(2)
    d1.download_button("Pooled vectors (.npz, with assignment)", data=lambda: save_embeddings((mv, res), "npz"),
                       file_name="pooled.npz", mime="application/octet-stream", key="dl-npz", on_click="ignore")
    d2.download_button("Pooled vectors (.safetensors)", data=lambda: save_embeddings((mv, res), "safetensors"),
                       file_name="pooled.safetensors", mime="application/octet-stream", key="dl-st",
                       on_click="ignore")
    st.code(choice.snippet(), language="python")
