"""Metrics: the escalation plan against reality for one crisis, and when Radar would have alerted.

**Targets** (from the plan's level for the crisis's severity, ``pipeline/monitor/plan.py``), all from the crisis's
start, on the calendar clock:

- ``first_response``: the first brand response to one of the crisis's complaints (``first_brand_response_at``:
  only complaints whose export holds the brand's replies; when none does, the target cannot be judged).
- ``holding``: the holding statement, the brand's first post in the crisis's context that explains and keeps
  people informed (the ``explain`` move: ``crises.STATEMENTS_IN_CONTEXT``).
- ``update``: for levels with an update cadence, a new statement at most ``update_hours`` after the one
  before, until the crisis is back within baseline (or, while it is open, up to the end of the data). Each
  longer gap is a missed update (``update`` 1, 2, ...: due ``update_hours`` after the statement before it);
  while the crisis is open, the next update is a target too. When none was missed, one ``updates`` row says
  how many statements there were and the longest gap.

Each target is **met** (by the time it was done, so many minutes before or after the target), **missed**
(done late, by how long; or not done by the end of the data although due), **due soon** (not done, and less
than ``warn_share`` of its time is left), **pending** (not due yet, as far as the data goes) or **unknown**
(the data cannot tell). "The end of the data" is the clock the targets are judged by: a reply that comes in
the next export is not a miss yet.

**When Radar would have alerted**: the first hour at which the detector, run on the brand's hourly series
cut at that hour (only the posts available then), finds a crisis overlapping this one: the alert time had
Radar been watching, to compare with the brand's first response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from pipeline.core import db
from pipeline.core.i18n import N_, _, fmt_int, fmt_num, fmt_when, ngettext
from pipeline.core.settings import Settings
from pipeline.core.text import minutes_text
from pipeline.metrics.crises import STATEMENTS_IN_CONTEXT
from pipeline.metrics.detector import detect_crises

TARGET_WORDS = {
    "first_response": N_("first brand response"),
    "holding": N_("holding statement"),
    "update": N_("update"),
    "updates": N_("updates"),
}
MAX_UPDATES = 48


def _at(value: datetime | None) -> str:
    """A moment of a target, "Sat 14 Nov 16:00 UTC" (in the current language)."""
    return f"{fmt_when(value)} UTC"


def _moment(value) -> datetime:
    """A moment kept in an alert's facts (JSON: text) as a datetime again."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Target:
    kind: str  # first_response | holding | update
    number: int  # 1 for the first two; the n-th missed or open update; statements for ``updates``
    due_at: datetime
    done_at: datetime | None
    state: str  # met | missed | due soon | pending | unknown
    post: tuple[str, str] | None = None  # (platform, post_id) of the post that met it
    # why it cannot be judged (unknown), why it was missed, or how the updates went: a code and its values
    # (``why_text`` puts them in words in the current language), kept as they are in an alert's facts
    why: tuple | None = None

    @property
    def key(self) -> str:
        return f"update{self.due_at:%Y%m%dT%H%M}" if self.kind == "update" else self.kind

    @property
    def label(self) -> str:
        """The target in English, as alerts store it (``facts.target``: a key that finds an alert raised already,
        whatever language it was written in)."""
        if self.kind == "update":
            return f"update due {self.due_at:%a %d %b %H:%M} UTC"  # i18n: not text -- a stored key
        return TARGET_WORDS[self.kind]

    @property
    def words(self) -> str:
        """The target in words, in the current language."""
        if self.kind == "update":
            return _("update due {when}").format(when=_at(self.due_at))
        return _(TARGET_WORDS[self.kind])

    @property
    def late_minutes(self) -> float | None:
        """Minutes after the target it was done (negative: early); None when not done."""
        if self.done_at is None:
            return None
        return (self.done_at - self.due_at).total_seconds() / 60

    def why_text(self) -> str:
        if not self.why:
            return ""
        if isinstance(self.why, str):
            return self.why
        code, *values = self.why
        if code == "no_replies":
            return _("the data holds no replies from {brand}").format(brand=values[0])
        if code == "no_statement_until_recovery":
            return _("no statement after {at} until the crisis was back within baseline ({end})").format(
                at=_at(_moment(values[0])), end=_at(_moment(values[1]))
            )
        if code == "no_statement_by_data_end":
            return _("no statement after {at} by the end of the data ({end})").format(
                at=_at(_moment(values[0])), end=_at(_moment(values[1]))
            )
        if code == "statements":
            count, longest, every = values
            return ngettext(
                "{count} statement, at most {gap} apart (the plan: every {hours} h)",
                "{count} statements, at most {gap} apart (the plan: every {hours} h)",
                int(count),
            ).format(count=fmt_int(count), gap=minutes_text(longest), hours=fmt_hours(every))
        return str(code)

    def text(self, as_of: datetime | None = None) -> str:
        """How the target went, in words in the current language."""
        due = _at(self.due_at)
        if self.state == "unknown":
            return _("cannot be judged: {why}").format(why=self.why_text())
        if self.kind == "updates":
            return _("met: {why}").format(why=self.why_text())
        late = self.late_minutes
        if late is not None:
            return (
                _("met, {duration} before the target ({done})").format(
                    duration=minutes_text(abs(late)), done=_at(self.done_at)
                )
                if late <= 0
                else _("missed by {duration} (done {done}, due {due})").format(
                    duration=minutes_text(abs(late)), done=_at(self.done_at), due=due
                )
            )
        if self.state == "missed" and self.why:
            return _("missed: {why}").format(why=self.why_text())
        if self.state == "missed":
            return (
                _("missed: not done by the end of the data, {duration} after the target (due {due})").format(
                    duration=minutes_text((as_of - self.due_at).total_seconds() / 60), due=due
                )
                if as_of
                else _("missed (due {due})").format(due=due)
            )
        if self.state == "due soon":
            left = (self.due_at - as_of).total_seconds() / 60 if as_of else None
            return (
                _("due soon: {duration} left (due {due})").format(duration=minutes_text(left), due=due)
                if left is not None
                else _("due soon (due {due})").format(due=due)
            )
        return _("not due yet (due {due})").format(due=due)


