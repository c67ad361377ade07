"""What every page shares: the cached database connection, the data version, the sidebar filters.

Pages ask ``pipeline`` for data through ``run_query``; none of them opens DuckDB itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

import streamlit as st

from pipeline import db
from pipeline.queries import FilterOptions, PostFilter, filter_options

EMPTY_HELP = (
    "No posts yet. Build the demo database with `radar demo` (or `make run`), or load your exports "
    "with `radar ingest FILE...`, then reload this page."
)


@st.cache_resource(show_spinner=False)
def _connection(path: str, modified: float):
    # keyed on the file's modification time so that a database built after start-up is picked up
    try:
        return db.connect(path, read_only=True)
    except db.DatabaseError as exc:
        return str(exc)


def connection():
    """The process's read-only connection, or None (and an explanation on the page) when there is none."""
    path = db.resolve_db_path()
    if not path.exists():
        return None
    con = _connection(str(path), path.stat().st_mtime)
    if isinstance(con, str):
        st.error(con)
        return None
    return con


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, version: int, path: str, args: tuple, _fn: Callable) -> Any:
    con = connection()
    return _fn(con.cursor(), *args)


def run_query(fn: Callable, *args: Any) -> Any:
    """Call a ``pipeline.queries`` function on a cursor, cached until the data version changes."""
    con = connection()
    version = db.data_version(con.cursor())
    return _cached(f"{fn.__module__}.{fn.__qualname__}", version, str(db.resolve_db_path()), args, fn)


def has_posts() -> bool:
    con = connection()
    if con is None:
        return False
    return bool(db.scalar(con.cursor(), "SELECT count(*) > 0 FROM posts"))


def show_empty_state() -> None:
    st.info(EMPTY_HELP, icon=":material/inbox:")


def _date_param(value: str | None, first: date, last: date, default: date) -> date:
    """A date from the URL, kept within the data's range; the default when absent or not a date."""
    try:
        return min(max(date.fromisoformat(value), first), last) if value else default
    except ValueError:
        return default


def sidebar_filters() -> PostFilter:
    """Date range, brand and platform in the sidebar; also written to the URL so a view can be shared."""
    options: FilterOptions = run_query(filter_options)
    params = st.query_params
    st.sidebar.header("Filters")
    first, last = options.first_date, options.last_date
    shared = (_date_param(params.get("from"), first, last, first), _date_param(params.get("to"), first, last, last))
    chosen = st.sidebar.date_input("Dates (UTC)", value=shared, min_value=first, max_value=last,
                                   key="filters.dates")
    start, end = (chosen if isinstance(chosen, tuple) and len(chosen) == 2 else (first, last))
    brands = st.sidebar.multiselect("Brand accounts", options.brands,
                                    default=[b for b in params.get_all("brand") if b in options.brands],
                                    key="filters.brands", placeholder="All brands")
    platforms = st.sidebar.multiselect("Platforms", options.platforms,
                                       default=[p for p in params.get_all("platform") if p in options.platforms],
                                       key="filters.platforms", placeholder="All platforms")
    st.query_params["from"] = start.isoformat()
    st.query_params["to"] = end.isoformat()
    st.query_params["brand"] = brands
    st.query_params["platform"] = platforms
    return PostFilter(start, end, tuple(brands), tuple(platforms))
