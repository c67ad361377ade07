"""Spark facts (pipeline/spark/facts.py): language and sentiment with the adapters, threads, brand attribution and
the public posts view hold the rows the DuckDB path stores, from the same staged posts.

The reference is a database built by the real `radar ingest` (staging, scoring, adapters, facts, analytics); its
stg_posts, brand_aliases and imports are handed to the Spark functions, and the results are compared with its
enr_posts (after the adapters), fct_posts and posts as multisets of rows (timestamps as UTC microseconds, floats
exactly). Generated cases also check known answers: cycles, a chain of 1,000 replies, timestamp ties, Hootsuite
conversations, accented brand names and @mentions next to punctuation, emoji, Polish and Spanish text."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.core import db
from pipeline.enrich.lang import detect_languages
from pipeline.spark import facts as spark_facts
from pipeline.spark.stage import table_schema
from tests.conftest import DEMO_DIR, ROOT, shared_file

pytestmark = pytest.mark.spark

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- the reference and the comparison ---------------------------------------------------------------------------


def reference_database(tmp_path: Path, files: list[Path], brands: tuple[str, ...] = ()) -> Path:
    """A database built from ``files`` by `radar ingest` (facts and analytics included)."""
    path = tmp_path / "reference.duckdb"
    brand_args = [arg for brand in brands for arg in ("--brand", brand)]
    assert main(["ingest", *map(str, files), "--db", str(path), *brand_args]) == 0
    return path


def _plain(value):
    """A value as compared: a timestamp as UTC microseconds, anything else as it is."""
    return (value - EPOCH) // timedelta(microseconds=1) if isinstance(value, datetime) else value


def _rows(table) -> Counter:
    return Counter(tuple(_plain(value) for value in row.values()) for row in table.to_pylist())


def differences(frame, con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """What the Spark ``frame`` and the DuckDB query hold that the other has not (rows as multisets), or ''."""
    ours, theirs = frame.toArrow(), con.sql(sql).to_arrow_table()
    assert ours.column_names == theirs.column_names
    ours_rows, their_rows = _rows(ours), _rows(theirs)
    only_spark, only_duckdb = ours_rows - their_rows, their_rows - ours_rows
    if not only_spark and not only_duckdb:
        return ""
    return (
        f"{sum(only_spark.values())} rows only from Spark, e.g. {sorted(only_spark, key=str)[:3]}; "
        f"{sum(only_duckdb.values())} only from DuckDB, e.g. {sorted(only_duckdb, key=str)[:3]}"
    )


def run_on_spark(spark, path: Path) -> tuple[dict, duckdb.DuckDBPyConnection]:
    """The Spark stages over the reference's staged tables; the frames and a connection to the reference."""
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")

    def frame(table: str):
        return spark.createDataFrame(con.sql(f"SELECT * FROM {table}").to_arrow_table(), table_schema(table))

    stg_posts, imports, brand_aliases = frame("stg_posts"), frame("imports"), frame("brand_aliases")
    scored = spark_facts.score_posts(spark, stg_posts, imports).localCheckpoint()
    facts = spark_facts.build_facts(spark, stg_posts, brand_aliases, scored).localCheckpoint()
    posts = spark_facts.public_posts(facts, imports).localCheckpoint()
    return {"scored": scored, "facts": facts, "posts": posts}, con


def assert_same_as_duckdb(frames: dict, con: duckdb.DuckDBPyConnection) -> None:
    for name, table in (("scored", "enr_posts"), ("facts", "fct_posts"), ("posts", "posts")):
        assert [(f.name, f.dataType) for f in frames[name].schema] == [
            (f.name, f.dataType) for f in table_schema(table)
        ], name
    assert frames["facts"].filter("facts_build <> 1").count() == 0
    found = {
        "sentiment": differences(frames["scored"], con, f"SELECT * FROM {db.EFFECTIVE_SENTIMENT}"),
        "facts": differences(frames["facts"].drop("facts_build"), con, "SELECT * EXCLUDE (facts_build) FROM fct_posts"),
        "posts": differences(frames["posts"], con, "SELECT * FROM posts"),
    }
    assert {name: found for name, found in found.items() if found} == {}


def by_post(frame, column: str) -> dict[str, object]:
    return {row["post_id"]: row[column] for row in frame.select("post_id", column).collect()}


