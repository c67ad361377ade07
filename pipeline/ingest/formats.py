"""Ingest: the registry of export layouts (the 4CAT pattern).

A format is an entry: the header names that identify it and a mapping from the canonical post columns
(``CANONICAL_COLUMNS``) onto the export's headers. Headers are compared after ``normalize_header``
(case, surrounding space, ``_``/``-`` and repeated spaces do not matter). Adding a format is adding an
entry here and a sample file under ``tests/samples/``, not editing the parser.

Where a column lists several headers, every one present is tried in order and the first non-empty value
wins (Brandwatch leaves "Full Text" empty where "Snippet" has the words). ``extras`` are further headers a
format's ``derive`` needs (a separate time column, a message direction); ``carries`` lets one row hold two
posts (a comment export repeats the post on every comment row: the post is emitted once, then the comment
as its reply). Custom formats, saved from a column mapping, live in the database (``custom_formats``).

The canonical columns are text at this stage (the temporary ``tmp_raw`` of an import); staging types them.

``derive_sql`` is a format's ``derive`` written as SQL over the same values, for the load that DuckDB reads
itself (``load.py``); a format without one (or with ``carries``) is read row by row in Python. The two must
agree: ``tests/test_fast_load.py`` loads every sample both ways and compares the tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

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

# What ``--map COLUMN=HEADER`` accepts: the public ``posts`` columns an export can fill.
MAPPABLE_COLUMNS: dict[str, str] = {
    "post_id": "the post's id (else one is derived from author, time and text)",
    "created_at": "when it was posted (required)",
    "author_id": "who posted it: handle or name",
    "text": "the words of the post (required)",
    "parent_id": "the id of the post it replies to",
    "thread_id": "a conversation id shared by every message of a thread",
    "platform": "twitter, facebook, instagram, ...",
    "is_brand": "true for the brand's own posts",
    "brand": "the brand the post is addressed to",
    "vendor_sentiment": "positive / neutral / negative as the tool exported it",
    "likes": "likes or reactions",
    "shares": "shares, retweets or reposts",
    "reach": "reach, impressions or followers",
    "url": "link to the post",
    "lang": "language code",
}
# ``thread_id`` in the public schema is the root post; an export gives a conversation id, stored as thread_key.
_MAP_TARGET = {"thread_id": "thread_key"}

_SEPARATORS = re.compile(r"[\s_\-]+")
_UNIT_SUFFIX = re.compile(r"\s*\([^()]*\)$")  # "Date (UTC)", "Timestamp (ET)", "Reach (new)"
_MENTION = re.compile(r"@(\w{1,50})")
_STATUS_URL = re.compile(r"(?:twitter|x)\.com/(\w+)/status", re.IGNORECASE)
_FACEBOOK_PAGE = re.compile(r"facebook\.com/([^/?#]+)/", re.IGNORECASE)
_HAS_TIME = re.compile(r"\d:\d\d")


def normalize_header(name: str) -> str:
    """``" In_Reply-To "`` -> ``"in reply to"``, ``"Date (UTC)"`` -> ``"date"``: how headers are compared
    (a trailing unit or time zone in brackets is dropped)."""
    return _SEPARATORS.sub(" ", _UNIT_SUFFIX.sub("", name.replace("\ufeff", "").strip())).strip().lower()


Values = dict[str, str]


@dataclass(frozen=True)
class Format:
    """One export layout.

    ``columns`` maps a canonical column to header candidates; ``extras`` maps further names, handed to
    ``derive`` only. ``required`` canonical columns must be found; every ``identify`` entry must be present
    for the layout to be recognised (``"a|b"`` means either; the generic layout has none and is tried last).
    ``derive`` may fill or fix the values of one row, e.g. turn TWCS ``inbound`` into ``is_brand``.
    ``header_rows`` counts header rows (Facebook Insights has a second row of descriptions).
    ``carries`` returns the posts a row holds besides its own (emitted once per file, before the row).
    ``derive_sql`` is ``derive`` as SQL: given an expression per value name, it returns the expressions it
    replaces (a value the format does not read is ``NULL``).
    """

    name: str
    description: str
    identify: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ("created_at",)
    platform: str | None = None
    derive: Callable[[Values], None] | None = None
    generic: bool = False
    notes: str = ""
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    header_rows: int = 1
    carries: Callable[[Values], list[Values]] | None = None
    headers: tuple[str, ...] = ()  # a custom format: the full header it was saved from
    derive_sql: Callable[[Mapping[str, str]], dict[str, str]] | None = None

    @property
    def sql_readable(self) -> bool:
        """Whether DuckDB can read this layout by itself: every row is one post and the derive has SQL."""
        return self.carries is None and (self.derive is None or self.derive_sql is not None)

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

    def values(self, plan: Mapping[str, list[int]], fields: Sequence[str]) -> Values:
        """One row's values by name: the first non-empty of the candidate columns."""
        out: Values = {}
        width = len(fields)
        for name, indexes in plan.items():
            if len(indexes) == 1:  # the common case, kept cheap: it runs for every row of every file
                index = indexes[0]
                out[name] = fields[index] if index < width else ""
                continue
            value = ""
            for index in indexes:
                if index < width and fields[index].strip():
                    value = fields[index]
                    break
            out[name] = value
        return out

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


