"""Downloads and shown text: CSV cells a spreadsheet would run are neutralised; post text shows as text."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from pipeline.read.export import markdown_literal, neutralize_cell, safe_csv


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("hello = world", "hello = world"),
        ("", ""),
        (-2, -2),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_formula_cells_are_neutralised(cell, expected):
    assert neutralize_cell(cell) == expected


def test_csv_download_is_safe_and_keeps_numbers_and_accents():
    frame = pd.DataFrame(
        {"text": ['=HYPERLINK("http://evil","x")', "¿dónde está?"], "likes": [-1, 3], "=cmd": ["a", "b"]}
    )
    data = safe_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["text", "likes", "'=cmd"]
    assert rows[1] == ['\'=HYPERLINK("http://evil","x")', "-1", "a"]
    assert rows[2][0] == "¿dónde está?"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "**bold** _it_",
        "![x](http://tracker/x.png)",
        "[click](javascript:alert(1))",
        ":red[alarm] :material/home:",
        "# heading",
        "1. list",
        "a\nb",
        "$x^2$",
    ],
)
def test_markdown_literal_escapes_every_construct(text):
    escaped = markdown_literal(text)
    for mark in "<>*_![]():#$":
        assert mark not in escaped.replace("\\" + mark, "")
