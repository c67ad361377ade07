"""Ingest formats: Twitter/X exports (Kaggle's customer-care and airline sets, the account's own analytics
export, twarc-csv from the API)."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Format, Values
from pipeline.ingest.formats.sql import strip_sql, value


def _invert_bool(v: Values) -> dict[str, str]:
    """TWCS says ``inbound``: true for the customer, false for the brand."""
    return {
        "is_brand": f"CASE lower({strip_sql(value(v, 'is_brand'))}) WHEN 'true' THEN 'false' "
        "WHEN 'false' THEN 'true' ELSE '' END"
    }


def _author_from_permalink(v: Values) -> dict[str, str]:
    """Twitter Analytics exports only the account's own tweets; the account is in the permalink."""
    url, author = f"coalesce({value(v, 'url')}, '')", value(v, "author_id")
    pattern = "'(?i)(?:twitter|x)\\.com/([\\pL\\pN_]+)/status'"
    return {
        "author_id": f"CASE WHEN coalesce({author}, '') = '' AND regexp_matches({url}, {pattern}) "
        f"THEN regexp_extract({url}, {pattern}, 1) ELSE {author} END",
        "is_brand": "'true'",
    }


def _twarc(v: Values) -> dict[str, str]:
    """twarc-csv: a reply names the tweet it replies to, else it hangs under the conversation's first tweet
    (the conversation id); the author's username is preferred to the numeric id, and makes the URL."""
    conversation, post_id = strip_sql(value(v, "thread_key")), strip_sql(value(v, "post_id"))
    parent, author, url = value(v, "parent_id"), value(v, "author_id"), value(v, "url")
    username = strip_sql(value(v, "username"))
    return {
        "parent_id": f"CASE WHEN {strip_sql(parent)} = '' AND {conversation} <> '' AND {conversation} <> {post_id} "
        f"THEN {conversation} ELSE {parent} END",
        "author_id": f"CASE WHEN {username} <> '' THEN {username} ELSE {author} END",
        "url": f"CASE WHEN coalesce({url}, '') = '' AND {username} <> '' AND {post_id} <> '' "
        f"THEN 'https://twitter.com/' || {username} || '/status/' || {post_id} ELSE {url} END",
    }


FORMATS = (
    Format(
        name="twcs",
        description=N_('Kaggle "Customer Support on Twitter" (twcs.csv), with or without a leading index column'),
        identify=("tweet id", "author id", "inbound", "created at", "text", "in response to tweet id"),
        columns={
            "post_id": ("tweet id",),
            "created_at": ("created at",),
            "author_id": ("author id",),
            "text": ("text",),
            "parent_id": ("in response to tweet id",),
            "is_brand": ("inbound",),
        },
        required=("post_id", "created_at"),
        platform="twitter",
        derive=_invert_bool,
        notes="inbound=False marks the brand's own tweets; those authors become brand accounts.",
    ),
    Format(
        name="airline_sentiment",
        description=N_('Kaggle "Twitter US Airline Sentiment" (Tweets.csv), human sentiment labels kept'),
        identify=("tweet id", "text", "tweet created", "airline sentiment"),
        columns={
            "post_id": ("tweet id",),
            "created_at": ("tweet created",),
            "author_id": ("name",),
            "text": ("text",),
            "brand": ("airline",),
            "vendor_sentiment": ("airline sentiment",),
            "shares": ("retweet count",),
        },
        required=("post_id", "created_at"),
        platform="twitter",
        notes="airline_sentiment is kept as vendor_sentiment (and used as the post's label); the airline "
        "column names the brand, and an @mention of another brand wins over it.",
    ),
    Format(
        name="twitter_analytics",
        description=N_("Twitter/X Analytics tweet_activity_metrics export (2015 favorites and 2017 likes layouts)"),
        identify=("tweet id", "tweet permalink", "tweet text", "time", "impressions", "engagements"),
        columns={
            "post_id": ("tweet id",),
            "created_at": ("time",),
            "text": ("tweet text",),
            "url": ("tweet permalink",),
            "likes": ("likes", "favorites"),
            "shares": ("retweets",),
            "reach": ("impressions",),
        },
        required=("post_id", "created_at"),
        platform="twitter",
        derive=_author_from_permalink,
        notes="Every row is the exporting account's own tweet; the author comes from the permalink.",
    ),
    Format(
        name="twarc",
        description=N_("twarc-csv (Twitter API v2 tweets flattened by `twarc2 csv`)"),
        identify=("id", "conversation id", "author id", "created at", "text"),
        columns={
            "post_id": ("id",),
            "created_at": ("created at",),
            "author_id": ("author id",),
            "text": ("text",),
            "parent_id": ("referenced tweets.replied to.id", "in reply to status id"),
            "thread_key": ("conversation id",),
            "likes": ("public metrics.like count",),
            "shares": ("public metrics.retweet count",),
            "reach": ("author.public metrics.followers count",),
            "lang": ("lang",),
        },
        extras={"username": ("author.username",)},
        required=("post_id", "created_at"),
        platform="twitter",
        derive=_twarc,
        notes="conversation_id is the thread: a reply without replied_to hangs under the conversation's "
        "first tweet; author.username is preferred over the numeric author id.",
    ),
)
