"""Build the sample corpus for the Corpus page and the evaluate CLI.

    .venv/bin/python samples/make_corpus.py

Passages are ~120-word pieces of the text layer of the public-domain Federal Register
notice in samples/pdfs/ (pages with little running text are skipped). Every fourth
passage gets a query: a run of 8 words copied from its middle, labelled relevant to it
(grade 1). So the right answer of every query is known, and a retriever that keeps its
quality after pooling should still put that passage first. Deterministic output:
corpus/passages.jsonl, corpus/queries.jsonl, corpus/qrels.tsv (BEIR format).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pooling_core.documents import load_document  # noqa: E402

WORDS_PER_PASSAGE = 120
QUERY_WORDS = 8


def main() -> None:
    pdf = HERE / "pdfs" / "federal-register-2020-17221.pdf"
    doc = load_document(pdf.read_bytes(), pdf.name)
    passages = []
    for page in range(doc.page_count):
        words = doc.page_text(page).split()
        if len(words) < 300:  # figure pages and headers only
            continue
        for start in range(0, len(words) - WORDS_PER_PASSAGE // 2, WORDS_PER_PASSAGE):
            chunk = words[start:start + WORDS_PER_PASSAGE]
            passages.append({"id": f"fr-p{page + 1}-{start // WORDS_PER_PASSAGE + 1}", "text": " ".join(chunk)})
    out = HERE / "corpus"
    out.mkdir(exist_ok=True)
    queries, qrels = [], ["query-id\tcorpus-id\tscore"]
    for i, p in enumerate(passages[::4]):
        words = p["text"].split()
        mid = max(0, len(words) // 2 - QUERY_WORDS // 2)
        qid = f"q{i + 1}"
        queries.append({"id": qid, "text": " ".join(words[mid:mid + QUERY_WORDS])})
        qrels.append(f"{qid}\t{p['id']}\t1")
    (out / "passages.jsonl").write_text("".join(json.dumps(p) + "\n" for p in passages))
    (out / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (out / "qrels.tsv").write_text("\n".join(qrels) + "\n")
    print(f"{len(passages)} passages, {len(queries)} queries -> {out}")


if __name__ == "__main__":
    main()
