"""Compare: share of voice between the tracked brands, themes per week, and the top posts of a week.

Queries in the manner of ``pipeline.read.queries`` (connection first, a ``PostFilter``, bound parameters, lists of
posts with a ``limit`` and how many there were). Definitions:

- *tracked brands*: the brands with a role (ours or competitor, ``pipeline.core.brands``); while no brand has a
  role, every brand. A brand filter narrows them further.
- *share of voice*: a tracked brand's customer posts (posts about it, not its own) / all tracked brands'
  customer posts in the same day or week. Brand posts and posts of no brand are left out.
- *net sentiment*: as everywhere, (positive - negative) / scored customer posts x 100.
- *change*: against the bucket before (share in percentage points, net sentiment in points); none where the
  bucket before had no posts of the brand (it cannot be known).
- *theme volume*: customer posts tagged with the theme (``pipeline.metrics.themes``); *negative share*: negative /
  scored among them.
- *top posts*: the posts of the period with the most engagement (likes + shares) where the exports carry
  those numbers, else the widest reach, else the threads with the most posts in the period.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.i18n import N_
from pipeline.read.queries import POST_COLUMNS, PostFilter, net_sentiment, posts_for, sentiment_trend

# the theme column's value for customer posts no theme tags: a value the pages compare with, in English,
# translated where it is shown (``_(NO_THEME)``)
NO_THEME = N_("(no theme)")


def tracked_brands(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> tuple[str, ...]:
    """The brands compared (see the module docstring), ours first, then by name."""
    rows = con.execute("SELECT brand, role FROM brands ORDER BY role = 'ours' DESC, role IS NULL, brand").fetchall()
    with_role = [brand for brand, role in rows if role]
    brands = with_role or [brand for brand, _role in rows]
    return tuple(b for b in brands if not filters.brands or b in filters.brands)


def share_of_voice(
    con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter(), *, grain: str = "week"
) -> pd.DataFrame:
    """Per bucket and tracked brand: posts, share, negative, positive, scored, net_sentiment, share_change
    (points), net_change, role. Buckets where no tracked brand has a post are left out."""
    brands = tracked_brands(con, filters)
    columns = [
        "bucket",
        "brand",
        "role",
        "posts",
        "share",
        "negative",
        "positive",
        "scored",
        "net_sentiment",
        "share_change",
        "net_change",
    ]
    if not brands:
        return pd.DataFrame(columns=columns)
    trend = sentiment_trend(con, replace(filters, brands=brands), grain=grain, by="brand")
    if trend.empty:
        return pd.DataFrame(columns=columns)
    net = net_sentiment(trend).rename(columns={"group": "brand"})
    net = net[net["brand"].isin(brands)]
    posts = trend[trend["group"].isin(brands)].groupby(["bucket", "group"], as_index=False)["posts"].sum()
    frame = net.merge(posts.rename(columns={"group": "brand"}), on=["bucket", "brand"])
    totals = frame.groupby("bucket")["posts"].transform("sum")
    frame = frame[totals > 0].copy()
    frame["share"] = frame["posts"] / totals[totals > 0]
    frame = frame.sort_values(["brand", "bucket"])
    previous = frame.groupby("brand")[["share", "net_sentiment", "posts"]].shift(1)
    had_posts = previous["posts"] > 0
    frame["share_change"] = (frame["share"] - previous["share"]).where(had_posts)
    frame["net_change"] = (frame["net_sentiment"] - previous["net_sentiment"]).where(had_posts)
    roles = dict(con.execute("SELECT brand, role FROM brands").fetchall())
    frame["role"] = frame["brand"].map(roles)
    order = {brand: index for index, brand in enumerate(brands)}
    frame = frame.sort_values(["bucket", "brand"], key=lambda c: c.map(order) if c.name == "brand" else c)
    return frame[columns].reset_index(drop=True)


def brand_counts(con: duckdb.DuckDBPyConnection, brands: tuple[str, ...], period: PostFilter) -> pd.DataFrame:
    """Per brand of ``brands`` (in that order, zeros where it has none): customer posts, negative, positive and
    scored posts within the period's filter."""
    condition, params = replace(period, brands=brands).where()
    found = con.execute(
        f"""
        SELECT brand, count(*) AS posts, count(*) FILTER (sentiment_label = 'negative') AS negative,
               count(*) FILTER (sentiment_label = 'positive') AS positive, count(sentiment_label) AS scored
        FROM posts WHERE NOT is_brand AND {condition} GROUP BY brand""",
        params,
    ).df()
    wanted = pd.DataFrame({"brand": pd.Series(list(brands), dtype=object)})  # no brands: still text, not float
    return wanted.merge(found.astype({"brand": object}), on="brand", how="left").fillna(0)


