"""Response times: literal threads with known answers, and the real TWCS sample against an independent count."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from conftest import ingest_one, shared_file

from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.core.brands import add_brand
from pipeline.core.settings import Settings, save_settings
from pipeline.read.queries import response_coverage, response_heatmap, response_kpis, unmeasured_brands_text

# Madrid is UTC+1 from 2026-10-25. Monday 2026-11-02 is a holiday in these settings.
THREADS = """id,date,author,text,parent
a1,2026-10-30T14:30:00Z,ana,my order is late,
a2,2026-11-03T08:30:00Z,lumohelp,sorry Ana - checking now,a1
b1,2026-11-04T09:00:00Z,ben,blender broken,
b2,2026-11-04T09:10:00Z,cy,same here,b1
b3,2026-11-04T09:20:00Z,lumohelp,we'll send a new one,b1
b4,2026-11-04T09:30:00Z,ben,when?,b3
b5,2026-11-04T11:00:00Z,lumohelp,tomorrow,b4
c1,2026-11-04T22:00:00Z,dee,anyone there?,
d1,2026-11-04T22:30:00Z,lumohelp,new recipes are up,
e1,2026-11-06T15:50:00Z,eva,@lumohelp where is my parcel?,
e2,2026-11-09T08:20:00Z,lumohelp,here it is Eva,e1
"""
SETTINGS = Settings(business_time_zone="Europe/Madrid", holidays=("2026-11-02",), sla_minutes=60)


@pytest.fixture
def threads_db(con, write_csv):
    save_settings(con, SETTINGS)
    ingest_one(con, write_csv("threads.csv", THREADS), brands=["lumohelp"])
    update_analytics(con)
    return con


def test_response_times_follow_the_definitions(threads_db):
    rows = {
        r[0]: r[1:]
        for r in threads_db.execute("""
        SELECT post_id, first_reply_id, response_minutes, business_response_minutes, answered, within_sla
        FROM responses ORDER BY post_id""").fetchall()
    }
    assert rows == {
        # Friday 15:30 -> Tuesday 09:30 Madrid: 90 business minutes on Friday, none on the holiday, 30 on Tuesday
        "a1": ("a2", 5400.0, 120.0, True, False),
        "b1": ("b3", 20.0, 20.0, True, True),
        "b4": ("b5", 90.0, 90.0, True, False),  # answers a brand post, so it awaits a reply too
        # Friday 16:50 -> Monday 09:20 Madrid: 3,870 calendar minutes but 30 business minutes, within the SLA
        # (the SLA is judged on the business clock, like the hours that define it)
        "e1": ("e2", 3870.0, 30.0, True, True),
        # names no brand, but lumohelp is the one brand replying in this export (its inbox); never answered,
        # and more than 60 business minutes passed before the export ends
        "c1": (None, None, None, False, False),
    }  # b2 answers a customer, d1 is the brand's: neither awaits a reply


def test_threads_summarise_each_conversation(threads_db):
    rows = {
        r[0]: r[1:]
        for r in threads_db.execute("""
        SELECT thread_id, post_count, customer_posts, brand_posts, first_response_minutes, answered FROM threads
        """).fetchall()
    }
    assert rows == {
        "a1": (2, 1, 1, 5400.0, True),
        "b1": (5, 3, 2, 20.0, True),
        "e1": (2, 1, 1, 3870.0, True),
        "c1": (1, 1, 0, None, False),
        "d1": (1, 0, 1, None, False),
    }


def test_kpis_use_median_and_p90(threads_db):
    all_kpis = response_kpis(threads_db, period="all").set_index("brand")
    assert list(all_kpis.index) == ["lumohelp"]
    kpis = all_kpis.loc["lumohelp"]
    assert (kpis.awaiting, kpis.answered, kpis.unanswered) == (5, 4, 1)
    assert kpis.median_minutes == (90 + 3870) / 2
    assert kpis.p90_minutes == pytest.approx(3870 + 0.7 * (5400 - 3870))
    assert kpis.within_sla_share == pytest.approx(2 / 5)  # b1 and e1, on the business clock; c1 is late
    heat = response_heatmap(threads_db, "Europe/Madrid")
    friday = heat[(heat.weekday == 5) & (heat.hour == 15)]
    assert friday.awaiting.tolist() == [1]


MENTIONS_ONLY = """id,date,author,text
m1,2026-11-05T10:00:00Z,fay,@lumohelp my kettle leaks
m2,2026-11-05T11:00:00Z,gus,@lumohelp still waiting for my refund
m3,2026-11-05T12:00:00Z,hal,@othercorp your app is down
m4,2026-11-05T13:00:00Z,ivy,othercorp is the worst
"""


def test_a_mentions_only_export_is_left_out_of_response_figures(threads_db, write_csv):
    before = response_kpis(threads_db, period="all").set_index("brand").loc["lumohelp"]
    add_brand(threads_db, "othercorp")
    ingest_one(threads_db, write_csv("mentions.csv", MENTIONS_ONLY))
    update_analytics(threads_db)
    after = response_kpis(threads_db, period="all").set_index("brand")
    # the mentions export holds no brand replies: its posts are not "unanswered", they cannot be judged
    assert list(after.index) == ["lumohelp"]
    assert after.loc["lumohelp"].to_dict() == before.to_dict()
    coverage = response_coverage(threads_db).set_index("brand")
    assert bool(coverage.loc["lumohelp"].replies_in_data) and not bool(coverage.loc["othercorp"].replies_in_data)
    assert coverage.loc["othercorp"].awaiting == 2  # by handle and by its name as a whole word
    assert coverage.loc["lumohelp"].not_judged == 2
    assert unmeasured_brands_text(response_coverage(threads_db)) == (
        "The data holds no replies from othercorp: its response times cannot be measured, and its posts are left "
        "out of these figures (load an export that includes the brand's replies, such as a customer-care inbox). "
        "2 posts to lumohelp come from exports without the brand's replies (mentions only) and are left out too."
    )
    assert db.scalar(threads_db, "SELECT count(*) FROM threads WHERE thread_id = 'm1' AND answered IS NULL") == 1


def test_business_hours_can_span_24_hours_and_weekends(con, write_csv):
    save_settings(
        con,
        Settings(
            business_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            business_start="00:00",
            business_end="24:00",
        ),
    )
    ingest_one(con, write_csv("t.csv", THREADS), brands=["lumohelp"])
    update_analytics(con)
    assert db.scalar(con, "SELECT business_response_minutes FROM responses WHERE post_id = 'a1'") == pytest.approx(
        5400.0, abs=0.01
    )


def _independent_twcs(path) -> pd.DataFrame:
    """Response minutes per customer post awaiting a reply, computed from the CSV alone."""
    text = re.sub(r"\r(?!\n)", " ", path.read_bytes().decode("utf-8"))  # one row has bare CRs in its text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    posts = {}
    for row in rows:
        parent = row["in_response_to_tweet_id"].split(".")[0] or None
        posts[row["tweet_id"]] = {
            "brand_post": row["inbound"] == "False",
            "author": row["author_id"].lower(),
            "parent": parent,
            "at": pd.Timestamp(pd.to_datetime(row["created_at"], format="%a %b %d %H:%M:%S %z %Y")),
        }

    def root(post_id):
        seen = set()
        while posts[post_id]["parent"] in posts and post_id not in seen:
            seen.add(post_id)
            post_id = posts[post_id]["parent"]
        return post_id

    for post_id, post in posts.items():
        post["thread"] = root(post_id)
    brand_by_thread = {}
    for post in sorted(posts.values(), key=lambda p: p["at"]):
        if post["brand_post"]:
            brand_by_thread.setdefault(post["thread"], []).append(post)
    out = []
    for post_id, post in posts.items():
        if post["brand_post"]:
            continue
        parent = posts.get(post["parent"])
        if not (post["thread"] == post_id or (parent and parent["brand_post"])):
            continue
        replies = [b for b in brand_by_thread.get(post["thread"], []) if b["at"] > post["at"]]
        minutes = (replies[0]["at"] - post["at"]).total_seconds() / 60 if replies else None
        brand = replies[0]["author"] if replies else None
        out.append({"post_id": post_id, "minutes": minutes, "reply_brand": brand})
    return pd.DataFrame(out)


def test_twcs_response_times_match_an_independent_computation(con):
    path = shared_file("twcs_sample/twcs_head.csv")
    ingest_one(con, path)
    update_analytics(con)
    expected = _independent_twcs(path).set_index("post_id")
    ours = con.execute("SELECT post_id, response_minutes FROM responses").df().set_index("post_id")
    assert len(ours) == len(expected)
    joined = ours.join(expected)
    assert joined.response_minutes.isna().sum() == joined.minutes.isna().sum()
    assert (joined.response_minutes - joined.minutes).abs().max() < 0.01
    # per brand account: median, p90 and response rate agree
    kpis = response_kpis(con, period="all").set_index("brand")
    answered = expected.dropna(subset=["minutes"]).groupby("reply_brand")["minutes"]
    for brand in ("sprintcare", "americanair", "applesupport"):
        assert kpis.loc[brand].median_minutes == pytest.approx(answered.get_group(brand).median(), abs=0.01)
        assert kpis.loc[brand].p90_minutes == pytest.approx(answered.get_group(brand).quantile(0.9), abs=0.01)
    assert kpis.answered.sum() == expected.minutes.notna().sum()
