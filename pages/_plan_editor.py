"""The Data page's escalation plan editor and alert log (``pipeline.monitor.plan``, ``pipeline.monitor.alerts``)."""

from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from pages._access import can_edit, viewer_note
from pages._common import alert_table_of, flash, run_query, show_flash, write
from pipeline.core import db
from pipeline.monitor.alerts import alert_log, alerts_in_words
from pipeline.monitor.notify import DeliveryError, send_test
from pipeline.monitor.plan import (
    CHANNEL_TYPES,
    LEVELS,
    MOVE_WORDS,
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

SEVERITY_NAMES = {"1": "isolated complaints", "2": "issue", "3": "crisis", "4": "severe crisis"}


def _number(value):
    return None if value is None or pd.isna(value) else float(value) if float(value) % 1 else int(value)


def plan_editor() -> None:
    plan = run_query(load_plan)
    changed = run_query(plan_changed_at)
    when = pd.Timestamp(changed).strftime("%a %d %b %Y, %H:%M UTC") if changed else None
    who = run_query(last_change, "escalation plan saved", "escalation plan reset")
    st.caption(
        ("The default plan" if plan == default_plan() else f"Changed {when}") + ": for each severity, who is told "
        "at once (or in the daily digest), the response targets and the moves expected. Alerts are recorded "
        "even before any channel is set up, so you see what would have gone out (`radar alerts`)."
    )
    if who:
        st.caption(f"Last {markdown_literal(who)}.")
    with st.expander("The plan in words"):
        st.text("\n".join(describe(plan)))
    if not can_edit():
        viewer_note("Changing the plan")
        return
    roles = list(plan["roles"])
    levels = pd.DataFrame(
        [
            {
                "severity": f"{level} · {SEVERITY_NAMES[level]}",
                "roles": spec["roles"],
                "first_response_minutes": spec["first_response_minutes"],
                "holding_minutes": spec["holding_minutes"],
                "update_hours": spec["update_hours"],
                "moves": spec["moves"],
                "digest": spec["digest"],
                "checklist": "\n".join(spec["checklist"]),
            }
            for level, spec in plan["levels"].items()
        ]
    )
    channels = pd.DataFrame(
        [
            {"channel": name, "type": c["type"], "address": ", ".join(c["to"]) if c["type"] == "email" else c["url"]}
            for name, c in plan["channels"].items()
        ],
        columns=["channel", "type", "address"],
    )
    with st.form("data.plan"):
        st.markdown("**Severity levels**")
        edited_levels = st.data_editor(
            levels,
            hide_index=True,
            width="stretch",
            key="data.plan_levels",
            disabled=["severity"],
            num_rows="fixed",
            column_config={
                "severity": "Severity",
                "roles": st.column_config.MultiselectColumn("Who is told", options=roles, required=True),
                "first_response_minutes": st.column_config.NumberColumn(
                    "First response (min)", min_value=1, required=True
                ),
                "holding_minutes": st.column_config.NumberColumn(
                    "Holding statement (min)", min_value=1, help="empty: no holding statement expected"
                ),
                "update_hours": st.column_config.NumberColumn(
                    "Update every (h)", min_value=0.25, help="empty: no update cadence"
                ),
                "moves": st.column_config.MultiselectColumn(
                    "Moves expected", options=list(MOVE_WORDS), format_func=MOVE_WORDS.get
                ),
                "digest": st.column_config.CheckboxColumn("Daily digest"),
                "checklist": st.column_config.TextColumn("Checklist (one action per line)", width="large"),
            },
        )
        st.markdown("**Channels** (webhook addresses are secrets: they are shortened everywhere but here)")
        edited_channels = st.data_editor(
            channels,
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key="data.plan_channels",
            column_config={
                "channel": st.column_config.TextColumn("Name"),
                "type": st.column_config.SelectboxColumn(
                    "Type", options=list(CHANNEL_TYPES), help="; ".join(f"{k}: {v}" for k, v in CHANNEL_TYPES.items())
                ),
                "address": st.column_config.TextColumn(
                    "E-mail addresses (comma-separated) or webhook URL", width="large"
                ),
            },
        )
        st.markdown("**Roles and their channels**")
        role_rows = pd.DataFrame([{"role": role, "channels": names} for role, names in plan["roles"].items()])
        edited_roles = st.data_editor(
            role_rows,
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key="data.plan_roles",
            column_config={
                "role": st.column_config.TextColumn("Role"),
                "channels": st.column_config.MultiselectColumn(
                    "Channels",
                    options=sorted(set(channels["channel"])),
                    accept_new_options=True,
                    help="names from the Channels table",
                ),
            },
        )
        left, middle, right = st.columns(3)
        smtp = plan["smtp"]
        host = left.text_input("SMTP server", smtp["host"], key="data.plan_smtp_host")
        port = middle.number_input("Port", 1, 65535, int(smtp["port"]), key="data.plan_smtp_port")
        starttls = right.checkbox("STARTTLS", smtp["starttls"], key="data.plan_smtp_tls")
        user = left.text_input("Login", smtp["username"], key="data.plan_smtp_user")
        password_env = middle.text_input(
            "Name of the environment variable holding the SMTP password",
            smtp["password_env"],
            key="data.plan_smtp_env",
            help="The password is never stored: set this variable where `radar watch` runs.",
        )
        sender = right.text_input("Sender", smtp["sender"], key="data.plan_smtp_sender")
        url = left.text_input("Dashboard address (alerts link to it)", plan["dashboard_url"], key="data.plan_url")
        blind = middle.number_input(
            "Warn when no new export arrives for (hours)", 1, 720, int(plan["blind_spot_hours"]), key="data.plan_blind"
        )
        blind_crisis = right.number_input(
            "The same while a crisis is open (hours)",
            1,
            720,
            int(plan["blind_spot_hours_in_crisis"]),
            key="data.plan_blind_crisis",
        )
        monitoring = left.multiselect("Monitoring alerts go to", roles, plan["monitoring_roles"], key="data.plan_mon")
        cooldown = middle.number_input(
            "Cool-down per rule and brand below severity 3 (min)",
            0,
            10080,
            int(plan["cooldown_minutes"]),
            key="data.plan_cooldown",
        )
        digest_time = right.text_input(
            "Daily digest at (business time zone)", plan["digest_time"], key="data.plan_digest"
        )
        save, reset = st.columns(2)
        saving = save.form_submit_button("Save the plan", icon=":material/save:")
        resetting = reset.form_submit_button("Put back the default plan", icon=":material/restart_alt:")
    show_flash()
    if resetting:
        try:
            write(reset_plan)
            flash("The default plan is back (its roles have no channels: alerts are recorded, not sent).")
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
                    raise PlanError("every channel needs a name")
                address = "" if pd.isna(row["address"]) else str(row["address"]).strip()
                new["channels"][str(row["channel"]).strip()] = (
                    {"type": "email", "to": [a.strip() for a in address.split(",") if a.strip()]}
                    if row["type"] == "email"
                    else {"type": row["type"], "url": address}
                )
            new["roles"] = {
                str(row["role"]).strip(): list(row["channels"] or [])
                for row in edited_roles.dropna(subset=["role"]).to_dict("records")
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
            st.error(f"Not saved: {markdown_literal(str(exc))}")
        except db.DatabaseError as exc:
            st.error(markdown_literal(str(exc)))
        else:
            flash(
                "Plan saved: the watcher (`radar watch`) uses it from its next pass. Send a test message below to "
                "check a channel."
            )
            st.rerun()
    if plan["channels"]:
        with st.form("data.plan_test"):
            channel = st.selectbox("Send a test message over", list(plan["channels"]), key="data.plan_test_channel")
            if st.form_submit_button("Send a test message", icon=":material/send:"):
                try:
                    send_test(plan, channel)
                    st.success(f"Delivered to {markdown_literal(channel)}.")
                except DeliveryError as exc:
                    st.error(f"Not delivered to {markdown_literal(channel)}: {markdown_literal(str(exc))}")


def alert_table() -> None:
    alerts = run_query(alert_log, limit=200)
    if alerts.empty:
        st.caption(
            "No alert yet. `radar watch FOLDER` imports new exports as they land and raises alerts by the "
            "plan; every import and recompute evaluates the rules too."
        )
        return
    alert_table_of(alerts_in_words(alerts), key="data.alerts")
