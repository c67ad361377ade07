"""Settings: every threshold the analytics use, in one object the CLI and the dashboard show and change.

Stored as JSON in ``radar_meta`` (key ``settings``); missing keys take the defaults below, so older
databases keep working. Changing a setting is followed by ``radar recompute`` (the dashboard does it).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.core.i18n import LOCALES, N_, name_in, weekday_names

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Detector:
    """What makes an hour anomalous and a run of anomalous hours a crisis (see metrics/crises.py)."""

    z: float  # robust z of negative posts (hourly or over 3 hours) at or above this
    share_points: float  # and the negative share at least this many points above its baseline
    min_negative: int  # and at least this many negative posts in the 3 hours up to it
    min_hours: int  # a crisis has at least this many anomalous hours
    merge_gap_hours: int  # anomalous runs closer than this are one crisis
    resolve_hours: int  # back within baseline this long = resolved


SENSITIVITY: dict[str, Detector] = {
    "low": Detector(z=5.0, share_points=0.10, min_negative=10, min_hours=4, merge_gap_hours=3, resolve_hours=24),
    "normal": Detector(z=4.0, share_points=0.03, min_negative=6, min_hours=3, merge_gap_hours=3, resolve_hours=12),
    "high": Detector(z=3.5, share_points=0.0, min_negative=6, min_hours=3, merge_gap_hours=3, resolve_hours=12),
}

SENSITIVITY_NAMES = {"low": N_("low"), "normal": N_("normal"), "high": N_("high")}


def business_day_name(day: str) -> str:
    """``"mon"`` -> "Mon", "lun", "pon.": a business day, abbreviated in the current language."""
    return weekday_names("abbreviated")[WEEKDAYS.index(day)] if day in WEEKDAYS else day


def sensitivity_name(level: str) -> str:
    """A sensitivity preset in the current language."""
    return name_in(SENSITIVITY_NAMES, level)


@dataclass(frozen=True)
class Settings:
    business_time_zone: str = "UTC"
    business_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    business_start: str = "09:00"
    business_end: str = "17:00"
    holidays: tuple[str, ...] = ()  # ISO dates, in the business time zone
    sla_minutes: int = 60
    sensitivity: str = "normal"
    # the language of people whose browser asks for none Radar speaks, and of reports and alerts that choose none
    locale: str = "en"

    @property
    def detector(self) -> Detector:
        return SENSITIVITY[self.sensitivity]

    @property
    def business_day_numbers(self) -> list[int]:
        """ISO day numbers (Monday 1 .. Sunday 7) of the business days."""
        return [WEEKDAYS.index(day) + 1 for day in self.business_days]

    def validate(self) -> Settings:
        """Return self, or raise ValueError naming the setting that is wrong."""
        try:
            ZoneInfo(self.business_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"business_time_zone: unknown time zone {self.business_time_zone!r} (use a name such as Europe/Madrid)"
            ) from None
        for name in ("business_start", "business_end"):
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", getattr(self, name)):
                raise ValueError(f"{name}: {getattr(self, name)!r} is not a time like 09:00")
        if self.business_end <= self.business_start:
            raise ValueError("business hours: the end must be later than the start")
        for day in self.business_days:
            if day not in WEEKDAYS:
                raise ValueError(f"business_days: {day!r} is not one of {', '.join(WEEKDAYS)}")
        for holiday in self.holidays:
            try:
                date.fromisoformat(holiday)
            except ValueError:
                raise ValueError(f"holidays: {holiday!r} is not a date like 2026-12-25") from None
        if not 1 <= int(self.sla_minutes) <= 60 * 24 * 30:
            raise ValueError("sla_minutes: must be between 1 and 43200")
        if self.sensitivity not in SENSITIVITY:
            raise ValueError(f"sensitivity: {self.sensitivity!r} is not one of {', '.join(SENSITIVITY)}")
        if self.locale not in LOCALES:
            raise ValueError(f"locale: {self.locale!r} is not one of {', '.join(LOCALES)}")
        return self

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def analytics_key(self) -> str:
        """The settings the analytics depend on, as text (all but the default language)."""
        return json.dumps({k: v for k, v in asdict(self).items() if k != "locale"}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Settings:
        values = json.loads(text) if text else {}
        known = {f.name for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in known}
        return cls(**values)

    def updated(self, **changes) -> Settings:
        return replace(self, **changes).validate()


def load_settings(con) -> Settings:
    from pipeline.core.db import get_meta

    return Settings.from_json(get_meta(con, "settings"))


def save_settings(con, settings: Settings) -> None:
    from pipeline.core.access import record_change
    from pipeline.core.db import set_meta

    before, after = asdict(load_settings(con)), asdict(settings.validate())
    changed = [f"{key} {before[key]!r} -> {after[key]!r}" for key in after if before.get(key) != after[key]]
    set_meta(con, "settings", settings.to_json())
    if changed:
        record_change(con, "settings", "; ".join(changed))
