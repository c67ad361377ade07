"""Brands: which accounts are brands, under one canonical name each, and how posts are attributed to them.

Reads and writes ``brands`` (one row per canonical brand) and ``brand_aliases`` (the handles and names that
stand for it). A brand is an account the data shows acting as a brand (an export marks its posts as the
brand's: TWCS ``inbound=False``, an inbox's outbound messages, a page's own posts), a brand an export names
as the subject of a mention (a listening tool's query, the airline data set's ``airline``), or one a person
added. A personal account that is only mentioned never becomes a brand by itself; the import report
suggests frequently mentioned accounts instead (``suggest_brands``).

**Alias key**: lower case, accents stripped, everything but letters and digits removed, so that
``@USAirways``, ``US Airways`` and ``us_airways`` are one key. An alias is a ``handle`` (an account that
posts: its posts are the brand's) or a ``name`` (what people write: ``US Airways``).

**Attribution** of a customer post (``pipeline.normalize``), first match wins: the first @mention whose key
is an alias of a brand; the brand that replied first in its thread; the brand the export names; the first
brand name in its text as a whole word (case- and accent-insensitive); the one brand that replies in its
export. A brand post belongs to the brand of
its author's handle.

**Role**: a brand is ``ours`` (the team answers for it), a ``competitor`` (compared with ours: share of voice,
sentiment, themes and crises; response times only where its own replies are in the data, as for any brand),
or not said. Roles change no attribution.

Every change of a brand or alias bumps the data version: the facts and analytics are rebuilt from it (``radar brands``, the
Data page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from pipeline.core import db
from pipeline.core.access import record_change
from pipeline.core.i18n import N_, Nn_, _, fmt_int, ngettext

key_sql = db.alias_key_sql


def alias_key(con: duckdb.DuckDBPyConnection, text: str) -> str:
    return db.scalar(con, f"SELECT {key_sql('?')}", [text]) or ""


def display_handle(text: str) -> str:
    """``" @SprintCare "`` -> ``"sprintcare"``: a handle as a canonical brand name (lower case, no ``@``)."""
    return text.strip().lstrip("@").strip().lower()


class BrandError(ValueError):
    """A brand change that cannot be made; the message says why."""


@dataclass(frozen=True)
class BrandChange:
    """What a brand change did, in words for the CLI and the Data page (``message``, in the current language;
    ``logged``: the same in English, as the audit log keeps it)."""

    message: str
    changed: bool = True
    logged: str | None = None


def _change(message: str, *, changed: bool = True, **values: str) -> BrandChange:
    """A change in words: ``message`` (an English message marked with ``N_``) filled with ``values``."""
    return BrandChange(_(message).format(**values), changed, message.format(**values))


def _recorded(con, change: BrandChange) -> BrandChange:
    record_change(con, "brands", change.logged or change.message)
    return change


def _brand_of_key(con, key: str) -> str | None:
    return db.scalar(
        con, "SELECT brand FROM brand_aliases WHERE key = ? ORDER BY kind = 'handle' DESC, brand LIMIT 1", [key]
    )


MAX_NAME_CHARS = 100  # a brand's name or alias; longer text is not a name (and would slow every match)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HANDLE_SHAPE = re.compile(r"@?\w+")


def _insert_alias(con, key: str, kind: str, alias: str, brand: str) -> bool:
    if db.first_row(con, "SELECT 1 FROM brand_aliases WHERE key = ? AND kind = ? AND alias = ?", [key, kind, alias]):
        return False
    con.execute("INSERT INTO brand_aliases VALUES (?, ?, ?, ?)", [key, kind, alias, brand])
    return True


def _clean(text: str | None) -> str:
    """A name as stored: trimmed, runs of white space made one space."""
    return " ".join((text or "").split())


# Why a text cannot be a brand's name or handle, one whole message for each thing it was given as (``what``).
_HOLDS_CONTROL = {
    "value": N_("a brand {text} holds control characters"),
    "brand_name": N_("the brand name {text} holds control characters"),
    "handle": N_("the handle {text} holds control characters"),
    "name": N_("the name {text} holds control characters"),
    "new_name": N_("the new name {text} holds control characters"),
}
_TOO_LONG = {
    "value": Nn_("a brand is {n} character long; at most {most}", "a brand is {n} characters long; at most {most}"),
    "brand_name": Nn_(
        "the brand name is {n} character long; at most {most}", "the brand name is {n} characters long; at most {most}"
    ),
    "handle": Nn_(
        "the handle is {n} character long; at most {most}", "the handle is {n} characters long; at most {most}"
    ),
    "name": Nn_("the name is {n} character long; at most {most}", "the name is {n} characters long; at most {most}"),
    "new_name": Nn_(
        "the new name is {n} character long; at most {most}", "the new name is {n} characters long; at most {most}"
    ),
}
_NO_LETTER = {
    "value": N_("a brand {text} needs at least one letter or digit"),
    "brand_name": N_("the brand name {text} needs at least one letter or digit"),
    "handle": N_("the handle {text} needs at least one letter or digit"),
    "name": N_("the name {text} needs at least one letter or digit"),
    "new_name": N_("the new name {text} needs at least one letter or digit"),
}


def _checked(con, text: str, what: str) -> tuple[str, str]:
    """(the cleaned text, its key), or BrandError saying why it cannot be a brand's name or handle; ``what``
    says what the text was given as: ``value`` (a value an export gives), ``brand_name``, ``handle``, ``name``,
    ``new_name``."""
    if _CONTROL.search(text or ""):
        raise BrandError(_(_HOLDS_CONTROL[what]).format(text=repr(text[:40])))
    cleaned = _clean(text)
    if len(cleaned) > MAX_NAME_CHARS:
        raise BrandError(ngettext(*_TOO_LONG[what], len(cleaned)).format(n=fmt_int(len(cleaned)), most=MAX_NAME_CHARS))
    key = alias_key(con, cleaned)
    if not key:
        raise BrandError(_(_NO_LETTER[what]).format(text=repr(cleaned)))
    return cleaned, key


def register(con: duckdb.DuckDBPyConnection, values: Iterable[str], *, kind: str, source: str) -> list[str]:
    """Make each value a brand alias: a value whose key an existing brand already has joins that brand;
    any other value becomes a new brand. Returns the brands that were new. ``kind`` is ``handle`` (an
    account the data shows acting as a brand) or ``name`` (a brand an export names). Values that cannot be
    a name (no letter or digit, control characters, over ``MAX_NAME_CHARS``) are passed over."""
    if kind not in ("handle", "name"):
        raise BrandError(f"unknown alias kind {kind!r}")  # i18n: not text (a programming error)
    added, changed = [], False
    for value in values:
        try:
            text, key = _checked(con, value, "value")
        except BrandError:
            continue
        brand = _brand_of_key(con, key)
        if brand is None:
            brand = display_handle(text) if kind == "handle" else text
            if db.first_row(con, "SELECT 1 FROM brands WHERE brand = ?", [brand]):
                brand = f"{brand} ({kind})"  # a different key that displays the same: keep both apart
            con.execute("INSERT INTO brands (brand, source, added_at) VALUES (?, ?, now())", [brand, source])
            added.append(brand)
        changed |= _insert_alias(con, key, kind, text.lstrip("@") if kind == "handle" else text, brand)
    if changed or added:
        db.bump_data_version(con)
    return added


def find_brand(con: duckdb.DuckDBPyConnection, text: str) -> str | None:
    """The canonical brand a name or handle stands for (``"@USAirways"`` -> ``"US Airways"``), or None."""
    found = db.scalar(con, "SELECT brand FROM brands WHERE brand = ?", [text])
    if found is None:
        key = alias_key(con, _clean(text))
        found = _brand_of_key(con, key) if key else None
    return found


def _require(con, brand: str) -> str:
    found = find_brand(con, brand)
    if found is None:
        raise BrandError(
            _(
                "no brand {brand}; `radar brands` lists them (to make it a handle of a brand: "
                "`radar brands add BRAND --handle {handle}`)"
            ).format(brand=repr(brand), handle=brand)
        )
    return found


def add_brand(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    handles: Iterable[str] = (),
    names: Iterable[str] = (),
    source: str = "added by a person",  # i18n: not text (brands.source, data)
    role: str | None = None,
) -> BrandChange:
    """Add a brand (or aliases to an existing one): ``name`` is how it is shown (``@name`` also makes it a
    handle); ``handles`` are its accounts (their posts are the brand's); ``names`` are words people write for
    it (matched whole). An @mention of any of them is attributed to the brand. ``role``: see ``set_role``."""
    role = _checked_role(role) if role is not None else None
    name, key = _checked(con, name, "brand_name")
    is_handle = name.startswith("@") and bool(_HANDLE_SHAPE.fullmatch(name))
    name = name.lstrip("@") if is_handle else name
    handle_keys = [_checked(con, h, "handle") for h in handles if h and h.strip()]
    name_keys = [_checked(con, n, "name") for n in names if n and n.strip()]
    existing = db.scalar(con, "SELECT brand FROM brands WHERE brand = ?", [name])
    for alias, alias_key_ in [(name, key), *handle_keys, *name_keys]:
        owner = _brand_of_key(con, alias_key_)
        if owner is not None and owner != (existing or name):
            raise BrandError(
                _(
                    "{alias} already stands for the brand {owner} (`radar brands` lists its handles "
                    "and names; `radar brands add {owner} --alias ...` gives it more)"
                ).format(alias=repr(alias), owner=repr(owner))
            )
    role_changed = False
    if existing is None:
        con.execute("INSERT INTO brands (brand, source, added_at, role) VALUES (?, ?, now(), ?)", [name, source, role])
        if role is not None:
            _bump_roles(con)
    elif role is not None:
        role_changed = set_role(con, name, role).changed
    new_aliases = int(_insert_alias(con, key, "name", name, name))
    if is_handle:
        new_aliases += _insert_alias(con, key, "handle", name, name)
    for handle, handle_key in handle_keys:
        new_aliases += _insert_alias(con, handle_key, "handle", handle.lstrip("@"), name)
    for alias, alias_key_ in name_keys:
        new_aliases += _insert_alias(con, alias_key_, "name", alias, name)
    if existing is not None and not new_aliases:
        if role_changed:
            return _recorded(con, _change(NOW_ROLE[role], changed=False, brand=name))
        return _change(N_("{brand}: nothing new"), changed=False, brand=name)
    db.bump_data_version(con)
    if existing is None:
        return _recorded(con, _change(N_("added brand {brand}"), brand=repr(name)))
    return _recorded(con, _change(N_("updated brand {brand}"), brand=repr(name)))


ROLES = ("ours", "competitor")
ROLE_NAMES = {"ours": N_("ours"), "competitor": N_("a competitor"), None: N_("not said")}  # _() where shown
# A change of role in words, whole sentences per role (``{brand}`` is the brand's name).
NOW_ROLE: dict[str | None, str] = {
    "ours": N_("{brand} is now ours"),
    "competitor": N_("{brand} is now a competitor"),
    None: N_("{brand}: role forgotten"),
}
ROLE_ALREADY = {
    "ours": N_("{brand} is ours already"),
    "competitor": N_("{brand} is a competitor already"),
    None: N_("{brand} is not said already"),
}


def _checked_role(role: str | None) -> str | None:
    text = (role or "").strip().lower()
    if text in ("", "none", "unset", "not said"):
        return None
    if text not in ROLES:
        raise BrandError(_("a brand's role is 'ours' or 'competitor' (or 'unset'), not {role}").format(role=repr(role)))
    return text


def _bump_roles(con) -> None:
    db.set_meta(con, "roles_version", str(int(db.get_meta(con, "roles_version") or 0) + 1))


def set_role(con: duckdb.DuckDBPyConnection, brand: str, role: str | None) -> BrandChange:
    """Say whose a brand is: ``ours`` (the brands the team answers for) or ``competitor``; ``None`` or
    ``"unset"`` forgets it. A role changes how a brand is compared and alerted, not which posts are its own:
    the facts stay as they are and nothing is rebuilt (``changed`` says whether the role changed)."""
    role = _checked_role(role)
    brand = _require(con, brand)
    if db.scalar(con, "SELECT role FROM brands WHERE brand = ?", [brand]) == role:
        return _change(ROLE_ALREADY[role], changed=False, brand=brand)
    con.execute("UPDATE brands SET role = ? WHERE brand = ?", [role, brand])
    _bump_roles(con)
    if role:
        return _recorded(con, _change(NOW_ROLE[role], brand=brand))
    return _recorded(con, _change(N_("{brand}: role forgotten"), brand=brand))


def brand_roles(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every brand and its role (``ours``, ``competitor`` or None)."""
    return dict(con.execute("SELECT brand, role FROM brands ORDER BY brand").fetchall())


def rename_brand(con: duckdb.DuckDBPyConnection, brand: str, new_name: str) -> BrandChange:
    brand = _require(con, brand)
    new_name, key = _checked(con, new_name, "new_name")
    if new_name == brand:
        return _change(N_("{brand}: nothing to rename"), changed=False, brand=brand)
    if db.first_row(con, "SELECT 1 FROM brands WHERE brand = ?", [new_name]):
        raise BrandError(_("there is a brand {brand} already; merge the two instead").format(brand=repr(new_name)))
    owner = _brand_of_key(con, key)
    if owner is not None and owner != brand:
        raise BrandError(
            _("{name} already stands for the brand {owner}; merge the two instead").format(
                name=repr(new_name), owner=repr(owner)
            )
        )
    con.execute("UPDATE brands SET brand = ? WHERE brand = ?", [new_name, brand])
    con.execute("UPDATE brand_aliases SET brand = ? WHERE brand = ?", [new_name, brand])
    _insert_alias(con, key, "name", new_name, new_name)
    db.bump_data_version(con)
    return _recorded(con, _change(N_("renamed {brand} to {new_name}"), brand=repr(brand), new_name=repr(new_name)))


def merge_brands(con: duckdb.DuckDBPyConnection, into: str, others: Iterable[str]) -> BrandChange:
    """Fold the brands ``others`` (their handles and names) into ``into``."""
    into = _require(con, into)
    merged = []
    for other in others:
        other = _require(con, other)
        if other == into:
            continue
        con.execute("UPDATE brand_aliases SET brand = ? WHERE brand = ?", [into, other])
        con.execute("DELETE FROM brands WHERE brand = ?", [other])
        merged.append(other)
    if not merged:
        return _change(N_("{brand}: nothing to merge"), changed=False, brand=into)
    db.bump_data_version(con)
    merged_names = ", ".join(repr(m) for m in merged)
    return _recorded(con, _change(N_("merged {brands} into {brand}"), brands=merged_names, brand=repr(into)))


def remove_brand(con: duckdb.DuckDBPyConnection, brand: str) -> BrandChange:
    """Forget a brand and its aliases: its posts have no brand any more, and its accounts' posts count as
    customers' again, unless an export marks them as a brand's (then they are a brand's posts of no known
    brand, until an import of that export adds the account again)."""
    brand = _require(con, brand)
    con.execute("DELETE FROM brand_aliases WHERE brand = ?", [brand])
    con.execute("DELETE FROM brands WHERE brand = ?", [brand])
    db.bump_data_version(con)
    return _recorded(con, _change(N_("removed brand {brand}"), brand=repr(brand)))


def brands_key(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever a brand or alias changes: the facts are rebuilt whole then."""
    return db.scalar(
        con,
        """SELECT md5(coalesce(string_agg(key || '/' || kind || '/' || alias || '/' || brand, ','
                                                            ORDER BY key, kind, alias), '')) FROM brand_aliases""",
    )


# An @mention: not inside a word or an e-mail address. No {1,50} bound: RE2 expands it and runs 20x slower.
MENTION_PATTERN = "(?:^|[^\\p{L}\\p{N}_])@([\\p{L}\\p{N}_]+)"


def suggest_brands(
    con: duckdb.DuckDBPyConnection, import_id: str | None = None, *, limit: int = 5, minimum: int = 5
) -> list[tuple[str, int]]:
    """Accounts @mentioned in many customer posts (of one import, or of all) that are not brand aliases:
    (handle as written most often, posts), most mentioned first. Mentioned in at least ``minimum`` posts
    and in at least 1 % of them."""
    where = "AND import_id = $import" if import_id else ""
    # customers' posts only (a brand's replies mention its customers); an account that writes as much as a
    # tenth of what it is mentioned in is a person in a conversation, not a brand people write to. Handles are
    # counted as written first and keyed after (few distinct handles: a million posts take a second).
    return [
        (handle, int(posts))
        for handle, posts in con.execute(
            f"""
        WITH scope AS (
            SELECT text FROM stg_posts WHERE NOT coalesce(is_brand_exported, false) {where} AND contains(text, '@')
        ),
        per_handle AS (
            SELECT handle, count(*) AS posts
            FROM (SELECT unnest(list_distinct(regexp_extract_all(text, $mention, 1))) AS handle FROM scope)
            GROUP BY ALL
        ),
        keyed AS (
            SELECT {key_sql("handle")} AS key, arg_max(handle, posts) AS handle, sum(posts) AS posts
            FROM per_handle GROUP BY 1
        ),
        candidates AS (
            SELECT * FROM keyed
            WHERE key <> '' AND key NOT IN (SELECT key FROM brand_aliases)
              AND posts >= greatest($minimum, 0.01 * (SELECT count(*) FROM stg_posts
                                                      WHERE NOT coalesce(is_brand_exported, false) {where}))
        ),
        authors AS (
            SELECT {key_sql("author_id")} AS key, sum(n) AS own_posts FROM (
                SELECT author_id, count(*) AS n FROM stg_posts
                WHERE NOT coalesce(is_brand_exported, false) {where} GROUP BY ALL) GROUP BY 1
        )
        SELECT c.handle, c.posts FROM candidates c LEFT JOIN authors a USING (key)
        WHERE c.posts >= 10 * coalesce(a.own_posts, 0)
        ORDER BY c.posts DESC, c.handle LIMIT $limit""",
            {
                "minimum": minimum,
                "limit": limit,
                "mention": MENTION_PATTERN,
                **({"import": import_id} if import_id else {}),
            },
        ).fetchall()
    ]


def suggest_merges(
    con: duckdb.DuckDBPyConnection, *, share: float = 0.5, minimum: int = 20
) -> list[tuple[str, str, int]]:
    """(brand an export names, the brand its posts went to, posts): where most of the posts an export says are
    about one brand were attributed to another (they @mention its handle), the two are likely one brand, as
    the airline column's "American" and the account @AmericanAir. Suggestions only; a person merges."""
    return [
        (named, other, int(posts))
        for named, other, posts in con.execute(
            f"""
        WITH named AS (
            SELECT a.brand AS named, f.brand AS went_to
            FROM stg_posts s
            JOIN brand_aliases a ON a.kind = 'name' AND a.key = {key_sql("s.brand_exported")}
            JOIN fct_posts f ON f.platform = s.platform AND f.post_id = s.post_id
            WHERE s.brand_exported IS NOT NULL AND NOT f.is_brand
        ),
        counted AS (
            SELECT named, went_to, count(*) AS posts, sum(count(*)) OVER (PARTITION BY named) AS total
            FROM named GROUP BY named, went_to
        )
        SELECT named, went_to, posts FROM counted
        WHERE went_to IS NOT NULL AND went_to <> named AND posts >= $minimum AND posts >= $share * total
        ORDER BY posts DESC, named""",
            {"share": share, "minimum": minimum},
        ).fetchall()
    ]
