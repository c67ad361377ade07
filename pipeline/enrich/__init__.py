"""Enrich: language and sentiment for every post, stored beside the facts.

Reads ``stg_posts``; writes ``enr_posts`` (one row per post: lang, sentiment, sentiment_label,
sentiment_method; a short post whose language guess is not its export's usual language is read in that
usual language: a guess from a few letters is not to be trusted) and ``enr_sentiment_cache`` (by text and
exported language, so a text seen before -- a retweet, a re-import, a template reply -- is not scored twice). Incremental: only posts without a row in
``enr_posts`` are scored. Corrections live in ``sentiment_overrides`` and win in the ``posts`` view.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipeline.core import db
from pipeline.core.access import current_actor, record_change
from pipeline.core.parallel import pipelined
from pipeline.enrich.lang import SCORED_LANGUAGES
from pipeline.enrich.sentiment import SCORER_VERSION, enrich_rows, load_models, method_for, unload_models

_BATCH = 200_000


def drop_stale_scores(con: duckdb.DuckDBPyConnection) -> int:
    """Forget the scores an earlier scorer gave (another English model, say: its version is the post's
    ``sentiment_method``), and the adapted scores built on them; returns how many posts must be scored again."""
    current = sorted({method_for(lang) for lang in SCORED_LANGUAGES} | {"unscored"})
    marks = ", ".join("?" * len(current))
    con.execute(f"DELETE FROM enr_sentiment_cache WHERE sentiment_method NOT IN ({marks})", current)
    stale = con.execute(f"DELETE FROM enr_posts WHERE sentiment_method NOT IN ({marks})", current).fetchall()[0][0]
    if stale:
        con.execute("""DELETE FROM enr_adapted d WHERE NOT EXISTS (
                           SELECT 1 FROM enr_posts e WHERE e.platform = d.platform AND e.post_id = d.post_id)""")
    return int(stale)


def score_sentiment(con: duckdb.DuckDBPyConnection, *, rescore: bool = False) -> int:
    """Give every staged post without one a language and a sentiment; return how many texts were scored
    anew. It reads ``stg_posts``, so it can run before the facts are built (which then carry the scores);
    ``db.copy_sentiment_to_facts`` brings facts built earlier up to date. Scores of an earlier scorer are
    scored again (``drop_stale_scores``)."""
    if rescore:
        con.execute("DELETE FROM enr_posts")
        con.execute("DELETE FROM enr_sentiment_cache")
        con.execute("DELETE FROM enr_adapted")
        db.set_meta(con, "adapters_stale", "1")
    con.execute("DELETE FROM enr_sentiment_cache WHERE scorer_version <> ?", [SCORER_VERSION])
    stale = drop_stale_scores(con)
    if stale:  # the facts carry the old scores, every metric counted them, and the adapters learned from them
        db.set_meta(con, "facts_sentiment_stale", "1")
        db.set_meta(con, "adapters_stale", "1")
        _bump_labels_version(con)
    # Imports land whole and in number order: posts of imports up to the last one scored have their row.
    scored_upto = None if rescore or stale else db.get_meta(con, "sentiment_last_import")
    source = (
        "stg_posts"
        if scored_upto is None
        else f"(SELECT * FROM stg_posts WHERE try_cast(substr(import_id, 5) AS BIGINT) > {int(scored_upto)})"
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tmp_unscored AS
        SELECT f.platform, f.post_id, md5(coalesce(f.lang, '') || '|' || f.text) AS text_key, f.text, f.lang,
               f.import_id
        FROM {source} f ANTI JOIN enr_posts e ON e.platform = f.platform AND e.post_id = f.post_id""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE tmp_texts AS
        SELECT row_number() OVER () - 1 AS seq, * FROM (
            SELECT text_key, any_value(text) AS text, any_value(lang) AS lang
            FROM tmp_unscored ANTI JOIN enr_sentiment_cache c USING (text_key) GROUP BY text_key)""")
    todo = db.scalar(con, "SELECT count(*) FROM tmp_texts")

    def fetch(start: int, end: int) -> list[tuple]:
        return con.execute(
            "SELECT text, lang FROM tmp_texts WHERE seq >= ? AND seq < ? ORDER BY seq", [start, end]
        ).fetchall()

    def store(start: int, results: list[tuple]) -> None:  # (lang, sentiment, label, method) per text
        scored = pa.table(
            {
                "seq": pa.array(range(start, start + len(results)), type=pa.int64()),
                **{
                    name: pa.array([row[i] for row in results], type=kind)
                    for i, (name, kind) in enumerate(
                        [
                            ("lang", pa.string()),
                            ("sentiment", pa.float64()),
                            ("sentiment_label", pa.string()),
                            ("sentiment_method", pa.string()),
                        ]
                    )
                },
            }
        )
        con.register("tmp_scored", scored)
        con.execute(
            """INSERT INTO enr_sentiment_cache
                       SELECT t.text_key, s.lang, s.sentiment, s.sentiment_label, s.sentiment_method, ?
                       FROM tmp_scored s JOIN tmp_texts t USING (seq)""",
            [SCORER_VERSION],
        )
        con.unregister("tmp_scored")

    # only the texts go to the workers and only the scores come back
    pipelined(enrich_rows, todo, _BATCH, fetch, store, prepare=load_models, release=unload_models)
    con.execute("""
        INSERT INTO enr_posts
        SELECT u.platform, u.post_id, c.lang, c.sentiment, c.sentiment_label, c.sentiment_method
        FROM tmp_unscored u JOIN enr_sentiment_cache c USING (text_key)""")
    _short_posts_in_the_usual_language(con)
    for table in ("tmp_unscored", "tmp_texts"):
        con.execute(f"DROP TABLE {table}")
    db.set_meta(
        con,
        "sentiment_last_import",
        str(db.scalar(con, "SELECT coalesce(max(try_cast(substr(import_id, 5) AS BIGINT)), 0) FROM imports")),
    )
    return todo


