"""Ingest guarantees: nothing duplicated, nothing lost, all or nothing per file, ids kept as text."""

import csv
import io

import pytest

from pipeline.cli import main
from pipeline.core import db
from tests.conftest import ingest, ingest_one, table_counts

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"


def twcs_rows(*rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return HEADER + out.getvalue()


WEEK1 = twcs_rows(
    ("1", "ana", "True", "Mon Nov 02 10:00:00 +0000 2026", "@acme my order is late", "2", ""),
    ("2", "acme", "False", "Mon Nov 02 10:30:00 +0000 2026", "@ana sorry, DM us", "", "1.0"),
    ("3", "bob", "True", "Tue Nov 03 09:00:00 +0000 2026", "@acme love it", "", ""),
)
WEEK2 = twcs_rows(  # overlaps WEEK1 on post 3
    ("3", "bob", "True", "Tue Nov 03 09:00:00 +0000 2026", "@acme love it", "", ""),
    ("4", "cid", "True", "Mon Nov 09 09:00:00 +0000 2026", "@acme broken again", "", ""),
)


def test_report_counts_and_brand_from_inbound(con, write_csv):
    report = ingest_one(con, write_csv("week1.csv", WEEK1))
    assert (report.format, report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_quarantined) == (
        "twcs",
        3,
        3,
        0,
        0,
    )
    assert report.brands_added == ("acme",)
    rows = con.execute("SELECT post_id, is_brand, brand, parent_id FROM posts ORDER BY post_id").fetchall()
    assert rows == [("1", False, "acme", None), ("2", True, "acme", "1"), ("3", False, "acme", None)]


def test_same_file_twice_duplicates_nothing(con, write_csv):
    path = write_csv("week1.csv", WEEK1)
    ingest_one(con, path)
    second = ingest_one(con, path)
    assert (second.rows_read, second.rows_loaded, second.rows_duplicate) == (3, 0, 3)
    assert table_counts(con)["fct_posts"] == 3
    assert db.check_quality(con) == []


def test_overlapping_weekly_exports(con, write_csv):
    ingest_one(con, write_csv("week1.csv", WEEK1))
    report = ingest_one(con, write_csv("week2.csv", WEEK2))
    assert (report.rows_loaded, report.rows_duplicate) == (1, 1)
    assert table_counts(con)["fct_posts"] == 4


def test_duplicates_inside_one_file_keep_the_first(con, write_csv):
    text = "id,date,user,message\n7,2026-11-01T10:00:00Z,ana,first\n7,2026-11-01T10:00:00Z,ana,second\n"
    report = ingest_one(con, write_csv("dup.csv", text))
    assert (report.rows_loaded, report.rows_duplicate) == (1, 1)
    assert con.execute("SELECT text FROM posts").fetchall() == [("first",)]


def test_same_id_on_two_platforms_is_two_posts(con, write_csv):
    text = (
        "id,date,user,message,platform\n7,2026-11-01T10:00:00Z,ana,hi,instagram\n"
        "7,2026-11-01T10:00:00Z,ana,hi,facebook\n"
    )
    assert ingest_one(con, write_csv("two.csv", text)).rows_loaded == 2


def test_quarantine_accounts_for_every_row(con, write_csv):
    text = (
        "id,date,user,message\n"
        "1,2026-11-01T10:00:00Z,ana,fine\n"
        ",2026-11-01T10:00:00Z,ana,\n"  # no id and no text
        "3,not a date,bob,bad time\n"
        "4,2026-11-01T10:00:00Z,cid\n"  # ragged
        ",2026-11-01T11:00:00Z,dan,no id but text\n"
    )
    report = ingest_one(con, write_csv("messy.csv", text))
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_quarantined) == (5, 2, 0, 3)
    quarantined = con.execute("SELECT line_number, reason FROM quarantine ORDER BY line_number").fetchall()
    assert [line for line, _ in quarantined] == [3, 4, 5]
    assert quarantined[0][1] == "no post id and no text"
    assert quarantined[1][1].startswith("timestamp not understood: not a date")
    assert quarantined[2][1].startswith("ragged row: 3 fields where the header has 4")
    raw = con.execute("SELECT raw FROM quarantine WHERE line_number = 4").fetchall()[0][0]
    assert "not a date" in raw
    derived = con.execute("SELECT post_id FROM posts WHERE author_id = 'dan'").fetchall()[0][0]
    assert derived.startswith("h") and len(derived) == 21
    assert db.check_quality(con) == []


def test_ids_stay_text_and_float_parents_are_repaired(con, write_csv):
    big = "1190000000000000001"  # beyond 2^53: a float would change it
    text = twcs_rows(
        (big, "ana", "True", "Mon Nov 02 10:00:00 +0000 2026", "@acme hi", "", ""),
        ("0042", "acme", "False", "Mon Nov 02 10:30:00 +0000 2026", "@ana hello", "", big + ".0"),
    )
    ingest_one(con, write_csv("ids.csv", text))
    rows = dict(con.execute("SELECT post_id, parent_id FROM posts").fetchall())
    assert rows == {big: None, "0042": big}


