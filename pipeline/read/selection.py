"""Selections: turning what a person picked on a chart or in a table into a filter or a key.

Plain functions over the dicts Streamlit returns (``st.plotly_chart(on_select=...)`` and
``st.dataframe(on_select=...)``), so that unit tests can call them with a literal dict. Also the text form of
the keys that go into the URL (``?thread=twitter:123``, ``?crisis=lumohelp:20261024T15``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from pipeline.read.queries import BREAKDOWNS, LABELS, Bucket


def _points(event: Any) -> list[dict]:
    if not event:
        return []
    selection = event.get("selection", event) if hasattr(event, "get") else getattr(event, "selection", {})
    points = selection.get("points", []) if hasattr(selection, "get") else []
    return [point for point in points if hasattr(point, "get")]


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(str(value)).date()
    except (ValueError, TypeError):
        return None


def bucket_from_chart(event: Any, *, grain: str = "day", by: str = "none") -> Bucket | None:
    """The bucket behind the first selected point of a sentiment chart, or None.

    A point from the volume chart carries ``customdata = [label]``; one from the net-sentiment chart carries
    ``customdata = [group]`` (the breakdown value), and then every label counts.

    >>> bucket_from_chart({"selection": {"points": [{"x": "2026-10-24", "customdata": ["negative"]}]}})
    Bucket(start=datetime.date(2026, 10, 24), grain='day', label='negative', by='none', group=None)
    """
    for point in _points(event):
        start = _as_date(point.get("x"))
        if start is None:
            continue
        custom = point.get("customdata") or []
        first = custom[0] if isinstance(custom, (list, tuple)) and custom else custom or None
        if first in LABELS:
            return Bucket(start, grain, label=first, by="none", group=None)
        if by in BREAKDOWNS and by != "none" and first is not None:
            return Bucket(start, grain, label=None, by=by, group=str(first))
        return Bucket(start, grain)
    return None


def crisis_from_chart(event: Any) -> str | None:
    """The crisis id of the first selected bar of the crisis timeline (``customdata = [crisis_id]``)."""
    for point in _points(event):
        custom = point.get("customdata") or []
        value = custom[0] if isinstance(custom, (list, tuple)) and custom else custom
        if value:
            return str(value)
    return None


def row_from_table(event: Any, frame: pd.DataFrame) -> dict | None:
    """The selected row of ``st.dataframe(on_select=..., selection_mode="single-row")`` as a dict, or None
    (also when the selection points past the end of a frame that has since changed)."""
    if not event:
        return None
    selection = event.get("selection", {}) if hasattr(event, "get") else getattr(event, "selection", {})
    rows = selection.get("rows", []) if hasattr(selection, "get") else []
    if not rows or not 0 <= int(rows[0]) < len(frame):
        return None
    return frame.iloc[int(rows[0])].to_dict()


def thread_key(platform: str, thread_id: str) -> str:
    """``("twitter", "123")`` -> ``"twitter:123"``, the thread's form in the URL."""
    return f"{platform}:{thread_id}"


def parse_thread_key(text: str | None) -> tuple[str | None, str] | None:
    """``"twitter:123"`` -> ``("twitter", "123")``; a bare id -> ``(None, "123")``; empty -> None."""
    if not text or not text.strip():
        return None
    platform, sep, thread_id = text.strip().partition(":")
    if not sep:
        return None, platform
    if not thread_id:
        return None
    return platform or None, thread_id


def theme_from_chart(event: Any) -> tuple[date, str] | None:
    """(bucket start, theme) of the first selected point of the theme chart (``customdata = [theme, ...]``)."""
    for point in _points(event):
        start = _as_date(point.get("x"))
        custom = point.get("customdata") or []
        theme = custom[0] if isinstance(custom, (list, tuple)) and custom else None
        if start is not None and theme:
            return start, str(theme)
    return None
