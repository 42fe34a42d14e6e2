"""Multi-Vector Pooling Explorer (entry point).

The full explorer (document upload, embeddings, pooling heatmaps, MaxSim) is being
built; this first screen is an honest preview of the compute core: it pools a
ColPali-shaped random page (32x32 patches + 6 prompt tokens, 128-d) with every method
and shows the vector counts and memory.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import streamlit as st  # noqa: E402
import torch  # noqa: E402

from pooling_core import METHODS, MultiVector, memory_bytes, pool  # noqa: E402
from pooling_core.memory import human_bytes  # noqa: E402

st.set_page_config(page_title="Multi-Vector Pooling Explorer", layout="wide")
st.title("Multi-Vector Pooling Explorer")
st.info(
    "Preview: the document, embedding, pooling and MaxSim pages are under construction. "
    "Below, the compute core pools a random ColPali-shaped page (not a real document)."
)
pool_factor = st.slider("Pool factor (hierarchical, k-means, sequential)", 1, 9, 3)
g = torch.Generator().manual_seed(0)
vectors = torch.nn.functional.normalize(torch.randn(1030, 128, generator=g), dim=-1)
mask = torch.zeros(1030, dtype=torch.bool)
mask[1024:] = True
mv = MultiVector(vectors, grid=(32, 32), special_mask=mask)
rows = []
for method in METHODS:
    params = {"pool_factor": pool_factor} if method in ("hierarchical", "kmeans", "sequential") else {}
    res = pool(mv, method, **params)
    rows.append({"method": method, "vectors": res.n_output,
                 "float32": human_bytes(memory_bytes(res.n_output, 128)),
                 "binary": human_bytes(memory_bytes(res.n_output, 128, "binary"))})
st.dataframe(rows, hide_index=True)
