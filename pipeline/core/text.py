"""Core: how values are put in words and plain Python, the same on the pages, in reports, alerts and the CLI."""

from __future__ import annotations

import pandas as pd

from pipeline.core.i18n import _, fmt_num


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts: lists for list columns, None for missing values (NaN, NaT, NA)."""
    return [
        {
            key: (
                list(value)
                if hasattr(value, "tolist") and not isinstance(value, str)
                else None
                if is_missing(value)
                else value
            )
            for key, value in row.items()
        }
        for row in frame.to_dict("records")
    ]


def is_missing(value) -> bool:
    """None, NaN, NaT or pd.NA (and never an error for lists and arrays)."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def minutes_text(minutes) -> str:
    """``95`` -> ``"1 h 35 min"``, as on the pages and in the reports and alerts (in the current language)."""
    if is_missing(minutes):
        return "–"
    minutes = float(minutes)
    if minutes < 60:
        return _("{minutes} min").format(minutes=fmt_num(minutes, 0))
    if minutes < 48 * 60:
        return _("{hours} h {minutes} min").format(hours=int(minutes // 60), minutes=f"{int(minutes % 60):02d}")
    return _("{days} days").format(days=fmt_num(minutes / 1440, 1))
