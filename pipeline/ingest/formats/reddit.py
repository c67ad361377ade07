"""Ingest formats: Reddit (Pushshift dumps of submissions and comments)."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Format, Values
from pipeline.ingest.formats.sql import strip_sql, value

_PREFIX = "'^t\\d_'"  # t1_ (a comment) and t3_ (a submission) name the kind of thing an id points to


def _reddit(v: Values) -> dict[str, str]:
    """Ids lose their ``t1_``/``t3_`` prefixes; a comment's parent is a comment or the submission (the link
    id), and the submission is the thread; a submission's text is its title and self text; a relative URL
    gets reddit's host."""
    post_id = f"regexp_replace({strip_sql(value(v, 'post_id'))}, {_PREFIX}, '')"
    parent = f"regexp_replace({strip_sql(value(v, 'parent_id'))}, {_PREFIX}, '')"
    link = f"regexp_replace({strip_sql(value(v, 'link_id'))}, {_PREFIX}, '')"
    title, body, text = strip_sql(value(v, "title")), strip_sql(value(v, "selftext")), value(v, "text")
    url = strip_sql(value(v, "url"))
    return {
        "post_id": post_id,
        "parent_id": f"CASE WHEN {parent} = '' AND {link} <> '' AND {link} <> {post_id} THEN {link} ELSE {parent} END",
        "text": f"CASE WHEN {strip_sql(text)} = '' THEN concat_ws(chr(10) || chr(10), nullif({title}, ''), "
        f"nullif({body}, '')) ELSE {text} END",
        "url": f"CASE WHEN starts_with({url}, '/') THEN 'https://www.reddit.com' || {url} ELSE {value(v, 'url')} END",
        "thread_key": f"CASE WHEN {link} <> '' THEN {link} ELSE {post_id} END",
    }


FORMATS = (
    Format(
        name="reddit_pushshift",
        description=N_("Reddit comments or submissions as Pushshift-style CSV (created_utc, link_id, parent_id)"),
        identify=("id", "author", "created utc", "body|selftext|title"),
        columns={
            "post_id": ("id", "name"),
            "created_at": ("created utc",),
            "author_id": ("author",),
            "text": ("body",),
            "parent_id": ("parent id",),
            "likes": ("score", "ups"),
            "url": ("permalink", "url"),
        },
        extras={"link_id": ("link id",), "title": ("title",), "selftext": ("selftext",)},
        required=("post_id", "created_at"),
        platform="reddit",
        derive=_reddit,
        notes="t1_/t3_ prefixes are dropped; a comment replies to its parent comment or the submission; give "
        "the brand's Reddit account with --brand so its replies count as the brand's.",
    ),
)
