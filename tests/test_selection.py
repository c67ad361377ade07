"""Turning chart and table selections into filters and keys: plain functions fed with literal dicts shaped
like Streamlit's selection events."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.read.queries import Bucket
from pipeline.read.selection import bucket_from_chart, crisis_from_chart, parse_thread_key, row_from_table, thread_key


def event(*points):
    return {"selection": {"points": list(points), "point_indices": [], "box": [], "lasso": []}}


@pytest.mark.parametrize(
    "chosen, grain, by, expected",
    [
        (
            event({"x": "2026-10-24", "y": 12, "customdata": ["negative"]}),
            "day",
            "none",
            Bucket(date(2026, 10, 24), "day", "negative"),
        ),
        (
            event({"x": "2026-10-19", "customdata": ["positive"]}),
            "week",
            "platform",
            Bucket(date(2026, 10, 19), "week", "positive"),
        ),  # a label bar: the breakdown does not apply
        (
            event({"x": "2026-10-19T00:00:00", "customdata": ["es"]}),
            "week",
            "lang",
            Bucket(date(2026, 10, 19), "week", None, "lang", "es"),
        ),
        (event({"x": "2026-10-24"}), "day", "none", Bucket(date(2026, 10, 24), "day")),
        (
            event({"x": "not a day", "customdata": ["negative"]}, {"x": "2026-10-25", "customdata": ["neutral"]}),
            "day",
            "none",
            Bucket(date(2026, 10, 25), "day", "neutral"),
        ),
        (event(), "day", "none", None),
        ({}, "day", "none", None),
        (None, "day", "none", None),
    ],
)
def test_a_chart_point_becomes_a_bucket(chosen, grain, by, expected):
    assert bucket_from_chart(chosen, grain=grain, by=by) == expected


def test_a_timeline_bar_becomes_a_crisis_id():
    assert (
        crisis_from_chart(event({"x": 3600000, "y": "lumohelp", "customdata": ["lumohelp:20261024T15"]}))
        == "lumohelp:20261024T15"
    )
    assert crisis_from_chart(event()) is None


def test_a_table_row_becomes_its_record():
    frame = pd.DataFrame({"platform": ["twitter", "instagram"], "thread_id": ["1", "2"]})
    assert row_from_table({"selection": {"rows": [1], "columns": []}}, frame) == {
        "platform": "instagram",
        "thread_id": "2",
    }
    assert row_from_table({"selection": {"rows": [], "columns": []}}, frame) is None
    assert row_from_table({"selection": {"rows": [5]}}, frame) is None  # the table changed under the selection
    assert row_from_table(None, frame) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("twitter:123", ("twitter", "123")),
        ("123", (None, "123")),
        ("reddit:t3_abc:def", ("reddit", "t3_abc:def")),
        (":123", (None, "123")),
        ("twitter:", None),
        ("", None),
        (None, None),
    ],
)
def test_thread_keys_round_trip_through_the_url(text, expected):
    assert parse_thread_key(text) == expected


def test_thread_key_is_platform_colon_id():
    assert parse_thread_key(thread_key("instagram", "17890")) == ("instagram", "17890")
