"""Figure builders: tiny hand-made inputs, exact checks on what reaches plotly."""

from __future__ import annotations

import ast
import doctest
import importlib
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from scipy.cluster.hierarchy import fcluster, linkage

import explorer.figures as F
from explorer.figures import common
from explorer.figures.pooling import DROPPED_SLOT

FIGURES_DIR = Path(F.__file__).parent
GRID = (2, 3)  # non-square on purpose: index = row * 3 + col


@pytest.fixture
def page() -> Image.Image:
    """A 10 px wide, 20 px tall page (portrait)."""
    return Image.new("RGB", (10, 20), "white")


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    return [t for t in fig.data if isinstance(t, go.Heatmap)]


def assert_patch_customdata(customdata, grid=GRID) -> None:
    rows, cols = grid
    cd = np.asarray(customdata, dtype=object)
    assert cd.shape[:2] == (rows, cols)
    for r in range(rows):
        for c in range(cols):
            assert list(cd[r, c, :3]) == [r, c, r * cols + c]


def segments(xs, ys) -> set[tuple[tuple[float, float], tuple[float, float]]]:
    """``None``-separated polyline -> set of undirected 2-point segments."""
    out = set()
    pts = list(zip(xs, ys))
    for i in range(0, len(pts), 3):
        a, b, sep = pts[i:i + 3]
        assert sep == (None, None)
        out.add(tuple(sorted([a, b])))
    return out


def assert_grid_axes(fig: go.Figure, grid=GRID, axis: str = "") -> None:
    rows, cols = grid
    assert list(fig.layout[f"xaxis{axis}"].range) == [0, cols]
    assert list(fig.layout[f"yaxis{axis}"].range) == [rows, 0]  # reversed: row 0 at the top


class TestModule:
    def test_doctests(self):
        for name in ("common", "maxsim", "tokens"):
            mod = importlib.import_module(f"explorer.figures.{name}")
            result = doctest.testmod(mod)
            assert result.failed == 0 and result.attempted > 0, name

    def test_imports_neither_streamlit_nor_torch(self):
        # Figure builders know nothing of Streamlit or torch (nor pooling_core, which imports torch).
        forbidden = {"streamlit", "torch", "pooling_core", "transformers", "colpali_engine"}
        files = sorted(FIGURES_DIR.glob("*.py"))
        assert len(files) >= 8  # every figure module is checked
        for path in files:
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                assert not {n.split(".")[0] for n in names} & forbidden, (path.name, names)

    def test_exports(self):
        for name in F.__all__:
            assert callable(getattr(F, name))


class TestHelpers:
    def test_boundary_segments_2x2(self):
        ids = np.array([[0, 0], [1, 2]])
        xs, ys = common.boundary_segments(ids)
        assert segments(xs, ys) == {
            ((0, 1), (1, 1)),  # between (0,0)=0 and (1,0)=1
            ((1, 1), (2, 1)),  # between (0,1)=0 and (1,1)=2
            ((1, 1), (1, 2)),  # between (1,0)=1 and (1,1)=2
        }

    def test_boundary_segments_uniform_grid_has_none(self):
        assert common.boundary_segments(np.zeros((3, 4), int)) == ([], [])

    @pytest.mark.parametrize("seed", range(5))
    def test_adjacent_clusters_get_different_colours(self, seed):
        rng = np.random.default_rng(seed)
        ids = rng.integers(0, 12, size=(8, 9))
        ids[rng.random(ids.shape) < 0.1] = -1
        edges = common.grid_adjacency(ids)
        slots = common.cluster_color_slots(np.unique(ids).tolist(), edges)
        assert set(slots) == set(np.unique(ids[ids >= 0]).tolist())
        assert edges and all(slots[a] != slots[b] for a, b in edges)

    def test_discrete_colorscale_steps(self):
        scale = common.discrete_colorscale(["#000000", "#ffffff"])
        assert scale == [[0.0, "#000000"], [0.5, "#000000"], [0.5, "#ffffff"], [1.0, "#ffffff"]]

    def test_readable_text_color(self):
        assert common.readable_text_color((1.0, 1.0, 1.0)) == "#000000"
        assert common.readable_text_color((0.0, 0.0, 0.0)) == "#ffffff"
        assert common.readable_text_color((0.0, 0.0, 1.0)) == "#ffffff"

    def test_human_bytes(self):
        assert [common.human_bytes(n) for n in (0, 1023, 1024, 527360, 5 * 2**30)] == [
            "0 B", "1023 B", "1.0 KiB", "515.0 KiB", "5.0 GiB"]

    def test_palette_has_no_duplicates_or_dropped_grey(self):
        assert len(set(common.QUALITATIVE)) == len(common.QUALITATIVE) >= 40
        assert common.DROPPED_COLOR not in common.QUALITATIVE


