"""Metrics: brand response times per customer post, and per thread.

Definitions (the README's "Metric definitions" repeats them word for word):

- A **customer post awaiting a reply** is a non-brand post that starts a thread (it is its thread's root)
  or answers a brand post (its parent is a brand post).
- Its **first response** is the earliest brand post in the same thread created after it.
- ``response_minutes`` = (first_reply_at - created_at) in calendar minutes.
- ``business_response_minutes`` counts only the minutes inside business hours between the two: business
  days (default Mon-Fri) from ``business_start`` to ``business_end`` (default 09:00-17:00) in the
  settings' time zone, holidays excluded. A reply outside business hours to a post written outside them
  counts 0.
- ``within_sla``: answered and ``response_minutes <= sla_minutes`` (default 60). An unanswered post is
  outside the SLA once ``sla_minutes`` have passed by the end of the data (the newest post stored);
  before that it is NULL (still open).
- Threads: ``first_response_minutes`` is the response time of the thread's first customer post awaiting
  a reply; ``answered`` is whether any brand post follows a customer post.

Writes ``fct_responses`` and ``fct_threads`` (public views ``responses`` and ``threads``): whole, or after
an import that only added posts, for the threads the new posts touched. In SQL: the business-hours calendar has one row per business day, and ``B(t)``, the business minutes from
the calendar's start to t, comes from an ASOF join; business minutes between two times are
``B(t2) - B(t1)``.
"""

from __future__ import annotations

import duckdb

from .. import db
from ..settings import Settings


