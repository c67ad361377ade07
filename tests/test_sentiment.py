"""Sentiment: the care-aware scorer, language detection, the cache, corrections, and accuracy on real labels."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, SHARED, ingest_one, shared_file

from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.enrich import score_sentiment, set_sentiment_override
from pipeline.enrich.lang import detect_language, normalize_language
from pipeline.enrich.sentiment import score_text

sys.path.insert(0, str(ROOT / "bench"))
import sentiment_eval  # noqa: E402


@pytest.mark.parametrize(
    "text, lang, label",
    [
        ("flight delayed 3 hours and still no bag", "en", "negative"),
        ("order #5531 still not delivered after 9 days and no update", "en", "negative"),
        ("been on hold for an hour, nobody answers", "en", "negative"),
        ("thanks for nothing, my refund never arrived", "en", "negative"),
        ("love my new blender, best purchase this year!", "en", "positive"),
        ("thanks for the quick help, works great now", "en", "positive"),
        ("does the blender work with 110V?", "en", "neutral"),
        ("can you please tell me your opening hours? thanks", "en", "neutral"),
        ("sigo esperando el reembolso, nadie responde", "es", "negative"),
        ("el pedido no llega y no funciona el teléfono", "es", "negative"),
        ("me encanta, muchas gracias por la ayuda", "es", "positive"),
        ("nadal czekam na zwrot, nikt nie odpowiada", "pl", "negative"),
        ("dzbanek pękł, wszędzie szkło, to skandal", "pl", "negative"),
        ("dzięki, wszystko działa, polecam!", "pl", "positive"),
    ],
)
def test_care_phrases_get_the_label_a_person_would_give(text, lang, label):
    assert score_text(text, lang).label == label


def test_a_language_without_rules_is_left_unscored_not_called_neutral():
    score = score_text("das Paket ist immer noch nicht da", "de")
    assert (score.sentiment, score.label, score.method) == (None, None, "unscored")


@pytest.mark.parametrize(
    "text, lang",
    [
        ("@LumoHelp my order still has not arrived, can you check?", "en"),
        ("@LumoHelp mi pedido todavía no ha llegado, ¿podéis revisarlo?", "es"),
        ("@LumoHelp moje zamówienie nadal nie dotarło, możecie sprawdzić?", "pl"),
        ("😡😡", "und"),
        ("https://t.co/abc @someone", "und"),
    ],
)
def test_language_is_detected_offline(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "exported, code", [("es-MX", "es"), ("EN", "en"), ("pl_PL", "pl"), ("", None), ("Spanish", None), (None, None)]
)
def test_exported_language_codes_are_normalised(exported, code):
    assert normalize_language(exported) == code


def test_scores_are_cached_by_text_and_corrections_win_and_survive_reimport(con, write_csv):
    path = write_csv(
        "mentions.csv",
        "id,date,author,text\n"
        "1,2026-11-02T10:00:00Z,ana,my order is late again and nobody answers\n"
        "2,2026-11-02T11:00:00Z,ben,my order is late again and nobody answers\n"
        "3,2026-11-02T12:00:00Z,cy,love it\n",
    )
    ingest_one(con, path)
    assert update_analytics(con).texts_scored == 2  # two distinct texts for three posts
    assert score_sentiment(con) == 0
    labels = dict(con.execute("SELECT post_id, sentiment_label FROM posts").fetchall())
    assert labels == {"1": "negative", "2": "negative", "3": "positive"}

    set_sentiment_override(con, "other", "1", "neutral", "sarcasm check")
    update_analytics(con)
    row = db.first_row(con, "SELECT sentiment, sentiment_label, sentiment_method FROM posts WHERE post_id = '1'")
    assert row == (0.0, "neutral", "override")
    assert db.scalar(con, "SELECT sum(negative_posts) FROM fct_hourly WHERE brand = '*'") == 1

    ingest_one(con, path)  # the same export again: all duplicates, the correction stays
    update_analytics(con, rescore=True)
    assert db.scalar(con, "SELECT sentiment_label FROM posts WHERE post_id = '1'") == "neutral"
    assert db.check_quality(con) == []
    with pytest.raises(ValueError, match="label must be one of"):
        set_sentiment_override(con, "other", "1", "angry")
    with pytest.raises(ValueError, match="no post"):
        set_sentiment_override(con, "other", "404", "negative")


@pytest.mark.parametrize(
    "loader, floor",
    [
        (sentiment_eval.load_airline, 0.65),  # the English model; measured 0.663 (the rules alone: 0.619)
        (sentiment_eval.load_tass, 0.50),  # measured 0.537
        (sentiment_eval.load_wust, 0.50),  # measured 0.526
    ],
)
def test_macro_f1_on_human_labels(loader, floor):
    shared_file("airline_sentiment/Tweets.csv")
    result = sentiment_eval.evaluate(loader(SHARED))
    assert result["macro_f1"] >= floor, result


def test_vendor_labels_are_kept_and_agreement_is_reported(con):
    from pipeline.read.queries import vendor_agreement

    ingest_one(con, shared_file("airline_sentiment/Tweets.csv"))
    update_analytics(con)
    agreement = vendor_agreement(con).set_index("source_format").loc["airline_sentiment"]
    assert agreement.posts_with_vendor_label == 14_485
    assert 0.6 < agreement.agreement < 0.8  # the accuracy measured by bench/sentiment_eval.py is 0.68


def _real_texts() -> list[str]:
    import csv

    texts = [
        row["text"] or "" for row in csv.DictReader(shared_file("airline_sentiment/Tweets.csv").open(encoding="utf-8"))
    ]
    for path in sorted((SHARED / "es_tass2020").glob("*.tsv"))[:4]:
        texts += [line.split("\t")[1] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return texts + ["", "ab", "OK!!!", "a" * 5000, "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "😡😡 bad", "http://x.com @abc #fail", "  "]


def test_batched_language_detection_agrees_with_py3langid_post_for_post():
    from pipeline.enrich.lang import detect_language_one, detect_languages

    texts = _real_texts()
    batched = detect_languages(texts)
    differ = [
        (text, one, many) for text, one, many in zip(texts, map(detect_language_one, texts), batched) if one != many
    ]
    assert not differ, f"{len(differ)} of {len(texts)} differ, e.g. {differ[:3]}"


def test_vader_without_its_emoji_pass_scores_exactly_as_published():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from pipeline.enrich.sentiment import _vader

    published, ours = SentimentIntensityAnalyzer(), _vader()
    texts = _real_texts() + ["  padded and great  ", "😡 terrible", "good 👍", "non\u00a0breaking fine"]
    assert [ours.polarity_scores(text) for text in texts] == [published.polarity_scores(text) for text in texts]


def test_feature_sums_slot_by_slot_equal_a_plain_sum_per_post():
    import numpy as np

    from pipeline.enrich.lang import _sums

    rng = np.random.default_rng(7)
    table = rng.normal(size=(500, 9)).astype(np.float32)
    for count in (1, 5, 40):
        pairs = sorted({(int(p), int(f)) for p, f in zip(rng.integers(0, count, 300), rng.integers(0, 500, 300))})
        pairs = [pair for pair in pairs if pair[0] % 3 != 1]  # some posts have no feature at all
        post_of = np.array([p for p, _ in pairs], dtype=np.int64)
        feature_of = np.array([f for _, f in pairs], dtype=np.int64)
        weights = rng.random(len(pairs)).astype(np.float32)
        expected = np.zeros((count, 9), dtype=np.float64)
        for p, f, w in zip(post_of, feature_of, weights):
            expected[p] += table[f].astype(np.float64) * w
        assert np.allclose(_sums(table, post_of, feature_of, weights, count), expected, rtol=1e-5, atol=1e-5)
    empty = np.empty(0, dtype=np.int64)
    assert not _sums(table, empty, empty, np.empty(0, dtype=np.float32), 3).any()
