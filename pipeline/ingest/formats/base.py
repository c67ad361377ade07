"""Ingest formats: what every layout shares: the canonical post columns, how headers are compared, and
``Format``, one registry entry (the layouts themselves are in the modules beside this one, one per tool family).

A format's rules are written once, in SQL, over the text rows that either reader lands (``load.derive_rows``):
DuckDB's CSV reader and Python's csv module fill the same table, and one statement derives the posts from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.core.i18n import N_

CANONICAL_COLUMNS = (
    "post_id",
    "created_at",
    "author_id",
    "text",
    "parent_id",
    "platform",
    "is_brand",
    "brand",
    "vendor_sentiment",
    "likes",
    "shares",
    "reach",
    "url",
    "lang",
    "thread_key",
)

# What ``--map COLUMN=HEADER`` accepts: the public ``posts`` columns an export can fill, each with what it holds
# (marked with N_: ``_(meaning)`` where shown).
MAPPABLE_COLUMNS: dict[str, str] = {
    "post_id": N_("the post's id (else one is derived from author, time and text)"),
    "created_at": N_("when it was posted (required)"),
    "author_id": N_("who posted it: handle or name"),
    "text": N_("the words of the post (required)"),
    "parent_id": N_("the id of the post it replies to"),
    "thread_id": N_("a conversation id shared by every message of a thread"),
    "platform": "twitter, facebook, instagram, ...",
    "is_brand": N_("true for the brand's own posts"),
    "brand": N_("the brand the post is addressed to"),
    "vendor_sentiment": N_("positive / neutral / negative as the tool exported it"),
    "likes": N_("likes or reactions"),
    "shares": N_("shares, retweets or reposts"),
    "reach": N_("reach, impressions or followers"),
    "url": N_("link to the post"),
    "lang": N_("language code"),
}
# ``thread_id`` in the public schema is the root post; an export gives a conversation id, stored as thread_key.
MAP_TARGET = {"thread_id": "thread_key"}
_SEPARATORS = re.compile(r"[\s_\-]+")
_UNIT_SUFFIX = re.compile(r"\s*\([^()]*\)$")  # "Date (UTC)", "Timestamp (ET)", "Reach (new)"


def normalize_header(name: str) -> str:
    """``" In_Reply-To "`` -> ``"in reply to"``, ``"Date (UTC)"`` -> ``"date"``: how headers are compared
    (a trailing unit or time zone in brackets is dropped)."""
    return _SEPARATORS.sub(" ", _UNIT_SUFFIX.sub("", name.replace("\ufeff", "").strip())).strip().lower()


# A row's values by name, as SQL expressions over the row's text columns.
Values = Mapping[str, str]
# A carried post: the SQL condition for a row to carry one, and the carried post's canonical values.
Carried = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class Format:
    """One export layout.

    ``columns`` maps a canonical column to header candidates; ``extras`` maps further names, handed to
    ``derive`` and ``carries`` only. ``required`` canonical columns must be found; every ``identify`` entry
    must be present for the layout to be recognised (``"a|b"`` means either; the generic layout has none and
    is tried last). ``header_rows`` counts header rows (Facebook Insights has a second row of descriptions).

    ``derive`` fills or fixes the values of a row, in SQL: given an expression per value name (the first
    non-empty candidate column, ``''`` where the column is empty; a value the layout does not read is absent
    from the mapping, and ``sql.value`` reads it as ``NULL``), it returns the expressions it replaces or adds,
    e.g. TWCS ``inbound`` turned into ``is_brand``. ``carries`` returns a post a row holds besides its own (a
    comment export repeats the post on every comment row): a condition and the carried post's expressions
    over the derived values; that post is emitted once per file, before the first row carrying it.
    """

    name: str
    description: str
    identify: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ("created_at",)
    platform: str | None = None
    derive: Callable[[Values], dict[str, str]] | None = None
    generic: bool = False
    notes: str = ""
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    header_rows: int = 1
    carries: Callable[[Values], Carried] | None = None
    headers: tuple[str, ...] = ()  # a custom format: the full header it was saved from

    def resolve(self, header: Sequence[str]) -> dict[str, list[int]] | None:
        """Map canonical columns and extras to positions in ``header`` (every candidate present, in order);
        None if a required column is missing."""
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            positions.setdefault(normalize_header(name), index)
        plan: dict[str, list[int]] = {}
        for canonical, candidates in (*self.columns.items(), *self.extras.items()):
            found = [positions[c] for c in candidates if c in positions]
            if found:
                plan[canonical] = list(dict.fromkeys(found))
        if any(column not in plan for column in self.required):
            return None
        return plan

    def matches(self, header: Sequence[str]) -> int:
        """How well ``header`` identifies this format: 0 for not at all, higher is more specific."""
        names = {normalize_header(name) for name in header}
        if self.generic:
            plan = self.resolve(header)
            return 1 if plan is not None and ("text" in plan) else 0
        if not all(any(option in names for option in entry.split("|")) for entry in self.identify):
            return 0
        if self.resolve(header) is None:
            return 0
        score = 10 + len(self.identify)
        if self.headers and {normalize_header(h) for h in self.headers} == names:
            score += 100  # the very layout a person mapped by hand: their choice wins
        return score

    def repeated_headers(self, header: Sequence[str]) -> list[str]:
        """Headers this format reads that appear more than once (the first one is used)."""
        used = {c for candidates in (*self.columns.values(), *self.extras.values()) for c in candidates}
        seen: dict[str, int] = {}
        repeated = []
        for name in header:
            key = normalize_header(name)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == 2 and key in used:
                repeated.append(name.strip())
        return repeated
