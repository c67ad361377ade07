"""A real import process killed in the middle of a file leaves the database as it was; the next run works."""

import csv
import os
import signal
import subprocess
import sys

import duckdb
import pytest

from pipeline.core import db
from tests.conftest import ROOT, ingest_one, table_counts

ROWS = 400_000


def _big_export(path, *, ragged_tail: bool):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "user", "message", "in_reply_to"])
        for i in range(ROWS):
            writer.writerow(
                [
                    f"b{i}",
                    f"2026-10-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                    f"user{i % 5000}",
                    f"message number {i} about the kettle",
                    f"b{i - 1}" if i % 4 else "",
                ]
            )
        if ragged_tail:  # DuckDB's strict reader refuses the file, so it is read row by row in Python
            writer.writerow(["b-ragged", "2026-10-01T10:00:00Z", "user1", "one field too many", "", "extra"])


@pytest.mark.parametrize("reader", ["python", "duckdb"])
def test_killed_import_leaves_the_database_unchanged(tmp_path, write_csv, reader):
    database = tmp_path / "radar.duckdb"
    con = db.connect(database)
    ingest_one(con, write_csv("small.csv", "id,date,user,message\ns1,2026-10-01T10:00:00Z,ana,hello\n"))
    before = table_counts(con)
    con.close()

    big = tmp_path / "big.csv"
    _big_export(big, ragged_tail=reader == "python")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "ingest", str(big), "--db", str(database)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Kill it in the middle of the file. Read row by row, the CLI reports progress (every 10 % on a pipe)
    # while rows go in; read by DuckDB, it reports 0 % before the read and 100 % once the rows are in, and
    # the staging and the analytics follow.
    mark = "reading big.csv:  44%" if reader == "python" else "reading big.csv: 100%"
    reported = []
    for line in process.stderr:
        reported.append(line.decode())
        if mark in reported[-1]:
            break
    assert process.poll() is None, f"the import ended before it could be killed: {reported}"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    con = db.connect(database)
    assert table_counts(con) == before
    assert db.check_quality(con) == []
    con.close()

    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(big), "--db", str(database)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(database), read_only=True) as check:
        assert check.execute("SELECT count(*) FROM posts").fetchall()[0][0] == ROWS + 1
        assert check.execute("SELECT count(*) FROM quarantine").fetchall()[0][0] == (reader == "python")
