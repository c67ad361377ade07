"""Bad input: one clear line naming the file and the problem, a non-zero exit, the database unchanged; rows
that can be saved are saved and the rest are quarantined with their reason. Garbage from hypothesis never
gets a traceback, and hostile headers and values stay inert data."""

from __future__ import annotations

import csv
import io
import zipfile

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.core import db
from pipeline.ingest import ingest_files
from tests.conftest import ingest_one, table_counts

GOOD = "id,date,user,message\n1,2026-11-10T10:00:00Z,ana,hello\n2,2026-11-10T11:00:00Z,bo,hi there\n"


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


BAD_FILES = {
    "empty": (b"", "the file is empty"),
    "blank_lines": (b"\n\n  \n", "the file is empty"),
    "header_only": (b"id,date,user,message\n", "the file has a header but no data rows"),
    "xlsx_renamed": (_zip_bytes(), "ZIP archive"),
    "json": (b'{"posts": [{"id": 1, "text": "hi"}]}', "looks like JSON"),
    "nul_bytes": (b"id,date\x00,user\n\x00\x00\x01\x02" * 50, "NUL bytes"),
    "utf16_without_bom": ("id,date,user,message\n1,2026-11-10,ana,hi\n".encode("utf-16-le"), "NUL bytes"),
    "unknown_layout": (b"alpha,beta,gamma\n1,2,3\n", "no known export layout"),
    "all_in_1970": (
        b"id,date,user,message\n1,1970-01-01 00:00:01,ana,hi\n2,1970-01-02 00:00:00,bo,yo\n",
        "none of its 2 rows can be used (line 2: timestamp out of range",
    ),
    "all_in_the_future": (
        b"id,date,user,message\n1,2999-01-01T00:00:00Z,ana,hi\n",
        "its 1 row cannot be used (line 2: timestamp out of range",
    ),
    "spreadsheet_ids": (
        b"id,date,user,message\n5.70306E+17,2026-11-10T10:00:00Z,ana,hi\n",
        "ids in scientific notation",
    ),
    "all_ragged": (b"id,date,user,message\n1,2026-11-10T10:00:00Z\n2\n", "none of its 2 rows can be used"),
}


@pytest.fixture
def loaded_db(tmp_path):
    """A database that already holds two posts: bad input must leave them and everything else as it is."""
    path = tmp_path / "radar.duckdb"
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["ingest", "--db", str(path), str(good)]) == 0
    return path


