"""Alerts: the rules that watch the analytics, and the outbox they write to.

``raise_alerts`` runs at the end of every analytics update (in the same transaction, so an alert exists
exactly when the analytics that raised it do) and at every pass of ``radar watch`` (the clock moves even
when no export arrives). Each alert has a **key** (rule + crisis or window + level): a condition already
alerted is never raised again. Rules, each with its reason in words and the numbers behind it:

- ``crisis``: a new crisis, with severity, reasons, top terms, counts and example posts; ``severity_rise``:
  a crisis graded higher than when it was last alerted.
- ``target_due`` and ``target_missed``: a target of the escalation plan (first response, holding statement,
  update cadence; ``metrics/targets.py``) about to be missed or missed; a missed one also goes to the next
  level's roles.
- ``waiting``: customer posts waiting past the SLA with no reply (a digest per brand at most every
  ``waiting_digest_hours``: how many, the oldest, the most exposed).
- ``blind_spot``: no new export for ``blind_spot_hours`` (``blind_spot_hours_in_crisis`` while a crisis is
  open), or exports that hold no posts for as long between them; ``import_failed``: a file that could not be
  read (raised by the watcher).

**Now and live.** Alerts judge the data as it stands: a crisis is *live* when its brand's data reaches into
the last ``live_hours`` before now and the crisis is open or ended within them. Others (a backfill of last
year's exports) are listed with the status ``history`` and never sent. ``now`` is the wall clock, or, for a
replay of old exports (``radar watch --replay``), the newest post in the data.

**Competitors.** A competitor's crisis (``pipeline.core.brands`` roles) is news, not a task: it is alerted once per
severity to the plan's ``monitoring_roles`` only (rule ``competitor_crisis``), never as a response target or
a waiting queue: Radar does not judge a competitor's replies for the team.

**Fatigue.** Below severity 3, an alert of a rule and brand raised within ``cooldown_minutes`` of another is
recorded as ``held``; severity 1 waits for the daily digest; severity 3-4 are never held back.

Statuses: ``queued`` (deliveries in ``alert_deliveries``, see ``pipeline.monitor.notify``), ``no channel`` (the
plan's roles have no channel yet: recorded so a new user sees what would have gone out), ``held``,
``history``.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import duckdb

from pipeline.core import db
from pipeline.core.access import record_change
from pipeline.core.settings import Settings, load_settings
from pipeline.core.text import minutes_text, plain_records
from pipeline.monitor.plan import MOVE_WORDS, channels_of, load_plan

RULE_WORDS = {
    "crisis": "new crisis",
    "severity_rise": "severity rose",
    "target_due": "target about to be missed",
    "target_missed": "target missed",
    "waiting": "posts waiting past the SLA",
    "competitor_crisis": "a competitor's crisis",
    "blind_spot": "monitoring blind spot",
    "import_failed": "import failed",
    "test": "test message",
}
STATE_WORDS = {
    "queued": "queued",
    "pending": "pending: not delivered yet",
    "sent": "sent",
    "retrying": "retrying: a channel did not accept it yet",
    "held": "held: cool-down after a similar alert",
    "no channel": "recorded: the plan gives its roles no channel yet",
    "history": "history: found in old data, not sent",
    "dropped": "dropped: its channels were removed from the plan before it went out",
}
_RECENT_WAITING_HOURS = 72  # posts older than this in the waiting digest are the backlog, not news


def utc_now() -> datetime:
    return datetime.now(UTC)


def data_clock(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The newest post in the data: "now" for a replay of old exports."""
    return db.scalar(con, "SELECT max(created_at) FROM fct_posts")


