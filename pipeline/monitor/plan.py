"""The escalation plan: who is told of what, how fast the brand must respond, and what it is expected to say.

One plan per database, stored as JSON in ``radar_meta`` (key ``plan``, with ``plan_changed_at``); a database
without one uses ``DEFAULT_PLAN``. For each severity level (1-4, as ``metrics/crises.py`` grades crises):

- ``roles``: who is told; each role has one or more **channels** (``channels``: e-mail over SMTP, Slack or
  Microsoft Teams incoming webhooks, a generic JSON webhook). A role without a channel is still named in the
  alert, which is recorded but not sent.
- ``first_response_minutes``: the first public brand response to the crisis's complaints, from its start.
- ``holding_minutes``: the holding statement (the "explain and keep informed" move), from its start.
- ``update_hours``: a new brand statement at least this often until the crisis is back within baseline.
- ``moves``: which of the five playbook moves are expected; ``checklist``: the actions, in words.
- ``digest``: alerts of this level wait for the daily digest (``digest_time``, business time zone).

``report_roles`` receive the weekly report (``radar report weekly --send``) over their channels: e-mail gets
the PDF and a short HTML summary, Slack, Teams and webhooks the summary in words.

The default follows published escalation practice: the more severe, the more senior the responder. Severity
1-2 stay with the community manager (severity 1 as a digest); 3-4 also reach the care lead and the crisis
committee, at once, at any hour and on any day. Targets run on the calendar clock: crises do not wait for
office hours.

The SMTP password is never stored: ``smtp.password_env`` names the environment variable that holds it.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

from pipeline.core.access import record_change

CHANNEL_TYPES = {
    "email": "e-mail over SMTP (to: one or more addresses)",
    "slack": "Slack incoming webhook (url)",
    "teams": "Microsoft Teams incoming webhook (url)",
    "webhook": "generic JSON webhook (url): the alert as JSON, one POST per alert",
}
LEVELS = ("1", "2", "3", "4")
# the five playbook moves (``metrics/playbook.py`` classifies replies into them), in words
MOVE_WORDS = {
    "apologise": "apologise",
    "explain": "explain and keep informed",
    "admit_error": "admit the error",
    "change": "say what will change",
    "make_amends": "make amends",
}
MOVES = tuple(MOVE_WORDS)

DEFAULT_PLAN: dict[str, Any] = {
    "roles": {"community manager": [], "care lead": [], "crisis committee": []},
    "channels": {},
    "smtp": {
        "host": "",
        "port": 587,
        "starttls": True,
        "username": "",
        "password_env": "RADAR_SMTP_PASSWORD",
        "sender": "radar@localhost",
        "timeout_seconds": 20,
    },
    "dashboard_url": "http://localhost:8501",
    "monitoring_roles": ["community manager"],
    "report_roles": ["community manager", "care lead"],
    "blind_spot_hours": 26,
    "blind_spot_hours_in_crisis": 6,
    "cooldown_minutes": 120,
    "waiting_digest_hours": 4,
    "digest_time": "09:00",
    "warn_share": 0.25,
    "live_hours": 72,
    "retry_seconds": 30,
    "levels": {
        "1": {
            "roles": ["community manager"],
            "first_response_minutes": 240,
            "holding_minutes": None,
            "update_hours": None,
            "moves": ["apologise"],
            "digest": True,
            "checklist": [
                "Answer each complaint publicly, then take it to a private message",
                "Log the cases and watch whether the topic spreads",
            ],
        },
        "2": {
            "roles": ["community manager"],
            "first_response_minutes": 60,
            "holding_minutes": 240,
            "update_hours": None,
            "moves": ["apologise", "explain"],
            "digest": False,
            "checklist": [
                "Answer every complaint with the same agreed wording",
                "Ask the product or service team for the cause",
                "Post a holding statement once the cause is being investigated",
            ],
        },
        "3": {
            "roles": ["community manager", "care lead", "crisis committee"],
            "first_response_minutes": 30,
            "holding_minutes": 60,
            "update_hours": 4,
            "moves": ["apologise", "explain", "admit_error", "change"],
            "digest": False,
            "checklist": [
                "Crisis committee meets and names one spokesperson",
                "Publish a holding statement: we know, we are investigating, next update at …",
                "Pause scheduled marketing posts and campaigns",
                "Update every few hours until the cause is known; admit the error and say what will change",
            ],
        },
        "4": {
            "roles": ["community manager", "care lead", "crisis committee"],
            "first_response_minutes": 15,
            "holding_minutes": 30,
            "update_hours": 2,
            "moves": list(MOVES),
            "digest": False,
            "checklist": [
                "Crisis committee meets at once, whatever the hour; management informed",
                "Publish a holding statement within the half hour",
                "Pause all scheduled posts and advertising",
                "Apologise, explain, admit the error, say what will change and make amends",
                "Brief customer care and the press office with the same facts",
            ],
        },
    },
}

_NUMBERS = {
    "blind_spot_hours": (1, 24 * 30),
    "blind_spot_hours_in_crisis": (1, 24 * 30),
    "cooldown_minutes": (0, 24 * 60 * 7),
    "waiting_digest_hours": (1, 24 * 7),
    "live_hours": (1, 24 * 90),
    "retry_seconds": (1, 3600),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class PlanError(ValueError):
    """The plan is not valid; the message names the part that is wrong."""


def default_plan() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_PLAN)


def _number(value, where: str, low: float, high: float, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlanError(f"{where}: {json.dumps(value)} is not a number")
    if not low <= value <= high:
        raise PlanError(f"{where}: {json.dumps(value)} must be between {low:g} and {high:g}")
    return value


def validate(plan: dict[str, Any]) -> dict[str, Any]:
    """Return the plan with defaults filled in for missing parts, or raise PlanError naming what is wrong."""
    if not isinstance(plan, dict):
        raise PlanError("the plan must be a JSON object")
    unknown = sorted(set(plan) - set(DEFAULT_PLAN))
    if unknown:
        raise PlanError(f"unknown part {unknown[0]!r}; a plan has {', '.join(DEFAULT_PLAN)}")
    full = {**default_plan(), **copy.deepcopy(plan)}
    full["smtp"] = {**DEFAULT_PLAN["smtp"], **(full.get("smtp") or {})}
    if "password" in full["smtp"]:
        raise PlanError(
            "smtp.password: the password is never stored; put it in an environment variable and "
            "name that variable in smtp.password_env"
        )
    for name in ("host", "username", "password_env", "sender"):
        if not isinstance(full["smtp"][name], str):
            raise PlanError(f"smtp.{name}: must be text")
    extra = sorted(set(full["smtp"]) - set(DEFAULT_PLAN["smtp"]))
    if extra:
        raise PlanError(f"smtp: unknown part {extra[0]!r}; smtp has {', '.join(DEFAULT_PLAN['smtp'])}")
    if full["smtp"]["host"] and not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", full["smtp"]["host"]):
        raise PlanError(f"smtp.host: {full['smtp']['host']!r} is not a host name")
    if not _EMAIL.fullmatch(full["smtp"]["sender"]):
        raise PlanError(f"smtp.sender: {full['smtp']['sender']!r} is not an e-mail address")
    if not re.fullmatch(r"RADAR_[A-Z0-9_]+", full["smtp"]["password_env"]):
        # only Radar's own variables: a plan must not be able to mail another secret of the process away
        raise PlanError(
            "smtp.password_env: name the environment variable that holds the password; it must "
            "start with RADAR_, e.g. RADAR_SMTP_PASSWORD"
        )
    _number(full["smtp"]["port"], "smtp.port", 1, 65535)
    _number(full["smtp"]["timeout_seconds"], "smtp.timeout_seconds", 1, 300)
    channels = full["channels"]
    if not isinstance(channels, dict):
        raise PlanError("channels: must map a channel name to its settings")
    for name, channel in channels.items():
        where = f"channels.{name}"
        if not isinstance(channel, dict) or channel.get("type") not in CHANNEL_TYPES:
            raise PlanError(f"{where}: type must be one of {', '.join(CHANNEL_TYPES)}")
        allowed = {"type", "to"} if channel["type"] == "email" else {"type", "url"}
        if set(channel) - allowed:
            raise PlanError(
                f"{where}: unknown part {sorted(set(channel) - allowed)[0]!r}; a {channel['type']} "
                f"channel has {', '.join(sorted(allowed))}"
            )
        if channel["type"] == "email":
            to = channel.get("to")
            to = [to] if isinstance(to, str) else to
            if not to or not all(isinstance(a, str) and _EMAIL.fullmatch(a.strip()) for a in to):
                raise PlanError(f"{where}.to: give one or more e-mail addresses")
            channel["to"] = [a.strip() for a in to]
        else:
            url = channel.get("url")
            if not isinstance(url, str) or not re.match(r"https?://[^\s/]+", url):
                raise PlanError(
                    f"{where}.url: the webhook address must start with https:// (or http://), not {str(url)[:60]!r}"
                )
    roles = full["roles"]
    if not isinstance(roles, dict) or not roles:
        raise PlanError("roles: name at least one role, each with its channels (a list, possibly empty)")
    for role, names in roles.items():
        if not isinstance(names, list):
            raise PlanError(f"roles.{role}: must be a list of channel names")
        for name in names:
            if name not in channels:
                raise PlanError(
                    f"roles.{role}: there is no channel {name!r} (channels: {', '.join(channels) or 'none yet'})"
                )
    if not isinstance(full["monitoring_roles"], list) or not full["monitoring_roles"]:
        raise PlanError("monitoring_roles: name at least one role (who hears of blind spots and failed imports)")
    for role in full["monitoring_roles"]:
        if role not in roles:
            raise PlanError(f"monitoring_roles: there is no role {role!r} (roles: {', '.join(roles)})")
    if not isinstance(full["report_roles"], list):
        raise PlanError("report_roles: a list of roles (who receives `radar report weekly --send`)")
    for role in full["report_roles"]:
        if role not in roles:
            raise PlanError(f"report_roles: there is no role {role!r} (roles: {', '.join(roles)})")
    for key, (low, high) in _NUMBERS.items():
        _number(full[key], key, low, high)
    _number(full["warn_share"], "warn_share", 0, 0.9)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(full["digest_time"])):
        raise PlanError(f"digest_time: {full['digest_time']!r} is not a time like 09:00")
    if not isinstance(full["dashboard_url"], str) or not re.match(r"https?://", full["dashboard_url"]):
        raise PlanError("dashboard_url: give the dashboard's http(s):// address (alerts link to it)")
    levels = full["levels"]
    if not isinstance(levels, dict) or sorted(levels) != list(LEVELS):
        raise PlanError("levels: give each severity 1, 2, 3 and 4")
    for level in LEVELS:
        given = levels[level]
        if not isinstance(given, dict):
            raise PlanError(f"levels.{level}: must be an object")
        spec = {**DEFAULT_PLAN["levels"][level], **given}
        extra = sorted(set(spec) - set(DEFAULT_PLAN["levels"][level]))
        if extra:
            raise PlanError(f"levels.{level}: unknown part {extra[0]!r}")
        where = f"levels.{level}"
        if not isinstance(spec["roles"], list) or not spec["roles"]:
            raise PlanError(f"{where}.roles: name at least one role")
        for role in spec["roles"]:
            if role not in roles:
                raise PlanError(f"{where}.roles: there is no role {role!r} (roles: {', '.join(roles)})")
        _number(spec["first_response_minutes"], f"{where}.first_response_minutes", 1, 60 * 24 * 7)
        _number(spec["holding_minutes"], f"{where}.holding_minutes", 1, 60 * 24 * 7, optional=True)
        _number(spec["update_hours"], f"{where}.update_hours", 0.25, 24 * 7, optional=True)
        for move in spec["moves"]:
            if move not in MOVES:
                raise PlanError(f"{where}.moves: {move!r} is not one of {', '.join(MOVES)}")
        if not isinstance(spec["checklist"], list) or not all(isinstance(item, str) for item in spec["checklist"]):
            raise PlanError(f"{where}.checklist: must be a list of actions in words")
        if not isinstance(spec["digest"], bool):
            raise PlanError(f"{where}.digest: true or false")
        levels[level] = spec
    return full


def load_plan(con) -> dict[str, Any]:
    from pipeline.core.db import get_meta

    text = get_meta(con, "plan")
    return validate(json.loads(text)) if text else default_plan()


def plan_changed_at(con) -> str | None:
    from pipeline.core.db import get_meta

    return get_meta(con, "plan_changed_at")


def save_plan(con, plan: dict[str, Any]) -> dict[str, Any]:
    from pipeline.core.db import bump_monitoring_version, set_meta

    plan = validate(plan)
    set_meta(con, "plan", json.dumps(plan))  # roles and channels keep the order people gave them
    set_meta(con, "plan_changed_at", datetime.now(UTC).isoformat(timespec="seconds"))
    record_change(con, "escalation plan saved", "; ".join(describe(plan))[:2000])
    bump_monitoring_version(con)
    return plan


def reset_plan(con) -> dict[str, Any]:
    from pipeline.core.db import bump_monitoring_version, set_meta

    con.execute("DELETE FROM radar_meta WHERE key = 'plan'")
    set_meta(con, "plan_changed_at", datetime.now(UTC).isoformat(timespec="seconds"))
    record_change(con, "escalation plan reset", "the default plan is back")
    bump_monitoring_version(con)
    return default_plan()


def set_path(plan: dict[str, Any], assignment: str) -> dict[str, Any]:
    """Apply ``path=value`` (``levels.3.first_response_minutes=20``; ``roles.care lead=ops,mail``;
    ``channels.ops={"type": "slack", "url": "https://..."}``; ``channels.ops=null`` removes it) to a copy of
    the plan. The value is read as JSON, else as text; text for a list is split at commas."""
    path, sep, raw = assignment.partition("=")
    parts = [part.strip() for part in path.split(".")]
    if not sep or not all(parts):
        raise PlanError(f"{assignment!r}: write PATH=VALUE, e.g. levels.3.first_response_minutes=20")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        if raw.strip().startswith(("{", "[", '"')):
            raise PlanError(f"{path}: the value is not valid JSON ({exc.msg} at character {exc.pos})") from None
        value = raw.strip()
    plan = copy.deepcopy(plan)
    node = plan
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise PlanError(f"{path}: the plan has no {part!r} there")
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        raise PlanError(f"{path}: cannot set a value inside {parts[-2]!r}")
    if (isinstance(node.get(last), list) or node is plan["roles"]) and isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    if value is None and node in (plan["channels"], plan["roles"]):
        if node is plan["channels"]:
            users = [role for role, names in plan["roles"].items() if last in names]
            if users:
                raise PlanError(
                    f"{path}: the channel is used by {', '.join(users)}; take it out of their "
                    "channels first (roles.ROLE=...)"
                )
        node.pop(last, None)
    else:
        if last not in node and node not in (plan["channels"], plan["roles"]):
            raise PlanError(f"{path}: the plan has no {last!r} there")
        node[last] = value
    return validate(plan)


def channels_of(plan: dict[str, Any], roles: list[str]) -> list[tuple[str, str]]:
    """(role, channel) for each channel the roles have, each channel once (its first role)."""
    seen, out = set(), []
    for role in roles:
        for channel in plan["roles"].get(role, []):
            if channel not in seen:
                seen.add(channel)
                out.append((role, channel))
    return out


def masked(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as a page or `radar plan show` may print it: webhook addresses shortened (they are secrets
    in Slack and Teams)."""
    shown = copy.deepcopy(plan)
    for channel in shown["channels"].values():
        if "url" in channel:
            # only the scheme and the host: a path, a query or a fragment may hold the token
            match = re.match(r"(https?://)(?:[^/@?#]*@)?([^/?#]+)(.*)", channel["url"], re.DOTALL)
            channel["url"] = (
                match.group(1) + match.group(2) + ("/…" if match.group(3).strip("/") else "")
                if match
                else "(not an http address)"
            )
    return shown


