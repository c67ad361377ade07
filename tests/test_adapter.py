"""The sentiment a database learns from its own labels: an adapter per language, used only where it beats the
base score in cross-validation, retrained after enough new labels (not after every correction), applied only
to posts without a label of their own, with the source of every label kept.

The data are synthetic with a known answer: the label of a post is carried by a made-up word that neither the
English model nor the rules know ("zorblax" negative, "quimby" positive, "flumph" neutral)."""

from __future__ import annotations

import random

import pytest
from conftest import ingest_one

from pipeline.analytics import update_analytics
from pipeline.cli import main
from pipeline.core import db
from pipeline.core.i18n import render_stored
from pipeline.enrich import adapter, set_sentiment_override
from pipeline.enrich.adapter import adapter_states
from pipeline.enrich.sentiment import score_texts

WORDS = {"negative": "zorblax", "neutral": "flumph", "positive": "quimby"}
FILLER = (
    "my order number {n} came on tuesday with the {w} part and a box of spare cables for the office printer",
    "about ticket {n}: the {w} model was in the parcel, along with the manual and the receipt from the shop",
    "we got item {n} yesterday, the {w} version, packed in the usual brown box with two leaflets inside",
)


def _rows(count: int, *, start: int = 0, labelled: bool = True, seed: int = 1, labels=None) -> list[str]:
    rng = random.Random(seed)
    rows = []
    for n in range(start, start + count):
        label = labels[n - start] if labels else rng.choice(["negative"] * 4 + ["neutral"] * 3 + ["positive"] * 3)
        text = rng.choice(FILLER).format(n=n, w=WORDS[label])
        day = 2 + n % 20
        rows.append(
            f'p{n},2026-11-{day:02d}T{n % 24:02d}:{n % 60:02d}:00Z,user{n},"{text}",{label if labelled else ""},en'
        )
    return rows


def _csv(rows: list[str]) -> str:
    return "id,date,author,text,sentiment,language\n" + "\n".join(rows) + "\n"


def _truth(n: int, seed: int = 1) -> str:
    """The label ``_rows`` gave post ``n`` (rows drawn with the same seed from 0)."""
    rng = random.Random(seed)
    for _ in range(n + 1):
        label = rng.choice(["negative"] * 4 + ["neutral"] * 3 + ["positive"] * 3)
        rng.choice(FILLER)
    return label


def _source(con, post_id: str) -> tuple:
    return db.first_row(
        con, "SELECT sentiment_label, sentiment_source, sentiment_method FROM posts WHERE post_id = ?", [post_id]
    )


@pytest.fixture
def learned(con, write_csv):
    """400 labelled posts and 40 unlabelled ones (p400..p439, labels hidden), in English."""
    ingest_one(con, write_csv("labelled.csv", _csv(_rows(440)[:400])))
    ingest_one(con, write_csv("unlabelled.csv", _csv(_rows(40, start=400, labelled=False, seed=2))))
    update_analytics(con)
    return con


def test_an_adapter_learns_what_the_base_score_cannot_and_scores_the_unlabelled_posts(learned):
    (state,) = [s for s in adapter_states(learned) if s.lang == "en"]
    assert state.is_used and state.learned_count == 400 and state.correction_count == 0
    assert state.adapter_f1 > 0.95 > state.base_f1  # the made-up words decide, and only the adapter knows them
    truth = {f"p{n}": _truth(n - 400, seed=2) for n in range(400, 440)}
    got = {
        row[0]: row[1:]
        for row in learned.execute(
            "SELECT post_id, sentiment_label, sentiment_source, sentiment_method FROM posts WHERE post_id IN "
            f"({', '.join(repr(p) for p in truth)})"
        ).fetchall()
    }
    assert {p: got[p][0] for p in truth} == truth
    assert {got[p][1] for p in truth} == {"adapter"} and {got[p][2] for p in truth} == {f"adapter-en-{state.version}"}
    assert _source(learned, "p0")[1] == "export"  # a labelled post keeps its own label
    assert "learned from 400 labelled English posts" in state.sentence() and "used for the posts" in state.sentence()
    assert "made from the words by rules" in state.sentence()  # 100 %: the made-up words decide every label
    assert db.check_quality(learned) == []


def test_the_adapter_is_not_used_where_it_does_not_beat_the_base_score(con, write_csv):
    # labels that are the base score's own: nothing to learn, the base agrees 100 %
    templates = (
        "terrible service, flight {n} was cancelled and nobody helped",
        "thanks so much, lovely crew on flight {n}",
        "flight {n} leaves at nine from gate four",
        "my bag from flight {n} is lost again, awful",
        "great landing on flight {n}, well done",
        "is flight {n} on time today",
    )
    texts = [templates[n % len(templates)].format(n=n) for n in range(360)]
    base = [score.label for score in score_texts([(text, "en") for text in texts])]
    assert set(base) == {"negative", "neutral", "positive"}
    ingest_one(
        con,
        write_csv(
            "same.csv",
            _csv(
                [
                    f'q{n},2026-11-{2 + n % 20:02d}T10:{n % 60:02d}:00Z,u{n},"{text}",{label},en'
                    for n, (text, label) in enumerate(zip(texts, base))
                ]
            ),
        ),
    )
    update_analytics(con)
    (state,) = [s for s in adapter_states(con) if s.lang == "en"]
    assert state.adapter_f1 is not None and not state.is_used and state.base_f1 == 1.0
    assert "not used: it does not beat the base score" in state.sentence()
    assert db.scalar(con, "SELECT count(*) FROM enr_adapted") == 0


