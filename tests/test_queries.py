"""Dashboard queries on literal conversations whose answers are counted by hand (labels fixed by hand-set
corrections, so the numbers do not depend on the sentiment model), plus the demo for the crisis queries."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import ingest_one

from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.enrich import set_sentiment_override
from pipeline.read.queries import (
    Bucket,
    PostFilter,
    bucket_posts,
    crisis_detail,
    crisis_list,
    crisis_moves,
    crisis_phases,
    crisis_series,
    crisis_threads,
    default_date_range,
    find_thread,
    iso_week_label,
    net_sentiment,
    parse_iso_week,
    report_week,
    response_distribution,
    search_threads,
    sentiment_trend,
    thread_messages,
    unanswered_queue,
    week_text,
    weekly_kpis,
)

# ISO week 45 = Mon 2026-11-02 .. Sun 11-08; week 46 = 11-09 .. 11-15.
POSTS = """id,date,author,text,parent,likes,language
p1,2026-11-03T10:00:00Z,ana,my order is late,,0,en
r1,2026-11-03T10:30:00Z,lumohelp,sorry Ana,p1,0,en
p2,2026-11-04T10:00:00Z,ben,love the new kettle,,1,en
p3,2026-11-10T10:00:00Z,cy,blender broke 50% off_deal,,0,en
r3,2026-11-10T11:00:00Z,lumohelp,we are on it,p3,0,en
p4,2026-11-11T10:00:00Z,dee,still no refund,,0,en
r4,2026-11-11T10:20:00Z,lumohelp,checking now,p4,0,en
p5,2026-11-12T10:00:00Z,eve,where is the manual,,900,en
p6,2026-11-13T10:00:00Z,fay,thanks for the help,,0,es
r6,2026-11-13T12:00:00Z,lumohelp,any time,p6,0,es
p7,2026-11-14T10:00:00Z,gus,=HYPERLINK("x"),,0,en
"""
LABELS = {
    "p1": "negative",
    "p2": "positive",
    "p3": "negative",
    "p4": "negative",
    "p5": "neutral",
    "p6": "positive",
    "p7": "neutral",
}
W45, W46 = date(2026, 11, 2), date(2026, 11, 9)


@pytest.fixture
def store(con, write_csv):
    ingest_one(con, write_csv("posts.csv", POSTS), brands=["lumohelp"])
    update_analytics(con)
    for post_id, label in LABELS.items():
        set_sentiment_override(con, "other", post_id, label)
    return con


def test_iso_weeks_parse_and_print():
    assert parse_iso_week("2026-W46") == W46
    assert parse_iso_week(" 2026-w46 ") == W46
    assert iso_week_label(date(2026, 11, 15)) == "2026-W46"
    assert iso_week_label(date(2027, 1, 1)) == "2026-W53"
    for bad in ("2026-46", "W46", "2026-W60", ""):
        with pytest.raises(ValueError, match="YYYY-Www"):
            parse_iso_week(bad)


def test_weekly_kpis_compare_with_the_week_before(store):
    kpis = {k.key: k for k in weekly_kpis(store, W46)}
    # week 46: 5 customer posts (p3, p4 negative; p5, p7 neutral; p6 positive) and 3 brand replies
    assert (kpis["posts"].value, kpis["posts"].previous) == (8, 3)
    assert kpis["negative_share"].value == pytest.approx(2 / 5)
    assert kpis["negative_share"].previous == pytest.approx(1 / 2)
    assert kpis["net_sentiment"].value == pytest.approx(100 * (1 - 2) / 5)
    assert kpis["net_sentiment"].previous == pytest.approx(0)
    # answered: p3 after 60, p4 after 20, p6 after 120 minutes; p5 and p7 never
    assert kpis["median_response_minutes"].value == pytest.approx(60)
    assert kpis["median_response_minutes"].previous == pytest.approx(30)
    assert kpis["response_rate"].value == pytest.approx(3 / 5)
    assert kpis["response_rate"].previous == pytest.approx(1 / 2)
    assert kpis["open_crises"].value == 0
    assert kpis["negative_share"].change == pytest.approx(2 / 5 - 1 / 2)
    assert not kpis["negative_share"].higher_is_better and kpis["response_rate"].higher_is_better


def test_weekly_kpis_apply_language_and_ignore_dates(store):
    kpis = {
        k.key: k for k in weekly_kpis(store, W46, PostFilter(date(2020, 1, 1), date(2020, 1, 2), languages=("es",)))
    }
    assert kpis["posts"].value == 2  # p6 and its Spanish reply
    assert kpis["net_sentiment"].value == pytest.approx(100)


def test_a_week_without_posts_has_no_values(store):
    kpis = {k.key: k for k in weekly_kpis(store, date(2026, 12, 7))}
    assert kpis["posts"].value == 0 and kpis["median_response_minutes"].value is None
    assert kpis["negative_share"].change is None


def test_sentiment_trend_fills_empty_days_and_leaves_out_brand_posts(store):
    trend = sentiment_trend(store, grain="day")
    days = sorted(trend["bucket"].unique())
    assert len(days) == 12  # 3 Nov .. 14 Nov, every day present
    assert trend["posts"].sum() == 7  # customer posts only
    per_day = trend.groupby("bucket")["posts"].sum()
    assert per_day[pd.Timestamp("2026-11-05")] == 0
    net = net_sentiment(sentiment_trend(store, grain="week", by="lang"))
    net["bucket"] = pd.to_datetime(net["bucket"]).dt.date
    net = net.set_index(["bucket", "group"])
    assert net.loc[(W46, "es"), "net_sentiment"] == pytest.approx(100)
    assert net.loc[(W46, "en"), "net_sentiment"] == pytest.approx(-50)  # p3, p4 negative; p5, p7 neutral
    assert (
        net.loc[(W45, "es"), "scored"] == 0
        and net.loc[(W45, "es"), "net_sentiment"] != net.loc[(W45, "es"), "net_sentiment"]
    )


def test_bucket_posts_are_the_posts_behind_a_bar(store):
    posts, total = bucket_posts(store, Bucket(W46, "week", "negative"))
    assert total == 2 and set(posts["post_id"]) == {"p3", "p4"}
    posts, total = bucket_posts(store, Bucket(date(2026, 11, 13), "day", None, "lang", "es"))
    assert list(posts["post_id"]) == ["p6"]
    posts, total = bucket_posts(store, Bucket(W46, "week"), limit=2)
    assert total == 5 and len(posts) == 2  # capped, and the total says so
    # the chosen dates still bound a weekly bucket
    posts, total = bucket_posts(store, Bucket(W46, "week"), PostFilter(date(2026, 11, 12), date(2026, 11, 12)))
    assert list(posts["post_id"]) == ["p5"]


def test_response_distribution_counts_every_bin(store):
    distribution = response_distribution(store).set_index("bin")["posts"]
    # p4 after 20 min, p1 after 30, p3 after 60, p6 after 120: a bin holds its lower bound
    assert distribution[["15-30 min", "30-60 min", "1-2 h", "2-4 h"]].tolist() == [1, 1, 1, 1]
    assert distribution["no reply yet"] == 3
    assert distribution.sum() == 7


def test_unanswered_queue_orders_by_age_or_exposure(store):
    queue, total = unanswered_queue(store)
    assert total == 3 and list(queue["post_id"]) == ["p2", "p5", "p7"]
    queue, _ = unanswered_queue(store, order="exposed")
    assert list(queue["post_id"]) == ["p5", "p2", "p7"]
    assert queue.set_index("post_id").loc["p5", "waiting_hours"] == pytest.approx(48)  # to the newest post


def test_pages_read_by_row_id_equal_a_join_through_the_posts_view(store, write_csv):
    # a later import older than the stored posts (appended out of time order) and a correction on an opening post
    ingest_one(
        store,
        write_csv(
            "late.csv",
            "id,date,author,text,parent,likes,language\n"
            "q1,2026-11-01T08:00:00Z,hal,refund for the toaster?,,5,en\n"
            "q2,2026-11-14T11:00:00Z,ivy,refund still missing,r4,0,en\n"
            "q3,2026-11-14T11:30:00Z,jo,hello,,0,en\n"
            "r9,2026-11-14T11:40:00Z,lumohelp,hi Jo,q3,0,en\n",
        ),
    )
    update_analytics(store)
    set_sentiment_override(store, "other", "q1", "positive")
    queue, total = unanswered_queue(store, limit=2)
    expected = store.execute("""
        SELECT r.post_id, p.text, p.sentiment_label FROM responses r JOIN posts p USING (platform, post_id)
        WHERE NOT r.answered ORDER BY r.created_at, coalesce(p.reach, 0) + coalesce(p.likes, 0) DESC LIMIT 2
    """).fetchall()
    assert total == 5 and list(
        queue[["post_id", "text", "sentiment_label"]].itertuples(index=False, name=None)
    ) == expected == [("q1", "refund for the toaster?", "positive"), ("p2", "love the new kettle", "positive")]
    for search in ("", "refund", "nothing like this"):
        frame, total = search_threads(store, search=search)
        expected = store.execute(
            """
            SELECT t.thread_id, r.text, r.sentiment_label FROM threads t
            JOIN posts r ON r.platform = t.platform AND r.post_id = t.root_post_id
            WHERE $search = '' OR t.thread_id IN (SELECT thread_id FROM posts WHERE text ILIKE '%' || $search || '%')
            ORDER BY t.last_post_at DESC, t.thread_id""",
            {"search": search},
        ).fetchall()
        assert total == len(expected) and len(frame) == total
        assert (
            list(frame[["thread_id", "opening_text", "root_sentiment_label"]].itertuples(index=False, name=None))
            == expected
        )
    assert search_threads(store, search="refund")[0]["thread_id"].tolist() == ["p4", "q1"]


def test_thread_search_matches_text_author_and_id_literally(store):
    assert search_threads(store, search="REFUND")[0]["thread_id"].tolist() == ["p4"]
    assert search_threads(store, search="eve")[0]["thread_id"].tolist() == ["p5"]
    assert search_threads(store, search="r3")[0]["thread_id"].tolist() == ["p3"]
    assert search_threads(store, search="50%")[0]["thread_id"].tolist() == ["p3"]
    assert search_threads(store, search="%")[1] == 1  # % is a character, not a wildcard
    assert search_threads(store, search="o_f")[1] == 0  # _ too ("off_deal" would match it as a wildcard)
    assert search_threads(store, search="'; DROP TABLE posts; --")[1] == 0
    frame, total = search_threads(store, answered=False)
    assert total == 3 and set(frame["thread_id"]) == {"p2", "p5", "p7"}
    assert db.scalar(store, "SELECT count(*) FROM posts") == 11


def test_thread_messages_show_waits_and_breaches(store):
    messages, count = thread_messages(store, "other", "p6")
    assert count == 2 and list(messages["side"]) == ["customer", "brand"]
    reply = messages.iloc[1]
    assert reply["waited_minutes"] == pytest.approx(120) and bool(reply["sla_breached"])
    messages, _ = thread_messages(store, "other", "p4")
    assert messages.iloc[1]["waited_minutes"] == pytest.approx(20) and not messages.iloc[1]["sla_breached"]


def test_find_thread_by_thread_or_post_id(store):
    assert find_thread(store, "p3") == ("other", "p3")
    assert find_thread(store, "r3") == ("other", "p3")
    assert find_thread(store, "p3", "twitter") is None
    assert find_thread(store, "nope") is None


def test_crisis_queries_on_the_demo(demo_db):
    with db.connect(demo_db, read_only=True) as con:
        crises = crisis_list(con)
        assert "lumohelp:20261024T14" in set(crises["crisis_id"])
        assert crisis_list(con, PostFilter(date(2026, 9, 1), date(2026, 9, 30))).empty
        assert list(crisis_list(con, PostFilter(brands=("lumohome",)))["brand"].unique()) == ["lumohome"]
        crisis = crisis_detail(con, "lumohelp:20261024T14")
        assert crisis["severity"] == 3 and isinstance(crisis["top_terms"], list)
        assert crisis_detail(con, "nope") is None
        series = crisis_series(con, "lumohelp:20261024T14", pad_hours=24)
        assert series["hour_at"].min() == crisis["started_at"] - pd.Timedelta(hours=24)
        assert series["negative_posts"].max() > 0
        phases = crisis_phases(con, "lumohelp:20261024T14")
        assert list(phases["phase"])[:4] == ["baseline", "onset", "escalation", "peak"]
        assert list(crisis_moves(con, "lumohelp:20261024T14")["move"])[0] == "apologise"
        threads = crisis_threads(con, "lumohelp:20261024T14")
        assert list(threads["thread_id"]) == crisis["top_threads"]


def test_the_default_report_week_is_the_newest_complete_one(store):
    # the newest post is on Saturday 14 Nov: week 46 is not over, so the report is about week 45
    assert report_week(store) == W45
    store.execute("UPDATE fct_posts SET created_at = TIMESTAMPTZ '2026-11-15 23:00:00+00' WHERE post_id = 'p7'")
    assert report_week(store) == W46


def test_a_hand_correction_changes_the_dashboard_cache_key(store):
    before = db.cache_key(store)
    set_sentiment_override(store, "other", "p5", "negative")
    assert db.cache_key(store) != before
    with pytest.raises(ValueError):
        set_sentiment_override(store, "other", "p5", "angry")


@pytest.mark.parametrize(
    "monday, text",
    [
        (date(2015, 2, 16), "2015-W08 · 16–22 Feb 2015"),
        (date(2026, 11, 30), "2026-W49 · 30 Nov – 6 Dec 2026"),
        (date(2026, 12, 28), "2026-W53 · 28 Dec 2026 – 3 Jan 2027"),
    ],
)
def test_weeks_are_shown_with_their_dates(monday, text):
    assert week_text(monday) == text


def test_the_default_dates_are_the_newest_13_weeks_with_data():
    # one stray tweet from 2011 must not stretch every chart over six years
    assert default_date_range(date(2011, 8, 29), date(2017, 12, 3)) == (date(2017, 9, 4), date(2017, 12, 3))
    assert default_date_range(date(2015, 2, 16), date(2015, 2, 24)) == (date(2015, 2, 16), date(2015, 2, 24))


def test_crises_are_listed_by_severity_then_time(demo_db):
    with db.connect(demo_db, read_only=True) as con:
        crises = crisis_list(con)
    keys = list(zip(-crises["severity"], -crises["started_at"].astype("int64")))
    assert keys == sorted(keys)


def test_html_entities_in_post_texts_are_decoded(con, write_csv):
    ingest_one(
        con,
        write_csv(
            "e.csv",
            "id,date,author,text\n"
            "1,2026-11-02T10:00:00Z,ana,fish &amp; chips &lt;3 &quot;yum&quot;\n"
            "2,2026-11-02T11:00:00Z,ben,&amp;lt;b&amp;gt; stays escaped once\n",
        ),
    )
    texts = dict(con.execute("SELECT post_id, text FROM posts").fetchall())
    assert texts == {"1": 'fish & chips <3 "yum"', "2": "&lt;b&gt; stays escaped once"}
