"""Ingest formats: Meta exports (Facebook Insights and Meta Business Suite post exports, and comment exports of
Facebook pages and Instagram accounts)."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Carried, Format, Values
from pipeline.ingest.formats.sql import PLATFORM_NAMES, lookup_sql, platform_from_url_sql, strip_sql, value


def _page_posts(v: Values) -> dict[str, str]:
    """Facebook Insights and Meta Business Suite list the page's (or account's) own posts; without an author,
    the page is in the permalink; an Instagram account's columns or URL make the post Instagram's."""
    author, url = value(v, "author_id"), value(v, "url")
    page = "'(?i)facebook\\.com/([^/?#]+)/'"
    instagram = f"coalesce({value(v, 'instagram')}, '') <> '' OR {platform_from_url_sql(url)} = 'instagram'"
    return {
        "is_brand": "'true'",
        "author_id": f"CASE WHEN coalesce({author}, '') = '' AND regexp_matches(coalesce({url}, ''), {page}) "
        f"THEN regexp_extract(coalesce({url}, ''), {page}, 1) ELSE {author} END",
        "platform": f"CASE WHEN {instagram} THEN 'instagram' ELSE 'facebook' END",
    }


def _meta_comments(v: Values) -> dict[str, str]:
    """The row is a comment; its parent is the comment it answers, else the post; the platform is the one the
    row names, else Instagram where the account's columns or the URL say so, else Facebook."""
    parent, post_url, url = value(v, "parent_id"), value(v, "post_url"), value(v, "url")
    link = f"CASE WHEN coalesce({post_url}, '') <> '' THEN {post_url} ELSE {url} END"
    instagram = f"coalesce({value(v, 'instagram')}, '') <> '' OR {platform_from_url_sql(link)} = 'instagram'"
    named = lookup_sql(f"lower({strip_sql(value(v, 'platform'))})", PLATFORM_NAMES)
    return {
        "parent_id": f"CASE WHEN {strip_sql(parent)} = '' THEN {strip_sql(value(v, 'post_post_id'))} ELSE {parent} END",
        "platform": f"coalesce({named}, CASE WHEN {instagram} THEN 'instagram' ELSE 'facebook' END)",
    }


def _meta_comment_post(v: Values) -> Carried:
    """The post a comment row repeats, as a post of its own (by the page, so a brand post)."""
    post_id, created = strip_sql(value(v, "post_post_id")), strip_sql(value(v, "post_created"))
    return f"{post_id} <> '' AND {created} <> ''", {
        "post_id": post_id,
        "created_at": created,
        "text": f"coalesce({value(v, 'post_text')}, '')",
        "author_id": f"coalesce({value(v, 'post_author')}, '')",
        "is_brand": "'true'",
        "url": f"coalesce({value(v, 'post_url')}, '')",
        "platform": f"coalesce({value(v, 'platform')}, '')",
    }


_COMMENT_POST = {
    "post_post_id": ("post id", "media id", "ig media id"),
    "post_created": (
        "post created time",
        "post created",
        "post time",
        "post timestamp",
        "post date",
        "post publish time",
        "post published",
        "publish time",
        "media timestamp",
    ),
    "post_text": (
        "post message",
        "post text",
        "post caption",
        "post description",
        "caption",
        "media caption",
        "description",
    ),
    "post_author": ("page name", "account username", "post author", "account name", "page"),
    "post_url": ("post permalink", "post url", "post link", "permalink", "media permalink"),
    "instagram": ("media id", "ig media id", "account username", "media product type"),
}

FORMATS = (
    Format(
        name="facebook_insights",
        description=N_("Facebook Insights post-level export (a second header row of descriptions, repeated columns)"),
        identify=("post id", "permalink", "post message", "posted"),
        columns={
            "post_id": ("post id",),
            "created_at": ("posted",),
            "text": ("post message",),
            "url": ("permalink",),
            "likes": (
                "lifetime talking about this (post) by action type like",
                "lifetime post stories by action type like",
            ),
            "shares": (
                "lifetime talking about this (post) by action type share",
                "lifetime post stories by action type share",
            ),
            "reach": ("lifetime post total reach",),
        },
        required=("post_id", "created_at"),
        platform="facebook",
        derive=_page_posts,
        header_rows=2,
        notes="Every row is the page's own post; Posted is in the page's time zone (give --tz).",
    ),
    Format(
        name="meta_business_suite",
        description=N_("Meta Business Suite post export, Facebook or Instagram (Publish time MM/DD/YYYY HH:MM)"),
        identify=("post id", "publish time", "permalink", "description|title"),
        columns={
            "post_id": ("post id",),
            "created_at": ("publish time",),
            "author_id": ("account username", "page name", "account name"),
            "text": ("description", "title"),
            "url": ("permalink",),
            "likes": ("reactions", "likes", "reactions, comments and shares"),
            "shares": ("shares",),
            "reach": ("reach", "impressions", "views"),
        },
        extras={"instagram": ("account username", "account id")},
        required=("post_id", "created_at"),
        platform="facebook",
        derive=_page_posts,
        notes="Every row is the account's own post; Publish time is in the account's time zone (give --tz).",
    ),
    Format(
        name="meta_comments",
        description=N_("Facebook or Instagram comment export: post columns plus comment columns, one comment per row"),
        identify=("comment id", "post id|media id"),
        columns={
            "post_id": ("comment id",),
            "created_at": (
                "comment created time",
                "comment time",
                "comment timestamp",
                "comment date",
                "comment created at",
                "comment created",
                "comment publish time",
            ),
            "author_id": (
                "comment author",
                "commenter name",
                "commenter",
                "comment author name",
                "comment from",
                "comment username",
                "username",
                "from",
                "author",
            ),
            "text": ("comment message", "comment text", "comment", "comment content", "comment body"),
            "parent_id": ("parent comment id", "comment parent id", "reply to comment id", "parent id"),
            "likes": ("comment likes", "comment like count", "comment reactions", "like count", "likes"),
            "url": ("comment permalink", "comment url", "comment link"),
            "platform": ("platform", "network"),
        },
        extras=_COMMENT_POST,
        required=("post_id", "created_at", "text"),
        platform="facebook",
        derive=_meta_comments,
        carries=_meta_comment_post,
        notes="Each post is stored once as the page's own post and each comment as a reply to its parent "
        "comment or its post.",
    ),
)