def link(plan: dict, page: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
    return f"{plan['dashboard_url'].rstrip('/')}/{page}" + (f"?{query}" if query else "")


@dataclass
class Alert:
    key: str
    rule: str
    subject: str
    body: str
    roles: list[str]
    as_of: datetime
    brand: str | None = None
    crisis_id: str | None = None
    severity: int | None = None
    facts: dict | None = None
    link: str | None = None
    digest: bool = False
    live: bool = True
    replayed: bool = False  # judged on the data's clock (``radar watch --replay``, the demo), not the wall clock


def record_alert(con: duckdb.DuckDBPyConnection, alert: Alert, plan: dict) -> str | None:
    """Write the alert and its deliveries to the outbox, unless its key is there already; return its status
    (None when it was there)."""
    if db.scalar(con, "SELECT count(*) FROM alerts WHERE alert_key = ?", [alert.key]):
        return None
    now = utc_now()
    channels = channels_of(plan, alert.roles)
    if not alert.live:
        status = "history"
    elif (
        (alert.severity or 0) < 3
        and alert.rule not in ("import_failed", "test")
        and db.scalar(
            con,
            """
            SELECT count(*) FROM alerts WHERE rule = ? AND brand IS NOT DISTINCT FROM ?
              AND (? IS NULL OR json_extract_string(facts, '$.target') IS NOT DISTINCT FROM ?)
              AND status IN ('queued', 'no channel') AND as_of > ? AND as_of <= ?""",
            [
                alert.rule,
                alert.brand,
                _target(alert),
                _target(alert),
                alert.as_of - timedelta(minutes=plan["cooldown_minutes"]),
                alert.as_of,
            ],
        )
    ):
        status = "held"  # the same kind of news for the same brand (and target) a moment ago
    else:
        status = "queued" if channels else "no channel"
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            alert.key,
            alert.rule,
            alert.brand,
            alert.crisis_id,
            alert.severity,
            now,
            alert.as_of,
            alert.subject,
            alert.body,
            json.dumps(alert.facts, default=str) if alert.facts else None,
            alert.link,
            alert.roles,
            status,
            alert.digest,
            alert.replayed,
        ],
    )
    db.bump_monitoring_version(con)
    if status == "queued":
        first = next_digest(plan, now, load_settings(con)) if alert.digest else now
        con.executemany(
            "INSERT INTO alert_deliveries VALUES (?, ?, ?, 'pending', 0, ?, NULL, NULL)",
            [(alert.key, channel, role, first) for role, channel in channels],
        )
    return status


def _target(alert: Alert) -> str | None:
    """The plan target a target alert is about (a missed first response is other news than a missed holding
    statement: the cool-down never holds one back for the other)."""
    return (alert.facts or {}).get("target") if alert.rule in ("target_due", "target_missed") else None


def next_digest(plan: dict, after: datetime, settings: Settings | None = None) -> datetime:
    """The next daily digest time (``digest_time`` in the business time zone) after ``after``."""
    zone = ZoneInfo(settings.business_time_zone) if settings else UTC
    hour, minute = (int(part) for part in plan["digest_time"].split(":"))
    local = after.astimezone(zone)
    at = datetime.combine(local.date(), dtime(hour, minute), tzinfo=zone)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), dtime(hour, minute), tzinfo=zone)
    return at.astimezone(UTC)


def _when(value: datetime | None) -> str:
    return f"{value:%a %d %b %Y, %H:%M} UTC" if value is not None else "unknown"


def _examples(con, crisis: dict, limit: int = 3) -> list[str]:
    rows = con.execute(
        """
        SELECT author_id, text FROM posts
        WHERE NOT is_brand AND coalesce(brand, '(none)') = ? AND sentiment_label = 'negative' AND created_at >= ?
          AND (? IS NULL OR created_at < ?) AND list_contains(?::VARCHAR[], thread_id)
        ORDER BY created_at LIMIT ?""",
        [
            crisis["brand"],
            crisis["started_at"],
            crisis["ended_at"],
            crisis["ended_at"],
            list(crisis["top_threads"]),
            limit,
        ],
    ).fetchall()
    if len(rows) < limit:
        rows += con.execute(
            """
            SELECT author_id, text FROM posts
            WHERE NOT is_brand AND coalesce(brand, '(none)') = ? AND sentiment_label = 'negative' AND created_at >= ?
              AND (? IS NULL OR created_at < ?) ORDER BY coalesce(reach, likes, 0) DESC, created_at LIMIT ?""",
            [crisis["brand"], crisis["started_at"], crisis["ended_at"], crisis["ended_at"], limit],
        ).fetchall()
    seen, out = set(), []
    for author, text in rows:
        if text not in seen:
            seen.add(text)
            out.append(f"@{str(author).lstrip('@')}: {' '.join(str(text).split())[:240]}")
    return out[:limit]


