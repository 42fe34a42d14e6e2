"""The Corpus page through AppTest, on the shipped sample corpus."""

from __future__ import annotations

from tests.app.conftest import goto


def test_sample_corpus_evaluation(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POOLING_CACHE_DIR", str(tmp_path))
    goto(app, "corpus")
    app.button(key="corpus_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    table = app.dataframe[0].value
    assert list(table["method"])[:2] == ["original", "hierarchical:2"]
    assert "ndcg@5" in table.columns and "prefetch_recall@5" in table.columns
    original = table[table["method"] == "original"].iloc[0]
    assert original["ndcg@5"] > 0.8  # each query is copied from its passage
    assert len(app.get("plotly_chart")) == 2  # Pareto plot and the ranking
    app.selectbox(key="corpus_method_pick").set_value(5).run()  # mean: the single-vector baseline
    assert not app.exception


def test_bad_queries_show_an_error(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POOLING_CACHE_DIR", str(tmp_path))
    goto(app, "corpus")
    app.text_input(key="corpus_methods").set_value("hierarchical:x").run()
    app.button(key="corpus_run").click().run()
    assert app.error and "pool factor" in app.error[0].value


def test_several_documents(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POOLING_CACHE_DIR", str(tmp_path))
    goto(app, "corpus")
    app.radio(key="corpus_source").set_value("Upload several documents").run()
    texts = {"tides.txt": "The moon pulls the oceans and tides rise.", "bread.txt": "Sourdough bread needs flour.",
             "rail.md": "Steam railways carried passengers between towns."}
    uploader = app.file_uploader(key="corpus_files")
    for name, text in texts.items():
        uploader.upload(name, text.encode(), "text/plain")
    app.run()
    app.selectbox(key="corpus_files_encoder").set_value("minilm").run()
    app.text_area(key="corpus_q_Upload").set_value("moon tides oceans\nsourdough flour").run()
    app.text_input(key="corpus_methods").set_value("hierarchical:2,mean").run()
    app.number_input(key="corpus_k").set_value(2).run()
    app.button(key="corpus_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    table = app.dataframe[0].value
    assert list(table["method"]) == ["original", "hierarchical:2", "mean"]
    assert table.iloc[0]["vectors"] > 3
