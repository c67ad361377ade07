"""Files that would tie up the database: anything that is not a regular file is refused before the database is
opened (a FIFO would block the reader for ever while holding the write lock), and a header far wider than
any export is refused at once, with one clear line."""

from __future__ import annotations

import os
import threading
import time

import duckdb
import pytest

from pipeline import db
from pipeline.cli import main
from pipeline.ingest import ingest_files
from pipeline.ingest.reader import MAX_COLUMNS

CSV = "id,date,author,text\n1,2026-11-02T10:00:00Z,ana,my parcel never came\n"


def test_a_fifo_is_refused_before_the_database_is_opened(tmp_path, capsys):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    database = tmp_path / "radar.duckdb"
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("rc", main(["ingest", str(fifo), "--db", str(database)])))
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the reader so that the test run can end, then fail
        with open(fifo, "w"):
            pass
        worker.join(5)
        pytest.fail("radar ingest blocked on a FIFO")
    assert outcome["rc"] == 1
    err = capsys.readouterr().err
    assert "fifo.csv: a named pipe (FIFO), not a regular file" in err
    assert not database.exists()  # nothing was opened, no lock was taken


def test_a_folder_and_a_missing_file_are_refused_and_the_good_file_loads(tmp_path, write_csv, capsys):
    good = write_csv("good.csv", CSV)
    (tmp_path / "folder.csv").mkdir()
    database = tmp_path / "radar.duckdb"
    assert main(["ingest", str(tmp_path / "folder.csv"), str(tmp_path / "gone.csv"), str(good),
                 "--db", str(database)]) == 1
    err = capsys.readouterr().err
    assert "folder.csv: a folder, not a file" in err and "gone.csv: no such file" in err
    con = db.connect(database, read_only=True)
    assert db.scalar(con, "SELECT count(*) FROM stg_posts") == 1
    con.close()


def test_ingest_file_itself_refuses_a_fifo(con, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    (result,) = ingest_files(con, [fifo])
    assert result.error == "pipe.csv: a named pipe (FIFO), not a regular file; save the export as a file first"


@pytest.mark.parametrize("columns", [MAX_COLUMNS + 1, 125_000])
def test_a_header_wider_than_any_export_is_refused_at_once(tmp_path, capsys, columns):
    path = tmp_path / "wide.csv"
    header = "id,date,author,text," + ",".join(f"c{i}" for i in range(columns - 4))
    path.write_text(header + "\n" + "\n".join(f"{n},2026-11-02T10:00:00Z,ana,hello" for n in range(3)) + "\n")
    database = tmp_path / "radar.duckdb"
    started = time.perf_counter()
    assert main(["ingest", str(path), "--db", str(database)]) == 1
    assert time.perf_counter() - started < 30  # was 50 s for 125,000 columns; the figure is in bench/
    err = capsys.readouterr().err.strip()
    assert f"wide.csv: the header has {columns:,} columns; no export has more than {MAX_COLUMNS:,}" in err
    assert err.count("\n") == 0
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
    con.close()


def test_a_header_at_the_limit_still_loads(tmp_path, con):
    path = tmp_path / "wide_ok.csv"
    extra = [f"extra{i}" for i in range(MAX_COLUMNS - 4)]
    path.write_text("id,date,author,text," + ",".join(extra) + "\n"
                    "1,2026-11-02T10:00:00Z,ana,hello there," + ",".join("" for _ in extra) + "\n")
    (result,) = ingest_files(con, [path])
    assert result.error is None and result.report.rows_loaded == 1