@pytest.mark.parametrize("bad_id", ["5.70306E+17", "5.70306e17", "1E+18"])
def test_spreadsheet_mangled_ids_refuse_the_file_and_change_nothing(con, write_csv, bad_id):
    ingest_one(con, write_csv("good.csv", WEEK1))
    before = table_counts(con)
    text = twcs_rows(("9", "ana", "True", "Mon Nov 02 10:00:00 +0000 2026", "@acme hi", "", bad_id))
    (result,) = ingest(con, write_csv("mangled.csv", text))
    assert result.report is None
    assert result.error.startswith("mangled.csv: ids in scientific notation")
    assert table_counts(con) == before


def test_a_failing_file_leaves_everything_unchanged_and_others_still_load(con, write_csv, monkeypatch):
    ingest_one(con, write_csv("week1.csv", WEEK1))
    before = table_counts(con)
    version = db.data_version(con)

    import pipeline.ingest.load as load

    real_stage = load._stage

    def failing_stage(*args, **kwargs):  # fail after the raw rows are written
        real_stage(*args, **kwargs)
        raise load.IngestError("week2.csv", "simulated failure while staging")

    monkeypatch.setattr(load, "_stage", failing_stage)
    (failed,) = ingest(con, write_csv("week2.csv", WEEK2))
    assert failed.error == "week2.csv: simulated failure while staging"
    assert table_counts(con) == before
    assert db.data_version(con) == version

    monkeypatch.setattr(load, "_stage", real_stage)
    results = ingest(con, write_csv("empty.csv", ""), write_csv("week2.csv", WEEK2))
    assert results[0].error == "empty.csv: the file is empty"
    assert results[1].report.rows_loaded == 1


def test_header_only_file_is_refused(con, write_csv):
    (result,) = ingest(con, write_csv("header.csv", HEADER))
    assert result.error == "header.csv: the file has a header but no data rows"
    assert table_counts(con)["imports"] == 0


def test_brand_handles_given_on_import_are_stored_and_reused(con, write_csv):
    first = "id,date,user,message\n1,2026-11-01T10:00:00Z,ana,@Acme help\n"
    ingest_one(con, write_csv("a.csv", first), brands=["@Acme"])
    second = "id,date,user,message,in_reply_to\n2,2026-11-01T10:20:00Z,ACME,sure,1\n"
    ingest_one(con, write_csv("b.csv", second))
    rows = con.execute("SELECT post_id, is_brand, brand, thread_id FROM posts ORDER BY post_id").fetchall()
    assert rows == [("1", False, "acme", "1"), ("2", True, "acme", "1")]


def test_cli_ingest_exit_status_and_report(tmp_path, write_csv, capsys):
    good = write_csv("week1.csv", WEEK1)
    bad = write_csv("bad.csv", b"PK\x03\x04zip")
    database = str(tmp_path / "cli.duckdb")
    assert main(["ingest", str(good), str(bad), "--db", database]) == 1
    out, err = capsys.readouterr()
    assert "week1.csv: imported as imp-000001" in out and "rows read     3" in out
    assert "radar: error: bad.csv: this is a ZIP archive" in err
    assert "Traceback" not in err
    assert main(["ingest", str(good), "--db", database]) == 0
    assert "duplicate   3" in capsys.readouterr().out


def test_unreadable_file_is_reported_not_raised(con, write_csv, monkeypatch):
    import pipeline.ingest.reader as reader

    real_scan = reader.scan_file

    def scan_or_refuse(path, head):
        if path.name == "locked.csv":
            raise PermissionError(13, "Permission denied")
        return real_scan(path, head)

    monkeypatch.setattr(reader, "scan_file", scan_or_refuse)
    results = ingest(con, write_csv("locked.csv", WEEK1), write_csv("week2.csv", WEEK2))
    assert results[0].error == "locked.csv: cannot be read: Permission denied"
    assert results[1].report.rows_loaded == 2


def test_uploads_are_kept_by_sha256_under_their_own_name(tmp_path):
    import hashlib

    from pipeline.ingest import MAX_UPLOAD_BYTES, IngestError, save_upload

    data = b"id,date,text\n1,2026-11-01T10:00:00Z,hi\n"
    path = save_upload(data, "../../etc/Week 46 export?.csv", tmp_path)
    assert path == tmp_path / hashlib.sha256(data).hexdigest() / "Week 46 export_.csv"
    assert path.read_bytes() == data
    assert save_upload(data, "../../etc/Week 46 export?.csv", tmp_path) == path  # same bytes, same place
    assert save_upload(data, "C:\\Users\\me\\x.csv", tmp_path).name == "x.csv"
    with pytest.raises(IngestError, match="over the 200 MB upload limit"):
        save_upload(b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv", tmp_path)


@pytest.mark.parametrize(
    "text, decimal_comma, expected",
    [
        ("1234", False, 1234),
        ("007", False, 7),
        ("", False, None),
        (None, False, None),
        ("1,234", False, 1234),
        (" 1 234 ", False, 1234),
        ("1\u00a0234", False, 1234),
        ("12.7", False, 13),
        ("1.234", True, 1234),
        ("2.500,5", True, 2500),
        ("1234", True, 1234),
        ("n/a", False, None),
        ("-3", False, -3),
        ("99999999999999999999", False, None),
    ],
)
def test_counts_are_read_as_exported(text, decimal_comma, expected):
    from pipeline.ingest.load import _count

    sql = f"SELECT {_count('v')} FROM (SELECT $v::VARCHAR AS v)"
    import duckdb

    assert duckdb.execute(sql, {"v": text, "decimal_comma": decimal_comma}).fetchone()[0] == expected
