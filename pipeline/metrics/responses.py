"""Metrics: brand response times per customer post, and per thread.

Definitions (docs/metrics.md repeats them word for word):

- A **customer post awaiting a reply** is a non-brand post that starts a thread (it is its thread's root)
  or answers a brand post (its parent is a brand post).
- Its **first response** is the earliest brand post in the same thread created after it (of brand posts
  at the same instant, the smallest post id: every tie in the pipeline goes by (created_at, post_id)).
- ``response_minutes`` = (first_reply_at - created_at) in calendar minutes.
- ``business_response_minutes`` counts only the minutes inside business hours between the two: business
  days (default Mon-Fri) from ``business_start`` to ``business_end`` (default 09:00-17:00) in the
  settings' time zone, holidays excluded. A reply outside business hours to a post written outside them
  counts 0.
- ``within_sla``: answered and ``business_response_minutes <= sla_minutes`` (default 60): the SLA is
  counted on the business clock, like the settings that define it. An unanswered post is outside the SLA
  once ``sla_minutes`` business minutes have passed by the end of its export (the newest post of the import
  it came from); before that it is NULL (still open).
- **Replies in the data**: an export of mentions only (a listening tool's, the airline data set) holds no
  brand replies, so it cannot show whether anyone answered. ``fct_reply_coverage`` counts, per import,
  platform and brand, the customer posts, the brand's own posts and its replies (brand posts linked to the
  post they answer). A customer post is judged (has a row in ``fct_responses``) only when it has a brand
  and the brand's replies are in the data for it: its import holds replies of that brand (on any platform:
  a brand that answers on one network and not on another is a finding), or the brand posts in its thread
  (a follow-up loaded later in a conversation the brand is part of). A brand's own tweets in a mentions
  export, linked to nothing, are not replies. Posts that cannot be judged are left out of every response
  figure and of crisis severity, and the pages say why.
- Threads: ``first_response_minutes`` is the response time of the thread's first customer post awaiting
  a reply (then smallest post id); ``last_customer_sentiment`` is the sentiment of its last scored customer
  post (the largest (created_at, post_id)); ``answered`` is whether any brand post follows a customer post
  (NULL, unknown, when the thread has no brand post and none of its posts can be judged).

Writes ``fct_reply_coverage`` (always whole: it is small) and ``fct_responses`` and ``fct_threads`` (public
views ``responses`` and ``threads``): whole, or after an import that only added posts, for the threads the
new posts touched. In SQL: the business-hours calendar has one row per business day, and ``B(t)``, the
business minutes from the calendar's start to t, comes from an ASOF join; business minutes between two
times are ``B(t2) - B(t1)``.
"""

from __future__ import annotations

import duckdb

from pipeline.core import db
from pipeline.core.settings import Settings


