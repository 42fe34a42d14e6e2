"""The bundled sample documents: a registry, their paths, and a loader.

``samples/`` (next to this package) holds a generated one-page report whose layout is
known exactly (``report.pdf`` + ``report_layout.json``, made by ``make_report.py``), a
short text about late interaction, and four public-domain US government PDFs (see
``samples/SOURCES.md``). Each :class:`Sample` carries a default query that suits it, so
that a demo shows something meaningful before the user types anything.

Paths are resolved relative to the package, so the samples work from any working
directory of a clone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooling_core.documents import Document, load_document
from pooling_core.errors import InputError

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
REPORT_LAYOUT_PATH = SAMPLES_DIR / "report_layout.json"


@dataclass(frozen=True)
class Sample:
    """One bundled document.

    Attributes:
        name: registry key (``"report"``).
        title: human-readable name for menus.
        path: absolute path of the file.
        kind: ``"pdf"`` or ``"text"`` (as :attr:`Document.kind`).
        default_query: a query that matches one part of the document.
        description: one sentence on what the document shows.
    """

    name: str
    title: str
    path: Path
    kind: str
    default_query: str
    description: str


def _sample(name: str, title: str, relative: str, kind: str, query: str, description: str) -> Sample:
    return Sample(name, title, SAMPLES_DIR / relative, kind, query, description)


SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        _sample(
            "report",
            "Generated report (title, paragraphs, table, chart)",
            "report.pdf",
            "pdf",
            "moon gravity spring neap tides",
            "A one-page report with four paragraphs on unrelated topics, a table, a bar chart "
            "and blank space, whose layout is recorded exactly in report_layout.json.",
        ),
        _sample(
            "late_interaction",
            "Text: late interaction and pooling",
            "late_interaction.txt",
            "text",
            "how pooling reduces storage cost",
            "A short explanation of late-interaction retrieval, MaxSim and token pooling.",
        ),
        _sample(
            "federal_register",
            "Federal Register notice (dense three-column text)",
            "pdfs/federal-register-2020-17221.pdf",
            "pdf",
            "Boeing 737 MAX flight control computer software",
            "A proposed FAA airworthiness directive: dense legal text in three columns.",
        ),
        _sample(
            "scotus_transcript",
            "Supreme Court transcript cover (mostly white space)",
            "pdfs/scotus-transcript-p1.pdf",
            "pdf",
            "oral argument before the Supreme Court",
            "The cover page of an oral-argument transcript: little text, much white space.",
        ),
        _sample(
            "nics_background_checks",
            "NICS background checks (large numeric table)",
            "pdfs/nics-background-checks-2015-11.pdf",
            "pdf",
            "handgun and long gun checks by state",
            "A landscape table of firearm background checks by state for November 2015.",
        ),
        _sample(
            "senate_expenditures",
            "Senate expenditures (financial table)",
            "pdfs/senate-expenditures.pdf",
            "pdf",
            "airfare Kansas City to Washington",
            "A landscape table of a Senate office's salaries and travel expenses.",
        ),
    )
}

DEFAULT_SAMPLE = "report"


def get_sample(name: str) -> Sample:
    """The :class:`Sample` called ``name``, or an :class:`InputError` listing the names."""
    try:
        return SAMPLES[name]
    except (KeyError, TypeError):
        raise InputError(f"There is no sample called {name!r}; choose one of {', '.join(SAMPLES)}.") from None


def sample_path(name: str) -> Path:
    """Absolute path of sample ``name``.

    >>> sample_path("report").name
    'report.pdf'
    """
    return get_sample(name).path


def load_sample(name: str = DEFAULT_SAMPLE) -> Document:
    """Load sample ``name`` as a :class:`Document`.

    >>> load_sample("report").page_count
    1
    """
    path = sample_path(name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"The sample file {path.name} is missing from {SAMPLES_DIR}.") from exc
    return load_document(data, path.name)


def report_layout() -> dict[str, Any]:
    """The recorded layout of ``report.pdf``: ``{"page": ..., "elements": [...], ...}``.

    Each element has ``kind`` (``title`` / ``paragraph`` / ``table`` / ``chart``), ``text``
    and ``bbox`` ``[x0, y0, x1, y1]`` in PDF points with a top-left origin.
    """
    return json.loads(REPORT_LAYOUT_PATH.read_text(encoding="utf-8"))
