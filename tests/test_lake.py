"""The dashboard served from a Parquet lake (``RADAR_LAKE``): every page renders from the lake's files alone, with
the figures the same pages show on the database the lake was exported from; the lake is read-only; a lake that
cannot be served says which and why, never with a traceback."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pandas as pd
import pytest
import streamlit as st

from pipeline.cli import main
from pipeline.core import db
from pipeline.read.export_parquet import SOURCES, TABLES
from pipeline.read.lake import LakeError, LakeStore, lake_location, open_lake
from tests.conftest import ROOT
from tests.test_app import CRISIS, PAGES, open_page
from tests.test_app import clear_caches as clear_caches  # autouse here too: each page opens on cold caches


@pytest.fixture(scope="module")
def lake(demo_db, tmp_path_factory):
    """The demo database exported by `radar export-parquet`: the lake the pages are served from."""
    folder = tmp_path_factory.mktemp("lake") / "demo-lake"
    assert main(["export-parquet", str(folder), "--db", str(demo_db)]) == 0
    return folder


def open_lake_page(monkeypatch, tmp_path, lake, page: str | None = None, **params):
    """The app serving ``lake`` (through RADAR_LAKE), with RADAR_DB naming no file: nothing may read a database."""
    monkeypatch.setenv("RADAR_LAKE", str(lake))
    return open_page(monkeypatch, tmp_path / "no-database.duckdb", page, **params)


def open_database_page(monkeypatch, database, page: str | None = None, **params):
    monkeypatch.delenv("RADAR_LAKE", raising=False)
    return open_page(monkeypatch, database, page, **params)


def shown(text: str) -> str:
    """A message as a person reads it: Markdown's backslash escapes (data is shown literally) removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# -- the lake's tables, as the pages read them ---------------------------------------------------------------


def _differences(con, mine: str, theirs: str) -> int:
    """Rows of one relation that the other lacks, both ways, counted as multisets."""
    return db.scalar(
        con,
        f"SELECT (SELECT count(*) FROM (SELECT * FROM {mine} EXCEPT ALL SELECT * FROM {theirs})) "
        f"+ (SELECT count(*) FROM (SELECT * FROM {theirs} EXCEPT ALL SELECT * FROM {mine}))",
    )


def test_every_table_the_pages_read_holds_the_databases_rows(lake, demo_db):
    con = open_lake(str(lake))
    try:
        con.execute("ATTACH ? AS ref (READ_ONLY)", [str(demo_db)])
        relations = [SOURCES.get(table, table) for table in TABLES]
        relations += ["fct_threads", "fct_crises", "fct_crisis_phases", "fct_crisis_moves", "fct_responses"]
        for relation in relations:
            assert db.scalar(con, f"SELECT count(*) FROM {relation}") > 0 or relation == "quarantine"
            ref_columns = [row[:2] for row in con.execute(f"DESCRIBE SELECT * FROM ref.main.{relation}").fetchall()]
            columns = [row[:2] for row in con.execute(f"DESCRIBE SELECT * FROM main.{relation}").fetchall()]
            assert columns == ref_columns, relation  # names, order and types
            assert _differences(con, f"main.{relation}", f"ref.main.{relation}") == 0, relation
        # the facts hold what the lake's posts hold; the posts view's own query over them gives the posts back
        for column in ("post_id", "platform", "is_brand", "brand", "created_at", "thread_id", "text", "import_id"):
            facts = f"(SELECT platform, post_id, {column} FROM {{}}.fct_posts)"
            assert _differences(con, facts.format("main"), facts.format("ref.main")) == 0, column
        assert _differences(con, f"({db.POSTS_SELECT})", "posts") == 0
        shown_language = "(SELECT platform, post_id, coalesce(detected_lang, lang) AS lang FROM {}.fct_posts)"
        assert _differences(con, shown_language.format("main"), shown_language.format("ref.main")) == 0
        radar = "(SELECT platform, post_id, sentiment_label FROM {}.fct_posts)"
        assert _differences(con, radar.format("main"), radar.format("ref.main")) == 0
        columns = [row[0] for row in con.execute("DESCRIBE SELECT * FROM ref.main.fct_posts").fetchall()]
        assert [row[0] for row in con.execute("DESCRIBE SELECT * FROM main.fct_posts").fetchall()] == [
            *columns,
            "rowid",
        ]
    finally:
        con.close()