def build_calendar(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    # TIME has no 24:00; the last microsecond of the day stands in for it.
    end = "23:59:59.999999" if settings.business_end == "24:00" else settings.business_end
    con.execute(
        """
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
        {
            "tz": settings.business_time_zone,
            "start": settings.business_start,
            "end_": end,
            "days": settings.business_day_numbers,
            "holidays": list(settings.holidays),
        },
    )


def _business_clock(column: str) -> str:
    """SQL for B(column): business minutes from the calendar's start to the timestamp ``column``."""
    return f"""coalesce(c.minutes_before + least(greatest(epoch({column} - c.open_at) / 60, 0),
                                               epoch(c.close_at - c.open_at) / 60), 0)"""


# The facts in ``tmp_changed_posts``, by their build number rather than a join on the key (which reads every
# stored post; the build number lets the scan skip all but the newest row groups).
CHANGED_FACTS = "facts_build >= (SELECT min(facts_build) FROM tmp_changed_posts)"


def compute_reply_coverage(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``fct_reply_coverage``: per import, platform and brand, the customer posts, the brand's own posts
    and its replies (brand posts with a parent), with the import's first and last post (the end of its data).
    Small: imports x platforms x brands."""
    con.execute("DELETE FROM fct_reply_coverage")
    con.execute("""
        INSERT INTO fct_reply_coverage
        WITH span AS (SELECT import_id, min(created_at) AS first_at, max(created_at) AS last_at
                      FROM fct_posts GROUP BY ALL)
        SELECT f.import_id, f.platform, f.brand, s.first_at, s.last_at,
               count(*) FILTER (WHERE NOT f.is_brand), count(*) FILTER (WHERE f.is_brand),
               count(*) FILTER (WHERE f.is_brand AND f.parent_id IS NOT NULL)
        FROM fct_posts f JOIN span s USING (import_id)
        GROUP BY ALL""")
    return db.scalar(con, "SELECT count(*) FROM fct_reply_coverage")


def compute_responses(con: duckdb.DuckDBPyConnection, settings: Settings, *, changed_only: bool = False) -> int:
    """Rebuild ``fct_responses`` and ``fct_threads``; return the number of customer posts awaiting a reply.

    ``changed_only``: recompute only the threads of ``tmp_changed_posts`` (posts the facts build rewrote;
    a rewritten thread is rewritten whole), and mark open posts late now that the data reaches further.
    """
    build_calendar(con, settings)
    compute_reply_coverage(con)
    if changed_only:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE tmp_changed_threads AS "
            "SELECT DISTINCT platform, thread_id FROM tmp_changed_posts"
        )
        # every post of a changed thread was rewritten, so the threads' posts are the changed posts
        con.execute(f"CREATE OR REPLACE TEMP TABLE tmp_scope_posts AS {db.POSTS_SELECT} WHERE f.{CHANGED_FACTS}")
        scope = posts_scope = "tmp_scope_posts"
        # a changed post's old rows: its response, and the thread it was the root of
        con.execute(
            "DELETE FROM fct_responses r USING tmp_changed_posts c "
            "WHERE r.platform = c.platform AND r.post_id = c.post_id"
        )
        con.execute(
            "DELETE FROM fct_threads t USING tmp_changed_posts c "
            "WHERE t.platform = c.platform AND t.thread_id = c.post_id"
        )
        con.execute(
            "DELETE FROM fct_threads t USING tmp_changed_threads c "
            "WHERE t.platform = c.platform AND t.thread_id = c.thread_id"
        )
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
        ASOF LEFT JOIN (  -- one brand post per instant (the smallest id), so that a tie has one first reply
            SELECT platform, thread_id, created_at, min(post_id) AS post_id FROM {scope} WHERE is_brand GROUP BY ALL
        ) b
            ON b.platform = a.platform AND b.thread_id = a.thread_id AND b.created_at > a.created_at""")
    # judged: a brand, and the brand's replies in the post's export, a reply to it, or the brand in its thread
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tmp_judged AS
        WITH cover AS (SELECT import_id, brand, max(last_at) AS last_at, sum(brand_replies) AS brand_replies
                       FROM fct_reply_coverage GROUP BY ALL),
        brand_threads AS (SELECT DISTINCT platform, thread_id FROM {scope} WHERE is_brand)
        SELECT r.*, c.last_at AS source_end FROM tmp_replied r
        JOIN fct_posts f ON f.platform = r.platform AND f.post_id = r.post_id AND f.created_at = r.created_at
        JOIN cover c ON c.import_id = f.import_id AND c.brand = r.brand
        LEFT JOIN brand_threads bt ON bt.platform = r.platform AND bt.thread_id = r.thread_id
        WHERE r.brand IS NOT NULL
          AND (c.brand_replies > 0 OR r.first_reply_at IS NOT NULL OR bt.thread_id IS NOT NULL)""")
    con.execute(
        f"""
        INSERT INTO fct_responses
        WITH clocked AS (
            SELECT r.*, {_business_clock("r.created_at")} AS b_start
            FROM tmp_judged r ASOF LEFT JOIN tmp_business_days c ON r.created_at >= c.open_at
        ),
        clocked2 AS (
            SELECT r.*, {_business_clock("coalesce(r.first_reply_at, r.source_end)")} AS b_end
            FROM clocked r ASOF LEFT JOIN tmp_business_days c ON coalesce(r.first_reply_at, r.source_end) >= c.open_at
        )
        SELECT platform, post_id, thread_id, brand, author_id, created_at, first_reply_id, first_reply_at,
               round(epoch(first_reply_at - created_at) / 60, 2) AS response_minutes,
               CASE WHEN first_reply_at IS NOT NULL THEN round(b_end - b_start, 2) END AS business_response_minutes,
               first_reply_at IS NOT NULL AS answered,
               CASE WHEN first_reply_at IS NOT NULL THEN round(b_end - b_start, 2) <= $sla
                    WHEN b_end - b_start > $sla THEN false END AS within_sla
        FROM clocked2""",
        {"sla": settings.sla_minutes},
    )
    if changed_only:  # an export's end may have moved: posts that were still open may now be late
        con.execute(
            f"""
            UPDATE fct_responses SET within_sla = false
            FROM (SELECT r.platform, r.post_id, {_business_clock("r.created_at")} AS b_start, r.source_end
                  FROM (SELECT o.platform, o.post_id, o.created_at, c.last_at AS source_end
                        FROM fct_responses o
                        JOIN fct_posts f ON f.platform = o.platform AND f.post_id = o.post_id
                        JOIN (SELECT DISTINCT import_id, brand, last_at FROM fct_reply_coverage) c
                                                  ON c.import_id = f.import_id AND c.brand = o.brand
                        WHERE o.within_sla IS NULL) r
                  ASOF LEFT JOIN tmp_business_days c ON r.created_at >= c.open_at) s
            ASOF LEFT JOIN tmp_business_days c ON s.source_end >= c.open_at
            WHERE fct_responses.platform = s.platform AND fct_responses.post_id = s.post_id
              AND {_business_clock("s.source_end")} - s.b_start > $sla""",
            {"sla": settings.sla_minutes},
        )
    con.execute(f"""
        INSERT INTO fct_threads
        WITH stats AS (
            SELECT p.platform, p.thread_id, min(p.created_at) AS started_at, max(p.created_at) AS last_post_at,
                   count(*) AS post_count, count(*) FILTER (WHERE NOT p.is_brand) AS customer_posts,
                   count(*) FILTER (WHERE p.is_brand) AS brand_posts,
                   arg_max(p.sentiment, (p.created_at, p.post_id)) FILTER (WHERE NOT p.is_brand)
                       AS last_customer_sentiment,
                   min(p.created_at) FILTER (WHERE NOT p.is_brand) AS first_customer_at,
                   max(p.created_at) FILTER (WHERE p.is_brand) AS last_brand_at
            FROM {posts_scope} p
            GROUP BY ALL
        ),
        first_wait AS (
            SELECT platform, thread_id, arg_min(response_minutes, (created_at, post_id)) AS first_response_minutes,
                   count(*) AS judged_posts
            FROM {
        "(SELECT * FROM fct_responses SEMI JOIN tmp_changed_threads USING (platform, thread_id))"
        if changed_only
        else "fct_responses"
    } GROUP BY ALL
        )
        SELECT s.platform, s.thread_id, r.post_id AS root_post_id, r.brand, s.started_at, s.last_post_at,
               s.post_count, s.customer_posts, s.brand_posts, w.first_response_minutes,
               -- unknown (NULL) where the thread holds no brand post and no judged post: a mentions-only export
               CASE WHEN s.brand_posts > 0 THEN coalesce(s.last_brand_at > s.first_customer_at, false)
                    WHEN w.judged_posts > 0 THEN false END AS answered,
               r.sentiment AS root_sentiment, s.last_customer_sentiment
        FROM stats s
        JOIN {posts_scope} r ON r.platform = s.platform AND r.post_id = s.thread_id
        LEFT JOIN first_wait w ON w.platform = s.platform AND w.thread_id = s.thread_id""")
    for table in (
        "tmp_awaiting",
        "tmp_replied",
        "tmp_judged",
        "tmp_business_days",
        "tmp_changed_threads",
        "tmp_scope_posts",
    ):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return db.scalar(con, "SELECT count(*) FROM fct_responses")
