"""Labels people trust: an export's own sentiment labels are used by default (or Radar's score, per import or
format), the source of every label is recorded, and a person's correction wins everywhere and can be undone."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from conftest import ingest_one, shared_file

from pipeline.analytics import update_analytics
from pipeline.cli import main
from pipeline.core import db
from pipeline.enrich import set_export_labels, set_sentiment_override
from pipeline.read.queries import PostFilter, net_sentiment, sentiment_trend, vendor_agreement, weekly_kpis

# Texts Radar's rules read one way, labelled the other way by the export (a person or a vendor).
LABELLED = """id,date,author,text,sentiment
1,2026-11-02T10:00:00Z,ana,I love how my order never arrived,negative
2,2026-11-02T11:00:00Z,ben,great great great,negative
3,2026-11-02T12:00:00Z,cy,terrible awful horrible,positive
4,2026-11-02T13:00:00Z,dee,ok thanks for the quick delivery of my parcel,
"""


def labels(con) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT post_id, sentiment_label, sentiment_source, radar_label, export_label FROM posts"
        ).fetchall()
    }


def negative_at(con, hour: str) -> int:
    return db.scalar(
        con, "SELECT negative_posts FROM fct_hourly WHERE brand = '*' AND hour_at = ?", [f"2026-11-02 {hour}:00+00"]
    )


@pytest.fixture
def labelled(con, write_csv):
    ingest_one(con, write_csv("labelled.csv", LABELLED))
    update_analytics(con)
    return con


def test_the_exports_labels_are_used_by_default_and_the_source_is_recorded(labelled):
    got = labels(labelled)
    assert got["2"][:2] == ("negative", "export") and got["2"][2] == "positive"  # Radar says otherwise: both kept
    assert got["3"][:2] == ("positive", "export")
    assert got["4"][1] == "radar" and got["4"][3] is None  # no label in the export: Radar's score
    assert negative_at(labelled, "11:00") == 1  # the hourly series (and so the crisis detector) counts it


def test_prefer_radars_score_for_an_import_or_a_format(labelled):
    assert set_export_labels(labelled, False, format_name="generic") == 1
    update_analytics(labelled)
    got = labels(labelled)
    assert got["2"][:2] == ("positive", "radar") and got["2"][3] == "negative"
    assert negative_at(labelled, "11:00") == 0
    assert set_export_labels(labelled, True, import_id="imp-000001") == 1
    with pytest.raises(ValueError, match="no import 'imp-9'"):
        set_export_labels(labelled, True, import_id="imp-9")


def test_a_correction_wins_everywhere_and_can_be_undone(labelled):
    set_sentiment_override(labelled, "other", "3", "negative", "sarcasm")
    update_analytics(labelled)
    assert labels(labelled)["3"][:2] == ("negative", "correction")
    assert negative_at(labelled, "12:00") == 1
    kpi = {k.key: k for k in weekly_kpis(labelled, date(2026, 11, 2))}["negative_share"]
    assert kpi.value == pytest.approx(3 / 4)
    set_sentiment_override(labelled, "other", "3", None)
    update_analytics(labelled)
    assert labels(labelled)["3"][:2] == ("positive", "export")


def test_the_labels_command(tmp_path, write_csv, capsys):
    database = str(tmp_path / "cli.duckdb")
    assert main(["ingest", str(write_csv("labelled.csv", LABELLED)), "--db", database]) == 0
    capsys.readouterr()
    assert main(["labels", "--db", database]) == 0
    assert "3 posts with the export's own label; shown: the export's labels" in capsys.readouterr().out
    assert main(["labels", "--prefer", "radar", "--format", "generic", "--db", database]) == 0
    assert "1 import changed; it shows Radar's score" in capsys.readouterr().out
    assert main(["labels", "--prefer", "radar", "--db", database]) == 1
    assert "name one import" in capsys.readouterr().err


def test_united_net_sentiment_in_2015_w08_follows_the_files_labels(con):
    path = shared_file("airline_sentiment/Tweets.csv")
    ingest_one(con, path)
    update_analytics(con)
    # by hand from the file: United's customer tweets of ISO week 2015-W08 (16-22 Feb), first copy of each id
    seen, counts = set(), {"negative": 0, "neutral": 0, "positive": 0}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["tweet_id"] in seen:
                continue
            seen.add(row["tweet_id"])
            day = row["tweet_created"][:10]
            mentions = [w.lower() for w in row["text"].split() if w.startswith("@")]
            if (
                row["airline"] == "United"
                and "2015-02-16" <= day <= "2015-02-22"
                and not any(m.strip("@:,.!?") in ("usairways", "virginamerica") for m in mentions)
            ):
                counts[row["airline_sentiment"]] += 1
    # the timestamps carry -0800: a handful of tweets of late Sunday fall into Monday in UTC, so compare loosely
    expected = 100 * (counts["positive"] - counts["negative"]) / sum(counts.values())
    week = PostFilter(date(2015, 2, 16), date(2015, 2, 22), brands=("United",))
    net = net_sentiment(sentiment_trend(con, week, grain="week"))
    assert net["net_sentiment"].iloc[0] == pytest.approx(expected, abs=3)
    assert net["net_sentiment"].iloc[0] < -40  # Radar's rules alone said about -10
    agreement = vendor_agreement(con).set_index("source_format").loc["airline_sentiment"]
    assert bool(agreement.export_labels_shown) and 0.5 < agreement.agreement < 0.85


def test_a_short_english_post_is_read_in_its_exports_language(con):
    ingest_one(con, shared_file("airline_sentiment/Tweets.csv"))
    update_analytics(con)
    assert db.scalar(con, "SELECT lang FROM posts WHERE post_id = '568237879337422848'") == "en"  # "@JetBlue u cool"
    assert db.scalar(con, "SELECT count(*) FROM posts WHERE lang = 'pl'") == 0  # an English data set
