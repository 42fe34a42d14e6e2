"""Generate ``samples/report.pdf`` and ``samples/report_layout.json``.

The report is one US-Letter page whose every element is known exactly: a title, four
paragraphs on unrelated topics (ocean tides, bread baking, railway history, honeybees),
a small table of mountains, a bar chart of museum visitors drawn as vector rectangles, and
a blank band at the bottom. Distinct vocabularies let a query built from one paragraph's
words light up that paragraph alone, and the blank areas show what pooling does with
empty patches.

Everything is laid out in PDF points with fpdf2's own top-left origin (y grows downward),
which is the convention of ``pooling_core.documents.CharBox`` too, so the boxes written
to the layout file can be compared with the PDF's text layer directly. Boxes are measured
from what fpdf2 placed (``get_y`` before and after each ``multi_cell``, string widths of
the wrapped lines), not from constants.

Run from anywhere: ``python samples/make_report.py``. The output is deterministic (fixed
creation date; fpdf2 derives the file id from the content), so re-running it leaves
``git diff`` empty.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

HERE = Path(__file__).resolve().parent
PDF_PATH = HERE / "report.pdf"
LAYOUT_PATH = HERE / "report_layout.json"

PAGE_W, PAGE_H = 612.0, 792.0  # US Letter in points
MARGIN = 72.0  # one inch on every side
TEXT_W = PAGE_W - 2 * MARGIN
BODY_SIZE, BODY_LINE = 10.0, 13.5
CREATION_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

TITLE = "Field Notes on Four Unrelated Subjects"

# (topic, prose). Plain ASCII: the core PDF fonts only cover Latin-1.
PARAGRAPHS: list[tuple[str, str]] = [
    (
        "ocean tides",
        "Ocean tides are the slow rise and fall of sea level caused mainly by the gravity "
        "of the Moon, with a smaller pull from the Sun. When the Moon, Earth and Sun line up "
        "at new and full moon, their pulls add together and produce spring tides with the "
        "highest high water and the lowest low water. A week later, at the quarter moons, "
        "the pulls partly cancel and gentler neap tides follow. Most coasts see two high "
        "tides a day, about twelve hours and twenty-five minutes apart, and harbour pilots "
        "still time their crossings by printed tide tables.",
    ),
    (
        "bread baking",
        "Baking a good loaf of bread starts with flour, water, salt and yeast, and then "
        "mostly with patience. Kneading stretches the gluten in the dough into an elastic "
        "web that traps the carbon dioxide the yeast releases as it feeds on sugars. A long, "
        "cool proof in the fridge lets flavour develop, and a sourdough starter adds lactic "
        "bacteria that give the crumb its tang. The oven should be very hot at first: steam "
        "keeps the crust soft for a few minutes so the loaf can rise before the crust sets "
        "brown and crisp.",
    ),
    (
        "railway history",
        "The first public steam railway opened in 1825 between Stockton and Darlington in "
        "the north of England, and within twenty years iron rails linked most large cities "
        "of Britain. Locomotives such as Stephenson's Rocket proved that steam engines could "
        "haul passengers faster than any stagecoach. Railway companies laid standard gauge "
        "track, built viaducts and tunnels, and persuaded towns to keep a single railway "
        "time so that timetables made sense from one station to the next.",
    ),
    (
        "honeybees",
        "A honeybee colony is one family of tens of thousands of workers, a few hundred "
        "drones and a single queen who lays up to two thousand eggs a day. Foragers visit "
        "blossoms for nectar and pollen and tell their sisters where to find them with the "
        "waggle dance, whose angle encodes the direction of the flowers. Back in the hive, "
        "workers fan the nectar with their wings until it thickens into honey, then cap "
        "each wax cell to store it for the winter.",
    ),
]

TABLE_CAPTION = "Table 1. Highest mountains of four continents"
TABLE_ROWS: list[tuple[str, str, str]] = [
    ("Mountain", "Continent", "Height (m)"),
    ("Everest", "Asia", "8849"),
    ("Aconcagua", "South America", "6961"),
    ("Denali", "North America", "6190"),
    ("Kilimanjaro", "Africa", "5895"),
]
TABLE_COL_W = (70.0, 90.0, 60.0)
TABLE_ROW_H = 16.0

CHART_CAPTION = "Figure 1. Visitors to the city museum"
CHART_BARS: list[tuple[str, int]] = [("2019", 42), ("2020", 18), ("2021", 25), ("2022", 37), ("2023", 48)]
CHART_Y_MAX = 50
CHART_X_TITLE = "Year"
CHART_Y_TITLE = "Visitors (thousands)"


def _r(v: float) -> float:
    return round(float(v), 3)


def _box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [_r(x0), _r(y0), _r(x1), _r(y1)]


def new_pdf() -> FPDF:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_title("Field Notes on Four Unrelated Subjects")
    pdf.set_author("Multi-Vector Pooling Explorer")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    return pdf


def draw_title(pdf: FPDF, y: float) -> dict[str, Any]:
    pdf.set_font("Helvetica", "B", 20)
    pdf.set_xy(MARGIN, y)
    height = 28.0
    pdf.cell(TEXT_W, height, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    width = pdf.get_string_width(TITLE) + 2 * pdf.c_margin
    return {"kind": "title", "text": TITLE, "bbox": _box(MARGIN, y, MARGIN + width, y + height)}


def draw_paragraph(pdf: FPDF, x: float, y: float, w: float, topic: str, text: str) -> dict[str, Any]:
    """Write a left-aligned paragraph; its box hugs the widest wrapped line."""
    pdf.set_font("Helvetica", "", BODY_SIZE)
    lines = pdf.multi_cell(w, BODY_LINE, text, align="L", dry_run=True, output="LINES")
    pdf.set_xy(x, y)
    pdf.multi_cell(w, BODY_LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y_after = pdf.get_y()
    widest = max(pdf.get_string_width(line) for line in lines) + 2 * pdf.c_margin
    return {
        "kind": "paragraph",
        "topic": topic,
        "text": text,
        "lines": len(lines),
        "bbox": _box(x, y, x + widest, y_after),
    }


def draw_table(pdf: FPDF, x: float, y: float) -> dict[str, Any]:
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_xy(x, y)
    pdf.cell(sum(TABLE_COL_W), 14, TABLE_CAPTION, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_draw_color(90, 90, 90)
    pdf.set_fill_color(225, 225, 225)
    for r, row in enumerate(TABLE_ROWS):
        pdf.set_font("Helvetica", "B" if r == 0 else "", 9)
        pdf.set_x(x)
        for c, (cell, w) in enumerate(zip(row, TABLE_COL_W)):
            pdf.cell(w, TABLE_ROW_H, cell, border=1, align="R" if c == 2 else "L", fill=r == 0)
        pdf.ln(TABLE_ROW_H)
    y_after = pdf.get_y()
    text = TABLE_CAPTION + "\n" + "\n".join(" | ".join(row) for row in TABLE_ROWS)
    return {
        "kind": "table",
        "text": text,
        "caption": TABLE_CAPTION,
        "rows": [list(row) for row in TABLE_ROWS],
        "bbox": _box(x, y, x + sum(TABLE_COL_W), y_after),
    }


def draw_chart(pdf: FPDF, x: float, y: float, w: float, h: float) -> dict[str, Any]:
    """A bar chart from rectangles and lines, with tick labels and axis titles."""
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_xy(x, y)
    pdf.cell(w, 14, CHART_CAPTION)
    # Plot area: leave room for the y tick labels and y title on the left, x labels below.
    px0, px1 = x + 42.0, x + w
    py0, py1 = y + 22.0, y + h - 30.0
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.8)
    pdf.line(px0, py1, px1, py1)  # x axis
    pdf.line(px0, py0, px0, py1)  # y axis
    pdf.set_font("Helvetica", "", 7)
    for tick in range(0, CHART_Y_MAX + 1, 10):
        ty = py1 - (py1 - py0) * tick / CHART_Y_MAX
        pdf.line(px0 - 3, ty, px0, ty)
        label = str(tick)
        pdf.text(px0 - 5 - pdf.get_string_width(label), ty + 2.5, label)
    slot = (px1 - px0) / len(CHART_BARS)
    bars = []
    pdf.set_fill_color(70, 110, 170)
    for i, (label, value) in enumerate(CHART_BARS):
        bx0 = px0 + i * slot + slot * 0.2
        bw = slot * 0.6
        by0 = py1 - (py1 - py0) * value / CHART_Y_MAX
        pdf.rect(bx0, by0, bw, py1 - by0, style="F")
        pdf.set_font("Helvetica", "", 7)
        pdf.text(bx0 + (bw - pdf.get_string_width(label)) / 2, py1 + 10, label)
        bars.append({"label": label, "value": value, "bbox": _box(bx0, by0, bx0 + bw, py1)})
    pdf.set_font("Helvetica", "", 8)
    pdf.text(px0 + (px1 - px0 - pdf.get_string_width(CHART_X_TITLE)) / 2, py1 + 22, CHART_X_TITLE)
    with pdf.rotation(90, x + 8, (py0 + py1) / 2):
        tw = pdf.get_string_width(CHART_Y_TITLE)
        pdf.text(x + 8 - tw / 2, (py0 + py1) / 2 + 3, CHART_Y_TITLE)
    labels = [str(t) for t in range(0, CHART_Y_MAX + 1, 10)] + [b for b, _ in CHART_BARS]
    text = " ".join([CHART_CAPTION, CHART_Y_TITLE, CHART_X_TITLE, *labels])
    return {
        "kind": "chart",
        "text": text,
        "caption": CHART_CAPTION,
        "bars": bars,
        "plot_bbox": _box(px0, py0, px1, py1),
        "bbox": _box(x, y, x + w, y + h),
    }


def build() -> tuple[bytes, dict[str, Any]]:
    """Lay out the page; return the PDF bytes and the layout record."""
    pdf = new_pdf()
    elements = [draw_title(pdf, MARGIN)]
    y = MARGIN + 28.0 + 18.0
    for topic, text in PARAGRAPHS[:2]:
        elements.append(draw_paragraph(pdf, MARGIN, y, TEXT_W, topic, text))
        y = elements[-1]["bbox"][3] + 12.0
    y += 6.0
    elements.append(draw_table(pdf, MARGIN, y))
    elements.append(draw_chart(pdf, MARGIN + 250.0, y, TEXT_W - 250.0, 150.0))
    y = max(elements[-1]["bbox"][3], elements[-2]["bbox"][3]) + 18.0
    for topic, text in PARAGRAPHS[2:]:
        elements.append(draw_paragraph(pdf, MARGIN, y, TEXT_W, topic, text))
        y = elements[-1]["bbox"][3] + 12.0
    layout = {
        "page": {"width": PAGE_W, "height": PAGE_H, "units": "pt", "origin": "top-left"},
        "elements": elements,
        # Everything below the last paragraph is empty paper.
        "blank_regions": [_box(0, elements[-1]["bbox"][3] + 12.0, PAGE_W, PAGE_H)],
    }
    return bytes(pdf.output()), layout


def to_json(value: Any, indent: int = 0) -> str:
    """JSON with nested objects indented but lists of plain values on one line (boxes)."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {to_json(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [inner + to_json(v, indent + 2) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value)


def main() -> None:
    data, layout = build()
    PDF_PATH.write_bytes(data)
    LAYOUT_PATH.write_text(to_json(layout) + "\n", encoding="utf-8")
    print(f"wrote {PDF_PATH.name} ({len(data)} bytes) and {LAYOUT_PATH.name}")


if __name__ == "__main__":
    main()