def _crisis_alert(
    con, crisis: dict, plan: dict, as_of: datetime, live: bool, previous: int | None, *, competitor: bool = False
) -> Alert:
    """A new crisis or a rise in severity. A competitor's is news for the monitoring roles: no plan, no
    digest (rule ``competitor_crisis``)."""
    severity = int(crisis["severity"])
    level = plan["levels"][str(severity)]
    rule = "competitor_crisis" if competitor else "crisis" if previous is None else "severity_rise"
    brand = crisis["brand"]
    headline = (
        f"severity {severity} ({crisis['severity_name']}) for {brand}"
        if previous is None
        else f"{brand}'s crisis rose from severity {previous} to {severity} ({crisis['severity_name']})"
    )
    state = (
        "still above the usual level at the end of the data"
        if crisis.get("back_to_baseline_at") is None
        else f"back to baseline {_when(crisis['back_to_baseline_at'])}"
    )
    examples = _examples(con, crisis)
    facts = {
        "severity": severity,
        "started_at": crisis["started_at"],
        "peak_at": crisis["peak_at"],
        "posts": int(crisis["posts"]),
        "negative_posts": int(crisis["negative_posts"]),
        "authors": int(crisis["authors"]),
        "platforms": int(crisis["platforms"]),
        "reasons": list(crisis["severity_reasons"]),
        "top_terms": list(crisis["top_terms"]),
        "examples": examples,
        "previous_severity": previous,
    }
    body = "\n".join(
        [
            f"{headline[0].upper() + headline[1:]}: started {_when(crisis['started_at'])}, "
            f"peak {_when(crisis['peak_at'])}, {state}.",
            f"{crisis['negative_posts']:,} negative of {crisis['posts']:,} customer posts from {crisis['authors']:,} "
            f"authors on {crisis['platforms']:,} platform{'s' if crisis['platforms'] != 1 else ''}.",
            "Why this severity: " + "; ".join(crisis["severity_reasons"]) + ".",
            "Top terms: " + (", ".join(crisis["top_terms"]) or "none stood out") + ".",
            *(["Example posts:", *(f"  {example}" for example in examples)] if examples else []),
            *(
                ["A competitor's crisis: no action is expected of the team; watch whether it reaches our brands."]
                if competitor
                else [
                    f"The plan for severity {severity}: " + "; ".join(level["checklist"]) + ".",
                    "Expected moves: " + ", ".join(MOVE_WORDS[m] for m in level["moves"]) + ".",
                ]
            ),
        ]
    )
    kind = "Crisis" if previous is None else "Severity up"
    return Alert(
        key=f"{rule if live else 'history'}:{crisis['crisis_id']}:{severity}",
        rule=rule,
        brand=brand,
        crisis_id=crisis["crisis_id"],
        severity=severity,
        as_of=as_of,
        live=live,
        roles=list(plan["monitoring_roles"] if competitor else level["roles"]),
        facts=facts,
        body=body,
        subject=f"[Radar] {'Competitor ' + kind.lower() if competitor else kind}: {headline}",
        link=link(plan, "crises", crisis=crisis["crisis_id"]),
        digest=level["digest"] and live and not competitor,
    )


