"""Read and write multi-vector embeddings: ``.npz``, ``.safetensors`` and ``.npy``.

Nothing here ever unpickles: ``.npy`` headers are checked before any data is read (an
object array is refused by its header), arrays are read with ``allow_pickle=False``, and
files are recognised by their magic bytes, so a pickle renamed ``.npy`` is refused
without being parsed. Every problem raises :class:`~pooling_core.errors.InputError` with
one sentence; validation of the vectors themselves (NaN, grid size, mask length) is
:class:`~pooling_core.multivector.MultiVector`'s own.

Schema
------
One document per file. The same key names are used in ``.npz`` and ``.safetensors``.

Document (``n`` vectors of dimension ``d``):

* ``vectors`` -- ``(n, d)`` float16 / float32 / float64 (bfloat16 too in safetensors).
  Required. Integer, bool, complex, object or NaN/Inf values are refused, and so is an
  array of zeros only (it carries no information; single zero vectors are allowed).
* ``special_mask`` -- ``(n,)`` bool, or integers 0/1: prompt / ``[CLS]`` / ``[SEP]``
  tokens that are not patches. Optional (all false).
* ``grid`` -- ``(2,)`` integers ``(rows, cols)`` of the non-special vectors, row-major.
  Optional (none for text).
* ``tokens`` -- ``n`` token strings. npz: a 1-D numpy unicode array; safetensors: a JSON
  list in the metadata entry ``tokens``. Optional.
* ``model`` -- encoder name. npz: a 0-d unicode array; safetensors: a plain metadata
  string. Optional.
* ``format_version`` -- ``1``. npz: a 0-d integer array; safetensors: a metadata string.
  Files from a newer version are refused; a missing entry means 1.

Pooled file: the document above (``vectors`` stay the ORIGINAL ``n`` vectors, with their
grid and tokens) plus the :class:`~pooling_core.pooling.result.PoolingResult`:

* ``pooled_vectors`` -- ``(m, d)`` float; its presence marks a pooled file.
* ``assignment`` -- ``(n,)`` int64: pooled vector of each input vector, -1 if dropped.
* ``cluster_sizes`` -- ``(m,)`` int64 (computed from ``assignment`` when absent).
* ``passthrough`` -- ``(m,)`` bool: pooled vectors copied unchanged (default false).
* ``secondary_assignment`` -- ``(n,)`` int64, ``row_column`` only (the column vector).
* ``linkage`` ``(k, 4)`` float64 and ``clustered_indices`` ``(k + 1,)`` int64 --
  ``hierarchical`` only (scipy linkage matrix and its leaves); both or neither.
* ``pooling_method`` (string, stored like ``model``) and ``pooling_params`` (a JSON
  object string; npz: 0-d unicode array).

``.npy`` holds one ``(n, d)`` float array and nothing else; an optional JSON *sidecar*
(``{"grid": [r, c], "special_mask": [...], "tokens": [...], "model": "..."}``, see
:func:`sidecar_json`) supplies the rest. Saving a pooled result as ``.npy`` writes the
pooled vectors. Unknown extra arrays in npz / safetensors are ignored.

Reading: :func:`load_embeddings` returns the vectors a file is *for*: the document's
vectors, or for a pooled file the pooled vectors (no grid; ``special_mask`` marks
special tokens that were passed through; ``metadata["pooling_method"]``...).
:func:`load_pooled` returns ``(original MultiVector, PoolingResult)`` from a pooled file.

Trade-offs: ``.safetensors`` files are written through numpy (``safetensors.numpy``) but
read through ``safetensors.torch``, because numpy has no bfloat16 and files written by
torch code often hold BF16 tensors. numpy has no bfloat16 either, so bfloat16 vectors are
saved as float32 in every format. ``MultiVector.metadata`` is display-only and not saved.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any, Mapping

import numpy as np
import safetensors.numpy
from safetensors.torch import load as safetensors_load  # safetensors format, never pickle
import torch

from pooling_core.errors import InputError
from pooling_core.multivector import MultiVector, as_multivector, as_vectors
from pooling_core.pooling.result import PoolingResult

FORMATS = ("npz", "safetensors", "npy")
EMBEDDING_EXTENSIONS = tuple(f".{f}" for f in FORMATS)
FORMAT_VERSION = 1
MAX_EMBEDDING_BYTES = 512 * 1024 * 1024  # a file, and the arrays unpacked from it
MAX_SIDECAR_BYTES = 64 * 1024 * 1024
_NPY_MAGIC = b"\x93NUMPY"
_VECTOR_KEYS = ("vectors", "pooled_vectors")
_FLOAT_DTYPES = (np.float16, np.float32, np.float64)
_INT_KINDS = ("i", "u")

Array = Any  # np.ndarray, or torch.Tensor for safetensors ``vectors`` (bfloat16)


# --------------------------------------------------------------------------- public API


def load_embeddings(data: bytes, filename: str, sidecar: bytes | None = None) -> MultiVector:
    """Load a ``.npz`` / ``.safetensors`` / ``.npy`` file as a :class:`MultiVector`.

    For a pooled file this is the pooled vectors (see the module docstring).
    ``sidecar`` (JSON bytes) is only read for ``.npy``.
    """
    arrays, meta = _read(data, filename, sidecar)
    document = _document_from(arrays, meta)
    if "pooled_vectors" not in arrays:
        return document
    return _pooled_multivector(document, _result_from(arrays, meta, document))


def load_pooled(data: bytes, filename: str) -> tuple[MultiVector, PoolingResult]:
    """Load a pooled file: the original document and its :class:`PoolingResult`."""
    arrays, meta = _read(data, filename, None)
    if "pooled_vectors" not in arrays:
        raise InputError("This file holds plain embeddings, not a pooling result (it has no 'pooled_vectors').")
    document = _document_from(arrays, meta)
    return document, _result_from(arrays, meta, document)


def save_embeddings(obj: Any, fmt: str = "npz") -> bytes:
    """Serialise ``obj`` to bytes in ``fmt`` (``"npz"``, ``"safetensors"`` or ``"npy"``).

    ``obj`` is a :class:`MultiVector` (or an ``(n, d)`` tensor / array), or a pair
    ``(MultiVector, PoolingResult)``. The bytes load back with :func:`load_embeddings`
    (and, for pooled results in npz / safetensors, with :func:`load_pooled`).
    """
    fmt = _check_format(fmt)
    document, result = _split(obj)
    if fmt == "npy":
        vectors = result.vectors if result is not None else document.vectors
        return _npy_bytes(_float_array(vectors))
    arrays, meta = _document_arrays(document)
    if result is not None:
        _add_result_arrays(arrays, meta, result, document)
    if fmt == "npz":
        return _npz_bytes(arrays, meta)
    return _safetensors_bytes(arrays, meta)


def sidecar_json(mv: MultiVector) -> bytes:
    """The JSON sidecar that gives a ``.npy`` file its grid, special mask, tokens and model."""
    out: dict[str, Any] = {}
    if mv.grid is not None:
        out["grid"] = list(mv.grid)
    if mv.n_special:
        out["special_mask"] = [bool(v) for v in mv.special_mask.cpu().tolist()]
    if mv.tokens is not None:
        out["tokens"] = list(mv.tokens)
    if mv.model is not None:
        out["model"] = mv.model
    return json.dumps(out, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- reading


def _read(data: Any, filename: Any, sidecar: bytes | None) -> tuple[dict[str, Array], dict[str, Any]]:
    """Bytes -> (arrays by key, non-array fields by key); format from the name, checked."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InputError(f"The file contents must be bytes, not {type(data).__name__}.")
    fmt = _format_of(filename)
    if not data:
        raise InputError("The embedding file is empty.")
    if len(data) > MAX_EMBEDDING_BYTES:
        raise InputError(
            f"The embedding file is {len(data) / 2**20:,.0f} MB; the limit is {MAX_EMBEDDING_BYTES // 2**20} MB."
        )
    if fmt == "npy":
        arrays = {"vectors": _read_npy(data, "The .npy file")}
        meta = _read_sidecar(sidecar) if sidecar is not None else {}
        if "special_mask" in meta:
            arrays["special_mask"] = meta.pop("special_mask")
        if "grid" in meta:
            arrays["grid"] = meta.pop("grid")
        return arrays, meta
    if fmt == "npz":
        return _read_npz(data)
    return _read_safetensors(data)


