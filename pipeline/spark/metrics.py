"""Spark: the hourly series, the playbook's reply moves and the themes, from the facts (``fct_posts``) and the
public ``posts`` view, as DataFrames with exactly the columns of ``fct_hourly``, ``fct_reply_moves`` and
``fct_post_themes`` (a whole recompute of ``pipeline.metrics.hourly``, ``playbook`` and ``themes``).

- ``compute_hourly``: written for Spark by hand, the SQL of ``pipeline.metrics.hourly`` step for step. Hours
  are counted as whole hours since 1970 (a ``long``) until the last step, so that the grid, the export
  coverage and the store-wide gap days are joins on integers and nothing depends on the session's time
  zone. The grid is one ``sequence`` per brand over its own span (from its first customer post to the end of
  its data), never a cross join of every hour with every brand.
- ``compute_reply_moves``: which posts are brand replies is chosen here; their texts are classified by
  Radar's own ``classify_moves`` in ``mapInPandas``.
- ``tag_themes``: the match is Radar's own DuckDB expression (``theme_condition_sql`` over
  ``normalized_sql``), evaluated per Arrow batch on an in-memory DuckDB in ``mapInArrow``: the same regular
  expression engine (RE2), the same accent stripping and lower-casing, so there is nothing to drift.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from pipeline.metrics.hourly import ALL_BRANDS, NO_BRAND
from pipeline.metrics.playbook import classify_moves
from pipeline.metrics.themes import default_themes, normalized_sql, theme_condition_sql, validate
from pipeline.spark.stage import table_schema

HOUR_MICROS = 3_600_000_000
DAY_MILLIS = 86_400_000

# --- hourly series ----------------------------------------------------------------------------------------


def _floor_div(expr: str, divisor: int) -> Column:
    """The whole number SQL expression ``expr`` divided by a positive ``divisor``, rounded down, as a long
    (Spark's ``div`` rounds towards zero, like DuckDB's ``//``; ``date_trunc`` and a cast to DATE round down)."""
    return F.expr(f"({expr} - pmod({expr}, {divisor})) div {divisor}")


def _hour_of(column: str) -> Column:
    """The UTC hour timestamp column ``column`` falls in, as whole hours since 1970 (``date_trunc('hour',
    ...)`` in UTC)."""
    return _floor_div(f"unix_micros({column})", HOUR_MICROS)


def _utc_day_of(column: str) -> Column:
    """The SQL's ``UTC_DAY`` (``pipeline.core.db``) of timestamp column ``column``: whole days since 1970 in UTC,
    from the microseconds (timestamps from 1970 on: ingest refuses any before 2000)."""
    return F.expr(f"unix_micros({column}) div {DAY_MILLIS * 1000}")


def _series(first: str, last: str) -> Column:
    """The whole numbers (hours, days) from column ``first`` to column ``last`` as an array, as DuckDB's
    ``generate_series`` makes them: none when ``first > last`` (Spark's ``sequence`` would count down)."""
    return F.when(F.col(first) <= F.col(last), F.sequence(F.col(first), F.col(last)))


def compute_hourly(spark: SparkSession, facts: DataFrame, posts: DataFrame) -> DataFrame:
    """``fct_hourly`` from the facts and the ``posts`` view: customer posts per brand and UTC hour (``'*'``
    for every post, ``'(none)'`` for a post without a brand), zero-filled from the brand's first post to the
    end of its data, with ``is_gap`` where the brand's exports do not cover the hour or the store has no post
    at all on that UTC day (see ``pipeline.metrics.hourly`` for the definitions).

    ``posts`` gives each customer post's sentiment label as shown (a correction or the export's own label
    before Radar's); ``facts`` gives the imports that cover a brand's hours. Rows are in no particular order.
    """
    counts = ("posts", "scored_posts", "negative_posts", "positive_posts")
    # the counts, from the posts view (its label is the one the dashboard shows); each customer post counts
    # under its brand and under '*', in one aggregation
    counted = (
        posts.where(~F.col("is_brand"))
        .select(
            F.explode(F.array(F.coalesce(F.col("brand"), F.lit(NO_BRAND)), F.lit(ALL_BRANDS))).alias("brand"),
            _hour_of("created_at").alias("hour"),
            "sentiment_label",
        )
        .groupBy("brand", "hour")
        .agg(
            F.count(F.lit(1)).alias("posts"),
            F.count("sentiment_label").alias("scored_posts"),
            F.count(F.when(F.col("sentiment_label") == "negative", 1)).alias("negative_posts"),
            F.count(F.when(F.col("sentiment_label") == "positive", 1)).alias("positive_posts"),
        )
    )

    # what each import covers: the UTC days it has posts on, whole, except before its first post and after
    # its newest one (the day of a post is the SQL's UTC_DAY, see _utc_day_of)
    import_days = facts.groupBy("import_id", _utc_day_of("created_at").alias("day")).agg(
        F.min("created_at").alias("first_at"), F.max("created_at").alias("last_at")
    )
    whole_import = Window.partitionBy("import_id")
    spans = import_days.select(
        "import_id",
        F.when(F.col("day") == F.min("day").over(whole_import), _hour_of("first_at"))
        .otherwise(F.col("day") * 24)
        .alias("first_hour"),
        F.when(F.col("day") == F.max("day").over(whole_import), _hour_of("last_at"))
        .otherwise(F.col("day") * 24 + 23)
        .alias("last_hour"),
    )
    # the series each import's spans count for: the brands of its customer posts, and '*' (every import)
    import_brands = (
        facts.select(
            "import_id",
            F.explode(
                F.array(F.when(~F.col("is_brand"), F.coalesce(F.col("brand"), F.lit(NO_BRAND))), F.lit(ALL_BRANDS))
            ).alias("brand"),
        )
        .where(F.col("brand").isNotNull())
        .distinct()
    )
    covers = spans.join(import_brands, "import_id").select("brand", "first_hour", "last_hour")
    # a span lies within one UTC day: at most 24 hours each
    covered = (
        covers.select("brand", F.explode(_series("first_hour", "last_hour")).alias("hour"))
        .distinct()
        .withColumn("is_covered", F.lit(True))
    )

    # the grid: each brand's own hours, from its first customer post to the end of its data (the newest hour
    # its exports cover), one sequence per brand; a brand needs both
    bounds = (
        counted.select("brand", F.col("hour").alias("first_hour"), F.lit(None).cast("long").alias("last_hour"))
        .unionByName(covers.select("brand", F.lit(None).cast("long").alias("first_hour"), "last_hour"))
        .groupBy("brand")
        .agg(F.min("first_hour").alias("first_hour"), F.max("last_hour").alias("last_hour"))
    )
    grid = bounds.select("brand", F.explode(_series("first_hour", "last_hour")).alias("hour"))

    # store-wide gap days: the UTC days between the first and the last day with a post that have none (one row:
    # the days with posts are at most one per day of data)
    true_day = _floor_div("unix_micros(created_at)", 24 * HOUR_MICROS)
    gap_days = (
        facts.agg(
            F.min(true_day).alias("first_day"), F.max(true_day).alias("last_day"), F.collect_set(true_day).alias("days")
        )
        .select(F.explode(F.array_except(_series("first_day", "last_day"), F.col("days"))).alias("day"))
        .withColumn("is_gap_day", F.lit(True))
    )

    hourly = (
        grid.join(counted, ["brand", "hour"], "left")
        .join(covered, ["brand", "hour"], "left")
        .withColumn("day", _floor_div("hour", 24))
        .join(F.broadcast(gap_days), "day", "left")
    )
    return hourly.select(
        F.col("brand"),
        F.timestamp_micros(F.col("hour") * F.lit(HOUR_MICROS)).alias("hour_at"),
        *[F.coalesce(F.col(name), F.lit(0)).cast("long").alias(name) for name in counts],
        F.when(F.col("scored_posts") > 0, F.col("negative_posts") / F.col("scored_posts"))
        .cast("double")
        .alias("share_negative"),
        (F.col("is_gap_day").isNotNull() | F.col("is_covered").isNull()).alias("is_gap"),
    )


# --- the playbook's reply moves -----------------------------------------------------------------------------


def _classify_frames(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """mapInPandas: one row per brand post and move it makes (Radar's own ``classify_moves``)."""
    for frame in frames:
        frame = frame.assign(move=[classify_moves(text) for text in frame["text"]])
        moves = frame.drop(columns="text").explode("move").dropna(subset=["move"])
        yield moves[["platform", "post_id", "brand", "created_micros", "move"]]


def compute_reply_moves(spark: SparkSession, facts: DataFrame) -> DataFrame:
    """``fct_reply_moves``: one row per brand post (``is_brand``) and playbook move its text makes, classified by
    ``pipeline.metrics.playbook.classify_moves``. Rows are in no particular order."""
    brand_posts = facts.where(F.col("is_brand")).select(
        "platform",
        "post_id",
        "brand",
        # as microseconds: a pandas timestamp would pass through nanoseconds and the session's time zone
        F.unix_micros(F.col("created_at")).alias("created_micros"),
        F.coalesce(F.col("text"), F.lit("")).alias("text"),
    )
    moves = brand_posts.mapInPandas(
        _classify_frames, "platform string, post_id string, brand string, created_micros long, move string"
    )
    return moves.select(
        "platform", "post_id", "brand", F.timestamp_micros(F.col("created_micros")).alias("created_at"), "move"
    )


# --- themes ------------------------------------------------------------------------------------------------


def themes_sql(themes: list[dict[str, Any]], source: str = "batch") -> str:
    """The DuckDB query that tags the customer posts in table ``source`` (platform, post_id, created_at,
    brand, text) with ``themes``: the CASE per theme and its condition exactly as ``tag_themes`` in
    ``pipeline.metrics.themes`` builds them (the keywords normalized by DuckDB, as there)."""
    with duckdb.connect() as con:
        cases = ", ".join(
            f"CASE WHEN {theme_condition_sql(con, theme, 't')} THEN '{theme['name'].replace(chr(39), chr(39) * 2)}' END"
            for theme in themes
        )
    return f"""
        SELECT platform, post_id, theme, created_at, brand FROM (
            SELECT platform, post_id, created_at, brand, unnest([{cases}]) AS theme
            FROM (SELECT f.platform, f.post_id, f.created_at, f.brand, {normalized_sql("f.text")} AS t
                  FROM {source} f))
        WHERE theme IS NOT NULL"""


def _tag_batches(sql: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: the themes of each batch of customer posts, by ``sql`` on an in-memory DuckDB (one thread:
    Spark runs a task per core already)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(table_schema("fct_post_themes"), timezone="UTC")
    with duckdb.connect(config={"threads": 1, "memory_limit": "256MB"}) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET python_enable_replacements = false")
        for batch in batches:
            con.register("batch", pa.Table.from_batches([batch]))
            tagged = con.sql(sql).to_arrow_table().cast(schema)
            con.unregister("batch")
            yield from tagged.to_batches()


def tag_themes(spark: SparkSession, facts: DataFrame, themes: list[dict[str, Any]] | None = None) -> DataFrame:
    """``fct_post_themes``: one row per customer post and theme it is about.

    ``themes``: the database's theme set as ``pipeline.metrics.themes.load_themes`` returns it (validated
    here); None is the shipped set, as for a database that never saved one. Rows are in no particular order.
    """
    themes = default_themes() if themes is None else validate(themes)
    if not themes:
        return spark.createDataFrame([], table_schema("fct_post_themes"))
    customer = facts.where(~F.col("is_brand")).select("platform", "post_id", "created_at", "brand", "text")
    return customer.mapInArrow(partial(_tag_batches, themes_sql(themes)), table_schema("fct_post_themes"))
