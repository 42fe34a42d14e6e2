"""Encoders: documents and queries -> multi-vectors.

>>> from pooling_core.encoders import get_encoder, available_encoders
>>> "minilm" in [e.name for e in available_encoders()]
True

``get_encoder(name, device="auto", **options)`` takes a registry name (``"minilm"``), a
colpali-engine model id (``"vidore/colqwen2-v1.0"``, from the local Hugging Face cache
unless downloads are allowed) or a local model folder. Every encoder offers
``encode_document(doc, page)`` -> :class:`~pooling_core.multivector.MultiVector`,
``encode_query(text)`` -> ``(q_len, dim)`` tensor, and ``name``, ``label``, ``dim``,
``device``, ``yields_patches``. Text encoders add ``encode_text``; page encoders add
``encode_images``.

Files: ``base`` (the interface), ``registry`` (names), ``sources`` (finding model files),
``families`` (which colpali-engine family a folder is), ``geometry`` (where each token sits
on the page), ``windows`` (long texts), ``text_tokens`` (MiniLM) and ``page_models``
(colpali-engine models).
"""

from __future__ import annotations

from pooling_core.encoders.base import Encoder
from pooling_core.encoders.registry import EncoderInfo, available_encoders, get_encoder, register_encoder

__all__ = ["Encoder", "EncoderInfo", "available_encoders", "get_encoder", "register_encoder"]