def fmt_hours(value: float) -> str:
    """A plan's cadence in hours as the plan writes it (``4``, ``0.5``), with the locale's decimal mark."""
    return fmt_num(value, 0) if float(value).is_integer() else fmt_num(value, 2).rstrip("0")


def _state(due: datetime, done: datetime | None, as_of: datetime, warn: timedelta) -> str:
    if done is not None:
        return "met" if done <= due else "missed"
    if as_of >= due:
        return "missed"
    return "due soon" if as_of >= due - warn else "pending"  # i18n: not text -- state codes


def crisis_horizon(con, crisis: dict) -> datetime | None:
    """The end of the crisis's aftermath (its last phase), or the end of its data while open."""
    end = db.scalar(con, "SELECT max(ended_at) FROM fct_crisis_phases WHERE crisis_id = ?", [crisis["crisis_id"]])
    return (
        end if crisis.get("back_to_baseline_at") is not None and end is not None else crisis.get("data_end_at") or end
    )


def statements(con, crisis: dict) -> list[tuple[datetime, str, str]]:
    """(created_at, platform, post_id) of the brand's statements in the crisis's context, in time order."""
    return con.execute(
        STATEMENTS_IN_CONTEXT,
        {
            "brand": crisis["brand"],
            "started": crisis["started_at"],
            "recovered": crisis.get("back_to_baseline_at"),
            "horizon": crisis_horizon(con, crisis),
        },
    ).fetchall()


