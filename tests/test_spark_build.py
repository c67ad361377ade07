"""`radar spark build` end to end: the lake Spark writes holds the rows `radar export-parquet` writes from a
database the DuckDB path built from the same exports (as multisets, table by table), it is written
atomically, and bad input gets a clear message. The stages have their own equality tests
(tests/test_spark_*.py); this is the whole job through the real command."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.read.export_parquet import TABLES
from pipeline.spark.session import persisted_rdds
from tests.conftest import DEMO_DIR, ROOT
from tests.test_app import CRISIS, PAGES, texts
from tests.test_lake import open_lake_page, shown

pytestmark = pytest.mark.spark

# clock times and who ran it: the only columns that may differ between two builds of the same exports
CLOCK_COLUMNS = {"imports": ["imported_at", "imported_by"], "brands": ["added_at"]}


def _read(lake: Path, table: str) -> str:
    return f"read_parquet('{lake / table}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def lake_differences(spark_lake: Path, duck_lake: Path) -> dict[str, str]:
    """Per table, what one lake has that the other has not (rows as multisets, every column but the clock's)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    found = {}
    for table in TABLES:
        manifests = [
            json.loads((lake / "manifest.json").read_text())["tables"][table]["rows"]
            for lake in (spark_lake, duck_lake)
        ]
        if manifests == [0, 0]:
            continue
        assert all(manifests), f"{table}: {manifests[0]} rows from Spark, {manifests[1]} from DuckDB"
        exclude = CLOCK_COLUMNS.get(table)
        columns = f"* EXCLUDE ({', '.join(exclude)})" if exclude else "*"
        spark_rows, duck_rows = (f"SELECT {columns} FROM {_read(lake, table)}" for lake in (spark_lake, duck_lake))
        only_spark = con.execute(f"{spark_rows} EXCEPT ALL {duck_rows}").fetchall()
        only_duck = con.execute(f"{duck_rows} EXCEPT ALL {spark_rows}").fetchall()
        if only_spark or only_duck:
            found[table] = (
                f"only Spark: {only_spark[:3]} ({len(only_spark)}); only DuckDB: {only_duck[:3]} ({len(only_duck)})"
            )
    return found


def duckdb_lake(files: list[Path], tmp_path: Path) -> Path:
    """The reference: the files imported in this order by `radar ingest`, then `radar export-parquet`."""
    database, lake = tmp_path / "reference.duckdb", tmp_path / "duck_lake"
    assert main(["ingest", *map(str, files), "--db", str(database)]) in (0, 1)  # 1: a file was refused, as in Spark
    assert main(["export-parquet", str(lake), "--db", str(database)]) == 0
    return lake


def spark_lake(folders: list[Path], tmp_path: Path, name: str = "spark_lake") -> Path:
    lake = tmp_path / name
    assert main(["spark", "build", *map(str, folders), "--lake", str(lake), "--cores", "2"]) == 0
    return lake


def test_the_demo_exports_make_the_same_lake_on_both_engines(spark_demo_lake, tmp_path):
    lake = spark_demo_lake
    reference = duckdb_lake(sorted(DEMO_DIR.glob("*.csv")), tmp_path)
    assert lake_differences(lake, reference) == {}
    manifest = json.loads((lake / "manifest.json").read_text())
    assert manifest["built_by"] == "spark" and manifest["tables"]["posts"]["rows"] > 1000
    assert manifest["tables"]["crises"]["rows"] >= 1 and manifest["tables"]["responses"]["rows"] > 100
    assert sorted(path.name for path in lake.iterdir()) == sorted([*TABLES, "manifest.json", ".lock"])
    assert not list(lake.rglob("_SUCCESS")) and not list(lake.rglob("*.crc"))
    assert (lake / "posts").is_dir() and any(path.name.startswith("month=") for path in (lake / "posts").iterdir())


def test_the_command_says_what_it_wrote(spark, tmp_path, capsys):
    kept = persisted_rdds(spark)
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(ROOT / "tests" / "samples" / "hootsuite_inbox.csv", exports)
    (exports / "empty.csv").write_text("")
    assert main(["spark", "build", str(exports), "--lake", str(tmp_path / "lake")]) == 1  # a file was refused
    out = capsys.readouterr().out
    assert "2 export files read" in out and "1 of 2 files imported" in out
    assert f"{exports / 'empty.csv'}: not imported:" in out  # its path: two folders may hold files of one name
    assert re.search(r"posts +\d+ rows", out) and f"written to {tmp_path / 'lake'}" in out
    assert "spark: reading the exports" in out and "spark: writing the lake" in out
    assert "built with Spark (reading the exports " in out
    assert json.loads((tmp_path / "lake" / "manifest.json").read_text())["tables"]["imports"]["rows"] == 1
    # nothing the build persisted or checkpointed stays in the session's memory (a notebook runs build after build)
    assert persisted_rdds(spark) == kept


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_lake_spark_built(monkeypatch, tmp_path, spark_demo_lake, page):
    app = open_lake_page(monkeypatch, tmp_path, spark_demo_lake, page)
    assert app.title[0].value
    assert not app.error, [e.value for e in app.error]
    assert not app.exception
    assert not (tmp_path / "no-database.duckdb").exists()


def test_a_spark_lake_without_brand_roles_says_where_roles_come_from(monkeypatch, tmp_path, spark_demo_lake):
    """A Spark build sets no roles, and a read-only lake cannot be given any: the pages say so instead of
    sending a reader to the Data page or to `radar brands role`."""
    voice = open_lake_page(monkeypatch, tmp_path, spark_demo_lake, "pages/voice.py")
    notes = [shown(info.value) for info in voice.info]
    assert any("in this lake" in note and "radar spark build" in note for note in notes), notes
    assert not any("Data** page" in note for note in notes), notes
    overview = open_lake_page(monkeypatch, tmp_path, spark_demo_lake)
    texts = [shown(block.value) for block in overview.markdown]
    assert any("No brand is marked as ours in this lake" in text for text in texts), texts
    assert not any("mark them on the Data page" in text for text in texts)


def test_the_crisis_page_on_a_spark_lake_shows_the_demo_crisis(monkeypatch, tmp_path, spark_demo_lake):
    app = open_lake_page(monkeypatch, tmp_path, spark_demo_lake, "pages/crises.py", crisis=CRISIS)
    body = texts(app)
    assert not app.exception and not app.error
    assert "lumohelp · Sat 24 Oct 2026, 14:00 UTC" in body and "Detected (first hot hour)" in body
    assert "Make amends" in body and len(app.get("plotly_chart")) == 2  # the timeline and the crisis curves


@pytest.fixture(scope="module")
def two_builds(spark, tmp_path_factory):
    """The tables of two small builds (one sample export each), computed once: lake A and lake B."""
    from pipeline.core.settings import Settings
    from pipeline.spark.build import compute_tables

    built = []
    for name in ("hootsuite_inbox.csv", "reddit_comments.csv"):
        folder = tmp_path_factory.mktemp("exports")
        shutil.copy(ROOT / "tests" / "samples" / name, folder)
        built.append(compute_tables(spark, [folder], Settings())[0])
    yield built
    for frames in built:
        for frame in frames.values():
            frame.unpersist()


@pytest.fixture(scope="module")
def lake_a(spark, two_builds, tmp_path_factory) -> Path:
    """Lake A written once; each test starts from a copy of it."""
    from pipeline.core.settings import Settings
    from pipeline.spark import build

    lake = tmp_path_factory.mktemp("lake-a") / "lake"
    build.write_lake(build.open_lake(spark, str(lake)), two_builds[0], Settings())
    return lake


def _lake_rows(lake: Path) -> dict[str, int]:
    return {table: facts["rows"] for table, facts in json.loads((lake / "manifest.json").read_text())["tables"].items()}


@pytest.mark.parametrize("stop_at", ["wrote posts", "complete", "moved in posts"])
def test_a_build_stopped_anywhere_leaves_a_whole_lake(spark, tmp_path, monkeypatch, two_builds, lake_a, stop_at):
    """Lake A is in place; writing lake B is stopped at a point of the write. Before the swap, A is whole; from
    the swap on, the next build (here: A again) finishes or undoes what was left, and ends whole."""
    from pipeline.core.settings import Settings
    from pipeline.spark import build

    a, b = two_builds
    lake = tmp_path / "lake"
    shutil.copytree(lake_a, lake)
    before = _lake_rows(lake)
    assert before["posts"] == a["posts"].count() != b["posts"].count()

    def stop(step):
        if step == stop_at:
            raise KeyboardInterrupt(step)

    monkeypatch.setattr(build, "reached", stop)
    with pytest.raises(KeyboardInterrupt):
        build.write_lake(build.open_lake(spark, str(lake)), b, Settings())
    monkeypatch.setattr(build, "reached", lambda step: None)
    if stop_at.startswith("wrote") or stop_at == "complete":  # not swapped yet: A is whole, as it was
        assert _lake_rows(lake) == before
        con = duckdb.connect()
        assert con.execute(f"SELECT count(*) FROM {_read(lake, 'posts')}").fetchone()[0] == before["posts"]
    files = build.open_lake(spark, str(lake))  # what the next build does first
    assert not (lake / ".next").exists() and not (lake / ".previous").exists()
    after = _lake_rows(lake)
    assert after == (_lake_rows_of(b) if stop_at in ("complete", "moved away posts", "moved in posts") else before)
    build.write_lake(files, a, Settings())
    assert _lake_rows(lake) == before


def _lake_rows_of(frames) -> dict[str, int]:
    return {table: frames[table].count() for table in TABLES}


def test_bad_input_gets_a_clear_message(spark, tmp_path, capsys):
    def refused(argv: list[str], code: int, says: str) -> None:
        assert main(["spark", "build", *argv]) == code
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and "at org." not in err, err
        assert len(err.strip().splitlines()) == 1, err

    lake = str(tmp_path / "lake")
    refused([str(tmp_path / "nowhere"), "--lake", lake], 2, "no such folder")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    refused([str(a_file), "--lake", lake], 2, "not a folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused([str(empty), "--lake", lake], 2, "no export files in")
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(ROOT / "tests" / "samples" / "hootsuite_inbox.csv", exports)
    refused([str(exports), "--lake", str(exports)], 2, "the lake cannot be one of the export folders")
    refused([str(exports), "--lake", lake, "--master", "nonsense://x"], 2, "not a Spark master")
    refused([str(exports), "--lake", lake, "--master", "local[2]", "--cores", "2"], 2, "only without --master")
    refused([str(exports), "--lake", lake, "--cores", "0"], 2, "--cores must be between 1 and 1024")
    refused([str(exports), "--lake", str(a_file)], 1, "a file is in the way")
    refused([str(exports), "--lake", str(a_file / "lake")], 1, "cannot write there")
    assert a_file.read_text() == "x"


def test_a_build_is_refused_while_another_writer_holds_the_lake(spark, tmp_path, capsys):
    """A Spark build and an export (or two builds) on one local lake: the second is refused before anything is
    computed, and the lake is left as it was."""
    import fcntl

    lake = duckdb_lake([ROOT / "tests" / "samples" / "hootsuite_inbox.csv"], tmp_path)
    before = {path.relative_to(lake): path.stat().st_mtime_ns for path in lake.rglob("*")}
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(ROOT / "tests" / "samples" / "reddit_comments.csv", exports)
    capsys.readouterr()
    with open(lake / ".lock", "a") as other_writer:
        fcntl.flock(other_writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["spark", "build", str(exports), "--lake", str(lake)]) == 1
    printed = capsys.readouterr()
    assert f"{lake}: another export or Spark build is writing this lake now" in printed.err
    assert "spark: " not in printed.out  # refused before the first stage
    assert {path.relative_to(lake): path.stat().st_mtime_ns for path in lake.rglob("*")} == before


def test_the_lock_is_taken_before_spark_starts(tmp_path):
    """The command refuses a held lake before it starts Java (it would take seconds, and another writer could
    slip in meanwhile): with a Java that cannot start, the refusal is still the lock's, in one line."""
    import fcntl
    import os
    import subprocess
    import sys

    lake, exports = tmp_path / "lake", tmp_path / "exports"
    lake.mkdir()
    exports.mkdir()
    shutil.copy(ROOT / "tests" / "samples" / "reddit_comments.csv", exports)
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java"), "RADAR_LOCALE": "en"}
    radar = [sys.executable, "-m", "pipeline.cli"]
    with open(lake / ".lock", "a") as other_writer:
        fcntl.flock(other_writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        run = subprocess.run(
            [*radar, "spark", "build", str(exports), "--lake", str(lake)],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines() == [
        f"radar: error: {lake}: another export or Spark build is writing this lake now; run this one when it has "
        "finished (the lake was not changed)"
    ]
    assert sorted(path.name for path in lake.iterdir()) == [".lock"]


def test_exports_that_cannot_be_imported_leave_the_lake_as_it_was(spark, tmp_path, capsys):
    """A folder of files none of which can be imported replaces nothing (one refused file among good ones:
    test_the_command_says_what_it_wrote)."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.csv").write_text("")
    (bad / "binary.csv").write_bytes(b"\x00\x01\x02" * 100)
    # the lake in place: written by export-parquet (the same format; a Spark build of it costs half a minute more)
    lake = duckdb_lake([ROOT / "tests" / "samples" / "hootsuite_inbox.csv"], tmp_path)
    before = (lake / "manifest.json").read_text()
    files_before = sorted(path.relative_to(lake) for path in lake.rglob("*"))
    capsys.readouterr()
    kept = persisted_rdds(spark)
    assert main(["spark", "build", str(bad), "--lake", str(lake)]) == 1
    err = capsys.readouterr().err
    assert "none of the 2 export files could be imported" in err and "the lake was not changed" in err
    assert (lake / "manifest.json").read_text() == before
    assert sorted(path.relative_to(lake) for path in lake.rglob("*")) == files_before
    assert persisted_rdds(spark) == kept  # a refused build releases what it persisted too