def _build_calendar(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    # TIME has no 24:00; the last microsecond of the day stands in for it.
    end = "23:59:59.999999" if settings.business_end == "24:00" else settings.business_end
    con.execute("""
        CREATE OR REPLACE TEMP TABLE tmp_business_days AS
        WITH bounds AS (
            SELECT (min(created_at) AT TIME ZONE $tz)::DATE - 1 AS first_day,
                   (max(created_at) AT TIME ZONE $tz)::DATE + 31 AS last_day
            FROM fct_posts
        ),
        days AS (
            SELECT unnest(generate_series(first_day, last_day, INTERVAL 1 DAY))::DATE AS day FROM bounds
            WHERE first_day IS NOT NULL
        ),
        open_days AS (
            SELECT day,
                   timezone($tz, day + $start::TIME) AS open_at,
                   timezone($tz, day + $end_::TIME) AS close_at
            FROM days
            WHERE isodow(day) IN (SELECT unnest($days::INTEGER[]))
              AND day NOT IN (SELECT unnest($holidays::DATE[]))
        )
        SELECT day, open_at, close_at,
               coalesce(sum(epoch(close_at - open_at) / 60) OVER (
                   ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS minutes_before
        FROM open_days ORDER BY open_at""",
        {"tz": settings.business_time_zone,
         "start": settings.business_start, "end_": end,
         "days": settings.business_day_numbers, "holidays": list(settings.holidays)})


def _business_clock(column: str) -> str:
    """SQL for B(column): business minutes from the calendar's start to the timestamp ``column``."""
    return f"""coalesce(c.minutes_before + least(greatest(epoch({column} - c.open_at) / 60, 0),
                                               epoch(c.close_at - c.open_at) / 60), 0)"""


# The facts in ``tmp_changed_posts``, by their build number rather than a join on the key (which reads every
# stored post; the build number lets the scan skip all but the newest row groups).
CHANGED_FACTS = "facts_build >= (SELECT min(facts_build) FROM tmp_changed_posts)"


def compute_responses(con: duckdb.DuckDBPyConnection, settings: Settings, *, changed_only: bool = False) -> int:
    """Rebuild ``fct_responses`` and ``fct_threads``; return the number of customer posts awaiting a reply.

    ``changed_only``: recompute only the threads of ``tmp_changed_posts`` (posts the facts build rewrote;
    a rewritten thread is rewritten whole), and mark open posts late now that the data reaches further.
    """
    _build_calendar(con, settings)
    if changed_only:
        con.execute("CREATE OR REPLACE TEMP TABLE tmp_changed_threads AS "
                    "SELECT DISTINCT platform, thread_id FROM tmp_changed_posts")
        # every post of a changed thread was rewritten, so the threads' posts are the changed posts
        con.execute(f"CREATE OR REPLACE TEMP TABLE tmp_scope_posts AS {db.POSTS_SELECT} WHERE f.{CHANGED_FACTS}")
        scope = posts_scope = "tmp_scope_posts"
        # a changed post's old rows: its response, and the thread it was the root of
        con.execute("DELETE FROM fct_responses r USING tmp_changed_posts c "
                    "WHERE r.platform = c.platform AND r.post_id = c.post_id")
        con.execute("DELETE FROM fct_threads t USING tmp_changed_posts c "
                    "WHERE t.platform = c.platform AND t.thread_id = c.post_id")
        con.execute("DELETE FROM fct_threads t USING tmp_changed_threads c "
                    "WHERE t.platform = c.platform AND t.thread_id = c.thread_id")
    else:
        scope, posts_scope = "fct_posts", "posts"
        con.execute("DELETE FROM fct_responses")
        con.execute("DELETE FROM fct_threads")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tmp_awaiting AS
        SELECT p.platform, p.post_id, p.thread_id, p.brand, p.created_at, p.author_id
        FROM {scope} p
        LEFT JOIN {scope} parent ON parent.platform = p.platform AND parent.post_id = p.parent_id
        WHERE NOT p.is_brand AND (p.post_id = p.thread_id OR coalesce(parent.is_brand, false))""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tmp_replied AS
        SELECT a.*, b.post_id AS first_reply_id, b.created_at AS first_reply_at
        FROM tmp_awaiting a
        ASOF LEFT JOIN (SELECT platform, thread_id, post_id, created_at FROM {scope} WHERE is_brand) b
            ON b.platform = a.platform AND b.thread_id = a.thread_id AND b.created_at > a.created_at""")
    data_end = db.scalar(con, "SELECT max(created_at) FROM fct_posts")
    con.execute(f"""
        INSERT INTO fct_responses
        WITH clocked AS (
            SELECT r.*, {_business_clock('r.created_at')} AS b_start
            FROM tmp_replied r ASOF LEFT JOIN tmp_business_days c ON r.created_at >= c.open_at
        ),
        clocked2 AS (
            SELECT r.*, CASE WHEN r.first_reply_at IS NOT NULL THEN {_business_clock('r.first_reply_at')} END AS b_end
            FROM clocked r ASOF LEFT JOIN tmp_business_days c ON r.first_reply_at >= c.open_at
        )
        SELECT platform, post_id, thread_id, brand, author_id, created_at, first_reply_id, first_reply_at,
               round(epoch(first_reply_at - created_at) / 60, 2) AS response_minutes,
               round(b_end - b_start, 2) AS business_response_minutes,
               first_reply_at IS NOT NULL AS answered,
               CASE WHEN first_reply_at IS NOT NULL THEN epoch(first_reply_at - created_at) / 60 <= $sla
                    WHEN epoch($data_end::TIMESTAMPTZ - created_at) / 60 > $sla THEN false END AS within_sla
        FROM clocked2""", {"sla": settings.sla_minutes, "data_end": data_end})
    if changed_only:  # the end of the data moved: posts that were still open may now be late
        con.execute("UPDATE fct_responses SET within_sla = false WHERE within_sla IS NULL "
                    "AND epoch($data_end::TIMESTAMPTZ - created_at) / 60 > $sla",
                    {"sla": settings.sla_minutes, "data_end": data_end})
    con.execute(f"""
        INSERT INTO fct_threads
        WITH stats AS (
            SELECT p.platform, p.thread_id, min(p.created_at) AS started_at, max(p.created_at) AS last_post_at,
                   count(*) AS post_count, count(*) FILTER (WHERE NOT p.is_brand) AS customer_posts,
                   count(*) FILTER (WHERE p.is_brand) AS brand_posts,
                   arg_max(p.sentiment, p.created_at) FILTER (WHERE NOT p.is_brand) AS last_customer_sentiment,
                   min(p.created_at) FILTER (WHERE NOT p.is_brand) AS first_customer_at,
                   max(p.created_at) FILTER (WHERE p.is_brand) AS last_brand_at
            FROM {posts_scope} p
            GROUP BY ALL
        ),
        first_wait AS (
            SELECT platform, thread_id, arg_min(response_minutes, created_at) AS first_response_minutes
            FROM {"(SELECT * FROM fct_responses SEMI JOIN tmp_changed_threads USING (platform, thread_id))"
                  if changed_only else "fct_responses"} GROUP BY ALL
        )
        SELECT s.platform, s.thread_id, r.post_id AS root_post_id, r.brand, s.started_at, s.last_post_at,
               s.post_count, s.customer_posts, s.brand_posts, w.first_response_minutes,
               coalesce(s.last_brand_at > s.first_customer_at, false) AS answered,
               r.sentiment AS root_sentiment, s.last_customer_sentiment
        FROM stats s
        JOIN {posts_scope} r ON r.platform = s.platform AND r.post_id = s.thread_id
        LEFT JOIN first_wait w ON w.platform = s.platform AND w.thread_id = s.thread_id""")
    for table in ("tmp_awaiting", "tmp_replied", "tmp_business_days", "tmp_changed_threads", "tmp_scope_posts"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return db.scalar(con, "SELECT count(*) FROM fct_responses")
