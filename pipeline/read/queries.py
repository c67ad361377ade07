"""Queries: what the pages and reports ask of the store, aggregated in DuckDB.

Every function takes the connection (or a cursor) first and a ``PostFilter``; every user value is a bound
parameter. Days and ISO weeks are UTC calendar days and weeks (Monday first). Nothing here returns unbounded
raw posts: lists of posts and threads take a ``limit`` and say how many there were in all.

Definitions used by the pages and the reports:

- *negative share*: negative customer posts / customer posts with a sentiment (brand replies and unscored
  languages are left out).
- *net sentiment*: (positive - negative) / scored customer posts x 100, from -100 to +100.
- *median first response*: median calendar minutes from a customer post awaiting a reply to the brand's
  first reply (``responses`` view), over the answered ones.
- *response rate*: answered / customer posts awaiting a reply.
- *open crises* in a week: crises that were active at any time in that week.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.i18n import N_, _, fmt_date, fmt_int, fmt_when, ngettext
from pipeline.core.text import plain_records


@dataclass(frozen=True)
class PostFilter:
    """The shared sidebar filters: a UTC date range (inclusive) and optional brand, platform and language
    lists (empty = all)."""

    start_date: date | None = None
    end_date: date | None = None
    brands: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

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
        for column, values in (
            (f"{prefix}brand", self.brands),
            (f"{prefix}platform", self.platforms),
            (f"{prefix}lang", self.languages),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _value in values)})")
                params.extend(values)
        return " AND ".join(clauses), params

    def without_dates(self) -> PostFilter:
        return replace(self, start_date=None, end_date=None)


def _responses_for(filters: PostFilter) -> str:
    """The responses view, with each post's language when the filter is by language (only then: the join
    costs as much as the rest of a response query)."""
    if filters.languages:
        return """(SELECT r.*, e.lang FROM responses r
            LEFT JOIN enr_posts e ON e.platform = r.platform AND e.post_id = r.post_id)"""
    return "responses"


@dataclass(frozen=True)
class FilterOptions:
    brands: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
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


def posts_for(filters: PostFilter) -> str:
    """The relation a filter's matching (or a count that reads no sentiment) needs: the facts, with the
    detected language in ``lang`` when the filter is by language. Going through the ``posts`` view would
    join the corrections first, for columns it does not use."""
    if filters.languages:
        return "(SELECT * REPLACE (coalesce(detected_lang, lang) AS lang) FROM fct_posts)"
    return "fct_posts"


def _posts_at(rows: str) -> str:
    """The posts view for the few fact rows whose row ids the query ``rows`` yields (a page). Joining the view
    on (platform, post_id) instead reads every post's text: 0.8 s on 10M posts for a page of 200."""
    return f"({db.POSTS_SELECT} WHERE f.rowid IN ({rows}))"  # i18n: not text


def _opening_posts(threads: str) -> str:
    """The posts view for the opening posts of the threads in ``threads`` (a CTE), looked for only between
    their first and last posts: the facts are stored (mostly) in time order, so the rest is skipped."""
    return _posts_at(f"""
        SELECT f.rowid FROM fct_posts f
        SEMI JOIN {threads} t ON f.platform = t.platform AND f.post_id = t.root_post_id
        WHERE f.created_at BETWEEN (SELECT min(started_at) FROM {threads})
                               AND (SELECT max(last_post_at) FROM {threads})""")


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    brands = [
        row[0]
        for row in con.execute(
            "SELECT brand FROM fct_posts WHERE brand IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1"
        ).fetchall()
    ]
    platforms = [
        row[0] for row in con.execute("SELECT platform FROM fct_posts GROUP BY 1 ORDER BY count(*) DESC, 1").fetchall()
    ]
    languages = [
        row[0]
        for row in con.execute(f"""
        SELECT lang FROM {posts_for(PostFilter(languages=("any",)))} WHERE lang IS NOT NULL
        GROUP BY 1 ORDER BY count(*) DESC, 1""").fetchall()
    ]
    first, last = con.execute("SELECT min(created_at)::DATE, max(created_at)::DATE FROM fct_posts").fetchall()[0]
    return FilterOptions(tuple(brands), tuple(platforms), tuple(languages), first, last)


