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
