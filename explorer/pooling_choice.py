"""The pooling method and parameters chosen in the UI, as plain data (no Streamlit).

``PoolingChoice`` is what the Pooling page's widgets produce and what every page uses
to pool; it turns into ``pool()`` keyword arguments, a cache key, a one-line label and
the Python snippets shown for reproduction.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

#: methods in the order the UI lists them, with labels
METHOD_LABELS: dict[str, str] = {
    "hierarchical": "Hierarchical (Ward clustering)",
    "row": "Row mean",
    "column": "Column mean",
    "row_column": "Row + column means",
    "grid": "2D window mean",
    "sequential": "Sequential windows",
    "kmeans": "k-means",
    "mean": "Mean (single vector)",
    "max": "Max (single vector)",
}
GRID_ONLY = {"row", "column", "row_column", "grid"}
WITH_POOL_FACTOR = {"hierarchical", "sequential", "kmeans"}


@dataclass(frozen=True)
class PoolingChoice:
    method: str = "hierarchical"
    pool_factor: int = 3
    window: tuple[int, int] = (2, 2)
    keep_special: bool = True
    protect_special: bool = True
    seed: int = 0

    def kwargs(self) -> dict:
        """Keyword arguments for :func:`pooling_core.pool`."""
        kw: dict = {"keep_special": self.keep_special}
        if self.method in WITH_POOL_FACTOR:
            kw["pool_factor"] = self.pool_factor
        if self.method == "grid":
            kw["window"] = tuple(self.window)
        if self.method == "kmeans":
            kw["seed"] = self.seed
        if self.method == "hierarchical":
            kw["protected"] = "special" if self.protect_special else "none"
        return kw

    def key(self) -> str:
        """A stable string for cache keys."""
        return json.dumps(asdict(self), sort_keys=True)

    def label(self) -> str:
        parts = [METHOD_LABELS.get(self.method, self.method)]
        if self.method in WITH_POOL_FACTOR:
            parts.append(f"pool factor {self.pool_factor}")
        if self.method == "grid":
            parts.append(f"window {self.window[0]}x{self.window[1]}")
        return ", ".join(parts)

    def snippet(self, source: str = "mv") -> str:
        """Python that reproduces this pooling with pooling_core (and colpali-engine where
        it has an equivalent)."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs().items())
        code = [
            "from pooling_core import pool",
            f"res = pool({source}, {self.method!r}, {args})",
            "res.vectors      # (m, d) pooled vectors",
            "res.assignment   # (n,) pooled vector of each input vector, -1 if dropped",
        ]
        if self.method == "hierarchical":
            code += [
                "",
                "# colpali-engine's closest equivalent (clusters rows of the 1 - cos matrix,",
                "# pools special tokens too):",
                "from colpali_engine.compression.token_pooling import HierarchicalTokenPooler",
                f"pooled = HierarchicalTokenPooler().pool_embeddings([{source}.vectors], "
                f"pool_factor={self.pool_factor})",
            ]
        return "\n".join(code)
