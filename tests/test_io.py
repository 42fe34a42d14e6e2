"""Tests for pooling_core.io: round-trips for every format, and files that must be refused.

Hostile files are made here: pickles whose unpickling would create a marker file (the
tests assert it never appears), object arrays, wrong keys, dtypes and shapes.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

from pooling_core import pool
from pooling_core.errors import InputError
from pooling_core.io import FORMATS, load_embeddings, load_pooled, save_embeddings, sidecar_json
from pooling_core.multivector import MultiVector
from pooling_core.pooling.result import PoolingResult


def assert_sentence(message: str) -> None:
    assert message and message[0].isupper() and message.endswith("."), message
    assert "\n" not in message and "Traceback" not in message, message


def refused(data: bytes, filename: str, *fragments: str, sidecar: bytes | None = None) -> str:
    with pytest.raises(InputError) as info:
        load_embeddings(data, filename, sidecar=sidecar)
    message = str(info.value)
    assert_sentence(message)
    for fragment in fragments:
        assert fragment in message, message
    return message


def npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


class MarkerOnUnpickle:
    """Unpickling this object creates ``path``: proof that a loader ran pickle code."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


@pytest.fixture
def document() -> MultiVector:
    """6 vectors: [special, 4 patches on a 2x2 grid, special], with tokens and a model."""
    vectors = torch.arange(24, dtype=torch.float32).reshape(6, 4) / 10
    return MultiVector(
        vectors,
        grid=(2, 2),
        special_mask=torch.tensor([True, False, False, False, False, True]),
        tokens=["<bos>", "p0", "p1", "p2", "p3", "\u65e5\u672c \U0001f389"],
        model="tiny-colpali",
    )


