"""Competitors, share of voice, themes, emerging topics and the weekly summary: answers known by hand on small
literal data sets, attribution in three languages, and the CLI."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from conftest import ingest_one

from pipeline.analytics import update_analytics
from pipeline.cli import main
from pipeline.core import db
from pipeline.core.brands import BrandError, add_brand, brand_roles, set_role
from pipeline.metrics.themes import ThemeError, save_themes, validate
from pipeline.normalize import build_posts
from pipeline.read.compare import share_of_voice, theme_posts, theme_totals, top_posts, tracked_brands, voice_in_period
from pipeline.read.queries import PostFilter
from pipeline.read.summary import weekly_summary
from pipeline.read.topics import emerging_topics, rising_terms, terms_of

WEEK_A, WEEK_B = date(2026, 11, 2), date(2026, 11, 9)


def _rows(brand: str, monday: date, texts_and_labels: list[tuple[str, str, int]], start: int) -> list[str]:
    rows, n = [], start
    for text, label, count in texts_and_labels:
        for i in range(count):
            at = datetime(monday.year, monday.month, monday.day, 8, tzinfo=UTC) + timedelta(hours=3 * i + n % 3)
            rows.append(f"{brand[0]}{n},{at:%Y-%m-%dT%H:%M:%SZ},user{n},{text}. ref{n},{brand},twitter,{label}")
            n += 1
    return rows


def two_weeks_csv() -> str:
    """Week A: Lumo 40 posts (16 negative, 16 positive: net 0), Kelvo 40 (8 negative, 24 positive: net +40).
    Week B: Lumo 60 (12 negative, 36 positive: net +40), Kelvo 20 (16 negative "parcel never arrived",
    4 positive: net -60). No brand replies."""
    rows = ["id,date,author,text,brand,platform,sentiment"]
    rows += _rows(
        "Lumo",
        WEEK_A,
        [
            ("the blender is noisy", "negative", 16),
            ("love the kettle", "positive", 16),
            ("is the toaster dishwasher safe", "neutral", 8),
        ],
        1000,
    )
    rows += _rows(
        "Kelvo",
        WEEK_A,
        [("the mixer is loud", "negative", 8), ("great mixer", "positive", 24), ("which mixer to buy", "neutral", 8)],
        2000,
    )
    rows += _rows(
        "Lumo",
        WEEK_B,
        [
            ("the blender is noisy", "negative", 12),
            ("love the kettle", "positive", 36),
            ("is the toaster dishwasher safe", "neutral", 12),
        ],
        3000,
    )
    rows += _rows("Kelvo", WEEK_B, [("my parcel never arrived", "negative", 16), ("great mixer", "positive", 4)], 4000)
    return "\n".join(rows) + "\n"


@pytest.fixture
def two_weeks(con, write_csv):
    ingest_one(con, write_csv("listening.csv", two_weeks_csv()))
    set_role(con, "Lumo", "ours")
    set_role(con, "Kelvo", "competitor")
    update_analytics(con)
    return con


def test_summary_sentences_match_hand_computed_figures(two_weeks):
    sentences = weekly_summary(two_weeks, WEEK_B)
    text = "\n".join(sentences)
    assert (
        "Our brand (Lumo) had 60 customer posts, 50 % more than the week before (40); net sentiment +40, "
        "up 40 points from 0." in sentences
    )
    assert any(
        s.startswith(
            "The biggest move: Kelvo's net sentiment fell 100 points, to -60 (20 posts); "
            "16 of its 16 negative posts were about Delivery, 100 % of them on twitter"
        )
        for s in sentences
    )
    assert (
        "Share of voice: our brands 75% (+25 points), Kelvo 25% (-25 points). Net sentiment +40 for ours against "
        "-60 for the competitor." in sentences
    )
    assert "No crisis was active this week." in sentences
    assert any(s.startswith("Response times cannot be known this week") for s in sentences)
    assert "“parcel never arrived” for Kelvo (16 posts, 0.0 a week before)" in text


def test_share_of_voice_and_period_comparison(two_weeks):
    share = share_of_voice(two_weeks, grain="week")
    week_b = share[share["bucket"] == pd.Timestamp(WEEK_B)].set_index("brand")
    assert week_b.loc["Lumo", "share"] == pytest.approx(0.75) and week_b.loc["Kelvo", "posts"] == 20
    assert week_b.loc["Lumo", "share_change"] == pytest.approx(0.25)
    assert week_b.loc["Kelvo", "net_sentiment"] == pytest.approx(-60) and week_b.loc[
        "Kelvo", "net_change"
    ] == pytest.approx(-100)
    first = share[share["bucket"] == pd.Timestamp(WEEK_A)]
    assert len(first) == 2
    assert first["share_change"].isna().all()  # no week before in the data: unknown, not 0
    period = voice_in_period(two_weeks, WEEK_B, 7).set_index("brand")
    assert period.loc["Lumo", "share_before"] == pytest.approx(0.5) and period.loc["Lumo", "role"] == "ours"
    assert tracked_brands(two_weeks) == ("Lumo", "Kelvo")  # ours first


def test_top_posts_fall_back_to_threads_without_engagement(two_weeks):
    top, basis = top_posts(two_weeks, PostFilter(WEEK_B, WEEK_B + timedelta(days=6)), limit=3)
    assert basis == "thread size" and len(top) == 3


def test_roles_are_validated_and_change_no_attribution(two_weeks):
    before = two_weeks.execute("SELECT post_id, brand FROM fct_posts ORDER BY post_id").fetchall()
    assert set_role(two_weeks, "kelvo", "unset").message == "Kelvo: role forgotten"
    assert brand_roles(two_weeks)["Kelvo"] is None
    with pytest.raises(BrandError, match="'ours' or 'competitor'"):
        set_role(two_weeks, "Kelvo", "rival")
    with pytest.raises(BrandError, match="no brand"):
        set_role(two_weeks, "Nobody", "ours")
    assert two_weeks.execute("SELECT post_id, brand FROM fct_posts ORDER BY post_id").fetchall() == before
    sentences = weekly_summary(two_weeks, WEEK_B)
    assert not any(s.startswith("Share of voice") for s in sentences)  # no competitor left to compare with


# --- attribution in three languages ----------------------------------------------------------------------

ATTRIBUTION = """id,date,author,text
a1,2026-11-03T10:00:00Z,ana,mi pedido de ZAMÓWIEŃ nunca llegó
a2,2026-11-03T11:00:00Z,bea,La tienda Café Ñandú no abre
a3,2026-11-03T12:00:00Z,cai,cafe nandu otra vez
a4,2026-11-03T13:00:00Z,dan,Zamówień Plus nie odpowiada na reklamację
a5,2026-11-03T14:00:00Z,eli,@ZamowienPlus dziękuję
a6,2026-11-03T15:00:00Z,fay,supercafe ñandúes
a7,2026-11-03T16:00:00Z,gus,nothing about brands here
"""


def test_attribution_by_handle_and_name_in_three_languages(con, write_csv):
    add_brand(con, "Café Ñandú", role="competitor")
    add_brand(con, "Zamówień Plus", handles=["@ZamowienPlus"], role="ours")
    ingest_one(con, write_csv("attribution.csv", ATTRIBUTION))
    brands = dict(con.execute("SELECT post_id, brand FROM fct_posts").fetchall())
    assert brands["a2"] == brands["a3"] == "Café Ñandú"  # accents and case do not matter
    assert brands["a4"] == brands["a5"] == "Zamówień Plus"  # by name (Polish letters) and by handle
    assert brands["a1"] is None  # a part of the name is not the name
    assert brands["a6"] is None  # the name inside other words does not match
    assert brands["a7"] is None


def test_changing_a_brand_changes_attribution_and_analytics_equal_a_rebuild(con, write_csv, tmp_path):
    add_brand(con, "Kelvo", role="competitor")
    ingest_one(con, write_csv("listening.csv", two_weeks_csv()))
    update_analytics(con)
    add_brand(con, "Kelvo", names=["mixer"])  # "mixer" now also names Kelvo: no post changes brand (export names it)
    add_brand(con, "Blendo", names=["blender"], role="competitor")
    build_posts(con)
    update_analytics(con)
    tables = ("fct_post_themes", "fct_hourly", "fct_responses")
    incremental = {t: sorted(map(str, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    update_analytics(con, whole=True)
    assert {t: sorted(map(str, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables} == incremental


# --- themes ---------------------------------------------------------------------------------------------

THEMED = """id,date,author,text
t1,2026-11-03T10:00:00Z,ana,Where is my REFUND? charged twice
t2,2026-11-03T11:00:00Z,bea,mi envío no ha llegado
t3,2026-11-03T12:00:00Z,cai,przesyłka nie dotarła
t4,2026-11-03T13:00:00Z,dan,so happy with it
t5,2026-11-03T14:00:00Z,eli,the app keeps crashing on login
t6,2026-11-03T15:00:00Z,fay,took a coffee break and the jar was broken
t7,2026-11-03T16:00:00Z,gus,cancelled my subscription yesterday
t8,2026-11-03T17:00:00Z,hal,#refunds please
"""


@pytest.fixture
def themed(con, write_csv):
    ingest_one(con, write_csv("themed.csv", THEMED))
    update_analytics(con)
    return con


def themes_of(con) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for post_id, theme in con.execute("SELECT post_id, theme FROM fct_post_themes").fetchall():
        out.setdefault(post_id, set()).add(theme)
    return out


def test_default_themes_match_whole_words_in_three_languages(themed):
    tags = themes_of(themed)
    assert tags["t1"] == {"Refunds and billing"}
    assert tags["t2"] == {"Delivery"} and tags["t3"] == {"Delivery"}
    assert "t4" not in tags  # "app" is not inside "happy"
    assert tags["t5"] == {"Website and app"}
    assert "t6" not in tags  # an exclusion ("coffee break") wins
    assert tags["t7"] == {"Refunds and billing"}  # all words of a group (cancel*, subscription*)
    assert tags["t8"] == {"Refunds and billing"}  # a hashtag counts as its word
    totals = theme_totals(themed).set_index("theme")
    assert totals.loc["Refunds and billing", "posts"] == 3 and totals.loc["(no theme)", "posts"] == 2
    posts, total = theme_posts(themed, "Delivery")
    assert total == 2 and set(posts["post_id"]) == {"t2", "t3"}


def test_edited_themes_tag_again_and_bad_sets_are_refused_whole(themed):
    save_themes(themed, [{"name": "Joy", "any": ["happy"], "phrases": [], "all": [], "exclude": []}])
    assert themes_of(themed) == {"t4": {"Joy"}}
    for bad, message in [
        ([{"name": "X", "any": ["a b"]}], "put it in 'phrases'"),
        ([{"name": "X"}], "no word, phrase or word group"),
        ([{"name": "X", "any": ["re*fund"]}], "not a word"),
        ([{"name": "X", "any": ["ab*"]}], "too short"),
        ([{"name": "X", "any": ["x"]}, {"name": "x", "any": ["y"]}], "another theme named"),
        ([{"name": "X", "any": ["x"], "colour": "red"}], "unknown part"),
        ({"name": "X"}, "a list"),
    ]:
        with pytest.raises(ThemeError, match=message):
            validate(bad)
    assert themes_of(themed) == {"t4": {"Joy"}}


def test_keywords_outside_ascii_match_whole_words_too(con, write_csv):
    # ASCII keywords match with RE2's fast ASCII boundaries, others with Unicode letter classes; ł is l
    ingest_one(
        con,
        write_csv(
            "unicode.csv",
            "id,date,author,text\n"
            "u1,2026-11-02T10:00:00Z,ana,Опять задержка рейса\n"
            "u2,2026-11-02T11:00:00Z,ben,задержками недоволен\n"
            "u3,2026-11-02T12:00:00Z,cy,Zły kurier znowu\n"
            "u4,2026-11-02T13:00:00Z,dee,the kurierka was fine\n"
            "u5,2026-11-02T14:00:00Z,eve,Zlyx and zły\n",
        ),
    )
    update_analytics(con)
    save_themes(con, [{"name": "Задержка", "any": ["задержка"]}, {"name": "Kurier", "all": [["zły", "kurier"]]}])
    assert themes_of(con) == {"u1": {"Задержка"}, "u3": {"Kurier"}}


def test_themes_cli_sets_shows_and_refuses_bad_files(tmp_path, write_csv):
    path = str(tmp_path / "cli.duckdb")
    assert main(["ingest", str(write_csv("themed.csv", THEMED)), "--db", path]) == 0
    good = tmp_path / "themes.json"
    good.write_text(json.dumps([{"name": "Płatności", "any": ["płatnoś*", "refund*"]}]), encoding="utf-8")
    assert main(["themes", "set", str(good), "--db", path]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    assert main(["themes", "set", str(bad), "--db", path]) == 2
    assert main(["themes", "set", str(tmp_path / "missing.json"), "--db", path]) == 1
    with db.connect(path, read_only=True) as con:
        assert {row[0] for row in con.execute("SELECT post_id FROM fct_post_themes").fetchall()} == {"t1", "t8"}
    assert main(["themes", "reset", "--db", path]) == 0


def test_brands_cli_sets_roles(tmp_path, write_csv, capsys):
    path = str(tmp_path / "cli.duckdb")
    assert main(["ingest", str(write_csv("listening.csv", two_weeks_csv())), "--db", path]) == 0
    assert main(["brands", "role", "kelvo", "competitor", "--db", path]) == 0
    assert main(["brands", "role", "Kelvo", "enemy", "--db", path]) == 1
    assert main(["brands", "role", "Kelvo", "--db", path]) == 1
    assert main(["brands", "add", "Brava", "--role", "competitor", "--db", path]) == 0
    capsys.readouterr()
    assert main(["brands", "--db", path]) == 0
    listing = capsys.readouterr().out
    assert "Kelvo  40" not in listing and "a competitor" in listing


# --- emerging topics ------------------------------------------------------------------------------------


def test_terms_skip_stop_words_mentions_and_links():
    assert terms_of("@Kelvo the parcel never arrived! https://x.co/a #KelvoDelays") == {
        "parcel",
        "parcel never arrived",
        "never arrived",
        "arrived",
        "never",
        "parcel never",
        "#kelvodelays",
    }
    assert terms_of("que por para") == set()


def test_a_planted_phrase_comes_first_and_a_steady_word_does_not_appear():
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(300)]

    def week(planted: int) -> Counter:
        counts: Counter = Counter()
        for n in range(400):
            words = rng.sample(vocabulary, 6) + ["kettle"]  # "kettle": in every post, every week
            if n < planted:
                words = ["jar", "cracked"] + words
            for term in terms_of(" ".join(words)):
                counts[term] += 1
        return counts

    before: Counter = Counter()
    for _ in range(8):
        before.update(week(0))
    risen = rising_terms(week(40), before, weeks_before=8)
    assert risen.iloc[0]["term"] == "jar cracked"  # the longer phrase says it for "jar" and "cracked"
    assert "kettle" not in set(risen["term"])
    assert not any(term.startswith("word") and " " not in term for term in risen["term"])
    # a phrase seen twice, never before, is not news
    assert rising_terms(Counter({"odd phrase": 2, "kettle": 400}), Counter({"kettle": 3200}), weeks_before=8).empty


def test_emerging_topics_per_brand_with_their_posts(two_weeks):
    topics = emerging_topics(two_weeks, WEEK_B)
    kelvo = topics[topics["brand"] == "Kelvo"]
    assert kelvo.iloc[0]["term"] == "parcel never arrived" and kelvo.iloc[0]["posts"] == 16
    assert len(kelvo.iloc[0]["post_keys"]) == 16
    assert topics[topics["brand"] == "Lumo"].empty  # Lumo's words are as usual


# --- the weekly report, sent -------------------------------------------------------------------------------


def test_weekly_report_is_sent_to_the_report_roles(tmp_path, write_csv):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from servers import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookReceiver

    from pipeline.monitor.plan import default_plan, save_plan

    path = tmp_path / "send.duckdb"
    assert main(["ingest", str(write_csv("listening.csv", two_weeks_csv())), "--db", str(path)]) == 0
    assert main(["brands", "role", "Lumo", "ours", "--db", str(path)]) == 0
    radar = str(Path(sys.executable).parent / "radar")
    # no channel for the report roles yet: said, not silently skipped
    result = subprocess.run(
        [radar, "report", "weekly", "--week", "2026-W46", "--send", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and "have no channel" in result.stderr
    smtp, receiver = SmtpServer(tmp_path), WebhookReceiver()
    with smtp, receiver:
        plan = default_plan()
        plan["channels"] = {
            "mail": {"type": "email", "to": ["cm@example.com"]},
            "hook": {"type": "webhook", "url": receiver.url("/report"), "locale": "pl"},  # told in Polish
        }
        plan["roles"]["community manager"] = ["mail"]
        plan["roles"]["care lead"] = ["hook"]
        plan["smtp"].update(
            host="127.0.0.1", port=smtp.port, starttls=True, username=SMTP_USER, password_env="RADAR_TEST_SMTP_PASSWORD"
        )
        with db.connect(path) as con:
            save_plan(con, plan)
        env = {**os.environ, "SSL_CERT_FILE": str(smtp.cert), "RADAR_TEST_SMTP_PASSWORD": SMTP_PASSWORD}
        result = subprocess.run(
            [radar, "report", "weekly", "--week", "2026-W46", "--send", "--db", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert "mail: sent" in result.stdout and "hook: sent" in result.stdout
        (mail,) = smtp.messages
        assert mail["To"] == "cm@example.com" and "Weekly reputation report 2026-W46" in mail["Subject"]
        parts = {part.get_content_type(): part for part in mail.walk()}
        assert "text/html" in parts and "Our brand (Lumo) had 60 customer posts" in parts["text/html"].get_content()
        attachment = parts.get("application/pdf") or parts.get("text/html")
        assert attachment is not None
        (request,) = receiver.received
        body = request["body"]
        assert body["kind"] == "weekly_report" and body["locale"] == "pl"  # the channel's language, not English
        assert any("Lumo" in s for s in body["summary"]) and not any("Our brand" in s for s in body["summary"])
        assert "Weekly reputation report" not in body["subject"]
