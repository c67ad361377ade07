"""DuckDB reads the file itself where it can; the result must be the one Python's csv reader gives.

Both readers fill the same table of text fields, from which one SQL statement derives the posts by the
format's rules (``load.derive_rows``); what is compared here is the reading. Every file is loaded twice into fresh databases, once as ``ingest_file`` chooses (``read_by`` says which
reader it took) and once row by row in Python, and the stored posts, quarantine and import reports must be
identical. Files the fast reader must refuse still load, through Python.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import db
from pipeline.ingest import ingest_file
from tests.conftest import DEMO_DIR, shared_file


def _tables(path: Path, tmp_path: Path, name: str, **options):
    con = db.connect(tmp_path / f"{name}.duckdb")
    try:
        report = ingest_file(con, path, **options)
        stored = {
            "stg_posts": con.execute(
                "SELECT * EXCLUDE (import_id) FROM stg_posts ORDER BY platform, post_id"
            ).fetchall(),
            "quarantine": con.execute(
                "SELECT line_number, reason, raw FROM quarantine ORDER BY line_number"
            ).fetchall(),
            "imports": con.execute("SELECT * EXCLUDE (import_id, imported_at) FROM imports").fetchall(),
            "brands": con.execute("SELECT brand, source FROM brands ORDER BY brand").fetchall(),
            "aliases": con.execute("SELECT * FROM brand_aliases ORDER BY key, kind").fetchall(),
        }
    finally:
        con.close()
    return report, stored


def _assert_same(path: Path, tmp_path: Path, expected_reader: str, **options):
    fast, fast_tables = _tables(path, tmp_path, "auto", **options)
    slow, slow_tables = _tables(path, tmp_path, "python", duckdb_reader=False, **options)
    assert slow.read_by == "python"
    for table, rows in slow_tables.items():
        assert fast_tables[table] == rows, f"{path.name}: {table} differs between the two readers"
    assert fast.read_by == expected_reader, f"{path.name} was read by {fast.read_by}"
    assert fast.lines()[1:] == slow.lines()[1:]
    return fast, fast_tables


SAMPLES = Path(__file__).parent / "samples"
# the vendor samples DuckDB reads itself: UTF-8, one header row (every format's rules are SQL, whichever
# reader read the rows: comment exports that carry two posts per row included)
DUCKDB_SAMPLES = [
    "brand24_mentions.csv",
    "sprout_social_messages.csv",
    "hootsuite_inbox.csv",
    "hootsuite_inbox2_messages.csv",
    "brandwatch_mentions.csv",
    "facebook_comments.csv",
    "instagram_comments.csv",
    "meta_business_suite_posts.csv",
    "reddit_comments.csv",
    "reddit_submissions.csv",
    "twarc_tweets.csv",
    "youtube_comments.csv",
]
# the others: Meltwater is UTF-16 and the European sample cp1252; Facebook Insights has a second header row
PYTHON_SAMPLES = [
    "meltwater_mentions.csv",
    "facebook_insights_posts.csv",
    "european_semicolon.csv",
]


def test_every_sample_is_listed_once():
    assert sorted(DUCKDB_SAMPLES + PYTHON_SAMPLES) == sorted(path.name for path in SAMPLES.glob("*.csv"))


@pytest.mark.parametrize("name", DUCKDB_SAMPLES + PYTHON_SAMPLES)
def test_vendor_samples_load_the_same_either_way(name, tmp_path):
    _assert_same(SAMPLES / name, tmp_path, "duckdb" if name in DUCKDB_SAMPLES else "python")


URLS = (
    "https://twitter.com/a/status/1",
    "https://mobile.x.com/a",
    "http://www.facebook.com/p/1",
    "//instagram.com/p/x",
    "https://user@youtube.com:443/watch",
    "news.example.com/a",
    "https://blog.example.org/",
    "not a url",
    "",
)
NETWORKS = ("X", "Facebook Page", "instagram", "News", "blogs & forums", "  ", "Web - Other", "TikTok", "")


def test_the_platform_rule_in_sql_matches_python_on_every_combination(tmp_path):
    """Sprout's Network and a URL, in every combination: the network name, else the URL's host, else the
    cleaned name, else web."""
    rows = ["Network,Profile,From,Message,Date,Permalink,Message ID"]
    for i, (network, url) in enumerate((n, u) for n in NETWORKS for u in URLS):
        rows.append(f'"{network}",acme,@Acme,hello {i},2026-10-01 10:{i % 60:02d},"{url}",m{i}')
    path = tmp_path / "sprout.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report, tables = _assert_same(path, tmp_path, "duckdb")
    assert report.rows_loaded == len(NETWORKS) * len(URLS)
    platforms = {row[0] for row in tables["stg_posts"]}
    assert {"twitter", "facebook", "instagram", "tiktok", "news", "blogs_forums", "web"} <= platforms


@pytest.mark.parametrize("path", sorted(DEMO_DIR.glob("*.csv")), ids=lambda path: path.name)
def test_demo_exports_load_the_same_through_duckdb(path, tmp_path):
    _assert_same(path, tmp_path, "duckdb")


@pytest.mark.parametrize(
    "relative",
    [
        "twcs_sample/twcs_head.csv",
        "airline_sentiment/Tweets.csv",
        "platform_exports/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv",
    ],
)
def test_real_exports_load_the_same(relative, tmp_path):
    path = shared_file(relative)
    # the TWCS sample has a bare CR inside an unquoted field: DuckDB's strict reader refuses it
    expected = "python" if relative.startswith("twcs") else "duckdb"
    report, tables = _assert_same(path, tmp_path, expected)
    assert report.rows_loaded > 0 and tables["stg_posts"]


TRICKY = (
    "id,date,user,message,in_reply_to,likes\r\n"
    'a1,2026-10-01T10:00:00Z,ana,"two\r\nlines, and a ""quote""",,"1,234"\r\n'
    "a2,2026-10-01 11:00:00 +0200,ben,plain  text with spaces  ,a1,7\r\n"
    'a3,10/03/2026 14:05,cat,"",a2,\r\n'  # no text but an id: kept
    ",2026-10-02T09:00:00Z,dan,no id: one is derived,,\r\n"
    "a1,2026-10-03T09:00:00Z,eve,a repeat of a1 later in the file,,\r\n"
    "a5,not a date,fay,bad timestamp,,\r\n"
    "a6,1999-01-01T00:00:00Z,gus,too old,,\r\n"
    'a7,2026-10-04T09:00:00Z,hal,"emoji 😡 and accents: zażółć, ñandú\nthird line",,\r\n'
    f"a8,2026-10-04T10:00:00Z,ivy,{'x' * 120_000},,\r\n"  # a field over the limit: quarantined, cut
    "a9,2026-10-04T11:00:00Z,jo,a NUL \x00 inside,,\r\n"
    f"{'z' * 250},2026-10-04T12:00:00Z,kim,an id that is too long,,\r\n"
    "a10,1791118800,lee,epoch seconds,,3\r\n"
)


