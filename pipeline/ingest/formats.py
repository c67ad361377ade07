"""Ingest: the registry of export layouts (the 4CAT pattern).

A format is an entry: the header names that identify it and a mapping from the canonical post columns
(``CANONICAL_COLUMNS``) onto the export's headers. Headers are compared after ``normalize_header``
(case, surrounding space, ``_``/``-`` and repeated spaces do not matter). Adding a format is adding an
entry here and a sample file under ``tests/samples/``, not editing the parser.

The canonical columns are text at this stage (``raw_posts``); staging types them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

CANONICAL_COLUMNS = (
    "post_id", "created_at", "author_id", "text", "parent_id", "platform", "is_brand", "brand",
    "vendor_sentiment", "likes", "shares", "reach", "url", "lang",
)

_SEPARATORS = re.compile(r"[\s_\-]+")
_MENTION = re.compile(r"@(\w{1,50})")
_STATUS_URL = re.compile(r"(?:twitter|x)\.com/(\w+)/status", re.IGNORECASE)


def normalize_header(name: str) -> str:
    """``" In_Reply-To "`` -> ``"in reply to"``: how headers are compared."""
    return _SEPARATORS.sub(" ", name.replace("\ufeff", "")).strip().lower()


@dataclass(frozen=True)
class Format:
    """One export layout.

    ``columns`` maps a canonical column to header candidates, the first present wins.
    ``required`` canonical columns must be found; ``identify`` headers must all be present for the
    layout to be recognised (the generic layout has none and is tried last).
    ``derive`` may fill or fix canonical values of one row, e.g. turn TWCS ``inbound`` into ``is_brand``.
    """

    name: str
    description: str
    identify: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ("created_at",)
    platform: str | None = None
    derive: Callable[[dict[str, str]], None] | None = None
    generic: bool = False
    notes: str = ""

    def resolve(self, header: Sequence[str]) -> dict[str, int] | None:
        """Map canonical columns to positions in ``header``; None if a required column is missing."""
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            positions.setdefault(normalize_header(name), index)
        plan = {}
        for canonical, candidates in self.columns.items():
            for candidate in candidates:
                if candidate in positions:
                    plan[canonical] = positions[candidate]
                    break
        if any(column not in plan for column in self.required):
            return None
        return plan

    def matches(self, header: Sequence[str]) -> int:
        """How well ``header`` identifies this format: 0 for not at all, higher is more specific."""
        names = {normalize_header(name) for name in header}
        if self.generic:
            plan = self.resolve(header)
            return 1 if plan is not None and ("text" in plan) else 0
        if all(column in names for column in self.identify) and self.resolve(header) is not None:
            return 10 + len(self.identify)
        return 0


def _invert_bool(values: dict[str, str]) -> None:
    """TWCS says ``inbound``: True for the customer, False for the brand."""
    inbound = values.get("is_brand", "").strip().lower()
    values["is_brand"] = {"true": "false", "false": "true"}.get(inbound, "")


def _first_mention_as_brand(values: dict[str, str]) -> None:
    """The airline data set names the airline, but "Delta" rows are addressed to @JetBlue: trust the
    leading @mention, fall back to the exported airline name."""
    match = _MENTION.match(values.get("text", "").lstrip())
    if match:
        values["brand"] = match.group(1)


def _author_from_permalink(values: dict[str, str]) -> None:
    """Twitter Analytics exports only the account's own tweets; the account is in the permalink."""
    match = _STATUS_URL.search(values.get("url", ""))
    if match and not values.get("author_id"):
        values["author_id"] = match.group(1)
    values["is_brand"] = "true"


GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("post id", "id", "message id", "tweet id", "comment id", "status id", "mention id", "guid"),
    "created_at": (
        "created at", "timestamp", "date", "datetime", "date time", "time", "published", "published at",
        "created", "created time", "posted", "post date", "publish time", "sent at",
    ),
    "author_id": (
        "author id", "author", "user", "username", "user name", "screen name", "handle", "author handle",
        "from", "account", "user id", "name",
    ),
    "text": (
        "text", "message", "content", "body", "post text", "post message", "comment", "full text", "snippet",
        "caption",
    ),
    "parent_id": (
        "parent id", "in reply to", "in reply to id", "reply to", "in response to", "parent", "parent post id",
        "in reply to status id",
    ),
    "platform": ("platform", "network", "channel", "source", "site"),
    "is_brand": ("is brand", "from brand", "brand reply"),
    "brand": ("brand", "profile", "addressed to"),
    "vendor_sentiment": ("sentiment", "vendor sentiment", "tone"),
    "likes": ("likes", "like count", "favorites", "favourites", "reactions"),
    "shares": ("shares", "share count", "retweets", "reposts"),
    "reach": ("reach", "followers", "impressions", "audience", "potential reach"),
    "url": ("url", "link", "permalink"),
    "lang": ("lang", "language"),
}

FORMATS: tuple[Format, ...] = (
    Format(
        name="twcs",
        description='Kaggle "Customer Support on Twitter" (twcs.csv), with or without a leading index column',
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
        description='Kaggle "Twitter US Airline Sentiment" (Tweets.csv), human sentiment labels kept',
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
        derive=_first_mention_as_brand,
        notes="airline_sentiment is kept as vendor_sentiment; the brand is the leading @mention.",
    ),
    Format(
        name="twitter_analytics",
        description="Twitter/X Analytics tweet_activity_metrics export (2015 favorites and 2017 likes layouts)",
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
        name="generic",
        description="Generic post table: id, timestamp, author, text, optional parent id, platform, likes, "
        "shares, reach (common aliases accepted)",
        identify=(),
        columns=GENERIC_ALIASES,
        required=("created_at", "text"),
        generic=True,
        notes="Without a post id column, an id is derived from author, time and text.",
    ),
)

FORMATS_BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def detect_format(header: Sequence[str]) -> Format | None:
    """The most specific registered format that ``header`` identifies, or None."""
    best, best_score = None, 0
    for fmt in FORMATS:
        score = fmt.matches(header)
        if score > best_score:
            best, best_score = fmt, score
    return best


@dataclass(frozen=True)
class FormatRow:
    """One line of ``radar formats`` and of the README table."""

    name: str
    description: str
    identified_by: str
    columns: str = field(default="")


def describe_formats() -> list[FormatRow]:
    rows = []
    for fmt in FORMATS:
        if fmt.generic:
            identified = "a text and a timestamp column under any alias below (tried last)"
        else:
            identified = ", ".join(fmt.identify)
        mapping = "; ".join(f"{col} <- {' | '.join(heads)}" for col, heads in fmt.columns.items())
        rows.append(FormatRow(fmt.name, fmt.description, identified, mapping))
    return rows
