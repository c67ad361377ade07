"""A weekly import brings the facts and analytics up to date for what changed; the result must be exactly
what rebuilding everything from scratch gives.

Each case imports export A, computes the analytics, imports export B (updated incrementally), and compares
every derived table with a second database that imported A and B and then rebuilt all of it.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import normalize
from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.ingest import ingest_files
from pipeline.normalize import build_posts

HEADER = ["id", "date", "user", "message", "in reply to", "conversation id"]
BRAND = "acme"
START = datetime(2026, 10, 5, 8, tzinfo=UTC)
CUSTOMER_TEXTS = (
    "my order {n} is late and nobody answers",
    "love the new kettle {n}!",
    "is the shop open today? {n}",
    "refund {n} never arrived, unacceptable",
    "the app crashed again {n}",
)
BRAND_TEXTS = (
    "sorry about that, we are investigating {n}",
    "thanks! glad you like it {n}",
    "we have refunded {n}, our mistake",
    "please DM us the order number {n}",
)

# every derived table, in a stable order, without what only says when or in which build a row was written
TABLES = {
    "fct_posts": "SELECT * EXCLUDE (facts_build) FROM fct_posts ORDER BY platform, post_id",
    "enr_posts": "SELECT * FROM enr_posts ORDER BY platform, post_id",
    "fct_responses": "SELECT * FROM fct_responses ORDER BY platform, post_id",
    "fct_threads": "SELECT * FROM fct_threads ORDER BY platform, thread_id",
    "fct_hourly": "SELECT * FROM fct_hourly ORDER BY brand, hour_at",
    "fct_reply_moves": "SELECT * FROM fct_reply_moves ORDER BY platform, post_id, move",
    "fct_crises": "SELECT * FROM fct_crises ORDER BY crisis_id",
    "fct_crisis_phases": "SELECT * FROM fct_crisis_phases ORDER BY ALL",
    "fct_crisis_moves": "SELECT * FROM fct_crisis_moves ORDER BY ALL",
    "fct_reply_coverage": "SELECT * FROM fct_reply_coverage ORDER BY ALL",
}


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _burst(day: int, first_id: int, count: int = 120) -> list[list[str]]:
    """Complaints from many people within a few hours: a crisis for the detector to find."""
    at = START + timedelta(days=day, hours=6)
    return [
        [
            f"x{first_id + i}",
            (at + timedelta(minutes=2 * i)).isoformat(),
            f"angry{i}",
            f"@{BRAND} the kettle exploded, this is unacceptable and dangerous {i}",
            "",
            "",
        ]
        for i in range(count)
    ]


def _threads(rng: random.Random, count: int, days: int, first_id: int = 1) -> list[list[str]]:
    """Threads of 1-6 messages, customer and brand in turn; some chained only by a conversation id."""
    rows, n = [], first_id
    for _ in range(count):
        at = START + timedelta(days=rng.randrange(days), hours=rng.randrange(14), minutes=rng.randrange(60))
        by_conversation = rng.random() < 0.25
        conversation = f"c{n}" if by_conversation else ""
        parent = ""
        for turn in range(rng.choice((1, 2, 2, 3, 4, 6))):
            post_id = f"p{n}"
            is_brand = turn % 2 == 1
            text = rng.choice(BRAND_TEXTS if is_brand else CUSTOMER_TEXTS).format(n=n)
            if not is_brand and turn == 0:
                text = f"@{BRAND} {text}"
            user = BRAND if is_brand else f"u{rng.randrange(300)}"
            rows.append([post_id, at.isoformat(), user, text, "" if by_conversation else parent, conversation])
            parent, n = post_id, n + 1
            at += timedelta(minutes=rng.choice((3, 20, 70, 400, 1500)))
    return rows


def _import(con, path: Path) -> None:
    (result,) = ingest_files(con, [path], brands=[BRAND])
    assert result.error is None, result.error


def _snapshot(con) -> dict[str, list]:
    return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}


def _compare(tmp_path: Path, first: list[list[str]], second: list[list[str]]) -> None:
    a, b = _write(tmp_path / "a.csv", first), _write(tmp_path / "b.csv", second)

    step = db.connect(tmp_path / "incremental.duckdb")
    _import(step, a)
    assert not update_analytics(step).incremental  # nothing to build on yet
    before = db.get_meta(step, "facts_build")
    _import(step, b)
    report = update_analytics(step)
    assert report.incremental, "the second import should have been brought up to date, not recomputed"
    kept = db.scalar(step, "SELECT count(*) FROM fct_posts WHERE facts_build = ?", [int(before)])
    assert kept > 0, "every stored post was threaded again: the facts build was not incremental"

    whole = db.connect(tmp_path / "whole.duckdb")
    _import(whole, a)
    _import(whole, b)
    build_posts(whole, whole=True)
    assert not update_analytics(whole, whole=True).incremental

    got, expected = _snapshot(step), _snapshot(whole)
    for table in TABLES:
        assert got[table] == expected[table], f"{table} differs from a rebuild"
    assert expected["fct_responses"] and expected["fct_hourly"]
    step.close()
    whole.close()
    return expected["fct_crises"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_random_split_updates_exactly_as_a_rebuild(tmp_path, seed, monkeypatch):
    """The posts of three weeks, split at random between the two exports: replies arrive before the posts
    they answer, conversations continue across the exports, threads merge. (So many threads change that
    a rebuild would be chosen as cheaper; the threshold is lifted to test the update itself.)"""
    monkeypatch.setattr(normalize, "INCREMENTAL_UP_TO", 1.0)
    rng = random.Random(seed)
    rows = _threads(rng, 400, days=21)
    rng.shuffle(rows)
    cut = int(len(rows) * 0.85)  # the second export is small: what a weekly export adds
    _compare(tmp_path, rows[:cut], rows[cut:])


def test_a_later_week_extends_the_hours_and_makes_open_posts_late(tmp_path):
    rng = random.Random(9)
    earlier = _threads(rng, 600, days=14) + _burst(day=9, first_id=50_000)
    later = _threads(rng, 60, days=7, first_id=10_000)
    for row in later:  # a week after the first export ends, with a gap day between
        row[1] = (datetime.fromisoformat(row[1]) + timedelta(days=16)).isoformat()
    # replies in the later export to customer posts of the earlier one
    customer_ids = [row[0] for row in earlier if not row[3].startswith(BRAND_TEXTS[0][:5]) and row[2] != BRAND]
    for n, parent in enumerate(customer_ids[:20]):
        at = START + timedelta(days=17, hours=n)
        later.append([f"late{n}", at.isoformat(), BRAND, f"sorry for the wait {n}", parent, ""])
    crises = _compare(tmp_path, earlier, later)
    assert crises, "the burst should be a crisis (kept from before the later week, and equal to a rebuild)"
