"""Ingest formats: listening tools (Brandwatch, Meltwater, Sprout Social, Brand24): mentions with a date and
often a separate time, a network or source, and the brand profile a message belongs to."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Format, Values
from pipeline.ingest.formats.sql import (
    PLATFORM_NAMES,
    date_and_time_sql,
    handle_sql,
    platform_sql,
    sql_string,
    strip_sql,
    value,
)


def mention_tool(v: Values) -> dict[str, str]:
    """The date and time joined; the platform from the network or source column, else the URL; a message
    written by the brand profile it belongs to is the brand's own."""
    out = date_and_time_sql(v)
    platform = value(v, "platform")
    if "source_name" in v:
        source = f"lower({strip_sql(v['source_name'])})"
        names = ", ".join(sql_string(name) for name in PLATFORM_NAMES)
        platform = f"CASE WHEN {strip_sql(platform)} = '' AND {source} IN ({names}) THEN {source} ELSE {platform} END"
    out["platform"] = platform_sql(platform, value(v, "url"))
    profile, author, is_brand = handle_sql(value(v, "brand")), value(v, "author_id"), value(v, "is_brand")
    out["is_brand"] = (
        f"CASE WHEN {profile} <> '' AND {handle_sql(author)} = {profile} "
        f"AND coalesce({is_brand}, '') = '' THEN 'true' ELSE {is_brand} END"
    )
    return out


FORMATS = (
    Format(
        name="brandwatch",
        description=N_("Brandwatch Consumer Research mention export (report rows above the header are skipped)"),
        identify=("date", "title", "snippet", "full text", "url", "page type"),
        columns={
            "post_id": ("resource id", "mention id", "guid", "url"),
            "created_at": ("date",),
            "author_id": ("author", "full name"),
            "text": ("full text", "snippet", "title"),
            "parent_id": ("parent post id", "parent id"),
            "thread_key": ("thread id",),
            "platform": ("page type", "content source", "domain"),
            "vendor_sentiment": ("sentiment",),
            "likes": ("likes", "x likes", "facebook likes", "instagram likes"),
            "shares": ("shares", "x reposts", "x retweets", "reposts", "retweets", "facebook shares"),
            "reach": ("reach", "impressions", "potential audience", "x followers"),
            "url": ("url",),
            "lang": ("language",),
        },
        extras={"time": ("time",)},
        derive=mention_tool,
        notes="Dates are in the time zone the export was made in (give --tz); the page type becomes the "
        "platform; Full Text, else Snippet, else Title is the text.",
    ),
    Format(
        name="meltwater",
        description=N_("Meltwater mention export (UTF-16 with BOM, tab-delimited, a title row above the header)"),
        identify=("date", "source name", "hit sentence|opening text"),
        columns={
            "post_id": ("document id", "url"),
            "created_at": ("date",),
            "author_id": ("author handle", "author name"),
            "text": ("hit sentence", "opening text", "title"),
            "platform": ("source type", "media type"),
            "vendor_sentiment": ("sentiment",),
            "likes": ("likes",),
            "shares": ("reposts", "shares"),
            "reach": ("reach", "potential reach", "impressions", "twitter followers"),
            "url": ("url",),
            "lang": ("language",),
        },
        extras={"time": ("time",), "source_name": ("source name",)},
        derive=mention_tool,
        notes="Date and Time columns are joined and read in the import's time zone; the platform comes from "
        "the URL or a social Source Name, else it is web.",
    ),
    Format(
        name="sprout_social",
        description=N_("Sprout Social message or listening export (network, profile, message)"),
        identify=("network", "profile|profile name", "message|text|content"),
        columns={
            "post_id": ("message id", "guid", "post id", "id", "permalink", "link"),
            "created_at": ("date", "timestamp", "created time", "sent date", "published"),
            "author_id": ("from", "author", "sender", "from handle", "username", "author handle"),
            "text": ("message", "text", "content"),
            "platform": ("network",),
            "brand": ("profile", "profile name"),
            "vendor_sentiment": ("sentiment",),
            "likes": ("likes", "reactions"),
            "shares": ("shares", "reposts", "retweets"),
            "reach": ("reach", "potential impressions", "impressions", "audience"),
            "url": ("permalink", "link", "url"),
            "lang": ("language",),
        },
        extras={"time": ("time",)},
        derive=mention_tool,
        notes="Profile is the brand profile the message belongs to.",
    ),
    Format(
        name="brand24",
        description=N_("Brand24 mentions export (source, author, content, sentiment, influence score)"),
        identify=("date", "source|domain", "author", "content|contents|mention", "influence score|influencer score"),
        columns={
            "post_id": ("id", "mention id", "url"),
            "created_at": ("date",),
            "author_id": ("author", "profile"),
            "text": ("content", "contents", "mention", "title"),
            "platform": ("source", "category", "domain"),
            "vendor_sentiment": ("sentiment",),
            "likes": ("likes",),
            "shares": ("shares",),
            "reach": ("reach", "followers", "visits"),
            "url": ("url", "link"),
            "lang": ("language",),
        },
        extras={"time": ("hour", "time")},
        derive=mention_tool,
        notes="Date and Hour are joined; Content, else Title, is the text.",
    ),
)