class TestFigureHtml:
    def test_self_contained(self):
        doc = common.figure_html(F.counts_bars(10, 5))
        assert "cdn.plot.ly" not in doc
        assert "plotly.js v" in doc and "Plotly.newPlot" in doc
        assert re.search(r"<script[^>]*\bsrc=", doc) is None


class TestPage:
    def test_page_with_grid(self, page):
        texts = ["a", "<b>x</b>", "", "d", "e & f", "g"]
        blank = np.array([[True, False, False], [False, False, True]])
        fig = F.page_with_grid(page, GRID, cell_text=texts, blank_mask=blank)
        assert isinstance(fig, go.Figure)
        (hm,) = heatmaps(fig)
        np.testing.assert_array_equal(np.asarray(hm.z), blank.astype(float))
        np.testing.assert_array_equal(hm.x, [0.5, 1.5, 2.5])
        np.testing.assert_array_equal(hm.y, [0.5, 1.5])
        assert_patch_customdata(hm.customdata)
        assert hm.text[0][1] == "&lt;b&gt;x&lt;/b&gt; " and hm.text[1][1] == "e &amp; f "
        assert hm.text[0][0] == "a (blank)" and hm.text[1][2] == "g (blank)"
        assert list(F.page_with_grid(page, GRID, cell_text=texts).data[0].text[0]) == ["a", "&lt;b&gt;x&lt;/b&gt;", ""]
        assert "row %{customdata[0]}" in hm.hovertemplate and "%{text}" in hm.hovertemplate
        assert_grid_axes(fig)

    def test_background_spans_grid_exactly(self, page):
        fig = F.page_with_grid(page, GRID)
        (im,) = fig.layout.images
        assert (im.x, im.y, im.sizex, im.sizey) == (0, 0, 3, 2)
        assert (im.xref, im.yref, im.xanchor, im.yanchor, im.sizing, im.layer) == (
            "x", "y", "left", "top", "stretch", "below")
        # aspect locked to the page: a cell is 10/3 px wide and 20/2 px tall -> ratio 3
        assert fig.layout.yaxis.scaleanchor == "x"
        assert fig.layout.yaxis.scaleratio == pytest.approx(3.0)

    def test_grid_lines_on_every_edge(self, page):
        fig = F.page_with_grid(page, GRID)
        (lines,) = [t for t in fig.data if isinstance(t, go.Scatter)]
        segs = segments(lines.x, lines.y)
        assert {((c, 0), (c, 2)) for c in range(4)} | {((0, r), (3, r)) for r in range(3)} == segs

    def test_cell_text_length_checked(self, page):
        with pytest.raises(ValueError, match="rows\\*cols"):
            F.page_with_grid(page, GRID, cell_text=["a"])


