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

**Languages.** An alert's ``subject`` and ``body`` are stored in the database's language (``Settings.locale``),
for the alert log; its ``facts`` hold what they were written from, so that each delivery is written again in
its channel's or role's language (``alert_text``, ``pipeline.monitor.plan.delivery_locale``) and the pages
show the log in the reader's (``alerts_in_words``).

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
from pipeline.core.i18n import N_, _, fmt_day, fmt_int, fmt_num, fmt_time, name_in, ngettext, use_locale
from pipeline.core.settings import Settings, load_settings
from pipeline.core.text import is_missing, minutes_text, plain_records
from pipeline.metrics.crises import severity_name, severity_reasons_in_words
from pipeline.metrics.playbook import move_name
from pipeline.monitor.plan import channels_of, checklist_item, load_plan

# the rules and the states of an alert in words (English: ``rule_name`` and ``state_name`` translate them)
RULE_WORDS = {
    "crisis": N_("new crisis"),
    "severity_rise": N_("severity rose"),
    "target_due": N_("target about to be missed"),
    "target_missed": N_("target missed"),
    "waiting": N_("posts waiting past the SLA"),
    "competitor_crisis": N_("a competitor's crisis"),
    "blind_spot": N_("monitoring blind spot"),
    "import_failed": N_("import failed"),
    "test": N_("test message"),
}
STATE_WORDS = {
    "queued": N_("queued"),
    "pending": N_("pending: not delivered yet"),
    "sent": N_("sent"),
    "retrying": N_("retrying: a channel did not accept it yet"),
    "held": N_("held: cool-down after a similar alert"),
    "no channel": N_("recorded: the plan gives its roles no channel yet"),  # i18n: not text -- the key: a status
    "history": N_("history: found in old data, not sent"),
    "dropped": N_("dropped: its channels were removed from the plan before it went out"),
}
_RECENT_WAITING_HOURS = 72  # posts older than this in the waiting digest are the backlog, not news
SUBJECT_TAG = "[Radar] "  # i18n: not text -- the tag every alert's subject starts with, in every language


def rule_name(rule: str) -> str:
    """An alert rule in words, in the current language."""
    return name_in(RULE_WORDS, rule)


def state_name(state: str) -> str:
    """An alert's state in words, in the current language."""
    return name_in(STATE_WORDS, state)


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
        status = "queued" if channels else "no channel"  # i18n: not text -- a status
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


def _required_moment(value) -> datetime:
    """A moment an alert always has (its due time, when it was judged)."""
    moment = _moment(value)
    if moment is None:
        raise ValueError(f"an alert's moment is missing: {value!r}")  # i18n: not text (a programming error)
    return moment


