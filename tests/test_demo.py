"""The demo exports: written by the seeded generator, byte for byte, and holding the promised story."""

from datetime import timedelta

import duckdb
import pytest

from pipeline.core import db
from pipeline.demo import CAMPAIGN_START, CRISIS_FIRST_REPLY, CRISIS_ONSET, write_demo_exports
from tests.conftest import DEMO_DIR


def test_committed_demo_exports_are_what_the_generator_writes(tmp_path):
    written = write_demo_exports(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in DEMO_DIR.glob("*.csv"))
    for path in written:
        assert path.read_bytes() == (DEMO_DIR / path.name).read_bytes(), f"{path.name} differs: regenerate it"


@pytest.fixture(scope="module")
def demo(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def test_demo_has_months_of_posts_in_several_layouts_and_languages(demo):
    formats = {row[0] for row in demo.execute("SELECT DISTINCT source_format FROM posts").fetchall()}
    assert len(formats) >= 2
    days, posts = demo.execute(
        "SELECT date_diff('day', min(created_at), max(created_at)), count(*) FROM posts"
    ).fetchall()[0]
    assert days >= 85 and posts > 3000
    spanish = demo.execute(
        "SELECT count(*) FROM posts WHERE text ILIKE '%gracias%' OR text ILIKE '%pedido%'"
    ).fetchall()[0][0]
    polish = demo.execute(
        "SELECT count(*) FROM posts WHERE text ILIKE '%zamówienie%' OR text ILIKE '%dzięki%'"
    ).fetchall()[0][0]
    assert spanish > 50 and polish > 20
    assert db.check_quality(demo) == []


def test_demo_crisis_erupts_on_a_saturday_with_a_slow_first_response(demo):
    assert CRISIS_ONSET.weekday() == 5
    hourly = dict(
        demo.execute("""
        SELECT date_trunc('hour', created_at), count(*) FROM posts
        WHERE NOT is_brand AND text ILIKE '%BlendProFail%' GROUP BY 1""").fetchall()
    )
    before = sum(v for k, v in hourly.items() if k < CRISIS_ONSET)
    assert before == 0
    peak_hour = max(hourly, key=hourly.get)
    assert CRISIS_ONSET < peak_hour < CRISIS_ONSET + timedelta(days=2)
    first_reply = demo.execute(
        """
        SELECT min(created_at) FROM posts WHERE is_brand AND created_at >= ? AND text ILIKE '%Blend Pro%'
          AND thread_id IN (SELECT thread_id FROM posts WHERE text ILIKE '%BlendProFail%')""",
        [CRISIS_ONSET],
    ).fetchall()[0][0]
    assert first_reply >= CRISIS_FIRST_REPLY
    assert first_reply - CRISIS_ONSET > timedelta(hours=12)


def test_demo_replies_are_slower_at_weekends(demo):
    weekday, weekend = demo.execute(
        """
        SELECT median(date_diff('minute', c.created_at, b.created_at)) FILTER (dayofweek(c.created_at) BETWEEN 1 AND 5),
               median(date_diff('minute', c.created_at, b.created_at)) FILTER (dayofweek(c.created_at) IN (0, 6))
        FROM posts c JOIN posts b ON b.parent_id = c.post_id AND b.platform = c.platform
        WHERE b.is_brand AND NOT c.is_brand AND c.created_at < ?""",
        [CRISIS_ONSET - timedelta(days=1)],
    ).fetchall()[0]
    assert weekend > 2 * weekday


def test_demo_campaign_is_a_positive_spike(demo):
    day = CAMPAIGN_START.date()
    counts = dict(demo.execute("SELECT created_at::DATE, count(*) FROM posts GROUP BY 1").fetchall())
    typical = sorted(counts.values())[len(counts) // 2]
    assert counts[day] > 3 * typical
