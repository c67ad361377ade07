"""Crises on Spark (pipeline/spark/crises.py) equal the DuckDB path's: crises, phases and moves, row for row.

The reference is a database built by the real CLI; its tables the crises read go into Spark, and the three
crisis tables Spark computes are compared with the stored ones as multisets (crises by crisis_id, every column
including arrays and messages; timestamps as UTC microseconds; numbers exactly). Cases: the demo, a slice of
the real airline and customer-support exports, and a generated store whose crises are known by construction.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import shared_file

from pipeline.cli import main
from pipeline.core import db
from pipeline.core.settings import Settings, load_settings
from pipeline.metrics.crises import compute_crises as duckdb_compute_crises
from pipeline.spark.crises import INPUTS, OUTPUTS, compute_crises

pytestmark = pytest.mark.spark

# DuckDB's type of each column -> the Spark type it must have (written out here, not derived by the code tested)
SPARK_TYPES = {
    "VARCHAR": "string",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "VARCHAR[]": "array<string>",
}


def plain_rows(table: pa.Table) -> list[tuple]:
    """Rows as tuples of plain values: timestamps as UTC microseconds since 1970, lists as tuples."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        columns.append(column.to_pylist())
    return [tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in zip(*columns)]


def stored(con, table: str) -> pa.Table:
    return con.sql(f"SELECT * FROM {table}").to_arrow_table()