# Letters of a text without links and handles: below SHORT_LETTERS, a language guess is not trusted; a post of
# LONG_CHARS characters or more tells which language its export usually speaks.
LETTERS = "length(regexp_replace(regexp_replace(s.text, '(https?://\\S+|www\\.\\S+|[@#][\\p{L}\\p{N}_]+)', '', 'g'), '[^\\p{L}]', '', 'g'))"
SHORT_LETTERS, LONG_CHARS, USUAL_SHARE, USUAL_MIN = 40, 80, 0.6, 20
SHORT_CHARS = 200  # only a post shorter than this can hold fewer than SHORT_LETTERS letters


def _short_posts_in_the_usual_language(con: duckdb.DuckDBPyConnection) -> int:
    """Give short new posts (under ``SHORT_LETTERS`` letters) the usual language of their export where their own guess
    differs: "@JetBlue u cool" is English in an English export, not Polish. An export's usual language is the
    one at least 60 % of its posts of 80 characters or more are detected in, when it has at least 20 of them (a
    small export, a few hours of mentions, says too little); the export's own language column always wins.
    Returns how many posts were scored again."""
    # cheap bounds first: a post of 80+ characters speaks for its export's language; letters are counted only
    # in posts short enough to hold fewer than SHORT_LETTERS of them
    rows = con.execute(f"""
        WITH new AS (
            SELECT u.import_id, u.platform, u.post_id, u.text, e.lang, length(u.text) AS chars
            FROM tmp_unscored u JOIN enr_posts e USING (platform, post_id)
            WHERE u.lang IS NULL
        ),
        per_lang AS (
            SELECT import_id, lang, count(*) AS posts, sum(count(*)) OVER (PARTITION BY import_id) AS total
            FROM new WHERE chars >= {LONG_CHARS} GROUP BY import_id, lang
        ),
        usual AS (SELECT import_id, lang FROM per_lang WHERE posts >= {USUAL_SHARE} * total AND total >= {USUAL_MIN}),
        short AS (
            SELECT n.platform, n.post_id, n.text, u.lang AS usual, n.lang FROM new n JOIN usual u USING (import_id)
            WHERE n.chars < {SHORT_CHARS} AND n.lang IS DISTINCT FROM u.lang
        )
        SELECT platform, post_id, text, usual FROM short s WHERE {LETTERS} < {SHORT_LETTERS}""").fetchall()
    if not rows:
        return 0
    scored = enrich_rows([(text, lang) for _, _, text, lang in rows])
    con.register(
        "tmp_rescored",
        pa.table(
            {
                "platform": [r[0] for r in rows],
                "post_id": [r[1] for r in rows],
                "lang": [s[0] for s in scored],
                "sentiment": pa.array([s[1] for s in scored], type=pa.float64()),
                "sentiment_label": pa.array([s[2] for s in scored], type=pa.string()),
                "sentiment_method": [s[3] for s in scored],
            }
        ),
    )
    con.execute("""UPDATE enr_posts SET lang = r.lang, sentiment = r.sentiment, sentiment_label = r.sentiment_label,
                                        sentiment_method = r.sentiment_method
                   FROM tmp_rescored r WHERE enr_posts.platform = r.platform AND enr_posts.post_id = r.post_id""")
    con.unregister("tmp_rescored")
    return len(rows)


