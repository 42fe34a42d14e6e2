"""Queries, collections and qrels from files; every bad line named."""

from __future__ import annotations

import pytest

from pooling_core.errors import InputError
from pooling_core.evaluation.parsing import Item, parse_items, parse_qrels


def test_jsonl_lines_and_tsv() -> None:
    assert parse_items(b'{"id": 7, "text": "a b"}\n\n{"_id": "x", "title": "T", "text": "c"}\n', "q.jsonl") == [
        Item("7", "a b"), Item("x", "T\nc")]
    assert parse_items(b"first query\nsecond one\n", "q.txt", prefix="q") == [Item("q1", "first query"),
                                                                              Item("q2", "second one")]
    assert parse_items(b"a1\thello\nb2\tworld\n", "d.tsv") == [Item("a1", "hello"), Item("b2", "world")]


@pytest.mark.parametrize("data, message", [
    (b'{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', "line 2: not valid JSON"),
    (b'{"id": 1}\n', "line 1: needs an \"id\" and a \"text\""),
    (b'{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "line 2: the id '1' appears twice"),
    (b'{"id": 1, "text": "a"}\n["a"]\n', "line 2: expected an object"),
    (b"\n\n", "holds no items"),
    (b"\xff\xfe bad", "not UTF-8"),
])
def test_bad_items(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_items(data, "x.jsonl")


def test_qrels_trec_and_beir() -> None:
    trec = b"q1 0 d1 1\nq1 0 d2 0\nq2 Q0 d3 2\n"
    assert parse_qrels(trec, "q.trec") == {"q1": {"d1": 1.0, "d2": 0.0}, "q2": {"d3": 2.0}}
    beir = b"query-id\tcorpus-id\tscore\nq1\td1\t1\n"
    assert parse_qrels(beir, "q.tsv") == {"q1": {"d1": 1.0}}
    assert parse_qrels(b"q1\td1\t1\n", "q.tsv") == {"q1": {"d1": 1.0}}


@pytest.mark.parametrize("data, message", [
    (b"q1 0 d1 1\nq1 d1\n", "line 2: expected 'qid 0 docid relevance'"),
    (b"q1 0 d1 high\n", "line 1: the relevance 'high' is not a number"),
    (b"# only a comment\n", "holds no relevance labels"),
])
def test_bad_qrels(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_qrels(data, "q.trec")
