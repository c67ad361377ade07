"""Responses on Spark (pipeline/spark/responses.py) against the DuckDB path (pipeline/metrics/responses.py).

The reference database is built by the real CLI (`radar ingest`, then `radar settings` or `radar recompute`:
a whole recompute); its ``fct_posts`` and ``posts`` are handed to Spark, and Spark's ``fct_responses``,
``fct_threads`` and ``fct_reply_coverage`` must equal DuckDB's as multisets of rows (timestamps as UTC
microseconds, numbers exactly), with the same columns and types. Cases: the demo exports, the samples, real
TWCS replies with a slice of a mentions-only real export, and generated exports around a DST overlap
(Europe/Warsaw), a DST gap (America/New_York) and business hours ending at 24:00 (Asia/Kolkata, +05:30),
with ties, weekends, holidays, open posts inside and outside the SLA and a mentions-only export; the
generated cases also check answers known by construction. The clock's numpy arithmetic is checked on its own
against DuckDB's SQL, instant by instant, without Spark.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from conftest import DEMO_DIR, ROOT, shared_file

from pipeline.cli import main
from pipeline.core import db
from pipeline.core.settings import Settings, load_settings
from pipeline.metrics.responses import _business_clock, build_calendar
from pipeline.spark.responses import (
    business_calendar,
    business_minutes,
    clock_responses,
    compute_responses,
    duckdb_round,
    epoch_seconds,
)

pytestmark = pytest.mark.spark

TABLES = ("fct_responses", "fct_threads", "fct_reply_coverage")  # in the order compute_responses returns them
KEYS = {
    "fct_responses": ("platform", "post_id"),
    "fct_threads": ("platform", "thread_id"),
    "fct_reply_coverage": ("import_id", "platform", "brand"),
}
SPARK_TYPES = {
    "VARCHAR": "string",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "BIGINT": "bigint",
}
BRAND = "lumohelp"


# --- generated exports -------------------------------------------------------------------------------------


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _write_export(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A generic export (id, date, author, text, parent) in the order given."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "author", "text", "parent"])
        writer.writerows(rows)
    return path


CUSTOMER_TEXTS = [
    "my order is late again, terrible service",
    "I love the new blender, thank you",
    "where is my parcel?",
    "the kettle leaks and nobody answers",
    "great help yesterday, wonderful team",
    "still waiting for my refund",
    "ok",
]
BRAND_TEXTS = ["sorry about that, checking now", "thanks for telling us!", "we have sent a new one", "DM us please"]


def _random_threads(prefix: str, start: datetime, days: int, count: int, seed: int) -> list[tuple]:
    """``count`` conversations spread over ``days`` from ``start``: a customer root, then brand replies and
    customer follow-ups after random delays (some of them none: ties at one instant; some fractional seconds;
    now and then a reply dated before what it answers, as exports have)."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        root = f"{prefix}{number}"
        rows.append((root, _iso(at), f"cust{rng.randrange(40)}", rng.choice(CUSTOMER_TEXTS), ""))
        parent, is_brand = root, False
        for turn in range(rng.choice([0, 1, 1, 2, 3, 4])):
            is_brand = not is_brand if rng.random() < 0.8 else is_brand
            delay = rng.choice([0, 0, 30, 59, 600, 3599, 3600 * 5, 86399, -120])
            at += timedelta(seconds=delay, microseconds=rng.choice([0, 0, 500_000, 1]))
            post = f"{root}-{turn}"
            if is_brand:
                rows.append((post, _iso(at), BRAND, rng.choice(BRAND_TEXTS), parent))
            else:
                rows.append((post, _iso(at), f"cust{rng.randrange(40)}", rng.choice(CUSTOMER_TEXTS), parent))
            parent = post if rng.random() < 0.8 else root
    return rows


