"""Ingest: the registry of export layouts (the 4CAT pattern), one module per tool family.

A format is an entry: the header names that identify it, a mapping from the canonical post columns
(``CANONICAL_COLUMNS``) onto the export's headers, and its rules, written once in SQL (``Format.derive``,
``Format.carries``). Headers are compared after ``normalize_header`` (case, surrounding space, ``_``/``-`` and
repeated spaces do not matter). Adding a format is adding an entry to a family module (or a module for a new
family, listed in ``FORMATS`` below) and a sample file under ``tests/samples/``, not editing the readers.

Where a column lists several headers, every one present is tried in order and the first non-empty value
wins (Brandwatch leaves "Full Text" empty where "Snippet" has the words). ``extras`` are further headers a
format's rules need (a separate time column, a message direction). Custom formats, saved from a column
mapping, live in the database (``custom_formats``).

The canonical columns are text at this stage (the temporary ``tmp_raw`` of an import); staging types them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.core.i18n import N_, _
from pipeline.ingest.formats import generic, hootsuite, listening, meta, reddit, twitter, youtube
from pipeline.ingest.formats.base import CANONICAL_COLUMNS, MAP_TARGET, MAPPABLE_COLUMNS, Format, normalize_header
from pipeline.ingest.formats.generic import GENERIC_ALIASES, platform_if_given
from pipeline.ingest.formats.sql import sql_string, strip_sql

__all__ = [
    "CANONICAL_COLUMNS",
    "FORMATS",
    "FORMATS_BY_NAME",
    "GENERIC_ALIASES",
    "MAPPABLE_COLUMNS",
    "Format",  # i18n: not text (a name)
    "FormatRow",  # i18n: not text (a name)
    "check_format_name",
    "check_mapping",
    "custom_format",
    "describe_formats",
    "detect_format",
    "guess_mapping",
    "normalize_header",
    "sql_string",
    "strip_sql",
]

# In the order ``radar formats`` lists them; the generic layout is tried last whatever its place.
FORMATS: tuple[Format, ...] = (
    *twitter.FORMATS,
    *reddit.FORMATS,
    *youtube.FORMATS,
    *listening.FORMATS,
    *hootsuite.FORMATS,
    *meta.FORMATS,
    *generic.FORMATS,
)
FORMATS_BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def detect_format(header: Sequence[str], extra: Sequence[Format] = ()) -> Format | None:
    """The most specific format (registered or custom) that ``header`` identifies, or None."""
    best, best_score = None, 0
    for fmt in (*extra, *FORMATS):
        score = fmt.matches(header)
        if score > best_score:
            best, best_score = fmt, score
    return best


def custom_format(name: str, mapping: Mapping[str, str], header: Sequence[str]) -> Format:
    """A format from a person's column mapping (``{"text": "Message", ...}``, public column -> header)."""
    columns = {MAP_TARGET.get(column, column): (normalize_header(head),) for column, head in mapping.items()}
    required = tuple(c for c in ("post_id", "created_at", "text") if c in columns)
    return Format(
        name=name,
        description=_("custom format mapped by hand: {mapping}").format(
            mapping=", ".join(f"{c}={h}" for c, h in mapping.items())
        ),
        identify=tuple(normalize_header(head) for head in mapping.values()),
        columns=columns,
        required=required,
        derive=platform_if_given if "platform" in columns else None,
        headers=tuple(header),
        notes="saved from a column mapping; recognised again by the same headers",  # i18n: not text (docs only)
    )


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """A first guess at a mapping from the common column names, for a person to correct."""
    by_name: dict[str, str] = {}
    for name in header:
        by_name.setdefault(normalize_header(name), name)
    guess: dict[str, str] = {}
    for column in MAPPABLE_COLUMNS:
        for alias in GENERIC_ALIASES.get(MAP_TARGET.get(column, column), ()):
            if alias in by_name and by_name[alias] not in guess.values():
                guess[column] = by_name[alias]
                break
    return guess


_FORMAT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,59}")


def check_format_name(name: str) -> str | None:
    """Why ``name`` cannot name a custom format, or None."""
    if not _FORMAT_NAME.fullmatch(name) or name in FORMATS_BY_NAME:
        return _(
            "{name} cannot name a custom format: use letters, digits, - and _ (up to 60), and not the "
            "name of a built-in format"
        ).format(name=repr(name))
    return None


def check_mapping(mapping: Mapping[str, str], header: Sequence[str]) -> str | None:
    """Why ``mapping`` cannot be used on ``header``, or None."""
    unknown = [column for column in mapping if column not in MAPPABLE_COLUMNS]
    if unknown:
        return _("unknown column {column} in the mapping; the columns are: {columns}").format(
            column=repr(unknown[0]), columns=", ".join(MAPPABLE_COLUMNS)
        )
    missing = [column for column in ("created_at", "text") if column not in mapping]
    if len(missing) == 2:
        return _("the mapping must name the {first} and the {second} column").format(
            first=missing[0], second=missing[1]
        )
    if missing:
        return _("the mapping must name the {column} column").format(column=missing[0])
    names = {normalize_header(name) for name in header}
    absent = [head for head in mapping.values() if normalize_header(head) not in names]
    if absent:
        shown = ", ".join(repr(name) for name in header[:20])
        return _("the header has no column {column} (it has {header})").format(column=repr(absent[0]), header=shown)
    return None


@dataclass(frozen=True)
class FormatRow:
    """One line of ``radar formats`` and of the table in docs/formats.md."""

    name: str
    description: str
    identified_by: str
    columns: str = field(default="")


def describe_formats(extra: Sequence[Format] = ()) -> list[FormatRow]:
    rows = []
    for fmt in (*extra, *FORMATS):
        if fmt.generic:
            identified = N_("a text and a timestamp column under any alias below (tried last)")  # _() where shown
        else:
            identified = ", ".join(entry.replace("|", " or ") for entry in fmt.identify)
        mapping = "; ".join(f"{col} <- {' | '.join(heads)}" for col, heads in fmt.columns.items())
        rows.append(FormatRow(fmt.name, fmt.description, identified, mapping))
    return rows