# --- generated cases with a known answer ------------------------------------------------------------------------


def _at(minutes: float) -> str:
    return (datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


CHAIN = 1_000
RING = 200


def thread_cases(folder: Path) -> tuple[Path, dict[str, str]]:
    """Reply chains with cycles, ties and missing parents, in shuffled order; and each post's known root."""
    rows, roots = [], {}

    def post(post_id: str, minutes: float, parent: str, root: str) -> None:
        rows.append([post_id, _at(minutes), f"user_{post_id}", f"reply chain {post_id}", parent])
        roots[post_id] = root

    post("cy_a", 5, "cy_b", "cy_b")  # a -> b -> a: the earlier post is the root
    post("cy_b", 1, "cy_a", "cy_b")
    for post_id, minutes, parent in (("c3_a", 5, "c3_c"), ("c3_b", 6, "c3_a"), ("c3_c", 7, "c3_b")):
        post(post_id, minutes, parent, "c3_a")  # a 3-cycle ...
    post("c3_t1", 8, "c3_c", "c3_a")  # ... with a tail of two replies
    post("c3_t2", 9, "c3_t1", "c3_a")
    post("tl_x", 0, "tl_y", "tl_y")  # a tail (earlier than the cycle) into a 2-cycle at one instant
    post("tl_y", 60, "tl_z", "tl_y")  # a tie: the lower post id is the root
    post("tl_z", 60, "tl_y", "tl_y")
    post("x2", 120, "x10", "x10")  # "x10" < "x2": post ids compare as text
    post("x10", 120, "x2", "x10")
    post("self", 130, "self", "self")  # a post replying to itself is a root
    post("orphan_b", 140, "orphan_a", "orphan_b")  # a parent not in the data ends the chain
    post("orphan_c", 141, "orphan_b", "orphan_b")
    post("tie_root1", 150, "", "tie_root1")  # two roots and their replies at one instant
    post("tie_root2", 150, "", "tie_root2")
    post("tie_reply1", 150, "tie_root1", "tie_root1")
    post("tie_reply2", 150, "tie_root2", "tie_root2")
    for i in range(CHAIN + 1):  # a chain of 1,000 replies: about log2(1000) passes
        post(f"ch{i}", 200 + i / 60, f"ch{i - 1}" if i else "", "ch0")
    for i in range(RING):  # a long cycle: broken at its earliest post
        post(f"ring{i}", 2_000 + i, f"ring{(i - 1) % RING}", "ring0")
    random.Random(18).shuffle(rows)
    return _write(folder / "threads.csv", ["id", "date", "author", "text", "in reply to"], rows), roots


def conversation_cases(folder: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """Hootsuite Inbox conversations (a conversation id and no parent): the parent of each message is the
    previous one by time, then post id; the same conversation id on two networks is two conversations."""
    header = "Conversation ID,Message ID,Date,Direction,Author,Message,Network,Social Profile,Assignee,Status"
    rows = [
        ["cv-1", "mt-1", "2026-11-10 09:00:00", "Inbound", "pat_c", "Mój pakiet nie dotarł 😡", "Twitter"],
        ["cv-1", "mt-3", "2026-11-10 09:05:00", "Outbound", "NorthwindCare", "Przepraszamy, sprawdzamy!", "Twitter"],
        ["cv-1", "mt-2", "2026-11-10 09:05:00", "Inbound", "pat_c", "Halo? Czekam już tydzień", "Twitter"],
        ["cv-1", "mt-4", "2026-11-10 09:10:00", "Inbound", "pat_c", "Dziękuję, działa", "Twitter"],
        ["cv-2", "mf-1", "2026-11-10 10:00:00", "Inbound", "ana_r", "¿Dónde está mi pedido?", "Facebook"],
        ["cv-2", "mf-2", "2026-11-10 10:30:00", "Outbound", "NorthwindCare", "¡Hola! Ya está en camino.", "Facebook"],
        ["cv-2", "mt-9", "2026-11-10 10:01:00", "Inbound", "lee_t", "Another network, same id", "Twitter"],
    ]
    rows = [[*row, "NorthwindCare", "", "Open"] for row in rows]
    parents = {"mt-1": None, "mt-2": "mt-1", "mt-3": "mt-2", "mt-4": "mt-3", "mf-1": None, "mf-2": "mf-1", "mt-9": None}
    threads = {
        "mt-1": "mt-1",
        "mt-2": "mt-1",
        "mt-3": "mt-1",
        "mt-4": "mt-1",
        "mf-1": "mf-1",
        "mf-2": "mf-1",
        "mt-9": "mt-9",
    }
    return _write(folder / "inbox_conversations.csv", header.split(","), rows), parents, threads


BRANDS = ("@NorthwindCare", "@ContosoHelp")


def attribution_cases(folder: Path) -> tuple[list[Path], dict[str, str | None], dict[str, str]]:
    """Brand names with accents, @mentions next to punctuation, HTML entities; two brands replying first in one
    thread at the same instant; an export in which one brand replies (its inbox). Known brands and texts."""
    header = ["id", "date", "author", "text", "in reply to", "brand", "is brand", "sentiment"]
    rows = [
        ["b0", _at(0), "fan0", "hola a todos", "", "Café Niño", "", "Positive "],
        ["b1", _at(1), "fan1", "Me encanta el CAFE NIÑO de la esquina", "", "", "", "NEG"],
        ["b2", _at(2), "fan2", "¡Gracias @CaféNiño por todo!", "", "", "", "neutralny"],
        ["b3", _at(3), "fan3", "Kocham Żabka 😀", "", "", "", ""],
        ["b4", _at(4), "fan4", "zwykły dzień", "", "Żabka", "", "0"],
        ["b5", _at(5), "fan5", "😀Żabka😀 jest super", "", "", "", "bogus"],
        ["b6", _at(6), "fan6", "zakupy w żabce", "", "", "", ""],
        ["b7", _at(7), "fan7", "write to joe@northwindcare.com please", "", "", "", ""],
        ["b8", _at(8), "fan8", "(@NorthwindCare) where is my order?!", "", "", "", ""],
        ["b9", _at(9), "fan9", "@@NorthwindCare hi", "", "", "", ""],
        ["b10", _at(10), "fan10", "@Northwind-Care hi", "", "", "", ""],
        ["b11", _at(11), "fan11", "@northwind_care! where", "", "", "", ""],
        ["b12", _at(12), "fan12", "@CóntosoHelp ¿dónde está?", "", "", "", ""],
        ["b13", _at(13), "fan13", "Tom &amp; Jerry &lt;3 &amp;lt; &#39;quoted&#39; a&nbsp;b", "", "", "", ""],
        ["q1", _at(20), "fan20", "@someone my order is late", "", "", "", ""],
        ["r_b", _at(25), "NorthwindCare", "Sorry! DM us", "q1", "", "true", ""],
        ["r_a", _at(25), "ContosoHelp", "We can help too", "q1", "", "true", ""],
        ["q2", _at(30), "fan20", "thanks both", "r_b", "", "", ""],
    ]
    inbox = [
        ["i1", _at(40), "fan40", "my parcel?", "", "", "", ""],
        ["i2", _at(45), "NorthwindCare", "On its way", "i1", "", "true", ""],
        ["i3", _at(50), "fan41", "hello there", "", "", "", ""],
    ]
    brands = {
        "b1": "Café Niño",  # the brand's name as a whole word, case and accents aside
        "b2": "Café Niño",  # an @mention whose key is the name's key
        "b3": "Żabka",
        "b5": "Żabka",  # emoji are not letters: "Żabka" is a whole word between them
        "b6": None,  # an inflected form is another word
        "b7": None,  # an e-mail address is not a mention (and two brands reply in this export)
        "b8": "northwindcare",
        "b9": "northwindcare",
        "b10": None,  # "@Northwind" is the mention: no brand has that key
        "b11": "northwindcare",
        "b12": "contosohelp",
        "q1": "contosohelp",  # the thread's first brand post: a tie at 09:25, "r_a" < "r_b"
        "q2": "contosohelp",
        "i3": "northwindcare",  # the one brand that replies in its export
    }
    texts = {"b13": "Tom & Jerry <3 &lt; 'quoted' a b"}  # &amp; last: "&amp;lt;" stays "&lt;"
    return (
        [_write(folder / "brands.csv", header, rows), _write(folder / "inbox.csv", header, inbox)],
        brands,
        texts,
    )


def test_samples_and_generated_cases_match_duckdb(spark, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    threads_file, roots = thread_cases(folder)
    conversations_file, parents, conversation_threads = conversation_cases(folder)
    brand_files, brands, texts = attribution_cases(folder)
    samples = sorted((ROOT / "tests" / "samples").glob("*.csv"))
    path = reference_database(tmp_path, [*samples, threads_file, conversations_file, *brand_files], BRANDS)
    frames, con = run_on_spark(spark, path)
    assert_same_as_duckdb(frames, con)

    facts = frames["facts"]
    thread_of = by_post(facts, "thread_id")
    assert {post_id: thread_of[post_id] for post_id in roots} == roots
    assert {post_id: thread_of[post_id] for post_id in conversation_threads} == conversation_threads
    parent_of = by_post(facts, "parent_id")
    assert {post_id: parent_of[post_id] for post_id in parents} == parents
    brand_of = by_post(facts, "brand")
    assert {post_id: brand_of[post_id] for post_id in brands} == brands
    text_of = by_post(facts, "text")
    assert {post_id: text_of[post_id] for post_id in texts} == texts


# --- the demo and real data ---------------------------------------------------------------------------------------


def test_demo_exports_match_duckdb(spark, tmp_path):
    # imported at once, as the Spark path builds: `radar demo` replays them slice by slice, and its adapters
    # were retrained on the way (another version, other labels)
    frames, con = run_on_spark(spark, reference_database(tmp_path, sorted(DEMO_DIR.glob("*.csv"))))
    assert_same_as_duckdb(frames, con)
    methods = {row[0] for row in frames["scored"].select("sentiment_method").distinct().collect()}
    assert {"adapter-en-1", "adapter-es-1"} <= methods  # the demo's labelled exports train two adapters


def _slice_csv(source: Path, target: Path, rows: int) -> Path:
    with source.open(encoding="utf-8", newline="") as handle, target.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(handle), csv.writer(out)
        for index, row in enumerate(reader):
            if index > rows:
                break
            writer.writerow(row)
    return target


def test_real_data_slices_match_duckdb(spark, tmp_path):
    """Airline tweets with people's labels (the English adapter), TWCS reply chains, Spanish tweets with labels
    (TASS: P / N / NEU) and Polish tweets, a few thousand rows of each."""
    folder = tmp_path / "exports"
    folder.mkdir()
    airline = _slice_csv(shared_file("airline_sentiment/Tweets.csv"), folder / "airline.csv", 2_000)
    twcs = _slice_csv(shared_file("twcs_sample/twcs_head.csv"), folder / "twcs.csv", 3_000)
    tass = shared_file("es_tass2020/train_es.tsv").read_text(encoding="utf-8").splitlines()[:500]
    spanish = _write(
        folder / "tass.csv",
        ["id", "date", "author", "text", "sentiment"],
        [[f"es{i}", _at(i), f"autor{i % 50}", *line.split("\t")[1:3]] for i, line in enumerate(tass)],
    )
    wust = json.loads(shared_file("pl_wust_emotions/wust_2k20_twitter_emotion_annotations.json").read_text())[:400]
    polish = _write(
        folder / "wust.csv",
        ["id", "date", "author", "text"],
        [[f"pl{i}", _at(i), f"autor{i % 40}", row["tweet"]] for i, row in enumerate(wust)],
    )
    path = reference_database(tmp_path, [airline, twcs, spanish, polish])
    frames, con = run_on_spark(spark, path)
    assert_same_as_duckdb(frames, con)
    methods = {row[0] for row in frames["scored"].select("sentiment_method").distinct().collect()}
    assert {"adapter-en-1", "adapter-es-1"} <= methods  # both labelled sets train an adapter that is used
    # short posts read in their export's usual language: their language is not their own text's guess
    unlabelled = con.sql(
        f"SELECT s.text, e.lang FROM stg_posts s JOIN {db.EFFECTIVE_SENTIMENT} e USING (platform, post_id) "
        "WHERE s.lang IS NULL"
    ).fetchall()
    guesses = detect_languages([text for text, _ in unlabelled])
    assert sum(guess != lang for guess, (_, lang) in zip(guesses, unlabelled)) > 10
    longest = frames["facts"].groupBy("thread_id").count().agg({"count": "max"}).collect()[0][0]
    assert longest >= 5  # TWCS has long reply chains