def crisis_targets(con, crisis: dict, plan: dict, as_of: datetime) -> list[Target]:
    """The plan's targets for the crisis's severity and how each went, judged with the data up to ``as_of``."""
    level = plan["levels"][str(int(crisis["severity"]))]
    started = crisis["started_at"]
    warn_share = plan["warn_share"]
    targets = []
    due = started + timedelta(minutes=level["first_response_minutes"])
    warn = timedelta(minutes=warn_share * level["first_response_minutes"])
    if crisis.get("replies_in_data") is False:
        targets.append(Target("first_response", 1, due, None, "unknown", why=("no_replies", crisis["brand"])))
    else:
        done = crisis.get("first_brand_response_at")
        done = done if done is not None and not pd.isna(done) else None
        targets.append(Target("first_response", 1, due, done, _state(due, done, as_of, warn)))
    if not level["holding_minutes"]:
        return targets
    said = statements(con, crisis)
    due = started + timedelta(minutes=level["holding_minutes"])
    warn = timedelta(minutes=warn_share * level["holding_minutes"])
    first = said[0] if said else None
    targets.append(
        Target(
            "holding",
            1,
            due,
            first[0] if first else None,
            _state(due, first[0] if first else None, as_of, warn),
            post=(first[1], first[2]) if first else None,
        )
    )
    if not level["update_hours"] or first is None:
        return targets
    every = timedelta(hours=level["update_hours"])
    back = crisis.get("back_to_baseline_at")
    end = min(back, as_of) if back is not None and not pd.isna(back) else as_of
    times = [s for s in said if s[0] <= end]
    number, longest = 0, timedelta(0)
    for (at, _platform, _post), after in zip(times, times[1:] + [None]):
        gap_end = after[0] if after is not None else end
        longest = max(longest, gap_end - at)
        if after is not None and after[0] - at <= every:
            continue
        if after is None and at + every >= end:
            if back is None or pd.isna(back):  # open: the next update is due
                number += 1
                targets.append(
                    Target("update", number, at + every, None, _state(at + every, None, as_of, warn_share * every))
                )
            break
        number += 1
        recovered = back is not None and not pd.isna(back)
        targets.append(
            Target(
                "update",
                number,
                at + every,
                after[0] if after is not None else None,
                "missed",
                post=(after[1], after[2]) if after is not None else None,
                why=None
                if after is not None
                else ("no_statement_until_recovery" if recovered else "no_statement_by_data_end", at, end),
            )
        )
        if number >= MAX_UPDATES:
            break
    if times and not any(t.kind == "update" and t.state == "missed" for t in targets):
        targets.append(
            Target(
                "updates",
                len(times),
                first[0],
                times[-1][0],
                "met",
                why=("statements", len(times), longest.total_seconds() / 60, level["update_hours"]),
            )
        )
    return targets


def would_have_alerted_at(con, crisis: dict, settings: Settings, *, max_hours: int = 96) -> datetime | None:
    """The first time the detector, run on only the posts available then (the brand's hourly series cut at
    each hour from 6 hours before the start), flags a crisis overlapping this one; None if it never does within
    ``max_hours`` of the start (or before the data ends)."""
    started = pd.Timestamp(crisis["started_at"])
    series = con.execute(
        "SELECT hour_at, negative_posts, scored_posts, is_gap FROM fct_hourly WHERE brand = ? "
        "AND hour_at < ? ORDER BY hour_at",
        [crisis["brand"], (started + pd.Timedelta(hours=max_hours)).to_pydatetime()],
    ).df()
    if series.empty:
        return None
    hours = pd.DatetimeIndex(series["hour_at"])
    negative, scored, gap = (series[c].to_numpy() for c in ("negative_posts", "scored_posts", "is_gap"))
    peak = pd.Timestamp(crisis["peak_at"])
    first = int(hours.searchsorted(started - pd.Timedelta(hours=6)))
    for cut in range(max(first, 1), len(hours) + 1):
        windows = detect_crises(hours[:cut], negative[:cut], scored[:cut], gap[:cut], settings.detector)
        for window in windows:
            end = window.ended_at if window.ended_at is not None else window.data_end_at
            if window.started_at <= peak and (end is None or end >= started):
                return (hours[cut - 1] + pd.Timedelta(hours=1)).to_pydatetime()
    return None