def _target_alerts(con, crisis: dict, plan: dict, as_of: datetime) -> list[Alert]:
    from pipeline.monitor.targets import crisis_targets

    severity = int(crisis["severity"])
    roles = list(plan["levels"][str(severity)]["roles"])
    above = list(plan["levels"][str(min(severity + 1, 4))]["roles"])
    out = []
    for target in crisis_targets(con, crisis, plan, as_of):
        if target.state not in ("due soon", "missed") or (target.state == "due soon" and target.done_at):
            continue
        if db.scalar(
            con,
            "SELECT count(*) FROM alerts WHERE crisis_id = ? AND rule = ? AND severity = ? "
            "AND json_extract_string(facts, '$.target') = ?",
            [
                crisis["crisis_id"],
                "target_missed" if target.state == "missed" else "target_due",
                severity,
                target.words,
            ],
        ):
            continue  # raised already for this crisis (under an id its start had before)
        missed = target.state == "missed"
        if missed and target.done_at is not None and target.done_at < as_of - timedelta(hours=plan["live_hours"]):
            continue  # a target missed long ago, and met since: history, not news
        rule = "target_missed" if missed else "target_due"
        text = target.text(as_of)
        facts = {
            "target": target.words,
            "due_at": target.due_at,
            "done_at": target.done_at,
            "state": target.state,
            "late_minutes": target.late_minutes,
        }
        if missed and target.done_at is None:
            facts["late_minutes"] = round((as_of - target.due_at).total_seconds() / 60, 1)
        body = (
            f"{crisis['brand']}'s crisis (severity {severity}, started {_when(crisis['started_at'])}): the "
            f"{target.words} {'was' if missed else 'is'} due {_when(target.due_at)}; {text}."
        )
        if not missed:
            body += f" {minutes_text((target.due_at - as_of).total_seconds() / 60)} left by the data so far."
        out.append(
            Alert(
                key=f"{rule}:{crisis['crisis_id']}:{target.key}:{severity}",
                rule=rule,
                brand=crisis["brand"],
                crisis_id=crisis["crisis_id"],
                severity=severity,
                as_of=as_of,
                roles=roles + [r for r in above if missed and r not in roles],
                facts=facts,
                subject=f"[Radar] {'Missed' if missed else 'Due soon'}: {target.words} for {crisis['brand']}'s crisis",
                body=body,
                link=link(plan, "crises", crisis=crisis["crisis_id"]),
                digest=plan["levels"][str(severity)]["digest"],
            )
        )
    return out


