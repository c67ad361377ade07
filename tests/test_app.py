"""Pages rendered with Streamlit's AppTest, on the demo database and on an empty one."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def run_app(monkeypatch, database) -> AppTest:
    monkeypatch.setenv("RADAR_DB", str(database))
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()
    return app


def test_overview_on_the_demo_database_shows_real_numbers(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    assert not app.exception
    assert app.title[0].value == "Overview"
    metrics = {m.label: m.value for m in app.metric}
    posts = int(metrics["Posts"].replace(",", ""))
    import duckdb

    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    assert posts == expected
    assert len(app.get("plotly_chart")) == 2


def test_overview_filters_by_platform(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    app.multiselect(key="filters.platforms").select("instagram").run()
    assert not app.exception
    import duckdb

    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute("SELECT count(*) FROM posts WHERE platform = 'instagram'").fetchall()[0][0]
    assert int(app.metric[0].value.replace(",", "")) == expected
    assert app.query_params["platform"] in ("instagram", ["instagram"])


def test_filters_are_reopened_from_the_url(monkeypatch, demo_db):
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    app = AppTest.from_file(APP, default_timeout=30)
    app.query_params["platform"] = "instagram"
    app.run()
    assert not app.exception
    assert app.multiselect(key="filters.platforms").value == ["instagram"]


def test_empty_database_shows_what_to_do(monkeypatch, tmp_path):
    from pipeline import db

    path = tmp_path / "empty.duckdb"
    db.connect(path).close()
    app = run_app(monkeypatch, path)
    assert not app.exception
    assert "No posts yet" in app.info[0].value


def test_missing_database_shows_what_to_do(monkeypatch, tmp_path):
    app = run_app(monkeypatch, tmp_path / "absent.duckdb")
    assert not app.exception
    assert "radar demo" in app.info[0].value


def test_date_range_is_shared_through_the_url(monkeypatch, demo_db):
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    app = AppTest.from_file(APP, default_timeout=30)
    app.query_params["from"] = "2026-10-24"
    app.query_params["to"] = "2026-10-25"
    app.run()
    assert not app.exception
    import duckdb

    with duckdb.connect(str(demo_db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        expected = con.execute("""SELECT count(*) FROM posts
            WHERE created_at >= TIMESTAMPTZ '2026-10-24 00:00:00+00'
              AND created_at < TIMESTAMPTZ '2026-10-26 00:00:00+00'""").fetchall()[0][0]
    assert int(app.metric[0].value.replace(",", "")) == expected
