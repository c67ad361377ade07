"""Spark metrics (pipeline/spark/metrics.py): the hourly series, the playbook's reply moves and the themes that
Spark computes from the facts equal the ones DuckDB's whole recompute stores, row for row, on the demo
exports, the sample exports, slices of the real exports in ../shared and a generated store whose answer is
known (gaps, two exports of one brand, posts without a brand, brands whose data ends apart, reply moves,
posts on the first and the last microsecond of an hour)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipeline.cli import main
from pipeline.core import db
from pipeline.metrics.themes import load_themes, save_themes
from tests.conftest import DEMO_DIR, ROOT, shared_file

pytestmark = pytest.mark.spark

SPARK_TYPES = {"VARCHAR": "string", "TIMESTAMP WITH TIME ZONE": "timestamp", "BIGINT": "bigint", "DOUBLE": "double"}
SPARK_TYPES["BOOLEAN"] = "boolean"


# --- helpers: DuckDB in, Spark out, rows compared as multisets ------------------------------------------------


def build_store(path: Path, files: list[Path], *options: str) -> Path:
    """A database made by the real `radar ingest` (a fresh store: every metric is a whole recompute)."""
    assert main(["ingest", *map(str, files), "--db", str(path), *options]) == 0
    return path


def spark_inputs(spark, con):
    """fct_posts and the posts view as Spark DataFrames (through Arrow: UTC timestamps stay instants)."""
    return tuple(
        spark.createDataFrame(con.sql(f"SELECT * FROM {name}").to_arrow_table()) for name in ("fct_posts", "posts")
    )


def as_rows(table: pa.Table) -> Counter:
    """A table as a multiset of rows, timestamps as UTC microseconds."""
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.int64())
        columns.append(column.to_pylist())
    return Counter(zip(*columns))


def duck_table(con, table: str) -> pa.Table:
    return con.sql(f"SELECT * FROM {table}").to_arrow_table()


def assert_same_rows(con, table: str, frame, *, empty_ok: bool = False) -> pa.Table:
    """The Spark frame has the DuckDB table's columns (names, order, types) and the same rows, as a multiset;
    returns Spark's rows."""
    described = con.execute(f"DESCRIBE {table}").fetchall()
    assert [(field.name, field.dataType.simpleString()) for field in frame.schema.fields] == [
        (name, SPARK_TYPES[kind]) for name, kind, *_ in described
    ]
    rows = frame.toArrow()
    expected, got = as_rows(duck_table(con, table)), as_rows(rows)
    assert empty_ok or expected, f"{table} is empty: the case tests nothing"
    only_duck, only_spark = expected - got, got - expected
    assert not only_duck and not only_spark, (
        f"{table}: only in DuckDB {sorted(only_duck.elements(), key=str)[:5]} ({sum(only_duck.values())}), "
        f"only in Spark {sorted(only_spark.elements(), key=str)[:5]} ({sum(only_spark.values())})"
    )
    return rows


def assert_store_matches(spark, path: Path) -> dict[str, pa.Table]:
    """Spark's fct_hourly, fct_reply_moves and fct_post_themes from the store's facts equal the store's own
    (its theme set, as the DuckDB path reads it); returns Spark's rows by table."""
    from pipeline.spark.metrics import compute_hourly, compute_reply_moves, tag_themes

    con = db.connect(path, read_only=True)
    try:
        facts, posts = spark_inputs(spark, con)
        return {
            "fct_hourly": assert_same_rows(con, "fct_hourly", compute_hourly(spark, facts, posts)),
            "fct_reply_moves": assert_same_rows(
                con, "fct_reply_moves", compute_reply_moves(spark, facts), empty_ok=True
            ),
            "fct_post_themes": assert_same_rows(
                con, "fct_post_themes", tag_themes(spark, facts, load_themes(con)), empty_ok=True
            ),
        }
    finally:
        con.close()


# --- the generated store: what the answer is, known before either engine runs --------------------------------

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; days 0..6 below are offsets from it
HEADER = ["id", "created at", "author", "text", "parent id", "platform", "sentiment"]


def at(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second, microseconds=micro)