def post_totals(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> Totals:
    condition, params = filters.where()
    row = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (NOT is_brand), count(*) FILTER (is_brand),
               count(DISTINCT thread_id), count(DISTINCT author_id) FILTER (NOT is_brand),
               min(created_at)::DATE, max(created_at)::DATE
        FROM {posts_for(filters)} WHERE {condition}""",
        params,
    ).fetchall()[0]
    return Totals(*row)


def posts_per_day(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """One row per UTC day and author side (``customer`` / ``brand``), days without posts filled with 0."""
    condition, params = filters.where()
    return con.execute(
        f"""
        WITH counts AS (
            SELECT created_at::DATE AS day, CASE WHEN is_brand THEN 'brand' ELSE 'customer' END AS side,
                   count(*) AS posts
            FROM {posts_for(filters)} WHERE {condition} GROUP BY ALL
        ), days AS (
            SELECT unnest(range(min(day), max(day) + INTERVAL 1 DAY, INTERVAL 1 DAY))::DATE AS day FROM counts
        )
        SELECT d.day, s.side, coalesce(c.posts, 0) AS posts
        FROM days d CROSS JOIN (VALUES ('customer'), ('brand')) s(side)
        LEFT JOIN counts c ON c.day = d.day AND c.side = s.side
        ORDER BY d.day, s.side""",
        params,
    ).df()


def posts_by_platform_and_brand(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    condition, params = filters.where()
    return con.execute(
        f"""
        SELECT platform, coalesce(brand, '(no brand)') AS brand, count(*) AS posts,
               count(*) FILTER (NOT is_brand) AS customer_posts, count(*) FILTER (is_brand) AS brand_posts,
               count(DISTINCT thread_id) AS threads
        FROM {posts_for(filters)} WHERE {condition}
        GROUP BY ALL ORDER BY posts DESC, platform, brand""",
        params,
    ).df()


def latest_imports(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pd.DataFrame:
    return con.execute(
        """
        SELECT import_id, imported_at, file_name, format, rows_read, rows_loaded, rows_duplicate,
               rows_quarantined, notes, imported_by
        FROM imports ORDER BY import_id DESC LIMIT ?""",
        [limit],
    ).df()


def last_change(con: duckdb.DuckDBPyConnection, *actions: str) -> str | None:
    """``"changed Tue 24 Nov 2026 10:05 UTC by ana@lumo.example"`` for the newest change of these actions (in
    the current language), or None when none is recorded."""
    row = db.first_row(
        con,
        f"""SELECT changed_at, changed_by FROM audit_log WHERE action IN ({", ".join("?" * len(actions))})
                               ORDER BY changed_at DESC, rowid DESC LIMIT 1""",
        list(actions),
    )
    if not row:
        return None
    return _("changed {when} UTC by {who}").format(when=fmt_when(row[0], year=True), who=row[1])


def recent_changes(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The newest changes people made (``audit_log``): when, who, what, detail."""
    return con.execute(
        """SELECT changed_at, changed_by, action, detail FROM audit_log
                          ORDER BY changed_at DESC, rowid DESC LIMIT ?""",
        [limit],
    ).df()


def saved_formats(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The column mappings people saved: name, the mapping as ``column=header`` pairs, when."""
    frame = con.execute("SELECT name, mapping, created_at FROM custom_formats ORDER BY name").df()
    frame["mapping"] = [
        ", ".join(f"{column}={header}" for column, header in json.loads(text).items()) for text in frame["mapping"]
    ]
    return frame


def response_kpis(
    con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter(), *, period: str = "week", by_brand: bool = True
) -> pd.DataFrame:
    """Response KPIs per brand account and ISO week (``period="week"``) or over the whole range ("all").

    Columns: brand (``"all brands"`` when ``by_brand`` is false), week (the Monday, UTC; NULL for "all"), awaiting (customer posts awaiting a reply),
    answered, unanswered, response_rate, median_minutes, p90_minutes (calendar minutes of answered posts),
    median_business_minutes, within_sla_share (of posts whose SLA is decided). Median and p90, never the mean
    alone: a few multi-day replies dominate a mean.
    """
    condition, params = filters.where()
    week = "date_trunc('week', created_at)::DATE" if period == "week" else "NULL::DATE"
    brand = "coalesce(brand, '(no brand)')" if by_brand else "'all brands'"  # i18n: not text (SQL)
    return con.execute(
        f"""
        SELECT {brand} AS brand, {week} AS week, count(*) AS awaiting,
               count(*) FILTER (WHERE answered) AS answered, count(*) FILTER (WHERE NOT answered) AS unanswered,
               count(*) FILTER (WHERE answered) / count(*) AS response_rate,
               quantile_cont(response_minutes, 0.5) AS median_minutes,
               quantile_cont(response_minutes, 0.9) AS p90_minutes,
               quantile_cont(business_response_minutes, 0.5) AS median_business_minutes,
               count(*) FILTER (WHERE within_sla) / nullif(count(within_sla), 0) AS within_sla_share
        FROM {_responses_for(filters)} WHERE {condition}
        GROUP BY ALL ORDER BY brand, week""",
        params,
    ).df()


def response_coverage(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Per brand in the filter: its customer posts awaiting a reply (thread openers and answers to the brand),
    how many of them can be judged (the brand's replies are in their export; see ``metrics.responses``), and
    how many cannot. A brand with posts awaiting a reply and none judged has no replies in the data: its
    response times cannot be measured.

    Columns: brand, awaiting, judged, not_judged, replies_in_data (bool). Posts without a brand are left out.
    """
    condition, params = filters.where("f")
    return con.execute(
        f"""
        SELECT f.brand, count(*) AS awaiting, count(r.post_id) AS judged, count(*) - count(r.post_id) AS not_judged,
               count(r.post_id) > 0 AS replies_in_data
        FROM {posts_for(filters)} f
        LEFT JOIN fct_posts parent ON parent.platform = f.platform AND parent.post_id = f.parent_id
        LEFT JOIN fct_responses r ON r.platform = f.platform AND r.post_id = f.post_id
        WHERE NOT f.is_brand AND f.brand IS NOT NULL AND (f.post_id = f.thread_id OR coalesce(parent.is_brand, false))
          AND {condition}
        GROUP BY ALL ORDER BY awaiting DESC, f.brand""",
        params,
    ).df()


def unmeasured_brands_text(coverage: pd.DataFrame) -> str | None:
    """Sentences naming the brands whose replies are not in the data and counting the posts left out of the
    response figures (from ``response_coverage``), or None when every post can be judged."""
    if coverage.empty:
        return None
    missing = list(coverage.loc[~coverage["replies_in_data"].astype(bool), "brand"])
    partly = coverage[coverage["replies_in_data"].astype(bool) & (coverage["not_judged"] > 0)]
    out = []
    if missing:
        shown = ", ".join(missing[:8])
        if len(missing) > 8:
            more = len(missing) - 8
            shown = ngettext("{names} and {n} more", "{names} and {n} more", more).format(names=shown, n=fmt_int(more))
        out.append(
            ngettext(
                "The data holds no replies from {brands}: its response times cannot be measured, and its posts "
                "are left out of these figures (load an export that includes the brand's replies, such as a "
                "customer-care inbox).",
                "The data holds no replies from {brands}: their response times cannot be measured, and their "
                "posts are left out of these figures (load an export that includes the brand's replies, such as "
                "a customer-care inbox).",
                len(missing),
            ).format(brands=shown)
        )
    if not partly.empty:
        posts = int(partly["not_judged"].sum())
        names = ", ".join(partly["brand"].head(5))
        if len(partly) > 5:
            names = _("{names} and others").format(names=names)
        out.append(
            ngettext(
                "{n} post to {brands} comes from exports without the brand's replies (mentions only) and is "
                "left out too.",
                "{n} posts to {brands} come from exports without the brand's replies (mentions only) and are "
                "left out too.",
                posts,
            ).format(n=fmt_int(posts), brands=names)
        )
    return " ".join(out) or None


def response_heatmap(
    con: duckdb.DuckDBPyConnection, time_zone: str, filters: PostFilter = PostFilter()
) -> pd.DataFrame:
    """Weekday x hour (in ``time_zone``) of customer posts awaiting a reply: how many, how many went
    unanswered, and the median response minutes. Weekday 1 = Monday."""
    condition, params = filters.where()
    return con.execute(
        f"""
        SELECT isodow(created_at AT TIME ZONE ?) AS weekday, hour(created_at AT TIME ZONE ?) AS hour,
               count(*) AS awaiting, count(*) FILTER (WHERE NOT answered) AS unanswered,
               quantile_cont(response_minutes, 0.5) AS median_minutes
        FROM {_responses_for(filters)} WHERE {condition}
        GROUP BY ALL ORDER BY weekday, hour""",
        [time_zone, time_zone, *params],
    ).df()


_VENDOR_LABEL = db.vendor_label_sql("vendor_sentiment")


def vendor_agreement(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Per export format: customer posts that carry the export's own label, the share where Radar's own score
    agrees with it, whether the export's labels are the ones shown, and the net sentiment each source gives
    (positive minus negative, % of those posts)."""
    condition, params = filters.where()
    return con.execute(
        f"""
        SELECT source_format, count(*) AS posts_with_vendor_label,
               count(*) FILTER (WHERE export_label = radar_label) / count(*) AS agreement,
               bool_or(sentiment_source = 'export') AS export_labels_shown,
               100.0 * (count(*) FILTER (WHERE export_label = 'positive')
                        - count(*) FILTER (WHERE export_label = 'negative')) / count(*) AS net_by_export,
               100.0 * (count(*) FILTER (WHERE radar_label = 'positive')
                        - count(*) FILTER (WHERE radar_label = 'negative')) / count(*) AS net_by_radar
        FROM posts WHERE NOT is_brand AND {condition} AND export_label IS NOT NULL AND radar_label IS NOT NULL
        GROUP BY ALL ORDER BY source_format""",
        params,
    ).df()


# --- weeks -----------------------------------------------------------------------------------------------


def parse_iso_week(text: str) -> date:
    """``"2026-W46"`` -> the Monday of that ISO week (``date(2026, 11, 9)``); ValueError saying why otherwise."""
    try:
        year, _sep, week = text.strip().upper().partition("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(
            _("{text} is not an ISO week; write it as YYYY-Www, e.g. 2026-W46").format(text=repr(text))
        ) from None


def iso_week_label(monday: date) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_text(monday: date) -> str:
    """``"2015-W08 · 16–22 Feb 2015"``: an ISO week with its dates, as people read weeks (months in the
    current language: "16–22 feb 2015", "16–22 lut 2015")."""
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        days = f"{monday.day}–{fmt_date(sunday, 'd MMM y')}"
    elif monday.year == sunday.year:
        days = f"{fmt_date(monday, 'd MMM')} – {fmt_date(sunday, 'd MMM y')}"
    else:
        days = f"{fmt_date(monday, 'd MMM y')} – {fmt_date(sunday, 'd MMM y')}"
    return f"{iso_week_label(monday)} · {days}"


DEFAULT_WEEKS = 13


def default_date_range(first: date, last: date, weeks: int = DEFAULT_WEEKS) -> tuple[date, date]:
    """The dates a page shows before anyone picks: the newest ``weeks`` ISO weeks up to the newest data (a
    stray old post must not stretch every chart over years), never before the first post."""
    newest_monday = last - timedelta(days=last.weekday())
    return max(first, newest_monday - timedelta(weeks=weeks - 1)), last


def latest_week(con: duckdb.DuckDBPyConnection) -> date | None:
    """The Monday of the ISO week holding the newest post (None when there are no posts)."""
    return db.scalar(con, "SELECT date_trunc('week', max(created_at))::DATE FROM fct_posts")


def report_week(con: duckdb.DuckDBPyConnection) -> date | None:
    """The week a weekly report is about by default: the newest *complete* week (its Sunday is not after the
    newest post's day), else the newest week; None when there are no posts."""
    newest = db.scalar(con, "SELECT max(created_at)::DATE FROM fct_posts")
    if newest is None:
        return None
    monday = newest - timedelta(days=newest.weekday())
    return (
        monday
        if newest.weekday() == 6
        or monday - timedelta(days=7)
        < db.scalar(con, "SELECT date_trunc('week', min(created_at))::DATE FROM fct_posts")
        else monday - timedelta(days=7)
    )


UTC_DAY = db.UTC_DAY


def available_weeks(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Mondays of every ISO week with posts, newest first."""
    # by UTC day number first (integer arithmetic), then weeks of the hundred-odd days: ten times faster than
    # truncating every timestamp
    return [
        row[0]
        for row in con.execute(f"""
        SELECT DISTINCT date_trunc('week', DATE '1970-01-01' + day)::DATE AS week
        FROM (SELECT DISTINCT {UTC_DAY} AS day FROM fct_posts)
        ORDER BY week DESC""").fetchall()
    ]


# --- overview: the weekly KPIs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One weekly KPI, this week and the week before; ``higher_is_better`` says which way is good."""

    key: str
    label: str
    value: float | None
    previous: float | None
    unit: str
    higher_is_better: bool

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def weekly_kpis(con: duckdb.DuckDBPyConnection, week_start: date, filters: PostFilter = PostFilter()) -> list[Kpi]:
    """The Overview's KPIs for the ISO week starting ``week_start`` and the week before it.

    The filter's dates are ignored (the week is the date range); brands, platforms and languages apply. When
    the data holds no post at all in the week before, its values are None (unknown), not zeros.
    """
    weeks = [week_start - timedelta(days=7), week_start]
    rows = []
    for monday in weeks:
        period = replace(filters, start_date=monday, end_date=monday + timedelta(days=6))
        condition, params = period.where()
        posts = db.one_row(
            con,
            f"""
            SELECT count(*),
                   count(*) FILTER (WHERE NOT is_brand AND sentiment_label = 'negative')
                       / nullif(count(*) FILTER (WHERE NOT is_brand AND sentiment_label IS NOT NULL), 0),
                   100.0 * (count(*) FILTER (WHERE NOT is_brand AND sentiment_label = 'positive')
                            - count(*) FILTER (WHERE NOT is_brand AND sentiment_label = 'negative'))
                       / nullif(count(*) FILTER (WHERE NOT is_brand AND sentiment_label IS NOT NULL), 0)
            FROM posts WHERE {condition}""",
            params,
        )
        answers = db.one_row(
            con,
            f"""
            SELECT quantile_cont(response_minutes, 0.5), count(*) FILTER (WHERE answered) / nullif(count(*), 0)
            FROM {_responses_for(period)} WHERE {condition}""",
            params,
        )
        crisis_condition, crisis_params = _crisis_where(period)
        crises = db.scalar(con, f"SELECT count(*) FROM crises WHERE {crisis_condition}", crisis_params)
        rows.append((*posts, *answers, crises))
    previous, current = rows
    # a week the data does not reach (no post at all, for any brand) is unknown, not a week of zeros
    before = weeks[0]
    if not db.first_row(
        con,
        "SELECT 1 FROM fct_posts WHERE created_at >= ? AND created_at < ? LIMIT 1",
        [
            pd.Timestamp(before, tz="UTC").to_pydatetime(),
            pd.Timestamp(before + timedelta(days=7), tz="UTC").to_pydatetime(),
        ],
    ):
        previous = (None,) * len(previous)
    return [
        Kpi(key, _(KPI_LABELS[key]), _number(current[i]), _number(previous[i]), unit, better)
        for i, (key, unit, better) in enumerate(_KPI_SPEC)
    ]


# each weekly KPI's name, translated where the KPI is built (``weekly_kpis``: its ``label``)
KPI_LABELS = {
    "posts": N_("Posts"),
    "negative_share": N_("Negative share"),
    "net_sentiment": N_("Net sentiment"),
    "median_response_minutes": N_("Median first reply"),
    "response_rate": N_("Response rate"),
    "open_crises": N_("Open crises"),
}
_KPI_SPEC = [
    ("posts", "posts", True),
    ("negative_share", "share", False),
    ("net_sentiment", "points", True),
    ("median_response_minutes", "minutes", False),
    ("response_rate", "share", True),
    ("open_crises", "crises", False),
]


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)


# --- sentiment ---------------------------------------------------------------------------------------------

GRAINS = {"day": "day", "week": "week"}
BREAKDOWNS = {
    "none": "'all posts'",  # i18n: not text (SQL: the group's value; charts name it)
    "platform": "platform",
    "lang": "coalesce(lang, 'und')",
    "brand": "coalesce(brand, '(no brand)')",  # i18n: not text (SQL)
}
LABELS = ("negative", "neutral", "positive", "unscored")


def sentiment_trend(
    con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter(), *, grain: str = "day", by: str = "none"
) -> pd.DataFrame:
    """Customer posts per time bucket, breakdown group and sentiment label (``unscored`` where no sentiment).

    Columns: bucket (the UTC day or the week's Monday), group, label, posts. Buckets without posts are filled
    with 0 so that a gap reads as a gap, not as a line drawn across it.
    """
    if grain not in GRAINS or by not in BREAKDOWNS:
        wrong = f"grain must be one of {sorted(GRAINS)} and by one of {sorted(BREAKDOWNS)}"  # i18n: not text
        raise ValueError(wrong)  # a programming error, not a person's
    condition, params = filters.where()
    step = "INTERVAL 1 DAY" if grain == "day" else "INTERVAL 7 DAY"
    # counted by UTC day number first (integer arithmetic), then by bucket: truncating every timestamp to its
    # week cost 0.5 s on 10M posts
    return con.execute(
        f"""
        WITH by_day AS (
            SELECT {UTC_DAY} AS day, {BREAKDOWNS[by]} AS "group", coalesce(sentiment_label, 'unscored') AS label,
                   count(*) AS posts
            FROM posts WHERE NOT is_brand AND {condition} GROUP BY ALL
        ), counts AS (
            SELECT date_trunc('{grain}', DATE '1970-01-01' + day)::DATE AS bucket, "group", label,
                   sum(posts)::BIGINT AS posts
            FROM by_day GROUP BY ALL
        ), buckets AS (
            SELECT unnest(range(min(bucket), max(bucket) + {step}, {step}))::DATE AS bucket FROM counts
        ), keys AS (
            SELECT DISTINCT "group" FROM counts
        )
        SELECT b.bucket, k."group", l.label, coalesce(c.posts, 0) AS posts
        FROM buckets b CROSS JOIN keys k CROSS JOIN (VALUES {", ".join(f"('{x}')" for x in LABELS)}) l(label)
        LEFT JOIN counts c ON c.bucket = b.bucket AND c."group" = k."group" AND c.label = l.label
        ORDER BY b.bucket, k."group", l.label""",
        params,
    ).df()


def net_sentiment(trend: pd.DataFrame) -> pd.DataFrame:
    """From ``sentiment_trend``: per bucket and group, scored posts and net sentiment (-100..100, NaN when
    nothing was scored)."""
    wide = (
        trend.pivot_table(index=["bucket", "group"], columns="label", values="posts", aggfunc="sum", fill_value=0)
        .reindex(columns=list(LABELS), fill_value=0)
        .reset_index()
    )
    wide["scored"] = wide["negative"] + wide["neutral"] + wide["positive"]
    net = 100.0 * (wide["positive"] - wide["negative"]) / wide["scored"].where(wide["scored"] > 0)
    wide["net_sentiment"] = net
    return wide[["bucket", "group", "scored", "negative", "neutral", "positive", "net_sentiment"]]


@dataclass(frozen=True)
class Bucket:
    """One bar or point of a sentiment chart: a time bucket, optionally a label and a breakdown group."""

    start: date
    grain: str = "day"
    label: str | None = None
    by: str = "none"
    group: str | None = None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=1 if self.grain == "day" else 7)


POST_COLUMNS = (
    "created_at, platform, post_id, thread_id, author_id, brand, lang, sentiment_label, sentiment, "
    "sentiment_source, radar_label, export_label, likes, shares, reach, text"
)


def bucket_posts(
    con: duckdb.DuckDBPyConnection, bucket: Bucket, filters: PostFilter = PostFilter(), *, limit: int = 200
) -> tuple[pd.DataFrame, int]:
    """The customer posts behind one chart bucket (newest first, at most ``limit``) and how many there are."""
    condition, params = replace(filters, start_date=None, end_date=None).where()
    clauses = [condition, "NOT is_brand", "created_at >= ?", "created_at < ?"]  # i18n: not text (SQL)
    params = [
        *params,
        pd.Timestamp(bucket.start, tz="UTC").to_pydatetime(),
        pd.Timestamp(bucket.end, tz="UTC").to_pydatetime(),
    ]
    if filters.start_date:  # the bucket never reaches outside the chosen dates
        clauses.append("created_at >= ?")
        params.append(pd.Timestamp(filters.start_date, tz="UTC").to_pydatetime())
    if filters.end_date:
        clauses.append("created_at < ?")
        params.append(pd.Timestamp(filters.end_date + timedelta(days=1), tz="UTC").to_pydatetime())
    if bucket.label == "unscored":
        clauses.append("sentiment_label IS NULL")  # i18n: not text (SQL)
    elif bucket.label:
        clauses.append("sentiment_label = ?")
        params.append(bucket.label)
    if bucket.by != "none" and bucket.group is not None:
        clauses.append(f"{BREAKDOWNS[bucket.by]} = ?")
        params.append(bucket.group)
    where = " AND ".join(clauses)
    total = db.scalar(con, f"SELECT count(*) FROM posts WHERE {where}", params)
    newest = "created_at DESC, post_id DESC, platform DESC"  # i18n: not text (SQL: posts of one instant by id)
    frame = con.execute(
        f"SELECT {POST_COLUMNS} FROM posts WHERE {where} ORDER BY {newest} LIMIT ?",
        [*params, limit],
    ).df()
    return frame, int(total)


# --- response times ---------------------------------------------------------------------------------------

# the bins' names are English messages, kept as they are in the data (``response_distribution``'s ``bin``)
# and translated where shown (``charts.build_response_distribution_figure``)
RESPONSE_BINS = [
    (0, 15, N_("< 15 min")),
    (15, 30, N_("15-30 min")),
    (30, 60, N_("30-60 min")),
    (60, 120, N_("1-2 h")),
    (120, 240, N_("2-4 h")),
    (240, 480, N_("4-8 h")),
    (480, 1440, N_("8-24 h")),
    (1440, 4320, N_("1-3 days")),
    (4320, None, N_("> 3 days")),
]
NO_REPLY_YET = N_("no reply yet")


def response_distribution(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Customer posts awaiting a reply by time to first response (calendar minutes), plus the unanswered.

    Columns: bin (in order; its English name, ``RESPONSE_BINS`` then ``NO_REPLY_YET``), posts, share. Every
    bin appears, with 0 where empty.
    """
    condition, params = filters.where()
    cases = " ".join(
        f"WHEN response_minutes < {hi} THEN {i}" if hi is not None else f"ELSE {i}"  # i18n: not text (SQL)
        for i, (_low, hi, _name) in enumerate(RESPONSE_BINS)
    )
    counts = dict(
        con.execute(
            f"""
        SELECT CASE WHEN NOT answered THEN {len(RESPONSE_BINS)} ELSE (CASE {cases} END) END AS bin, count(*)
        FROM {_responses_for(filters)} WHERE {condition} GROUP BY ALL""",
            params,
        ).fetchall()
    )
    names = [name for _low, _high, name in RESPONSE_BINS] + [NO_REPLY_YET]
    posts = [int(counts.get(i, 0)) for i in range(len(names))]
    total = sum(posts)
    return pd.DataFrame({"bin": names, "posts": posts, "share": [p / total if total else 0.0 for p in posts]})


def unanswered_queue(
    con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter(), *, order: str = "oldest", limit: int = 100
) -> tuple[pd.DataFrame, int]:
    """Customer posts still waiting for a brand reply, and how many there are in all.

    ``order="oldest"`` puts the longest wait first (then the most exposed); ``"exposed"`` puts the most
    exposed first (reach + likes + shares), then the oldest. ``waiting_hours`` is counted up to the newest post
    in the store, so that an old export does not read as years of waiting.
    """
    if order not in ("oldest", "exposed"):
        raise ValueError("order must be 'oldest' or 'exposed'")  # i18n: not text (a programming error)
    condition, params = filters.where("r")
    oldest, exposed = "created_at, exposure DESC NULLS LAST", "exposure DESC NULLS LAST, created_at"  # i18n: not text
    # then the post id: posts of one instant and exposure come in one order
    sort = f"{oldest if order == 'oldest' else exposed}, post_id, platform"  # i18n: not text
    waiting = f"FROM {_responses_for(filters)} r WHERE NOT r.answered AND {condition}"
    total = db.scalar(con, f"SELECT count(*) {waiting}", params)
    # Pick the page of posts from the facts (the same created_at lets the date filter skip the rest of them),
    # then read text and sentiment for those rows only.
    frame = con.execute(
        f"""
        WITH page AS (
            SELECT r.created_at, r.platform, r.post_id, r.thread_id, r.brand, f.rowid AS fact_row,
                   CASE WHEN f.reach IS NOT NULL OR f.likes IS NOT NULL OR f.shares IS NOT NULL
                        THEN coalesce(f.reach, 0) + coalesce(f.likes, 0) + coalesce(f.shares, 0) END AS exposure
            FROM {_responses_for(filters)} r
            JOIN fct_posts f ON f.platform = r.platform AND f.post_id = r.post_id AND f.created_at = r.created_at
            WHERE NOT r.answered AND {condition} ORDER BY {sort} LIMIT ?)
        SELECT page.created_at, page.platform, page.post_id, page.thread_id, p.author_id, page.brand,
               p.sentiment_label, p.sentiment_source, p.radar_label, p.export_label, page.exposure,
               date_diff('minute', page.created_at, (SELECT max(created_at) FROM fct_posts)) / 60.0 AS waiting_hours,
               p.text
        FROM page
        JOIN {_posts_at("SELECT fact_row FROM page")} p ON p.platform = page.platform AND p.post_id = page.post_id
        ORDER BY {sort}""",
        [*params, limit],
    ).df()
    return frame, int(total)


# --- crises ------------------------------------------------------------------------------------------------


def _crisis_where(filters: PostFilter) -> tuple[str, list]:
    """Crises overlapping the filter's dates, of its brands (platform and language do not split a crisis)."""
    clauses, params = ["TRUE"], []
    if filters.start_date:
        clauses.append("coalesce(back_to_baseline_at, ended_at, data_end_at, started_at) >= ?")
        params.append(pd.Timestamp(filters.start_date, tz="UTC").to_pydatetime())
    if filters.end_date:
        clauses.append("started_at < ?")
        params.append(pd.Timestamp(filters.end_date + timedelta(days=1), tz="UTC").to_pydatetime())
    if filters.brands:
        clauses.append(f"brand IN ({', '.join('?' for _brand in filters.brands)})")  # i18n: not text
        params.extend(filters.brands)
    return " AND ".join(clauses), params


def crisis_list(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Crises overlapping the filter, most severe first (then newest), with what a timeline and a table need."""
    condition, params = _crisis_where(filters)
    return con.execute(
        f"""
        SELECT crisis_id, brand, started_at, peak_at, ended_at, back_to_baseline_at, severity, severity_name,
               posts, negative_posts, authors, minutes_to_first_response, share_answered,
               back_to_baseline_at IS NULL AS is_open, data_end_at, coalesce(replies_in_data, true) AS replies_in_data
        FROM crises WHERE {condition} ORDER BY severity DESC, started_at DESC, crisis_id""",
        params,
    ).df()


def crisis_detail(con: duckdb.DuckDBPyConnection, crisis_id: str) -> dict | None:
    """One crisis as a dict (lists for the list columns), or None when there is no such crisis."""
    records = plain_records(con.execute("SELECT * FROM crises WHERE crisis_id = ?", [crisis_id]).df())
    return records[0] if records else None


def crisis_series(con: duckdb.DuckDBPyConnection, crisis_id: str, *, pad_hours: int = 48) -> pd.DataFrame:
    """The crisis brand's hourly series from ``pad_hours`` before the start to ``pad_hours`` after it was back
    within baseline, or, while it is open, to the end of its data (never beyond: what comes after is
    unknown): hour_at, posts, negative_posts, share_negative, is_gap."""
    return con.execute(
        """
        SELECT h.hour_at, h.posts, h.negative_posts, h.positive_posts, h.share_negative, h.is_gap
        FROM fct_hourly h JOIN crises c ON c.brand = h.brand
        WHERE c.crisis_id = ?
          AND h.hour_at >= c.started_at - to_hours(?)
          AND h.hour_at <= CASE WHEN c.back_to_baseline_at IS NOT NULL THEN c.back_to_baseline_at + to_hours(?)
                                ELSE coalesce(c.data_end_at, c.ended_at) END
        ORDER BY h.hour_at""",
        [crisis_id, pad_hours, pad_hours],
    ).df()


def crisis_phases(con: duckdb.DuckDBPyConnection, crisis_id: str) -> pd.DataFrame:
    return con.execute(
        """SELECT phase, started_at, ended_at FROM crisis_phases WHERE crisis_id = ?
                          ORDER BY started_at""",
        [crisis_id],
    ).df()


def crisis_moves(con: duckdb.DuckDBPyConnection, crisis_id: str) -> pd.DataFrame:
    """The playbook moves made during a crisis: move, first_at, replies (brand posts that made it), and the
    post that made it first (first_post_id, first_platform, first_text)."""
    return con.execute(
        """SELECT m.move, m.first_at, m.replies, m.first_post_id, m.first_platform, f.text AS first_text
                          FROM crisis_moves m
                          LEFT JOIN fct_posts f ON f.platform = m.first_platform AND f.post_id = m.first_post_id
                          WHERE m.crisis_id = ? ORDER BY m.first_at, m.move""",
        [crisis_id],
    ).df()


def crisis_threads(con: duckdb.DuckDBPyConnection, crisis_id: str) -> pd.DataFrame:
    """The crisis's top threads (the best evidence first, see ``metrics.crises``) with their opening post and
    why each is there: ``why`` in English, ``why_message`` the stored message to show it in the reader's
    language (``metrics.crises.thread_reasons_in_words``). A thread is matched on its platform and id (on its
    id alone for a crisis an older version stored without platforms)."""
    return con.execute(
        f"""
        WITH c AS (SELECT brand, top_threads, top_thread_platforms, top_thread_reasons, top_thread_reason_messages
                   FROM crises WHERE crisis_id = ?),
             ids AS (SELECT unnest(top_threads) AS thread_id, unnest(coalesce(top_thread_platforms, [])) AS platform,
                            unnest(coalesce(top_thread_reasons, [])) AS why,
                            unnest(coalesce(top_thread_reason_messages, [])) AS why_message,
                            generate_subscripts(top_threads, 1) AS rank FROM c),
             top AS (SELECT t.*, ids.rank, ids.why, ids.why_message FROM ids
                     JOIN threads t ON t.thread_id = ids.thread_id AND (ids.platform IS NULL OR t.platform = ids.platform)
                      AND t.brand = (SELECT brand FROM c))
        SELECT t.platform, t.thread_id, t.started_at, t.post_count, t.customer_posts, t.brand_posts,
               t.first_response_minutes, t.answered, r.author_id, r.sentiment_label, r.sentiment_source,
               r.radar_label, r.export_label, t.why, t.why_message, r.text
        FROM top t JOIN {_opening_posts("top")} r ON r.platform = t.platform AND r.post_id = t.root_post_id
        ORDER BY t.rank""",
        [crisis_id],
    ).df()


# --- threads -----------------------------------------------------------------------------------------------


def _like(text: str) -> str:
    """A search text as an ILIKE pattern that matches it literally anywhere (``%`` and ``_`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_threads(
    con: duckdb.DuckDBPyConnection,
    filters: PostFilter = PostFilter(),
    search: str = "",
    *,
    answered: bool | None = None,
    limit: int = 200,
) -> tuple[pd.DataFrame, int]:
    """Threads with a post in the filter that matches ``search`` (text, author or post/thread id, any case),
    newest first, at most ``limit``; and how many threads match in all."""
    condition, params = filters.where("p")
    clauses = [condition]
    if search.strip():
        clauses.append(
            "(p.text ILIKE ? ESCAPE '\\' OR p.author_id ILIKE ? ESCAPE '\\' OR p.post_id = ? OR p.thread_id = ?)"  # i18n: not text
        )
        pattern = _like(search.strip())
        params = [*params, pattern, pattern, search.strip(), search.strip()]
    having = ""
    if answered is not None:
        having = f"WHERE {'' if answered else 'NOT '}t.answered"
    # One pass finds the matching threads for both the count and the page.
    result = con.execute(
        f"""
        WITH matching AS (
            SELECT t.* FROM threads t
            SEMI JOIN (SELECT platform, thread_id FROM {posts_for(filters)} p WHERE {" AND ".join(clauses)}) m
                 ON m.platform = t.platform AND m.thread_id = t.thread_id
            {having}),
        page AS (SELECT * FROM matching ORDER BY last_post_at DESC, thread_id, platform LIMIT ?)
        SELECT t.last_post_at, t.platform, t.thread_id, t.brand, r.author_id, t.post_count, t.customer_posts,
               t.brand_posts, t.first_response_minutes, t.answered, r.sentiment_label AS root_sentiment_label,
               r.text AS opening_text, (SELECT count(*) FROM matching) AS matching_threads
        FROM page t JOIN {_opening_posts("page")} r ON r.platform = t.platform AND r.post_id = t.root_post_id
        ORDER BY t.last_post_at DESC, t.thread_id, t.platform""",
        [*params, limit],
    ).df()
    total = int(result["matching_threads"].iloc[0]) if len(result) else 0
    return result.drop(columns="matching_threads"), total


def thread_messages(
    con: duckdb.DuckDBPyConnection, platform: str, thread_id: str, *, limit: int = 500
) -> tuple[pd.DataFrame, int]:
    """Every post of one thread in time order, at most ``limit``, and how many there are.

    Columns: created_at, post_id, author_id, side (``brand`` / ``customer``), sentiment_label, sentiment,
    sentiment_source (``export``, ``radar`` or ``correction``), radar_label, export_label, text; for customer
    posts: is_judged (its response can be judged: the brand's replies are in the data), response_minutes (to
    the brand's first reply; NaN while open), within_sla (business clock);
    for brand replies: waited_minutes (the longest wait among the customer posts it was the first reply to)
    and sla_breached (one of those waits broke the SLA, counted in business minutes).
    """
    params = [platform, thread_id]
    total = db.scalar(con, "SELECT count(*) FROM fct_posts WHERE platform = ? AND thread_id = ?", params)
    frame = con.execute(
        """
        WITH answered_by AS (
            SELECT platform, first_reply_id AS post_id, max(response_minutes) AS waited_minutes,
                   bool_or(NOT within_sla) AS sla_breached
            FROM responses WHERE platform = ? AND thread_id = ? AND answered GROUP BY ALL
        )
        SELECT p.created_at, p.post_id, p.author_id, CASE WHEN p.is_brand THEN 'brand' ELSE 'customer' END AS side,
               p.sentiment_label, p.sentiment, p.sentiment_source, p.radar_label, p.export_label,
               r.answered, r.response_minutes, r.within_sla, r.post_id IS NOT NULL AS is_judged,
               a.waited_minutes, a.sla_breached, p.text
        FROM posts p
        LEFT JOIN responses r ON r.platform = p.platform AND r.post_id = p.post_id
        LEFT JOIN answered_by a ON a.platform = p.platform AND a.post_id = p.post_id
        WHERE p.platform = ? AND p.thread_id = ?
        ORDER BY p.created_at, p.post_id LIMIT ?""",
        [*params, *params, limit],
    ).df()
    return frame, int(total)


def find_thread(con: duckdb.DuckDBPyConnection, thread_id: str, platform: str | None = None) -> tuple | None:
    """(platform, thread_id) of a thread by id -- or of the thread holding a post with that id -- or None."""
    row = db.first_row(
        con,
        """
        SELECT platform, thread_id FROM fct_posts
        WHERE (thread_id = ? OR post_id = ?) AND (? IS NULL OR platform = ?)
        ORDER BY thread_id = ? DESC, platform LIMIT 1""",
        [thread_id, thread_id, platform, platform, thread_id],
    )
    return tuple(row) if row else None


def quarantined_rows(con: duckdb.DuckDBPyConnection, import_id: str, *, limit: int = 200) -> pd.DataFrame:
    return con.execute(
        """SELECT line_number, reason, raw FROM quarantine WHERE import_id = ?
                          ORDER BY line_number LIMIT ?""",
        [import_id, limit],
    ).df()


def brand_accounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per brand: brand, role, handles, names (its aliases), source, added_at, posts attributed to it."""
    return con.execute("""
        WITH counts AS (SELECT brand, count(*) AS posts FROM fct_posts WHERE brand IS NOT NULL GROUP BY ALL)
        SELECT b.brand, b.role,
               coalesce(list(a.alias ORDER BY a.alias) FILTER (WHERE a.kind = 'handle'), []) AS handles,
               coalesce(list(a.alias ORDER BY a.alias) FILTER (WHERE a.kind = 'name'), []) AS names,
               b.source, b.added_at, coalesce(any_value(c.posts), 0) AS posts
        FROM brands b LEFT JOIN brand_aliases a ON a.brand = b.brand LEFT JOIN counts c ON c.brand = b.brand
        GROUP BY b.brand, b.role, b.source, b.added_at ORDER BY posts DESC, b.brand""").df()


def label_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per import: its file and format, posts carrying the export's own label, and whether they are used."""
    return con.execute(f"""
        SELECT i.import_id, i.file_name, i.format, coalesce(i.use_export_labels, true) AS use_export_labels,
               count(f.post_id) FILTER (WHERE {db.vendor_label_sql("f.vendor_sentiment")} IS NOT NULL) AS labelled_posts
        FROM imports i LEFT JOIN fct_posts f ON f.import_id = i.import_id
        GROUP BY ALL ORDER BY i.import_id""").df()


# where a post's label comes from, in words (translated where shown: ``label_source_counts``)
SOURCE_NAMES = {
    "correction": N_("Corrected by a person"),
    "export": N_("The export's own label"),
    "adapter": N_("Learned from this database's labels (adapter)"),
    "radar": N_("Radar's base score (the English model, or the rules)"),
    None: N_("Not scored (a language without a model)"),
}


def scoring_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """How posts without a label of their own are scored: the base scorer, then each language's adapter."""
    from pipeline.enrich.adapter import adapter_states
    from pipeline.enrich.sentiment import method_for

    english = method_for("en")
    if english != "vader+care":
        first = _("English: the shipped model ({model}) over the rule features; Spanish, Polish: the rules.")
    else:
        first = _("English: the rules (the model file is missing); Spanish, Polish: the rules.")
    lines = [first.format(model=english)]
    stale = db.scalar(
        con,
        """SELECT count(*) FROM enr_posts WHERE lang = 'en' AND sentiment_method <> ?
                              AND (sentiment_method LIKE 'model-en-%' OR sentiment_method = 'vader+care')""",
        [english],
    )
    if stale:
        lines.append(
            ngettext(
                "{n} English post was scored by another version of the scorer: the next import or "
                "`radar recompute` scores it again.",
                "{n} English posts were scored by another version of the scorer: the next import or "
                "`radar recompute` scores them again.",
                int(stale),
            ).format(n=fmt_int(stale))
        )
    return lines + [_("Adapter, {sentence}").format(sentence=state.sentence()) for state in adapter_states(con)]


def label_source_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customer posts by where their label comes from (``SOURCE_NAMES``), most first."""
    frame = con.execute("""SELECT sentiment_source, count(*) AS posts FROM posts WHERE NOT is_brand
                           GROUP BY 1 ORDER BY 2 DESC""").df()
    frame["source"] = [
        _(SOURCE_NAMES[key]) if (key := None if pd.isna(value) else value) in SOURCE_NAMES else value
        for value in frame["sentiment_source"]
    ]
    return frame[["source", "posts"]]