def _waiting_alerts(con, plan: dict, as_of: datetime, brand_ends: dict) -> list[Alert]:
    every = timedelta(hours=plan["waiting_digest_hours"])
    block = int(as_of.timestamp() // every.total_seconds())
    out = []
    rows = con.execute(
        """
        SELECT r.brand, count(*), min(r.created_at), arg_min(r.post_id, r.created_at),
               arg_min(p.text, r.created_at), arg_max(r.post_id, coalesce(p.reach, p.likes + p.shares, -1)),
               arg_max(p.text, coalesce(p.reach, p.likes + p.shares, -1)),
               max(coalesce(p.reach, p.likes + p.shares)), arg_min(r.thread_id, r.created_at),
               arg_min(r.platform, r.created_at)
        FROM fct_responses r JOIN fct_posts p ON p.platform = r.platform AND p.post_id = r.post_id
        WHERE NOT r.answered AND r.within_sla = false AND r.brand IS NOT NULL
          AND r.brand NOT IN (SELECT brand FROM brands WHERE role = 'competitor')
          AND r.created_at >= ? AND r.created_at <= ?
        GROUP BY r.brand ORDER BY r.brand""",
        [as_of - timedelta(hours=_RECENT_WAITING_HOURS), as_of],
    ).fetchall()
    for brand, count, oldest_at, oldest_id, oldest_text, exposed_id, exposed_text, exposure, _thread, _platform in rows:
        if brand_ends.get(brand) is None or brand_ends[brand] < as_of - timedelta(hours=plan["live_hours"]):
            continue
        waited = (as_of - oldest_at).total_seconds() / 3600
        lines = [
            f"{count:,} customer post{'s' if count != 1 else ''} of {brand} from the last "
            f"{_RECENT_WAITING_HOURS} h {'are' if count != 1 else 'is'} waiting past the SLA with no reply.",
            f"Oldest: {_when(oldest_at)} ({waited:.1f} h ago by the data): {' '.join(str(oldest_text).split())[:200]}",
        ]
        if exposure is not None and exposure >= 0:
            lines.append(
                f"Most exposed (reach or likes + shares {exposure:,.0f}): {' '.join(str(exposed_text).split())[:200]}"
            )
        out.append(
            Alert(
                key=f"waiting:{brand}:{block}",
                rule="waiting",
                brand=brand,
                as_of=as_of,
                roles=list(plan["levels"]["1"]["roles"]),
                body="\n".join(lines),
                subject=f"[Radar] {count:,} posts waiting past the SLA for {brand}",
                facts={
                    "waiting": count,
                    "oldest_at": oldest_at,
                    "oldest_post_id": oldest_id,
                    "most_exposed_post_id": exposed_id,
                    "exposure": exposure,
                },
                link=link(plan, "responses", brand=brand),
            )
        )
    return out


def _blind_spot_alerts(con, plan: dict, now: datetime, *, replay: bool, crisis_open: bool) -> list[Alert]:
    hours = plan["blind_spot_hours_in_crisis"] if crisis_open else plan["blind_spot_hours"]
    roles = list(plan["monitoring_roles"])
    out = []
    if not replay:
        last = db.first_row(
            con, "SELECT import_id, imported_at, file_name FROM imports ORDER BY imported_at DESC LIMIT 1"
        )
        if last is not None and now - last[1] > timedelta(hours=hours):
            silent = (now - last[1]).total_seconds() / 3600
            out.append(
                Alert(
                    key=f"blind_spot:{last[0]}:{hours:g}",
                    rule="blind_spot",
                    as_of=now,
                    roles=roles,
                    subject=f"[Radar] No new export for {silent:.0f} hours",
                    body=f"The last export ({last[2]}) was imported {_when(last[1])}, {silent:.0f} hours "
                    f"ago: longer than the {hours:g} hours the plan allows"
                    + (" while a crisis is open" if crisis_open else "")
                    + ". Check the scheduled exports and the watched folder.",
                    facts={"last_import": last[0], "hours": round(silent, 1), "limit_hours": hours},
                    link=link(plan, "data"),
                )
            )
    # holes between exports: an export whose first post comes long after everything stored before it
    cutoff = now - timedelta(hours=plan["live_hours"])
    for import_id, name, first in con.execute(
        """
            SELECT import_id, any_value(i.file_name), min(s.created_at) FROM stg_posts s JOIN imports i USING (import_id)
            WHERE import_id IN (SELECT import_id FROM imports ORDER BY import_id DESC LIMIT 20)
            GROUP BY import_id HAVING min(s.created_at) >= ? ORDER BY 3""",
        [cutoff],
    ).fetchall():
        before = db.scalar(
            con, "SELECT max(created_at) FROM stg_posts WHERE created_at < ? AND import_id <> ?", [first, import_id]
        )
        if before is None or first - before <= timedelta(hours=hours):
            continue
        gap = (first - before).total_seconds() / 3600
        out.append(
            Alert(
                key=f"blind_spot:hole:{before.isoformat()}",
                rule="blind_spot",
                as_of=now,
                roles=roles,
                subject=f"[Radar] The exports hold no posts for {gap:.0f} hours",
                body=f"No post from {_when(before)} to {_when(first)} ({gap:.0f} hours, more than the "
                f"{hours:g} the plan allows); {name} starts after the hole. Either nothing was said or "
                "nothing was exported: anything that happened then was not watched.",
                facts={"from": before, "to": first, "hours": round(gap, 1), "limit_hours": hours},
                link=link(plan, "data"),
            )
        )
    return out


def raise_alerts(
    con: duckdb.DuckDBPyConnection,
    now: datetime | None = None,
    *,
    replay: bool = False,
    plan: dict | None = None,
    settings: Settings | None = None,
) -> list[str]:
    """Evaluate every rule on the data as it stands and record what is new; return the new alerts' keys.
    ``now``: the wall clock by default; with ``replay``, the newest post in the data."""
    plan = plan or load_plan(con)
    settings = settings or load_settings(con)
    data_end = data_clock(con)
    if data_end is None:
        return []
    now = data_end if replay else (now or utc_now())
    cutoff = now - timedelta(hours=plan["live_hours"])
    brand_ends = dict(
        con.execute("SELECT coalesce(brand, '(none)'), max(created_at) FROM fct_posts GROUP BY 1").fetchall()
    )  # crises of posts with no brand are '(none)''s
    _carry_over(con)
    alerts: list[Alert] = []
    crises = plain_records(con.execute("SELECT * FROM crises ORDER BY started_at, crisis_id").df())
    alerted = dict(
        con.execute("""SELECT crisis_id, max(severity) FROM alerts
                                  WHERE rule IN ('crisis', 'severity_rise', 'competitor_crisis')
                                  AND status <> 'history' GROUP BY crisis_id""").fetchall()
    )
    # listed as history once (a backfill); if the crisis turns out live later, it is announced then
    listed = {
        row[0] for row in con.execute("SELECT DISTINCT crisis_id FROM alerts WHERE status = 'history'").fetchall()
    }
    any_live_open = False
    competitors = {row[0] for row in con.execute("SELECT brand FROM brands WHERE role = 'competitor'").fetchall()}
    for crisis in crises:
        competitor = crisis["brand"] in competitors
        brand_end = brand_ends.get(crisis["brand"])
        last_activity = crisis["back_to_baseline_at"] or crisis["data_end_at"] or crisis["ended_at"]
        live = brand_end is not None and brand_end >= cutoff and last_activity is not None and last_activity >= cutoff
        any_live_open |= live and bool(crisis["is_open"]) and not competitor
        previous = alerted.get(crisis["crisis_id"])
        if (live and (previous is None or int(crisis["severity"]) > previous)) or (
            not live and previous is None and crisis["crisis_id"] not in listed
        ):
            alerts.append(
                _crisis_alert(con, crisis, plan, min(now, brand_end or now), live, previous, competitor=competitor)
            )
        if live and not competitor and brand_end is not None:  # live: the brand's data reaches the cutoff
            alerts += _target_alerts(con, crisis, plan, min(now, brand_end))
    alerts += _waiting_alerts(con, plan, now, brand_ends)
    alerts += _blind_spot_alerts(con, plan, now, replay=replay, crisis_open=any_live_open)
    for alert in alerts:
        alert.replayed = replay
    return [alert.key for alert in alerts if record_alert(con, alert, plan) is not None]


def _carry_over(con: duckdb.DuckDBPyConnection) -> None:
    """A crisis's id is its brand and start hour, and the start can move as more data arrives (an emerging
    crisis found on one hour of posts starts earlier once the next hours show where the excess began). Alerts
    and log entries of a crisis id that is gone move to the crisis of the same brand that now covers its
    start, so that its history stays whole and nothing is raised twice."""
    gone = con.execute("""
        SELECT DISTINCT crisis_id FROM (SELECT crisis_id FROM alerts UNION ALL SELECT crisis_id FROM crisis_log)
        WHERE crisis_id IS NOT NULL AND crisis_id NOT IN (SELECT crisis_id FROM fct_crises)""").fetchall()
    for (old,) in gone:
        brand, _, hour = old.rpartition(":")
        try:
            started = datetime.strptime(hour, "%Y%m%dT%H").replace(tzinfo=UTC)
        except ValueError:
            continue
        new = db.scalar(
            con,
            """
            SELECT crisis_id FROM fct_crises WHERE brand = ? AND started_at - INTERVAL 6 HOUR <= ?
              AND ? < coalesce(back_to_baseline_at, data_end_at, ended_at, started_at + INTERVAL 7 DAY)
            ORDER BY abs(epoch(started_at) - epoch(?::TIMESTAMPTZ)) LIMIT 1""",
            [brand, started, started, started],
        )
        if new is not None:
            con.execute("UPDATE alerts SET crisis_id = ? WHERE crisis_id = ?", [new, old])
            con.execute("UPDATE crisis_log SET crisis_id = ? WHERE crisis_id = ?", [new, old])


def import_failed_alert(
    con: duckdb.DuckDBPyConnection, path: str, sha256: str, error: str, plan: dict | None = None
) -> str | None:
    plan = plan or load_plan(con)
    return record_alert(
        con,
        Alert(
            key=f"import_failed:{sha256}",
            rule="import_failed",
            as_of=utc_now(),
            roles=list(plan["monitoring_roles"]),
            subject=f"[Radar] Import failed: {path}",
            body=f"{error}\nNothing from this file was stored; the watcher goes on with the other files and will not "
            "try this one again until its content changes.",
            facts={"path": path, "error": error},
            link=link(plan, "data"),
        ),
        plan,
    )


def ack_crisis(
    con: duckdb.DuckDBPyConnection, crisis_id: str, by: str, note: str | None = None, *, at: datetime | None = None
) -> None:
    """Record who acknowledged the crisis (``at``: now unless told, e.g. by the demo's story)."""
    _log(con, crisis_id, "acknowledged", by, note, at)


def log_decision(
    con: duckdb.DuckDBPyConnection, crisis_id: str, by: str, entry: str, *, at: datetime | None = None
) -> None:
    if not entry or not entry.strip():
        raise ValueError("write the decision")
    _log(con, crisis_id, "decision", by, entry.strip(), at)


def _log(con, crisis_id: str, kind: str, by: str, entry: str | None, at: datetime | None = None) -> None:
    by = " ".join((by or "").split())
    if not by:
        raise ValueError("give your name: the crisis log says who did what")
    if any(unicodedata.category(c) == "Cc" for c in by + (entry or "").replace("\n", "").replace("\t", "")):
        raise ValueError("a name or entry may not hold control characters")
    if len(by) > 100 or (entry and len(entry) > 4000):
        raise ValueError("a name is at most 100 characters and an entry at most 4,000")
    if not db.scalar(con, "SELECT count(*) FROM fct_crises WHERE crisis_id = ?", [crisis_id]):
        raise ValueError(f"there is no crisis {crisis_id!r}; `radar crises` lists them")
    con.execute("INSERT INTO crisis_log VALUES (?, ?, ?, ?, ?)", [crisis_id, at or utc_now(), kind, by, entry])
    record_change(con, f"crisis {kind}", f"{crisis_id}: by {by}" + (f": {entry[:200]}" if entry else ""))
    db.bump_monitoring_version(con)


# An alert's state: its status when it was not queued, else from its deliveries (``d``: counts per alert).
ALERT_STATE_SQL = """
    CASE WHEN a.status <> 'queued' THEN a.status
         WHEN coalesce(d.failing, 0) > 0 THEN 'retrying'
         WHEN coalesce(d.pending, 0) > 0 THEN 'pending'
         WHEN d.sent_at IS NULL AND coalesce(d.dropped, 0) > 0 THEN 'dropped'
         ELSE 'sent' END"""


def alert_log(con: duckdb.DuckDBPyConnection, *, crisis_id: str | None = None, limit: int = 500):
    """Alerts, newest first, with their state, where they went and whether the crisis was acknowledged."""
    return con.execute(
        f"""
        WITH d AS (
            SELECT alert_key, count(*) FILTER (WHERE state = 'retrying') AS failing,
                   count(*) FILTER (WHERE state = 'dropped') AS dropped,
                   count(*) FILTER (WHERE state = 'pending') AS pending, max(sent_at) AS sent_at,
                   string_agg(channel || ': ' || state || coalesce(' (' || last_error || ')', ''), '; '
                              ORDER BY channel) AS channels
            FROM alert_deliveries GROUP BY alert_key
        ),
        acks AS (SELECT crisis_id, min(logged_at) AS at, arg_min(by_name, logged_at) AS by_name FROM crisis_log
                 WHERE kind = 'acknowledged' GROUP BY crisis_id)
        SELECT a.raised_at, a.rule, a.severity, a.brand, a.crisis_id, a.subject,
               {ALERT_STATE_SQL} AS state,
               d.sent_at, array_to_string(a.roles, ', ') AS roles, d.channels,
               k.at AS acknowledged_at, k.by_name AS acknowledged_by, a.as_of, a.replayed, a.body, a.link, a.alert_key
        FROM alerts a LEFT JOIN d USING (alert_key) LEFT JOIN acks k ON k.crisis_id = a.crisis_id
        WHERE ? IS NULL OR a.crisis_id = ?
        ORDER BY a.raised_at DESC, a.alert_key LIMIT ?""",
        [crisis_id, crisis_id, limit],
    ).df()


def alerts_in_words(alerts):
    """The alert log as the pages show it: ``at`` is when it was raised, or in a replay the data time it was
    judged at; ``state`` in words."""
    shown = alerts.copy()
    shown["at"] = shown["as_of"].where(shown["replayed"].fillna(False).astype(bool), shown["raised_at"])
    shown["state"] = [
        STATE_WORDS.get(state, state) + (" (replay)" if replayed else "")
        for state, replayed in zip(shown["state"], shown["replayed"].fillna(False))
    ]
    return shown


def monitoring_status(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> dict:
    """How fresh the monitoring is: the last import and the newest post, against the plan's blind-spot limit;
    alerts not delivered yet."""
    plan = load_plan(con)
    now = now or utc_now()
    last = db.first_row(con, "SELECT imported_at, file_name FROM imports ORDER BY imported_at DESC LIMIT 1")
    undelivered = db.scalar(con, "SELECT count(DISTINCT alert_key) FROM alert_deliveries WHERE state <> 'sent'")
    return {
        "last_import_at": last[0] if last else None,
        "last_file": last[1] if last else None,
        "newest_post_at": data_clock(con),
        "limit_hours": plan["blind_spot_hours"],
        "hours_since_import": (now - last[0]).total_seconds() / 3600 if last else None,
        "undelivered": undelivered or 0,
    }


def crisis_log(con: duckdb.DuckDBPyConnection, crisis_id: str):
    return con.execute(
        "SELECT logged_at, kind, by_name, coalesce(entry, '') AS entry FROM crisis_log "
        "WHERE crisis_id = ? ORDER BY logged_at",
        [crisis_id],
    ).df()


def open_live_crises(con: duckdb.DuckDBPyConnection, now: datetime | None = None):
    """Crises still open whose brand's data reaches into the plan's ``live_hours`` before now: what the
    Overview's banner shows, with who acknowledged each."""
    plan = load_plan(con)
    cutoff = (now or utc_now()) - timedelta(hours=plan["live_hours"])
    return con.execute(
        """
        WITH ends AS (SELECT coalesce(brand, '(none)') AS brand, max(created_at) AS brand_end FROM fct_posts
                      GROUP BY 1),
             acks AS (SELECT crisis_id, arg_min(by_name, logged_at) AS acknowledged_by FROM crisis_log
                      WHERE kind = 'acknowledged' GROUP BY crisis_id)
        SELECT c.crisis_id, c.brand, c.severity, c.severity_name, c.started_at, c.negative_posts, a.acknowledged_by
        FROM crises c JOIN ends e USING (brand) LEFT JOIN acks a USING (crisis_id)
        WHERE c.is_open AND e.brand_end >= ? AND coalesce(c.data_end_at, e.brand_end) >= ?
        ORDER BY c.severity DESC, c.started_at""",
        [cutoff, cutoff],
    ).df()