def _moment(value) -> datetime | None:
    """A moment of an alert (as computed, or read back from its stored facts: ISO text)."""
    if value is None or is_missing(value):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _when(value) -> str:
    """ "Sat 14 Nov 2026, 14:00 UTC" in the current language."""
    value = _moment(value)
    if value is None:
        return _("unknown")
    return f"{fmt_day(value)}, {fmt_time(value)} UTC"


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _crisis_text(rule: str, brand: str | None, severity: int, facts: dict) -> tuple[str, str]:
    previous = facts["previous_severity"]
    competitor = rule == "competitor_crisis"
    name = severity_name(severity)
    values = {"brand": brand, "severity": severity, "previous": previous, "name": name}
    if previous is None:
        headline = _("severity {severity} ({name}) for {brand}").format(**values)
    else:
        headline = _("{brand}'s crisis rose from severity {previous} to {severity} ({name})").format(**values)
    when = {"started": _when(facts["started_at"]), "peak": _when(facts["peak_at"])}
    back = _moment(facts["back_to_baseline_at"])
    if previous is None and back is None:
        opening = _(
            "severity {severity} ({name}) for {brand}: started {started}, peak {peak}, still above the usual "
            "level at the end of the data."
        )
    elif previous is None:
        opening = _(
            "severity {severity} ({name}) for {brand}: started {started}, peak {peak}, back to baseline {back}."
        )
    elif back is None:
        opening = _(
            "{brand}'s crisis rose from severity {previous} to {severity} ({name}): started {started}, peak {peak}, "
            "still above the usual level at the end of the data."
        )
    else:
        opening = _(
            "{brand}'s crisis rose from severity {previous} to {severity} ({name}): started {started}, peak {peak}, "
            "back to baseline {back}."
        )
    counts = ngettext(
        "{negative} negative of {posts} customer posts from {authors} authors on {platforms} platform.",
        "{negative} negative of {posts} customer posts from {authors} authors on {platforms} platforms.",
        int(facts["platforms"]),
    ).format(
        negative=fmt_int(facts["negative_posts"]),
        posts=fmt_int(facts["posts"]),
        authors=fmt_int(facts["authors"]),
        platforms=fmt_int(facts["platforms"]),
    )
    reasons = severity_reasons_in_words(
        {"severity_reason_messages": facts["reason_messages"], "severity_reasons": facts["reasons"]}
    )
    terms = facts["top_terms"]
    examples = facts["examples"]
    lines = [
        _capital(opening.format(**values, **when, back=_when(back))),
        counts,
        _("Why this severity: {reasons}.").format(reasons="; ".join(reasons)),
        _("Top terms: {terms}.").format(terms=", ".join(terms)) if terms else _("Top terms: none stood out."),
        *([_("Example posts:"), *(f"  {example}" for example in examples)] if examples else []),
    ]
    if competitor:
        lines.append(
            _("A competitor's crisis: no action is expected of the team; watch whether it reaches our brands.")
        )
    else:
        lines += [
            _("The plan for severity {severity}: {checklist}.").format(
                severity=severity, checklist="; ".join(checklist_item(item) for item in facts["checklist"])
            ),
            _("Expected moves: {moves}.").format(moves=", ".join(move_name(move) for move in facts["moves"])),
        ]
    if competitor:
        subject = _("Competitor crisis: {headline}") if previous is None else _("Competitor severity up: {headline}")
    else:
        subject = _("Crisis: {headline}") if previous is None else _("Severity up: {headline}")
    return SUBJECT_TAG + subject.format(headline=headline), "\n".join(lines)


def _target_text(brand: str | None, severity: int, facts: dict, as_of) -> tuple[str, str]:
    from pipeline.monitor.targets import Target

    why = facts["why"]
    target = Target(
        facts["kind"],
        int(facts["number"]),
        _required_moment(facts["due_at"]),
        _moment(facts["done_at"]),
        facts["state"],
        why=tuple(why) if isinstance(why, list) else why,
    )
    as_of = _moment(as_of)
    missed = facts["state"] == "missed"
    values = {
        "brand": brand,
        "severity": severity,
        "started": _when(facts["crisis_started_at"]),
        "target": target.words,
        "due": _when(target.due_at),
        "how": target.text(as_of),
    }
    if missed:
        body = _("{brand}'s crisis (severity {severity}, started {started}): the {target} was due {due}; {how}.")
        subject = _("Missed: {target} for {brand}'s crisis")
    else:
        body = _("{brand}'s crisis (severity {severity}, started {started}): the {target} is due {due}; {how}.")
        subject = _("Due soon: {target} for {brand}'s crisis")
    body = body.format(**values)
    if not missed:
        left = minutes_text((target.due_at - as_of).total_seconds() / 60)
        body += " " + _("{duration} left by the data so far.").format(duration=left)
    return SUBJECT_TAG + subject.format(**values), body


def _waiting_text(brand: str | None, facts: dict, as_of) -> tuple[str, str]:
    count = int(facts["waiting"])
    waited = (_required_moment(as_of) - _required_moment(facts["oldest_at"])).total_seconds() / 3600
    lines = [
        ngettext(
            "{count} customer post of {brand} from the last {hours} h is waiting past the SLA with no reply.",
            "{count} customer posts of {brand} from the last {hours} h are waiting past the SLA with no reply.",
            count,
        ).format(count=fmt_int(count), brand=brand, hours=fmt_int(facts["recent_hours"])),
        _("Oldest: {when} ({hours} h ago by the data): {text}").format(
            when=_when(facts["oldest_at"]), hours=fmt_num(waited, 1), text=facts["oldest_text"]
        ),
    ]
    exposure = facts["exposure"]
    if exposure is not None and exposure >= 0:
        lines.append(
            _("Most exposed (reach or likes + shares {exposure}): {text}").format(
                exposure=fmt_int(exposure), text=facts["most_exposed_text"]
            )
        )
    subject = ngettext(
        "{count} post waiting past the SLA for {brand}", "{count} posts waiting past the SLA for {brand}", count
    ).format(count=fmt_int(count), brand=brand)
    return SUBJECT_TAG + subject, "\n".join(lines)


