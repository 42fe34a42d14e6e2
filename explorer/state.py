"""Session-state keys of the explorer, defined in one place.

Pages read and write ``st.session_state`` only through these names. Values that must
survive switching pages live under non-widget keys (widgets on a page that is not shown
are forgotten by Streamlit); :func:`keep_widget_state` re-assigns the widget keys that
should persist, once per run, from ``app.py``.

Keys:
    DOC_NAME, DOC_BYTES: the current document (file name and bytes); default: the
        embedded sample. Bytes of an upload live only in this session's state.
    DOC_SAMPLE: name of the sample in use, or ``None`` for an upload / typed text.
    PAGE: page index of a PDF (0-based).
    ENCODER: encoder registry name, model id or folder chosen on the Document page.
    METHOD and the ``P_*`` keys: the pooling method and its parameters.
    QUERY: the MaxSim query text.
    SWEEP_METHODS, SWEEP_MAX: the Sweep page's choices.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

DOC_NAME = "doc_name"
DOC_BYTES = "doc_bytes"
DOC_SAMPLE = "doc_sample"
PAGE = "page"
ENCODER = "encoder"
METHOD = "method"
P_POOL_FACTOR = "p_pool_factor"
P_WINDOW_H = "p_window_h"
P_WINDOW_W = "p_window_w"
P_KEEP_SPECIAL = "p_keep_special"
P_PROTECT = "p_protect"
P_SEED = "p_seed"
QUERY = "query"
QUERY_FOR = "query_for"
SWEEP_METHODS = "sweep_methods"
SWEEP_MAX = "sweep_max"
LAST_ERROR = "last_error"

#: widget keys whose values must survive page switches
PERSISTENT_WIDGETS = ("doc_source", METHOD, P_POOL_FACTOR, P_WINDOW_H, P_WINDOW_W, P_KEEP_SPECIAL, P_PROTECT,
                      P_SEED, QUERY, SWEEP_METHODS, SWEEP_MAX)

DEFAULTS: dict[str, Any] = {
    "doc_source": "Sample",
    PAGE: 0,
    METHOD: "hierarchical",
    P_POOL_FACTOR: 3,
    P_WINDOW_H: 2,
    P_WINDOW_W: 2,
    P_KEEP_SPECIAL: True,
    P_PROTECT: True,
    P_SEED: 0,
    SWEEP_METHODS: ["hierarchical", "sequential", "kmeans"],
    SWEEP_MAX: 9,
}


def init() -> None:
    """Fill in defaults for keys this session has not set yet (idempotent)."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value


def keep_widget_state() -> None:
    """Re-assign persistent widget keys so Streamlit keeps them while their page is hidden."""
    for key in PERSISTENT_WIDGETS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, DEFAULTS.get(key, default))


def put(key: str, value: Any) -> None:
    st.session_state[key] = value