def write_export(path: Path, rows: list[tuple]) -> Path:
    """A generic export: (id, time, author, text, parent id, sentiment), X platform."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for post_id, created, author, text, parent, label in rows:
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        writer.writerow([post_id, stamp, author, text, parent or "", "x", label])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


# Acme's replies: the moves each one makes (pipeline/metrics/playbook.py's rules), known by reading the rules
ACME_REPLIES = [
    ("r1", "@ann We're sorry for the wait.", ["apologise"]),
    ("r2", "@bob This was due to a courier strike; we'll keep you updated.", ["explain"]),
    ("r3", "@cat Our mistake. We will send a free replacement and a refund.", ["admit_error", "make_amends"]),
    ("r4", "@dan Lo sentimos mucho, te enviamos un reembolso.", ["apologise", "make_amends"]),
    ("r5", "@eve Przepraszamy, badamy sprawę.", ["apologise", "explain"]),
    ("r6", "@fay From now on checkout is fixed.", ["change"]),
    ("r7", "@gus Thanks for reaching out! DM us.", []),
]


def generated_exports(folder: Path) -> list[Path]:
    """Four exports over 2026-03-02 (day 0) to 03-08 (day 6):

    - acme_week1: Acme's customers and care team (@AcmeHelp) on days 0 and 1 (10:00:00 and 10:59:59.999999
      on day 0 fall in one hour); acme_week2: Acme again on day 4 only. Acme's data ends on day 4 at 15:00.
    - bolt: Bolt's customers on days 0, 1, 3, 5 and 6: Bolt's data ends on day 6 at 20:00.
    - listening: posts that name no brand (brand '(none)') on days 0 and 3.
    - day 2 has no post at all, with posts before and after it: a store-wide gap day.
    """
    acme1 = [
        ("a1", at(0, 10), "ann", "@AcmeHelp where is my parcel? I want a refund", None, "negative"),
        ("a2", at(0, 10, 59, 59, 999999), "bob", "@AcmeHelp #refund now, the app crashes", None, "negative"),
        ("a3", at(0, 11), "cat", "@AcmeHelp happy with it, thanks", None, "positive"),
        ("a4", at(0, 11, 30), "dan", "@AcmeHelp envío perdido, ZAMÓWIENIE nie dotarło", None, "neutral"),
        ("a5", at(1, 9, 15), "eve", "@AcmeHelp price match please", None, "negative"),
        ("a6", at(1, 9, 45), "fay", "@AcmeHelp far too expensive, nobody answers", None, ""),
        ("a7", at(1, 13), "gus", "@AcmeHelp checkout error again", None, "negative"),
    ]
    replies = [("r1", at(0, 10, 5)), ("r2", at(0, 11, 10)), ("r3", at(0, 12)), ("r4", at(0, 12, 30))]
    replies += [("r5", at(1, 10)), ("r6", at(1, 10, 30)), ("r7", at(1, 14))]
    parents = {"r1": "a1", "r2": "a2", "r3": "a3", "r4": "a4", "r5": "a5", "r6": "a6", "r7": "a7"}
    texts = {reply_id: text for reply_id, text, _ in ACME_REPLIES}
    acme1 += [(rid, when, "AcmeHelp", texts[rid], parents[rid], "") for rid, when in replies]
    acme2 = [
        ("a8", at(4, 8, 20), "hal", "@AcmeHelp still waiting for my delivery", None, "negative"),
        ("a9", at(4, 15), "ivy", "@AcmeHelp all good now", None, "positive"),
    ]
    bolt = [
        ("b1", at(0, 7), "jo", "@BoltCare the website is down", None, "negative"),
        ("b2", at(1, 22, 59, 59, 999999), "kim", "@BoltCare love the new app", None, "positive"),
        ("b3", at(3, 0), "lee", "@BoltCare my package never arrived", None, "negative"),
        ("b4", at(5, 12), "max", "@BoltCare rude staff at the counter", None, "negative"),
        ("b5", at(6, 20), "ned", "@BoltCare cheap and cheerful", None, "positive"),
    ]
    listening = [
        ("n1", at(0, 23, 59, 59, 999999), "oli", "what a day, the courier lost my package", None, "negative"),
        ("n2", at(3, 6), "pia", "lovely weather on the Straße", None, "positive"),
    ]
    return [
        write_export(folder / "acme_week1.csv", acme1),
        write_export(folder / "acme_week2.csv", acme2),
        write_export(folder / "bolt.csv", bolt),
        write_export(folder / "listening.csv", listening),
    ]


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    files = generated_exports(folder)
    return build_store(folder / "radar.duckdb", files, "--brand", "AcmeHelp", "--brand", "BoltCare")


@pytest.fixture(scope="module")
def generated(spark, generated_store) -> dict[str, pa.Table]:
    """Spark's tables for the generated store, once they are known to equal DuckDB's."""
    return assert_store_matches(spark, generated_store)


def hour_number(moment: datetime) -> int:
    """Whole hours since 1970 (UTC) of an aware datetime."""
    return int(moment.timestamp()) // 3600


# --- the cases -------------------------------------------------------------------------------------------------


def test_demo_and_sample_exports(spark, tmp_path):
    """The demo's four exports and every sample export in one store (samples run from November 2025, the demo
    from August 2026: long stretches without posts)."""
    samples = sorted((ROOT / "tests" / "samples").glob("*.csv"))
    path = build_store(tmp_path / "demo.duckdb", [*sorted(DEMO_DIR.glob("*.csv")), *samples])
    con = db.connect(path, read_only=True)
    try:
        assert db.scalar(con, "SELECT count(*) FROM imports") == 4 + len(samples)
        assert db.scalar(con, "SELECT count(*) FROM fct_hourly WHERE brand = '*' AND is_gap") > 24 * 200
    finally:
        con.close()
    assert_store_matches(spark, path)


def slice_rows(source: Path, target: Path, keep) -> Path:
    """Some of an export's records (``keep(index)``), the header and each record's bytes as they are."""
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for index, row in enumerate(reader) if keep(index)]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return target


def test_real_exports_two_years_apart(spark, tmp_path):
    """Every 8th airline tweet (labelled, US airlines, February 2015) and the first 1,500 lines of the TWCS
    sample (76 brands' care threads, October to December 2017) in one store: the '*' and '(none)' series run
    across the days between, which have no post at all (store-wide gap days)."""
    airline = slice_rows(shared_file("airline_sentiment/Tweets.csv"), tmp_path / "airline.csv", lambda i: i % 8 == 0)
    twcs_lines = shared_file("twcs_sample/twcs_head.csv").read_bytes().split(b"\n")[:1500]
    twcs = tmp_path / "twcs.csv"
    twcs.write_bytes(b"\n".join(twcs_lines) + b"\n")
    path = build_store(tmp_path / "real.duckdb", [airline, twcs])
    con = db.connect(path, read_only=True)
    gap_hours = db.scalar(con, "SELECT count(*) FROM fct_hourly WHERE brand = '*' AND is_gap")
    con.close()
    assert gap_hours > 24 * 300  # the case holds the long hole it is meant to test
    assert_store_matches(spark, path)


def test_generated_store_matches_duckdb(generated):
    assert {table: rows.num_rows > 0 for table, rows in generated.items()} == dict.fromkeys(generated, True)


def test_generated_hourly_series_is_the_known_one(generated, generated_store):
    """The series Spark computed, checked against the answer worked out from the generated exports."""
    con = db.connect(generated_store, read_only=True)
    try:
        brands = dict(con.execute("SELECT post_id, brand FROM fct_posts").fetchall())
    finally:
        con.close()
    assert (brands["a1"], brands["a8"], brands["b1"], brands["n1"]) == ("acmehelp", "acmehelp", "boltcare", None)
    series: dict[str, dict[int, tuple]] = {}
    for row in generated["fct_hourly"].to_pylist():
        values = tuple(row[name] for name in ("posts", "scored_posts", "negative_posts", "positive_posts"))
        series.setdefault(row["brand"], {})[hour_number(row["hour_at"])] = (
            *values,
            row["share_negative"],
            row["is_gap"],
        )
    acme, bolt, none, every = series["acmehelp"], series["boltcare"], series["(none)"], series["*"]
    # each series runs from the brand's first customer post to the end of its data, without a hole in the grid
    assert (min(acme), max(acme)) == (hour_number(at(0, 10)), hour_number(at(4, 15)))
    assert (min(bolt), max(bolt)) == (hour_number(at(0, 7)), hour_number(at(6, 20)))
    assert (min(none), max(none)) == (hour_number(at(0, 23)), hour_number(at(3, 6)))
    assert (min(every), max(every)) == (hour_number(at(0, 7)), hour_number(at(6, 20)))
    for hours in series.values():
        assert len(hours) == max(hours) - min(hours) + 1
    # 10:00:00.000000 and 10:59:59.999999 are one hour; 11:00 the next; brand replies are not counted
    assert acme[hour_number(at(0, 10))] == (2, 2, 2, 0, 1.0, False)
    assert acme[hour_number(at(0, 11))] == (2, 2, 0, 1, 0.0, False)
    assert acme[hour_number(at(0, 12))] == (0, 0, 0, 0, None, False)
    assert every[hour_number(at(0, 10))] == (2, 2, 2, 0, 1.0, False)
    assert bolt[hour_number(at(1, 22))] == (1, 1, 0, 1, 0.0, False)
    assert none[hour_number(at(0, 23))] == (1, 1, 1, 0, 1.0, False)
    # day 2: no post anywhere, between days with posts: a gap for every series
    for hours in series.values():
        assert all(hours[hour_number(at(2, h))][5] for h in range(24) if hour_number(at(2, h)) in hours)
    # Acme: covered on day 1 until its export's newest post (a reply at 14:00), then not until acme_week2's first
    # hour on day 4 (08:00)
    assert acme[hour_number(at(0, 23))][5] is False
    assert acme[hour_number(at(1, 14))][5] is False
    assert acme[hour_number(at(1, 15))][5] is True
    assert all(acme[hour_number(at(3, h))][5] for h in range(24))
    assert acme[hour_number(at(4, 7))][5] is True
    assert acme[hour_number(at(4, 8))][5] is False
    # Bolt: its export covers the days it has posts on (3, 5, 6), not day 4, though Acme has posts that day;
    # on day 0 it is covered from 07:00, and day 6 until its newest post
    assert all(bolt[hour_number(at(4, h))][5] for h in range(24))
    assert bolt[hour_number(at(3, 0))][5] is False and bolt[hour_number(at(5, 23))][5] is False
    assert bolt[hour_number(at(6, 20))][5] is False
    # every post: day 4 is covered (by acme_week2) only from 08:00 to 15:00
    assert every[hour_number(at(4, 7))][5] is True
    assert [every[hour_number(at(4, h))][5] for h in range(8, 16)] == [False] * 8
    assert every[hour_number(at(4, 16))][5] is True
    # '(none)': the listening export's first post (n1, day 0 at 23:59:59.999999) is on day 0 (the last microsecond
    # of a day is that day's), so the export covers day 0 from 23:00 and day 3 until its last post, and day 1
    # (none of its posts; other exports have posts that day) is a gap for '(none)'
    assert none[hour_number(at(0, 23))][5] is False
    assert [none[hour_number(at(1, h))][5] for h in range(24)] == [True] * 24
    assert none[hour_number(at(3, 0))][5] is False and none[hour_number(at(3, 6))][5] is False


def test_generated_reply_moves_are_the_known_ones(generated):
    rows = generated["fct_reply_moves"].to_pylist()
    got = Counter((row["post_id"], row["move"]) for row in rows)
    assert got == Counter((reply_id, move) for reply_id, _, moves in ACME_REPLIES for move in moves)
    r3 = next(row for row in rows if row["post_id"] == "r3")
    assert (r3["platform"], r3["brand"], r3["created_at"]) == ("x", "acmehelp", at(0, 12))


def test_generated_themes_shipped_and_custom(spark, generated, generated_store, tmp_path):
    """The shipped themes on the generated posts (accents, Polish capitals, hashtags, an excluded phrase,
    ``app`` not in ``happy``), then a saved theme set of one's own with an 'all' group, a non-ASCII keyword
    and an apostrophe in a name, then no theme at all."""
    from pipeline.spark.metrics import tag_themes

    themes_of: dict[str, set[str]] = {}
    for row in generated["fct_post_themes"].to_pylist():
        themes_of.setdefault(row["post_id"], set()).add(row["theme"])
    assert "Delivery" in themes_of["a4"]  # envío, ZAMÓWIENIE
    assert "Website and app" in themes_of["a2"] and "a3" not in themes_of  # '#refund', the app; not 'happy'
    assert "Prices" not in themes_of.get("a5", set()) and "Prices" in themes_of["a6"]  # 'price match' excluded
    assert not any(post_id.startswith("r") for post_id in themes_of)  # brand replies are not tagged

    own = [
        {"name": "Bob's refunds", "any": ["refund*"], "phrases": ["money back"], "all": [], "exclude": []},
        {"name": "Lost parcels", "any": [], "phrases": [], "all": [["courier*", "lost"]], "exclude": []},
        {"name": "Pedidos", "any": ["envío*", "zamówieni*"], "phrases": [], "all": [], "exclude": ["perdido"]},
        {"name": "Streets", "any": ["straße"], "phrases": [], "all": [], "exclude": []},
    ]
    copy = tmp_path / "themes.duckdb"
    copy.write_bytes(generated_store.read_bytes())
    con = db.connect(copy)
    try:
        save_themes(con, own)
        facts, _ = spark_inputs(spark, con)
        tags = assert_same_rows(con, "fct_post_themes", tag_themes(spark, facts, load_themes(con)))
    finally:
        con.close()
    assert sorted((row["post_id"], row["theme"]) for row in tags.to_pylist()) == [
        ("a1", "Bob's refunds"),
        ("a2", "Bob's refunds"),
        ("n1", "Lost parcels"),
        ("n2", "Streets"),
    ]
    nothing = tag_themes(spark, facts, [])
    assert nothing.columns == ["platform", "post_id", "theme", "created_at", "brand"] and nothing.isEmpty()