class TestEmbeddings:
    def test_pca_rgb_map(self, page):
        rgb = np.linspace(0, 1, 18).reshape(2, 3, 3)
        fig = F.pca_rgb_map(rgb, image=page, cell_text=list("abcdef"))
        (img,) = [t for t in fig.data if isinstance(t, go.Image)]
        np.testing.assert_array_equal(np.asarray(img.z), np.round(rgb * 255).astype(np.uint8))
        assert (img.x0, img.y0, img.dx, img.dy) == (0.5, 0.5, 1, 1)  # pixel edges = cell edges
        (hm,) = heatmaps(fig)
        assert_patch_customdata(hm.customdata)
        np.testing.assert_allclose(np.asarray(hm.customdata)[..., 3:], rgb)  # PC values in hover
        assert len(fig.layout.images) == 1
        assert_grid_axes(fig)

    def test_norm_heatmap(self, page):
        norms = np.arange(6, dtype=float).reshape(GRID) / 7
        fig = F.norm_heatmap(norms, image=page)
        (hm,) = heatmaps(fig)
        np.testing.assert_array_equal(np.asarray(hm.z), norms)
        assert_patch_customdata(hm.customdata)
        assert hm.opacity < 1 and hm.showscale is not False
        fig_plain = F.norm_heatmap(norms)
        assert len(fig_plain.layout.images) == 0 and heatmaps(fig_plain)[0].opacity == 1

    def test_pca_scatter(self):
        coords = np.arange(10, dtype=float).reshape(5, 2)
        colors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0]], dtype=float)
        fig = F.pca_scatter(coords, colors=colors, is_special=[False, True, False, False, True],
                            hover=list("abcde"))
        regular, special = fig.data
        assert list(regular.customdata) == [0, 2, 3] and list(special.customdata) == [1, 4]
        np.testing.assert_array_equal(special.x, [2.0, 8.0])
        assert list(regular.marker.color) == ["rgb(255, 0, 0)", "rgb(0, 0, 255)", "rgb(255, 255, 255)"]
        assert regular.marker.symbol != special.marker.symbol
        assert special.name == "special token" and special.showlegend is not False
        assert list(special.text) == ["b", "e"]

    def test_bad_shapes(self):
        with pytest.raises(ValueError):
            F.pca_rgb_map(np.zeros((2, 3)))
        with pytest.raises(ValueError):
            F.pca_scatter(np.zeros((3, 2)), colors=np.zeros((2, 3)))


class TestClusterHeatmap:
    def test_known_2x2(self):
        ids = np.array([[0, 0], [1, 2]])
        fig = F.cluster_heatmap(ids, np.array([2, 1, 1]))
        hm, bounds = fig.data
        assert segments(bounds.x, bounds.y) == {((0, 1), (1, 1)), ((1, 1), (2, 1)), ((1, 1), (1, 2))}
        z = np.asarray(hm.z)
        assert z[0, 0] == z[0, 1]  # one cluster, one colour
        assert len({z[0, 0], z[1, 0], z[1, 1]}) == 3  # the three touching clusters differ
        cd = np.asarray(hm.customdata, dtype=object)
        assert_patch_customdata(cd, (2, 2))
        assert list(cd[1, 1, 3:5]) == [2, 1] and list(cd[0, 1, 3:5]) == [0, 2]
        assert hm.text[0][0] == "cluster 0 (size 2)"

    def test_colour_is_the_palette_colour_of_the_slot(self):
        ids = np.array([[0, 1, 1], [0, 2, -1]])
        fig = F.cluster_heatmap(ids, [2, 2, 1])
        hm = fig.data[0]
        scale = dict((round(v * (DROPPED_SLOT + 1), 6), c) for v, c in hm.colorscale[::2])
        assert (hm.zmin, hm.zmax) == (-0.5, DROPPED_SLOT + 0.5)
        z = np.asarray(hm.z)
        assert scale[z[1, 2]] == common.DROPPED_COLOR
        for r, c in [(0, 0), (0, 1), (1, 1)]:
            assert scale[z[r, c]] == common.QUALITATIVE[z[r, c]]

    def test_dropped_cells(self, page):
        ids = np.array([[0, 0, -1], [1, 1, -1]])
        fig = F.cluster_heatmap(ids, [2, 2], image=page)
        hm, bounds = fig.data
        z = np.asarray(hm.z)
        assert z[0, 2] == z[1, 2] == DROPPED_SLOT and DROPPED_SLOT not in z[:, :2]
        assert hm.text[0][2] == "dropped" and list(hm.customdata[1][2][3:5]) == [-1, 0]
        # boundary between cluster 0/1 (horizontal, 2 cells) and clusters/dropped (vertical, 2 rows)
        assert segments(bounds.x, bounds.y) == {
            ((0, 1), (1, 1)), ((1, 1), (2, 1)), ((2, 0), (2, 1)), ((2, 1), (2, 2))}
        assert "1 dropped" not in fig.layout.title.text and "2 dropped" in fig.layout.title.text
        assert len(fig.layout.images) == 1
        assert_grid_axes(fig)

    def test_secondary_in_hover(self):
        rows = np.array([[0, 0, 0], [1, 1, 1]])
        columns = np.array([[2, 3, 4], [2, 3, 4]])
        fig = F.cluster_heatmap(rows, [3, 3, 2, 2, 2], secondary=columns)
        hm = fig.data[0]
        assert [hm.customdata[1][c][5] for c in range(3)] == [2, 3, 4]
        assert "customdata[5]" in hm.hovertemplate

    def test_sizes_must_cover_ids(self):
        with pytest.raises(ValueError, match="sizes"):
            F.cluster_heatmap(np.array([[0, 3]]), [1, 1])