def test_a_lake_written_in_other_files_and_types_reads_the_same(lake, tmp_path):
    """Another engine's files (Spark's part file names and _SUCCESS, timestamps without a time zone as Spark's
    INT96 ones read, 32-bit counts) read as Radar's columns and types."""
    other = tmp_path / "other"
    shutil.copytree(lake, other)
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        source = str(lake / "threads" / "*" / "*.parquet")
        shutil.rmtree(other / "threads")
        con.execute(f"""
            COPY (SELECT * REPLACE (started_at::TIMESTAMP AS started_at, post_count::INTEGER AS post_count),
                         strftime(started_at, '%Y-%m') AS month
                  FROM read_parquet('{source}', hive_partitioning = true))
            TO '{other / "threads"}' (FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN 'part-{{i}}.c000')""")
    (other / "threads" / "_SUCCESS").touch()
    assert {path.name for path in (other / "threads").rglob("part-*")} == {"part-0.c000.parquet"}
    served, expected = open_lake(str(other)), open_lake(str(lake))
    try:
        assert served.execute("DESCRIBE threads").fetchall() == expected.execute("DESCRIBE threads").fetchall()
        query = "SELECT * FROM threads ORDER BY platform, thread_id"
        pd.testing.assert_frame_equal(served.execute(query).df(), expected.execute(query).df())
    finally:
        served.close()
        expected.close()


# -- every page, served from the lake -------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_lake(monkeypatch, tmp_path, lake, page):
    app = open_lake_page(monkeypatch, tmp_path, lake, page)
    assert app.title[0].value
    assert not app.error, [e.value for e in app.error]
    assert not (tmp_path / "no-database.duckdb").exists()


def _metrics(app) -> list[tuple]:
    return [(m.label, m.value, m.delta) for m in app.metric]


def _tables(app) -> list[pd.DataFrame]:
    """The page's tables, but for the crisis room's alert log: alerts are raised on a database, not kept in a lake."""
    frames = [frame.value.reset_index(drop=True) for frame in app.dataframe]
    return [frame for frame in frames if "subject" not in frame.columns]


