"""Brands: who is a brand, one canonical name across handles and spellings, attribution by handle or by name,
and changes people make (add, merge, rename, remove) recomputing attribution."""

from __future__ import annotations

import pytest
from conftest import ingest_one

from pipeline.analytics import update_analytics
from pipeline.cli import main
from pipeline.core import db
from pipeline.core.brands import (
    BrandError,
    add_brand,
    find_brand,
    merge_brands,
    remove_brand,
    rename_brand,
    suggest_merges,
)
from pipeline.normalize import build_posts

# A listening export: the "brand" column names the airline; the leading @mention is sometimes a person.
MENTIONS = """id,date,author,text,brand
1,2026-11-02T10:00:00Z,andrew,@andrewfallis @united my bag is lost,United
2,2026-11-02T11:00:00Z,sarah,@sarahpompei and @USAirways delayed again,US Airways
3,2026-11-02T12:00:00Z,tom,@USAirways thanks for nothing,US Airways
4,2026-11-02T13:00:00Z,ana,@united lovely crew today,United
"""
# An upload without a brand column: attributed by handle, or by the brand's name as a whole word.
UPLOAD = """id,date,author,text
u1,2026-11-03T10:00:00Z,kim,@United where is my refund
u2,2026-11-03T11:00:00Z,lee,flying UNITED again tomorrow
u3,2026-11-03T12:00:00Z,max,the reunited band was great
u4,2026-11-03T13:00:00Z,ned,US   Airways lost my bag
u5,2026-11-03T14:00:00Z,oli,Café Nero was closed
u6,2026-11-03T15:00:00Z,pia,cafe nero again!
"""


def brand_of(con, post_id: str) -> str | None:
    return db.scalar(con, "SELECT brand FROM posts WHERE post_id = ?", [post_id])


@pytest.fixture
def mentions(con, write_csv):
    report = ingest_one(con, write_csv("mentions.csv", MENTIONS))
    return con, report


def test_personal_handles_never_become_brands(mentions):
    con, report = mentions
    assert sorted(report.brands_added) == ["US Airways", "United"]
    assert {row[0] for row in con.execute("SELECT brand FROM brands").fetchall()} == {"United", "US Airways"}
    assert brand_of(con, "1") == "United" and brand_of(con, "2") == "US Airways"


def test_one_brand_across_handles_and_spellings(mentions, write_csv):
    con, _ = mentions
    # "@USAirways" and "US Airways" are one brand, not "usairways" and "us airways"
    assert {brand_of(con, post) for post in ("2", "3")} == {"US Airways"}
    assert find_brand(con, "@usairways") == find_brand(con, "us_airways") == "US Airways"
    add_brand(con, "Café Nero")
    ingest_one(con, write_csv("upload.csv", UPLOAD))
    assert brand_of(con, "u1") == "United"  # by handle: "united" is the name's key
    assert brand_of(con, "u2") == "United"  # by name, as a whole word, any case
    assert brand_of(con, "u3") is None  # "reunited" is not the word "united"
    assert brand_of(con, "u4") is None  # two spaces: not the name as written
    assert brand_of(con, "u5") == brand_of(con, "u6") == "Café Nero"  # accent-insensitive


def test_suggestions_name_often_mentioned_accounts(con, write_csv):
    rows = "".join(f"{i},2026-11-02T{i % 24:02d}:00:00Z,user{i},@JetBlue flight {i} late,Delta\n" for i in range(12))
    report = ingest_one(con, write_csv("m.csv", "id,date,author,text,brand\n" + rows))
    assert report.brands_suggested == (("JetBlue", 12),)
    assert any("often mentioned, not a brand yet: @JetBlue (12 posts)" in line for line in report.lines())
    add_brand(con, "JetBlue", handles=["@JetBlue"])
    build_posts(con)
    # an @mention of a brand wins over the brand the export names
    assert {row[0] for row in con.execute("SELECT DISTINCT brand FROM posts").fetchall()} == {"JetBlue"}


def test_merge_rename_and_remove_recompute_attribution(mentions):
    con, _ = mentions
    add_brand(con, "United Airlines", handles=["@UnitedAirlines"])
    with pytest.raises(BrandError, match="already stands for the brand 'United'"):
        add_brand(con, "UA", handles=["@united"])
    merge_brands(con, "United", ["United Airlines"])
    assert find_brand(con, "@UnitedAirlines") == "United"
    rename_brand(con, "United", "United Airlines")
    update_analytics(con)
    assert brand_of(con, "1") == "United Airlines"
    assert db.scalar(con, "SELECT count(*) FROM brands WHERE brand = 'United'") == 0
    remove_brand(con, "US Airways")
    update_analytics(con)
    assert brand_of(con, "3") is None
    with pytest.raises(BrandError, match="no brand 'nope'"):
        remove_brand(con, "nope")
    assert db.check_quality(con) == []


def test_the_brands_command(tmp_path, write_csv, capsys):
    database = str(tmp_path / "cli.duckdb")
    assert main(["ingest", str(write_csv("mentions.csv", MENTIONS)), "--db", database]) == 0
    assert main(["brands", "add", "United", "--handle", "@UnitedAirlines", "--db", database]) == 0
    assert main(["brands", "rename", "US Airways", "US Air", "--db", database]) == 0
    capsys.readouterr()
    assert main(["brands", "--db", database]) == 0
    listed = capsys.readouterr().out
    assert 'United  2 posts  (@UnitedAirlines, "United"' in listed and "US Air  2 posts" in listed
    assert main(["brands", "merge", "United", "--db", database]) == 1
    assert "needs 2 names" in capsys.readouterr().err
    assert main(["brands", "remove", "nope", "--db", database]) == 1
    assert "no brand 'nope'" in capsys.readouterr().err


