"""Embeddings page: the per-patch / per-token vectors, before any pooling."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import context
from explorer.figures import norm_heatmap, page_with_grid, pca_rgb_map, pca_scatter, token_chips_html
from explorer.widgets import chart, html_block
from pooling_core.projection import pca, pca_rgb

st.title("Embeddings")
ctx = context.current()
st.caption(f"{ctx.name} · {ctx.enc.label if ctx.enc else ctx.encoder_name}")
if context.require(ctx):
    mv = ctx.mv
    colors = pca_rgb(mv.vectors).cpu().numpy()
    coords, explained = pca(mv.vectors, 2)
    special = mv.special_mask.cpu().numpy()
    cell_text = mv.metadata.get("cell_text")
    if mv.grid is not None:
        rows, cols = mv.grid
        patch = mv.patch_indices.cpu().numpy()
        blank = mv.metadata.get("blank_mask")
        blank = None if blank is None else np.asarray(blank, dtype=bool).reshape(rows, cols)
        st.write(f"{mv.n_patches} patch vectors on a {rows}×{cols} grid, {mv.n_special} special token(s), "
                 f"{mv.dim} dimensions.")
        a, b = st.columns(2)
        with a:
            chart(page_with_grid(ctx.image, mv.grid, cell_text=cell_text, blank_mask=blank), "emb-grid",
                  "page-grid")
        with b:
            chart(pca_rgb_map(colors[patch].reshape(rows, cols, 3), image=ctx.image, cell_text=cell_text,
                              title="Patches coloured by their 3 principal components"), "emb-pca", "pca-rgb")
        norms = mv.vectors[mv.patch_indices].float().norm(dim=1).cpu().numpy().reshape(rows, cols)
        c, d = st.columns(2)
        with c:
            chart(norm_heatmap(norms, image=ctx.image), "emb-norms", "vector-norms")
            if float(norms.max() - norms.min()) < 1e-4:
                st.caption(f"Every patch vector has norm {float(norms.mean()):.4f}: this encoder L2-normalises "
                           "its outputs, so MaxSim's dot product is the cosine.")
        hover = [f"patch {i} (row {i // cols}, col {i % cols})" for i in range(mv.n_patches)]
        labels = [""] * mv.n
        for k, p in enumerate(patch):
            labels[int(p)] = hover[k]
        for p in mv.special_indices.cpu().numpy():
            labels[int(p)] = f"special token {int(p)}" + (f": {mv.tokens[int(p)]}" if mv.tokens else "")
        with d:
            chart(pca_scatter(coords.cpu().numpy(), colors=colors, is_special=special, hover=labels,
                              title=f"All vectors, PCA ({explained.sum().item() * 100:.0f}% of variance)"),
                  "emb-scatter", "pca-scatter")
    else:
        st.write(f"{mv.n} token vectors ({mv.n_special} special), {mv.dim} dimensions. "
                 "Tokens are coloured by the first 3 principal components of their vectors: "
                 "similar vectors look alike.")
        tokens = mv.tokens or [str(i) for i in range(mv.n)]
        titles = [f"token {i}: norm {float(n):.3f}" for i, n in enumerate(mv.vectors.float().norm(dim=1))]
        html_block(token_chips_html(tokens, colors=colors, is_special=special, titles=titles))
        hover = [f"{i}: {t}" for i, t in enumerate(tokens)]
        chart(pca_scatter(coords.cpu().numpy(), colors=colors, is_special=special, hover=hover,
                          title=f"Token vectors, PCA ({explained.sum().item() * 100:.0f}% of variance)"),
              "emb-scatter", "pca-scatter")