@pytest.mark.parametrize(
    "page, params",
    [
        ("pages/overview.py", {"week": "2026-W46"}),
        ("pages/overview.py", {"week": "2026-W43"}),
        ("pages/responses.py", {}),
        ("pages/crises.py", {"crisis": CRISIS}),
    ],
)
def test_a_page_on_the_lake_shows_the_figures_it_shows_on_the_database(
    monkeypatch, tmp_path, demo_db, lake, page, params
):
    on_database = open_database_page(monkeypatch, demo_db, page, **params)
    st.cache_data.clear()
    st.cache_resource.clear()
    on_lake = open_lake_page(monkeypatch, tmp_path, lake, page, **params)
    assert _metrics(on_lake) == _metrics(on_database)
    tables = _tables(on_database)
    assert len(_tables(on_lake)) == len(tables) and (tables or _metrics(on_database))
    for mine, theirs in zip(_tables(on_lake), tables, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    if page == "pages/crises.py":  # the retrospective and the moves (the room's log and alerts stay with the database)

        def facts(app) -> list[str]:
            return [m.value for m in app.markdown if re.match(r"\*\*[^*]+:\*\* ", m.value) or " — " in m.value]

        assert len(facts(on_database)) > 8 and facts(on_lake) == facts(on_database)
    if page == "pages/overview.py" and params["week"] == "2026-W43":
        assert dict((m[0], m[1]) for m in _metrics(on_lake))["Open crises"] == "2"


def test_the_data_page_on_a_lake_says_it_is_read_only(monkeypatch, tmp_path, lake):
    app = open_lake_page(monkeypatch, tmp_path, lake, "pages/data.py")
    notice = shown(app.info[0].value)
    assert str(lake) in notice and "radar spark build" in notice and "read-only" in notice
    assert "rebuilding the lake" in notice
    assert not app.get("file_uploader") and not app.get("form") and not app.get("tabs")
    assert not any(s.value in ("Load exports", "Alert log", "Who changed what") for s in app.subheader)
    notes = [c.value for c in app.caption if "is not offered here: this dashboard serves a lake" in c.value]
    assert len(notes) >= 4  # brands, themes, settings, the plan
    assert any(s.value == "Latest imports" for s in app.subheader) and app.dataframe


def test_the_crisis_room_on_a_lake_offers_no_acknowledgement(monkeypatch, tmp_path, lake):
    app = open_lake_page(monkeypatch, tmp_path, lake, "pages/crises.py", crisis=CRISIS)
    assert not app.get("form") and not app.get("text_area")
    assert any("Acknowledging a crisis is not offered here" in c.value for c in app.caption)


def test_an_empty_lake_says_what_to_do(monkeypatch, tmp_path):
    database = tmp_path / "empty.duckdb"
    db.connect(database).close()
    empty = tmp_path / "empty-lake"
    assert main(["export-parquet", str(empty), "--db", str(database)]) == 0
    app = open_lake_page(monkeypatch, tmp_path, empty)
    assert "No posts in this lake" in app.info[0].value and not app.error


# -- a lake that cannot be served ------------------------------------------------------------------------------


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def _rewrite_manifest(folder, change):
    manifest = _manifest(folder)
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _without_a_column(folder):
    with duckdb.connect() as con:
        path = folder / "brands" / "data_0.parquet"
        con.execute(f"COPY (SELECT * EXCLUDE (role) FROM '{path}') TO '{folder / 'brands.parquet'}'")
    (folder / "brands.parquet").replace(folder / "brands" / "data_0.parquet")


def _a_file(folder):
    shutil.rmtree(folder)
    folder.write_text("not a folder")


def _an_unfinished_first_build(folder):
    shutil.rmtree(folder)
    (folder / ".next" / "posts").mkdir(parents=True)


BAD_LAKES = {
    "no folder": (shutil.rmtree, "no lake there (no such folder); build it with"),
    "a file": (_a_file, "not a lake (a file, not a folder)"),
    "no manifest": (lambda folder: (folder / "manifest.json").unlink(), "no manifest.json (not a lake"),
    "an unfinished first build": (_an_unfinished_first_build, "no manifest.json (a build into it has not finished)"),
    "a manifest that is not JSON": (
        lambda folder: (folder / "manifest.json").write_text("{"),
        "manifest.json is not valid JSON",
    ),
    "another schema version": (
        lambda folder: _rewrite_manifest(folder, lambda m: m.update(schema_version=db.SCHEMA_VERSION + 1)),
        f"has schema version {db.SCHEMA_VERSION + 1}, and this program reads version {db.SCHEMA_VERSION}",
    ),
    "no schema version": (
        lambda folder: _rewrite_manifest(folder, lambda m: m.pop("schema_version")),
        "gives no schema version",
    ),
    "a table the manifest lacks": (
        lambda folder: _rewrite_manifest(folder, lambda m: m["tables"].pop("hourly")),
        "the lake has no table hourly",
    ),
    "a table without files": (
        lambda folder: shutil.rmtree(folder / "responses"),
        "the table responses has no Parquet files",
    ),
    "a table without a column": (_without_a_column, "the table brands cannot be read as Radar's"),
    "settings that are not valid": (
        lambda folder: _rewrite_manifest(folder, lambda m: m["settings"].update(sensitivity="extreme")),
        "the settings in the lake's manifest are not valid (sensitivity: 'extreme'",
    ),
    "no settings": (lambda folder: _rewrite_manifest(folder, lambda m: m.pop("settings")), "holds no settings"),
    "themes that are not valid": (
        lambda folder: _rewrite_manifest(folder, lambda m: m.update(themes=[{"name": "Delivery"}])),
        "the theme set in the lake's manifest is not valid",
    ),
}


@pytest.fixture
def bad_lake(lake, tmp_path, request):
    folder = tmp_path / "bad-lake"
    shutil.copytree(lake, folder)
    spoil, _message = BAD_LAKES[request.param]
    spoil(folder)
    return folder


@pytest.mark.parametrize("bad_lake", list(BAD_LAKES), indirect=True)
def test_a_lake_that_cannot_be_served_says_which_and_why(bad_lake, request):
    expected = BAD_LAKES[request.node.callspec.params["bad_lake"]][1]
    with pytest.raises(LakeError) as refused:
        open_lake(str(bad_lake)).close()
    assert str(refused.value).startswith(f"{bad_lake}: ") and expected in str(refused.value), str(refused.value)


@pytest.mark.parametrize("bad_lake", ["no manifest", "another schema version", "a table without files"], indirect=True)
@pytest.mark.parametrize("page", ["pages/overview.py", "pages/data.py"])
def test_a_page_on_a_lake_that_cannot_be_served_shows_the_problem(monkeypatch, tmp_path, bad_lake, page, request):
    expected = BAD_LAKES[request.node.callspec.params["bad_lake"]][1]
    app = open_lake_page(monkeypatch, tmp_path, bad_lake, page)  # no exception: asserted by open_page
    errors = [shown(e.value) for e in app.error]
    assert len(errors) == 1 and str(bad_lake) in errors[0] and expected in errors[0], errors
    assert not app.info  # not "no posts": the lake cannot be read


def test_an_s3_lake_without_the_httpfs_extension_says_so():
    with duckdb.connect() as con:
        installed = con.execute("SELECT installed FROM duckdb_extensions() WHERE extension_name = 'httpfs'").fetchall()
    if installed and installed[0][0]:
        pytest.skip("httpfs is installed here: an s3:// lake would be read over the network")
    with pytest.raises(LakeError) as refused:
        open_lake("s3://radar-bucket/lake")
    message = str(refused.value)
    assert message.startswith("s3://radar-bucket/lake: ") and "httpfs extension, which is not installed" in message


def test_the_docs_list_the_lakes_tables_as_they_are_written():
    text = (ROOT / "docs" / "lake.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (?:`(\w+)`|one file) \| `(\w+)` \|$", text, flags=re.MULTILINE)
    assert rows == [(table, month_of or "", SOURCES.get(table, table)) for table, month_of in TABLES.items()]


# -- where the lake comes from, rebuilds, and no writing ------------------------------------------------------


@pytest.mark.parametrize(
    "argv, environ, expected",
    [
        ([], {}, None),
        ([], {"RADAR_LAKE": "data/lake"}, "data/lake"),
        ([], {"RADAR_LAKE": ""}, None),
        (["--lake", "s3://bucket/lake"], {"RADAR_LAKE": "data/lake"}, "s3://bucket/lake"),
        (["--lake=/srv/lake"], {}, "/srv/lake"),
        (["--lake"], {"RADAR_LAKE": "data/lake"}, "data/lake"),  # no value given: the environment's
    ],
)
def test_the_lake_is_named_by_the_apps_argument_or_the_environment(argv, environ, expected):
    assert lake_location(argv, environ) == expected


def test_the_store_follows_a_rebuilt_lake_and_refuses_to_write(demo_copy, tmp_path, write_csv):
    from pipeline.ingest import ingest_files

    folder = tmp_path / "lake"
    assert main(["export-parquet", str(folder), "--db", str(demo_copy)]) == 0
    store = LakeStore(str(folder))
    with store.reading() as cursor:
        before, version = db.scalar(cursor, "SELECT count(*) FROM posts"), db.cache_key(cursor)
        assert db.scalar(cursor, "SELECT count(*) FROM quarantine") == 0
    con = db.connect(demo_copy)
    ingest_files(con, [write_csv("more.csv", "id,date,author,text\nz1,2026-11-20T10:00:00Z,zed,one more\nz2,no,x,y\n")])
    con.close()
    assert main(["export-parquet", str(folder), "--db", str(demo_copy)]) == 0
    with store.reading() as cursor:
        assert db.scalar(cursor, "SELECT count(*) FROM posts") == before + 1
        assert db.scalar(cursor, "SELECT reason FROM quarantine") == "timestamp not understood: no"
        assert db.cache_key(cursor) != version  # the pages' caches are keyed on it
    with pytest.raises(LakeError, match="read-only"), store.writing():
        pass
    store.close()