class TestPoolingBars:
    def test_counts_bars(self):
        fig = F.counts_bars(1030, 322)
        assert list(fig.data[0].y) == [1030, 322]
        assert "3.20× fewer" in fig.layout.title.text

    def test_memory_bars(self):
        before = {"float32": 527360, "float16": 263680, "int8": 131840, "binary": 16480}
        after = {k: v // 4 for k, v in before.items()}
        fig = F.memory_bars(before, after)
        b, a = fig.data
        assert list(b.x) == list(before) and list(b.y) == list(map(float, before.values()))
        assert list(a.y) == list(map(float, after.values()))
        assert b.text[0] == "515.0 KiB" and a.text[3] == "4.0 KiB"
        assert fig.layout.barmode == "group" and fig.layout.yaxis.type == "log"
        assert all(t.endswith(("B", "KiB", "MiB")) for t in fig.layout.yaxis.ticktext)

    def test_cluster_size_histogram(self):
        fig = F.cluster_size_histogram([1, 3, 3, 3, 7, 1])
        assert list(fig.data[0].x) == [1, 3, 7] and list(fig.data[0].y) == [2, 3, 1]
        assert not F.cluster_size_histogram([]).data


class TestDendrogram:
    def _linkage(self, n):
        return linkage(np.random.default_rng(0).random((n, 3)), method="ward")

    @pytest.mark.parametrize("n", [2, 3, 7])
    def test_all_leaves_when_small(self, n):
        fig = F.dendrogram_figure(self._linkage(n))
        assert len(fig.layout.xaxis.tickvals) == n
        n_links = sum(t.x.count(None) for t in fig.data)
        assert n_links == n - 1

    def test_truncated_to_p_leaves(self):
        fig = F.dendrogram_figure(self._linkage(20), p=5)
        assert len(fig.layout.xaxis.tickvals) == 5
        assert all(re.fullmatch(r"\(\d+\)|\d+", t) for t in fig.layout.xaxis.ticktext)

    def test_cut_line(self):
        z = self._linkage(12)
        cut = float(np.median(z[:, 2]))
        fig = F.dendrogram_figure(z, cut_height=cut)
        (line,) = fig.layout.shapes
        assert (line.y0, line.y1) == (cut, cut) and line.line.dash == "dash"
        k = len(set(fcluster(z, cut, criterion="distance")))
        assert f"{k} clusters" in fig.layout.title.text
        assert not F.dendrogram_figure(z).layout.shapes

    @pytest.mark.parametrize("empty", [None, np.zeros((0, 4))])
    def test_empty(self, empty):
        fig = F.dendrogram_figure(empty)
        assert not fig.data and "fewer than two" in fig.layout.annotations[0].text


class TestMaxSim:
    def test_score_bars(self):
        fig = F.score_bars(10.0, 9.5)
        assert list(fig.data[0].y) == [10.0, 9.5]
        assert "retention 95.0%" in fig.layout.annotations[0].text
        assert "n/a" in F.score_bars(0.0, 0.0).layout.annotations[0].text

    def test_contribution_bars_highlight_largest_loss(self):
        tokens = ["a", "<s>", "a"]
        fig = F.contribution_bars(tokens, [1.0, 0.9, 0.8], [0.95, 0.5, 0.8])
        before, after = fig.data
        assert list(before.x) == [0, 1, 2]  # the two "a" stay separate bars
        assert list(fig.layout.xaxis.ticktext) == ["a", "&lt;s&gt;", "a"]
        colors = list(after.marker.color)
        assert colors[1] != colors[0] == colors[2]
        assert fig.layout.meta["largest_loss_index"] == 1
        (note,) = fig.layout.annotations
        assert note.x == 1 and "&lt;s&gt;" in note.text

    def test_contribution_bars_no_loss(self):
        fig = F.contribution_bars(["x", "y"], [0.5, 0.6], [0.5, 0.7])
        assert fig.layout.meta["largest_loss_index"] is None and not fig.layout.annotations

    def test_similarity_maps(self, page):
        original = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
        pooled = np.array([[0.15, 0.15, np.nan], [0.5, 0.5, 0.5]])
        fig = F.similarity_maps(original, pooled, image=page, token="<b>")
        o, p, d = heatmaps(fig)
        np.testing.assert_array_equal(np.asarray(o.z), original)
        np.testing.assert_array_equal(np.asarray(p.z), pooled)
        np.testing.assert_allclose(np.asarray(d.z), pooled - original, equal_nan=True)
        assert np.isnan(np.asarray(d.z)[0, 2])
        assert o.coloraxis == p.coloraxis == "coloraxis" and d.coloraxis == "coloraxis2"
        assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0.1, 0.6)
        assert fig.layout.coloraxis2.cmin == -fig.layout.coloraxis2.cmax == pytest.approx(-0.1)
        assert sorted((im.xref, im.yref) for im in fig.layout.images) == [("x", "y"), ("x2", "y2")]
        for h in (o, p, d):
            assert_patch_customdata(h.customdata)
        for axis in ("", "2", "3"):
            assert_grid_axes(fig, axis=axis)
        assert p.text[0][2] == "(dropped)" and p.text[0][1] == ""
        assert "&lt;b&gt;" in fig.layout.title.text


