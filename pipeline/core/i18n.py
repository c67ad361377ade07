"""The language a person reads Radar in: message catalogues and locale formats (English, Spanish, Polish).

Every text a person reads goes through ``_`` (or ``ngettext`` where a number picks the form, or ``N_`` to
mark a module-level text that is translated where it is shown). English is the source language: the
messages in the code are English and ``pipeline/locale/<code>/LC_MESSAGES/messages.po`` translate them.
The catalogues are the standard gettext ``.po`` files, extracted from the code with Babel
(``make messages``) and read here with Babel at first use, so there is no compile step and no ``.mo`` file
to go stale. Polish has three plural forms; the plural rule comes from each catalogue's header.

The locale in force is a context variable: a page run, a report or an alert sets it (``use_locale``) and
everything below it (sentences, chart labels, number and date formats) follows without passing it down.
Data stays as it is: post texts, brand and theme names typed by a user, file names are never translated.

Numbers and dates follow the locale through Babel (CLDR): ``fmt_int(1234)`` is "1,234" in English,
"1.234" in Spanish and "1 234" in Polish;
``fmt_day(date(2026, 11, 9))`` is "Mon 9 Nov 2026", "lun 9 nov 2026", "pon., 9 lis 2026".
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Literal

import babel
import babel.dates
import babel.numbers
from babel import Locale
from babel.messages import mofile, pofile

# The languages Radar speaks, by code, each named in itself (how a selector offers them).
LOCALES: dict[str, str] = {"en": "English", "es": "Español", "pl": "Polski"}
DEFAULT_LOCALE = "en"
CATALOGUES = Path(__file__).resolve().parent.parent / "locale"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("radar_locale", default=None)
_fallback: Callable[[], str | None] | None = None


def set_locale_source(source: Callable[[], str | None] | None) -> None:
    """Where a context that set no locale finds one (the dashboard: the reader's session, for a page that
    Streamlit runs without app.py); English when it gives none."""
    global _fallback
    _fallback = source


def _code() -> str:
    code = _current.get()
    if code is None:
        code = (normalize_locale(_fallback()) if _fallback is not None else None) or DEFAULT_LOCALE
    return code


def normalize_locale(value: object) -> str | None:
    """``"es-ES"``, ``"pl_PL.UTF-8"``, ``"ES"`` -> the supported code (``"es"``, ``"pl"``); None when unsupported."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_.@]", value.strip().lower(), maxsplit=1)[0]
    return code if code in LOCALES else None


def current_locale() -> str:
    return _code()


def set_locale(code: str) -> None:
    """Set the locale for the rest of this context (a page run sets it once, at its start)."""
    _current.set(normalize_locale(code) or DEFAULT_LOCALE)


@contextmanager
def use_locale(code: str | None) -> Iterator[str]:
    """Everything inside speaks ``code`` (a report, an alert); the locale before is restored after."""
    token = _current.set(normalize_locale(code) or DEFAULT_LOCALE)
    try:
        yield _code()
    finally:
        _current.reset(token)