def run_on_spark(spark, con, settings: Settings | None = None) -> dict[str, pa.Table]:
    """The crisis tables Spark computes from the database's own input tables."""
    tables = {table: spark.createDataFrame(stored(con, table)) for table in INPUTS}
    frames = compute_crises(spark, tables, settings or load_settings(con))
    for table, frame in zip(OUTPUTS, frames):
        expected = [(name, SPARK_TYPES[kind]) for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
        assert [(f.name, f.dataType.simpleString()) for f in frame.schema.fields] == expected, table
    return {table: frame.toArrow() for table, frame in zip(OUTPUTS, frames)}


def assert_same_crises(con, found: dict[str, pa.Table]) -> None:
    """The Spark tables hold exactly the database's rows (crises by id; phases and moves as multisets)."""
    crises = {row[0]: row for row in plain_rows(found["fct_crises"])}
    reference = {row[0]: row for row in plain_rows(stored(con, "fct_crises"))}
    assert len(crises) == found["fct_crises"].num_rows  # one row per crisis id
    assert crises.keys() == reference.keys()
    for crisis_id, row in reference.items():
        assert crises[crisis_id] == row, crisis_id
    for table in ("fct_crisis_phases", "fct_crisis_moves"):
        assert Counter(plain_rows(found[table])) == Counter(plain_rows(stored(con, table))), table


def micros(when: datetime) -> int:
    return (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


# ---- the demo -------------------------------------------------------------------------------------------------


def test_the_demo_crises_phases_and_moves_equal_duckdbs(spark, demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        found = run_on_spark(spark, con)
        assert_same_crises(con, found)
        # several brands' data, crises with phases and playbook moves: the comparison covers every table
        assert found["fct_crises"].num_rows >= 2 and found["fct_crisis_moves"].num_rows >= 5
        assert len(set(found["fct_crisis_phases"].column("crisis_id").to_pylist())) == found["fct_crises"].num_rows
    finally:
        con.close()


# ---- real exports: airlines over a week (no replies) and customer-support threads (replies, long holes) ---------

AIRLINES = {"American", "US Airways", "Southwest"}
TWCS_LINES = 2500


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    airline, twcs = shared_file("airline_sentiment/Tweets.csv"), shared_file("twcs_sample/twcs_head.csv")
    folder = tmp_path_factory.mktemp("real-crises")
    with (
        airline.open(newline="", encoding="utf-8") as source,
        (folder / "airlines.csv").open("w", newline="", encoding="utf-8") as target,
    ):
        reader, writer = csv.reader(source), csv.writer(target)
        header = next(reader)
        writer.writerow(header)
        writer.writerows(row for row in reader if row[header.index("airline")] in AIRLINES)
    # the first lines as they are (a slice keeps the file's bytes, its quirks included)
    lines = twcs.read_bytes().split(b"\n")
    (folder / "twcs.csv").write_bytes(b"\n".join(lines[:TWCS_LINES]) + b"\n")
    path = folder / "real.duckdb"
    assert main(["ingest", str(folder / "airlines.csv"), str(folder / "twcs.csv"), "--db", str(path)]) == 0
    return path


def test_real_airline_and_support_crises_equal_duckdbs(spark, real_db):
    con = db.connect(real_db, read_only=True)
    try:
        found = run_on_spark(spark, con)
        assert_same_crises(con, found)
        crises = found["fct_crises"].to_pylist()
        brands = {crisis["brand"] for crisis in crises}
        assert len(brands) >= 3
        # the airline file ends in the middle of its crises, then years of holes until the support threads:
        # open crises whose data ends at the airline file's newest post, and crises with the brand's replies
        assert any(crisis["is_open"] for crisis in crises)
        assert any(crisis["replies_in_data"] for crisis in crises) and found["fct_crisis_moves"].num_rows > 0
    finally:
        con.close()


# ---- generated: crises known by construction -------------------------------------------------------------------

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; three quiet days teach the detector the daily rhythm
DAYS = 8
QUIET = ("acme", "bolt", "cobra", "dyna", "eon")
BURST_AT = START + timedelta(days=5, hours=10)  # acme and dyna: two brands' crises start in the same hour
MILD_AT = START + timedelta(days=6, hours=3)  # bolt: a crisis for the normal sensitivity, not for the low one
NONE_AT = START + timedelta(days=6, hours=15)  # posts that name no brand: the '(none)' series
OPEN_AT = START + timedelta(days=DAYS, hours=-6)  # cobra: still rising when the data ends
NEWEST = START + timedelta(days=DAYS, microseconds=-250)  # the store's newest post: eon's, after cobra's last


def generated_rows() -> list[dict]:
    """A week of quiet hours for five brands and for posts naming none, then the bursts above. Labels come
    from the export (its sentiment column), so which posts are negative is known."""
    rows: list[dict] = []

    def add(when: datetime, author: str, text: str, brand: str = "", sentiment: str = "", parent: str = "") -> str:
        post_id = f"p{len(rows) + 1:05d}"
        rows.append({"id": post_id, "date": when.isoformat().replace("+00:00", "Z"), "author": author, "text": text,
                     "parent": parent, "brand": brand, "sentiment": sentiment, "likes": len(rows) % 7})  # fmt: skip
        return post_id

    for hour in range(DAYS * 24):
        at = START + timedelta(hours=hour)
        for b, brand in enumerate(QUIET):
            for k in range(3 + (hour + b) % 2):
                negative = (hour + k + b) % 4 == 0
                add(at + timedelta(minutes=7 * k + b, microseconds=17 * k + 3), f"fan{(hour + k) % 40}",
                    f"@{brand} {'the kettle broke again' if negative else 'lovely kettle'}", brand,
                    "negative" if negative else "positive")  # fmt: skip
        for k in range(2):
            add(at + timedelta(minutes=20 + 9 * k), f"walker{k}", "the bus was late" if k else "a walk in the park",
                "", "negative" if (hour + k) % 4 == 0 else "neutral")  # fmt: skip
    for k in range(3):  # a second brand that replies: posts naming no brand are nobody's, not acme's
        asked = add(START + timedelta(days=1, hours=9 + k), "fan3", "@dyna where is my order", "dyna", "neutral")
        add(START + timedelta(days=1, hours=9 + k, minutes=12), "dyna", "@fan3 it ships today", "dyna", "neutral",
            parent=asked)  # fmt: skip

    def burst(brand: str, first: datetime, hours: int, per_hour: int, reply: bool = False) -> None:
        for h in range(hours):
            for k in range(per_hour):
                when = first + timedelta(hours=h, minutes=(k * 53) % 60, seconds=k, microseconds=1000 * k + 1)
                complaint = add(when, f"angry{k}", f"@{brand} #kettlefail the lid melted, refund now", brand,
                                "negative")  # fmt: skip
                if reply and k % 5 == 0:
                    add(when + timedelta(minutes=31, microseconds=5), brand,
                        f"@angry{k} We're sorry, we're investigating the cause and will send a refund", brand,
                        "neutral", parent=complaint)  # fmt: skip

    burst("bolt", MILD_AT, 3, 5)
    burst("acme", BURST_AT, 6, 30, reply=True)
    burst("dyna", BURST_AT, 5, 25)
    burst("cobra", OPEN_AT, 6, 28)
    for h in range(5):
        for k in range(25):
            add(NONE_AT + timedelta(hours=h, minutes=2 * k), f"commuter{k}", "the trains are stuck again, awful", "",
                "negative")  # fmt: skip
    add(NEWEST, "fan1", "@eon lovely kettle", "eon", "positive")
    return rows


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated-crises")
    rows = generated_rows()
    with (folder / "bursts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    path = folder / "generated.duckdb"
    brands = [option for brand in QUIET for option in ("--brand", brand)]
    assert main(["ingest", str(folder / "bursts.csv"), *brands, "--db", str(path)]) == 0
    return path


def hour_id(brand: str, when: datetime) -> str:
    return f"{brand}:{when:%Y%m%dT%H}"


def test_generated_crises_are_found_where_they_were_made_and_equal_duckdbs(spark, generated_db):
    con = db.connect(generated_db, read_only=True)
    try:
        found = run_on_spark(spark, con)
        assert_same_crises(con, found)
    finally:
        con.close()
    crises = {crisis["crisis_id"]: crisis for crisis in found["fct_crises"].to_pylist()}
    assert set(crises) == {
        hour_id("acme", BURST_AT),
        hour_id("dyna", BURST_AT),  # the same hour as acme's: two brands, two crises
        hour_id("bolt", MILD_AT),
        hour_id("(none)", NONE_AT),
        hour_id("cobra", OPEN_AT),
    }  # and none for eon, quiet all along
    acme, cobra = crises[hour_id("acme", BURST_AT)], crises[hour_id("cobra", OPEN_AT)]
    assert not acme["is_open"] and acme["back_to_baseline_at"] is not None
    assert acme["moves_used"] == ["apologise", "explain", "make_amends"] and acme["replies_in_data"]
    # open at the end of the data: no end, no recovery; its data ends at the store's newest post, eon's, which
    # only the store-wide newest-post rows bring to cobra's database
    assert cobra["is_open"] and cobra["ended_at"] is None and cobra["back_to_baseline_at"] is None
    assert micros(cobra["data_end_at"]) == micros(NEWEST)
    phases = [row for row in found["fct_crisis_phases"].to_pylist() if row["crisis_id"] == cobra["crisis_id"]]
    assert not {"resolved", "aftermath"} & {row["phase"] for row in phases}
    assert max(row["ended_at"] for row in phases) == START + timedelta(days=DAYS)  # nothing after the data
    moves = found["fct_crisis_moves"].to_pylist()
    assert {row["crisis_id"] for row in moves} == {acme["crisis_id"]}
    # microseconds survive the round trip: acme's first reply came 31 min and 5 µs after a complaint
    assert min(row["first_at"] for row in moves).microsecond % 1000 == 6


def test_the_sensitivity_reaches_the_detector_on_every_brand(spark, generated_db, tmp_path):
    low = Settings(sensitivity="low")
    copy = tmp_path / "low.duckdb"
    shutil.copy(generated_db, copy)
    con = db.connect(copy)
    try:
        duckdb_compute_crises(con, low)  # the reference: Radar's own code with the low sensitivity
        found = run_on_spark(spark, con, low)
        assert_same_crises(con, found)
    finally:
        con.close()
    ids = set(found["fct_crises"].column("crisis_id").to_pylist())
    assert hour_id("acme", BURST_AT) in ids and hour_id("bolt", MILD_AT) not in ids  # bolt's is mild


def test_inputs_must_be_named_as_radar_names_them(spark):
    with pytest.raises(KeyError, match="fct_reply_moves"):
        compute_crises(spark, {}, Settings())


def test_a_store_without_posts_has_no_crises_in_the_right_shape(spark, tmp_path):
    con = db.connect(tmp_path / "empty.duckdb")
    try:
        found = run_on_spark(spark, con)  # the columns and types are checked there
        assert_same_crises(con, found)
        assert all(table.num_rows == 0 for table in found.values())
    finally:
        con.close()


def test_a_session_time_zone_off_the_hour_changes_nothing(spark, generated_db):
    """Hours are UTC hours whatever the session's time zone (India is 5 h 30 min from UTC)."""
    spark.conf.set("spark.sql.session.timeZone", "Asia/Kolkata")
    con = db.connect(generated_db, read_only=True)
    try:
        found = run_on_spark(spark, con)
        assert_same_crises(con, found)
    finally:
        con.close()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    cobra = [crisis for crisis in found["fct_crises"].to_pylist() if crisis["brand"] == "cobra"]
    assert [micros(crisis["data_end_at"]) for crisis in cobra] == [micros(NEWEST)]