# Known answers shared by the generated cases; each case places them at its own dates (``day`` 0 is a business
# day in its settings, and day + 1 too). ``r10`` < ``r9`` as text: the tie goes to r10, though r9 comes first.
def _known_rows(day: datetime) -> list[tuple]:
    def t(minutes: float) -> str:
        return _iso(day + timedelta(minutes=minutes))

    return [
        # two replies in the same second: the smaller post id is the first reply
        ("tie", t(60), "ana", "my order is late", ""),
        ("r9", t(65), BRAND, "sorry, checking", "tie"),
        ("r10", t(65), BRAND, "sorry, looking into it", "tie"),
        # a brand post at the very instant of the customer post is not after it
        ("same", t(120), "ben", "the blender is broken", ""),
        ("same-b", t(120), BRAND, "welcome to our page", "same"),
        ("same-r", t(127), BRAND, "we will send a new one", "same"),
        # customer posts tied at one instant: the thread's last customer sentiment is the larger post id's
        ("k1", t(180), "cy", "question about my order", ""),
        ("k2", t(190), BRAND, "happy to help", "k1"),
        ("k3", t(200), "cy", "terrible awful horrible service, I hate it", "k2"),
        ("k4", t(200), "dee", "wonderful, thank you so much, I love it", "k2"),
        # a customer post without a sentiment (a language Radar does not score) is not the last customer sentiment
        ("n1", t(240), "gil", "the delivery was late and the box was broken", ""),
        ("n2", t(250), BRAND, "sorry to hear that", "n1"),
        ("n3", t(260), "gil", "ご丁寧にありがとうございます！トライしてみて改善されなければCSへご連絡します。", "n2"),
    ]