def test_a_database_of_schema_5_keeps_its_brands(tmp_path):
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    con.execute("DROP TABLE brand_aliases")
    con.execute("DROP TABLE brands")
    con.execute(
        "CREATE TABLE brands (handle VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute("INSERT INTO brands VALUES ('sprintcare', 'exported by twcs', now()), ('ask_spectrum', 'x', now())")
    db.set_meta(con, "schema_version", "5")
    con.close()
    con = db.connect(path)
    assert db.get_meta(con, "schema_version") == str(db.SCHEMA_VERSION)
    assert find_brand(con, "@Ask_Spectrum") == "ask_spectrum" and find_brand(con, "sprintcare") == "sprintcare"
    con.close()


def test_an_export_naming_thousands_of_brands_adds_the_most_frequent(con, write_csv):
    rows = "".join(
        f"{i},2026-11-02T10:00:00Z,user{i},hello,brand{i % 250}{'x' if i < 250 else ''}\n" for i in range(500)
    )
    report = ingest_one(con, write_csv("many.csv", "id,date,author,text,brand\n" + rows))
    assert len(report.brands_added) == 200
    assert any("names 500 different brands: the 200 most frequent became brands" in note for note in report.notes)


def test_a_brand_an_export_names_and_the_account_its_posts_mention_are_suggested_as_one(con, write_csv):
    rows = "".join(
        f"{i},2026-11-02T{i % 24:02d}:00:00Z,user{i},@AmericanAir flight {i} late,American\n" for i in range(30)
    )
    ingest_one(con, write_csv("m.csv", "id,date,author,text,brand\n" + rows))
    assert suggest_merges(con) == []  # @AmericanAir is not a brand yet: the posts stay with American
    add_brand(con, "americanair", handles=["@AmericanAir"])
    build_posts(con)
    assert suggest_merges(con) == [("American", "americanair", 30)]
    merge_brands(con, "americanair", ["American"])
    build_posts(con)
    assert suggest_merges(con) == []


@pytest.mark.parametrize(
    "name, handles, aliases, message",
    [
        ("Foo", ["@@"], [], "the handle '@@' needs at least one letter or digit"),
        ("Foo", [], ["!!!"], "the name '!!!' needs at least one letter or digit"),
        ("Zy " * 50, [], [], "at most 100"),
        ("Evil\nacme  999 posts", [], [], "control characters"),
        ("NewCo", [], ["United"], "'United' already stands for the brand 'United'"),
    ],
)
def test_names_that_cannot_be_a_brands_are_refused(mentions, name, handles, aliases, message):
    con, _ = mentions
    before = con.execute("SELECT * FROM brand_aliases ORDER BY ALL").fetchall()
    with pytest.raises(BrandError, match=message.replace("(", r"\(").replace("'", "'")):
        add_brand(con, name, handles=handles, names=aliases)
    assert con.execute("SELECT * FROM brand_aliases ORDER BY ALL").fetchall() == before


def test_removing_a_brand_that_an_export_marks_takes_its_posts_too(con, write_csv):
    ingest_one(
        con,
        write_csv(
            "care.csv",
            "tweet_id,author_id,inbound,created_at,text,response_tweet_id,"
            "in_response_to_tweet_id\n"
            "1,115712,True,Tue Oct 31 22:10:47 +0000 2017,@sprintcare help,2,\n"
            "2,sprintcare,False,Tue Oct 31 22:11:45 +0000 2017,@115712 on it,,1\n",
        ),
    )
    assert {row[0] for row in con.execute("SELECT brand FROM posts").fetchall()} == {"sprintcare"}
    remove_brand(con, "sprintcare")
    update_analytics(con)
    assert {row[0] for row in con.execute("SELECT brand FROM posts").fetchall()} == {None}
    assert db.check_quality(con) == []


def test_a_renamed_brand_is_found_by_its_new_name(mentions, write_csv):
    con, _ = mentions
    rename_brand(con, "United", "United Air")
    rename_brand(con, "United Air", "UnitedAir")
    ingest_one(con, write_csv("u.csv", "id,date,author,text\nx1,2026-11-04T10:00:00Z,kim,UnitedAir rules\n"))
    assert brand_of(con, "x1") == "UnitedAir"


def test_brand_commands_refuse_what_they_would_ignore(tmp_path, write_csv, capsys):
    database = str(tmp_path / "cli.duckdb")
    assert main(["brands", "add", "Foo", "--db", str(tmp_path / "missing.duckdb")]) == 1
    assert "no database yet" in capsys.readouterr().err and not (tmp_path / "missing.duckdb").exists()
    assert main(["ingest", str(write_csv("mentions.csv", MENTIONS)), "--db", database]) == 0
    capsys.readouterr()
    assert main(["brands", "rename", "United", "UA", "--handle", "@x", "--db", database]) == 1
    assert "--handle, --alias and --role go with `radar brands add`" in capsys.readouterr().err
    assert main(["labels", "--import", "imp-000001", "--db", database]) == 0
    assert capsys.readouterr().out.startswith("imp-000001  mentions.csv")
    assert main(["labels", "--prefer", "radar", "--format", "", "--db", database]) == 1
    assert "no import with the format ''" in capsys.readouterr().err
