"""Ingest formats: YouTube (the comments.csv of Google Takeout)."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Format, Values
from pipeline.ingest.formats.sql import strip_sql, value


def json_text_sql(text: str) -> str:
    """Takeout wraps comment text in JSON: ``{"text":"Nice"},{"text":" video"}`` (one object per segment,
    sometimes in a list). Every string under a "text" key, at any depth, is joined in the order it is written;
    a text that is not JSON, or holds no such string, is kept as it is."""
    stripped = strip_sql(text)
    document = f"CASE WHEN starts_with({stripped}, '[') THEN {stripped} ELSE '[' || {stripped} || ']' END"
    # the string literals that are "text" values, in document order (json_extract's $..text is breadth-first)
    literals = f"""regexp_extract_all({document}, '"text"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")', 1)"""
    joined = f"array_to_string(list_transform({literals}, lambda s: json_extract_string(s, '$')), '')"
    return (
        f"CASE WHEN (starts_with({stripped}, '{{') OR starts_with({stripped}, '[')) AND json_valid({document}) "
        f"AND len({literals}) > 0 THEN {joined} ELSE coalesce({text}, '') END"
    )


def _youtube(v: Values) -> dict[str, str]:
    """The text unwrapped from its JSON; the video and the comment make the URL where there is none."""
    video, post_id, url = strip_sql(value(v, "video_id")), strip_sql(value(v, "post_id")), value(v, "url")
    return {
        "text": json_text_sql(value(v, "text")),
        "url": f"CASE WHEN {video} <> '' AND coalesce({url}, '') = '' THEN 'https://www.youtube.com/watch?v=' || "
        f"{video} || '&lc=' || {post_id} ELSE {url} END",
    }


FORMATS = (
    Format(
        name="youtube_takeout",
        description=N_("YouTube comments.csv from Google Takeout (comment text wrapped in JSON)"),
        identify=("comment id", "channel id", "video id", "comment text"),
        columns={
            "post_id": ("comment id",),
            "created_at": ("comment create timestamp", "comment created timestamp", "comment create time", "timestamp"),
            "author_id": ("channel id",),
            "text": ("comment text",),
            "parent_id": ("parent comment id",),
        },
        extras={"video_id": ("video id",)},
        required=("post_id", "created_at"),
        platform="youtube",
        derive=_youtube,
        notes="Takeout holds one channel's own comments (the author is its Channel ID; give it with --brand "
        "when that channel is the brand); replies hang under Parent Comment ID.",
    ),
)