def _format_of(filename: Any) -> str:
    name = str(filename or "")
    for fmt in FORMATS:
        if name.lower().endswith("." + fmt):
            return fmt
    raise InputError(
        f"The file '{name}' is not an embedding file this app reads; use .npz, .safetensors or .npy."
    )


def _what_it_is(data: bytes) -> str | None:
    from pooling_core.documents import sniff  # documents imports pypdfium2; import lazily

    found = sniff(data)
    return None if found is None else found.description


def _read_npy(data: bytes, label: str) -> np.ndarray:
    """One ``.npy`` array; the header is checked before any data is read."""
    if not data.startswith(_NPY_MAGIC):
        what = _what_it_is(data)
        if what == "a Python pickle":
            raise InputError(
                f"{label} is a Python pickle, not a NumPy array; pickles are never loaded because they can run code."
            )
        if what is not None:
            raise InputError(f"{label} is {what}, not a NumPy array.")
        raise InputError(f"{label} is not a NumPy array: it does not start with the .npy header.")
    fp = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
    except Exception as exc:  # noqa: BLE001 - numpy's header parser (ast.literal_eval, never
        # eval) raises ValueError, SyntaxError, tokenize.TokenError... on garbage
        raise InputError(f"{label} has a damaged .npy header.") from exc
    if dtype.hasobject:
        raise InputError(
            f"{label} holds Python objects (an object array); they are never loaded because unpickling can run code."
        )
    if dtype.names is not None:
        raise InputError(f"{label} holds a structured (record) array, not plain numbers.")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > MAX_EMBEDDING_BYTES:
        raise InputError(f"{label} declares {nbytes / 2**20:,.0f} MB of data; the limit is {MAX_EMBEDDING_BYTES // 2**20} MB.")
    fp.seek(0)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{label} is truncated or damaged: its data does not match its header.") from exc


