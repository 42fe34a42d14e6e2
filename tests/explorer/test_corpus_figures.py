"""Corpus figures: the Pareto front and the ranking comparison."""

from __future__ import annotations

from explorer.figures.corpus import pareto_front, pareto_plot, ranking_figure


def test_pareto_front() -> None:
    pts = [(10.0, 0.9), (5.0, 0.9), (1.0, 0.5), (7.0, 0.95), (2.0, 0.4)]
    assert pareto_front(pts) == [2, 1, 3]


def test_pareto_plot_marks_the_front() -> None:
    table = {"original": {"bytes": 100, "q": 1.0}, "a": {"bytes": 10, "q": 0.9}, "b": {"bytes": 50, "q": 0.8}}
    fig = pareto_plot(table, quality="q")
    front = [t for t in fig.data if t.name == "Pareto front"][0]
    assert list(front.x) == [10.0, 100.0] and list(front.y) == [0.9, 1.0]


def test_ranking_figure_lines_and_new_arrivals() -> None:
    fig = ranking_figure(["a", "b", "c"], ["b", "x", "a", "c"], 3, relevant=["a"])
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [list(t.y) for t in lines] == [[1, 3], [2, 1], [3, 4]]  # c fell out of the top 3
    pooled = fig.data[-1]
    assert "(new)" in pooled.text[1] and "<b>a</b>" in pooled.text[2]
    escaped = ranking_figure(["<script>"], ["<script>"], 1)
    assert "<script>" not in escaped.data[-1].text[0]
