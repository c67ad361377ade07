"""Enrich: language and sentiment for every post, stored beside the facts.

Reads ``fct_posts``; writes ``enr_posts`` (one row per post: lang, sentiment, sentiment_label,
sentiment_method) and ``enr_sentiment_cache`` (by text and exported language, so a text seen before -- a
retweet, a re-import, a template reply -- is not scored twice). Incremental: only posts without a row in
``enr_posts`` are scored. Corrections live in ``sentiment_overrides`` and win in the ``posts`` view.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from .. import db
from .sentiment import SCORER_VERSION, enrich_texts

_BATCH = 200_000


def score_sentiment(con: duckdb.DuckDBPyConnection, *, rescore: bool = False) -> int:
    """Give every post without one a language and a sentiment; return how many texts were scored anew."""
    if rescore:
        con.execute("DELETE FROM enr_posts")
        con.execute("DELETE FROM enr_sentiment_cache")
    con.execute("DELETE FROM enr_sentiment_cache WHERE scorer_version <> ?", [SCORER_VERSION])
    scored = 0
    while True:
        todo = con.execute("""
            SELECT DISTINCT md5(coalesce(f.lang, '') || '|' || f.text) AS text_key, f.text, f.lang
            FROM fct_posts f
            ANTI JOIN enr_posts e ON e.platform = f.platform AND e.post_id = f.post_id
            ANTI JOIN enr_sentiment_cache c ON c.text_key = md5(coalesce(f.lang, '') || '|' || f.text)
            LIMIT ?""", [_BATCH]).fetchall()
        if not todo:
            break
        results = enrich_texts([(text, lang) for _, text, lang in todo])
        frame = pd.DataFrame({
            "text_key": [key for key, _, _ in todo],
            "lang": [lang for lang, _ in results],
            "sentiment": [score.sentiment for _, score in results],
            "sentiment_label": [score.label for _, score in results],
            "sentiment_method": [score.method for _, score in results],
        })
        con.register("tmp_scored", frame)
        con.execute("INSERT INTO enr_sentiment_cache SELECT *, ? FROM tmp_scored", [SCORER_VERSION])
        con.unregister("tmp_scored")
        scored += len(todo)
    con.execute("""
        INSERT INTO enr_posts
        SELECT f.platform, f.post_id, c.lang, c.sentiment, c.sentiment_label, c.sentiment_method
        FROM fct_posts f
        JOIN enr_sentiment_cache c ON c.text_key = md5(coalesce(f.lang, '') || '|' || f.text)
        ANTI JOIN enr_posts e ON e.platform = f.platform AND e.post_id = f.post_id""")
    return scored


def set_sentiment_override(con: duckdb.DuckDBPyConnection, platform: str, post_id: str, label: str | None,
                           note: str = "") -> None:
    """Correct a post's label (``None`` removes the correction). Kept across re-imports and recomputes."""
    from .sentiment import LABELS

    if label is None:
        con.execute("DELETE FROM sentiment_overrides WHERE platform = ? AND post_id = ?", [platform, post_id])
        _bump_labels_version(con)
        return
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}, not {label!r}")
    if not db.scalar(con, "SELECT count(*) FROM stg_posts WHERE platform = ? AND post_id = ?", [platform, post_id]):
        raise ValueError(f"no post {post_id!r} on {platform!r}")
    con.execute("""
        INSERT INTO sentiment_overrides VALUES (?, ?, ?, ?, now())
        ON CONFLICT (platform, post_id) DO UPDATE
        SET sentiment_label = excluded.sentiment_label, note = excluded.note, set_at = excluded.set_at""",
                [platform, post_id, label, note])
    _bump_labels_version(con)


def _bump_labels_version(con: duckdb.DuckDBPyConnection) -> None:
    # the dashboard's caches key on this: a correction changes no data version
    db.set_meta(con, "labels_version", str(int(db.get_meta(con, "labels_version") or 0) + 1))