def _read_npz(data: bytes) -> tuple[dict[str, Array], dict[str, Any]]:
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        what = _what_it_is(data)
        detail = f"it is {what}" if what else "it is not a ZIP archive of NumPy arrays"
        raise InputError(f"This file is not a NumPy .npz archive: {detail}.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError, zlib.error...
        raise InputError("The .npz archive is damaged and could not be opened.") from exc
    if sum(m.file_size for m in members) > MAX_EMBEDDING_BYTES:
        raise InputError(f"The .npz archive unpacks to more than {MAX_EMBEDDING_BYTES // 2**20} MB.")
    arrays: dict[str, Array] = {}
    with archive:
        for member in members:
            if member.is_dir():
                continue
            if not member.filename.endswith(".npy"):
                raise InputError(f"The .npz archive contains '{member.filename}', which is not a NumPy array.")
            key = member.filename[: -len(".npy")]
            try:
                raw = archive.read(member)
            except Exception as exc:  # noqa: BLE001 - bad CRC, zlib.error, encryption, odd methods...
                raise InputError(f"The array '{key}' in the .npz archive is damaged.") from exc
            arrays[key] = _read_npy(raw, f"The array '{key}' in the .npz archive")
    meta: dict[str, Any] = {}
    for key in ("model", "pooling_method", "pooling_params", "format_version"):
        if key in arrays:
            meta[key] = _scalar(arrays.pop(key), key)
    if "tokens" in arrays:
        meta["tokens"] = _npz_tokens(arrays.pop("tokens"))
    if "pooling_params" in meta:
        meta["pooling_params"] = _json_field(meta["pooling_params"], "pooling_params")
    return arrays, meta


def _scalar(arr: np.ndarray, key: str) -> Any:
    if arr.size != 1:
        raise InputError(f"The '{key}' entry must be a single value; it has shape {arr.shape}.")
    value = arr.reshape(()).item()
    if key == "format_version":
        if not isinstance(value, int):
            raise InputError("The 'format_version' entry must be a whole number.")
        return value
    if not isinstance(value, str):
        raise InputError(f"The '{key}' entry must be a string; it holds {arr.dtype}.")
    return value


def _npz_tokens(arr: np.ndarray) -> list[str]:
    if arr.dtype.kind != "U" or arr.ndim != 1:
        raise InputError(f"The 'tokens' array must be a 1-D array of strings; it is {arr.dtype} with shape {arr.shape}.")
    return [str(t) for t in arr.tolist()]


def _json_field(text: Any, key: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The '{key}' entry is not valid JSON.") from exc


def _read_safetensors(data: bytes) -> tuple[dict[str, Array], dict[str, Any]]:
    header = _safetensors_header(data)
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InputError("The safetensors metadata must map names to strings.")
    try:
        tensors = safetensors_load(data)
    except Exception as exc:  # noqa: BLE001 - SafetensorError, TypeError for dtypes torch lacks...
        raise InputError("The safetensors file is damaged or uses a tensor type this app cannot read.") from exc
    # Vectors stay torch tensors (they may be bfloat16); the small arrays become numpy.
    arrays: dict[str, Array] = {
        key: tensor if key in _VECTOR_KEYS else _small_to_numpy(tensor) for key, tensor in tensors.items()
    }
    meta: dict[str, Any] = {}
    for key in ("model", "pooling_method"):
        if key in metadata:
            meta[key] = metadata[key]
    if "format_version" in metadata:
        try:
            meta["format_version"] = int(metadata["format_version"])
        except ValueError:
            raise InputError("The 'format_version' metadata entry must be a whole number.") from None
    for key in ("tokens", "pooling_params"):
        if key in metadata:
            meta[key] = _json_field(metadata[key], key)
    if "tokens" in meta and not (isinstance(meta["tokens"], list) and all(isinstance(t, str) for t in meta["tokens"])):
        raise InputError("The 'tokens' metadata entry must be a JSON list of strings.")
    return arrays, meta


def _small_to_numpy(tensor: torch.Tensor) -> np.ndarray:
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.to(torch.float32)
    return tensor.numpy()


def _safetensors_header(data: bytes) -> dict[str, Any]:
    """Parse the JSON header (8-byte little-endian length, then JSON) to check the file."""
    size = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
    if size <= 1 or size > len(data) - 8 or size > 100 * 2**20 or data[8:9] != b"{":
        what = _what_it_is(data)
        detail = f"it is {what}" if what else "it has no safetensors header"
        raise InputError(f"This file is not a safetensors file: {detail}.")
    try:
        header = json.loads(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError("The safetensors header is damaged (it is not valid JSON).") from exc
    if not isinstance(header, dict):
        raise InputError("The safetensors header is damaged (it is not a JSON object).")
    return header


def _read_sidecar(sidecar: Any) -> dict[str, Any]:
    if isinstance(sidecar, (bytearray, memoryview)):
        sidecar = bytes(sidecar)
    if isinstance(sidecar, str):
        sidecar = sidecar.encode("utf-8")
    if not isinstance(sidecar, bytes):
        raise InputError(f"The sidecar must be JSON bytes, not {type(sidecar).__name__}.")
    if len(sidecar) > MAX_SIDECAR_BYTES:
        raise InputError(f"The sidecar is larger than {MAX_SIDECAR_BYTES // 2**20} MB.")
    try:
        meta = json.loads(sidecar.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError("The sidecar file is not valid JSON.") from exc
    if not isinstance(meta, dict):
        raise InputError("The sidecar must be a JSON object such as {\"grid\": [32, 32]}.")
    unknown = sorted(set(meta) - {"grid", "special_mask", "tokens", "model"})
    if unknown:
        raise InputError(
            f"The sidecar has unknown keys ({', '.join(unknown)}); allowed are grid, special_mask, tokens and model."
        )
    out: dict[str, Any] = {}
    if meta.get("grid") is not None:
        grid = meta["grid"]
        if not (isinstance(grid, list) and len(grid) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in grid)):
            raise InputError("The sidecar 'grid' must be two whole numbers such as [32, 32].")
        out["grid"] = np.asarray(grid, dtype=np.int64)
    if meta.get("special_mask") is not None:
        mask = meta["special_mask"]
        if not (isinstance(mask, list) and all(isinstance(v, (bool, int)) for v in mask)):
            raise InputError("The sidecar 'special_mask' must be a list of true/false values.")
        out["special_mask"] = np.asarray(mask, dtype=np.int64)
    if meta.get("tokens") is not None:
        tokens = meta["tokens"]
        if not (isinstance(tokens, list) and all(isinstance(t, str) for t in tokens)):
            raise InputError("The sidecar 'tokens' must be a list of strings.")
        out["tokens"] = tokens
    if meta.get("model") is not None:
        if not isinstance(meta["model"], str):
            raise InputError("The sidecar 'model' must be a string.")
        out["model"] = meta["model"]
    return out


# --------------------------------------------------------------------------- validation


def _document_from(arrays: Mapping[str, Array], meta: Mapping[str, Any]) -> MultiVector:
    version = meta.get("format_version", FORMAT_VERSION)
    if version > FORMAT_VERSION:
        raise InputError(
            f"This file uses format version {version}, written by a newer version of this app (this one reads {FORMAT_VERSION})."
        )
    if "vectors" not in arrays:
        found = ", ".join(f"'{k}'" for k in sorted(arrays)) or "none"
        raise InputError(f"The file has no 'vectors' array (arrays found: {found}).")
    vectors = _float_matrix(arrays["vectors"], "vectors")
    mask = arrays.get("special_mask")
    if mask is not None:
        mask = _int_or_bool_vector(mask, "special_mask")
    grid = arrays.get("grid")
    if grid is not None:
        grid = _grid(grid)
    return MultiVector(
        vectors, grid=grid, special_mask=mask, tokens=meta.get("tokens"), model=meta.get("model")
    )


def _float_matrix(arr: Array, key: str) -> torch.Tensor:
    """A file's ``(n, d)`` float array as a checked tensor (torch tensors: from safetensors)."""
    if arr.ndim != 2:
        raise InputError(f"The '{key}' array must be 2-D (vectors x dimensions); it has shape {tuple(arr.shape)}.")
    if isinstance(arr, np.ndarray):
        if arr.dtype.type not in _FLOAT_DTYPES:
            raise InputError(f"The '{key}' array must hold floating-point numbers; it holds {arr.dtype}.")
        tensor = torch.from_numpy(np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("="), copy=False)))
    else:
        tensor = arr
        if not tensor.is_floating_point():
            raise InputError(
                f"The '{key}' array must hold floating-point numbers; it holds {str(tensor.dtype).replace('torch.', '')}."
            )
        if tensor.dtype not in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            tensor = tensor.to(torch.float32)  # float8 variants: widen before checking
    tensor = as_vectors(tensor, what=f"'{key}' array")
    # All zeros is what a failed export leaves behind (an unfilled buffer, a mask applied
    # twice): every MaxSim score would be 0 and every pooling a meaningless merge.
    if not bool(tensor.any()):
        raise InputError(
            f"The '{key}' array holds only zeros, so it carries no information to pool or score."
        )
    return tensor


def _int_or_bool_vector(arr: Array, key: str) -> torch.Tensor:
    arr = np.asarray(arr)
    if arr.ndim != 1:
        raise InputError(f"The '{key}' array must be 1-D; it has shape {arr.shape}.")
    if arr.dtype != np.bool_ and arr.dtype.kind not in _INT_KINDS:
        raise InputError(f"The '{key}' array must hold true/false or whole numbers; it holds {arr.dtype}.")
    return torch.from_numpy(arr.astype(np.bool_) if arr.dtype == np.bool_ else arr.astype(np.int64))


def _int_vector(arr: Array, key: str, length: int | None = None) -> torch.Tensor:
    arr = np.asarray(arr)
    if arr.ndim != 1 or arr.dtype.kind not in _INT_KINDS:
        raise InputError(f"The '{key}' array must be a 1-D array of whole numbers; it is {arr.dtype} with shape {arr.shape}.")
    if length is not None and arr.shape[0] != length:
        raise InputError(f"The '{key}' array has {arr.shape[0]} entries; it must have {length}.")
    return torch.from_numpy(arr.astype(np.int64))


def _grid(arr: Array) -> tuple[int, int]:
    arr = np.asarray(arr)
    if arr.shape != (2,) or arr.dtype.kind not in _INT_KINDS:
        raise InputError(f"The 'grid' must be two whole numbers (rows, columns); it is {arr.dtype} with shape {arr.shape}.")
    return int(arr[0]), int(arr[1])


def _result_from(arrays: Mapping[str, Array], meta: Mapping[str, Any], document: MultiVector) -> PoolingResult:
    pooled = _float_matrix(arrays["pooled_vectors"], "pooled_vectors")
    n, m = document.n, int(pooled.shape[0])
    if pooled.shape[1] != document.dim:
        raise InputError(
            f"The pooled vectors have dimension {pooled.shape[1]} but the document's vectors have {document.dim}."
        )
    if "assignment" not in arrays:
        raise InputError("The pooled file has no 'assignment' array.")
    assignment = _assignment(arrays["assignment"], "assignment", n, m)
    secondary = arrays.get("secondary_assignment")
    if secondary is not None:
        secondary = _assignment(secondary, "secondary_assignment", n, m)
    if "cluster_sizes" in arrays:
        sizes = _int_vector(arrays["cluster_sizes"], "cluster_sizes", m)
        if bool((sizes < 0).any()):
            raise InputError("The 'cluster_sizes' array must not hold negative numbers.")
    else:
        sizes = torch.bincount(assignment[assignment >= 0], minlength=m)
    passthrough = arrays.get("passthrough")
    if passthrough is None:
        passthrough = torch.zeros(m, dtype=torch.bool)
    else:
        passthrough = _int_or_bool_vector(passthrough, "passthrough").bool()
        if passthrough.shape[0] != m:
            raise InputError(f"The 'passthrough' array has {passthrough.shape[0]} entries; it must have {m}.")
    linkage, clustered = _linkage(arrays, n)
    params = meta.get("pooling_params", {})
    if not isinstance(params, dict):
        raise InputError("The 'pooling_params' entry must be a JSON object.")
    return PoolingResult(
        vectors=pooled,
        assignment=assignment,
        method=str(meta.get("pooling_method", "unknown")),
        params=params,
        cluster_sizes=sizes,
        passthrough=passthrough,
        secondary_assignment=secondary,
        linkage=linkage,
        clustered_indices=clustered,
    )


def _assignment(arr: Array, key: str, n: int, m: int) -> torch.Tensor:
    values = _int_vector(arr, key, n)
    if values.numel() and (int(values.min()) < -1 or int(values.max()) >= m):
        raise InputError(f"The '{key}' array must hold pooled-vector indices from -1 to {m - 1}.")
    return values


def _linkage(arrays: Mapping[str, Array], n: int) -> tuple[np.ndarray | None, torch.Tensor | None]:
    linkage = arrays.get("linkage")
    clustered = arrays.get("clustered_indices")
    if linkage is None and clustered is None:
        return None, None
    if linkage is None or clustered is None:
        raise InputError("A pooled file needs both 'linkage' and 'clustered_indices', or neither.")
    linkage = np.asarray(linkage, dtype=np.float64)
    if linkage.ndim != 2 or linkage.shape[1] != 4 or not np.isfinite(linkage).all():
        raise InputError(f"The 'linkage' array must be a finite (k, 4) matrix; it has shape {linkage.shape}.")
    indices = _int_vector(clustered, "clustered_indices", linkage.shape[0] + 1)
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= n):
        raise InputError(f"The 'clustered_indices' array must hold input positions from 0 to {n - 1}.")
    return linkage, indices


