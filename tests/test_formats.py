"""Format detection from the header: the registry picks the most specific layout."""

import pytest

from pipeline.ingest import FORMATS, IngestError, detect_format, sniff
from pipeline.ingest.formats import normalize_header

TWCS = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
AIRLINE = (
    "tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,negativereason_confidence,"
    "airline,airline_sentiment_gold,name,negativereason_gold,retweet_count,text,tweet_coord,"
    "tweet_created,tweet_location,user_timezone"
)
ANALYTICS_2017 = (
    '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements",'
    '"engagement rate","retweets","replies","likes"'
)
ANALYTICS_2015 = ANALYTICS_2017.replace('"likes"', '"favorites"')


@pytest.mark.parametrize(
    "header, expected",
    [
        (TWCS, "twcs"),
        ("," + TWCS, "twcs"),  # pandas' leading unnamed index column
        (AIRLINE, "airline_sentiment"),
        (ANALYTICS_2017, "twitter_analytics"),
        (ANALYTICS_2015, "twitter_analytics"),
        ("id,date,user,message,in_reply_to", "generic"),
        ("Post ID , Created At,Author,Content", "generic"),
        ("MESSAGE;TIMESTAMP", None),  # one column with the wrong delimiter is not a header
        ("foo,bar,baz", None),
    ],
)
def test_detect_format_from_header(header, expected):
    fields = header.replace('"', "").split(",")
    fmt = detect_format(fields)
    assert (fmt.name if fmt else None) == expected


@pytest.mark.parametrize(
    "raw, normalized",
    [
        (" In_Reply-To ", "in reply to"),
        ("\ufeffPost  ID", "post id"),
        ("tweet_created", "tweet created"),
        ("Timestamp (ET)", "timestamp"),  # a trailing unit or zone in brackets does not matter
        (
            "Lifetime Talking About This (Post) by action type - like",
            "lifetime talking about this (post) by action type like",
        ),
    ],
)
def test_normalize_header(raw, normalized):
    assert normalize_header(raw) == normalized


def test_every_format_has_a_unique_name_and_description():
    names = [fmt.name for fmt in FORMATS]
    assert len(names) == len(set(names))
    assert all(fmt.description for fmt in FORMATS)


def test_header_found_below_report_metadata(write_csv):
    path = write_csv(
        "report.csv",
        "Report: Mentions\nExported,2026-11-20\n\nid,date,user,message\n1,2026-11-01T10:00:00Z,ana,hello\n",
    )
    dialect = sniff(path)
    assert dialect.format.name == "generic"
    assert dialect.header_line == 4


def test_forced_format_wins_and_explains_missing_columns(write_csv):
    path = write_csv("posts.csv", "id,date,user,message\n1,2026-11-01T10:00:00Z,ana,hello\n")
    assert sniff(path, forced_format="generic").format.name == "generic"
    with pytest.raises(IngestError, match="format 'twcs' needs the columns"):
        sniff(path, forced_format="twcs")


def test_unknown_layout_names_the_file_and_the_columns(write_csv):
    path = write_csv("weird.csv", "alpha,beta\n1,2\n")
    with pytest.raises(IngestError) as error:
        sniff(path)
    assert "weird.csv" in str(error.value) and "'alpha', 'beta'" in str(error.value)


NBSP, EM = "\u00a0", "\u2003"


@pytest.mark.parametrize(
    "name, text, post_id, column, expected",
    [
        # a value strips as Python's str.strip() does: Unicode spaces too (a no-break space from a spreadsheet)
        (
            "mbs.csv",
            "Post ID,Account ID,Account username,Account name,Description,Publish time,Permalink\n"
            f"p1,,{NBSP},tom.w,hi,2026-11-10T09:00:00Z,https://www.instagram.com/p/1\n",
            "p1",
            "author_id",
            "tom.w",
        ),
        (
            "reddit.csv",
            f"id,author,created_utc,body,link_id\nabc{EM},u1,1762800000,hello,t3_abc\n",
            "abc",
            "parent_id",
            None,
        ),
        # a network written "Twitter/X" or "X (Twitter)" is Twitter
        (
            "bw.csv",
            "Date,Title,Snippet,Full Text,Url,Page Type,Author\n"
            "2026-11-10T09:00:00Z,,,hello,https://news.example.com/a,Twitter/X,jo\n",
            None,
            "platform",
            "twitter",
        ),
        (
            "bw2.csv",
            "Date,Title,Snippet,Full Text,Url,Page Type,Author\n"
            "2026-11-10T09:00:00Z,,,hello,https://www.facebook.com/a,X (Twitter),jo\n",
            None,
            "platform",
            "twitter",
        ),
        # a URL is read as a browser reads it: a tab inside, or control characters before it, do not hide its host
        (
            "mbs_tab.csv",
            "Post ID,Account ID,Account username,Account name,Description,Publish time,Permalink\n"
            "p1,,,acme,hi,2026-11-10T09:00:00Z,https://insta\tgram.com/p/1\n",
            "p1",
            "platform",
            "instagram",
        ),
    ],
)
def test_a_rule_reads_a_value_as_a_person_would(tmp_path, write_csv, name, text, post_id, column, expected):
    from pipeline.core import db
    from pipeline.ingest import ingest_file

    path = write_csv(name, text)
    for reader in ("duckdb", "python"):  # one rule, whichever reader read the file
        con = db.connect(tmp_path / f"{reader}.duckdb")
        try:
            assert ingest_file(con, path, duckdb_reader=reader == "duckdb").read_by == reader
            where, params = ("post_id = ?", [post_id]) if post_id else ("true", [])
            rows = con.execute(f"SELECT {column} FROM stg_posts WHERE {where}", params).fetchall()
        finally:
            con.close()
        assert rows == [(expected,)], (reader, rows)