def _blind_spot_text(facts: dict) -> tuple[str, str]:
    hours = float(facts["hours"])
    shown = fmt_num(hours, 0)
    whole = int(round(hours))
    limit = (
        fmt_num(facts["limit_hours"], 0)
        if float(facts["limit_hours"]).is_integer()
        else fmt_num(facts["limit_hours"], 1)
    )
    if "from" in facts:  # a hole between exports
        subject = ngettext(
            "The exports hold no posts for {hours} hour", "The exports hold no posts for {hours} hours", whole
        ).format(hours=shown)
        body = ngettext(
            "No post from {start} to {end} ({hours} hour, more than the {limit} the plan allows); {file} starts "
            "after the hole. Either nothing was said or nothing was exported: anything that happened then was "
            "not watched.",
            "No post from {start} to {end} ({hours} hours, more than the {limit} the plan allows); {file} starts "
            "after the hole. Either nothing was said or nothing was exported: anything that happened then was "
            "not watched.",
            whole,
        ).format(start=_when(facts["from"]), end=_when(facts["to"]), hours=shown, limit=limit, file=facts["file"])
        return SUBJECT_TAG + subject, body
    subject = ngettext("No new export for {hours} hour", "No new export for {hours} hours", whole).format(hours=shown)
    values = {"file": facts["file"], "when": _when(facts["imported_at"]), "hours": shown, "limit": limit}
    if facts["crisis_open"]:
        body = ngettext(
            "The last export ({file}) was imported {when}, {hours} hour ago: longer than the {limit} hours the "
            "plan allows while a crisis is open. Check the scheduled exports and the watched folder.",
            "The last export ({file}) was imported {when}, {hours} hours ago: longer than the {limit} hours the "
            "plan allows while a crisis is open. Check the scheduled exports and the watched folder.",
            whole,
        )
    else:
        body = ngettext(
            "The last export ({file}) was imported {when}, {hours} hour ago: longer than the {limit} hours the "
            "plan allows. Check the scheduled exports and the watched folder.",
            "The last export ({file}) was imported {when}, {hours} hours ago: longer than the {limit} hours the "
            "plan allows. Check the scheduled exports and the watched folder.",
            whole,
        )
    return SUBJECT_TAG + subject, body.format(**values)


def _import_failed_text(facts: dict) -> tuple[str, str]:
    return (
        SUBJECT_TAG + _("Import failed: {path}").format(path=facts["path"]),
        facts["error"]
        + "\n"
        + _(
            "Nothing from this file was stored; the watcher goes on with the other files and will not try this "
            "one again until its content changes."
        ),
    )


def alert_text(rule: str, brand: str | None, severity, facts: dict | None, as_of) -> tuple[str, str] | None:
    """An alert's subject and body in the current language, written from its stored facts; None when the facts
    cannot tell (an alert stored by an older version, or a rule without words of its own): its stored words
    are shown then."""
    if not facts:
        return None
    try:
        if rule in ("crisis", "severity_rise", "competitor_crisis"):
            return _crisis_text(rule, brand, int(severity), facts)
        if rule in ("target_due", "target_missed"):
            return _target_text(brand, int(severity), facts, as_of)
        if rule == "waiting":
            return _waiting_text(brand, facts, as_of)
        if rule == "blind_spot":
            return _blind_spot_text(facts)
        if rule == "import_failed":
            return _import_failed_text(facts)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    return None


def _stored(facts: dict) -> dict:
    """The facts as they read back from the database (JSON: moments as ISO text)."""
    return json.loads(json.dumps(facts, default=str))


def _written(rule: str, brand: str | None, severity, facts: dict, as_of) -> tuple[str, str]:
    """The subject and body an alert is stored with: written from its facts as each delivery will be."""
    text = alert_text(rule, brand, severity, _stored(facts), as_of)
    if text is None:  # a fact missing: a bug, not a reason to lose the alert
        raise ValueError(f"alert {rule}: its facts do not make a message")  # i18n: not text -- an internal error
    return text