def _pooled_multivector(document: MultiVector, result: PoolingResult) -> MultiVector:
    """The pooled vectors as a MultiVector: special where a special token was passed through."""
    special = torch.zeros(result.n_output, dtype=torch.bool)
    kept = document.special_mask.cpu() & (result.assignment >= 0)
    special[result.assignment[kept]] = True
    special &= result.passthrough.cpu()
    return MultiVector(
        result.vectors,
        special_mask=special,
        model=document.model,
        metadata={
            "pooling_method": result.method,
            "pooling_params": dict(result.params),
            "n_input": document.n,
        },
    )


# --------------------------------------------------------------------------- writing


def _check_format(fmt: Any) -> str:
    name = str(fmt).lower().lstrip(".")
    if name not in FORMATS:
        raise InputError(f"Unknown embedding format '{fmt}'; use npz, safetensors or npy.")
    return name


def _split(obj: Any) -> tuple[MultiVector, PoolingResult | None]:
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], PoolingResult):
        return as_multivector(obj[0]), obj[1]
    if isinstance(obj, PoolingResult):
        raise InputError("Save a pooling result together with its document: save_embeddings((mv, result), fmt).")
    return as_multivector(obj), None


def _float_array(tensor: torch.Tensor) -> np.ndarray:
    """``(n, d)`` as numpy, on the CPU; bfloat16 (which numpy lacks) becomes float32."""
    tensor = tensor.detach().cpu()
    if tensor.dtype not in (torch.float16, torch.float32, torch.float64):
        tensor = tensor.to(torch.float32)
    return np.ascontiguousarray(tensor.numpy())


