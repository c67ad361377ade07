"""The Data page's escalation plan editor and alert log (``pipeline.monitor.plan``, ``pipeline.monitor.alerts``)."""

from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from pages._access import can_edit, viewer_note
from pages._common import alert_table_of, flash, run_query, settings, show_flash, write
from pipeline.core import db
from pipeline.core.i18n import LOCALES, _, fmt_day, fmt_time, locale_name
from pipeline.metrics.crises import severity_name
from pipeline.metrics.playbook import move_name
from pipeline.monitor.alerts import alert_log, alerts_in_words
from pipeline.monitor.notify import DeliveryError, send_test
from pipeline.monitor.plan import (
    CHANNEL_TYPES,
    LEVELS,
    MOVES,
    PlanError,
    default_plan,
    describe,
    load_plan,
    plan_changed_at,
    reset_plan,
    save_plan,
)
from pipeline.read.export import markdown_literal
from pipeline.read.queries import last_change


def _number(value):
    return None if value is None or pd.isna(value) else float(value) if float(value) % 1 else int(value)


def _locale(value) -> str | None:
    """A language chosen in a table (empty: the role's or the database's)."""
    return value if isinstance(value, str) and value in LOCALES else None


def plan_editor() -> None:
    plan = run_query(load_plan)
    changed = run_query(plan_changed_at)
    database_locale = settings().locale
    who = run_query(
        last_change, "escalation plan saved", "escalation plan reset"
    )  # i18n: not text -- audit log actions
    if plan == default_plan():
        st.caption(
            _(
                "The default plan: for each severity, who is told at once (or in the daily digest), the response "
                "targets and the moves expected. Alerts are recorded even before any channel is set up, so you see "
                "what would have gone out (`radar alerts`)."
            )
        )
    else:
        at = pd.Timestamp(changed) if changed else None
        at = (at.tz_convert("UTC") if at.tzinfo else at.tz_localize("UTC")) if at is not None else None
        when = f"{fmt_day(at)}, {fmt_time(at)} UTC" if at is not None else "—"
        st.caption(
            _(
                "Changed {when}: for each severity, who is told at once (or in the daily digest), the response "
                "targets and the moves expected. Alerts are recorded even before any channel is set up, so you see "
                "what would have gone out (`radar alerts`)."
            ).format(when=when)
        )
    if who:
        st.caption(_("Last {change}.").format(change=markdown_literal(who)))
    with st.expander(_("The plan in words")):
        st.text("\n".join(describe(plan)))
    if not can_edit():
        viewer_note(_("Changing the plan"))
        return
    roles = list(plan["roles"])
    levels = pd.DataFrame(
        [
            {
                "severity": f"{level} · {severity_name(int(level))}",
                "roles": spec["roles"],
                "first_response_minutes": spec["first_response_minutes"],
                "holding_minutes": spec["holding_minutes"],
                "update_hours": spec["update_hours"],
                "moves": spec["moves"],
                "digest": spec["digest"],
                "checklist": "\n".join(spec["checklist"]),  # as written: the editor changes the words themselves
            }
            for level, spec in plan["levels"].items()
        ]
    )
    channels = pd.DataFrame(
        [
            {
                "channel": name,
                "type": c["type"],
                "address": ", ".join(c["to"]) if c["type"] == "email" else c["url"],
                "locale": c.get("locale"),
            }
            for name, c in plan["channels"].items()
        ],
        columns=["channel", "type", "address", "locale"],
    )
    language_help = _(
        "The language its alerts are written in; empty: the role's, else the database's ({language}, in the settings)."
    ).format(language=locale_name(database_locale))
    with st.form("data.plan"):
        st.markdown(_("**Severity levels**"))
        edited_levels = st.data_editor(
            levels,
            hide_index=True,
            width="stretch",
            key="data.plan_levels",
            disabled=["severity"],
            num_rows="fixed",
            column_config={
                "severity": _("Severity"),
                "roles": st.column_config.MultiselectColumn(_("Who is told"), options=roles, required=True),
                "first_response_minutes": st.column_config.NumberColumn(
                    _("First response (min)"), min_value=1, required=True
                ),
                "holding_minutes": st.column_config.NumberColumn(
                    _("Holding statement (min)"), min_value=1, help=_("empty: no holding statement expected")
                ),
                "update_hours": st.column_config.NumberColumn(
                    _("Update every (h)"), min_value=0.25, help=_("empty: no update cadence")
                ),
                "moves": st.column_config.MultiselectColumn(
                    _("Moves expected"), options=list(MOVES), format_func=move_name
                ),
                "digest": st.column_config.CheckboxColumn(_("Daily digest")),
                "checklist": st.column_config.TextColumn(_("Checklist (one action per line)"), width="large"),
            },
        )
        st.markdown(_("**Channels** (webhook addresses are secrets: they are shortened everywhere but here)"))
        edited_channels = st.data_editor(
            channels,
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key="data.plan_channels",
            column_config={
                "channel": st.column_config.TextColumn(_("Name")),
                "type": st.column_config.SelectboxColumn(
                    _("Type"),
                    options=list(CHANNEL_TYPES),
                    help="; ".join(f"{kind}: {_(words)}" for kind, words in CHANNEL_TYPES.items()),
                ),
                "address": st.column_config.TextColumn(
                    _("E-mail addresses (comma-separated) or webhook URL"), width="large"
                ),
                "locale": st.column_config.SelectboxColumn(
                    _("Language"), options=list(LOCALES), format_func=locale_name, help=language_help
                ),
            },
        )
        st.markdown(_("**Roles and their channels**"))
        role_rows = pd.DataFrame(
            [
                {"role": role, "channels": names, "locale": plan["role_locales"].get(role)}
                for role, names in plan["roles"].items()
            ],
            columns=["role", "channels", "locale"],
        )
        edited_roles = st.data_editor(
            role_rows,
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key="data.plan_roles",
            column_config={
                "role": st.column_config.TextColumn(_("Role")),
                "channels": st.column_config.MultiselectColumn(
                    _("Channels"),
                    options=sorted(set(channels["channel"])),
                    accept_new_options=True,
                    help=_("names from the Channels table"),
                ),
                "locale": st.column_config.SelectboxColumn(
                    _("Language"),
                    options=list(LOCALES),
                    format_func=locale_name,
                    help=_(
                        "The language the role's alerts are written in, unless its channel names one; empty: the "
                        "database's ({language}, in the settings)."
                    ).format(language=locale_name(database_locale)),
                ),
            },
        )
        left, middle, right = st.columns(3)
        smtp = plan["smtp"]
        host = left.text_input(_("SMTP server"), smtp["host"], key="data.plan_smtp_host")
        port = middle.number_input(_("Port"), 1, 65535, int(smtp["port"]), key="data.plan_smtp_port")
        starttls = right.checkbox("STARTTLS", smtp["starttls"], key="data.plan_smtp_tls")
        user = left.text_input(_("Login"), smtp["username"], key="data.plan_smtp_user")
        password_env = middle.text_input(
            _("Name of the environment variable holding the SMTP password"),
            smtp["password_env"],
            key="data.plan_smtp_env",
            help=_("The password is never stored: set this variable where `radar watch` runs."),
        )
        sender = right.text_input(_("Sender"), smtp["sender"], key="data.plan_smtp_sender")
        url = left.text_input(_("Dashboard address (alerts link to it)"), plan["dashboard_url"], key="data.plan_url")
        blind = middle.number_input(
            _("Warn when no new export arrives for (hours)"),
            1,
            720,
            int(plan["blind_spot_hours"]),
            key="data.plan_blind",
        )
        blind_crisis = right.number_input(
            _("The same while a crisis is open (hours)"),
            1,
            720,
            int(plan["blind_spot_hours_in_crisis"]),
            key="data.plan_blind_crisis",
        )
        monitoring = left.multiselect(
            _("Monitoring alerts go to"), roles, plan["monitoring_roles"], key="data.plan_mon"
        )
        cooldown = middle.number_input(
            _("Cool-down per rule and brand below severity 3 (min)"),
            0,
            10080,
            int(plan["cooldown_minutes"]),
            key="data.plan_cooldown",
        )
        digest_time = right.text_input(
            _("Daily digest at (business time zone)"), plan["digest_time"], key="data.plan_digest"
        )
        save, reset = st.columns(2)
        saving = save.form_submit_button(_("Save the plan"), icon=":material/save:")
        resetting = reset.form_submit_button(_("Put back the default plan"), icon=":material/restart_alt:")
    show_flash()
    if resetting:
        try:
            write(reset_plan)
            flash(_("The default plan is back (its roles have no channels: alerts are recorded, not sent)."))
            st.rerun()
        except db.DatabaseError as exc:
            st.error(markdown_literal(str(exc)))
    if saving:
        new = copy.deepcopy(plan)
        try:
            new["channels"] = {}
            for row in edited_channels.to_dict("records"):
                if all(pd.isna(value) or not str(value).strip() for value in row.values()):
                    continue  # an empty row
                if pd.isna(row["channel"]) or not str(row["channel"]).strip():
                    raise PlanError(_("every channel needs a name"))
                address = "" if pd.isna(row["address"]) else str(row["address"]).strip()
                channel = (
                    {"type": "email", "to": [a.strip() for a in address.split(",") if a.strip()]}
                    if row["type"] == "email"
                    else {"type": row["type"], "url": address}
                )
                if _locale(row.get("locale")):
                    channel["locale"] = _locale(row["locale"])
                new["channels"][str(row["channel"]).strip()] = channel
            role_records = edited_roles.dropna(subset=["role"]).to_dict("records")
            new["roles"] = {str(row["role"]).strip(): list(row["channels"] or []) for row in role_records}
            new["role_locales"] = {
                str(row["role"]).strip(): _locale(row.get("locale"))
                for row in role_records
                if _locale(row.get("locale"))
            }
            for level, row in zip(LEVELS, edited_levels.to_dict("records")):
                new["levels"][level] = {
                    "roles": list(row["roles"] or []),
                    "first_response_minutes": _number(row["first_response_minutes"]),
                    "holding_minutes": _number(row["holding_minutes"]),
                    "update_hours": _number(row["update_hours"]),
                    "moves": list(row["moves"] or []),
                    "digest": bool(row["digest"]),
                    "checklist": [line.strip() for line in str(row["checklist"] or "").splitlines() if line.strip()],
                }
            new["smtp"].update(
                host=host.strip(),
                port=int(port),
                starttls=starttls,
                username=user.strip(),
                password_env=password_env.strip(),
                sender=sender.strip(),
            )
            new.update(
                dashboard_url=url.strip(),
                blind_spot_hours=int(blind),
                blind_spot_hours_in_crisis=int(blind_crisis),
                monitoring_roles=monitoring,
                cooldown_minutes=int(cooldown),
                digest_time=digest_time.strip(),
            )
            write(save_plan, new)
        except PlanError as exc:
            st.error(_("Not saved: {error}").format(error=markdown_literal(str(exc))))
        except db.DatabaseError as exc:
            st.error(markdown_literal(str(exc)))
        else:
            flash(
                _(
                    "Plan saved: the watcher (`radar watch`) uses it from its next pass. Send a test message below "
                    "to check a channel."
                )
            )
            st.rerun()
    if plan["channels"]:
        with st.form("data.plan_test"):
            channel = st.selectbox(_("Send a test message over"), list(plan["channels"]), key="data.plan_test_channel")
            if st.form_submit_button(_("Send a test message"), icon=":material/send:"):
                try:
                    send_test(plan, channel, default_locale=database_locale)
                    st.success(_("Delivered to {channel}.").format(channel=markdown_literal(channel)))
                except DeliveryError as exc:
                    st.error(
                        _("Not delivered to {channel}: {error}").format(
                            channel=markdown_literal(channel), error=markdown_literal(str(exc))
                        )
                    )


def alert_table() -> None:
    alerts = run_query(alert_log, limit=200, facts=True)
    if alerts.empty:
        st.caption(
            _(
                "No alert yet. `radar watch FOLDER` imports new exports as they land and raises alerts by the "
                "plan; every import and recompute evaluates the rules too."
            )
        )
        return
    alert_table_of(alerts_in_words(alerts), key="data.alerts")
