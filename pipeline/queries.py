"""Queries: what the pages and reports ask of the store, aggregated in DuckDB.

Every function takes the connection (or a cursor) first and a ``PostFilter``; every user value is a bound
parameter. Days are UTC calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd


@dataclass(frozen=True)
class PostFilter:
    """The shared sidebar filters: a UTC date range (inclusive) and optional brand and platform lists."""

    start_date: date | None = None
    end_date: date | None = None
    brands: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()

    def where(self, alias: str = "") -> tuple[str, list]:
        """A SQL condition and its parameters, e.g. ``("created_at >= ? AND brand IN (?)", [...])``."""
        prefix = f"{alias}." if alias else ""
        clauses, params = ["TRUE"], []
        if self.start_date:
            clauses.append(f"{prefix}created_at >= ?")
            params.append(pd.Timestamp(self.start_date, tz="UTC").to_pydatetime())
        if self.end_date:
            clauses.append(f"{prefix}created_at < ?")
            params.append(pd.Timestamp(self.end_date + timedelta(days=1), tz="UTC").to_pydatetime())
        for column, values in ((f"{prefix}brand", self.brands), (f"{prefix}platform", self.platforms)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class FilterOptions:
    brands: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    first_date: date | None = None
    last_date: date | None = None


@dataclass(frozen=True)
class Totals:
    posts: int = 0
    customer_posts: int = 0
    brand_posts: int = 0
    threads: int = 0
    authors: int = 0
    first_date: date | None = None
    last_date: date | None = None


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    brands = [row[0] for row in con.execute(
        "SELECT brand FROM posts WHERE brand IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1").fetchall()]
    platforms = [row[0] for row in con.execute(
        "SELECT platform FROM posts GROUP BY 1 ORDER BY count(*) DESC, 1").fetchall()]
    first, last = con.execute(
        "SELECT min(created_at)::DATE, max(created_at)::DATE FROM posts").fetchall()[0]
    return FilterOptions(tuple(brands), tuple(platforms), first, last)


def post_totals(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> Totals:
    condition, params = filters.where()
    row = con.execute(f"""
        SELECT count(*), count(*) FILTER (NOT is_brand), count(*) FILTER (is_brand),
               count(DISTINCT thread_id), count(DISTINCT author_id) FILTER (NOT is_brand),
               min(created_at)::DATE, max(created_at)::DATE
        FROM posts WHERE {condition}""", params).fetchall()[0]
    return Totals(*row)


def posts_per_day(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """One row per UTC day and author side (``customer`` / ``brand``), days without posts filled with 0."""
    condition, params = filters.where()
    return con.execute(f"""
        WITH counts AS (
            SELECT created_at::DATE AS day, CASE WHEN is_brand THEN 'brand' ELSE 'customer' END AS side,
                   count(*) AS posts
            FROM posts WHERE {condition} GROUP BY ALL
        ), days AS (
            SELECT unnest(range(min(day), max(day) + INTERVAL 1 DAY, INTERVAL 1 DAY))::DATE AS day FROM counts
        )
        SELECT d.day, s.side, coalesce(c.posts, 0) AS posts
        FROM days d CROSS JOIN (VALUES ('customer'), ('brand')) s(side)
        LEFT JOIN counts c ON c.day = d.day AND c.side = s.side
        ORDER BY d.day, s.side""", params).df()


def posts_by_platform_and_brand(con: duckdb.DuckDBPyConnection,
                                filters: PostFilter = PostFilter()) -> pd.DataFrame:
    condition, params = filters.where()
    return con.execute(f"""
        SELECT platform, coalesce(brand, '(no brand)') AS brand, count(*) AS posts,
               count(*) FILTER (NOT is_brand) AS customer_posts, count(*) FILTER (is_brand) AS brand_posts,
               count(DISTINCT thread_id) AS threads
        FROM posts WHERE {condition}
        GROUP BY ALL ORDER BY posts DESC, platform, brand""", params).df()


def latest_imports(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pd.DataFrame:
    return con.execute("""
        SELECT import_id, imported_at, file_name, format, rows_read, rows_loaded, rows_duplicate,
               rows_quarantined
        FROM imports ORDER BY import_id DESC LIMIT ?""", [limit]).df()


def response_kpis(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter(), *,
                  period: str = "week") -> pd.DataFrame:
    """Response KPIs per brand account and ISO week (``period="week"``) or over the whole range ("all").

    Columns: brand, week (the Monday, UTC; NULL for "all"), awaiting (customer posts awaiting a reply),
    answered, unanswered, response_rate, median_minutes, p90_minutes (calendar minutes of answered posts),
    median_business_minutes, within_sla_share (of posts whose SLA is decided). Median and p90, never the mean
    alone: a few multi-day replies dominate a mean.
    """
    condition, params = filters.where()
    week = "date_trunc('week', created_at)::DATE" if period == "week" else "NULL::DATE"
    return con.execute(f"""
        SELECT coalesce(brand, '(no brand)') AS brand, {week} AS week, count(*) AS awaiting,
               count(*) FILTER (WHERE answered) AS answered, count(*) FILTER (WHERE NOT answered) AS unanswered,
               count(*) FILTER (WHERE answered) / count(*) AS response_rate,
               quantile_cont(response_minutes, 0.5) AS median_minutes,
               quantile_cont(response_minutes, 0.9) AS p90_minutes,
               quantile_cont(business_response_minutes, 0.5) AS median_business_minutes,
               count(*) FILTER (WHERE within_sla) / nullif(count(within_sla), 0) AS within_sla_share
        FROM responses WHERE {condition}
        GROUP BY ALL ORDER BY brand, week""", params).df()


def response_heatmap(con: duckdb.DuckDBPyConnection, time_zone: str,
                     filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Weekday x hour (in ``time_zone``) of customer posts awaiting a reply: how many, how many went
    unanswered, and the median response minutes. Weekday 1 = Monday."""
    condition, params = filters.where()
    return con.execute(f"""
        SELECT isodow(created_at AT TIME ZONE ?) AS weekday, hour(created_at AT TIME ZONE ?) AS hour,
               count(*) AS awaiting, count(*) FILTER (WHERE NOT answered) AS unanswered,
               quantile_cont(response_minutes, 0.5) AS median_minutes
        FROM responses WHERE {condition}
        GROUP BY ALL ORDER BY weekday, hour""", [time_zone, time_zone, *params]).df()


_VENDOR_LABEL = """CASE
    WHEN lower(trim(vendor_sentiment)) IN ('negative', 'neg', 'n', '-1') THEN 'negative'
    WHEN lower(trim(vendor_sentiment)) IN ('neutral', 'neu', '0', 'none', 'mixed') THEN 'neutral'
    WHEN lower(trim(vendor_sentiment)) IN ('positive', 'pos', 'p', '1') THEN 'positive' END"""


def vendor_agreement(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Per export format: posts with an exported sentiment, and the share where our label agrees with it."""
    condition, params = filters.where()
    return con.execute(f"""
        SELECT source_format, count(*) AS posts_with_vendor_label,
               count(*) FILTER (WHERE {_VENDOR_LABEL} = sentiment_label) / count(*) AS agreement
        FROM posts WHERE {condition} AND {_VENDOR_LABEL} IS NOT NULL AND sentiment_label IS NOT NULL
        GROUP BY ALL ORDER BY source_format""", params).df()
