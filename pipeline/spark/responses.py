"""Spark: reply coverage, response times per customer post, and threads, from the facts (``fct_posts``) and the
public ``posts`` view, as DataFrames with exactly the columns of ``fct_reply_coverage``, ``fct_responses`` and
``fct_threads`` (a whole recompute of ``pipeline.metrics.responses``; the definitions are there and in
docs/metrics.md, word for word).

Written for Spark by hand, step for step with the SQL:

- **The first reply** is a window, not DuckDB's ASOF join: the customer posts awaiting a reply and the brand
  posts of a thread in one timeline, newest first; a post's first reply is the nearest brand post before it in
  that order, i.e. the earliest one after it in time. At one instant the brand posts sort after the customer
  posts (newest first), so a brand post written at the same instant as a customer post is not "after" it; of
  brand posts tied at one instant the smallest ``post_id`` is first. The frame runs from the start of the
  partition to the row before (Spark grows it row by row), so a long thread costs its length, not its square.
- **The business-minute clock**: the calendar is ``build_calendar``'s own SQL (the same bounds, business days,
  holidays, and opening and closing times converted with DuckDB's ``timezone()``, whatever it does at a DST
  gap or overlap), run on an in-memory DuckDB on the driver: one row per business day, small. It travels to
  the workers inside the pandas UDF that evaluates ``B(t)`` (PySpark broadcasts a large UDF by itself), where
  ``numpy.searchsorted`` is the ASOF join's "the last day opened at or before t". The arithmetic is DuckDB's,
  operation for operation on doubles: ``epoch()`` of a timestamp difference, the clamp to the day's opening
  hours, the minutes before that day, and ``round(x, 2)``, which DuckDB rounds from the double's exact value,
  half away from zero (Python's and numpy's ``round`` go half to even from the product ``x * 100``, and differ
  on values such as 15737.994999999999).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from pipeline.core import db
from pipeline.core.settings import Settings
from pipeline.metrics.responses import build_calendar
from pipeline.spark.stage import table_schema

MICROS_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# what the clock adds to each judged post
CLOCK_TYPE = T.StructType(
    [
        T.StructField("response_minutes", T.DoubleType(), True),
        T.StructField("business_response_minutes", T.DoubleType(), True),
        T.StructField("within_sla", T.BooleanType(), True),
    ]
)


def _shaped(frame: DataFrame, schema: T.StructType) -> DataFrame:
    """``frame`` with exactly the columns of ``schema``, in its order and of its types."""
    return frame.select(*[F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields])


# --- the business-minute clock (numpy, on the driver and in the workers) ------------------------------------


@dataclass(frozen=True)
class BusinessCalendar:
    """``tmp_business_days`` as arrays ordered by opening time: when each business day opens (UTC microseconds),
    how many business minutes it has (``epoch(close_at - open_at) / 60``) and how many all earlier days have
    (``minutes_before``), each value the double DuckDB computed."""

    open_us: np.ndarray
    open_minutes: np.ndarray
    minutes_before: np.ndarray


def business_calendar(first_us: int | None, last_us: int | None, settings: Settings) -> BusinessCalendar:
    """The business-hours calendar for facts whose oldest and newest posts are at ``first_us`` and ``last_us``
    (UTC microseconds; None when there are no facts), built by ``build_calendar`` itself on an in-memory
    database holding just those two instants: its bounds are the min and max of ``fct_posts.created_at``."""
    con = db.connect(":memory:")
    try:
        if first_us is not None and last_us is not None:
            con.execute(
                "INSERT INTO fct_posts (created_at) VALUES (?), (?)",
                [_EPOCH + timedelta(microseconds=first_us), _EPOCH + timedelta(microseconds=last_us)],
            )
        build_calendar(con, settings)
        days = con.execute(
            "SELECT epoch_us(open_at) AS open_us, epoch(close_at - open_at) / 60 AS open_minutes, minutes_before "
            "FROM tmp_business_days ORDER BY open_at"
        ).fetchnumpy()
    finally:
        con.close()
    return BusinessCalendar(
        open_us=np.asarray(days["open_us"], dtype=np.int64),
        open_minutes=np.asarray(days["open_minutes"], dtype=np.float64),
        minutes_before=np.asarray(days["minutes_before"], dtype=np.float64),
    )


def epoch_seconds(delta_us: np.ndarray) -> np.ndarray:
    """DuckDB's ``epoch(t2 - t1)`` for differences of ``delta_us`` microseconds: the difference is an INTERVAL
    of whole days and the microseconds left (both truncated towards zero), and its epoch is
    ``days * 86400 + micros / 1e6`` in doubles, which is not always ``delta_us / 1e6``."""
    delta = np.asarray(delta_us, dtype=np.int64)
    micros = np.fmod(delta, MICROS_PER_DAY)
    days = (delta - micros) // MICROS_PER_DAY
    return (days * 86400).astype(np.float64) + micros.astype(np.float64) / 1e6


def duckdb_round(values: np.ndarray, digits: int = 2) -> np.ndarray:
    """DuckDB's ``round(DOUBLE, digits)``: the double's exact value rounded to ``digits`` decimals, half away
    from zero, as the nearest double. ``x * 10**digits`` is inexact, so its rounding error is recovered exactly
    (Dekker's product: the scale has few significant bits, so each half of the split multiplies exactly) and
    decides the cases where the product lands on, or just beside, a half."""
    values = np.asarray(values, dtype=np.float64)
    scale = float(10**digits)
    x = np.abs(values)
    product = x * scale
    split = 134217729.0 * x  # 2**27 + 1: x = high + low, each with at most 26 significant bits
    high = split - (split - x)
    low = x - high
    error = (high * scale - product) + low * scale  # x * scale == product + error, exactly
    whole = np.floor(product)
    fraction = product - whole  # exact
    rounded = whole + ((fraction > 0.5) | ((fraction == 0.5) & (error >= 0)))
    result = np.copysign(rounded / scale, values)
    return np.where(np.isfinite(result), result, values)


def business_minutes(calendar: BusinessCalendar, at_us: np.ndarray) -> np.ndarray:
    """``B(t)``: the business minutes from the calendar's start to each instant of ``at_us`` (UTC microseconds),
    as ``_business_clock`` computes it after its ASOF join: the minutes of the days before the last day that
    opened at or before t, plus the minutes of that day up to t (none before it opens, all of them after it
    closes); 0 before the first day opens."""
    at = np.asarray(at_us, dtype=np.int64)
    day = np.searchsorted(calendar.open_us, at, side="right") - 1
    found = day >= 0
    if not found.any():
        return np.zeros(len(at), dtype=np.float64)
    day = np.where(found, day, 0)
    since_open = epoch_seconds(at - calendar.open_us[day]) / 60
    inside = np.minimum(np.maximum(since_open, 0.0), calendar.open_minutes[day])
    return np.where(found, calendar.minutes_before[day] + inside, 0.0)


def clock_responses(
    calendar: BusinessCalendar, sla_minutes: int, created_us: np.ndarray, end_us: np.ndarray, answered: np.ndarray
) -> pd.DataFrame:
    """The clock's columns of ``fct_responses`` for judged posts written at ``created_us`` whose clock stops at
    ``end_us`` (the first reply, or the end of the post's export where ``answered`` is false):
    ``response_minutes``, ``business_response_minutes`` (both NaN, i.e. NULL, when not answered) and
    ``within_sla`` (NULL while an unanswered post is still inside the SLA at the end of its export)."""
    answered = np.asarray(answered, dtype=bool)
    created, end = np.asarray(created_us, dtype=np.int64), np.asarray(end_us, dtype=np.int64)
    business = business_minutes(calendar, end) - business_minutes(calendar, created)
    business_rounded = duckdb_round(business)
    calendar_minutes = duckdb_round(epoch_seconds(end - created) / 60)
    within = pd.array(np.where(answered, business_rounded <= sla_minutes, False), dtype="boolean")
    within[~answered & ~(business > sla_minutes)] = pd.NA
    return pd.DataFrame(
        {
            "response_minutes": np.where(answered, calendar_minutes, np.nan),
            "business_response_minutes": np.where(answered, business_rounded, np.nan),
            "within_sla": within,
        }
    )


def _clock_udf(calendar: BusinessCalendar, sla_minutes: int):
    """``clock_responses`` as a pandas UDF of (created_at, clock end, answered) in UTC microseconds."""

    @F.pandas_udf(CLOCK_TYPE)  # type: ignore[call-overload]
    def clock(created_us: pd.Series, end_us: pd.Series, answered: pd.Series) -> pd.DataFrame:
        return clock_responses(calendar, sla_minutes, created_us.to_numpy(), end_us.to_numpy(), answered.to_numpy())

    return clock


# --- the tables --------------------------------------------------------------------------------------------


def compute_reply_coverage(facts: DataFrame) -> DataFrame:
    """``fct_reply_coverage``: per import, platform and brand, the customer posts, the brand's own posts and its
    replies (brand posts with a parent), with the import's first and last post (the end of its data)."""
    spans = facts.groupBy("import_id").agg(F.min("created_at").alias("first_at"), F.max("created_at").alias("last_at"))
    coverage = (
        facts.join(spans, "import_id")
        .groupBy("import_id", "platform", "brand", "first_at", "last_at")
        .agg(
            F.count(F.when(~F.col("is_brand"), 1)).alias("customer_posts"),
            F.count(F.when(F.col("is_brand"), 1)).alias("brand_posts"),
            F.count(F.when(F.col("is_brand") & F.col("parent_id").isNotNull(), 1)).alias("brand_replies"),
        )
    )
    return _shaped(coverage, table_schema("fct_reply_coverage"))


def _awaiting(facts: DataFrame) -> DataFrame:
    """The customer posts awaiting a reply: non-brand posts that start their thread or answer a brand post."""
    parents = facts.select(
        F.col("platform").alias("parent_platform"),
        F.col("post_id").alias("parent_post_id"),
        F.col("is_brand").alias("parent_is_brand"),
    )
    joined = facts.join(
        parents,
        (F.col("parent_platform") == F.col("platform")) & (F.col("parent_post_id") == F.col("parent_id")),
        "left",
    )
    return joined.where(
        ~F.col("is_brand")
        & ((F.col("post_id") == F.col("thread_id")) | F.coalesce(F.col("parent_is_brand"), F.lit(False)))
    ).select("platform", "post_id", "thread_id", "brand", "created_at", "author_id", "import_id")


def _first_replies(facts: DataFrame, awaiting: DataFrame) -> DataFrame:
    """``awaiting`` with ``first_reply_id`` and ``first_reply_at``: the earliest brand post of the same thread
    created strictly after the post (of several at one instant, the smallest ``post_id``), or NULLs."""
    waiting = awaiting.withColumn("turn", F.lit(1))
    brand_posts = facts.where(F.col("is_brand") & F.col("thread_id").isNotNull()).select(
        "platform",
        "thread_id",
        "created_at",
        "post_id",
        F.lit(0).alias("turn"),
        F.struct(F.col("created_at").alias("at"), F.col("post_id").alias("id")).alias("reply"),
    )
    timeline = waiting.unionByName(brand_posts, allowMissingColumns=True)
    # newest first: the rows before a post are the posts after it in time; at one instant the customer posts
    # (turn 1) come first, so the brand posts of that instant are not before them, and the brand posts of one
    # instant run from the largest post_id down, so the nearest is the smallest
    newest_first = (
        Window.partitionBy("platform", "thread_id")
        .orderBy(F.desc("created_at"), F.desc("turn"), F.desc("post_id"))
        .rowsBetween(Window.unboundedPreceding, -1)
    )
    first_reply: Column = F.last("reply", ignorenulls=True).over(newest_first)
    return (
        timeline.withColumn("first_reply", first_reply)
        .where(F.col("turn") == 1)
        .select(
            *awaiting.columns,
            F.col("first_reply.id").alias("first_reply_id"),
            F.col("first_reply.at").alias("first_reply_at"),
        )
    )


def _judged(facts: DataFrame, coverage: DataFrame, replied: DataFrame) -> DataFrame:
    """The posts that can be judged, with ``source_end`` (the end of their export's data): those with a brand
    whose replies are in the data for them (its import holds replies of that brand, a reply to the post, or
    the brand posts in its thread)."""
    cover = coverage.groupBy("import_id", "brand").agg(
        F.max("last_at").alias("source_end"), F.sum("brand_replies").alias("brand_replies")
    )
    brand_threads = (
        facts.where(F.col("is_brand")).select("platform", "thread_id").distinct().withColumn("in_thread", F.lit(True))
    )
    return (
        replied.where(F.col("brand").isNotNull())
        .join(cover, ["import_id", "brand"])
        .join(brand_threads, ["platform", "thread_id"], "left")
        .where((F.col("brand_replies") > 0) | F.col("first_reply_at").isNotNull() | F.col("in_thread").isNotNull())
    )


def compute_threads(posts: DataFrame, responses: DataFrame) -> DataFrame:
    """``fct_threads`` from the ``posts`` view (counts, times, sentiments) and ``fct_responses`` (the thread's
    first response time: that of its judged post with the smallest (created_at, post_id), among those with
    one, as DuckDB's ``arg_min`` skips NULLs)."""
    customer, brand = ~F.col("is_brand"), F.col("is_brand")
    # arg_max(sentiment, (created_at, post_id)) over customer posts: the newest that has a sentiment (arg_max
    # skips NULLs); a struct compares field by field, and max ignores the NULLs ``when`` leaves
    newest_scored = F.when(customer & F.col("sentiment").isNotNull(), F.struct("created_at", "post_id", "sentiment"))
    first_timed = F.when(F.col("response_minutes").isNotNull(), F.struct("created_at", "post_id", "response_minutes"))
    stats = posts.groupBy("platform", "thread_id").agg(
        F.min("created_at").alias("started_at"),
        F.max("created_at").alias("last_post_at"),
        F.count(F.lit(1)).alias("post_count"),
        F.count(F.when(customer, 1)).alias("customer_posts"),
        F.count(F.when(brand, 1)).alias("brand_posts"),
        F.max(newest_scored).alias("last_customer"),
        F.min(F.when(customer, F.col("created_at"))).alias("first_customer_at"),
        F.max(F.when(brand, F.col("created_at"))).alias("last_brand_at"),
    )
    first_wait = responses.groupBy("platform", "thread_id").agg(
        F.min(first_timed).alias("first_wait"),
        F.count(F.lit(1)).alias("judged_posts"),
    )
    roots = posts.select(
        "platform",
        F.col("post_id").alias("thread_id"),
        F.col("post_id").alias("root_post_id"),
        "brand",
        F.col("sentiment").alias("root_sentiment"),
    )
    threads = (
        stats.join(roots, ["platform", "thread_id"])
        .join(first_wait, ["platform", "thread_id"], "left")
        .select(
            "*",
            F.col("first_wait.response_minutes").alias("first_response_minutes"),
            F.col("last_customer.sentiment").alias("last_customer_sentiment"),
            # unknown (NULL) where the thread holds no brand post and no judged post: a mentions-only export
            F.when(
                F.col("brand_posts") > 0,
                F.coalesce(F.col("last_brand_at") > F.col("first_customer_at"), F.lit(False)),
            )
            .when(F.col("judged_posts") > 0, F.lit(False))
            .alias("answered"),
        )
    )
    return _shaped(threads, table_schema("fct_threads"))


def compute_responses(
    spark: SparkSession, facts: DataFrame, posts: DataFrame, settings: Settings
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """``fct_responses``, ``fct_threads`` and ``fct_reply_coverage`` (in that order) from ``facts`` (rows of
    ``fct_posts``) and ``posts`` (rows of the public ``posts`` view, whose sentiment the threads show), with the
    business hours, holidays, time zone and SLA of ``settings``. Rows are in no particular order.

    Runs one small job at once (the first and last post, for the calendar's bounds); the rest is lazy.
    """
    first_us, last_us = facts.agg(
        F.min(F.unix_micros(F.col("created_at"))), F.max(F.unix_micros(F.col("created_at")))
    ).collect()[0]
    calendar = business_calendar(first_us, last_us, settings)
    clock = _clock_udf(calendar, int(settings.sla_minutes))

    coverage = compute_reply_coverage(facts)
    judged = _judged(facts, coverage, _first_replies(facts, _awaiting(facts)))
    answered = F.col("first_reply_at").isNotNull()
    clocked = judged.withColumn("answered", answered).withColumn(
        "clock",
        clock(
            F.unix_micros(F.col("created_at")),
            F.unix_micros(F.coalesce(F.col("first_reply_at"), F.col("source_end"))),
            F.col("answered"),
        ),
    )
    responses = _shaped(clocked.select("*", "clock.*"), table_schema("fct_responses"))
    return responses, compute_threads(posts, responses), coverage
