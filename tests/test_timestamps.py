"""Timestamps as exports write them are stored as UTC; without an offset, in the import's time zone."""

import pytest

from pipeline.ingest import ingest_files
from tests.conftest import ingest_one


def _load_one(con, write_csv, stamp, **options):
    path = write_csv("ts.csv", f'id,date,user,message\n1,"{stamp}",ana,hello\n')
    report = ingest_one(con, path, **options)
    row = con.execute("SELECT strftime(created_at, '%Y-%m-%d %H:%M:%S') FROM posts").fetchall()
    return report, (row[0][0] if row else None)


@pytest.mark.parametrize(
    "stamp, utc",
    [
        ("Tue Oct 31 22:10:47 +0000 2017", "2017-10-31 22:10:47"),
        ("2015-02-24 11:35:52 -0800", "2015-02-24 19:35:52"),
        ("2017-04-04 00:00 +0000", "2017-04-04 00:00:00"),
        ("2017-10-31T22:10:47Z", "2017-10-31 22:10:47"),
        ("2017-10-31T22:10:47+02:00", "2017-10-31 20:10:47"),
        ("2017-10-31T22:10:47+0200", "2017-10-31 20:10:47"),
        ("2017-10-31T22:10:47.250-05:00", "2017-11-01 03:10:47"),
        ("1509487847", "2017-10-31 22:10:47"),
        ("1509487847000", "2017-10-31 22:10:47"),
    ],
)
def test_timestamps_with_offset_become_utc(con, write_csv, stamp, utc):
    report, stored = _load_one(con, write_csv, stamp, time_zone="Asia/Tokyo")
    assert stored == utc
    assert report.naive_timestamp_count == 0


@pytest.mark.parametrize(
    "stamp, zone, utc",
    [
        ("2017-10-31 22:10:47", "UTC", "2017-10-31 22:10:47"),
        ("2017-10-31T22:10:47", "Europe/Warsaw", "2017-10-31 21:10:47"),
        ("2017-07-31 22:10:47", "Europe/Warsaw", "2017-07-31 20:10:47"),  # summer time
        ("01/19/2017 09:03:47 AM", "America/Los_Angeles", "2017-01-19 17:03:47"),
        ("10/31/2017 22:10", "UTC", "2017-10-31 22:10:00"),
        ("31.10.2017 22:10", "UTC", "2017-10-31 22:10:00"),
    ],
)
def test_timestamps_without_offset_are_read_in_the_chosen_zone(con, write_csv, stamp, zone, utc):
    report, stored = _load_one(con, write_csv, stamp, time_zone=zone)
    assert stored == utc
    assert report.naive_timestamp_count == 1
    assert report.time_zone == zone
    assert any(zone in line for line in report.lines())


@pytest.mark.parametrize(
    "stamp, reason",
    [
        ("", "no timestamp"),
        ("yesterday", "timestamp not understood"),
        ("2017-13-45 10:00:00", "timestamp not understood"),
        ("0", "timestamp not understood"),
        ("1970-01-01 00:00:01", "timestamp out of range"),
        ("2999-01-01T00:00:00Z", "timestamp out of range"),
    ],
)
def test_unusable_timestamps_are_quarantined(con, write_csv, stamp, reason):
    path = write_csv("ts.csv", f'id,date,user,message\n1,"{stamp}",ana,hello\n2,2017-10-31T22:10:47Z,bo,hi\n')
    report = ingest_one(con, path)
    assert report.rows_quarantined == 1 and report.rows_loaded == 1
    (stored_reason,) = con.execute("SELECT reason FROM quarantine").fetchall()[0]
    assert stored_reason.startswith(reason)


@pytest.mark.parametrize(
    "stamp, reason",
    [("1970-01-01 00:00:01", "timestamp out of range"), ("2999-01-01T00:00:00Z", "timestamp out of range")],
)
def test_a_file_with_no_usable_row_is_refused_whole(con, write_csv, stamp, reason):
    path = write_csv("ts.csv", f'id,date,user,message\n1,"{stamp}",ana,hello\n2,"{stamp}",bo,hi\n')
    (result,) = ingest_files(con, [path])
    assert result.report is None
    assert "ts.csv" in result.error and "none of its 2 rows can be used" in result.error and reason in result.error
    assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
