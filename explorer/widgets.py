"""Small Streamlit helpers shared by the pages: a chart with its HTML download."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import streamlit as st

from explorer.figures import figure_html


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "figure"


def chart(fig: go.Figure, key: str, name: str | None = None) -> None:
    """Show ``fig`` and, under it, a button that downloads it as a self-contained HTML file
    (plotly.js embedded, works offline). The HTML is built only when clicked."""
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
    st.download_button(
        "Download figure (HTML)",
        data=lambda: figure_html(fig),
        file_name=f"{_slug(name or key)}.html",
        mime="text/html",
        key=f"dl-{key}",
        on_click="ignore",
        type="tertiary",
    )


def html_block(html: str) -> None:
    """Render HTML built by :mod:`explorer.figures.tokens` (its user text is escaped)."""
    st.html(html)
