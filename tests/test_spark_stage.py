"""Spark staging (pipeline/spark/stage.py) against `radar ingest` on the same files in the same order: stg_posts,
imports, quarantine, brands and brand_aliases equal as multisets of rows, timestamps as UTC microseconds; the
clock times (imported_at, added_at) and who imported (imported_by) are left out."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core import db
from pipeline.core.i18n import _, use_locale
from pipeline.spark.stage import export_files, stage_exports
from tests.conftest import DEMO_DIR, ROOT, shared_file

pytestmark = pytest.mark.spark

CLOCK_COLUMNS = {"imports": {"imported_at", "imported_by"}, "brands": {"added_at"}}
TABLES = ("stg_posts", "imports", "quarantine", "brands", "brand_aliases")
# the Spark type each DuckDB type of the staged tables must become (the design rule of pipeline/spark)
SPARK_TYPE = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


def build_reference(tmp_path: Path, files: list[Path], *options: str) -> Path:
    """The reference database: `radar ingest FILE... --db` on a new database (failures are allowed)."""
    path = tmp_path / "reference.duckdb"
    main(["ingest", *map(str, files), "--db", str(path), *options])
    return path


def duckdb_rows(con, table: str, columns: list[tuple[str, str]]) -> Counter:
    select = ", ".join(f"epoch_us({name})" if kind.startswith("TIMESTAMP") else name for name, kind in columns)
    return Counter(con.execute(f"SELECT {select} FROM {table}").fetchall())


def spark_rows(frame, columns: list[tuple[str, str]]) -> Counter:
    from pyspark.sql import functions as F

    select = [
        F.unix_micros(name).alias(name) if kind.startswith("TIMESTAMP") else F.col(name) for name, kind in columns
    ]
    return Counter(tuple(row) for row in frame.select(*select).collect())


def assert_same_tables(staged, reference: Path) -> dict[str, int]:
    """Every staged table has the reference's columns (names, order, types) and the same rows; returns the row
    count of each table."""
    con = db.connect(reference, read_only=True)
    try:
        counts = {}
        for table in TABLES:
            described = [(name, kind) for name, kind, *_rest in con.execute(f"DESCRIBE {table}").fetchall()]
            frame = getattr(staged, table)
            assert [(field.name, field.dataType.simpleString()) for field in frame.schema.fields] == [
                (name, SPARK_TYPE[kind]) for name, kind in described
            ], table
            compared = [(name, kind) for name, kind in described if name not in CLOCK_COLUMNS.get(table, ())]
            expected = duckdb_rows(con, table, compared)
            got = spark_rows(frame, compared)
            if got != expected:  # a few rows of each side say more than pytest's diff of two Counters
                only_spark, only_duckdb = list((got - expected).elements()), list((expected - got).elements())
                pytest.fail(
                    f"{table}: {len(only_spark)} rows only in Spark, e.g. {only_spark[:3]}; "
                    f"{len(only_duckdb)} only in DuckDB, e.g. {only_duckdb[:3]}"
                )
            counts[table] = sum(expected.values())
        return counts
    finally:
        con.close()


def reference_errors(stderr: str) -> list[str]:
    """The refusals `radar ingest` printed, one per file, in its words (and the current language)."""
    line = _("radar: error: {message}").format(message=_("{error} (nothing from this file was stored)"))
    prefix, suffix = line.split("{error}")
    return [
        text.removeprefix(prefix).removesuffix(suffix)
        for text in stderr.splitlines()
        if text.startswith(prefix) and text.endswith(suffix)
    ]


def stage_and_compare(
    spark, tmp_path, capsys, monkeypatch, folders: list[Path], *options: str, locale: str = "en", **stage_options
):
    """Stage ``folders`` with Spark and with `radar ingest` (both speaking ``locale``), compare every table and
    the refused files; return what Spark staged, the row count of each table and what the command printed."""
    files = export_files(folders)
    capsys.readouterr()
    monkeypatch.setenv("RADAR_LOCALE", locale)
    reference = build_reference(tmp_path, files, *options)
    printed = capsys.readouterr()
    with use_locale(locale):
        staged = stage_exports(spark, files, **stage_options)
        counts = assert_same_tables(staged, reference)
        assert [f"{name}: {reason}" for name, reason in staged.errors] == reference_errors(printed.err)
    return staged, counts, printed.out


def test_export_files_lists_regular_visible_files_of_each_folder_by_name(tmp_path):
    first, second = tmp_path / "b", tmp_path / "a"
    for folder in (first, second, first / "inner"):
        folder.mkdir()
    for path in (first / "z.csv", first / "a.csv", first / ".hidden.csv", second / "m.csv", first / "inner" / "x.csv"):
        path.write_text("id\n")
    assert export_files([first, second]) == [first / "a.csv", first / "z.csv", second / "m.csv"]


def test_demo_exports(spark, tmp_path, capsys, monkeypatch):
    staged, counts, _out = stage_and_compare(spark, tmp_path, capsys, monkeypatch, [DEMO_DIR])
    assert staged.errors == [] and counts["imports"] == 4 and counts["stg_posts"] > 9000
    assert counts["brands"] > 0


def test_sample_exports(spark, tmp_path, capsys, monkeypatch):
    staged, counts, out = stage_and_compare(spark, tmp_path, capsys, monkeypatch, [ROOT / "tests" / "samples"])
    assert counts["imports"] == len(list((ROOT / "tests" / "samples").glob("*.csv")))
    for report in staged.reports:  # the reports read as radar ingest printed them
        assert "\n".join(report.lines()) in out


def _slice(source: Path, target: Path, first: int, last: int) -> Path:
    """The header line and the physical lines first..last (1 = the first after the header) of ``source``."""
    with source.open("rb") as handle:
        lines = handle.readlines()
    target.write_bytes(lines[0] + b"".join(lines[first : last + 1]))
    return target


def test_real_exports(spark, tmp_path, capsys, monkeypatch):
    tweets = shared_file("airline_sentiment/Tweets.csv")
    twcs = shared_file("twcs_sample/twcs_head.csv")
    folder = tmp_path / "real"
    folder.mkdir()
    _slice(tweets, folder / "airline_a.csv", 1, 3000)
    _slice(tweets, folder / "airline_b.csv", 2001, 5000)  # overlaps airline_a: later posts are duplicates
    _slice(twcs, folder / "twcs.csv", 1, 3000)
    for name in (
        "platform_exports/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv",
        "platform_exports/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv",
    ):
        shutil.copy(shared_file(name), folder)
    staged, counts, _out = stage_and_compare(spark, tmp_path, capsys, monkeypatch, [folder])
    assert counts["imports"] == 5
    airline_b = next(report for report in staged.reports if report.file_name == "airline_b.csv")
    assert airline_b.rows_duplicate >= 900  # the overlap, found across files


HEADER = ["id", "date", "user", "message", "is brand", "brand", "platform"]


def export(*rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue()


FIRST = export(
    ("1", "2026-11-01 10:00:00", "ana", "@acmecare my order is late", "false", "Acme", "x"),  # naive time
    ("2", "2026-11-01T10:30:00Z", "AcmeCare", "@ana sorry, DM us", "true", "", "x"),
    ("3", "2026-11-01 11:00:00", "bob", "love it", "false", "Globex", "x"),
    ("4", "2026-11-01T12:00:00+01:00", "cid", "broken again", "false", "", "x"),
    ("5", "2026-11-01 13:00:00", "dan", "meh", "false", "Initech", "x"),
    ("6", "2026-11-01T14:00:00Z", "zed", "a customer post", "false", "", "x"),
)
OVERLAP = export(
    ("4", "2026-11-01T12:00:00+01:00", "cid", "broken again", "false", "", "x"),
    ("5", "2026-11-01 13:00:00", "dan", "meh", "false", "Umbrella", "x"),  # a duplicate naming another brand
    ("6", "2026-11-01T14:00:00Z", "zed", "now a brand post", "true", "", "x"),  # duplicate: zed stays a customer
    ("5", "2026-11-01 13:00:00", "dan", "meh", "false", "Hooli", "facebook"),  # another platform: a new post
    ("7", "2026-11-02 09:00:00", "eve", "new here", "false", "Acme", "x"),
    ("7", "2026-11-02 09:00:00", "eve", "the same post twice in one file", "false", "", "x"),
)
# the last row is ragged (3 fields where the header has 7)
BAD_ROWS = (
    export(
        ("8", "2026-11-03T10:00:00Z", "fay", "fine", "", "", "x"),
        ("", "2026-11-03T10:00:00Z", "gus", "", "", "", "x"),  # no id and no text
        ("9", "not a date", "hal", "bad time", "", "", "x"),
        ("10", "1999-12-31T23:00:00Z", "ida", "too old", "", "", "x"),
        ("", "2026-11-03T11:00:00Z", "jon", "no id but text", "", "", "x"),
        ("8", "2026-11-03T10:00:00Z", "fay", "fine again", "", "", "x"),
    )
    + "11,2026-11-03T12:00:00Z,kim\n"
)
ALL_BAD = export(("12", "never", "lee", "x", "", "", "x"), ("13", "", "max", "y", "", "", "x"))
# 205 brands named, 8 of them by posts earlier files loaded: 197 are this import's (no note, as in the sequential
# import, which never sees the 8)
MANY = export(
    *((str(n), "2026-11-04T10:00:00Z", "fan", "hi", "false", f"Dup brand {n}", "x") for n in range(1, 9)),
    *((f"m{n}", "2026-11-04T10:00:00Z", "fan", "hi", "false", f"Brand {n:03d}", "x") for n in range(197)),
)
# 203 brands named, three of them twice: the 200 most frequent (ties by name) become brands, and a note says so
MORE = export(
    *((f"n{n}", "2026-11-05T10:00:00Z", "fan", "hi", "false", f"Other {n:03d}", "x") for n in range(203)),
    *((f"r{n}", "2026-11-05T11:00:00Z", "fan", "hi", "false", f"Other {n:03d}", "x") for n in (202, 201, 150)),
)


def test_generated_cases(spark, tmp_path, capsys, monkeypatch):
    """Duplicates across and within files, the same file twice, quarantined rows, refused files, brands given
    on import and from the data, a time zone for naive timestamps, and the cap on brands an export names."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second, first / "subfolder"):
        folder.mkdir()
    files = {
        "01_first.csv": FIRST,
        "02_overlap.csv": OVERLAP,
        "03_first_again.csv": FIRST,  # identical bytes
        "04_bad_rows.csv": BAD_ROWS,
        "05_empty.csv": "",
        "06_header_only.csv": export(),
        "07_all_bad.csv": ALL_BAD,
        "08_many_brands.csv": MANY,
        "09_more_brands.csv": MORE,
        ".hidden.csv": FIRST,
    }
    for name, text in files.items():
        (first / name).write_text(text)
    (first / "10_binary.csv").write_bytes(bytes(range(256)) * 8)
    (first / "subfolder" / "skipped.csv").write_text(FIRST)
    (second / "01_first.csv").write_text(FIRST)  # the same name and bytes in the next folder
    staged, counts, out = stage_and_compare(
        spark,
        tmp_path,
        capsys,
        monkeypatch,
        [first, second],
        "--tz",
        "Europe/Madrid",
        "--brand",
        "@AcmeHelp",
        locale="es",  # the refusals and reports in Spanish, in the Spark tasks too
        time_zone="Europe/Madrid",
        brands=["@AcmeHelp"],
    )
    refused = dict(staged.errors)
    assert list(refused) == ["05_empty.csv", "06_header_only.csv", "07_all_bad.csv", "10_binary.csv"]
    assert refused["06_header_only.csv"] == "el archivo tiene encabezado pero ninguna fila de datos"
    reports = {report.import_id: report for report in staged.reports}
    assert [report.file_name for report in reports.values()] == [
        "01_first.csv",
        "02_overlap.csv",
        "03_first_again.csv",
        "04_bad_rows.csv",
        "08_many_brands.csv",
        "09_more_brands.csv",
        "01_first.csv",
    ]
    overlap = reports["imp-000002"]
    assert (overlap.rows_read, overlap.rows_loaded, overlap.rows_duplicate, overlap.naive_timestamp_count) == (
        6,
        2,
        4,
        2,
    )
    again = reports["imp-000003"]
    assert (again.rows_loaded, again.rows_duplicate, again.naive_timestamp_count) == (0, 6, 0)
    for report in staged.reports:
        assert report.rows_read == report.rows_loaded + report.rows_duplicate + report.rows_quarantined
        with use_locale("es"):
            assert "\n".join(report.lines()) in out  # as radar ingest printed it
    assert counts["quarantine"] == 4  # 04_bad_rows.csv's, and nothing from the refused files
    brands = {row["brand"] for row in staged.brands.collect()}
    assert not brands & {"zed", "Umbrella", "Dup brand 1"}  # named or acting only in duplicates
    assert {"acmehelp", "acmecare", "Brand 000", "Other 202"} <= brands and "Other 199" not in brands
    assert "the brand column names 203 different brands" in reports["imp-000006"].notes[-1]
    assert not any("different brands" in note for note in reports["imp-000005"].notes)


def test_no_files(spark):
    staged = stage_exports(spark, [])
    assert staged.errors == [] and staged.reports == []
    assert [getattr(staged, table).count() for table in TABLES] == [0, 0, 0, 0, 0]