@cache
def _translations(code: str) -> _gettext.NullTranslations:
    """The catalogue of ``code``, read from its ``.po`` and compiled in memory (English: the messages themselves)."""
    path = CATALOGUES / code / "LC_MESSAGES" / "messages.po"
    if code == DEFAULT_LOCALE or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as source:
        catalogue = pofile.read_po(source, locale=code)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` in the current locale (the English message where a catalogue lacks it)."""
    return _translations(_code()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that ``n`` takes in the current locale (Polish: one, few, many)."""
    return _translations(_code()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for translation where it is defined (a module constant); ``_`` translates it where shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form where it is defined; ``Message`` picks the form where shown."""
    return singular, plural


def name_in(names: dict, code) -> str:
    """A code in words (``names``: code -> English name marked with ``N_``) in the current language; a code
    the table does not know, as it is."""
    return _(names[code]) if code in names else str(code)


def locale_name(code: str) -> str:
    return LOCALES.get(code, code)


def language_name(code: str) -> str:
    """A language's name in the current language (``"es"`` -> "Spanish", "español", "hiszpański"); the code
    itself where CLDR has no name for it."""
    try:
        language = Locale.parse(code)
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return code
    if language.language != code:  # "und" (undetermined) parses as a guess: keep what it is
        return code
    return language.get_display_name(_code()) or code


# -- numbers ----------------------------------------------------------------------------------------------


def fmt_int(value: float | int | None) -> str:
    """A count with the locale's grouping; an em dash where it is unknown."""
    if value is None:
        return "—"
    return babel.numbers.format_decimal(round(value), locale=_code())


def fmt_num(value: float | None, decimals: int = 1) -> str:
    """A number with exactly ``decimals`` decimals in the locale's separators."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return babel.numbers.format_decimal(value, format=pattern, locale=_code())


def fmt_signed(value: float, decimals: int = 0) -> str:
    """``+3``, ``−2,5``: a change with its sign shown."""
    text = fmt_num(abs(value), decimals)
    if round(value, decimals) == 0:
        return text
    return ("+" if value > 0 else "−") + text


@cache
def _percent_pattern(code: str, decimals: int) -> str:
    pattern = Locale.parse(code).percent_formats[None].pattern  # "#,##0%", "#,##0 %"
    if decimals > 0:
        pattern = re.sub(r"0(?=[^0#,.]*$)", "0." + "0" * decimals, pattern, count=1)
    return pattern


def fmt_pct(share: float | None, decimals: int = 0) -> str:
    """A share (0.125) as a percentage in the locale: "12.5%", "12,5 %", "12,5%"."""
    if share is None:
        return "—"
    code = _code()
    return babel.numbers.format_percent(share, format=_percent_pattern(code, decimals), locale=code)


def number_separators() -> str:
    """Plotly's ``layout.separators`` for the locale: its decimal mark, then its grouping mark."""
    code = _code()
    symbols = Locale.parse(code).number_symbols["latn"]
    return symbols["decimal"] + symbols["group"]


# -- dates ------------------------------------------------------------------------------------------------

# A day with its weekday: the examples the Spanish and Polish users gave ("lun 9 nov 2026", "pon., 9 lis 2026").
_DAY = {"en": "EEE d MMM y", "es": "EEE d MMM y", "pl": "EEE, d MMM y"}
_DAY_SHORT = {"en": "EEE d MMM", "es": "EEE d MMM", "pl": "EEE, d MMM"}


def _as_datetime(value):
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value


def fmt_date(value: date | datetime | None, pattern: str = "d MMM y") -> str:
    """A date in a CLDR pattern (``d MMM y`` -> "9 Nov 2026", "9 nov 2026", "9 lis 2026")."""
    if value is None:
        return "—"
    value = _as_datetime(value)
    if isinstance(value, datetime):  # a pattern may then show its time too
        return babel.dates.format_datetime(value, pattern, tzinfo=value.tzinfo, locale=_code())
    return babel.dates.format_date(value, pattern, locale=_code())


def fmt_day(value: date | datetime | None, *, year: bool = True) -> str:
    """A day with its weekday: "Mon 9 Nov 2026", "lun 9 nov 2026", "pon., 9 lis 2026"."""
    if value is None:
        return "—"
    code = _code()
    return babel.dates.format_date(_as_datetime(value), (_DAY if year else _DAY_SHORT)[code], locale=code)


def fmt_when(value: datetime | None, *, year: bool = False) -> str:
    """A moment: its day with the weekday and the time, "Mon 9 Nov 14:05" (the time in the value's zone)."""
    if value is None:
        return "—"
    value = _as_datetime(value)
    code = _code()
    pattern = (_DAY if year else _DAY_SHORT)[code] + " HH:mm"
    return babel.dates.format_datetime(value, pattern, tzinfo=getattr(value, "tzinfo", None), locale=code)


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    value = _as_datetime(value)
    return babel.dates.format_time(value, "HH:mm", tzinfo=getattr(value, "tzinfo", None), locale=_code())


def weekday_names(width: Literal["abbreviated", "narrow", "short", "wide"] = "wide") -> list[str]:
    """Monday to Sunday in the locale (``width``: wide, abbreviated, short)."""
    names = babel.dates.get_day_names(width, context="format", locale=_code())
    return [names[i] for i in range(7)]


def month_names(width: Literal["abbreviated", "narrow", "wide"] = "abbreviated") -> list[str]:
    """January to December in the locale."""
    names = babel.dates.get_month_names(width, context="format", locale=_code())
    return [names[i] for i in range(1, 13)]


# Table columns of dates in the dashboard (Streamlit formats them in the browser with moment.js, in English
# names only): English keeps the weekday and month names, the other locales their numeric order.
_TABLE_DATETIME = {"en": "ddd D MMM YYYY, HH:mm", "es": "DD/MM/YYYY HH:mm", "pl": "DD.MM.YYYY HH:mm"}
_TABLE_DATETIME_PLAIN = {"en": "D MMM YYYY, HH:mm", "es": "DD/MM/YYYY HH:mm", "pl": "DD.MM.YYYY HH:mm"}
_TABLE_DATE = {"en": "ddd D MMM YYYY", "es": "DD/MM/YYYY", "pl": "DD.MM.YYYY"}


def table_datetime_format(*, weekday: bool = True) -> str:
    """A moment.js format for a table's date-and-time column in the current locale."""
    return (_TABLE_DATETIME if weekday else _TABLE_DATETIME_PLAIN)[_code()]


def table_date_format() -> str:
    return _TABLE_DATE[_code()]


# -- messages kept in the database ------------------------------------------------------------------------

_KINDS = {
    "int": lambda v: fmt_int(v),
    "num0": lambda v: fmt_num(v, 0),
    "num1": lambda v: fmt_num(v, 1),
    "pct0": lambda v: fmt_pct(v, 0),
    "text": lambda v: str(v),
    "labels": lambda v: ", ".join(sentiment_label_name(label) for label in v),  # sentiment labels, by their code
    "date": lambda v: fmt_date(date.fromisoformat(v) if isinstance(v, str) else v),
}


@dataclass(frozen=True)
class Message:
    """A sentence stored as its English message and its values, so that it reads in whichever language it is
    shown in, with the numbers in that language's format (a crisis's severity reasons are written when the
    crisis is computed, and read in English, Spanish or Polish afterwards).

    ``text``: the English message with ``{name}`` placeholders, marked with ``N_`` (or ``Nn_`` for a message
    with a plural form, ``count`` naming the value that picks it); ``args``: ``(name, kind, value)`` with
    kind one of int, num0, num1, pct0 (a share), text. ``suffix``: appended as is (" (+2)").

    >>> Message(*Nn_("{n} reply", "{n} replies"), count="n", args=(("n", "int", 1200),)).render()
    '1,200 replies'
    """

    text: str
    plural: str | None = None
    count: str | None = None
    args: tuple[tuple[str, str, object], ...] = ()
    suffix: str = ""

    def __init__(self, text: str | tuple[str, str], plural: str | None = None, *, count: str | None = None,
                 args: tuple = (), suffix: str = "") -> None:  # fmt: skip
        if isinstance(text, tuple):
            text, plural = text
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "plural", plural)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "args", tuple(tuple(arg) for arg in args))
        object.__setattr__(self, "suffix", suffix)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        values = {name: _KINDS.get(kind, str)(value) for name, kind, value in self.args}
        if self.plural is not None and self.count is not None:
            n = next((value for name, _kind, value in self.args if name == self.count), 0)
            template = ngettext(self.text, self.plural, int(round(float(n or 0))))  # type: ignore[arg-type]
        else:
            template = _(self.text)
        try:
            return template.format(**values) + self.suffix
        except (KeyError, IndexError, ValueError):  # a catalogue's placeholder gone wrong: the English one
            one = self.count is not None and values.get(self.count) == "1"
            source = self.text if self.plural is None or one else self.plural
            return source.format(**values) + self.suffix

    def to_json(self) -> str:
        return json.dumps(
            {"text": self.text, "plural": self.plural, "count": self.count, "args": self.args, "suffix": self.suffix},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, stored: str) -> Message:
        data = json.loads(stored)
        return cls(data["text"], data.get("plural"), count=data.get("count"), args=tuple(data.get("args") or ()),
                   suffix=data.get("suffix") or "")  # fmt: skip


def render_stored(stored: str) -> str:
    """A stored message (``Message.to_json``) in the current language; a plain stored sentence (written by a
    version before messages were stored) as it is."""
    if not isinstance(stored, str):
        return "" if stored is None else str(stored)
    if stored.startswith("{"):
        try:
            return Message.from_json(stored).render()
        except (ValueError, KeyError, TypeError, AttributeError):  # not a message after all: as it is
            return stored
    return stored


def sentiment_label_name(label: str | None) -> str:
    """negative / neutral / positive in the current language; a post without a score says so."""
    names = {"negative": N_("negative"), "neutral": N_("neutral"), "positive": N_("positive")}
    if label is None or label != label:
        return _("not scored")
    return name_in(names, label)
