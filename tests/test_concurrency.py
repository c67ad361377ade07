"""Concurrency: the dashboard's store keeps reading while an upload writes; a CLI import waits for the
dashboard to let go of the file and then loads; a reader waits for a writing process, or says it is busy."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from pipeline.core import db
from pipeline.core.store import Store
from pipeline.ingest import ingest_files
from tests.conftest import ROOT, ingest_one

GOOD = "id,date,user,message\n1,2026-11-10T10:00:00Z,ana,hello\n2,2026-11-10T11:00:00Z,bo,hi there\n"


def _export(path, rows: int, prefix: str = "b"):
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,date,user,message\n")
        for i in range(rows):
            handle.write(f"{prefix}{i},2026-11-{1 + i % 19:02d}T{i % 24:02d}:00:00Z,user{i % 500},kettle note {i}\n")
    return path


@pytest.fixture
def database(tmp_path, write_csv):
    path = tmp_path / "radar.duckdb"
    con = db.connect(path)
    ingest_one(con, write_csv("good.csv", GOOD))
    con.close()
    return path


def _posts(store: Store) -> int:
    with store.reading() as cursor:
        return cursor.execute("SELECT count(*) FROM posts").fetchone()[0]


def test_other_sessions_keep_reading_the_old_data_while_an_upload_loads(database, tmp_path):
    big = _export(tmp_path / "big.csv", 120_000)
    store = Store(database)
    assert _posts(store) == 2
    writing, finished = threading.Event(), threading.Event()

    def upload():
        with store.writing() as con:
            writing.set()
            ingest_files(con, [big])
        finished.set()

    writer = threading.Thread(target=upload)
    writer.start()
    assert writing.wait(30)
    seen, during = [], 0
    while not finished.is_set():
        started = time.perf_counter()
        seen.append(_posts(store))
        if not finished.is_set():
            during += 1
            assert time.perf_counter() - started < 5  # a read does not wait for the upload to finish
        time.sleep(0.05)
    writer.join()
    assert during >= 3, "the upload finished before any read could overlap it; make the file bigger"
    assert set(seen) <= {2, 120_002}  # the data as it was, or as it is after a commit: nothing in between
    assert _posts(store) == 120_002
    store.close()


def test_cli_import_waits_for_the_dashboard_to_let_go(database, tmp_path):
    export = _export(tmp_path / "week.csv", 50, prefix="w")
    store = Store(database, idle_seconds=1.5)
    assert _posts(store) == 2 and store.is_open  # the dashboard holds the file read-only for now
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(export), "--db", str(database), "--wait", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "waiting up to 60 s" in result.stderr
    assert not store.is_open  # released when idle
    assert _posts(store) == 52  # the next page view reopens and sees the import
    store.close()


def _hold_for_writing(database, seconds: float) -> subprocess.Popen:
    code = (
        f"import time, duckdb; c = duckdb.connect({str(database)!r}); print('held', flush=True); "
        f"time.sleep({seconds}); c.close()"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_cli_without_waiting_says_what_to_do(database, tmp_path):
    export = _export(tmp_path / "week.csv", 5)
    holder = _hold_for_writing(database, 20)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", "ingest", str(export), "--db", str(database), "--wait", "0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "in use by another process" in result.stderr and "Traceback" not in result.stderr


def test_dashboard_reads_wait_for_a_writing_process_or_say_it_is_busy(database):
    holder = _hold_for_writing(database, 2)
    try:
        with pytest.raises(db.DatabaseError) as error:
            _posts(Store(database, read_wait=0.3))
        assert error.value.locked
        assert _posts(Store(database, read_wait=30)) == 2  # waits for the writer to finish, then reads
    finally:
        holder.kill()
        holder.wait()


def test_a_database_from_an_older_version_is_upgraded_before_it_is_read(database):
    con = db.connect(database)
    con.execute("ALTER TABLE imports DROP COLUMN notes")
    con.execute("DROP TABLE custom_formats")
    db.set_meta(con, "schema_version", "2")
    con.close()
    store = Store(database)
    with store.reading() as cursor:
        assert cursor.execute("SELECT count(notes) FROM imports").fetchone()[0] == 0
        assert cursor.execute("SELECT count(*) FROM custom_formats").fetchone()[0] == 0
        assert db.get_meta(cursor, "schema_version") == str(db.SCHEMA_VERSION)
    store.close()


def test_cli_status_reads_an_older_database(database, capsys):
    from pipeline.cli import main

    con = db.connect(database)
    con.execute("ALTER TABLE imports DROP COLUMN notes")
    db.set_meta(con, "schema_version", "2")
    con.close()
    assert main(["status", "--db", str(database)]) == 0
    assert "good.csv" in capsys.readouterr().out


@pytest.mark.parametrize("in_place_up_to", [db._COPY_IN_PLACE_UP_TO, 0], ids=["update", "rewrite"])
def test_a_schema_4_database_gets_its_sentiment_copied_into_the_facts_and_loses_raw_posts(
    database, monkeypatch, in_place_up_to
):
    from pipeline.analytics import update_analytics

    monkeypatch.setattr(db, "_COPY_IN_PLACE_UP_TO", in_place_up_to)
    con = db.connect(database)
    update_analytics(con)
    expected = con.execute("SELECT post_id, sentiment_label, lang FROM posts ORDER BY post_id").fetchall()
    con.execute("DROP VIEW posts")  # the view reads the columns schema 5 added
    for column in ("detected_lang", "sentiment", "sentiment_label", "sentiment_method"):
        con.execute(f"ALTER TABLE fct_posts DROP COLUMN {column}")
    con.execute("CREATE TABLE raw_posts (import_id VARCHAR, line_number BIGINT, raw VARCHAR)")
    db.set_meta(con, "schema_version", "4")
    con.close()
    store = Store(database)
    with store.reading() as cursor:
        assert (
            cursor.execute("SELECT post_id, sentiment_label, lang FROM posts ORDER BY post_id").fetchall() == expected
        )
        assert expected[0][1] is not None
        assert not cursor.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'raw_posts'").fetchall()
        assert db.check_quality(cursor) == []
    store.close()