def voice_in_period(
    con: duckdb.DuckDBPyConnection, start: date, days: int, filters: PostFilter = PostFilter()
) -> pd.DataFrame:
    """Per tracked brand, one period (``days`` from ``start``) against the same length before it: posts, share,
    net_sentiment, negative_share and the same for the period before (``*_before``)."""
    brands = tracked_brands(con, filters)
    if not brands:
        return pd.DataFrame(
            columns=[
                "brand",
                "role",
                "posts",
                "share",
                "net_sentiment",
                "negative_share",
                "posts_before",
                "share_before",
                "net_before",
                "negative_share_before",
            ]
        )
    frames = []
    for suffix, first in (("", start), ("_before", start - timedelta(days=days))):
        part = brand_counts(con, brands, replace(filters, start_date=first, end_date=first + timedelta(days=days - 1)))
        scored = part["scored"].where(part["scored"] > 0)
        total = part["posts"].sum()
        name = "net_before" if suffix else "net_sentiment"
        frames.append(
            pd.DataFrame(
                {
                    "brand": part["brand"],
                    f"posts{suffix}": part["posts"].astype(int),
                    f"share{suffix}": part["posts"] / total if total else float("nan"),
                    name: 100.0 * (part["positive"] - part["negative"]) / scored,
                    f"negative_share{suffix}": part["negative"] / scored,
                }
            )
        )
    out = frames[0].merge(frames[1], on="brand")
    roles = dict(con.execute("SELECT brand, role FROM brands").fetchall())
    out.insert(1, "role", out["brand"].map(roles))
    return out


# --- themes ------------------------------------------------------------------------------------------------


def _themed(filters: PostFilter) -> tuple[str, list]:
    """Theme tags of the customer posts matching a filter, with each post's sentiment label."""
    condition, params = filters.where("p")
    return (
        f"""(SELECT t.theme, t.platform, t.post_id, p.created_at, p.sentiment_label
                 FROM fct_post_themes t JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id
                 WHERE {condition})""",
        params,
    )


def theme_trend(
    con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter(), *, grain: str = "week"
) -> pd.DataFrame:
    """Per bucket and theme: posts, scored, negative, negative_share (NaN where none was scored)."""
    if grain not in ("day", "week"):
        raise ValueError("grain must be 'day' or 'week'")  # i18n: not text (a programming error)
    themed, params = _themed(filters)
    return con.execute(
        f"""
        SELECT date_trunc('{grain}', created_at)::DATE AS bucket, theme, count(*) AS posts,
               count(sentiment_label) AS scored, count(*) FILTER (sentiment_label = 'negative') AS negative,
               count(*) FILTER (sentiment_label = 'negative') / nullif(count(sentiment_label), 0) AS negative_share
        FROM {themed} GROUP BY ALL ORDER BY bucket, theme""",
        params,
    ).df()


def theme_totals(con: duckdb.DuckDBPyConnection, filters: PostFilter = PostFilter()) -> pd.DataFrame:
    """Per theme over the filter: posts, share of the customer posts, negative_share; and a last row
    ``(no theme)`` for customer posts no theme tags."""
    themed, params = _themed(filters)
    condition, post_params = filters.where()
    customer_posts = db.scalar(con, f"SELECT count(*) FROM posts WHERE NOT is_brand AND {condition}", post_params)
    frame = con.execute(
        f"""
        SELECT theme, count(*) AS posts,
               count(*) FILTER (sentiment_label = 'negative') / nullif(count(sentiment_label), 0) AS negative_share
        FROM {themed} GROUP BY ALL ORDER BY posts DESC, theme""",
        params,
    ).df()
    aliased, aliased_params = filters.where("p")
    untagged = db.scalar(
        con,
        f"""
        SELECT count(*) FROM posts p ANTI JOIN fct_post_themes t ON t.platform = p.platform AND t.post_id = p.post_id
        WHERE NOT p.is_brand AND {aliased}""",
        aliased_params,
    )
    frame = pd.concat(
        [frame, pd.DataFrame([{"theme": NO_THEME, "posts": untagged, "negative_share": None}])], ignore_index=True
    )
    frame["share"] = frame["posts"] / customer_posts if customer_posts else float("nan")
    return frame


