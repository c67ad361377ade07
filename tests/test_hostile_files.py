"""Files that would tie up the database: anything that is not a regular file is refused before the database is
opened (a FIFO would block the reader for ever while holding the write lock), and a header far wider than
any export is refused at once, with one clear line."""

from __future__ import annotations

import os
import threading
import time

import duckdb
import pytest

from pipeline.cli import main
from pipeline.core import db
from pipeline.ingest import ingest_files
from pipeline.ingest.reader import MAX_COLUMNS

CSV = "id,date,author,text\n1,2026-11-02T10:00:00Z,ana,my parcel never came\n"


def test_a_fifo_is_refused_before_the_database_is_opened(tmp_path, capsys):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    database = tmp_path / "radar.duckdb"
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.setdefault("rc", main(["ingest", str(fifo), "--db", str(database)]))
    )
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
    assert (
        main(["ingest", str(tmp_path / "folder.csv"), str(tmp_path / "gone.csv"), str(good), "--db", str(database)])
        == 1
    )
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
    path.write_text(
        "id,date,author,text," + ",".join(extra) + "\n"
        "1,2026-11-02T10:00:00Z,ana,hello there," + ",".join("" for _ in extra) + "\n"
    )
    (result,) = ingest_files(con, [path])
    assert result.error is None and result.report.rows_loaded == 1


@pytest.mark.parametrize("shape", ["zeros after the rows", "a long line mid-file"])
def test_a_line_longer_than_any_export_row_is_skipped_unread_and_the_rest_loads(tmp_path, capsys, shape):
    from pipeline.ingest.reader import MAX_LINE_CHARS

    path = tmp_path / "huge.csv"
    rows = [f"{n},2026-11-02T10:00:00Z,ana,hello {n}\n" for n in range(399)]
    with path.open("wb") as handle:
        handle.write(("id,date,author,text\n" + "".join(rows)).encode())
        if shape == "zeros after the rows":
            handle.truncate(MAX_LINE_CHARS * 16)  # sparse: 256 MB of zeros without a line break
        else:
            handle.write(b"7000,2026-11-02T10:00:00Z,bob," + b"y" * (MAX_LINE_CHARS + 10) + b"\n")
            handle.write(b"7001,2026-11-02T10:00:00Z,cy,after the long line\n")
    database = tmp_path / "radar.duckdb"
    assert main(["ingest", str(path), "--db", str(database)]) == 0
    con = db.connect(database, read_only=True)
    assert db.scalar(con, "SELECT count(*) FROM stg_posts") == 399 + (shape != "zeros after the rows")
    reason, line = con.execute("SELECT reason, line_number FROM quarantine").fetchone()
    con.close()
    assert reason.startswith("a line of ") and "longer than any export row" in reason and line == 401


def test_a_first_line_longer_than_any_header_is_refused(tmp_path, capsys):
    path = tmp_path / "endless.csv"
    path.write_bytes(b"id,date,author,text," + b"x" * (3 * 2**20))
    assert main(["ingest", str(path), "--db", str(tmp_path / "radar.duckdb")]) == 1
    err = capsys.readouterr().err.strip()
    assert "endless.csv: the first line is over 1 MB long: not a CSV export's header" in err and err.count("\n") == 0


def test_long_lines_within_the_limit_load(tmp_path, con):
    path = tmp_path / "long.csv"
    path.write_text("id,date,author,text\n1,2026-11-02T10:00:00Z,ana," + "word " * 20_000 + "\n")
    (result,) = ingest_files(con, [path])
    assert result.error is None and result.report.rows_loaded == 1


STRAY = (
    "id,user,is_brand,created_at,text\n"
    "5,user5,False,2026-11-02T10:00:00Z,hello there\n"
    '6,user6,True,2026-11-02T10:01:00Z,"never closed,,\n'
    "7,user7,False,2026-11-02T10:02:00Z,my parcel is late\n"
    '8,user8,False,2026-11-02T10:03:00Z,"a quoted, fine text"\n'
    "9,user9,False,2026-11-02T10:04:00Z,thanks\n"
)