class TestSweep:
    SERIES = [
        {"method": "hierarchical", "param": [1, 2, 3], "vectors": [1030, 515, 344],
         "retention": [1.0, 0.98, 0.95], "knee": 1},
        {"method": "row_mean", "param": [None], "vectors": [32], "retention": [0.7], "knee": None},
    ]

    def test_sweep_curves(self):
        fig = F.sweep_curves(self.SERIES, param_name="pool factor")
        lines = [t for t in fig.data if t.mode == "lines+markers"]
        knees = [t for t in fig.data if t.mode == "markers"]
        assert [t.name for t in lines] == ["hierarchical", "row_mean"]
        assert list(lines[0].x) == [1030, 515, 344]
        np.testing.assert_allclose(lines[0].y, [100.0, 98.0, 95.0])
        assert [list(c) for c in lines[0].customdata] == [["1", 1030], ["2", 515], ["3", 344]]
        (knee,) = knees
        assert list(knee.x) == [515] and knee.y[0] == pytest.approx(98.0) and knee.marker.size > lines[0].marker.size
        (note,) = fig.layout.annotations
        assert note.x == 515 and "pool factor 2" in note.text

    def test_x_param(self):
        fig = F.sweep_curves(self.SERIES[:1], x="param")
        assert list(fig.data[0].x) == [1, 2, 3]
        with pytest.raises(ValueError):
            F.sweep_curves(self.SERIES, x="nope")