def _long_array(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().cpu().to(torch.int64).numpy())


def _document_arrays(mv: MultiVector) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays = {"vectors": _float_array(mv.vectors)}
    if mv.n_special:
        arrays["special_mask"] = np.ascontiguousarray(mv.special_mask.detach().cpu().numpy().astype(np.bool_))
    if mv.grid is not None:
        arrays["grid"] = np.asarray(mv.grid, dtype=np.int64)
    meta: dict[str, Any] = {"format_version": FORMAT_VERSION}
    if mv.tokens is not None:
        meta["tokens"] = list(mv.tokens)
    if mv.model is not None:
        meta["model"] = mv.model
    return arrays, meta


def _add_result_arrays(
    arrays: dict[str, np.ndarray], meta: dict[str, Any], result: PoolingResult, document: MultiVector
) -> None:
    if result.n_input != document.n:
        raise InputError(
            f"The pooling result covers {result.n_input} vectors but the document has {document.n}; they must match."
        )
    arrays["pooled_vectors"] = _float_array(result.vectors)
    arrays["assignment"] = _long_array(result.assignment)
    arrays["cluster_sizes"] = _long_array(result.cluster_sizes)
    arrays["passthrough"] = np.ascontiguousarray(result.passthrough.detach().cpu().numpy().astype(np.bool_))
    if result.secondary_assignment is not None:
        arrays["secondary_assignment"] = _long_array(result.secondary_assignment)
    if result.linkage is not None and result.clustered_indices is not None:
        arrays["linkage"] = np.ascontiguousarray(np.asarray(result.linkage, dtype=np.float64))
        arrays["clustered_indices"] = _long_array(result.clustered_indices)
    meta["pooling_method"] = result.method
    meta["pooling_params"] = json.dumps(result.params, default=_jsonable, sort_keys=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.generic, torch.Tensor)) and getattr(value, "ndim", 0) == 0:
        return value.item()
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _npz_bytes(arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> bytes:
    out = dict(arrays)
    out["format_version"] = np.asarray(int(meta["format_version"]), dtype=np.int64)
    for key in ("model", "pooling_method", "pooling_params"):
        if key in meta:
            out[key] = np.asarray(str(meta[key]))
    if "tokens" in meta:
        out["tokens"] = np.asarray(meta["tokens"], dtype=np.str_)
    buf = io.BytesIO()
    np.savez_compressed(buf, allow_pickle=False, **out)
    return buf.getvalue()


def _safetensors_bytes(arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> bytes:
    metadata = {"format_version": str(meta["format_version"])}
    for key in ("model", "pooling_method", "pooling_params"):
        if key in meta:
            metadata[key] = str(meta[key])
    if "tokens" in meta:
        metadata["tokens"] = json.dumps(meta["tokens"], ensure_ascii=False)
    return safetensors.numpy.save(dict(arrays), metadata=metadata)