@pytest.mark.parametrize("tail", ["", '10,user10,False,2026-11-02T10:05:00Z,"closes here"\n'])
def test_a_stray_quote_sets_its_row_aside_and_the_next_rows_load(con, write_csv, tail):
    (result,) = ingest_files(con, [write_csv("stray.csv", STRAY + tail)])
    report = result.report
    assert report.rows_quarantined == 1 and report.rows_read == report.rows_loaded + report.rows_quarantined
    texts = dict(con.execute("SELECT post_id, text FROM stg_posts").fetchall())
    assert texts["7"] == "my parcel is late" and texts["8"] == "a quoted, fine text" and "6" not in texts
    reason, line, raw = con.execute("SELECT reason, line_number, raw FROM quarantine").fetchone()
    assert reason.startswith("stray quote") and line == 3 and raw.startswith("6,user6,True")


def test_text_that_really_runs_over_lines_stays_one_post(con, write_csv):
    (result,) = ingest_files(
        con,
        [
            write_csv(
                "multi.csv",
                "id,user,is_brand,created_at,text\n"
                '1,ana,False,2026-11-02T10:00:00Z,"first line\nsecond, line"\n'
                "2,ben,False,2026-11-02T10:01:00Z,next\n",
            )
        ],
    )
    assert result.report.rows_quarantined == 0
    assert dict(con.execute("SELECT post_id, text FROM stg_posts").fetchall()) == {
        "1": "first line\nsecond, line",
        "2": "next",
    }


def test_a_stray_quote_that_duckdb_would_read_as_one_row_is_caught_too(con, write_csv):
    # the quote closes on the next line and the merged row has the right width: DuckDB's reader accepts it
    text = (
        "id,user,is_brand,created_at,text\n"
        '6,user6,True,2026-11-02T10:01:00Z,"never closed\n'
        '7,user7,False,2026-11-02T10:02:00Z,late"\n'
        "8,user8,False,2026-11-02T10:03:00Z,thanks\n"
    )
    (result,) = ingest_files(con, [write_csv("stray2.csv", text)])
    assert result.report.rows_quarantined == 1
    assert set(dict(con.execute("SELECT post_id, text FROM stg_posts").fetchall())) == {"7", "8"}


@pytest.mark.parametrize(
    "continuation",
    [
        # lines that are not rows (one field each): the quote runs on over them, past any post's length in lines
        "".join(f"just words {n} without a delimiter\n" for n in range(1_500)),
        # fewer lines, but more characters than any field may hold
        "".join(f"{'x' * 400} {n}\n" for n in range(400)),
    ],
)
def test_a_quote_that_runs_on_past_any_posts_length_sets_its_row_aside(con, write_csv, continuation):
    head = (
        "id,user,is_brand,created_at,text\n"
        "1,ana,False,2026-11-02T10:00:00Z,before\n"
        '2,ben,False,2026-11-02T10:01:00Z,"opened and never closed\n'
    )
    tail = '3,cy,False,2026-11-02T10:02:00Z,after "quoted" words\n4,di,False,2026-11-02T10:03:00Z,last\n'
    (result,) = ingest_files(con, [write_csv("runaway.csv", head + continuation + tail)])
    report = result.report
    assert report.rows_read == report.rows_loaded + report.rows_duplicate + report.rows_quarantined
    texts = dict(con.execute("SELECT post_id, text FROM stg_posts").fetchall())
    assert texts["1"] == "before" and texts["4"] == "last" and "2" not in texts
    assert texts["3"] == 'after "quoted" words'
    reasons = dict(con.execute("SELECT line_number, reason FROM quarantine").fetchall())
    assert "quote" in reasons[3] and "runs on" in reasons[3], reasons.get(3)