def _examples(con, crisis: dict, limit: int = 3) -> list[str]:
    threads = list(crisis["top_threads"])
    platforms = crisis.get("top_thread_platforms")
    if platforms is not None and len(platforms) == len(threads):  # a thread is its platform and id
        keys, key_sql = (
            [f"{platform}\x1f{thread}" for platform, thread in zip(platforms, threads)],
            "platform || chr(31) || thread_id",
        )
    else:  # stored by an older version: ids alone
        keys, key_sql = threads, "thread_id"
    rows = con.execute(
        f"""
        SELECT author_id, text FROM posts
        WHERE NOT is_brand AND coalesce(brand, '(none)') = ? AND sentiment_label = 'negative' AND created_at >= ?
          AND (? IS NULL OR created_at < ?) AND list_contains(?::VARCHAR[], {key_sql})
        ORDER BY created_at LIMIT ?""",
        [crisis["brand"], crisis["started_at"], crisis["ended_at"], crisis["ended_at"], keys, limit],
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
    examples = _examples(con, crisis)
    facts = {
        "severity": severity,
        "started_at": crisis["started_at"],
        "peak_at": crisis["peak_at"],
        "back_to_baseline_at": crisis.get("back_to_baseline_at"),
        "posts": int(crisis["posts"]),
        "negative_posts": int(crisis["negative_posts"]),
        "authors": int(crisis["authors"]),
        "platforms": int(crisis["platforms"]),
        "reasons": list(crisis["severity_reasons"]),
        # the reasons as messages, to be written in each reader's language (``severity_reasons_in_words``)
        "reason_messages": list(crisis.get("severity_reason_messages") or []),
        "top_terms": list(crisis["top_terms"]),
        "examples": examples,
        "previous_severity": previous,
        # the plan for the level when the alert was raised (a competitor's crisis has none for the team)
        "checklist": [] if competitor else list(level["checklist"]),
        "moves": [] if competitor else list(level["moves"]),
    }
    subject, body = _written(rule, brand, severity, facts, as_of)
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
        subject=subject,
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
                target.label,
            ],
        ):
            continue  # raised already for this crisis (under an id its start had before)
        missed = target.state == "missed"
        if missed and target.done_at is not None and target.done_at < as_of - timedelta(hours=plan["live_hours"]):
            continue  # a target missed long ago, and met since: history, not news
        rule = "target_missed" if missed else "target_due"
        facts = {
            "target": target.label,  # in English: the key that finds this alert again
            "due_at": target.due_at,
            "done_at": target.done_at,
            "state": target.state,
            "late_minutes": target.late_minutes,
            "kind": target.kind,
            "number": target.number,
            "why": list(target.why) if isinstance(target.why, tuple) else target.why,
            "crisis_started_at": crisis["started_at"],
        }
        if missed and target.done_at is None:
            facts["late_minutes"] = round((as_of - target.due_at).total_seconds() / 60, 1)
        subject, body = _written(rule, crisis["brand"], severity, facts, as_of)
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
                subject=subject,
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
        facts = {
            "waiting": count,
            "oldest_at": oldest_at,
            "oldest_post_id": oldest_id,
            "most_exposed_post_id": exposed_id,
            "exposure": exposure,
            "oldest_text": " ".join(str(oldest_text).split())[:200],
            "most_exposed_text": " ".join(str(exposed_text).split())[:200],
            "recent_hours": _RECENT_WAITING_HOURS,
        }
        subject, body = _written("waiting", brand, None, facts, as_of)
        out.append(
            Alert(
                key=f"waiting:{brand}:{block}",
                rule="waiting",
                brand=brand,
                as_of=as_of,
                roles=list(plan["levels"]["1"]["roles"]),
                body=body,
                subject=subject,
                facts=facts,
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
            facts = {
                "last_import": last[0],
                "hours": round(silent, 1),
                "limit_hours": hours,
                "file": last[2],
                "imported_at": last[1],
                "crisis_open": crisis_open,
            }
            subject, body = _written("blind_spot", None, None, facts, now)
            out.append(
                Alert(
                    key=f"blind_spot:{last[0]}:{hours:g}",
                    rule="blind_spot",
                    as_of=now,
                    roles=roles,
                    subject=subject,
                    body=body,
                    facts=facts,
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
        facts = {"from": before, "to": first, "hours": round(gap, 1), "limit_hours": hours, "file": name}
        subject, body = _written("blind_spot", None, None, facts, now)
        out.append(
            Alert(
                key=f"blind_spot:hole:{before.isoformat()}",
                rule="blind_spot",
                as_of=now,
                roles=roles,
                subject=subject,
                body=body,
                facts=facts,
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
    ``now``: the wall clock by default; with ``replay``, the newest post in the data. The alerts are written
    in the database's language (``Settings.locale``); each delivery is written again in its own."""
    plan = plan or load_plan(con)
    settings = settings or load_settings(con)
    with use_locale(settings.locale):
        return _raise_alerts(con, now, replay=replay, plan=plan)


def _raise_alerts(con: duckdb.DuckDBPyConnection, now: datetime | None, *, replay: bool, plan: dict) -> list[str]:
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
        brand, _colon, hour = old.rpartition(":")
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
    facts = {"path": path, "error": error}
    now = utc_now()
    with use_locale(load_settings(con).locale):
        subject, body = _written("import_failed", None, None, facts, now)
    return record_alert(
        con,
        Alert(
            key=f"import_failed:{sha256}",
            rule="import_failed",
            as_of=now,
            roles=list(plan["monitoring_roles"]),
            subject=subject,
            body=body,
            facts=facts,
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
        raise ValueError(_("write the decision"))
    _log(con, crisis_id, "decision", by, entry.strip(), at)


def _log(con, crisis_id: str, kind: str, by: str, entry: str | None, at: datetime | None = None) -> None:
    by = " ".join((by or "").split())
    if not by:
        raise ValueError(_("give your name: the crisis log says who did what"))
    if any(unicodedata.category(c) == "Cc" for c in by + (entry or "").replace("\n", "").replace("\t", "")):
        raise ValueError(_("a name or entry may not hold control characters"))
    if len(by) > 100 or (entry and len(entry) > 4000):
        raise ValueError(
            _("a name is at most {name} characters and an entry at most {entry}").format(
                name=fmt_int(100), entry=fmt_int(4000)
            )
        )
    if not db.scalar(con, "SELECT count(*) FROM fct_crises WHERE crisis_id = ?", [crisis_id]):
        raise ValueError(_("there is no crisis {crisis}; `radar crises` lists them").format(crisis=repr(crisis_id)))
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


def alert_log(con: duckdb.DuckDBPyConnection, *, crisis_id: str | None = None, limit: int = 500, facts: bool = False):
    """Alerts, newest first, with their state, where they went and whether the crisis was acknowledged.
    ``facts``: with the facts each was written from (``alerts_in_words`` then writes them in the reader's
    language)."""
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
               {", a.facts" if facts else ""}
        FROM alerts a LEFT JOIN d USING (alert_key) LEFT JOIN acks k ON k.crisis_id = a.crisis_id
        WHERE ? IS NULL OR a.crisis_id = ?
        ORDER BY a.raised_at DESC, a.alert_key LIMIT ?""",
        [crisis_id, crisis_id, limit],
    ).df()


def alerts_in_words(alerts):
    """The alert log as the pages show it: ``at`` is when it was raised, or in a replay the data time it was
    judged at; ``state`` in words. With the alerts' facts (``alert_log(..., facts=True)``), subject and body are
    written in the current language (else as stored, in the database's)."""
    shown = alerts.copy()
    shown["at"] = shown["as_of"].where(shown["replayed"].fillna(False).astype(bool), shown["raised_at"])
    shown["state"] = [
        _("{state} (replay)").format(state=state_name(state)) if replayed else state_name(state)
        for state, replayed in zip(shown["state"], shown["replayed"].fillna(False))
    ]
    return alerts_in_language(shown)


def alerts_in_language(alerts):
    """The log's subjects and bodies written in the current language from the facts each alert was written from
    (``alert_log(..., facts=True)``); as stored, in the database's language, where there are none."""
    if "facts" not in alerts.columns:
        return alerts
    shown = alerts.copy()
    if len(shown):
        texts = [
            alert_text(row["rule"], row["brand"], row["severity"], json.loads(row["facts"]), row["as_of"])
            if isinstance(row["facts"], str)
            else None
            for row in shown.to_dict("records")
        ]
        shown["subject"] = [text[0] if text else subject for text, subject in zip(texts, shown["subject"])]
        shown["body"] = [text[1] if text else body for text, body in zip(texts, shown["body"])]
    return shown.drop(columns=["facts"])


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
