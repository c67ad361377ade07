"""End to end on the real exports in ../shared/data/real (skipped with the reason when absent)."""

import csv

from pipeline.core import db
from pipeline.core.brands import add_brand
from pipeline.normalize import build_posts
from tests.conftest import ingest_one, shared_file


def test_twcs_sample_counts_and_threads_worked_out_by_hand(con):
    path = shared_file("twcs_sample/twcs_head.csv")
    report = ingest_one(con, path)
    assert report.format == "twcs"
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_quarantined) == (5000, 5000, 0, 0)
    threads = dict(con.execute("SELECT post_id, thread_id FROM posts").fetchall())
    # 2 -> 1 -> 3 -> 4 -> 5 -> 6 -> 8, and 8 answers nothing
    assert {threads[p] for p in ["1", "2", "3", "4", "5", "6", "8"]} == {"8"}
    # 11 -> 12 -> 15 -> 16 -> 17 -> 18
    assert {threads[p] for p in ["11", "12", "15", "16", "17", "18"]} == {"18"}
    # 19 -> 20
    assert (threads["19"], threads["20"]) == ("20", "20")
    brand = dict(con.execute("SELECT post_id, is_brand FROM posts WHERE post_id IN ('1', '2')").fetchall())
    assert brand == {"1": True, "2": False}
    assert db.check_quality(con) == []


def test_twcs_row_with_bare_carriage_returns_is_kept_whole(con):
    path = shared_file("twcs_sample/twcs_head.csv")
    ingest_one(con, path)
    ((text, author),) = con.execute("SELECT text, author_id FROM posts WHERE post_id = '3399'").fetchall()
    assert text.startswith("@AskPayPal \r\rI just love the start of email")
    assert author == "116510"
    # an independent count of data rows: csv with newline='' reads the file the way the export meant it
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) - 1 != 5000  # Python's csv splits the bare-CR row: the trap this test guards
    assert con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 5000


def test_airline_sentiment_keeps_labels_and_drops_repeated_ids(con):
    path = shared_file("airline_sentiment/Tweets.csv")
    report = ingest_one(con, path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first_label = {}
    for row in rows:
        first_label.setdefault(row["tweet_id"], row["airline_sentiment"])
    assert report.rows_read == len(rows) == 14640
    assert report.rows_loaded == len(first_label)
    assert report.rows_duplicate == len(rows) - len(first_label) == 155
    stored = dict(con.execute("SELECT post_id, vendor_sentiment FROM posts").fetchall())
    assert stored == first_label
    # The airline column names the brands; mentioned personal accounts never become brands
    assert sorted(report.brands_added) == ["American", "Delta", "Southwest", "US Airways", "United", "Virgin America"]
    assert {row[0] for row in con.execute("SELECT DISTINCT brand FROM posts").fetchall()} == set(report.brands_added)
    # "Delta" rows are addressed to @JetBlue: the report suggests it, and once it is a brand the mention wins
    assert "JetBlue" in [handle for handle, _ in report.brands_suggested]
    delta = {r["tweet_id"] for r in rows if r["airline"] == "Delta" and r["text"].lower().startswith("@jetblue")}
    assert len(delta) > 1000
    brands = dict(con.execute("SELECT post_id, brand FROM posts").fetchall())
    before = [brands[post_id] for post_id in delta]  # the export's brand, or another brand mentioned later on
    assert before.count("Delta") > 0.95 * len(delta)
    add_brand(con, "JetBlue", handles=["@JetBlue"])
    build_posts(con)
    brands = dict(con.execute("SELECT post_id, brand FROM posts").fetchall())
    assert {brands[post_id] for post_id in delta} == {"JetBlue"}


def test_twitter_analytics_export(con):
    path = shared_file("platform_exports/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv")
    report = ingest_one(con, path)
    assert (report.format, report.rows_read, report.rows_loaded) == ("twitter_analytics", 10, 10)
    rows = con.execute("SELECT DISTINCT author_id, is_brand FROM posts").fetchall()
    assert rows == [("TCORSStgOrg", True)]
    first = con.execute("""SELECT strftime(created_at, '%Y-%m-%d %H:%M'), reach FROM posts
                           WHERE post_id = '849049020249120769'""").fetchall()
    assert first == [("2017-04-04 00:00", 29)]


def test_facebook_insights_rows_are_all_accounted_for(con):
    path = shared_file(
        "platform_exports/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv"
    )
    report = ingest_one(con, path, time_zone="America/Los_Angeles")
    assert report.rows_read == report.rows_loaded + report.rows_duplicate + report.rows_quarantined
    assert report.rows_loaded == 1  # the second header row (descriptions) is quarantined, not loaded
    when = con.execute("SELECT strftime(created_at, '%Y-%m-%d %H:%M:%S') FROM posts").fetchall()
    assert when == [("2017-01-19 17:03:47",)]  # 09:03:47 AM Pacific