# --- derive helpers ---------------------------------------------------------------------------------------

_PLATFORM_NAMES = {
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
_PLATFORM_HOSTS = (
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


def platform_from_url(url: str) -> str | None:
    try:
        host = urlparse(url.strip()).netloc.lower().split(":")[0]
    except ValueError:
        return None
    for suffix, platform in _PLATFORM_HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return platform
    return None


def _platform(values: Values) -> None:
    """A listening tool's network or source column ("X", "Facebook Page", "news") or the post's URL."""
    given = values.get("platform", "").strip().lower()
    known = _PLATFORM_NAMES.get(given) or platform_from_url(values.get("url", ""))
    if not known and given:
        known = _PLATFORM_NAMES.get(given.split()[0], re.sub(r"\W+", "_", given).strip("_"))
    values["platform"] = known or "web"


def _date_and_time(values: Values) -> None:
    """Exports that split the timestamp into a date column and a time column."""
    time = values.pop("time", "").strip()
    if time and not _HAS_TIME.search(values.get("created_at", "")):
        values["created_at"] = f"{values.get('created_at', '').strip()} {time}"


def _handle(value: str) -> str:
    return value.strip().lstrip("@").strip().lower()


def _mention_tool(values: Values) -> None:
    """Listening and inbox tools: a date and a time column, a network or source, and the brand profile the
    message belongs to (a message from that profile is the brand's own)."""
    _date_and_time(values)
    source = values.pop("source_name", "").strip().lower()
    if not values.get("platform", "").strip() and source in _PLATFORM_NAMES:
        values["platform"] = source
    _platform(values)
    profile = _handle(values.get("brand", ""))
    if profile and _handle(values.get("author_id", "")) == profile and not values.get("is_brand"):
        values["is_brand"] = "true"


# --- the same derives as SQL (over expressions that are never NULL where the format reads the value) -----

_WHITESPACE_SQL = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"


def strip_sql(expression: str) -> str:
    """Python's ``str.strip()`` (ASCII whitespace) in SQL."""
    return f"trim(coalesce({expression}, ''), {_WHITESPACE_SQL})"


def _date_and_time_sql(v: Mapping[str, str]) -> dict[str, str]:
    if "time" not in v:
        return {}
    time, created = strip_sql(v["time"]), v.get("created_at", "NULL")
    return {
        "created_at": f"CASE WHEN {time} <> '' AND NOT regexp_matches(coalesce({created}, ''), '\\d:\\d\\d') "
        f"THEN {strip_sql(created)} || ' ' || {time} ELSE {created} END"
    }


def sql_string(value: str) -> str:
    """A SQL string literal (for values written into generated SQL, such as a delimiter or a lookup table)."""
    return "'" + value.replace("'", "''") + "'"


def _lookup_sql(expression: str, table: Mapping[str, str]) -> str:
    """``table.get(expression)`` in SQL (NULL when absent)."""
    cases = " ".join(f"WHEN {sql_string(key)} THEN {sql_string(value)}" for key, value in table.items())
    return f"CASE {expression} {cases} END"


def _platform_sql(platform: str, url: str) -> str:
    """``_platform``: a known network name, else the URL's host, else a cleaned name, else ``web``."""
    given = f"lower({strip_sql(platform)})"
    host = (
        f"lower(split_part(regexp_extract({strip_sql(url)}, '^(?:[A-Za-z][A-Za-z0-9+.\\-]*:)?//([^/?#]*)', 1), ':', 1))"
    )
    from_url = (
        "CASE "
        + " ".join(
            f"WHEN {host} = {sql_string(suffix)} OR ends_with({host}, {sql_string('.' + suffix)}) "
            f"THEN {sql_string(name)}"
            for suffix, name in _PLATFORM_HOSTS
        )
        + " END"
    )
    first_word = f"regexp_extract({given}, '^\\S+')"
    cleaned = f"nullif(trim(regexp_replace({given}, '[^\\pL\\pN_]+', '_', 'g'), '_'), '')"
    return (
        f"coalesce({_lookup_sql(given, _PLATFORM_NAMES)}, {from_url}, "
        f"CASE WHEN {given} <> '' THEN coalesce({_lookup_sql(first_word, _PLATFORM_NAMES)}, {cleaned}) END, "
        "'web')"
    )


def _handle_sql(expression: str) -> str:
    """``_handle``: stripped, without a leading ``@``, lower case."""
    unmarked = f"ltrim({strip_sql(expression)}, '@')"
    return f"lower({strip_sql(unmarked)})"


def _mention_tool_sql(v: Mapping[str, str]) -> dict[str, str]:
    out = _date_and_time_sql(v)
    platform = v.get("platform", "NULL")
    if "source_name" in v:
        source = f"lower({strip_sql(v['source_name'])})"
        names = ", ".join(sql_string(name) for name in _PLATFORM_NAMES)
        platform = f"CASE WHEN {strip_sql(platform)} = '' AND {source} IN ({names}) THEN {source} ELSE {platform} END"
    out["platform"] = _platform_sql(platform, v.get("url", "NULL"))
    profile, author, is_brand = (
        _handle_sql(v.get("brand", "NULL")),
        v.get("author_id", "NULL"),
        v.get("is_brand", "NULL"),
    )
    out["is_brand"] = (
        f"CASE WHEN {profile} <> '' AND {_handle_sql(author)} = {profile} "
        f"AND coalesce({is_brand}, '') = '' THEN 'true' ELSE {is_brand} END"
    )
    return out


def _hootsuite_sql(v: Mapping[str, str]) -> dict[str, str]:
    direction = f"lower({strip_sql(v.get('direction', 'NULL'))})"
    is_brand = f"coalesce({_lookup_sql(direction, _DIRECTIONS)}, '')"
    brand = v.get("brand", "NULL")
    author = (
        f"CASE WHEN {is_brand} = 'true' AND {strip_sql(brand)} <> '' THEN {brand} ELSE {v.get('author_id', 'NULL')} END"
    )
    values = {**v, "is_brand": is_brand, "author_id": author}
    return {"author_id": author, **_mention_tool_sql(values)}


def _invert_bool_sql(v: Mapping[str, str]) -> dict[str, str]:
    return {
        "is_brand": f"CASE lower({strip_sql(v.get('is_brand', 'NULL'))}) WHEN 'true' THEN 'false' "
        "WHEN 'false' THEN 'true' ELSE '' END"
    }


def _author_from_permalink_sql(v: Mapping[str, str]) -> dict[str, str]:
    url, author = f"coalesce({v.get('url', 'NULL')}, '')", v.get("author_id", "NULL")
    pattern = "'(?i)(?:twitter|x)\\.com/([\\pL\\pN_]+)/status'"
    return {
        "author_id": f"CASE WHEN coalesce({author}, '') = '' AND regexp_matches({url}, {pattern}) "
        f"THEN regexp_extract({url}, {pattern}, 1) ELSE {author} END",
        "is_brand": "'true'",
    }


def _invert_bool(values: Values) -> None:
    """TWCS says ``inbound``: True for the customer, False for the brand."""
    inbound = values.get("is_brand", "").strip().lower()
    values["is_brand"] = {"true": "false", "false": "true"}.get(inbound, "")


def _author_from_permalink(values: Values) -> None:
    """Twitter Analytics exports only the account's own tweets; the account is in the permalink."""
    match = _STATUS_URL.search(values.get("url", ""))
    if match and not values.get("author_id"):
        values["author_id"] = match.group(1)
    values["is_brand"] = "true"


def _page_posts(values: Values) -> None:
    """Facebook Insights and Meta Business Suite list the page's (or account's) own posts."""
    values["is_brand"] = "true"
    if not values.get("author_id"):
        match = _FACEBOOK_PAGE.search(values.get("url", ""))
        if match:
            values["author_id"] = match.group(1)
    is_instagram = values.pop("instagram", "") or platform_from_url(values.get("url", "")) == "instagram"
    values["platform"] = "instagram" if is_instagram else "facebook"


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


def _hootsuite(values: Values) -> None:
    """Hootsuite Inbox: one row per message; the direction tells the team's replies from the customer's."""
    values["is_brand"] = _DIRECTIONS.get(values.pop("direction", "").strip().lower(), "")
    if values["is_brand"] == "true" and values.get("brand", "").strip():
        values["author_id"] = values["brand"]  # a reply goes out as the brand's account, whoever the agent was
    _mention_tool(values)


def _json_text(value: str) -> str:
    """YouTube Takeout wraps comment text in JSON: ``{"text":"Nice"},{"text":" video"}`` (one object per
    segment, sometimes in a list). Every "text" is joined; anything that is not JSON is kept as it is."""
    stripped = value.strip()
    if not stripped.startswith(("{", "[")):
        return value
    try:
        parsed = json.loads(stripped if stripped.startswith("[") else f"[{stripped}]")
    except ValueError:
        return value
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for key, child in node.items():
                if key != "text":
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(parsed)
    return "".join(parts) if parts else value


def _youtube(values: Values) -> None:
    values["text"] = _json_text(values.get("text", ""))
    video = values.pop("video_id", "").strip()
    if video and not values.get("url"):
        values["url"] = f"https://www.youtube.com/watch?v={video}&lc={values.get('post_id', '').strip()}"


_REDDIT_PREFIX = re.compile(r"^t\d_")


def _reddit(values: Values) -> None:
    """Pushshift: ids may carry ``t1_`` (comment) / ``t3_`` (submission) prefixes; a comment's parent is a
    comment or the submission; a submission's text is its title and self text."""
    for key in ("post_id", "parent_id"):
        values[key] = _REDDIT_PREFIX.sub("", values.get(key, "").strip())
    link = _REDDIT_PREFIX.sub("", values.pop("link_id", "").strip())
    if not values["parent_id"] and link and link != values["post_id"]:
        values["parent_id"] = link
    title, body = values.pop("title", "").strip(), values.pop("selftext", "").strip()
    if not values.get("text", "").strip():
        values["text"] = "\n\n".join(part for part in (title, body) if part)
    url = values.get("url", "").strip()
    if url.startswith("/"):
        values["url"] = "https://www.reddit.com" + url
    values["thread_key"] = link or values["post_id"]


def _twarc(values: Values) -> None:
    """twarc-csv: a reply names the tweet it replies to; the conversation id is the thread's first tweet."""
    conversation = values.get("thread_key", "").strip()
    post_id = values.get("post_id", "").strip()
    if not values.get("parent_id", "").strip() and conversation and conversation != post_id:
        values["parent_id"] = conversation
    username = values.pop("username", "").strip()
    if username:
        values["author_id"] = username
    if not values.get("url") and username and post_id:
        values["url"] = f"https://twitter.com/{username}/status/{post_id}"


def _meta_comments(values: Values) -> None:
    """Facebook/Instagram comment export: the row is a comment; its parent is the comment it answers, else
    the post."""
    post_id = values.get("post_post_id", "").strip()
    if not values.get("parent_id", "").strip():
        values["parent_id"] = post_id
    is_instagram = (
        bool(values.get("instagram"))
        or platform_from_url(values.get("post_url", "") or values.get("url", "")) == "instagram"
    )
    values["platform"] = _PLATFORM_NAMES.get(
        values.get("platform", "").strip().lower(), "instagram" if is_instagram else "facebook"
    )


def _meta_comment_post(values: Values) -> list[Values]:
    """The post a comment row repeats, as a post of its own (by the page, so a brand post)."""
    post_id, created = values.get("post_post_id", "").strip(), values.get("post_created", "").strip()
    if not post_id or not created:
        return []
    return [
        {
            "post_id": post_id,
            "created_at": created,
            "text": values.get("post_text", ""),
            "author_id": values.get("post_author", ""),
            "is_brand": "true",
            "url": values.get("post_url", ""),
            "platform": values.get("platform", ""),
        }
    ]


GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("post id", "id", "message id", "tweet id", "comment id", "status id", "mention id", "guid"),
    "created_at": (
        "created at",
        "timestamp",
        "date",
        "datetime",
        "date time",
        "time",
        "published",
        "published at",
        "created",
        "created time",
        "posted",
        "post date",
        "publish time",
        "sent at",
        "datum",
        "fecha",
        "data",
        "date de publication",
        "fecha de publicación",
        "erstellt am",
        "zeitpunkt",
        "data publikacji",
        "data pubblicazione",
    ),
    "author_id": (
        "author id",
        "author",
        "user",
        "username",
        "user name",
        "screen name",
        "handle",
        "author handle",
        "from",
        "account",
        "user id",
        "name",
        "autor",
        "auteur",
        "autore",
        "usuario",
        "benutzer",
        "nutzer",
        "użytkownik",
        "utente",
        "utilisateur",
    ),
    "text": (
        "text",
        "message",
        "content",
        "body",
        "post text",
        "post message",
        "comment",
        "full text",
        "snippet",
        "caption",
        "tekst",
        "texto",
        "texte",
        "testo",
        "nachricht",
        "mensaje",
        "inhalt",
        "contenido",
        "treść",
        "beitrag",
        "kommentar",
        "comentario",
        "commentaire",
        "commento",
        "messaggio",
    ),
    "parent_id": (
        "parent id",
        "in reply to",
        "in reply to id",
        "reply to",
        "in response to",
        "parent",
        "parent post id",
        "in reply to status id",
    ),
    "platform": ("platform", "network", "channel", "source", "site", "plataforma", "plattform", "red social"),
    "is_brand": ("is brand", "from brand", "brand reply"),
    "brand": ("brand", "profile", "addressed to", "marca", "marke", "marque"),
    "vendor_sentiment": ("sentiment", "vendor sentiment", "tone", "sentimiento", "stimmung", "sentyment"),
    "likes": (
        "likes",
        "like count",
        "favorites",
        "favourites",
        "reactions",
        "me gusta",
        "gefällt mir",
        "j'aime",
        "polubienia",
        "mi piace",
    ),
    "shares": (
        "shares",
        "share count",
        "retweets",
        "reposts",
        "compartidos",
        "geteilt",
        "partages",
        "udostępnienia",
        "condivisioni",
    ),
    "reach": (
        "reach",
        "followers",
        "impressions",
        "audience",
        "potential reach",
        "alcance",
        "reichweite",
        "portée",
        "zasięg",
        "copertura",
    ),
    "url": ("url", "link", "permalink", "enlace", "lien"),
    "lang": ("lang", "language", "idioma", "sprache", "langue", "język", "lingua"),
    "thread_key": ("conversation id", "thread id"),
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
        derive_sql=_invert_bool_sql,
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
        notes="airline_sentiment is kept as vendor_sentiment (and used as the post's label); the airline "
        "column names the brand, and an @mention of another brand wins over it.",
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
        derive_sql=_author_from_permalink_sql,
        notes="Every row is the exporting account's own tweet; the author comes from the permalink.",
    ),
    Format(
        name="twarc",
        description="twarc-csv (Twitter API v2 tweets flattened by `twarc2 csv`)",
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
    Format(
        name="reddit_pushshift",
        description="Reddit comments or submissions as Pushshift-style CSV (created_utc, link_id, parent_id)",
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
    Format(
        name="youtube_takeout",
        description="YouTube comments.csv from Google Takeout (comment text wrapped in JSON)",
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
    Format(
        name="brandwatch",
        description="Brandwatch Consumer Research mention export (report rows above the header are skipped)",
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
        derive=_mention_tool,
        derive_sql=_mention_tool_sql,
        notes="Dates are in the time zone the export was made in (give --tz); the page type becomes the "
        "platform; Full Text, else Snippet, else Title is the text.",
    ),
    Format(
        name="meltwater",
        description="Meltwater mention export (UTF-16 with BOM, tab-delimited, a title row above the header)",
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
        derive=_mention_tool,
        derive_sql=_mention_tool_sql,
        notes="Date and Time columns are joined and read in the import's time zone; the platform comes from "
        "the URL or a social Source Name, else it is web.",
    ),
    Format(
        name="sprout_social",
        description="Sprout Social message or listening export (network, profile, message)",
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
        derive=_mention_tool,
        derive_sql=_mention_tool_sql,
        notes="Profile is the brand profile the message belongs to.",
    ),
    Format(
        name="brand24",
        description="Brand24 mentions export (source, author, content, sentiment, influence score)",
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
        derive=_mention_tool,
        derive_sql=_mention_tool_sql,
        notes="Date and Hour are joined; Content, else Title, is the text.",
    ),
    Format(
        name="hootsuite_inbox",
        description="Hootsuite Inbox message export (one row per message; Conversation ID is the thread)",
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
        derive_sql=_hootsuite_sql,
        notes="Direction Outbound (or an agent as author type) marks the team's replies, whose authors become "
        "brand accounts; messages of one conversation chain in time order.",
    ),
    Format(
        name="facebook_insights",
        description="Facebook Insights post-level export (a second header row of descriptions, repeated columns)",
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
        description="Meta Business Suite post export, Facebook or Instagram (Publish time MM/DD/YYYY HH:MM)",
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
        description="Facebook or Instagram comment export: post columns plus comment columns, one comment per row",
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
    Format(
        name="generic",
        description="Generic post table: id, timestamp, author, text, optional parent id, platform, likes, "
        "shares, reach (common aliases accepted, also in Spanish, German, French, Italian and Polish); also "
        "European spreadsheet CSV (semicolons, decimal comma, day-first dates, cp1252)",
        identify=(),
        columns=GENERIC_ALIASES,
        extras={"time": ("time", "hour", "uhrzeit", "hora", "heure", "godzina", "ora")},
        required=("created_at", "text"),
        derive=_date_and_time,
        derive_sql=_date_and_time_sql,
        generic=True,
        notes="Without a post id column, an id is derived from author, time and text. A date column and a "
        "separate time column are joined. Semicolon files read numbers with a decimal comma and "
        "ambiguous dates day first.",
    ),
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
    columns = {_MAP_TARGET.get(column, column): (normalize_header(head),) for column, head in mapping.items()}
    required = tuple(c for c in ("post_id", "created_at", "text") if c in columns)
    return Format(
        name=name,
        description=f"custom format mapped by hand: {', '.join(f'{c}={h}' for c, h in mapping.items())}",
        identify=tuple(normalize_header(head) for head in mapping.values()),
        columns=columns,
        required=required,
        derive=_platform_if_given if "platform" in columns else None,
        derive_sql=_platform_if_given_sql if "platform" in columns else None,
        headers=tuple(header),
        notes="saved from a column mapping; recognised again by the same headers",
    )


def _platform_if_given(values: Values) -> None:
    if values.get("platform", "").strip():
        _platform(values)


def _platform_if_given_sql(v: Mapping[str, str]) -> dict[str, str]:
    platform = v.get("platform", "NULL")
    return {
        "platform": f"CASE WHEN {strip_sql(platform)} <> '' THEN {_platform_sql(platform, v.get('url', 'NULL'))} "
        f"ELSE {platform} END"
    }


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """A first guess at a mapping from the common column names, for a person to correct."""
    by_name: dict[str, str] = {}
    for name in header:
        by_name.setdefault(normalize_header(name), name)
    guess: dict[str, str] = {}
    for column in MAPPABLE_COLUMNS:
        for alias in GENERIC_ALIASES.get(_MAP_TARGET.get(column, column), ()):
            if alias in by_name and by_name[alias] not in guess.values():
                guess[column] = by_name[alias]
                break
    return guess


_FORMAT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,59}")


def check_format_name(name: str) -> str | None:
    """Why ``name`` cannot name a custom format, or None."""
    if not _FORMAT_NAME.fullmatch(name) or name in FORMATS_BY_NAME:
        return (
            f"{name!r} cannot name a custom format: use letters, digits, - and _ (up to 60), and not the "
            "name of a built-in format"
        )
    return None


def check_mapping(mapping: Mapping[str, str], header: Sequence[str]) -> str | None:
    """Why ``mapping`` cannot be used on ``header``, or None."""
    unknown = [column for column in mapping if column not in MAPPABLE_COLUMNS]
    if unknown:
        return f"unknown column {unknown[0]!r} in the mapping; the columns are: {', '.join(MAPPABLE_COLUMNS)}"
    missing = [column for column in ("created_at", "text") if column not in mapping]
    if missing:
        return f"the mapping must name the {' and the '.join(missing)} column"
    names = {normalize_header(name) for name in header}
    absent = [head for head in mapping.values() if normalize_header(head) not in names]
    if absent:
        shown = ", ".join(repr(name) for name in header[:20])
        return f"the header has no column {absent[0]!r} (it has {shown})"
    return None


@dataclass(frozen=True)
class FormatRow:
    """One line of ``radar formats`` and of the README table."""

    name: str
    description: str
    identified_by: str
    columns: str = field(default="")


def describe_formats(extra: Sequence[Format] = ()) -> list[FormatRow]:
    rows = []
    for fmt in (*extra, *FORMATS):
        if fmt.generic:
            identified = "a text and a timestamp column under any alias below (tried last)"
        else:
            identified = ", ".join(entry.replace("|", " or ") for entry in fmt.identify)
        mapping = "; ".join(f"{col} <- {' | '.join(heads)}" for col, heads in fmt.columns.items())
        rows.append(FormatRow(fmt.name, fmt.description, identified, mapping))
    return rows