def _end_rows(end: datetime, sla_minutes: int) -> list[tuple]:
    """Posts left unanswered at the end of the export: one inside the SLA then, one past it; and the export's
    last post (the brand's own, answering nobody) at ``end``."""
    return [
        ("open-late", _iso(end - timedelta(minutes=2 * sla_minutes + 5)), "eva", "hello? anyone?", ""),
        ("open-fresh", _iso(end - timedelta(minutes=sla_minutes // 3)), "fay", "my app crashed", ""),
        ("last", _iso(end), BRAND, "our new recipes are up", ""),
    ]


MENTIONS = """id,date,author,text
m1,{a},gus,@lumohelp my kettle leaks
m2,{b},hal,@lumohelp still waiting for my refund
"""


def _build(folder: Path, files: list[Path], *, brands: tuple[str, ...] = (), settings: tuple[str, ...] = ()) -> Path:
    """The reference: ``files`` through `radar ingest`, then the settings through `radar settings` (which
    recomputes everything), or `radar recompute`."""
    database = folder / "reference.duckdb"
    brand_options = [option for brand in brands for option in ("--brand", brand)]
    assert main(["ingest", *map(str, files), *brand_options, "--db", str(database)]) == 0
    if settings:
        assert main(["settings", *settings, "--db", str(database)]) == 0
    else:
        assert main(["recompute", "--db", str(database)]) == 0
    return database


def _generated(
    folder: Path, *, day: str, end: str, mentions_at: str, random_from: str, settings: tuple[str, ...], extra: list
) -> Path:
    sla = int(settings[settings.index("--sla") + 1])
    rows = _known_rows(_at(day)) + extra + _random_threads("g", _at(random_from), 4, 150, seed=18)
    assert max(_at(row[1]) for row in rows) < _at(end)  # the export ends with its last post, at ``end``
    rows += _end_rows(_at(end), sla)
    care = _write_export(folder / "care.csv", rows)
    mention_at = _at(mentions_at)
    mentions = folder / "mentions.csv"
    mentions.write_text(MENTIONS.format(a=_iso(mention_at), b=_iso(mention_at + timedelta(minutes=7))))
    return _build(folder, [care, mentions], brands=(BRAND,), settings=settings)


def warsaw_overlap(folder: Path) -> Path:
    """Europe/Warsaw: on Sunday 2026-10-25 02:00-03:00 happens twice (01:00Z the clocks go back) and the day opens
    at 02:30, inside it; Saturdays closed; Tuesday 2026-10-27 a holiday."""
    overlap = [
        # 02:40 CEST and 02:40 CET, the same local time an hour apart
        ("night", "2026-10-25T00:40:00Z", "ian", "is anyone awake?", ""),
        ("night-r", "2026-10-25T01:40:00Z", BRAND, "we are", "night"),
        ("night2", "2026-10-25T01:10:00Z", "jo", "hello at night", ""),
        ("night2-r", "2026-10-25T01:31:00Z", BRAND, "hello", "night2"),
        # Monday 17:50 CET (10 minutes before closing) -> Wednesday 02:40 CET (10 after opening): 20 minutes
        ("holiday", "2026-10-26T16:50:00Z", "kai", "my order never came", ""),
        ("holiday-r", "2026-10-28T01:40:00Z", BRAND, "sorry, sending it", "holiday"),
        # Saturday -> Sunday
        ("weekend", "2026-10-24T10:00:00Z", "lea", "weekend question", ""),
        ("weekend-r", "2026-10-25T02:00:00Z", BRAND, "weekend answer", "weekend"),
    ]
    return _generated(
        folder,
        day="2026-10-23T06:00:00Z",
        end="2026-10-30T12:00:00Z",
        mentions_at="2026-10-26T09:00:00Z",
        random_from="2026-10-19T00:00:00Z",
        settings=(
            "--tz",
            "Europe/Warsaw",
            "--hours",
            "02:30-18:00",
            "--days",
            "mon,tue,wed,thu,fri,sun",
            "--holiday",
            "2026-10-27",
            "--sla",
            "30",
        ),
        extra=overlap,
    )


def new_york_gap(folder: Path) -> Path:
    """America/New_York: on Sunday 2026-03-08 02:00-03:00 does not exist (07:00Z the clocks go forward) and the
    day opens at 02:30, inside it; open on weekends, closed Tuesday to Friday."""
    gap = [
        ("before-gap", "2026-03-08T06:45:00Z", "max", "01:45 EST, before opening", ""),
        ("before-gap-r", "2026-03-08T07:45:00Z", BRAND, "03:45 EDT", "before-gap"),
        ("after-gap", "2026-03-08T07:00:00Z", "ned", "03:00 EDT, right after the gap", ""),
        ("after-gap-r", "2026-03-08T07:20:00Z", BRAND, "answer", "after-gap"),
        ("closed", "2026-03-10T12:00:00Z", "oli", "a Tuesday", ""),
        ("closed-r", "2026-03-14T07:00:00Z", BRAND, "Saturday 03:00 EDT, 30 minutes after opening", "closed"),
    ]
    return _generated(
        folder,
        day="2026-03-09T07:00:00Z",
        end="2026-03-16T12:00:00Z",
        mentions_at="2026-03-09T12:00:00Z",
        random_from="2026-03-02T00:00:00Z",
        settings=("--tz", "America/New_York", "--hours", "02:30-10:00", "--days", "sat,sun,mon", "--sla", "45"),
        extra=gap,
    )


def kolkata_midnight(folder: Path) -> Path:
    """Asia/Kolkata (+05:30): business hours 18:00-24:00 on weekdays; 24:00 is the last microsecond of the day,
    so each day has 359.99999998... minutes and the sums are not whole."""
    evening = [
        # Friday 23:30 IST -> Monday 18:30 IST: 30 minutes and 30 minutes, less a microsecond
        ("friday", "2026-11-06T18:00:00Z", "pia", "late friday question", ""),
        ("friday-r", "2026-11-09T13:00:00Z", BRAND, "monday answer", "friday"),
        # Saturday -> Sunday: no business minute at all
        ("saturday", "2026-11-07T14:00:00Z", "quin", "saturday question", ""),
        ("saturday-r", "2026-11-08T15:00:00Z", BRAND, "sunday answer", "saturday"),
    ]
    return _generated(
        folder,
        day="2026-11-04T12:00:00Z",
        end="2026-11-13T17:00:00Z",
        mentions_at="2026-11-10T13:00:00Z",
        random_from="2026-11-01T00:00:00Z",
        settings=("--tz", "Asia/Kolkata", "--hours", "18:00-24:00", "--days", "mon,tue,wed,thu,fri", "--sla", "90"),
        extra=evening,
    )


# --- exports on file ---------------------------------------------------------------------------------------


def demo_and_sample_exports(folder: Path) -> Path:
    """The demo exports and every sample export in one database (one Spark run for both), with the demo's
    settings (Madrid, a holiday)."""
    files = sorted(DEMO_DIR.glob("*.csv")) + sorted((ROOT / "tests" / "samples").glob("*.csv"))
    return _build(folder, files, settings=("--tz", "Europe/Madrid", "--holiday", "2026-10-12"))


def real_replies(folder: Path) -> Path:
    """Real TWCS conversations (five thousand posts, 2011-2017, through US DST changes) and the first 1,500
    posts of the airline mentions (no brand replies: not judged), with New York business hours."""
    twcs = shared_file("twcs_sample/twcs_head.csv")
    airline = shared_file("airline_sentiment/Tweets.csv")
    airline_slice = folder / "airline_slice.csv"
    with airline.open(newline="", encoding="utf-8") as source, airline_slice.open("w", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        for number, row in enumerate(reader):
            if number > 1500:
                break
            writer.writerow(row)
    return _build(
        folder,
        [twcs, airline_slice],
        settings=("--tz", "America/New_York", "--hours", "08:00-20:00", "--days", "mon,tue,wed,thu,fri,sat"),
    )


CASES: dict[str, Callable[[Path], Path]] = {
    "warsaw_overlap": warsaw_overlap,
    "new_york_gap": new_york_gap,
    "kolkata_midnight": kolkata_midnight,
    "demo_and_samples": demo_and_sample_exports,
    "real_twcs_airline": real_replies,
}


# --- running both and comparing ----------------------------------------------------------------------------


@dataclass
class Outcome:
    database: Path
    columns: dict[str, list[tuple[str, str]]]  # table -> (name, Spark type) of each column, DuckDB's and Spark's
    spark_columns: dict[str, list[tuple[str, str]]]
    duck: dict[str, list[tuple]]  # table -> rows, timestamps as UTC microseconds
    spark: dict[str, list[tuple]]
    posts: dict[str, dict]  # post_id -> the posts view's row

    def rows(self, table: str, engine: str = "spark") -> dict[tuple, dict]:
        names = [name for name, _ in self.columns[table]]
        key = KEYS[table]
        return {
            tuple(row[names.index(k)] for k in key): dict(zip(names, row))
            for row in (self.spark if engine == "spark" else self.duck)[table]
        }


def _run(spark, database: Path) -> Outcome:
    from pyspark.sql import functions as F

    con = db.connect(database, read_only=True)
    try:
        facts = spark.createDataFrame(con.sql("SELECT * FROM fct_posts").to_arrow_table())
        posts = spark.createDataFrame(con.sql("SELECT * FROM posts").to_arrow_table())
        frames = compute_responses(spark, facts, posts, load_settings(con))
        columns, spark_columns, duck_rows, spark_rows = {}, {}, {}, {}
        for table, frame in zip(TABLES, frames):
            frame.persist()  # the threads reuse the responses, as in the build
            columns[table] = [
                (name, SPARK_TYPES[kind])
                for name, kind in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
            ]
            spark_columns[table] = [(field.name, field.dataType.simpleString()) for field in frame.schema.fields]
            stamps = [name for name, kind in columns[table] if kind == "timestamp"]
            duck_rows[table] = con.execute(
                f"SELECT {', '.join(f'epoch_us({n})' if n in stamps else n for n, _ in columns[table])} FROM {table}"
            ).fetchall()
            spark_rows[table] = [
                tuple(row)
                for row in frame.select(
                    *[F.unix_micros(F.col(n)).alias(n) if n in stamps else F.col(n) for n, _ in columns[table]]
                ).collect()
            ]
        posts_by_id = {row["post_id"]: row for row in con.sql("SELECT * FROM posts").to_arrow_table().to_pylist()}
    finally:
        con.close()
    for frame in frames:
        frame.unpersist()
    return Outcome(database, columns, spark_columns, duck_rows, spark_rows, posts_by_id)


@pytest.fixture(scope="module")
def outcome(spark, tmp_path_factory):
    """outcome(case) -> the reference database of ``case`` and both engines' tables, computed once."""
    done: dict[str, Outcome] = {}

    def get(case: str) -> Outcome:
        if case not in done:
            done[case] = _run(spark, CASES[case](tmp_path_factory.mktemp(case)))
        return done[case]

    return get


def differences(duck_rows: list[tuple], spark_rows: list[tuple], key_at: list[int]) -> str:
    """What one side has that the other has not (rows as multisets), keyed to show both versions of a row."""
    only_duck = Counter(duck_rows) - Counter(spark_rows)
    only_spark = Counter(spark_rows) - Counter(duck_rows)
    if not only_duck and not only_spark:
        return ""
    lines = [f"{sum(only_duck.values())} rows only in DuckDB, {sum(only_spark.values())} only in Spark"]
    spark_by_key = {tuple(row[i] for i in key_at): row for row in only_spark}
    for row in list(only_duck)[:5]:
        lines.append(f"  DuckDB {row}\n  Spark  {spark_by_key.get(tuple(row[i] for i in key_at))}")
    lines += [f"  Spark only {row}" for row in list(only_spark)[:5]]
    return "\n".join(lines)


@pytest.mark.parametrize("case", list(CASES))
def test_spark_tables_equal_duckdb(outcome, case):
    result = outcome(case)
    assert result.duck["fct_responses"], "the case must have judged posts to compare"
    for table in TABLES:
        assert result.spark_columns[table] == result.columns[table], table
        names = [name for name, _ in result.columns[table]]
        found = differences(result.duck[table], result.spark[table], [names.index(k) for k in KEYS[table]])
        assert not found, f"{case} {table}: {found}"


def test_no_posts_no_rows(spark):
    """An empty store: no calendar, no rows, and still the tables' columns."""
    con = db.connect(":memory:")
    try:
        facts = spark.createDataFrame(con.sql("SELECT * FROM fct_posts").to_arrow_table())
        posts = spark.createDataFrame(con.sql("SELECT * FROM posts").to_arrow_table())
        frames = compute_responses(spark, facts, posts, Settings())
        for table, frame in zip(TABLES, frames):
            names = [row[0] for row in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
            assert frame.columns == names and frame.count() == 0, table
    finally:
        con.close()


# --- answers known by construction (generated cases) -------------------------------------------------------

GENERATED = ["warsaw_overlap", "new_york_gap", "kolkata_midnight"]


@pytest.mark.parametrize("case", GENERATED)
def test_ties_follow_the_rule(outcome, case):
    result = outcome(case)
    responses = {post_id: row for (_, post_id), row in result.rows("fct_responses").items()}
    assert (responses["tie"]["first_reply_id"], responses["tie"]["response_minutes"]) == ("r10", 5.0)
    assert (responses["same"]["first_reply_id"], responses["same"]["response_minutes"]) == ("same-r", 7.0)
    thread = {thread_id: row for (_, thread_id), row in result.rows("fct_threads").items()}["k1"]
    assert result.posts["k3"]["sentiment"] != result.posts["k4"]["sentiment"]
    assert thread["last_customer_sentiment"] == result.posts["k4"]["sentiment"]
    assert (thread["post_count"], thread["customer_posts"], thread["brand_posts"]) == (4, 3, 1)
    assert result.posts["n3"]["sentiment"] is None and result.posts["n1"]["sentiment"] is not None
    unscored = {thread_id: row for (_, thread_id), row in result.rows("fct_threads").items()}["n1"]
    assert unscored["last_customer_sentiment"] == result.posts["n1"]["sentiment"]


@pytest.mark.parametrize("case", GENERATED)
def test_open_posts_and_mentions(outcome, case):
    result = outcome(case)
    responses = {post_id: row for (_, post_id), row in result.rows("fct_responses").items()}
    late, fresh = responses["open-late"], responses["open-fresh"]
    assert (late["answered"], late["within_sla"], late["business_response_minutes"]) == (False, False, None)
    assert (fresh["answered"], fresh["within_sla"], fresh["response_minutes"]) == (False, None, None)
    # the mentions-only export holds no reply of the brand: its posts are not judged, their threads unknown
    assert "m1" not in responses and "m2" not in responses
    threads = {thread_id: row for (_, thread_id), row in result.rows("fct_threads").items()}
    assert threads["m1"]["answered"] is None and threads["m1"]["first_response_minutes"] is None
    coverage = [row for row in result.rows("fct_reply_coverage").values() if row["brand"] == BRAND]
    assert sorted((row["customer_posts"] > 0, row["brand_replies"] > 0) for row in coverage) == [
        (True, False),
        (True, True),
    ]


def test_holidays_weekends_and_24_hours(outcome):
    warsaw = {post_id: row for (_, post_id), row in outcome("warsaw_overlap").rows("fct_responses").items()}
    # Monday 10 minutes before closing, the holiday, Wednesday 10 minutes after opening
    assert warsaw["holiday"]["response_minutes"] == 24 * 60 + 8 * 60 + 50
    assert (warsaw["holiday"]["business_response_minutes"], warsaw["holiday"]["within_sla"]) == (20.0, True)
    kolkata = {post_id: row for (_, post_id), row in outcome("kolkata_midnight").rows("fct_responses").items()}
    # 30 minutes less a microsecond on Friday night, then 30 on Monday: 59.99999998..., rounded
    assert (kolkata["friday"]["business_response_minutes"], kolkata["friday"]["within_sla"]) == (60.0, True)
    assert kolkata["saturday"]["business_response_minutes"] == 0.0
    new_york = {post_id: row for (_, post_id), row in outcome("new_york_gap").rows("fct_responses").items()}
    # Tuesday noon, closed until Saturday, which opens at 02:30 EDT (06:30Z): 30 minutes in at 07:00Z
    assert new_york["closed"]["business_response_minutes"] == 30.0


# --- the clock's arithmetic against DuckDB's SQL, without Spark ----------------------------------------------


def test_round_is_duckdbs_not_pythons():
    rng = np.random.default_rng(18)
    halves = (rng.integers(-(10**7), 10**7, 50_000) + 0.5) / 100
    values = np.concatenate(
        [
            halves,
            np.nextafter(halves, np.inf),
            np.nextafter(halves, -np.inf),
            rng.uniform(-1e6, 1e6, 50_000),
            [0.0, 0.125, -0.125, 1.005, 2.675, 15737.994999999999, 0.005, -0.005, 1e300],
        ]
    )
    con = duckdb.connect()
    con.register("v", pa.table({"x": values}))
    expected = con.execute("SELECT round(x, 2) AS r FROM v").fetchnumpy()["r"]
    assert np.array_equal(duckdb_round(values), expected)
    assert not np.array_equal(np.round(values, 2), expected)  # why duckdb_round exists


def test_epoch_of_a_difference_is_duckdbs():
    rng = np.random.default_rng(7)
    start = rng.integers(1_500_000_000_000_000, 1_800_000_000_000_000, 50_000)
    delta = rng.integers(-(10**11), 10**12, 50_000)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    table = pa.table(
        {"a": pa.array(start, pa.timestamp("us", tz="UTC")), "b": pa.array(start + delta, pa.timestamp("us", tz="UTC"))}
    )
    con.register("t", table)
    expected = con.execute("SELECT epoch(b - a) AS e FROM t").fetchnumpy()["e"]
    assert np.array_equal(epoch_seconds(delta), expected)


CLOCK_SETTINGS = {
    "warsaw_overlap": Settings(
        business_time_zone="Europe/Warsaw",
        business_start="02:30",
        business_end="18:00",
        business_days=("mon", "tue", "wed", "thu", "fri", "sun"),
        holidays=("2026-10-27",),
    ),
    "new_york_gap": Settings(
        business_time_zone="America/New_York", business_start="02:30", business_end="10:00", business_days=("sun",)
    ),
    "kolkata_24h": Settings(business_time_zone="Asia/Kolkata", business_start="18:00", business_end="24:00"),
    "every_minute": Settings(
        business_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), business_end="24:00", business_start="00:00"
    ),
}
CLOCK_SPANS = {
    "warsaw_overlap": ("2026-10-20T00:00:00Z", "2026-11-02T00:00:00Z"),
    "new_york_gap": ("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z"),
    "kolkata_24h": ("2026-11-01T00:00:00Z", "2026-11-20T00:00:00Z"),
    "every_minute": ("2026-01-01T00:00:00Z", "2026-01-10T00:00:00Z"),
}


@pytest.mark.parametrize("case", list(CLOCK_SETTINGS))
def test_business_clock_is_duckdbs(case):
    """B(t), for random instants (to the microsecond) and the calendar's own openings and closings, equals
    ``_business_clock`` after its ASOF join on the calendar ``build_calendar`` builds; and the clock's columns
    for pairs of them are the SQL's rounding and SLA rules applied to DuckDB's B."""
    settings = CLOCK_SETTINGS[case]
    first_at, last_at = (_at(text) for text in CLOCK_SPANS[case])
    first, last = (int(moment.timestamp()) * 1_000_000 for moment in (first_at, last_at))
    calendar = business_calendar(first, last, settings)
    assert len(calendar.open_us) > 5
    rng = np.random.default_rng(3)
    instants = np.concatenate(
        [
            rng.integers(first - 3 * 86_400_000_000, last + 40 * 86_400_000_000, 20_000),
            calendar.open_us,
            calendar.open_us - 1,
            calendar.open_us + (calendar.open_minutes * 60_000_000).astype(np.int64),
        ]
    )
    con = db.connect(":memory:")
    try:
        con.execute("INSERT INTO fct_posts (created_at) VALUES (?), (?)", [first_at, last_at])
        build_calendar(con, settings)
        at = pa.array(instants, pa.timestamp("us", "UTC"))
        con.register("t", pa.table({"n": np.arange(len(instants)), "at": at}))
        expected = con.execute(
            f"SELECT {_business_clock('t.at')} AS b FROM t ASOF LEFT JOIN tmp_business_days c ON t.at >= c.open_at "
            "ORDER BY t.n"
        ).fetchnumpy()["b"]
        assert np.array_equal(business_minutes(calendar, instants), expected)

        half = len(instants) // 2
        first_half, second_half = slice(0, half), slice(half, 2 * half)
        created = np.minimum(instants[first_half], instants[second_half])
        end = np.maximum(instants[first_half], instants[second_half])
        business = np.abs(expected[second_half] - expected[first_half])  # B never decreases
        answered = rng.random(half) < 0.5
        con.register("d", pa.table({"b": business, "e": epoch_seconds(end - created)}))
        rounded, minutes = con.execute("SELECT round(b, 2), round(e / 60, 2) FROM d").fetchnumpy().values()
    finally:
        con.close()
    clock = clock_responses(calendar, 60, created, end, answered)
    assert np.array_equal(clock["business_response_minutes"][answered], rounded[answered])
    assert np.array_equal(clock["response_minutes"][answered], minutes[answered])
    assert (
        clock["business_response_minutes"][~answered].isna().all() and clock["response_minutes"][~answered].isna().all()
    )
    within = clock["within_sla"]
    assert (within[answered] == (rounded[answered] <= 60)).all()
    assert within[~answered & (business > 60)].eq(False).all()
    assert within[~answered & ~(business > 60)].isna().all()
    assert within[~answered].isna().any() and within[~answered].eq(False).any()
