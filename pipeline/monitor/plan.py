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

**Languages.** A channel (``locale`` in its settings) or a role (``role_locales``) can say in which language
it is told (``en``, ``es``, ``pl``): a delivery is written in its channel's language, else its role's, else the
database's default (``Settings.locale``), else English (``delivery_locale``).

The SMTP password is never stored: ``smtp.password_env`` names the environment variable that holds it.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import babel.numbers

from pipeline.core.access import record_change
from pipeline.core.i18n import LOCALES, N_, _, current_locale, locale_name, use_locale
from pipeline.metrics.crises import severity_name
from pipeline.metrics.playbook import MOVE_NAMES, move_name

CHANNEL_TYPES = {
    "email": N_("e-mail over SMTP (to: one or more addresses)"),
    "slack": N_("Slack incoming webhook (url)"),
    "teams": N_("Microsoft Teams incoming webhook (url)"),
    "webhook": N_("generic JSON webhook (url): the alert as JSON, one POST per alert"),
}
LEVELS = ("1", "2", "3", "4")
# the five playbook moves (``metrics/playbook.py`` classifies replies into them), in words
MOVE_WORDS = MOVE_NAMES  # the names of the moves, translated where shown: move_name(move)
MOVES = tuple(MOVE_NAMES)

DEFAULT_PLAN: dict[str, Any] = {
    # role names are the plan's keys (``roles.care lead=...``): data, not translated
    "roles": {
        "community manager": [],  # i18n: not text
        "care lead": [],  # i18n: not text
        "crisis committee": [],  # i18n: not text
    },
    "channels": {},
    "role_locales": {},  # role -> the language it is told in (a channel's own ``locale`` comes first)
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
    "monitoring_roles": ["community manager"],  # i18n: not text
    "report_roles": ["community manager", "care lead"],  # i18n: not text
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
            "roles": ["community manager"],  # i18n: not text
            "first_response_minutes": 240,
            "holding_minutes": None,
            "update_hours": None,
            "moves": ["apologise"],
            "digest": True,
            "checklist": [
                N_("Answer each complaint publicly, then take it to a private message"),
                N_("Log the cases and watch whether the topic spreads"),
            ],
        },
        "2": {
            "roles": ["community manager"],  # i18n: not text
            "first_response_minutes": 60,
            "holding_minutes": 240,
            "update_hours": None,
            "moves": ["apologise", "explain"],
            "digest": False,
            "checklist": [
                N_("Answer every complaint with the same agreed wording"),
                N_("Ask the product or service team for the cause"),
                N_("Post a holding statement once the cause is being investigated"),
            ],
        },
        "3": {
            "roles": ["community manager", "care lead", "crisis committee"],  # i18n: not text
            "first_response_minutes": 30,
            "holding_minutes": 60,
            "update_hours": 4,
            "moves": ["apologise", "explain", "admit_error", "change"],
            "digest": False,
            "checklist": [
                N_("Crisis committee meets and names one spokesperson"),
                N_("Publish a holding statement: we know, we are investigating, next update at …"),
                N_("Pause scheduled marketing posts and campaigns"),
                N_("Update every few hours until the cause is known; admit the error and say what will change"),
            ],
        },
        "4": {
            "roles": ["community manager", "care lead", "crisis committee"],  # i18n: not text
            "first_response_minutes": 15,
            "holding_minutes": 30,
            "update_hours": 2,
            "moves": list(MOVES),
            "digest": False,
            "checklist": [
                N_("Crisis committee meets at once, whatever the hour; management informed"),
                N_("Publish a holding statement within the half hour"),
                N_("Pause all scheduled posts and advertising"),
                N_("Apologise, explain, admit the error, say what will change and make amends"),
                N_("Brief customer care and the press office with the same facts"),
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


def _g(value: float) -> str:
    """A number of the plan as ``:g`` wrote it (no grouping, no trailing zeros), with the locale's decimal mark."""
    return babel.numbers.format_decimal(value, format="0.##", locale=current_locale())


def _codes() -> str:
    return ", ".join(LOCALES)


def _number(value, where: str, low: float, high: float, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlanError(_("{where}: {value} is not a number").format(where=where, value=json.dumps(value)))
    if not low <= value <= high:
        raise PlanError(
            _("{where}: {value} must be between {low} and {high}").format(
                where=where, value=json.dumps(value), low=_g(low), high=_g(high)
            )
        )
    return value


def _locale(value, where: str) -> str:
    if not isinstance(value, str) or value not in LOCALES:
        raise PlanError(
            _("{where}: {value} is not a language Radar speaks; give one of {codes}").format(
                where=where, value=json.dumps(value), codes=_codes()
            )
        )
    return value


def validate(plan: dict[str, Any]) -> dict[str, Any]:
    """Return the plan with defaults filled in for missing parts, or raise PlanError naming what is wrong."""
    if not isinstance(plan, dict):
        raise PlanError(_("the plan must be a JSON object"))
    unknown = sorted(set(plan) - set(DEFAULT_PLAN))
    if unknown:
        raise PlanError(
            _("unknown part {part}; a plan has {parts}").format(part=repr(unknown[0]), parts=", ".join(DEFAULT_PLAN))
        )
    full = {**default_plan(), **copy.deepcopy(plan)}
    full["smtp"] = {**DEFAULT_PLAN["smtp"], **(full.get("smtp") or {})}
    if "password" in full["smtp"]:
        raise PlanError(
            _(
                "smtp.password: the password is never stored; put it in an environment variable and "
                "name that variable in smtp.password_env"
            )
        )
    for name in ("host", "username", "password_env", "sender"):
        if not isinstance(full["smtp"][name], str):
            raise PlanError(_("smtp.{name}: must be text").format(name=name))
    extra = sorted(set(full["smtp"]) - set(DEFAULT_PLAN["smtp"]))
    if extra:
        raise PlanError(
            _("smtp: unknown part {part}; smtp has {parts}").format(
                part=repr(extra[0]), parts=", ".join(DEFAULT_PLAN["smtp"])
            )
        )
    if full["smtp"]["host"] and not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", full["smtp"]["host"]):
        raise PlanError(_("smtp.host: {host} is not a host name").format(host=repr(full["smtp"]["host"])))
    if not _EMAIL.fullmatch(full["smtp"]["sender"]):
        raise PlanError(_("smtp.sender: {sender} is not an e-mail address").format(sender=repr(full["smtp"]["sender"])))
    if not re.fullmatch(r"RADAR_[A-Z0-9_]+", full["smtp"]["password_env"]):
        # only Radar's own variables: a plan must not be able to mail another secret of the process away
        raise PlanError(
            _(
                "smtp.password_env: name the environment variable that holds the password; it must "
                "start with RADAR_, e.g. RADAR_SMTP_PASSWORD"
            )
        )
    _number(full["smtp"]["port"], "smtp.port", 1, 65535)
    _number(full["smtp"]["timeout_seconds"], "smtp.timeout_seconds", 1, 300)
    channels = full["channels"]
    if not isinstance(channels, dict):
        raise PlanError(_("channels: must map a channel name to its settings"))
    for name, channel in channels.items():
        where = f"channels.{name}"
        if not isinstance(channel, dict) or channel.get("type") not in CHANNEL_TYPES:
            raise PlanError(
                _("{where}: type must be one of {types}").format(where=where, types=", ".join(CHANNEL_TYPES))
            )
        allowed = {"type", "to", "locale"} if channel["type"] == "email" else {"type", "url", "locale"}
        if set(channel) - allowed:
            raise PlanError(
                _("{where}: unknown part {part}; a {type} channel has {parts}").format(
                    where=where,
                    part=repr(sorted(set(channel) - allowed)[0]),
                    type=channel["type"],
                    parts=", ".join(sorted(allowed)),
                )
            )
        if "locale" in channel:
            if channel["locale"] is None:  # null: the role's or the database's language
                del channel["locale"]
            else:
                _locale(channel["locale"], f"{where}.locale")
        if channel["type"] == "email":
            to = channel.get("to")
            to = [to] if isinstance(to, str) else to
            if not to or not all(isinstance(a, str) and _EMAIL.fullmatch(a.strip()) for a in to):
                raise PlanError(_("{where}.to: give one or more e-mail addresses").format(where=where))
            channel["to"] = [a.strip() for a in to]
        else:
            url = channel.get("url")
            if not isinstance(url, str) or not re.match(r"https?://[^\s/]+", url):
                raise PlanError(
                    _("{where}.url: the webhook address must start with https:// (or http://), not {url}").format(
                        where=where, url=repr(str(url)[:60])
                    )
                )
    roles = full["roles"]
    if not isinstance(roles, dict) or not roles:
        raise PlanError(_("roles: name at least one role, each with its channels (a list, possibly empty)"))
    for role, names in roles.items():
        if not isinstance(names, list):
            raise PlanError(_("roles.{role}: must be a list of channel names").format(role=role))
        for name in names:
            if name not in channels:
                raise PlanError(
                    _("roles.{role}: there is no channel {name} (channels: {channels})").format(
                        role=role, name=repr(name), channels=", ".join(channels) or _("none yet")
                    )
                )
    role_locales = full["role_locales"]
    if not isinstance(role_locales, dict):
        raise PlanError(
            _("role_locales: must map a role to the language it is told in ({codes})").format(codes=_codes())
        )
    for role in list(role_locales):
        if role not in roles:
            raise PlanError(
                _("role_locales: there is no role {role} (roles: {roles})").format(
                    role=repr(role), roles=", ".join(roles)
                )
            )
        if role_locales[role] is None:  # null: the database's language
            del role_locales[role]
        else:
            _locale(role_locales[role], f"role_locales.{role}")
    if not isinstance(full["monitoring_roles"], list) or not full["monitoring_roles"]:
        raise PlanError(_("monitoring_roles: name at least one role (who hears of blind spots and failed imports)"))
    for role in full["monitoring_roles"]:
        if role not in roles:
            raise PlanError(
                _("monitoring_roles: there is no role {role} (roles: {roles})").format(
                    role=repr(role), roles=", ".join(roles)
                )
            )
    if not isinstance(full["report_roles"], list):
        raise PlanError(_("report_roles: a list of roles (who receives `radar report weekly --send`)"))
    for role in full["report_roles"]:
        if role not in roles:
            raise PlanError(
                _("report_roles: there is no role {role} (roles: {roles})").format(
                    role=repr(role), roles=", ".join(roles)
                )
            )
    for key, (low, high) in _NUMBERS.items():
        _number(full[key], key, low, high)
    _number(full["warn_share"], "warn_share", 0, 0.9)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(full["digest_time"])):
        raise PlanError(_("digest_time: {time} is not a time like 09:00").format(time=repr(full["digest_time"])))
    if not isinstance(full["dashboard_url"], str) or not re.match(r"https?://", full["dashboard_url"]):
        raise PlanError(_("dashboard_url: give the dashboard's http(s):// address (alerts link to it)"))
    levels = full["levels"]
    if not isinstance(levels, dict) or sorted(levels) != list(LEVELS):
        raise PlanError(_("levels: give each severity 1, 2, 3 and 4"))
    for level in LEVELS:
        given = levels[level]
        if not isinstance(given, dict):
            raise PlanError(_("levels.{level}: must be an object").format(level=level))
        spec = {**DEFAULT_PLAN["levels"][level], **given}
        extra = sorted(set(spec) - set(DEFAULT_PLAN["levels"][level]))
        if extra:
            raise PlanError(_("levels.{level}: unknown part {part}").format(level=level, part=repr(extra[0])))
        where = f"levels.{level}"
        if not isinstance(spec["roles"], list) or not spec["roles"]:
            raise PlanError(_("{where}.roles: name at least one role").format(where=where))
        for role in spec["roles"]:
            if role not in roles:
                raise PlanError(
                    _("{where}.roles: there is no role {role} (roles: {roles})").format(
                        where=where, role=repr(role), roles=", ".join(roles)
                    )
                )
        _number(spec["first_response_minutes"], f"{where}.first_response_minutes", 1, 60 * 24 * 7)
        _number(spec["holding_minutes"], f"{where}.holding_minutes", 1, 60 * 24 * 7, optional=True)
        _number(spec["update_hours"], f"{where}.update_hours", 0.25, 24 * 7, optional=True)
        for move in spec["moves"]:
            if move not in MOVES:
                raise PlanError(
                    _("{where}.moves: {move} is not one of {moves}").format(
                        where=where, move=repr(move), moves=", ".join(MOVES)
                    )
                )
        if not isinstance(spec["checklist"], list) or not all(isinstance(item, str) for item in spec["checklist"]):
            raise PlanError(_("{where}.checklist: must be a list of actions in words").format(where=where))
        if not isinstance(spec["digest"], bool):
            raise PlanError(_("{where}.digest: true or false").format(where=where))
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
    with use_locale("en"):  # the audit log is kept in English, as every other entry in it
        before, after = describe(load_plan(con)), describe(plan)
    # what changed, line by line (the whole plan would not fit the log's 2,000 characters)
    changed = [f"- {line.strip()}" for line in before if line not in after]
    changed += [f"+ {line.strip()}" for line in after if line not in before]
    detail = "; ".join(changed)[:2000] or "no change"  # i18n: not text (the audit log, in English)
    set_meta(con, "plan", json.dumps(plan))  # roles and channels keep the order people gave them
    set_meta(con, "plan_changed_at", datetime.now(UTC).isoformat(timespec="seconds"))
    record_change(con, "escalation plan saved", detail)  # i18n: not text -- an action code
    bump_monitoring_version(con)
    return plan


def reset_plan(con) -> dict[str, Any]:
    from pipeline.core.db import bump_monitoring_version, set_meta

    con.execute("DELETE FROM radar_meta WHERE key = 'plan'")
    set_meta(con, "plan_changed_at", datetime.now(UTC).isoformat(timespec="seconds"))
    record_change(con, "escalation plan reset", "the default plan is back")  # i18n: not text -- the audit log
    bump_monitoring_version(con)
    return default_plan()


def set_path(plan: dict[str, Any], assignment: str) -> dict[str, Any]:
    """Apply ``path=value`` (``levels.3.first_response_minutes=20``; ``roles.care lead=ops,mail``;
    ``channels.ops={"type": "slack", "url": "https://..."}``; ``channels.ops=null`` removes it;
    ``channels.ops.locale=es``; ``role_locales.care lead=pl``) to a copy of the plan. The value is read as
    JSON, else as text; text for a list is split at commas."""
    path, sep, raw = assignment.partition("=")
    parts = [part.strip() for part in path.split(".")]
    if not sep or not all(parts):
        raise PlanError(
            _("{assignment}: write PATH=VALUE, e.g. levels.3.first_response_minutes=20").format(
                assignment=repr(assignment)
            )
        )
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        if raw.strip().startswith(("{", "[", '"')):
            raise PlanError(
                _("{path}: the value is not valid JSON ({error} at character {position})").format(
                    path=path, error=exc.msg, position=exc.pos
                )
            ) from None
        value = raw.strip()
    plan = copy.deepcopy(plan)
    plan.setdefault("role_locales", {})
    node = plan
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise PlanError(_("{path}: the plan has no {part} there").format(path=path, part=repr(part)))
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        raise PlanError(_("{path}: cannot set a value inside {part}").format(path=path, part=repr(parts[-2])))
    if (isinstance(node.get(last), list) or node is plan["roles"]) and isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    # parts that may be added or taken out: a channel, a role, a role's language, a channel's language
    open_ended = node is plan["channels"] or node is plan["roles"] or node is plan["role_locales"]
    in_channel = len(parts) == 3 and parts[0] == "channels" and last == "locale"
    if value is None and (open_ended or in_channel):
        if node is plan["channels"]:
            users = [role for role, names in plan["roles"].items() if last in names]
            if users:
                raise PlanError(
                    _(
                        "{path}: the channel is used by {roles}; take it out of their channels first (roles.ROLE=...)"
                    ).format(path=path, roles=", ".join(users))
                )
        if node is plan["roles"]:
            plan["role_locales"].pop(last, None)  # a role taken out takes its language with it
        node.pop(last, None)
    else:
        if last not in node and not (open_ended or in_channel):
            raise PlanError(_("{path}: the plan has no {part} there").format(path=path, part=repr(last)))
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


def delivery_locale(
    plan: dict[str, Any], channel: str | None, role: str | None = None, default: str | None = None
) -> str:
    """The language a delivery over ``channel`` (to ``role``) is written in: the channel's ``locale``, else the
    role's (``role_locales``; without a role, the first role that uses the channel and names a language), else
    ``default`` (the database's, ``Settings.locale``), else English."""
    spec = plan.get("channels", {}).get(channel) if channel is not None else None
    if spec and spec.get("locale") in LOCALES:
        return spec["locale"]
    role_locales = plan.get("role_locales") or {}
    if role is not None:
        roles = [role]
    else:
        roles = [name for name, names in plan.get("roles", {}).items() if channel in names]
    for name in roles:
        if role_locales.get(name) in LOCALES:
            return role_locales[name]
    return default if default in LOCALES else "en"


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
                else _("(not an http address)")
            )
    return shown


def checklist_item(item: str) -> str:
    """An action of a level's checklist as shown: the default plan's in the current language, one a person wrote
    as they wrote it."""
    shipped = {action for level in DEFAULT_PLAN["levels"].values() for action in level["checklist"]}
    return _(item) if item in shipped else item


def describe(plan: dict[str, Any]) -> list[str]:
    """The plan in words, a line per point (for `radar plan show` and the Data page), in the current language."""
    lines = []
    for level in LEVELS:
        spec = plan["levels"][level]
        nothing = _("no channel yet")
        told = ", ".join(f"{role} ({', '.join(plan['roles'][role]) or nothing})" for role in spec["roles"])
        targets = [_("first response within {minutes} min").format(minutes=_g(spec["first_response_minutes"]))]
        if spec["holding_minutes"]:
            targets.append(_("holding statement within {minutes} min").format(minutes=_g(spec["holding_minutes"])))
        if spec["update_hours"]:
            targets.append(_("an update every {hours} h until back to baseline").format(hours=_g(spec["update_hours"])))
        template = (
            _("severity {level} ({name}): tell {told} in the daily digest; {targets}")
            if spec["digest"]
            else _("severity {level} ({name}): tell {told} at once; {targets}")
        )
        lines.append(
            template.format(level=level, name=severity_name(int(level)), told=told, targets="; ".join(targets))
        )
        lines.append(_("  expected moves: {moves}").format(moves=", ".join(move_name(m) for m in spec["moves"])))
        lines += [f"  - {checklist_item(item)}" for item in spec["checklist"]]
    lines.append(
        _(
            "monitoring alerts (no new export for {hours} h, {crisis_hours} h during a crisis; failed imports) "
            "go to {roles}"
        ).format(
            hours=_g(plan["blind_spot_hours"]),
            crisis_hours=_g(plan["blind_spot_hours_in_crisis"]),
            roles=", ".join(plan["monitoring_roles"]),
        )
    )
    lines.append(
        _("the weekly report (`radar report weekly --send`) goes to {roles}").format(
            roles=", ".join(plan["report_roles"])
        )
        if plan["report_roles"]
        else _("the weekly report (`radar report weekly --send`) goes to nobody (report_roles is empty)")
    )
    lines.append(
        _(
            "cool-down {cooldown} min per rule and brand below severity 3; waiting-posts digest at most every "
            "{waiting} h; daily digest at {time} (business time zone)"
        ).format(
            cooldown=_g(plan["cooldown_minutes"]), waiting=_g(plan["waiting_digest_hours"]), time=plan["digest_time"]
        )
    )
    for role, code in (plan.get("role_locales") or {}).items():
        lines.append(
            _("role {role} is told in {language} (unless its channel names a language)").format(
                role=role, language=locale_name(code)
            )
        )
    for name, channel in masked(plan)["channels"].items():
        address = ", ".join(channel["to"]) if channel["type"] == "email" else channel["url"]
        lines.append(
            _("channel {name}: {type} {address}, in {language}").format(
                name=name, type=channel["type"], address=address, language=locale_name(channel["locale"])
            )
            if channel.get("locale")
            else _("channel {name}: {type} {address}").format(name=name, type=channel["type"], address=address)
        )
    if plan["smtp"]["host"]:
        smtp = plan["smtp"]
        server = f"{smtp['host']}:{smtp['port']}" + (" STARTTLS" if smtp["starttls"] else "")
        lines.append(
            _("smtp {server}, login {username} (password from ${variable}), from {sender}").format(
                server=server, username=smtp["username"], variable=smtp["password_env"], sender=smtp["sender"]
            )
            if smtp["username"]
            else _("smtp {server}, from {sender}").format(server=server, sender=smtp["sender"])
        )
    lines.append(_("alerts link to {url}").format(url=plan["dashboard_url"]))
    return lines