def theme_posts(
    con: duckdb.DuckDBPyConnection,
    theme: str,
    filters: PostFilter = PostFilter(),
    *,
    label: str | None = None,
    limit: int = 200,
) -> tuple[pd.DataFrame, int]:
    """The customer posts of one theme within the filter (newest first), and how many there are."""
    condition, params = filters.where("p")
    clauses = [condition, "t.theme = ?"]
    params = [*params, theme]
    if label:
        clauses.append("p.sentiment_label = ?")
        params.append(label)
    where = " AND ".join(clauses)
    source = "fct_post_themes t JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id"  # i18n: not text
    total = db.scalar(con, f"SELECT count(*) FROM {source} WHERE {where}", params)
    columns = ", ".join(f"p.{c.strip()}" for c in POST_COLUMNS.split(","))
    newest = "p.created_at DESC, p.post_id DESC, p.platform DESC"  # i18n: not text (SQL: posts of one instant by id)
    frame = con.execute(
        f"SELECT {columns} FROM {source} WHERE {where} ORDER BY {newest} LIMIT ?",
        [*params, limit],
    ).df()
    return frame, int(total)


def posts_by_keys(con: duckdb.DuckDBPyConnection, keys: list[str], *, limit: int = 200) -> pd.DataFrame:
    """The posts named by ``platform:post_id`` keys (an emerging topic's), newest first."""
    pairs = [key.split(":", 1) for key in keys[:limit] if ":" in key]
    if not pairs:
        return pd.DataFrame(columns=[c.strip() for c in POST_COLUMNS.split(",")])
    wanted = pd.DataFrame(pairs, columns=["platform", "post_id"])
    con.register("tmp_wanted_posts", wanted)
    try:
        return con.execute(f"""SELECT {POST_COLUMNS} FROM posts
                               SEMI JOIN tmp_wanted_posts w USING (platform, post_id)
                               ORDER BY created_at DESC""").df()
    finally:
        con.unregister("tmp_wanted_posts")


# --- top posts ---------------------------------------------------------------------------------------------


def top_posts(con: duckdb.DuckDBPyConnection, filters: PostFilter, *, limit: int = 10) -> tuple[pd.DataFrame, str]:
    """The top posts within the filter's dates, and by what they were chosen: ``engagement`` (likes + shares),
    ``reach``, or ``thread size`` (no export of the period has those numbers). Brand and customer posts alike;
    columns: created_at, platform, post_id, thread_id, author_id, brand, is_brand, sentiment_label, likes,
    shares, reach, engagement, thread_posts, text."""
    condition, params = filters.where()
    has = db.first_row(
        con,
        f"""
        SELECT count(*) FILTER (likes IS NOT NULL OR shares IS NOT NULL), count(*) FILTER (reach IS NOT NULL)
        FROM {posts_for(filters)} WHERE {condition}""",
        params,
    )
    if has and has[0]:
        basis, order = "engagement", "engagement DESC, reach DESC NULLS LAST"  # i18n: not text (SQL)
    elif has and has[1]:
        basis, order = "reach", "reach DESC"  # i18n: not text (SQL)
    else:
        basis, order = "thread size", "thread_posts DESC"  # i18n: not text (a code value and SQL)
    counted = {
        "engagement": "likes IS NOT NULL OR shares IS NOT NULL",  # i18n: not text (SQL)
        "reach": "reach IS NOT NULL",  # i18n: not text (SQL)
        "thread size": "post_id = thread_id",  # i18n: not text (SQL)
    }[basis]  # a thread is shown by its opening post
    frame = con.execute(
        f"""
        WITH in_period AS (SELECT * FROM posts WHERE {condition}),
        sizes AS (SELECT platform, thread_id, count(*) AS thread_posts FROM in_period GROUP BY ALL)
        SELECT p.created_at, p.platform, p.post_id, p.thread_id, p.author_id, p.brand, p.is_brand,
               p.sentiment_label, p.likes, p.shares, p.reach,
               CASE WHEN p.likes IS NOT NULL OR p.shares IS NOT NULL
                    THEN coalesce(p.likes, 0) + coalesce(p.shares, 0) END AS engagement,
               s.thread_posts, p.text
        FROM (SELECT * FROM in_period WHERE {counted}) p
        JOIN sizes s USING (platform, thread_id)
        ORDER BY {order}, p.created_at, p.post_id, p.platform LIMIT ?""",
        [*params, limit],
    ).df()
    return frame, basis


def week_filter(filters: PostFilter, monday: date) -> PostFilter:
    return replace(filters, start_date=monday, end_date=monday + timedelta(days=6))
