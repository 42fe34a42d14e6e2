"""Figure builders of the Multi-Vector Pooling Explorer.

Plain functions: numpy arrays, lists, PIL images and numbers in; a plotly ``Figure`` (or an
HTML string for the token views) out. No Streamlit, no torch. One theme per file:

- ``page``: the page and its patch grid
- ``embeddings``: PCA colours, norms, 2-d scatter of the vectors
- ``pooling``: which patches were pooled together, vector counts, memory, dendrogram
- ``maxsim``: scores, per-token contributions, similarity maps before/after pooling
- ``sweep``: retention against vectors kept, per method
- ``tokens``: text tokens as HTML chips
- ``common``: palettes, grid axes, page background, :func:`figure_html`
"""

from __future__ import annotations

from explorer.figures.common import figure_html
from explorer.figures.corpus import pareto_plot, ranking_figure
from explorer.figures.embeddings import norm_heatmap, pca_rgb_map, pca_scatter
from explorer.figures.maxsim import contribution_bars, score_bars, similarity_maps
from explorer.figures.page import page_with_grid
from explorer.figures.pooling import (
    cluster_heatmap,
    cluster_size_histogram,
    counts_bars,
    dendrogram_figure,
    memory_bars,
)
from explorer.figures.sweep import sweep_curves
from explorer.figures.tokens import token_chips_html, token_clusters_html, token_similarity_html

__all__ = [
    "cluster_heatmap",
    "cluster_size_histogram",
    "contribution_bars",
    "counts_bars",
    "dendrogram_figure",
    "figure_html",
    "memory_bars",
    "norm_heatmap",
    "page_with_grid",
    "pca_rgb_map",
    "pca_scatter",
    "score_bars",
    "similarity_maps",
    "sweep_curves",
    "token_chips_html",
    "token_clusters_html",
    "token_similarity_html",
    "pareto_plot",
    "ranking_figure",
]