def set_sentiment_override(
    con: duckdb.DuckDBPyConnection, platform: str, post_id: str, label: str | None, note: str = ""
) -> None:
    """Correct a post's label (``None`` removes the correction). Kept across re-imports and recomputes."""
    from pipeline.enrich.sentiment import LABELS

    if label is None:
        con.execute("DELETE FROM sentiment_overrides WHERE platform = ? AND post_id = ?", [platform, post_id])
        record_change(con, "label correction removed", f"{platform}:{post_id}")
        _bump_labels_version(con)
        return
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}, not {label!r}")
    if not db.scalar(con, "SELECT count(*) FROM stg_posts WHERE platform = ? AND post_id = ?", [platform, post_id]):
        raise ValueError(f"no post {post_id!r} on {platform!r}")
    con.execute(
        """
        INSERT INTO sentiment_overrides (platform, post_id, sentiment_label, note, set_at, set_by)
        VALUES (?, ?, ?, ?, now(), ?)
        ON CONFLICT (platform, post_id) DO UPDATE
        SET sentiment_label = excluded.sentiment_label, note = excluded.note, set_at = excluded.set_at,
            set_by = excluded.set_by""",
        [platform, post_id, label, note, current_actor()],
    )
    record_change(con, "label corrected", f"{platform}:{post_id} -> {label}" + (f" ({note})" if note else ""))
    _bump_labels_version(con)


def set_export_labels(
    con: duckdb.DuckDBPyConnection, use: bool, *, import_id: str | None = None, format_name: str | None = None
) -> int:
    """Use an export's own sentiment labels (``use``, the default) or Radar's score instead, for one import or
    every import of a format; returns how many imports changed. Corrections win either way."""
    if (import_id is None) == (format_name is None):
        raise ValueError("name one import (--import) or one format (--format)")
    column, value = ("import_id", import_id) if import_id is not None else ("format", format_name)
    if not db.scalar(con, f"SELECT count(*) FROM imports WHERE {column} = ?", [value]):
        raise ValueError(
            f"no import {'with the format ' if format_name is not None else ''}{value!r}; `radar status` lists them"
        )
    changed = db.scalar(
        con, f"SELECT count(*) FROM imports WHERE {column} = ? AND coalesce(use_export_labels, true) <> ?", [value, use]
    )
    con.execute(f"UPDATE imports SET use_export_labels = ? WHERE {column} = ?", [use, value])
    if changed:
        record_change(
            con,
            "export labels " + ("used" if use else "replaced by Radar's score"),
            f"{'import' if import_id is not None else 'every import of the format'} {value}",
        )
        _bump_labels_version(con)
        db.set_meta(con, "adapters_stale", "1")  # the labels the adapters learned from changed
    return int(changed)


def _bump_labels_version(con: duckdb.DuckDBPyConnection) -> None:
    # the dashboard's caches key on this: a correction changes no data version
    db.set_meta(con, "labels_version", str(int(db.get_meta(con, "labels_version") or 0) + 1))
