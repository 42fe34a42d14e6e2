"""pooling_core: the compute core of the Multi-Vector Pooling Explorer.

Pure torch / numpy / scipy: multi-vector documents (:class:`MultiVector`), pooling
methods (:func:`pool`), MaxSim scoring and similarity maps, memory accounting. No
Streamlit, no plotting.
"""

from __future__ import annotations

from pooling_core.errors import InputError
from pooling_core.maxsim import MaxSimDetails, maxsim, maxsim_details, maxsim_scores, similarities
from pooling_core.memory import memory_bytes, memory_table
from pooling_core.multivector import MultiVector
from pooling_core.pooling import METHODS, PoolingResult, method_params, pool, pool_many
from pooling_core.similarity import (
    pooled_similarity_map,
    pooled_token_similarities,
    similarity_map,
    token_similarities,
)

__all__ = [
    "InputError",
    "METHODS",
    "MaxSimDetails",
    "MultiVector",
    "PoolingResult",
    "maxsim",
    "maxsim_details",
    "maxsim_scores",
    "memory_bytes",
    "memory_table",
    "method_params",
    "pool",
    "pool_many",
    "pooled_similarity_map",
    "pooled_token_similarities",
    "similarities",
    "similarity_map",
    "token_similarities",
]
