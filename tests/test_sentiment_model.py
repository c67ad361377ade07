"""The shipped English model: it loads offline from the package, gives the scores it gave when it was trained,
reads words as documented, scores English posts with its version recorded, and posts scored by another
version are scored again."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ingest_one

from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.enrich.model import MODEL_FILE, english_model, featurize, hashed, probe_texts, tokens
from pipeline.enrich.sentiment import method_for, score_texts


def test_the_model_file_ships_in_the_package_and_scores_as_at_training_time():
    assert MODEL_FILE.exists() and MODEL_FILE.stat().st_size < 5_000_000
    model = english_model()
    assert model.version.startswith("model-en-") and method_for("en") == model.version
    texts, expected = probe_texts()
    assert len(texts) == 4
    got = np.array([[s.sentiment] for s in score_texts([(t, "en") for t in texts])])
    np.testing.assert_allclose(got[:, 0], np.round(expected[:, 2] - expected[:, 0], 4), atol=1e-6)
    assert [s.label for s in score_texts([(t, "en") for t in texts])] == [
        ("negative", "neutral", "positive")[i] for i in expected.argmax(axis=1)
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "@united NOT happy!!! #fail http://t.co/x 3 hrs",
            ["@user", "not", "not_happy", "!!", "fail", "<url>", "0", "hrs"],
        ),
        ("no, good", ["no", ",", "good"]),  # a comma ends the negation
        ("nunca llega mi pedido", ["nunca", "not_llega", "not_mi", "not_pedido"]),
        ("#", ["#"]),
        ("", []),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


def test_a_batch_gives_each_text_the_buckets_it_gets_alone():
    texts = ["the flight was late", "", "thanks a lot", "late late late"]
    rows, buckets = featurize(texts)
    for row, text in enumerate(texts):
        assert sorted(buckets[rows == row].tolist()) == sorted(hashed(text))
    assert len(hashed("late late late")) == 5  # three unigrams and two pairs, each counted


def test_english_posts_carry_the_models_version_and_old_versions_are_scored_again(con, write_csv):
    ingest_one(
        con,
        write_csv(
            "en.csv",
            "id,date,author,text\n"
            "1,2026-11-02T10:00:00Z,ana,my flight was cancelled and nobody helps\n"
            "2,2026-11-02T11:00:00Z,ben,lovely crew and a smooth landing thank you\n",
        ),
    )
    update_analytics(con)
    version = english_model().version
    assert dict(con.execute("SELECT post_id, sentiment_method FROM posts").fetchall()) == {"1": version, "2": version}
    labels = dict(con.execute("SELECT post_id, sentiment_label FROM posts").fetchall())
    assert labels == {"1": "negative", "2": "positive"}
    # as if an earlier model had scored them
    con.execute(
        "UPDATE enr_posts SET sentiment_method = 'model-en-00000000', sentiment = 0, sentiment_label = 'neutral'"
    )
    con.execute(
        "UPDATE fct_posts SET sentiment_method = 'model-en-00000000', sentiment = 0, sentiment_label = 'neutral'"
    )
    con.execute("UPDATE fct_hourly SET negative_posts = 0, positive_posts = 0")  # and counted them so
    assert not update_analytics(con).incremental  # every metric counted the old scores
    assert dict(con.execute("SELECT post_id, sentiment_method FROM posts").fetchall()) == {"1": version, "2": version}
    assert dict(con.execute("SELECT post_id, sentiment_label FROM posts").fetchall()) == labels
    assert db.scalar(con, "SELECT sum(negative_posts), sum(positive_posts) FROM fct_hourly WHERE brand = '*'") == 1
    assert db.check_quality(con) == []
