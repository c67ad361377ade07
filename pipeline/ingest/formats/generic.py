"""Ingest formats: the generic post table (common column names in several languages), tried last, and the
rule of formats people map by hand."""

from __future__ import annotations

from pipeline.core.i18n import N_
from pipeline.ingest.formats.base import Format, Values
from pipeline.ingest.formats.sql import date_and_time_sql, platform_sql, strip_sql, value

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


def platform_if_given(v: Values) -> dict[str, str]:
    """A mapped platform column is read as a listening tool's (``platform_sql``) where it holds a value."""
    platform = value(v, "platform")
    return {
        "platform": f"CASE WHEN {strip_sql(platform)} <> '' THEN {platform_sql(platform, value(v, 'url'))} "
        f"ELSE {platform} END"
    }


FORMATS = (
    Format(
        name="generic",
        description=N_(
            "Generic post table: id, timestamp, author, text, optional parent id, platform, likes, "
            "shares, reach (common aliases accepted, also in Spanish, German, French, Italian and Polish); also "
            "European spreadsheet CSV (semicolons, decimal comma, day-first dates, cp1252)"
        ),
        identify=(),
        columns=GENERIC_ALIASES,
        extras={"time": ("time", "hour", "uhrzeit", "hora", "heure", "godzina", "ora")},
        required=("created_at", "text"),
        derive=date_and_time_sql,
        generic=True,
        notes="Without a post id column, an id is derived from author, time and text. A date column and a "
        "separate time column are joined. Semicolon files read numbers with a decimal comma and "
        "ambiguous dates day first.",
    ),
)