def test_too_few_labels_or_a_missing_class_trains_nothing(con, write_csv):
    ingest_one(con, write_csv("few.csv", _csv(_rows(120, labels=["negative", "positive"] * 60))))
    update_analytics(con)
    (state,) = adapter_states(con)
    assert not state.is_used and state.adapter_f1 is None
    assert state.sentence() == "English: 120 labelled posts; an adapter needs 300"
    ingest_one(con, write_csv("two.csv", _csv(_rows(300, start=200, labels=["negative", "positive"] * 150))))
    update_analytics(con)
    (state,) = adapter_states(con)
    assert not state.is_used and state.adapter_f1 is None and state.label_count == 420
    assert render_stored(state.reason) == "too few neutral labels (5 of each class at least)"
    labels_version = db.get_meta(con, "labels_version")
    ingest_one(con, write_csv("more.csv", _csv(_rows(3, start=500, labels=["negative"] * 3))))
    assert update_analytics(con).incremental  # no adapter in use: nothing to recompute beyond the new posts
    assert db.get_meta(con, "labels_version") == labels_version and adapter_states(con)[0].label_count == 423
    ingest_one(con, write_csv("three.csv", _csv(_rows(10, start=600, labels=["neutral"] * 10))))
    update_analytics(con)  # ten labels: too few to retrain by count, but the missing class now has enough
    (state,) = adapter_states(con)
    assert state.is_used and state.learned_count == 433


def test_a_few_corrections_do_not_rescore_every_post_and_a_batch_retrains(learned):
    (before,) = [s for s in adapter_states(learned) if s.lang == "en"]
    scored = dict(learned.execute("SELECT post_id, sentiment FROM enr_adapted").fetchall())
    for n in [*range(400, 420), *range(100, 120)]:  # forty corrections: twenty adapted posts, twenty labelled ones
        set_sentiment_override(learned, "other", f"p{n}", "neutral")
    assert adapter.adapt_sentiment(learned) == 20  # only the corrected adapted posts leave the adapted scores
    (after,) = [s for s in adapter_states(learned) if s.lang == "en"]
    assert after.version == before.version
    left = dict(learned.execute("SELECT post_id, sentiment FROM enr_adapted").fetchall())
    assert left == {p: s for p, s in scored.items() if p not in {f"p{n}" for n in range(400, 420)}}
    update_analytics(learned)
    assert _source(learned, "p401")[:2] == ("neutral", "correction")

    for n in range(0, 60):  # a batch: every correction says the opposite of the made-up word
        set_sentiment_override(learned, "other", f"p{n}", "positive" if _truth(n) == "negative" else "negative")
    update_analytics(learned)
    (retrained,) = [s for s in adapter_states(learned) if s.lang == "en"]
    assert retrained.version == before.version + 1 and retrained.correction_count == 100
    assert _source(learned, "p3")[1] == "correction"
    assert db.check_quality(learned) == []


def test_removing_a_correction_gives_the_post_back_to_the_adapter(learned):
    set_sentiment_override(learned, "other", "p405", "neutral")
    update_analytics(learned)
    assert _source(learned, "p405")[1] == "correction"
    set_sentiment_override(learned, "other", "p405", None)
    update_analytics(learned)
    assert _source(learned, "p405")[1:] == ("adapter", f"adapter-en-{adapter_states(learned)[0].version}")


def test_status_and_the_retrain_command_say_what_was_learned(learned, capsys, tmp_path):
    version = adapter_states(learned)[0].version
    learned.close()
    path = str(tmp_path / "radar.duckdb")
    assert main(["sentiment", "retrain", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "English: learned from 400 labelled English posts" in out and "% macro-F1" in out
    assert main(["status", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "sentiment  English: the shipped model (model-en-" in out
    assert "  Adapter, English: learned from 400 labelled English posts" in out
    check = db.connect(path, read_only=True)
    assert adapter_states(check)[0].version == version + 1
    check.close()


def test_a_new_base_model_retrains_the_adapters_and_rescores_their_posts(learned):
    (before,) = [s for s in adapter_states(learned) if s.lang == "en"]
    learned.execute("UPDATE enr_posts SET sentiment_method = 'model-en-00000000'")  # as if an older model scored them
    update_analytics(learned)
    (after,) = [s for s in adapter_states(learned) if s.lang == "en"]
    assert after.version == before.version + 1 and after.is_used
    assert (
        db.scalar(
            learned, "SELECT count(*) FROM enr_adapted WHERE sentiment_method = ?", [f"adapter-en-{after.version}"]
        )
        == 40
    )
    assert db.scalar(learned, "SELECT count(DISTINCT sentiment_method) FROM enr_posts") == 1
    assert db.check_quality(learned) == []
