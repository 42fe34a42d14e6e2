"""Multi-Vector Pooling Explorer: see what pooling does to multi-vector embeddings.

    bash run.sh app

The entry point builds the navigation over the pages in ``pages/``, initialises the
session state in one place (:mod:`explorer.state`) and runs the chosen page. Every page
falls back to the embedded sample when opened directly by its URL.
"""

from __future__ import annotations

import os

if os.environ.get("POOLING_ALLOW_DOWNLOADS") != "1":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import streamlit as st  # noqa: E402
from PIL import Image  # noqa: E402

from explorer import state  # noqa: E402

# A favicon made here, not a named icon: named icons are fetched from the internet.
st.set_page_config(page_title="Multi-Vector Pooling Explorer", page_icon=Image.new("RGB", (32, 32), (59, 91, 219)),
                   layout="wide")
state.init()
state.keep_widget_state()

PAGES = [
    st.Page("pages/document.py", title="Document", icon=":material/description:", default=True, url_path="document"),
    st.Page("pages/embeddings.py", title="Embeddings", icon=":material/palette:", url_path="embeddings"),
    st.Page("pages/pooling.py", title="Pooling", icon=":material/join_inner:", url_path="pooling"),
    st.Page("pages/maxsim.py", title="MaxSim", icon=":material/target:", url_path="maxsim"),
    st.Page("pages/sweep.py", title="Sweep", icon=":material/show_chart:", url_path="sweep"),
    st.Page("pages/corpus.py", title="Corpus", icon=":material/library_books:", url_path="corpus"),
]
page = st.navigation(PAGES)
st.sidebar.caption(
    "Multi-Vector Pooling Explorer: how row/column, window, hierarchical and k-means pooling "
    "change late-interaction (ColPali / ColBERT-style) embeddings."
)
page.run()
