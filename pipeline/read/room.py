"""The response room: one crisis's clock against the escalation plan, for the Crises page (while it is open)
and the retrospective (after): started, detected, alerted (to whom, over which channel), acknowledged, the
first response, the holding statement and updates against their targets, the five moves, and the decision
log, in time order; and when Radar would have alerted, had it been watching."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.settings import load_settings
from pipeline.core.text import minutes_text
from pipeline.monitor.alerts import STATE_WORDS, alert_log, crisis_log, utc_now
from pipeline.monitor.plan import MOVE_WORDS, load_plan
from pipeline.monitor.targets import Target, crisis_targets, would_have_alerted_at
from pipeline.read.queries import crisis_detail


@dataclass
class Room:
    crisis: dict
    as_of: datetime  # the targets are judged with the data up to here
    level: dict  # the plan's level for the crisis's severity
    targets: list[Target]
    moves: list[tuple[str, str, datetime | None, bool]]  # (move, words, first made at, expected by the plan)
    clock: list[tuple[datetime, str]] = field(default_factory=list)  # (when, what) in time order
    alerts: pd.DataFrame | None = None
    log: pd.DataFrame | None = None
    would_have_alerted_at: datetime | None = None

    def first_response_after_alert(self) -> str:
        """ "; the brand's first response came 12 h 37 min later" (or earlier), or "" when either is unknown."""
        first = self.crisis.get("first_brand_response_at")
        if self.would_have_alerted_at is None or first is None:
            return ""
        gap = (pd.Timestamp(first) - pd.Timestamp(self.would_have_alerted_at)).total_seconds() / 60
        return f"; the brand's first response came {minutes_text(abs(gap))} {'later' if gap > 0 else 'earlier'}"

    @property
    def acknowledged(self) -> tuple[str, datetime] | None:
        if self.log is None or self.log.empty:
            return None
        acks = self.log[self.log["kind"] == "acknowledged"]
        return (acks.iloc[0]["by_name"], acks.iloc[0]["logged_at"]) if not acks.empty else None


def _first_alert(alerts: pd.DataFrame) -> pd.Series:
    """The crisis alert that came first (a target alert raised in the same pass comes after it)."""
    order = alerts.assign(_later=~alerts["rule"].isin(["crisis", "severity_rise"]))
    return order.sort_values(["as_of", "_later", "raised_at"]).iloc[0]


def _when(value) -> str:
    return f"{value:%a %d %b %H:%M} UTC"


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
    alerts = alert_log(con, crisis_id=crisis_id)
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
    clock = [(crisis["started_at"], "started (the first hour above the usual level)")]
    if not alerts.empty:
        first = _first_alert(alerts)
        if first["state"] == "history":
            clock.append((first["raised_at"], f"found in old data when it was loaded: {first['subject']} (not sent)"))
        elif first["replayed"]:
            clock.append(
                (
                    first["as_of"],
                    f"detected by Radar in a replay of the exports (on the data up to then): "
                    f"{first['subject']} ({STATE_WORDS.get(first['state'], first['state'])})",
                )
            )
        else:
            clock.append(
                (
                    first["raised_at"],
                    f"detected by Radar: {first['subject']} ({STATE_WORDS.get(first['state'], first['state'])})",
                )
            )
        sent = alerts.dropna(subset=["sent_at"]).sort_values("sent_at")
        if not sent.empty:
            clock.append(
                (sent.iloc[0]["sent_at"], f"alert delivered to {sent.iloc[0]['roles']} ({sent.iloc[0]['channels']})")
            )
    for _, entry in log.iterrows():
        what = "acknowledged" if entry["kind"] == "acknowledged" else "decision"
        text = entry["entry"] if isinstance(entry["entry"], str) else None
        clock.append((entry["logged_at"], f"{what} by {entry['by_name']}" + (f": {text}" if text else "")))
    for target in targets:
        if target.done_at is not None:
            clock.append((target.done_at, f"{target.words}: {target.text(as_of)}"))
    if crisis.get("back_to_baseline_at") is not None:
        clock.append((crisis["back_to_baseline_at"], "back within baseline"))
    room.clock = sorted(((pd.Timestamp(when), what) for when, what in clock), key=lambda item: item[0])
    return room


def plan_against_reality(room: Room) -> list[tuple[str, str]]:
    """(what, how it went) rows for the retrospective."""
    rows = [(f"Target: {t.words}", t.text(room.as_of)) for t in room.targets]
    alerted = room.would_have_alerted_at
    if alerted is not None:
        rows.append(
            (
                "When Radar would have alerted",
                f"{_when(alerted)}, on the posts available then{room.first_response_after_alert()}",
            )
        )
    else:
        rows.append(
            ("When Radar would have alerted", "the detector does not flag it hour by hour within 4 days of its start")
        )
    if room.alerts is not None and not room.alerts.empty:
        first_alert = _first_alert(room.alerts)
        at = first_alert["as_of"] if first_alert["replayed"] else first_alert["raised_at"]
        rows.append(
            (
                "First alert",
                f"{_when(at)}: {first_alert['subject']} ({first_alert['state']}"
                + ("; in a replay of the exports" if first_alert["replayed"] else "")
                + ")",
            )
        )
    else:
        rows.append(("First alert", "none recorded in this database"))
    ack = room.acknowledged
    rows.append(("Acknowledged", f"by {ack[0]}, {_when(ack[1])}" if ack else "not acknowledged"))
    unknown = room.crisis.get("replies_in_data") is False
    for _move, words, at, expected in room.moves:
        if expected or at is not None:
            seen = (
                f"first {_when(at)}"
                if at is not None
                else f"cannot be judged: the data holds no replies from {room.crisis['brand']}"
                if unknown
                else "not seen"
            )
            rows.append((f"Move: {words}", seen + ("" if expected else " (not expected at this severity)")))
    return rows
