"""Metrics: hourly series per brand and for all brands together, zero-filled, with data gaps marked.

``fct_hourly(brand, hour_at, posts, scored_posts, negative_posts, positive_posts, share_negative, is_gap)``: one row per
UTC hour from the brand's first post to the **end of its data**: the newest post of the exports (imports)
that hold the brand's customer posts. Hours after that are unknown, not quiet, so the series stops there (a
crisis still hot when the data ends stays open). ``brand = '*'`` is every post, a post without a brand
counts under ``'(none)'``. Customer posts only: brand replies are not what people say about the brand.
``is_gap``: the hour is not covered by any of the brand's exports (an export covers the UTC days it has posts
on, from its first post to its newest one: a stray old post in an export does not make the years between
covered), or lies on a UTC day on which the store has no post at all on any platform while days before
and after it have posts: the data has a hole there, so the detector reads the hour as missing, not as a
quiet hour.

After an import that only added posts, the hours from the earliest changed post on are recomputed.
"""

from __future__ import annotations

import duckdb

from pipeline.core import db
from pipeline.core.db import UTC_DAY

ALL_BRANDS = "*"
NO_BRAND = "(none)"


def compute_hourly(con: duckdb.DuckDBPyConnection, *, changed_only: bool = False) -> int:
    """Rebuild ``fct_hourly``; return its row count.

    ``changed_only``: recompute from the hour of the earliest post in ``tmp_changed_posts`` (or from the
    last stored hour, if earlier: the grid grows to the new end of the data); the hours before it cannot
    have changed, since every post of a changed thread is in ``tmp_changed_posts``.
    """
    since = None
    if changed_only:
        since = db.scalar(
            con,
            """SELECT least((SELECT date_trunc('hour', min(created_at)) FROM tmp_changed_posts),
                                                (SELECT max(hour_at) FROM fct_hourly))""",
        )
    if since is None:
        con.execute("DELETE FROM fct_hourly")
    else:
        con.execute("DELETE FROM fct_hourly WHERE hour_at >= ?", [since])
    con.execute(
        f"""
        INSERT INTO fct_hourly
        WITH customer AS (
            SELECT coalesce(brand, $none) AS brand, date_trunc('hour', created_at) AS hour_at, sentiment_label
            FROM posts WHERE NOT is_brand AND ($since IS NULL OR created_at >= $since)
        ),
        counted AS (
            SELECT brand, hour_at, count(*) AS posts,
                   count(*) FILTER (WHERE sentiment_label = 'negative') AS negative_posts,
                   count(*) FILTER (WHERE sentiment_label = 'positive') AS positive_posts,
                   count(sentiment_label) AS scored_posts
            FROM customer GROUP BY ALL
            UNION ALL
            SELECT $all, hour_at, count(*), count(*) FILTER (WHERE sentiment_label = 'negative'),
                   count(*) FILTER (WHERE sentiment_label = 'positive'), count(sentiment_label)
            FROM customer GROUP BY ALL
        ),
        bounds AS (  -- a brand with hours kept from before $since goes on from $since
            SELECT brand, min(first_hour) AS first_hour FROM (
                SELECT brand, min(hour_at) AS first_hour FROM counted GROUP BY ALL
                UNION ALL
                SELECT DISTINCT brand, $since::TIMESTAMPTZ FROM fct_hourly
            ) GROUP BY ALL
        ),
        import_days AS (  -- the UTC days each import has posts on
            SELECT import_id, {UTC_DAY} AS day, min(created_at) AS first_at, max(created_at) AS last_at
            FROM fct_posts GROUP BY ALL
        ),
        spans AS (  -- a day with posts is covered whole, but before the import's first and after its last post
            SELECT d.import_id,
                   CASE WHEN d.day = e.first_day THEN date_trunc('hour', d.first_at)
                        ELSE (DATE '1970-01-01' + d.day)::TIMESTAMPTZ END AS first_hour,
                   CASE WHEN d.day = e.last_day THEN date_trunc('hour', d.last_at)
                        ELSE (DATE '1970-01-01' + d.day)::TIMESTAMPTZ + INTERVAL 23 HOUR END AS last_hour
            FROM import_days d
            JOIN (SELECT import_id, min(day) AS first_day, max(day) AS last_day FROM import_days GROUP BY ALL) e
                USING (import_id)
        ),
        covers AS (  -- the hours each brand's exports cover
            SELECT b.brand, s.first_hour, s.last_hour FROM (
                SELECT DISTINCT coalesce(brand, $none) AS brand, import_id FROM fct_posts WHERE NOT is_brand
            ) b JOIN spans s USING (import_id)
            UNION ALL
            SELECT $all, first_hour, last_hour FROM spans
        ),
        brand_end AS (SELECT brand, max(last_hour) AS last_hour FROM covers GROUP BY ALL),
        grid AS (
            SELECT b.brand, unnest(generate_series(b.first_hour, e.last_hour, INTERVAL 1 HOUR)) AS hour_at
            FROM bounds b JOIN brand_end e USING (brand)
        ),
        uncovered AS (
            SELECT g.brand, g.hour_at FROM grid g
            ANTI JOIN covers c ON c.brand = g.brand AND g.hour_at BETWEEN c.first_hour AND c.last_hour
        ),
        active_days AS (SELECT DISTINCT created_at::DATE AS day FROM fct_posts),
        gap_days AS (
            SELECT g.day FROM (
                SELECT unnest(generate_series(min(day), max(day), INTERVAL 1 DAY))::DATE AS day FROM active_days
            ) g ANTI JOIN active_days a ON a.day = g.day
        )
        SELECT g.brand, g.hour_at, coalesce(c.posts, 0), coalesce(c.scored_posts, 0), coalesce(c.negative_posts, 0),
               coalesce(c.positive_posts, 0),
               CASE WHEN c.scored_posts > 0 THEN c.negative_posts / c.scored_posts END,
               g.hour_at::DATE IN (SELECT day FROM gap_days) OR u.hour_at IS NOT NULL
        FROM grid g LEFT JOIN counted c USING (brand, hour_at)
        LEFT JOIN uncovered u USING (brand, hour_at)
        ORDER BY g.brand, g.hour_at""",
        {"none": NO_BRAND, "all": ALL_BRANDS, "since": since},
    )
    return db.scalar(con, "SELECT count(*) FROM fct_hourly")
