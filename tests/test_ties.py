"""Ties: where posts share an instant, every pick is made by (created_at, post_id), whatever the order of the file.

A "first" pick (the first brand reply, the brand that posted first in a thread, the first post that made a
playbook move, the first statement) takes the smallest (created_at, post_id); a "last" pick (the last
customer post's sentiment) takes the largest. Post ids are text, so "b10" < "b2". Each case imports the same
rows in several orders and expects the same, known answer from every one of them, through the whole recompute
and through the incremental update after a second export.
"""

from __future__ import annotations

import csv
import io
import random

import pytest
from conftest import ingest_one

from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.metrics.crises import _MOVES_IN_CONTEXT, STATEMENTS_IN_CONTEXT

HEADER = ("id", "date", "author", "text", "parent")
BRANDS = ["acmehelp", "betahelp"]
# Each thread has posts at one instant that tie; the comments say which one the rule picks.
ROWS = [
    # first brand reply: three replies in the same second, the smallest post id is the first
    ("a1", "2026-11-04T10:00:00Z", "ana", "@acmehelp my order is late", ""),
    ("a2", "2026-11-04T10:05:00Z", "acmehelp", "checking now", "a1"),
    ("a7", "2026-11-04T10:05:00Z", "acmehelp", "one moment please", "a1"),
    ("a10", "2026-11-04T10:05:00Z", "acmehelp", "we are on it", "a1"),
    # thread brand: two brands answer at once; the customer named neither, so the thread's brand decides
    ("t1", "2026-11-04T11:00:00Z", "kim", "is anyone there", ""),
    ("t2", "2026-11-04T11:05:00Z", "betahelp", "hello Kim", "t1"),
    ("t3", "2026-11-04T11:05:00Z", "betahelp", "how can we help", "t1"),
    ("t10", "2026-11-04T11:05:00Z", "acmehelp", "hi Kim", "t1"),
    # last customer sentiment: two customer posts in the same second, the larger post id ("s2") is the last
    ("s1", "2026-11-04T12:00:00Z", "lea", "@acmehelp question about my kettle", ""),
    ("s2", "2026-11-04T12:30:00Z", "lea", "I love it, great kettle, thank you so much!", "s1"),
    ("s10", "2026-11-04T12:30:00Z", "max", "terrible, awful, the worst kettle ever", "s1"),
    # first move and first statement: two public statements that explain, in the same second
    ("m2", "2026-11-04T13:00:00Z", "acmehelp", "We are investigating the outage, updates soon.", ""),
    ("m10", "2026-11-04T13:00:00Z", "acmehelp", "We are aware of the outage and investigating.", ""),
]
ORDERS = [0, 1, 2, 3]  # 0: as written, 1: reversed, then two seeded shuffles


def _ordered(rows: list[tuple], order: int) -> list[tuple]:
    if order == 0:
        return list(rows)
    if order == 1:
        return list(reversed(rows))
    shuffled = list(rows)
    random.Random(order).shuffle(shuffled)
    return shuffled


def _csv(rows: list[tuple]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue()


@pytest.fixture(params=ORDERS, ids=lambda order: f"order{order}")
def tied_db(request, con, write_csv):
    ingest_one(con, write_csv("ties.csv", _csv(_ordered(ROWS, request.param))), brands=BRANDS)
    update_analytics(con)
    return con


def _brand_of(con, author: str) -> str:
    return db.scalar(con, "SELECT DISTINCT brand FROM posts WHERE author_id = ?", [author])


def test_the_first_brand_reply_at_a_tied_instant_is_the_smallest_post_id(tied_db):
    assert db.one_row(tied_db, "SELECT first_reply_id, response_minutes FROM responses WHERE post_id = 'a1'") == (
        "a10",
        5.0,
    )


def test_the_brand_that_posted_first_in_a_thread_at_a_tied_instant_is_the_smallest_post_id(tied_db):
    acme, beta = _brand_of(tied_db, "acmehelp"), _brand_of(tied_db, "betahelp")
    assert acme != beta
    assert db.scalar(tied_db, "SELECT brand FROM posts WHERE post_id = 't1'") == acme
    assert db.scalar(tied_db, "SELECT brand FROM threads WHERE thread_id = 't1'") == acme


def test_the_last_customer_sentiment_at_a_tied_instant_is_the_largest_post_id(tied_db):
    sentiment = dict(tied_db.execute("SELECT post_id, sentiment FROM posts WHERE post_id IN ('s2', 's10')").fetchall())
    assert sentiment["s2"] > 0 > sentiment["s10"]  # the two candidates differ, so the pick shows
    assert db.scalar(tied_db, "SELECT last_customer_sentiment FROM threads WHERE thread_id = 's1'") == sentiment["s2"]


def test_the_first_post_of_a_move_and_the_first_statement_are_the_smallest_post_id(tied_db):
    params = {"brand": _brand_of(tied_db, "acmehelp"), "started": "2026-11-04T12:45:00Z", "recovered": None}
    moves = tied_db.execute(_MOVES_IN_CONTEXT, {**params, "horizon": None}).fetchall()
    assert [(move, post_id) for move, _at, _replies, post_id, _platform in moves] == [("explain", "m10")]
    statements = tied_db.execute(STATEMENTS_IN_CONTEXT, {**params, "horizon": None}).fetchall()
    assert [post_id for _at, _platform, post_id in statements] == ["m10", "m2"]


# The incremental path: a first export big enough that the second one (the tied posts) is threaded alone.
FILLER = [
    (f"f{n}", f"2026-11-03T{8 + n // 6:02d}:{n % 6 * 10:02d}:00Z", f"fan{n}", f"@acmehelp hello number {n}", "")
    for n in range(60)
]
LATE = [row for row in ROWS if row[0] in ("a7", "t2", "s10", "m10")]  # one of each tie comes in the later export


@pytest.mark.parametrize("order", ORDERS, ids=lambda order: f"order{order}")
def test_an_incremental_update_picks_what_the_whole_recompute_picks(con, write_csv, order):
    first = [row for row in ROWS if row not in LATE] + FILLER
    ingest_one(con, write_csv("first.csv", _csv(_ordered(first, order))), brands=BRANDS)
    update_analytics(con)
    build = int(db.get_meta(con, "facts_build"))
    ingest_one(con, write_csv("second.csv", _csv(_ordered(LATE, order))))
    update_analytics(con)
    # the filler was not rebuilt: the second export went through the incremental path
    assert db.scalar(con, "SELECT max(facts_build) FROM fct_posts WHERE post_id LIKE 'f%'") == build
    acme = _brand_of(con, "acmehelp")
    assert db.scalar(con, "SELECT first_reply_id FROM responses WHERE post_id = 'a1'") == "a10"
    assert db.scalar(con, "SELECT brand FROM threads WHERE thread_id = 't1'") == acme
    s2 = db.scalar(con, "SELECT sentiment FROM posts WHERE post_id = 's2'")
    assert db.scalar(con, "SELECT last_customer_sentiment FROM threads WHERE thread_id = 's1'") == s2