@pytest.fixture
def pooled(document: MultiVector) -> PoolingResult:
    """Hand-made result: patches pooled in pairs, specials passed through."""
    return PoolingResult(
        vectors=torch.tensor([[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [0.0, 0.1, 0.2, 0.3], [2.0, 2.1, 2.2, 2.3]]),
        assignment=torch.tensor([2, 0, 0, 1, 1, 3]),
        method="hierarchical",
        params={"pool_factor": 2, "normalize": False, "weights": np.float32(0.5), "dims": (2, 2)},
        cluster_sizes=torch.tensor([2, 2, 1, 1]),
        passthrough=torch.tensor([False, False, True, True]),
        secondary_assignment=torch.tensor([-1, 1, 0, 1, 0, -1]),
        linkage=np.array([[0.0, 1.0, 0.1, 2.0], [2.0, 3.0, 0.2, 2.0], [4.0, 5.0, 0.9, 4.0]]),
        clustered_indices=torch.tensor([1, 2, 3, 4]),
    )


def assert_same_document(got: MultiVector, want: MultiVector) -> None:
    assert torch.equal(got.vectors, want.vectors)
    assert got.vectors.dtype == want.vectors.dtype
    assert got.grid == want.grid
    assert torch.equal(got.special_mask, want.special_mask)
    assert got.tokens == want.tokens
    assert got.model == want.model


# --------------------------------------------------------------------------- round trips


class TestRoundTrip:
    @pytest.mark.parametrize("fmt", ["npz", "safetensors"])
    def test_document(self, document: MultiVector, fmt: str) -> None:
        data = save_embeddings(document, fmt)
        assert_same_document(load_embeddings(data, f"doc.{fmt}"), document)

    def test_npy_with_sidecar(self, document: MultiVector) -> None:
        data = save_embeddings(document, "npy")
        sidecar = sidecar_json(document)
        assert json.loads(sidecar) == {
            "grid": [2, 2],
            "special_mask": [True, False, False, False, False, True],
            "tokens": document.tokens,
            "model": "tiny-colpali",
        }
        assert_same_document(load_embeddings(data, "doc.npy", sidecar=sidecar), document)

    def test_npy_alone_is_just_vectors(self, document: MultiVector) -> None:
        loaded = load_embeddings(save_embeddings(document, "npy"), "doc.npy")
        assert torch.equal(loaded.vectors, document.vectors)
        assert loaded.grid is None and loaded.n_special == 0 and loaded.tokens is None

    @pytest.mark.parametrize("fmt", FORMATS)
    @pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
    def test_dtype_kept(self, fmt: str, dtype: torch.dtype) -> None:
        vectors = torch.tensor([[0.5, -1.25], [3.0, 0.125]], dtype=dtype)
        loaded = load_embeddings(save_embeddings(MultiVector(vectors), fmt), f"v.{fmt}")
        assert loaded.vectors.dtype == dtype
        assert torch.equal(loaded.vectors, vectors)

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_bfloat16_saved_as_float32(self, fmt: str) -> None:
        vectors = torch.tensor([[0.5, -1.25, 3.0], [1.0, 2.0, 0.0078125]], dtype=torch.bfloat16)
        loaded = load_embeddings(save_embeddings(vectors, fmt), f"v.{fmt}")
        assert loaded.vectors.dtype == torch.float32
        assert torch.equal(loaded.vectors, vectors.float())

    def test_bfloat16_safetensors_from_torch_reads(self) -> None:
        vectors = torch.tensor([[0.5, 1.5], [2.0, -3.0]], dtype=torch.bfloat16)
        data = safetensors.torch.save({"vectors": vectors}, metadata={"model": "m"})
        loaded = load_embeddings(data, "torch.safetensors")
        assert loaded.vectors.dtype == torch.bfloat16 and torch.equal(loaded.vectors, vectors)
        assert loaded.model == "m"

    def test_plain_array_and_numpy_inputs(self) -> None:
        array = np.eye(3, dtype=np.float32)
        loaded = load_embeddings(save_embeddings(array, "npz"), "eye.npz")
        assert torch.equal(loaded.vectors, torch.eye(3))

    @pytest.mark.parametrize("fmt", ["npz", "safetensors"])
    def test_pooled_result(self, document: MultiVector, pooled: PoolingResult, fmt: str) -> None:
        data = save_embeddings((document, pooled), fmt)
        loaded_doc, result = load_pooled(data, f"pooled.{fmt}")
        assert_same_document(loaded_doc, document)
        assert torch.equal(result.vectors, pooled.vectors)
        for name in ("assignment", "cluster_sizes", "passthrough", "secondary_assignment", "clustered_indices"):
            assert torch.equal(getattr(result, name), getattr(pooled, name)), name
        assert np.array_equal(result.linkage, pooled.linkage)
        assert result.method == "hierarchical"
        assert result.params == {"pool_factor": 2, "normalize": False, "weights": 0.5, "dims": [2, 2]}

    @pytest.mark.parametrize("fmt", ["npz", "safetensors"])
    def test_pooled_file_loads_as_pooled_vectors(self, document: MultiVector, pooled: PoolingResult, fmt: str) -> None:
        mv = load_embeddings(save_embeddings((document, pooled), fmt), f"pooled.{fmt}")
        assert torch.equal(mv.vectors, pooled.vectors)
        assert mv.grid is None
        assert mv.special_mask.tolist() == [False, False, True, True]  # the passed-through specials
        assert mv.model == "tiny-colpali"
        assert mv.metadata["pooling_method"] == "hierarchical" and mv.metadata["n_input"] == 6

    def test_pooled_npy_holds_pooled_vectors(self, document: MultiVector, pooled: PoolingResult) -> None:
        mv = load_embeddings(save_embeddings((document, pooled), "npy"), "pooled.npy")
        assert torch.equal(mv.vectors, pooled.vectors)

    @pytest.mark.parametrize("method", ["hierarchical", "row_column", "row"])
    def test_results_of_pool(self, method: str) -> None:
        g = torch.Generator().manual_seed(0)
        vectors = torch.nn.functional.normalize(torch.randn(18, 8, generator=g), dim=-1)
        mv = MultiVector(vectors, grid=(4, 4), special_mask=torch.tensor([True] + [False] * 16 + [True]))
        result = pool(mv, method)
        _, loaded = load_pooled(save_embeddings((mv, result), "safetensors"), "p.safetensors")
        assert torch.equal(loaded.vectors, result.vectors)
        assert torch.equal(loaded.assignment, result.assignment)
        assert (loaded.linkage is None) == (result.linkage is None)
        assert (loaded.secondary_assignment is None) == (result.secondary_assignment is None)
        assert loaded.method == method

    def test_cluster_sizes_default_to_counts(self, document: MultiVector) -> None:
        data = npz(
            vectors=document.vectors.numpy(),
            pooled_vectors=np.ones((2, 4), np.float32),
            assignment=np.array([0, 0, 1, 1, 1, -1]),
        )
        _, result = load_pooled(data, "p.npz")
        assert result.cluster_sizes.tolist() == [2, 3]
        assert result.method == "unknown" and result.passthrough.tolist() == [False, False]

    def test_load_pooled_of_plain_file(self, document: MultiVector) -> None:
        with pytest.raises(InputError, match="plain embeddings"):
            load_pooled(save_embeddings(document, "npz"), "doc.npz")

    def test_big_endian_npy(self) -> None:
        array = np.array([[1.5, 2.5]], dtype=">f4")
        assert load_embeddings(npy(array), "be.npy").vectors.tolist() == [[1.5, 2.5]]

    def test_integer_special_mask_in_npz(self) -> None:
        mv = load_embeddings(npz(vectors=np.ones((3, 2), np.float32), special_mask=np.array([1, 0, 0], np.uint8)), "m.npz")
        assert mv.special_mask.tolist() == [True, False, False]


# --------------------------------------------------------------------------- refusals


class TestRefusals:
    def test_pickle_renamed_npy_is_not_executed(self, tmp_path: Path) -> None:
        marker = tmp_path / "ran.txt"
        data = pickle.dumps(MarkerOnUnpickle(marker))
        for name in ("evil.npy", "evil.npz", "evil.safetensors"):
            with pytest.raises(InputError) as info:
                load_embeddings(data, name)
            assert_sentence(str(info.value))
        assert "pickle" in refused(data, "evil.npy")
        assert not marker.exists()

    def test_object_array_npy(self, tmp_path: Path) -> None:
        marker = tmp_path / "ran.txt"
        data = npy(np.array([MarkerOnUnpickle(marker)], dtype=object), allow_pickle=True)
        refused(data, "objects.npy", "Python objects")
        assert not marker.exists()

    def test_object_array_in_npz(self, tmp_path: Path) -> None:
        marker = tmp_path / "ran.txt"
        data = npz(vectors=np.ones((2, 2), np.float32), tokens=np.array([MarkerOnUnpickle(marker), "b"], dtype=object))
        refused(data, "objects.npz", "'tokens'", "Python objects")
        assert not marker.exists()

    def test_npz_without_vectors(self) -> None:
        message = refused(npz(embeddings=np.ones((2, 2), np.float32), x=np.ones(2)), "wrong.npz")
        assert message == "The file has no 'vectors' array (arrays found: 'embeddings', 'x')."

    def test_safetensors_wrong_keys(self) -> None:
        data = safetensors.numpy.save({"embedding": np.ones((2, 2), np.float32)})
        refused(data, "wrong.safetensors", "no 'vectors' array", "'embedding'")

    def test_safetensors_integer_dtype(self) -> None:
        data = safetensors.numpy.save({"vectors": np.ones((2, 2), np.int32)})
        assert refused(data, "ints.safetensors") == "The 'vectors' array must hold floating-point numbers; it holds int32."

    @pytest.mark.parametrize("shape", [(2, 3, 4), (5,)])
    def test_safetensors_wrong_rank(self, shape: tuple[int, ...]) -> None:
        data = safetensors.numpy.save({"vectors": np.ones(shape, np.float32)})
        refused(data, "rank.safetensors", "must be 2-D", str(shape))

    @pytest.mark.parametrize("fmt", FORMATS)
    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_nan_and_inf(self, fmt: str, bad: float) -> None:
        array = np.ones((3, 2), np.float32)
        array[1, 0] = bad
        data = {"npz": lambda: npz(vectors=array), "npy": lambda: npy(array),
                "safetensors": lambda: safetensors.numpy.save({"vectors": array})}[fmt]()
        refused(data, f"bad.{fmt}", "NaN or infinite", "1 of 3")

    def test_nan_in_pooled_vectors(self) -> None:
        pooled = np.ones((1, 2), np.float32)
        pooled[0, 0] = np.nan
        data = npz(vectors=np.ones((2, 2), np.float32), pooled_vectors=pooled, assignment=np.array([0, 0]))
        refused(data, "p.npz", "'pooled_vectors'", "NaN")

    def test_grid_mismatch(self) -> None:
        data = npz(vectors=np.ones((4, 2), np.float32), grid=np.array([3, 3]))
        assert refused(data, "g.npz") == (
            "The grid 3x3 has 9 cells but there are 4 non-special vectors; they must match."
        )

    def test_grid_mismatch_in_sidecar(self) -> None:
        refused(npy(np.ones((4, 2), np.float32)), "g.npy", "grid 1x3", sidecar=b'{"grid": [1, 3]}')

    @pytest.mark.parametrize(
        "arrays, fragment",
        [
            ({"grid": np.array([2.0, 2.0])}, "'grid'"),
            ({"grid": np.array([2, 2, 1])}, "'grid'"),
            ({"special_mask": np.array([0.0, 1.0, 0.0, 0.0])}, "'special_mask'"),
            ({"special_mask": np.array([0, 2, 0, 0])}, "true/false"),
            ({"special_mask": np.array([False, True])}, "special-token mask"),
            ({"tokens": np.array(["a", "b"])}, "2 token strings for 4 vectors"),
            ({"tokens": np.array([1, 2, 3, 4])}, "'tokens'"),
            ({"model": np.array(3)}, "'model'"),
            ({"format_version": np.array(99)}, "newer version"),
        ],
    )
    def test_bad_side_arrays(self, arrays: dict, fragment: str) -> None:
        refused(npz(vectors=np.ones((4, 2), np.float32), **arrays), "side.npz", fragment)

    @pytest.mark.parametrize(
        "arrays, fragment",
        [
            ({"assignment": np.array([0, 0, 5, 1])}, "-1 to 1"),
            ({"assignment": np.array([0, 1])}, "has 2 entries"),
            ({}, "no 'assignment'"),
            ({"assignment": np.array([0, 0, 1, 1]), "cluster_sizes": np.array([-1, 2])}, "negative"),
            ({"assignment": np.array([0, 0, 1, 1]), "linkage": np.zeros((1, 4))}, "'clustered_indices'"),
        ],
    )
    def test_bad_pooled_arrays(self, arrays: dict, fragment: str) -> None:
        data = npz(vectors=np.ones((4, 2), np.float32), pooled_vectors=np.ones((2, 2), np.float32), **arrays)
        refused(data, "p.npz", fragment)

    def test_pooled_dimension_mismatch(self) -> None:
        data = npz(vectors=np.ones((2, 2), np.float32), pooled_vectors=np.ones((1, 3), np.float32), assignment=np.array([0, 0]))
        refused(data, "p.npz", "dimension 3")

    def test_empty_and_degenerate_arrays(self) -> None:
        refused(b"", "e.npy", "empty")
        refused(npy(np.zeros((0, 4), np.float32)), "e.npy", "no vectors")
        refused(npy(np.array([[True, False]])), "b.npy", "floating-point", "bool")
        refused(npy(np.array([["a", "b"]])), "s.npy", "floating-point")
        refused(npy(np.ones((2, 2), np.complex64)), "c.npy", "floating-point")
        refused(npy(np.zeros(2, dtype=[("a", "f4")])), "r.npy", "structured")

    def test_truncated_npy(self) -> None:
        data = npy(np.ones((100, 8), np.float32))
        refused(data[: len(data) // 2], "cut.npy", "truncated")

    def test_npy_header_claiming_huge_shape(self) -> None:
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }"
        header = header.ljust(118) + "\n"
        data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\x00" * 16
        refused(data, "huge.npy", "limit")

    def test_damaged_npz(self) -> None:
        data = npz(vectors=np.ones((8, 8), np.float32))
        refused(data[:40] + b"\x00" * 40, "bad.npz", "damaged")

    def test_npz_with_foreign_member(self) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("archive/data.pkl", b"\x80\x04.")
        refused(buf.getvalue(), "model.npz", "'archive/data.pkl'", "not a NumPy array")

    def test_not_an_npz(self) -> None:
        refused(b"%PDF-1.7 whatever", "doc.npz", "PDF document")

    @pytest.mark.parametrize(
        "data",
        [b"", b"short", struct.pack("<Q", 10**9) + b"{}", struct.pack("<Q", 2) + b"[]", struct.pack("<Q", 5) + b"{nope"],
    )
    def test_not_a_safetensors_file(self, data: bytes) -> None:
        with pytest.raises(InputError) as info:
            load_embeddings(data, "x.safetensors")
        assert_sentence(str(info.value))

    def test_safetensors_bad_tokens_metadata(self) -> None:
        data = safetensors.numpy.save({"vectors": np.ones((2, 2), np.float32)}, metadata={"tokens": "[1, 2]"})
        refused(data, "t.safetensors", "list of strings")

    def test_unknown_extension(self) -> None:
        refused(b"abc", "vectors.pt", "npz", "safetensors", "npy")

    @pytest.mark.parametrize(
        "sidecar, fragment",
        [
            (b"{not json", "not valid JSON"),
            (b"[1, 2]", "JSON object"),
            (b'{"grid": [2, 2], "colour": "red"}', "unknown keys"),
            (b'{"grid": [2.5, 2]}', "two whole numbers"),
            (b'{"tokens": "abcd"}', "list of strings"),
            (b'{"special_mask": "no"}', "true/false"),
            (b'{"model": 3}', "string"),
        ],
    )
    def test_bad_sidecar(self, sidecar: bytes, fragment: str) -> None:
        refused(npy(np.ones((4, 2), np.float32)), "v.npy", fragment, sidecar=sidecar)

    def test_save_refusals(self, pooled: PoolingResult) -> None:
        for call in (
            lambda: save_embeddings(torch.ones(2, 2), "pickle"),
            lambda: save_embeddings(pooled, "npz"),
            lambda: save_embeddings((MultiVector(torch.ones(3, 4)), pooled), "npz"),
            lambda: save_embeddings(torch.ones(2, 2, 2), "npz"),
        ):
            with pytest.raises(InputError) as info:
                call()
            assert_sentence(str(info.value))

    def test_format_names_are_flexible(self) -> None:
        assert load_embeddings(save_embeddings(torch.ones(2, 2), ".NPZ"), "A.NPZ").n == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_damaged_files_raise_only_input_errors(fmt: str, document: MultiVector, pooled: PoolingResult) -> None:
    rng = np.random.default_rng(0)
    original = save_embeddings((document, pooled), fmt)
    for _ in range(60):
        data = bytearray(original)
        for _ in range(int(rng.integers(1, 5))):
            i = int(rng.integers(len(data)))
            if rng.random() < 0.7:
                data[i] = int(rng.integers(256))
            else:
                del data[i:]
            if len(data) < 2:
                break
        try:
            load_embeddings(bytes(data), f"damaged.{fmt}")
        except InputError as exc:
            assert_sentence(str(exc))
