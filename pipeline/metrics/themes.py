"""Themes: named groups of keyword rules that tag what customers write about (a post can have several).

One theme set per database, stored as JSON in ``radar_meta`` (key ``themes``); a database without one uses
``DEFAULT_THEMES``, a customer-care set in English, Spanish and Polish. A theme is::

    {"name": "Refunds and billing",
     "any": ["refund*", "reembols*", "zwrot*"],        # any of these words
     "phrases": ["money back", "charged twice"],       # any of these phrases (words in this order)
     "all": [["cancel*", "subscription"]],             # or all words of one group, anywhere in the post
     "exclude": ["refund policy"]}                     # never when one of these words or phrases is there

**Matching** is on whole words, case- and accent-insensitive (``envío`` = ``envio``, ``ZAMÓWIENIE`` =
``zamówienie``); ``word*`` also matches longer words that start with it (``refund*``: refunds, refunded),
which is how the inflections of Spanish and Polish are caught (``dostaw*``: dostawa, dostawy, dostawę).
A keyword inside another word does not match (``app`` is not in ``happy``). Hashtags count as their word
(``#refund`` matches ``refund``).

Only customer posts are tagged (a brand's replies repeat the customer's words). Tags live in
``fct_post_themes`` (platform, post_id, theme, created_at, brand), brought up to date with the other analytics
for the posts an import added, and rebuilt whole when the theme set or the brands change.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

import duckdb

from pipeline.core import db
from pipeline.core.access import record_change
from pipeline.core.i18n import N_, _

_WORD = r"#?[\w'’-]+\*?"  # a keyword: letters, digits, apostrophes, hyphens; '*' at the end: any ending
_WORD_RE = re.compile(_WORD)
_NOT_WORD = r"[^\p{L}\p{N}_]"  # RE2, in DuckDB
MAX_THEMES, MAX_KEYWORDS, MAX_NAME_CHARS = 50, 500, 60
RULE_KEYS = ("any", "phrases", "all", "exclude")

DEFAULT_THEMES: list[dict[str, Any]] = [
    {
        "name": N_("Delivery"),
        "any": [
            "delivery",
            "deliveries",
            "deliver",
            "delivered",
            "shipping",
            "shipment*",
            "shipped",
            "parcel*",
            "package*",
            "courier*",
            "tracking",
            "dispatch*",
            "envío*",
            "envio*",
            "entrega*",
            "entregado*",
            "paquete*",
            "pedido*",
            "repartidor*",
            "mensajería",
            "dostaw*",
            "przesyłk*",
            "paczk*",
            "kurier*",
            "zamówieni*",
        ],
        "phrases": [
            "not arrived",
            "hasn't arrived",
            "never arrived",
            "still not here",
            "where is my order",
            "no ha llegado",
            "no me ha llegado",
            "nie dotarła",
            "nie dotarło",
            "nie doszła",
        ],
        "all": [],
        "exclude": [],
    },
    {
        "name": N_("Refunds and billing"),
        "any": [
            "refund*",
            "reimburs*",
            "invoice*",
            "billing",
            "billed",
            "bill",
            "overcharg*",
            "charged",
            "payment*",
            "chargeback",
            "reembols*",
            "devolución",
            "devolucion",
            "factura*",
            "cobro*",
            "cobraron",
            "cobrado",
            "zwrot*",
            "faktur*",
            "płatnoś*",
            "obciążen*",
            "obciążył*",
            "reklamacj*",
        ],
        "phrases": [
            "money back",
            "charged twice",
            "double charged",
            "credit card",
            "my money",
            "mi dinero",
            "dinero de vuelta",
            "zwrot pieniędzy",
            "moje pieniądze",
        ],
        "all": [["cancel*", "subscription*"]],
        "exclude": [],
    },
    {
        "name": N_("Product defects"),
        "any": [
            "broken",
            "broke",
            "defect*",
            "faulty",
            "crack*",
            "damaged",
            "malfunction*",
            "leak*",
            "useless",
            "roto",
            "rota",
            "rotos",
            "rotas",
            "defectuos*",
            "averiad*",
            "avería",
            "estropead*",
            "rajad*",
            "zepsut*",
            "zepsuł*",
            "uszkodz*",
            "wadliw*",
            "pęknię*",
            "pękł*",
            "popsut*",
            "awari*",
        ],
        "phrases": [
            "doesn't work",
            "does not work",
            "not working",
            "stopped working",
            "won't turn on",
            "fell apart",
            "no funciona",
            "dejó de funcionar",
            "nie działa",
            "przestał działać",
        ],
        "all": [],
        "exclude": ["break even", "lunch break", "coffee break"],
    },
    {
        "name": N_("Waiting and customer service"),
        "any": [
            "waiting",
            "waited",
            "wait",
            "hold",
            "ignor*",
            "unanswered",
            "helpline",
            "hotline",
            "support",
            "espera*",
            "esperando",
            "ignora*",
            "soporte",
            "czekam",
            "czeka*",
            "czekał*",
            "ignoruj*",
            "infolini*",
            "konsultant*",
        ],
        "phrases": [
            "customer service",
            "customer care",
            "customer support",
            "no response",
            "no answer",
            "no reply",
            "still waiting",
            "on hold",
            "call centre",
            "call center",
            "atención al cliente",
            "servicio al cliente",
            "sin respuesta",
            "nadie responde",
            "nadie contesta",
            "obsługa klienta",
            "biuro obsługi",
            "brak odpowiedzi",
            "nikt nie odpowiada",
        ],
        "all": [],
        "exclude": [],
    },
    {
        "name": N_("Prices"),
        "any": [
            "price*",
            "pricing",
            "expensive",
            "overpriced",
            "cheap*",
            "pricey",
            "discount*",
            "costly",
            "precio*",
            "caro",
            "cara",
            "caros",
            "caras",
            "barato*",
            "descuento*",
            "carísimo",
            "cena",
            "ceny",
            "cenę",
            "cenie",
            "cen",
            "drogo",
            "drogie",
            "drogi",
            "tani*",
            "rabat*",
            "promocj*",
        ],
        "phrases": [
            "rip off",
            "ripoff",
            "too much",
            "worth the money",
            "value for money",
            "muy caro",
            "za drogo",
            "za drogie",
        ],
        "all": [],
        "exclude": ["price match"],
    },
    {
        "name": N_("Website and app"),
        "any": [
            "website",
            "site",
            "app",
            "apps",
            "online",
            "login",
            "password",
            "checkout",
            "browser",
            "bug*",
            "glitch*",
            "crash*",
            "error*",
            "webpage",
            "web",
            "página",
            "aplicación",
            "aplicacion",
            "contraseña",
            "sesión",
            "error",
            "strona",
            "stronie",
            "stronę",
            "stron",
            "aplikacj*",
            "logowani*",
            "hasło",
            "hasła",
            "błąd",
            "błędy",
        ],
        "phrases": ["log in", "sign in", "iniciar sesión", "strona internetowa", "nie mogę się zalogować"],
        "all": [],
        "exclude": [],
    },
    {
        "name": N_("Staff"),
        "any": [
            "staff",
            "employee*",
            "rude",
            "unhelpful",
            "unprofessional",
            "agent*",
            "representative*",
            "cashier*",
            "crew",
            "attendant*",
            "driver*",
            "technician*",
            "manager",
            "assistant*",
            "personal",
            "emplead*",
            "grosero*",
            "grosera*",
            "maleducad*",
            "dependient*",
            "técnico*",
            "trabajador*",
            "repartidor*",
            "personel",
            "pracownik*",
            "pracownic*",
            "niemił*",
            "chamsk*",
            "nieuprzejm*",
            "kierowc*",
            "technik*",
            "kasjer*",
        ],
        "phrases": ["customer service rep", "sales assistant"],
        "all": [],
        "exclude": [],
    },
]


DEFAULT_THEME_NAMES = frozenset(theme["name"] for theme in DEFAULT_THEMES)


def theme_name(name: str) -> str:
    """A theme's name as shown: the shipped themes in the current language, a theme someone named as they
    named it (a renamed or added theme is theirs, never translated)."""
    return _(name) if name in DEFAULT_THEME_NAMES else name


class ThemeError(ValueError):
    """The theme set is not valid; the message names the theme and the part that is wrong."""


def default_themes() -> list[dict[str, Any]]:
    return copy.deepcopy(DEFAULT_THEMES)


def _keyword(value: Any, where: str, *, phrase: bool) -> str:
    if not isinstance(value, str):
        raise ThemeError(_("{where}: {value} is not text").format(where=where, value=repr(value)))
    words = value.split()
    if not words:
        raise ThemeError(_("{where}: an empty keyword").format(where=where))
    if not phrase and len(words) > 1:
        raise ThemeError(
            _("{where}: {value} is several words; put it in 'phrases'").format(where=where, value=repr(value))
        )
    for word in words:
        if not _WORD_RE.fullmatch(word) or word.strip("*#'’-") == "":
            raise ThemeError(
                _(
                    "{where}: {word} is not a word (letters, digits, ' and -, an optional # in front and * at the end)"
                ).format(where=where, word=repr(word))
            )
        if word.endswith("*") and len(word.strip("#*")) < 3:
            raise ThemeError(
                _("{where}: {word} is too short to match every word it starts (3 letters at least)").format(
                    where=where, word=repr(word)
                )
            )
    return " ".join(words)


def _word_list(value: Any, where: str, *, phrase: bool) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        message = (
            _("{where}: a list of phrases is needed, not {value}")
            if phrase
            else _("{where}: a list of words is needed, not {value}")
        )
        raise ThemeError(message.format(where=where, value=repr(value)))
    return [_keyword(item, f"{where}[{index}]", phrase=phrase) for index, item in enumerate(value)]


def validate(themes: Any) -> list[dict[str, Any]]:
    """The theme set in its stored form, or ThemeError naming what is wrong (unknown keys, a theme without a
    rule, duplicate names, a keyword that is not a word)."""
    if not isinstance(themes, list):
        raise ThemeError(_("the themes are a list of {{name, any, phrases, all, exclude}} objects").format())
    if len(themes) > MAX_THEMES:
        raise ThemeError(_("{count} themes; at most {most}").format(count=len(themes), most=MAX_THEMES))
    seen, out = set(), []
    for index, theme in enumerate(themes):
        where = _("theme {number}").format(number=index + 1)
        if not isinstance(theme, dict):
            raise ThemeError(_("{where}: not an object with a name and rules").format(where=where))
        unknown = set(theme) - {"name", *RULE_KEYS}
        if unknown:
            raise ThemeError(
                _("{where}: unknown part {part} (a theme has name, {parts})").format(
                    where=where, part=repr(sorted(unknown)[0]), parts=", ".join(RULE_KEYS)
                )
            )
        name = " ".join(str(theme.get("name") or "").split())
        if not name or re.search(r"[\x00-\x1f\x7f]", str(theme.get("name"))):
            raise ThemeError(_("{where}: needs a name (printable text)").format(where=where))
        if len(name) > MAX_NAME_CHARS:
            raise ThemeError(
                _("{where}: the name is {count} characters; at most {most}").format(
                    where=where, count=len(name), most=MAX_NAME_CHARS
                )
            )
        if name.casefold() in seen:
            raise ThemeError(_("{where}: there is another theme named {name}").format(where=where, name=repr(name)))
        seen.add(name.casefold())
        where = _("theme {name}").format(name=repr(name))
        groups = theme.get("all") or []
        if not isinstance(groups, list) or any(not isinstance(group, list) for group in groups):
            raise ThemeError(
                _("{where}: 'all' is a list of word groups, e.g. {example}").format(
                    where=where, example='[["cancel*", "subscription"]]'
                )
            )
        clean = {
            "name": name,
            "any": _word_list(theme.get("any"), f"{where}.any", phrase=False),
            "phrases": _word_list(theme.get("phrases"), f"{where}.phrases", phrase=True),
            "all": [_word_list(group, f"{where}.all[{i}]", phrase=False) for i, group in enumerate(groups)],
            "exclude": _word_list(theme.get("exclude"), f"{where}.exclude", phrase=True),
        }
        clean["all"] = [group for group in clean["all"] if group]
        if not (clean["any"] or clean["phrases"] or clean["all"]):
            raise ThemeError(_("{where}: has no word, phrase or word group to match").format(where=where))
        if sum(len(clean[k]) for k in ("any", "phrases", "exclude")) + sum(map(len, clean["all"])) > MAX_KEYWORDS:
            raise ThemeError(_("{where}: more than {most} keywords").format(where=where, most=MAX_KEYWORDS))
        out.append(clean)
    return out


def load_themes(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    stored = db.get_meta(con, "themes")
    if stored is None:
        return default_themes()
    return validate(json.loads(stored))


def themes_key(themes: list[dict[str, Any]]) -> str:
    return hashlib.md5(json.dumps(themes, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def save_themes(con: duckdb.DuckDBPyConnection, themes: Any) -> list[dict[str, Any]]:
    """Validate and store a theme set, then tag every customer post again (one transaction is the caller's)."""
    themes = validate(themes)
    db.set_meta(con, "themes", json.dumps(themes, ensure_ascii=False))
    names = ", ".join(theme["name"] for theme in themes)
    record_change(con, "themes saved", names)  # i18n: not text (the audit log's action)
    tag_themes(con)
    return themes


def reset_themes(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    con.execute("DELETE FROM radar_meta WHERE key = 'themes'")
    record_change(con, "themes reset", "the shipped themes are back")  # i18n: not text (the audit log)
    tag_themes(con)
    return default_themes()


def parse_themes(text: str, source: str | None = None) -> list[dict[str, Any]]:
    """A theme set from JSON text; ThemeError naming ``source`` and the line when it is not valid JSON."""
    try:
        return validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ThemeError(
            _("{source}: not valid JSON (line {line}, column {column}: {problem})").format(
                source=source or _("the themes"), line=exc.lineno, column=exc.colno, problem=exc.msg
            )
        ) from None


# --- matching -------------------------------------------------------------------------------------------


def normalized_sql(expr: str) -> str:
    """SQL: text as keywords are matched against it (lower case, accents stripped, curly apostrophes straight,
    ł as l)."""
    # ł has no accent to strip: it is l, so that Polish keywords stay ASCII (see ``_pattern``)
    return f"replace(replace(lower(strip_accents({expr})), '’', ''''), 'ł', 'l')"


def _normal(con: duckdb.DuckDBPyConnection, words: list[str]) -> list[str]:
    if not words:
        return []
    return db.scalar(
        con, f"SELECT list_transform($words::VARCHAR[], lambda w: {normalized_sql('w')})", {"words": words}
    )


def _pattern(alternatives: list[str]) -> str:
    """RE2: any of the (normalized) keywords or phrases as whole words, as a SQL literal. RE2's ``\\b`` knows
    only ASCII word characters, and with it matching is about six times faster than with Unicode classes
    around each keyword: keywords in ASCII (nearly all, once accents are stripped) use it, others the
    Unicode classes."""
    ascii_parts, other_parts = [], []
    for keyword in alternatives:
        words = [
            (re.sub(r"([-])", r"\\\1", word.rstrip("*").lstrip("#")), word.endswith("*")) for word in keyword.split()
        ]
        if keyword.isascii():
            ascii_parts.append(r"\W+".join(word + (r"[\w'-]*" if prefix else "") for word, prefix in words))
        else:
            other_parts.append(
                f"{_NOT_WORD}+".join(word + (r"[\p{L}\p{N}_'-]*" if prefix else "") for word, prefix in words)
            )
    patterns = [rf"\b(?:{'|'.join(ascii_parts)})\b"] if ascii_parts else []
    if other_parts:
        patterns.append(f"(?:^|{_NOT_WORD})(?:{'|'.join(other_parts)})(?:{_NOT_WORD}|$)")
    return "|".join(patterns).replace("'", "''")


def theme_condition_sql(con: duckdb.DuckDBPyConnection, theme: dict[str, Any], text: str) -> str:
    """SQL true when the normalized text ``text`` (see ``normalized_sql``) is about ``theme``."""

    def matches(keywords: list[str]) -> str:
        return f"regexp_matches({text}, '{_pattern(_normal(con, keywords))}')"

    anyof = [matches(theme["any"] + theme["phrases"])] if theme["any"] or theme["phrases"] else []
    anyof += ["(" + " AND ".join(matches([word]) for word in group) + ")" for group in theme["all"]]
    condition = "(" + " OR ".join(anyof) + ")"
    if theme["exclude"]:
        condition += f" AND NOT {matches(theme['exclude'])}"
    return condition


def tag_themes(con: duckdb.DuckDBPyConnection, *, changed_only: bool = False) -> int:
    """Tag customer posts with their themes: all of them, or (``changed_only``) those in ``tmp_changed_posts``
    when the theme set is the one the tags were made with. Returns the number of tags written."""
    themes = load_themes(con)
    whole = not changed_only or db.get_meta(con, "themes_tagged_with") != themes_key(themes)
    scope = (
        "fct_posts f" if whole else "fct_posts f SEMI JOIN tmp_changed_posts c USING (platform, post_id)"
    )  # i18n: not text
    if whole:
        con.execute("DELETE FROM fct_post_themes")
    else:
        con.execute(
            "DELETE FROM fct_post_themes t USING tmp_changed_posts c "
            "WHERE t.platform = c.platform AND t.post_id = c.post_id"
        )
    written = 0
    if themes:
        cases = ", ".join(
            f"CASE WHEN {theme_condition_sql(con, theme, 't')} THEN '{theme['name'].replace(chr(39), chr(39) * 2)}' END"
            for theme in themes
        )
        written = con.execute(f"""
            INSERT INTO fct_post_themes
            SELECT platform, post_id, theme, created_at, brand FROM (
                SELECT platform, post_id, created_at, brand, unnest([{cases}]) AS theme
                FROM (SELECT f.platform, f.post_id, f.created_at, f.brand, {normalized_sql("f.text")} AS t
                      FROM {scope} WHERE NOT f.is_brand))
            WHERE theme IS NOT NULL""").fetchall()[0][0]
    db.set_meta(con, "themes_tagged_with", themes_key(themes))
    if whole:
        db.set_meta(con, "themes_version", str(int(db.get_meta(con, "themes_version") or 0) + 1))
    return int(written)
