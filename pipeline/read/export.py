"""Export: tables as CSV that a spreadsheet opens as data, never as formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets (CSV / formula injection, OWASP). Such text cells get a leading apostrophe,
which spreadsheets show as text; numbers stay numbers.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value):
    """``"=HYPERLINK(...)"`` -> ``"'=HYPERLINK(...)"``; anything that is not risky text is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every risky text cell (and column name) neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralize_cell)
        elif out[column].dtype.kind == "O":
            out[column] = out[column].map(neutralize_cell)
    out.columns = [neutralize_cell(str(column)) for column in out.columns]
    return out


def safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a BOM, so that Excel reads the accents) of ``frame``, safe to open in a spreadsheet."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


_AUTOLINK = re.compile(r"(?i)://|\bwww(?=\.)|@(?=[\w-]+\.[a-z]{2,})")
_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&=\"'")


def markdown_literal(text: str) -> str:
    """Text that Streamlit's Markdown shows exactly as written: every ASCII punctuation mark is
    backslash-escaped (CommonMark allows it), so no link, image, HTML, heading or ``:color[...]`` directive in a
    post is ever rendered; line breaks are kept. For example ``**hi** <b>`` becomes ``\\*\\*hi\\*\\* \\<b\\>``.
    """
    # GitHub-flavoured Markdown turns a bare address into a live link, escapes or not: a zero-width space
    # after "://" and "www" keeps it text (it is invisible)
    text = _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", str(text))
    escaped = "".join("\\" + ch if ch in _MARKDOWN_SPECIAL or ch == "/" else ch for ch in text)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")
