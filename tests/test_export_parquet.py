"""`radar export-parquet DIR`: the public tables as Parquet partitioned by month, read back by other
engines (DuckDB's Parquet reader, pyarrow datasets) with the same rows."""

import json

import duckdb
import pyarrow.dataset as ds

from pipeline.cli import main


def test_export_reads_back_the_same_rows(demo_db, tmp_path, capsys):
    out = tmp_path / "lake"
    assert main(["export-parquet", str(out), "--db", str(demo_db)]) == 0
    assert "posts" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    with duckdb.connect(str(demo_db), read_only=True) as con:
        months = {r[0] for r in con.execute("SELECT DISTINCT strftime(created_at, '%Y-%m') FROM posts").fetchall()}
        expected = con.execute("SELECT count(*), sum(hash(post_id)), min(created_at), max(created_at) FROM posts").fetchone()
        crises = con.execute("SELECT crisis_id, severity FROM crises ORDER BY 1").fetchall()
    assert {p.name for p in (out / "posts").iterdir()} == {f"month={m}" for m in months}
    assert manifest["tables"]["posts"]["rows"] == expected[0]
    with duckdb.connect() as other:
        got = other.execute("SELECT count(*), sum(hash(post_id)), min(created_at), max(created_at) FROM "
                            "read_parquet(?, hive_partitioning = true)", [str(out / "posts" / "*" / "*.parquet")]).fetchone()
        assert got[:2] == expected[:2]
        assert [t.timestamp() for t in got[2:]] == [t.timestamp() for t in expected[2:]]  # UTC instants kept
        assert other.execute("SELECT crisis_id, severity FROM read_parquet(?) ORDER BY 1",
                             [str(out / "crises" / "*" / "*.parquet")]).fetchall() == crises
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