def test_a_tricky_file_loads_the_same_through_duckdb(tmp_path):
    path = tmp_path / "tricky.csv"
    path.write_bytes(TRICKY.encode("utf-8"))
    report, tables = _assert_same(path, tmp_path, "duckdb")
    assert report.rows_read == 12 and report.rows_duplicate == 1
    reasons = {line: reason for line, reason, _ in tables["quarantine"]}
    assert set(reasons) == {8, 9, 12, 13, 14}  # the two multi-line rows shift the line numbers
    assert reasons[12].startswith("a field of 120,000 characters")
    assert reasons[13] == "a NUL byte in the row (binary data, not text)"


def test_a_day_first_semicolon_file_with_a_time_column_loads_the_same(tmp_path):
    path = tmp_path / "european.csv"
    path.write_bytes(
        "Datum;Uhrzeit;Autor;Beitrag;Gefällt mir\n"
        "03.10.2026;14:05;anna;Lieferung kam nicht an;1.234\n"
        "13/10/2026;09:00;bert;Danke für die schnelle Hilfe;2,5\n".encode()
    )
    report, tables = _assert_same(path, tmp_path, "duckdb")
    assert report.rows_loaded == 2


@pytest.mark.parametrize(
    "name, content",
    [
        ("ragged.csv", b"id,date,user,message\nb1,2026-10-01T10:00:00Z,ana,hello\nb2,2026-10-01T11:00:00Z,ben\n"),
        (
            "blank_line.csv",
            b"id,date,user,message\nb1,2026-10-01T10:00:00Z,ana,hello\n\nb2,2026-10-01T11:00:00Z,ben,hi\n",
        ),
        ("bare_cr.csv", b"id,date,user,message\nb1,2026-10-01T10:00:00Z,ana,hel\rlo\nb2,2026-10-01T11:00:00Z,ben,hi\n"),
        ("cp1252.csv", b"id,date,user,message\nb1,2026-10-01T10:00:00Z,ana,caf\xe9\nb2,2026-10-01T11:00:00Z,ben,hi\n"),
        (
            "stray_quote.csv",
            b'id,date,user,message\nb1,2026-10-01T10:00:00Z,ana,"quoted" then not\nb2,2026-10-01T11:00:00Z,ben,hi\n',
        ),
    ],
)
def test_files_duckdb_would_misread_go_through_python(name, content, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    report, _ = _assert_same(path, tmp_path, "python")
    assert report.rows_read == 2


def test_a_mapped_layout_with_a_platform_column_loads_the_same(tmp_path):
    path = tmp_path / "mapped.csv"
    path.write_text(
        "Kanal;Zeit;Wer;Was;Link\n"
        "Facebook Page;2026-10-01 10:00;anna;Lieferung fehlt;\n"
        ";2026-10-01 11:00;bert;Danke;https://x.com/bert/status/9\n"
        "Foren & Blogs;2026-10-01 12:00;cleo;Wo bleibt mein Paket?;\n",
        encoding="utf-8",
    )
    mapping = {"platform": "Kanal", "created_at": "Zeit", "author_id": "Wer", "text": "Was", "url": "Link"}
    report, tables = _assert_same(path, tmp_path, "duckdb", mapping=mapping, format_name="kanal_export")
    assert report.rows_loaded == 3
    assert sorted(row[0] for row in tables["stg_posts"]) == ["facebook", "foren_blogs", "other"]
