"""Ingest formats: the SQL pieces the layouts' rules are written with (Python's ``str.strip``, a lookup table,
the platform of a network name or a URL, a handle), over the value expressions a ``derive`` is given."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.ingest.formats.base import Values

# A listening tool's network or source column, as Radar names the platform.
PLATFORM_NAMES = {
    "twitter": "twitter",
    "x": "twitter",
    "x (twitter)": "twitter",
    "twitter/x": "twitter",
    "x/twitter": "twitter",
    "tweet": "twitter",
    "facebook": "facebook",
    "fb": "facebook",
    "facebook page": "facebook",
    "instagram": "instagram",
    "ig": "instagram",
    "youtube": "youtube",
    "reddit": "reddit",
    "tiktok": "tiktok",
    "linkedin": "linkedin",
    "threads": "threads",
    "bluesky": "bluesky",
    "pinterest": "pinterest",
}
# A post URL's host (or a subdomain of it), as the platform.
PLATFORM_HOSTS = (
    ("twitter.com", "twitter"),
    ("x.com", "twitter"),
    ("t.co", "twitter"),
    ("facebook.com", "facebook"),
    ("fb.com", "facebook"),
    ("instagram.com", "instagram"),
    ("youtube.com", "youtube"),
    ("youtu.be", "youtube"),
    ("reddit.com", "reddit"),
    ("tiktok.com", "tiktok"),
    ("linkedin.com", "linkedin"),
    ("threads.net", "threads"),
    ("bsky.app", "bluesky"),
    ("pinterest.com", "pinterest"),
)

# What Python's ``str.strip()`` removes: every character ``isspace()`` is true for, Unicode's too (a no-break
# space pasted from a spreadsheet, an em space), so that a rule strips a value as a person would.
_WHITESPACE_SQL = " || ".join(f"chr({code})" for code in range(0x3001) if chr(code).isspace())


def value(v: Values, name: str) -> str:
    """The expression of a value, ``NULL`` where the layout does not read it."""
    return v.get(name, "NULL")


def strip_sql(expression: str) -> str:
    """Python's ``str.strip()`` in SQL (every Unicode whitespace character); ``''`` for NULL."""
    return f"trim(coalesce({expression}, ''), {_WHITESPACE_SQL})"


def blank_sql(expression: str) -> str:
    """Whether a value is absent or only whitespace."""
    return f"{strip_sql(expression)} = ''"


def sql_string(text: str) -> str:
    """A SQL string literal (for values written into generated SQL, such as a delimiter or a lookup table)."""
    return "'" + text.replace("'", "''") + "'"


def lookup_sql(expression: str, table: Mapping[str, str]) -> str:
    """``table.get(expression)`` in SQL (NULL when absent)."""
    cases = " ".join(f"WHEN {sql_string(key)} THEN {sql_string(found)}" for key, found in table.items())
    return f"CASE {expression} {cases} END"


def platform_from_url_sql(url: str) -> str:
    """The platform of a post's URL by its host (``https://mobile.x.com/...`` is twitter), else NULL. As
    Python's ``urlparse`` reads a URL: tabs and line breaks anywhere are dropped, and control characters and
    spaces before it; a URL without ``//`` has no host."""
    cleaned = rf"regexp_replace(regexp_replace({strip_sql(url)}, '[\t\r\n]', '', 'g'), '^[\x00-\x20]+', '')"
    host = f"lower(split_part(regexp_extract({cleaned}, '^(?:[A-Za-z][A-Za-z0-9+.\\-]*:)?//([^/?#]*)', 1), ':', 1))"
    return (
        "CASE "
        + " ".join(
            f"WHEN {host} = {sql_string(suffix)} OR ends_with({host}, {sql_string('.' + suffix)}) "
            f"THEN {sql_string(name)}"
            for suffix, name in PLATFORM_HOSTS
        )
        + " END"
    )


def platform_sql(platform: str, url: str) -> str:
    """A listening tool's network or source column ("X", "Facebook Page", "news") or the post's URL: a known
    network name, else the URL's host, else the name cleaned (``blogs_forums``), else ``web``."""
    given = f"lower({strip_sql(platform)})"
    first_word = f"regexp_extract({given}, '^\\S+')"
    cleaned = f"nullif(trim(regexp_replace({given}, '[^\\pL\\pN_]+', '_', 'g'), '_'), '')"
    return (
        f"coalesce({lookup_sql(given, PLATFORM_NAMES)}, {platform_from_url_sql(url)}, "
        f"CASE WHEN {given} <> '' THEN coalesce({lookup_sql(first_word, PLATFORM_NAMES)}, {cleaned}) END, "
        "'web')"
    )


def handle_sql(expression: str) -> str:
    """A handle as compared: stripped, without a leading ``@``, lower case."""
    unmarked = f"ltrim({strip_sql(expression)}, '@')"
    return f"lower({strip_sql(unmarked)})"


def date_and_time_sql(v: Values) -> dict[str, str]:
    """Exports that split the timestamp into a date column and a time column: joined, unless the date
    column already holds a time."""
    if "time" not in v:
        return {}
    time, created = strip_sql(v["time"]), value(v, "created_at")
    return {
        "created_at": f"CASE WHEN {time} <> '' AND NOT regexp_matches(coalesce({created}, ''), '\\d:\\d\\d') "
        f"THEN {strip_sql(created)} || ' ' || {time} ELSE {created} END"
    }