def describe(plan: dict[str, Any]) -> list[str]:
    """The plan in words, a line per point (for `radar plan show` and the Data page)."""
    lines = []
    names = {1: "isolated complaints", 2: "issue", 3: "crisis", 4: "severe crisis"}
    for level in LEVELS:
        spec = plan["levels"][level]
        told = ", ".join(f"{role} ({', '.join(plan['roles'][role]) or 'no channel yet'})" for role in spec["roles"])
        targets = [f"first response within {spec['first_response_minutes']:g} min"]
        if spec["holding_minutes"]:
            targets.append(f"holding statement within {spec['holding_minutes']:g} min")
        if spec["update_hours"]:
            targets.append(f"an update every {spec['update_hours']:g} h until back to baseline")
        lines.append(
            f"severity {level} ({names[int(level)]}): tell {told}"
            + (" in the daily digest" if spec["digest"] else " at once")
            + "; "
            + "; ".join(targets)
        )
        lines.append("  expected moves: " + ", ".join(MOVE_WORDS[m] for m in spec["moves"]))
        lines += [f"  - {item}" for item in spec["checklist"]]
    lines.append(
        f"monitoring alerts (no new export for {plan['blind_spot_hours']:g} h, "
        f"{plan['blind_spot_hours_in_crisis']:g} h during a crisis; failed imports) go to "
        + ", ".join(plan["monitoring_roles"])
    )
    lines.append(
        "the weekly report (`radar report weekly --send`) goes to "
        + (", ".join(plan["report_roles"]) or "nobody (report_roles is empty)")
    )
    lines.append(
        f"cool-down {plan['cooldown_minutes']:g} min per rule and brand below severity 3; "
        f"waiting-posts digest at most every {plan['waiting_digest_hours']:g} h; daily digest at "
        f"{plan['digest_time']} (business time zone)"
    )
    for name, channel in masked(plan)["channels"].items():
        lines.append(
            f"channel {name}: {channel['type']} "
            + (", ".join(channel["to"]) if channel["type"] == "email" else channel["url"])
        )
    if plan["smtp"]["host"]:
        smtp = plan["smtp"]
        lines.append(
            f"smtp {smtp['host']}:{smtp['port']}"
            + (" STARTTLS" if smtp["starttls"] else "")
            + (f", login {smtp['username']} (password from ${smtp['password_env']})" if smtp["username"] else "")
            + f", from {smtp['sender']}"
        )
    lines.append(f"alerts link to {plan['dashboard_url']}")
    return lines
