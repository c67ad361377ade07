"""Every export layout in the registry, read from a sample written from its documented header
(tests/samples/): detected without help, and its posts stored as the tool meant them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.analytics import update_analytics
from pipeline.ingest import FORMATS, sniff
from tests.conftest import ingest_one, shared_file

SAMPLES = Path(__file__).resolve().parent / "samples"

# file -> (format, posts loaded, encoding label, delimiter label)
EXPECTED = {
    "brandwatch_mentions.csv": ("brandwatch", 4, "UTF-8", "comma"),
    "meltwater_mentions.csv": ("meltwater", 3, "UTF-16 with BOM", "tab"),
    "sprout_social_messages.csv": ("sprout_social", 4, "UTF-8", "comma"),
    "brand24_mentions.csv": ("brand24", 3, "UTF-8", "comma"),
    "hootsuite_inbox.csv": ("hootsuite_inbox", 4, "UTF-8", "comma"),
    "hootsuite_inbox2_messages.csv": ("hootsuite_inbox", 2, "UTF-8", "comma"),
    "facebook_insights_posts.csv": ("facebook_insights", 2, "UTF-8 with BOM", "comma"),
    "meta_business_suite_posts.csv": ("meta_business_suite", 2, "UTF-8 with BOM", "comma"),
    "facebook_comments.csv": ("meta_comments", 5, "UTF-8", "comma"),
    "instagram_comments.csv": ("meta_comments", 3, "UTF-8", "comma"),
    "youtube_comments.csv": ("youtube_takeout", 3, "UTF-8", "comma"),
    "reddit_comments.csv": ("reddit_pushshift", 3, "UTF-8", "comma"),
    "reddit_submissions.csv": ("reddit_pushshift", 1, "UTF-8", "comma"),
    "twarc_tweets.csv": ("twarc", 3, "UTF-8", "comma"),
    "european_semicolon.csv": ("generic", 3, "cp1252 (Windows Latin)", "semicolon"),
}


def _post(con, post_id):
    row = con.execute(
        """
        SELECT platform, author_id, is_brand, brand, strftime(created_at, '%Y-%m-%d %H:%M'), text, parent_id,
               thread_id, likes, shares, reach, vendor_sentiment
        FROM posts WHERE post_id = ?""",
        [post_id],
    ).fetchall()
    assert row, f"post {post_id} not stored"
    keys = (
        "platform",
        "author",
        "is_brand",
        "brand",
        "at",
        "text",
        "parent",
        "thread",
        "likes",
        "shares",
        "reach",
        "sentiment",
    )
    return dict(zip(keys, row[0]))


def test_every_registered_layout_has_a_sample():
    covered = {expected[0] for expected in EXPECTED.values()}
    builtin = {"twcs", "airline_sentiment", "twitter_analytics"}  # read from ../shared in test_real_data
    assert {fmt.name for fmt in FORMATS} - builtin <= covered


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_detected_and_loaded_whole(con, name):
    fmt, loaded, encoding, delimiter = EXPECTED[name]
    report = ingest_one(con, SAMPLES / name)
    assert (report.format, report.rows_loaded, report.rows_quarantined) == (fmt, loaded, 0)
    assert (report.encoding, report.delimiter) == (encoding, delimiter)
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == loaded


def test_brandwatch_skips_report_rows_and_falls_back_to_snippet_and_title(con):
    report = ingest_one(con, SAMPLES / "brandwatch_mentions.csv")
    assert report.header_line == 7
    tweet = _post(con, "9001")
    assert tweet["text"] == "@AcmeHelp my order never arrived and nobody answers"  # Full Text
    assert (tweet["platform"], tweet["sentiment"], tweet["reach"], tweet["likes"]) == ("twitter", "negative", 1250, 3)
    assert _post(con, "https://news.example.com/acme-recall")["text"].startswith("Acme recalls 2,000")  # Snippet
    reddit = _post(con, "https://www.reddit.com/r/kettles/comments/abc/")
    assert (reddit["platform"], reddit["text"]) == ("reddit", "Anyone else had trouble with Acme support?")


def test_meltwater_joins_date_and_time_and_keeps_unicode(con):
    ingest_one(con, SAMPLES / "meltwater_mentions.csv")
    first = _post(con, "mw-1")
    assert (first["at"], first["platform"], first["reach"]) == ("2026-11-10 14:15", "twitter", 3400)
    assert first["text"] == "@Acme thanks, fixed in 5 minutes 👏"  # Hit Sentence
    assert _post(con, "mw-2")["at"] == "2026-11-10 23:05"
    blog = _post(con, "mw-3")
    assert (blog["platform"], blog["text"]) == ("web", "Acme's new kettle boils fast but the lid sticks.")


def test_sprout_social_reply_from_the_profile_is_the_brands(con):
    ingest_one(con, SAMPLES / "sprout_social_messages.csv")
    assert _post(con, "8102")["is_brand"] is True
    customer = _post(con, "8101")
    assert (customer["is_brand"], customer["platform"], customer["brand"]) == (False, "twitter", "acmehelp")
    assert _post(con, "ig-77")["platform"] == "instagram"


def test_brand24_joins_date_and_hour(con):
    ingest_one(con, SAMPLES / "brand24_mentions.csv")
    assert _post(con, "b24-2")["at"] == "2026-11-10 16:45"
    assert _post(con, "b24-2")["text"] == "Acme launches eco kettle"  # Title when Content is empty
    assert _post(con, "b24-1")["sentiment"] == "negative"


def test_hootsuite_conversation_is_one_thread_and_outbound_is_the_brand(con):
    report = ingest_one(con, SAMPLES / "hootsuite_inbox.csv")
    # AcmeHelp replies (Outbound); the Facebook message names the profile Acme, a brand of its own until merged
    assert report.brands_added == ("acmehelp", "Acme")
    threads = con.execute(
        "SELECT post_id, thread_id, parent_id, is_brand FROM posts WHERE thread_id = 'm-1' ORDER BY created_at"
    ).fetchall()
    assert threads == [("m-1", "m-1", None, False), ("m-2", "m-1", "m-1", True), ("m-3", "m-1", "m-2", False)]
    update_analytics(con)
    answered = con.execute("SELECT post_id, first_reply_id, response_minutes FROM responses ORDER BY post_id")
    # m-4 went to Acme, whose replies are not in the export: it is not judged, not counted as unanswered
    assert answered.fetchall() == [("m-1", "m-2", 20), ("m-3", None, None)]


def test_hootsuite_inbox2_agent_replies_as_the_channel(con):
    report = ingest_one(con, SAMPLES / "hootsuite_inbox2_messages.csv")
    assert report.brands_added == ("acmecare",)
    reply = _post(con, "mm-2")
    assert (reply["author"], reply["is_brand"], reply["parent"], reply["platform"]) == (
        "AcmeCare",
        True,
        "mm-1",
        "twitter",
    )
    assert _post(con, "mm-1")["author"] == "@lou_p"


def test_facebook_insights_second_header_row_is_skipped_not_quarantined(con):
    report = ingest_one(con, SAMPLES / "facebook_insights_posts.csv", time_zone="America/Los_Angeles")
    assert report.rows_quarantined == 0
    assert any("under the header" in note for note in report.notes)
    assert not any("more than once" in note for note in report.notes)  # the repeated columns are not read
    post = _post(con, "1605839243031680_1867404650208470")
    assert (post["is_brand"], post["author"], post["reach"], post["at"]) == (True, "AcmeHome", 3500, "2026-11-10 17:03")


def test_real_facebook_insights_export(con):
    path = shared_file(
        "platform_exports/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv"
    )
    report = ingest_one(con, path)
    assert report.format == "facebook_insights" and report.rows_quarantined == 0
    assert report.rows_loaded == report.rows_read > 0
    assert (
        con.execute("SELECT count(*) FROM posts WHERE is_brand AND author_id = 'USCTrials'").fetchone()[0]
        == report.rows_loaded
    )


def test_meta_business_suite_keeps_multiline_captions(con):
    ingest_one(con, SAMPLES / "meta_business_suite_posts.csv")
    post = _post(con, "1867404650209001")
    assert post["text"] == "Black Friday starts now.\nEvery kettle 20% off,\nwhile stocks last."
    assert (post["at"], post["is_brand"], post["platform"], post["likes"]) == (
        "2026-11-13 18:00",
        True,
        "facebook",
        390,
    )
    assert _post(con, "1867404650209002")["text"].startswith("We're sorry.\r\nSome orders")


def test_comment_export_stores_each_post_once_and_comments_as_replies(con):
    report = ingest_one(con, SAMPLES / "facebook_comments.csv")
    assert (report.file_rows, report.rows_read, report.rows_duplicate) == (3, 5, 0)
    assert "comment rows also carry their post" in "\n".join(report.lines())
    post = _post(con, "p-100")
    assert (post["is_brand"], post["author"], post["text"]) == (True, "Acme Home", "Black Friday starts now.")
    assert _post(con, "c-1")["parent"] == "p-100"
    page_reply = _post(con, "c-2")
    assert (page_reply["parent"], page_reply["thread"], page_reply["is_brand"]) == ("c-1", "p-100", True)
    assert _post(con, "c-3")["thread"] == "p-101"


def test_instagram_comment_export(con):
    ingest_one(con, SAMPLES / "instagram_comments.csv")
    post = _post(con, "17900000000000001")
    assert (post["platform"], post["is_brand"], post["author"]) == ("instagram", True, "acme")
    comment = _post(con, "17800000000000002")
    assert (comment["platform"], comment["parent"], comment["is_brand"]) == ("instagram", "17900000000000001", False)


def test_youtube_takeout_unwraps_json_text(con):
    ingest_one(con, SAMPLES / "youtube_comments.csv")
    assert _post(con, "UgyA1")["text"] == "Great review of the kettle!"
    reply = _post(con, "UgyA1.r1")
    assert (reply["text"], reply["parent"], reply["thread"]) == ("Thanks for watching", "UgyA1", "UgyA1")
    assert _post(con, "UgyB2")["text"] == "Mine broke after a week"


def test_reddit_prefixes_dropped_and_comments_thread_under_the_submission(con):
    ingest_one(con, SAMPLES / "reddit_submissions.csv")
    ingest_one(con, SAMPLES / "reddit_comments.csv")
    submission = _post(con, "abc")
    assert submission["text"] == "Anyone else had trouble with Acme support?\n\nMy kettle broke after a week."
    assert submission["at"] == "2025-11-10 15:53"  # created_utc 1762790000
    assert [_post(con, c)["parent"] for c in ("k1", "k2", "k3")] == ["abc", "k1", "k2"]
    assert {_post(con, c)["thread"] for c in ("k1", "k2", "k3")} == {"abc"}


def test_twarc_conversation_is_the_thread(con):
    ingest_one(con, SAMPLES / "twarc_tweets.csv", brands=["AcmeHelp"])
    reply = _post(con, "1856000000000000002")
    assert (reply["author"], reply["is_brand"], reply["parent"]) == ("AcmeHelp", True, "1856000000000000001")
    later = _post(con, "1856000000000000003")  # no replied_to: hangs under the conversation's first tweet
    assert (later["parent"], later["thread"]) == ("1856000000000000001", "1856000000000000001")
    assert _post(con, "1856000000000000001")["reach"] == 150


def test_european_semicolon_file_reads_day_first_and_decimal_comma(con):
    report = ingest_one(con, SAMPLES / "european_semicolon.csv")
    assert any("day first" in note for note in report.notes)
    first = _post(con, "e1")
    assert (first["at"], first["author"], first["reach"], first["likes"]) == ("2026-11-03 14:30", "müller_k", 1234, 12)
    assert first["text"] == "Der Wasserkocher ist großartig, 49,99 € gut investiert"
    assert _post(con, "e2")["reach"] == 2500  # 2.500,5
    assert _post(con, "e3")["sentiment"] == "neutral"


@pytest.mark.parametrize(
    "dates, day_first",
    [
        (["03/04/2026 10:00", "25/04/2026 10:00"], True),  # 25 can only be a day
        (["03/04/2026 10:00", "04/25/2026 10:00"], False),  # 25 can only be a day: month first
        (["03/04/2026 10:00"], False),  # comma file, nothing says otherwise: US order
    ],
)
def test_slash_date_order_is_decided_by_the_file(con, write_csv, dates, day_first):
    rows = "".join(f"{i},{d},ana,hello {i}\n" for i, d in enumerate(dates))
    report = ingest_one(con, write_csv("d.csv", "id,date,user,message\n" + rows))
    stored = con.execute("SELECT strftime(created_at, '%m-%d') FROM posts WHERE post_id = '0'").fetchone()[0]
    assert stored == ("04-03" if day_first else "03-04")
    assert any(("day first" if day_first else "month first") in note for note in report.notes)


def test_every_sample_is_identified_by_sniff_alone():
    for name, (fmt, *_rest) in EXPECTED.items():
        assert sniff(SAMPLES / name).format.name == fmt, name


def test_generic_joins_a_separate_time_column(con, write_csv):
    ingest_one(con, write_csv("t.csv", "Datum;Uhrzeit;Autor;Text\n21.10.2026;14:35;ana;Hallo Lumo\n"))
    assert _post(con, con.execute("SELECT post_id FROM posts").fetchone()[0])["at"] == "2026-10-21 14:35"