class TestTokens:
    EVIL = ["<script>alert(1)</script>", "a&b", '"q"']

    def test_chips_escape_text_and_titles(self):
        html = F.token_chips_html(self.EVIL, titles=["<script>", "&", "ok"])
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "a&amp;b" in html
        assert 'title="&lt;script&gt;"' in html and 'title="&amp;"' in html
        assert len(re.findall(r'class="mvp-tok[ "]', html)) == 3

    def test_chips_colours_and_text_colour(self):
        html = F.token_chips_html(["dark", "light"], colors=np.array([[0, 0, 0.2], [1, 1, 0.8]]))
        dark, light = re.findall(r'<span class="mvp-tok[^"]*" style="([^"]*)"', html)
        assert "background:rgb(0, 0, 51)" in dark and "color:#ffffff" in dark
        assert "background:rgb(255, 255, 204)" in light and "color:#000000" in light

    def test_wordpiece_continuation_joined(self):
        html = F.token_chips_html(["[CLS]", "play", "##ing", "now"], is_special=[True, False, False, False])
        spans = re.findall(r'<span class="([^"]*)" style="([^"]*)"[^>]*>([^<]*)</span>', html)
        assert [s[2] for s in spans] == ["[CLS]", "play", "ing", "now"]
        assert "mvp-cont" in spans[2][0] and "margin-left:0px" in spans[2][1]
        assert "mvp-cont" not in spans[3][0] and "margin-left:5px" in spans[3][1]
        assert "mvp-special" in spans[0][0] and "dashed" in spans[0][1] and "small-caps" in spans[0][1]
        assert "</span><span" in html and "</span> <span" not in html  # no whitespace between chips

    def test_clusters(self):
        tokens = ["the", "play", "##ing", "<cat>", "&"]
        html = F.token_clusters_html(tokens, [0, 1, 1, -1, 2], [1, 2, 1])
        spans = re.findall(r'style="([^"]*)" title="([^"]*)">([^<]*)</span>', html)
        assert [s[1] for s in spans] == ["cluster 0 (size 1)", "cluster 1 (size 2)", "cluster 1 (size 2)",
                                         "dropped", "cluster 2 (size 1)"]
        bg = [re.search(r"background:(rgb\([^)]*\))", s[0]).group(1) for s in spans]
        assert bg[1] == bg[2] and bg[0] != bg[1]  # same cluster same colour, neighbours differ
        assert "line-through" in spans[3][0] and "line-through" not in spans[0][0]
        assert spans[3][2] == "&lt;cat&gt;" and spans[4][2] == "&amp;"
        assert "<cat>" not in html

    def test_similarity(self):
        html = F.token_similarity_html(["lo", "<script>", "hi"], np.array([0.0, 0.5, 1.0]),
                                       np.array([0.2, np.nan, 1.0]))
        assert "<script>" not in html and html.count('class="mvp-line"') == 2
        bg = [common.relative_luminance([int(v) / 255 for v in m]) for m in
              re.findall(r"background:rgb\((\d+), (\d+), (\d+)\)", html)]
        assert bg[0] > bg[1] > bg[2]  # higher similarity, stronger (darker) background
        assert "pooled: dropped" in html and "line-through" in html
        single = F.token_similarity_html(["a"], [0.3])
        assert single.count('class="mvp-line"') == 1 and "pooled" not in single