def _counts(path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return table_counts(con) | {"custom_formats": con.execute("SELECT count(*) FROM custom_formats").fetchone()[0]}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_gets_one_line_a_nonzero_exit_and_changes_nothing(loaded_db, tmp_path, capsys, case):
    content, message = BAD_FILES[case]
    bad = tmp_path / f"{case}.csv"
    bad.write_bytes(content)
    before = _counts(loaded_db)
    capsys.readouterr()
    assert main(["ingest", "--db", str(loaded_db), str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"radar: error: {case}.csv: ") and message in err[0]
    assert "Traceback" not in err[0]
    assert _counts(loaded_db) == before


@pytest.mark.parametrize("target, message", [("missing.csv", "no such file"), (".", "a folder, not a file")])
def test_missing_file_and_folder(loaded_db, tmp_path, capsys, target, message):
    assert main(["ingest", "--db", str(loaded_db), str(tmp_path / target)]) == 1
    assert message in capsys.readouterr().err


def test_rows_that_can_be_saved_are_saved_and_the_rest_quarantined(con, write_csv):
    huge = "x" * (50 * 1024 * 1024)
    text = (
        "id,date,user,message\n"
        "1,2026-11-10T10:00:00Z,ana,fine\n"
        "2,2026-11-10T10:01:00Z,bo\n"  # ragged
        f"3,2026-11-10T10:02:00Z,cy,{huge}\n"  # a 50 MB field
        "4,1970-01-01T00:00:00Z,di,too old\n"
        "5,2999-01-01T00:00:00Z,ed,from the future\n"
        f"{'9' * 300},2026-11-10T10:03:00Z,fa,absurd id\n"
        "7,2026-11-10T10:04:00Z,gu,a NUL \x00 inside\n"
        "8,2026-11-10T10:05:00Z,ha,also fine\n"
    )
    report = ingest_one(con, write_csv("mixed.csv", text))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (8, 2, 6)
    reasons = dict(con.execute("SELECT line_number, reason FROM quarantine").fetchall())
    assert reasons[3].startswith("ragged row")
    assert reasons[4].startswith("a line of 52,428,8")  # skipped unread: memory stays bounded
    assert reasons[5].startswith("timestamp out of range") and reasons[6].startswith("timestamp out of range")
    assert reasons[7] == "post id longer than 200 characters"
    assert reasons[8].startswith("a NUL byte")
    assert con.execute("SELECT max(length(raw)) FROM quarantine").fetchone()[0] < 3000  # not 50 MB kept
    assert sorted(r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()) == ["1", "8"]


def test_repeated_header_is_noted_and_the_first_used(con, write_csv):
    report = ingest_one(
        con, write_csv("dup.csv", "id,date,user,message,message\n1,2026-11-10T10:00:00Z,ana,first,second\n")
    )
    assert any("'message' more than once" in note for note in report.notes)
    assert con.execute("SELECT text FROM posts").fetchone()[0] == "first"


def test_mixed_encodings_read_line_by_line(con, write_csv):
    data = (
        "id,date,user,message\n1,2026-11-10T10:00:00Z,zoë,café crème\n".encode()
        + "2,2026-11-10T11:00:00Z,jos,naïve façade\n".encode("cp1252")
    )
    report = ingest_one(con, write_csv("mixed.csv", data))
    assert report.encoding.startswith("mixed")
    assert any("mixes encodings" in note for note in report.notes)
    texts = [r[0] for r in con.execute("SELECT text FROM posts ORDER BY post_id").fetchall()]
    assert texts == ["café crème", "naïve façade"]


HOSTILE = [
    "id'); DROP TABLE stg_posts; --",
    'date" ; DELETE FROM imports; --',
    "user`; DROP VIEW posts",
    "text\"'\\;--",
    "=cmd|' /C calc'!A0",
]


def test_hostile_headers_and_values_are_inert(tmp_path, capsys):
    path = tmp_path / "radar.duckdb"
    rows = [
        HOSTILE,
        [
            "1'; DROP TABLE posts; --",
            "2026-11-10T10:00:00Z",
            "robert'); DROP TABLE brands;--",
            "'; DELETE FROM stg_posts WHERE '1'='1",
            "x",
        ],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    export = tmp_path / "hostile.csv"
    export.write_text(out.getvalue(), encoding="utf-8")
    args = ["ingest", "--db", str(path), str(export), "--brand", "x'); DROP TABLE brands; --"]
    for column, header in zip(("post_id", "created_at", "author_id", "text"), HOSTILE):
        args += ["--map", f"{column}={header}"]
    assert main(args + ["--save-as", "hostile_1"]) == 0
    with db.connect(path, read_only=True) as con:
        post = con.execute("SELECT post_id, author_id, text FROM posts").fetchall()
        assert post == [tuple(rows[1][i] for i in (0, 2, 3))]
        assert con.execute("SELECT brand FROM brands").fetchall() == [("x'); drop table brands; --",)]
        assert {r[0] for r in con.execute("SHOW TABLES").fetchall()} >= {"stg_posts", "imports", "brands"}
    assert main(args + ["--save-as", "bad'; DROP TABLE imports; --"]) == 1
    assert "cannot name a custom format" in capsys.readouterr().err


def _garbage():
    printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
    csvish = st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=6).map(
        lambda rows: "\n".join(",".join(r) for r in rows)
    )
    headed = csvish.map(lambda body: "id,date,user,message\n" + body)
    return st.one_of(
        st.binary(max_size=400),
        printable.map(lambda t: t.encode("utf-8")),
        csvish.map(lambda t: t.encode("utf-8")),
        headed.map(lambda t: t.encode("utf-8")),
        headed.map(lambda t: t.encode("cp1252", errors="replace")),
        st.tuples(
            st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"{", b""]),
            st.binary(max_size=200),
        ).map(lambda parts: parts[0] + parts[1]),
    )


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=_garbage())
def test_garbage_never_raises_and_never_half_lands(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("garbage")
    path = folder / "garbage.csv"
    path.write_bytes(content)
    con = db.connect(folder / "radar.duckdb")
    try:
        ingest_one(con, _good_file(folder))
        before = table_counts(con)
        (result,) = ingest_files(con, [path])
        if result.error is not None:
            assert result.error.startswith("garbage.csv: ") and "\n" not in result.error
            assert table_counts(con) == before
        else:
            report = result.report
            assert report.rows_read == report.rows_loaded + report.rows_duplicate + report.rows_quarantined
            after = table_counts(con)
            assert after["stg_posts"] == before["stg_posts"] + report.rows_loaded
            assert after["quarantine"] == before["quarantine"] + report.rows_quarantined
        assert db.check_quality(con) == []
    finally:
        con.close()


def _good_file(folder):
    path = folder / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path
