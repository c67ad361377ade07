"""Ingest formats: Hootsuite Inbox (one row per message of a conversation, in or out)."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Format, Values
from pipeline.ingest.formats.listening import mention_tool
from pipeline.ingest.formats.sql import lookup_sql, strip_sql, value

_DIRECTIONS = {
    "outbound": "true",
    "outgoing": "true",
    "sent": "true",
    "out": "true",
    "brand": "true",
    "agent": "true",
    "bot": "true",
    "team": "true",
    "inbound": "false",
    "incoming": "false",
    "received": "false",
    "in": "false",
    "customer": "false",
    "contact": "false",
    "user": "false",
    "visitor": "false",
}


def _hootsuite(v: Values) -> dict[str, str]:
    """The direction tells the team's replies from the customer's; a reply goes out as the brand's account,
    whoever the agent was; then the listening tools' rules."""
    direction = f"lower({strip_sql(value(v, 'direction'))})"
    is_brand = f"coalesce({lookup_sql(direction, _DIRECTIONS)}, '')"
    brand = value(v, "brand")
    author = f"CASE WHEN {is_brand} = 'true' AND {strip_sql(brand)} <> '' THEN {brand} ELSE {value(v, 'author_id')} END"
    return {"author_id": author, **mention_tool({**v, "is_brand": is_brand, "author_id": author})}


FORMATS = (
    Format(
        name="hootsuite_inbox",
        description=N_("Hootsuite Inbox message export (one row per message; Conversation ID is the thread)"),
        identify=(
            "conversation id",
            "message id|id",
            "direction|author type|sender type|message direction",
            "message|text|content|message text|body",
        ),
        columns={
            "post_id": ("message id", "id"),
            "created_at": ("date", "created at", "created date", "sent at", "timestamp", "date created", "time"),
            "author_id": (
                "author handle",
                "author",
                "from",
                "sender",
                "author name",
                "username",
                "contact primary identifier",
                "agent name",
                "sender name",
            ),
            "text": ("message", "text", "content", "message text", "body"),
            "thread_key": ("conversation id",),
            "platform": ("network", "social network", "medium", "channel"),
            "brand": ("social profile", "profile", "social account", "channel display name"),
            "url": ("permalink", "link", "url"),
        },
        extras={"direction": ("direction", "message direction", "author type", "sender type"), "time": ("time",)},
        derive=_hootsuite,
        notes="Direction Outbound (or an agent as author type) marks the team's replies, whose authors become "
        "brand accounts; messages of one conversation chain in time order.",
    ),
)
