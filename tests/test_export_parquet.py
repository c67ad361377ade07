"""`radar export-parquet DIR`: the public tables as Parquet partitioned by month, read back by other
engines (DuckDB's Parquet reader, pyarrow datasets) with the same rows."""

import json

import duckdb
import pyarrow.dataset as ds
import pytest

from pipeline.cli import main


def test_export_reads_back_the_same_rows(demo_db, tmp_path, capsys):
    out = tmp_path / "lake"
    assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 0
    assert "posts" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    with duckdb.connect(str(demo_db), read_only=True) as con:
        months = {r[0] for r in con.execute("SELECT DISTINCT strftime(created_at, '%Y-%m') FROM posts").fetchall()}
        expected = con.execute(
            "SELECT count(*), sum(hash(post_id)), min(created_at), max(created_at) FROM posts"
        ).fetchone()
        crises = con.execute("SELECT crisis_id, severity FROM crises ORDER BY 1").fetchall()
    assert {p.name for p in (out / "posts").iterdir()} == {f"month={m}" for m in months}
    assert manifest["tables"]["posts"]["rows"] == expected[0]
    with duckdb.connect() as other:
        got = other.execute(
            "SELECT count(*), sum(hash(post_id)), min(created_at), max(created_at) FROM "
            "read_parquet(?, hive_partitioning = true)",
            [str(out / "posts" / "*" / "*.parquet")],
        ).fetchone()
        assert got[:2] == expected[:2]
        assert [t.timestamp() for t in got[2:]] == [t.timestamp() for t in expected[2:]]  # UTC instants kept
        assert (
            other.execute(
                "SELECT crisis_id, severity FROM read_parquet(?) ORDER BY 1", [str(out / "crises" / "*" / "*.parquet")]
            ).fetchall()
            == crises
        )
    table = ds.dataset(out / "responses", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == manifest["tables"]["responses"]["rows"] > 0
    assert "month" in table.column_names


def test_export_again_replaces_the_previous_one(demo_db, tmp_path):
    out = tmp_path / "lake"
    (out / "posts" / "month=1999-01").mkdir(parents=True)  # a stale partition from an older export
    assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 0
    assert not (out / "posts" / "month=1999-01").exists()
    assert not list(out.glob(".*.writing"))


def test_export_to_a_place_that_cannot_be_written_says_so(demo_db, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["export-parquet", str(blocker / "lake"), "--db", str(demo_db)]) == 1
    err = capsys.readouterr().err
    assert "cannot write there" in err and "Traceback" not in err


def test_every_lake_table_reads_back_as_its_table(demo_copy, tmp_path, write_csv):
    """Each table of the lake holds its Radar table's rows, columns (in order) and types, partitioned by the
    month of its time where it has one; the manifest carries the schema version and the settings."""
    from pipeline.core import db
    from pipeline.core.settings import Settings, load_settings
    from pipeline.ingest import ingest_files
    from pipeline.metrics.themes import default_themes, save_themes
    from pipeline.read.export_parquet import SOURCES, TABLES

    con = db.connect(demo_copy)  # with a quarantined row and a theme set of its own, so that both travel too
    ingest_files(con, [write_csv("more.csv", "id,date,author,text\nz1,2026-11-20T10:00:00Z,zed,late\nz2,soon,x,y\n")])
    save_themes(con, default_themes()[:3])
    con.close()
    out = tmp_path / "lake"
    assert main(["export-parquet", str(out), "--db", str(demo_copy)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["tables"]) == list(TABLES) and sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", ".lock", *TABLES]  # .lock: the writers' lock, empty (test_a_second_writer_is_refused)
    )
    assert manifest["schema_version"] == db.SCHEMA_VERSION
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert Settings.from_json(json.dumps(manifest["settings"])) == load_settings(con)
        assert manifest["themes"] == json.loads(db.get_meta(con, "themes"))
        for table, month_of in TABLES.items():
            source = SOURCES.get(table, table)
            rows = db.scalar(con, f"SELECT count(*) FROM {source}")
            assert rows > 0 and manifest["tables"][table]["rows"] == rows, table
            columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            names = ", ".join(f'"{row[0]}"' for row in columns)
            files = out / table / ("*/*.parquet" if month_of else "*.parquet")
            read = f"(SELECT {names} FROM read_parquet('{files}', hive_partitioning = true))"
            assert [row[:2] for row in con.execute(f"DESCRIBE {read}").fetchall()] == [row[:2] for row in columns]
            for first, second in ((source, read), (read, source)):
                assert not db.scalar(con, f"SELECT count(*) FROM (FROM {first} EXCEPT ALL FROM {second})"), table
            if month_of:
                months = con.execute(f"SELECT DISTINCT strftime({month_of}, '%Y-%m') FROM {source}").fetchall()
                assert {p.name for p in (out / table).iterdir()} == {f"month={m}" for (m,) in months}
                assert manifest["tables"][table]["partitioned_by"] == "month"
                assert manifest["tables"][table]["month_of"] == month_of
            else:
                assert [p.name for p in (out / table).iterdir()] == ["data_0.parquet"]


def _lake_rows(out) -> dict[str, int]:
    """Rows per table as read back from the Parquet files."""
    from pipeline.read.export_parquet import TABLES

    with duckdb.connect() as other:
        return {
            table: other.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
            for table, month_of in TABLES.items()
            for path in [out / table / ("*/*.parquet" if month_of else "*.parquet")]
        }


class _Killed(BaseException):
    pass


STEPS = [
    "wrote posts",
    "wrote responses",
    "wrote imports",
    "complete",
    "moved away posts",
    "moved in posts",
    "moved away responses",
    "moved in manifest.json",
]


@pytest.mark.parametrize("step", STEPS)
def test_an_export_stopped_anywhere_leaves_a_whole_export_or_is_finished_by_the_next(
    demo_db, tmp_path, monkeypatch, step, write_csv
):
    import shutil

    from pipeline.core import db
    from pipeline.ingest import ingest_files
    from pipeline.read import export_parquet as module

    database = tmp_path / "radar.duckdb"
    shutil.copy(demo_db, database)
    out = tmp_path / "lake"
    assert main(["export-parquet", str(out), "--db", str(database)]) == 0
    before = json.loads((out / "manifest.json").read_text())["tables"]
    con = db.connect(database)
    ingest_files(con, [write_csv("more.csv", "id,date,author,text\nz1,2026-11-20T10:00:00Z,zed,one more post\n")])

    def stop(reached: str) -> None:
        if reached == step:
            raise _Killed(step)

    monkeypatch.setattr(module, "_reached", stop)
    with pytest.raises(_Killed):
        module.export_parquet(con, out)
    if STEPS.index(step) < STEPS.index("complete"):  # not complete: the previous export is whole and alone
        assert json.loads((out / "manifest.json").read_text())["tables"] == before
        assert _lake_rows(out) == {table: before[table]["rows"] for table in _lake_rows(out)}
    monkeypatch.setattr(module, "_reached", lambda reached: None)
    counts = module.export_parquet(con, out)  # the next run recovers, then exports
    con.close()
    manifest = json.loads((out / "manifest.json").read_text())["tables"]
    assert manifest["posts"]["rows"] == before["posts"]["rows"] + 1 == counts["posts"]
    assert _lake_rows(out) == {table: manifest[table]["rows"] for table in manifest}
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", ".lock", *manifest])


def test_a_second_writer_is_refused_and_the_lake_is_unchanged(demo_db, tmp_path, capsys):
    """Two exports (or an export and a Spark build) on one lake would share its ``.next``: while one writes,
    another is refused at once; once it has finished (or was killed: the lock goes with its process), the
    next one writes."""
    import fcntl

    out = tmp_path / "lake"
    assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 0
    before = {path.relative_to(out): path.stat().st_mtime_ns for path in out.rglob("*")}
    capsys.readouterr()
    with open(out / ".lock", "a") as other_writer:
        fcntl.flock(other_writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 1
        err = capsys.readouterr().err
        assert f"{out}: another export or Spark build is writing this lake now" in err
        assert "Traceback" not in err
        assert {path.relative_to(out): path.stat().st_mtime_ns for path in out.rglob("*")} == before
    assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 0  # the other writer has finished
    assert json.loads((out / "manifest.json").read_text())["exported_at"]


def test_a_lock_that_cannot_be_taken_refuses_the_write(demo_db, tmp_path, capsys):
    """Without the lock no writer may go on: a `.lock` that is a folder (or cannot be opened) refuses it."""
    out = tmp_path / "lake"
    (out / ".lock").mkdir(parents=True)
    assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 1
    err = capsys.readouterr().err
    assert f"{out}: cannot take the writers' lock {out / '.lock'}" in err and "the lake was not changed" in err
    assert sorted(path.name for path in out.iterdir()) == [".lock"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "no lake folder given"),
        ("s3://bucket/lake", "s3://bucket/lake: radar export-parquet writes a local folder"),
        ("a-file", "a-file: a file is in the way: the lake is a folder"),
    ],
)
def test_a_name_that_cannot_be_a_lake_is_refused_in_one_line(demo_db, tmp_path, monkeypatch, capsys, name, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("notes")
    assert main(["export-parquet", name, "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file"]  # nothing written, here or anywhere
    assert (tmp_path / "a-file").read_text() == "notes"


def test_a_file_uri_is_the_folder_it_names(demo_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "with space" / "lake"
    assert main(["export-parquet", out.as_uri(), "--db", str(demo_db)]) == 0
    assert (out / "manifest.json").exists() and not (tmp_path / "file:").exists()
