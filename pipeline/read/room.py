"""The response room: one crisis's clock against the escalation plan, for the Crises page (while it is open)
and the retrospective (after): started, detected, alerted (to whom, over which channel), acknowledged, the
first response, the holding statement and updates against their targets, the five moves, and the decision
log, in time order; and when Radar would have alerted, had it been watching.

The room keeps what happened, not sentences: its words (the clock, the plan against reality) are written when
they are read, in the reader's language (a page run, a report), so a room cached by the dashboard reads in
whichever language the next person chose."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.i18n import N_, _, fmt_when, name_in
from pipeline.core.settings import load_settings
from pipeline.core.text import minutes_text
from pipeline.metrics.playbook import move_name
from pipeline.monitor.alerts import alert_log, alerts_in_language, crisis_log, state_name, utc_now
from pipeline.monitor.plan import MOVE_WORDS, load_plan
from pipeline.monitor.targets import Target, crisis_targets, would_have_alerted_at
from pipeline.read.queries import crisis_detail

# an alert's state in one word or two (the alert log's codes; ``STATE_WORDS`` says more)
_STATE_NAMES = {
    "queued": N_("queued"),
    "pending": N_("pending"),
    "sent": N_("sent"),
    "retrying": N_("retrying"),
    "held": N_("held"),
    "no channel": N_("no channel"),  # i18n: not text (the key: a state code)
    "history": N_("history"),
    "dropped": N_("dropped"),
}


def _state_name(state: str) -> str:
    return name_in(_STATE_NAMES, state)


@dataclass
class Room:
    crisis: dict
    as_of: datetime  # the targets are judged with the data up to here
    level: dict  # the plan's level for the crisis's severity
    targets: list[Target]
    moves: list[tuple[str, str, datetime | None, bool]]  # (move, English name, first made at, expected by the plan)
    # what happened, in time order: (when, kind, details); ``clock`` puts it in words
    events: list[tuple[pd.Timestamp, str, dict]] = field(default_factory=list)
    alerts: pd.DataFrame | None = None
    log: pd.DataFrame | None = None
    would_have_alerted_at: datetime | None = None

    @property
    def clock(self) -> list[tuple[pd.Timestamp, str]]:
        """(when, what) in time order, in the current language."""
        return [(when, _event_text(kind, details, self.as_of)) for when, kind, details in self.events]

    def first_response_gap(self) -> float | None:
        """Minutes from when Radar would have alerted to the brand's first response (negative: the brand was
        earlier), or None when either is unknown."""
        first = self.crisis.get("first_brand_response_at")
        if self.would_have_alerted_at is None or first is None:
            return None
        return (pd.Timestamp(first) - pd.Timestamp(self.would_have_alerted_at)).total_seconds() / 60

    @property
    def acknowledged(self) -> tuple[str, datetime] | None:
        if self.log is None or self.log.empty:
            return None
        acks = self.log[self.log["kind"] == "acknowledged"]
        return (acks.iloc[0]["by_name"], acks.iloc[0]["logged_at"]) if not acks.empty else None


def _event_text(kind: str, details: dict, as_of: datetime) -> str:
    """One line of the clock in the current language."""
    if kind == "started":
        return _("started (the first hour above the usual level)")
    if kind == "history":
        return _("found in old data when it was loaded: {subject} (not sent)").format(subject=details["subject"])
    if kind == "replayed":
        return _("detected by Radar in a replay of the exports (on the data up to then): {subject} ({state})").format(
            subject=details["subject"], state=state_name(details["state"])
        )
    if kind == "detected":
        return _("detected by Radar: {subject} ({state})").format(
            subject=details["subject"], state=state_name(details["state"])
        )
    if kind == "delivered":
        return _("alert delivered to {roles} ({channels})").format(roles=details["roles"], channels=details["channels"])
    if kind in ("acknowledged", "decision"):
        name, text = details["by_name"], details.get("text")
        if kind == "acknowledged":
            return (
                _("acknowledged by {name}: {entry}").format(name=name, entry=text)
                if text
                else _("acknowledged by {name}").format(name=name)
            )
        return (
            _("decision by {name}: {entry}").format(name=name, entry=text)
            if text
            else _("decision by {name}").format(name=name)
        )
    if kind == "target":
        target: Target = details["target"]
        return _("{target}: {how}").format(target=target.words, how=target.text(as_of))
    if kind == "back":
        return _("back within baseline")
    return kind


def _first_alert(alerts: pd.DataFrame) -> pd.Series:
    """The crisis alert that came first (a target alert raised in the same pass comes after it)."""
    order = alerts.assign(_later=~alerts["rule"].isin(["crisis", "severity_rise"]))
    return order.sort_values(["as_of", "_later", "raised_at"]).iloc[0]


def _when(value) -> str:
    return f"{fmt_when(value)} UTC"


def response_room(con: duckdb.DuckDBPyConnection, crisis_id: str, now: datetime | None = None) -> Room | None:
    crisis = crisis_detail(con, crisis_id)
    if crisis is None:
        return None
    plan = load_plan(con)
    brand_end = db.scalar(
        con, "SELECT max(created_at) FROM fct_posts WHERE coalesce(brand, '(none)') = ?", [crisis["brand"]]
    )
    as_of = min(now or utc_now(), brand_end) if brand_end is not None else (now or utc_now())
    level = plan["levels"][str(int(crisis["severity"]))]
    targets = crisis_targets(con, crisis, plan, as_of)
    made = dict(con.execute("SELECT move, first_at FROM crisis_moves WHERE crisis_id = ?", [crisis_id]).fetchall())
    moves = [(move, words, made.get(move), move in level["moves"]) for move, words in MOVE_WORDS.items()]
    alerts = alerts_in_language(alert_log(con, crisis_id=crisis_id, facts=True))
    log = crisis_log(con, crisis_id)
    room = Room(
        crisis,
        as_of,
        level,
        targets,
        moves,
        alerts=alerts,
        log=log,
        would_have_alerted_at=would_have_alerted_at(con, crisis, load_settings(con)),
    )
    events: list[tuple[object, str, dict]] = [(crisis["started_at"], "started", {})]
    if not alerts.empty:
        first = _first_alert(alerts)
        details = {"subject": first["subject"], "state": first["state"]}
        if first["state"] == "history":
            events.append((first["raised_at"], "history", details))
        elif first["replayed"]:
            events.append((first["as_of"], "replayed", details))
        else:
            events.append((first["raised_at"], "detected", details))
        sent = alerts.dropna(subset=["sent_at"]).sort_values("sent_at")
        if not sent.empty:
            events.append(
                (
                    sent.iloc[0]["sent_at"],
                    "delivered",
                    {"roles": sent.iloc[0]["roles"], "channels": sent.iloc[0]["channels"]},
                )
            )
    for _index, entry in log.iterrows():
        kind = "acknowledged" if entry["kind"] == "acknowledged" else "decision"
        text = entry["entry"] if isinstance(entry["entry"], str) else None
        events.append((entry["logged_at"], kind, {"by_name": entry["by_name"], "text": text}))
    for target in targets:
        if target.done_at is not None:
            events.append((target.done_at, "target", {"target": target}))
    if crisis.get("back_to_baseline_at") is not None:
        events.append((crisis["back_to_baseline_at"], "back", {}))
    room.events = sorted(
        ((pd.Timestamp(when), kind, details) for when, kind, details in events), key=lambda item: item[0]
    )
    return room


def _would_have_alerted(room: Room) -> str:
    alerted = room.would_have_alerted_at
    if alerted is None:
        return _("the detector does not flag it hour by hour within 4 days of its start")
    gap = room.first_response_gap()
    if gap is None:
        return _("{when}, on the posts available then").format(when=_when(alerted))
    if gap > 0:
        return _("{when}, on the posts available then; the brand's first response came {gap} later").format(
            when=_when(alerted), gap=minutes_text(abs(gap))
        )
    return _("{when}, on the posts available then; the brand's first response came {gap} earlier").format(
        when=_when(alerted), gap=minutes_text(abs(gap))
    )


def plan_against_reality(room: Room) -> list[tuple[str, str]]:
    """(what, how it went) rows for the retrospective, in the current language."""
    rows = [(_("Target: {target}").format(target=t.words), t.text(room.as_of)) for t in room.targets]
    rows.append((_("When Radar would have alerted"), _would_have_alerted(room)))
    if room.alerts is not None and not room.alerts.empty:
        first_alert = _first_alert(room.alerts)
        at = first_alert["as_of"] if first_alert["replayed"] else first_alert["raised_at"]
        values = {"when": _when(at), "subject": first_alert["subject"], "state": _state_name(first_alert["state"])}
        rows.append(
            (
                _("First alert"),
                _("{when}: {subject} ({state}; in a replay of the exports)").format(**values)
                if first_alert["replayed"]
                else _("{when}: {subject} ({state})").format(**values),
            )
        )
    else:
        rows.append((_("First alert"), _("none recorded in this database")))
    ack = room.acknowledged
    rows.append(
        (
            _("Acknowledged"),
            _("by {name}, {when}").format(name=ack[0], when=_when(ack[1])) if ack else _("not acknowledged"),
        )
    )
    unknown = room.crisis.get("replies_in_data") is False
    for move, _words, at, expected in room.moves:
        if not expected and at is None:
            continue
        if at is not None:
            seen = (
                _("first {when}").format(when=_when(at))
                if expected
                else _("first {when} (not expected at this severity)").format(when=_when(at))
            )
        elif unknown:
            seen = _("cannot be judged: the data holds no replies from {brand}").format(brand=room.crisis["brand"])
        else:
            seen = _("not seen")
        rows.append((_("Move: {move}").format(move=move_name(move)), seen))
    return rows
