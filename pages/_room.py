"""The Crises page's response room: one crisis's targets, moves and clock against the escalation plan, with
forms to acknowledge it and log decisions (``pipeline.read.room``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._access import Visitor, viewer_note, visitor
from pages._common import alert_table_of, flash, run_query, show_flash, write
from pipeline.core import db
from pipeline.monitor.alerts import ack_crisis, alerts_in_words, log_decision
from pipeline.read.export import markdown_literal
from pipeline.read.room import response_room


def _name_field(person: Visitor, key: str) -> str:
    """Who the crisis log records: the signed-in person (not editable), else a name typed in."""
    if person.signed_in:
        st.caption(f"Recorded as {markdown_literal(person.name)}")
        return person.name
    return st.text_input("Your name", key=key)


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def response_room_section(crisis: dict) -> None:
    """The crisis's clock against the escalation plan, its alerts, and forms to acknowledge it and log a
    decision (``pipeline.read.room``)."""
    now = pd.Timestamp.now(tz="UTC").floor("min").to_pydatetime()
    room = run_query(response_room, crisis["crisis_id"], now=now)
    if room is None:
        return
    live = crisis.get("back_to_baseline_at") is None
    st.subheader("Response room" if live else "Plan against reality")
    st.caption(
        f"Targets of the escalation plan for severity {crisis['severity']} (edited on the Data page), judged "
        f"with the data up to {room.as_of:%a %d %b %Y, %H:%M} UTC. A statement is a brand post during the "
        "crisis that explains and keeps people informed; the first one is the holding statement."
    )
    show_flash()
    icons = {
        "met": ":green[:material/check_circle:]",
        "missed": ":red[:material/cancel:]",
        "due soon": ":orange[:material/schedule:]",
        "pending": ":gray[:material/hourglass_empty:]",
        "unknown": ":gray[:material/help:]",
    }
    left, right = st.columns(2)
    with left:
        for target in room.targets:
            st.markdown(
                f"{icons[target.state]} **{_capital(target.words)}** — {markdown_literal(target.text(room.as_of))}"
            )
        if room.would_have_alerted_at is not None:
            st.markdown(
                f":material/radar: **Radar would have alerted** at "
                f"{room.would_have_alerted_at:%a %d %b %H:%M} UTC, judging the posts hour by hour as they "
                f"came{room.first_response_after_alert()}. (Exports that arrive every few hours are judged "
                "when they arrive.)"
            )
        for _move, words, at, expected in room.moves:
            if not expected and at is None:
                continue
            state = (
                f"first {at:%a %d %b %H:%M} UTC"
                if at is not None
                else "cannot be judged"
                if crisis.get("replies_in_data") is False
                else "not seen yet"
            )
            st.markdown(
                f"{icons['met'] if at is not None else icons['missed'] if expected else icons['pending']} "
                f"**{_capital(words)}** — {state}" + ("" if expected else " (not expected at this severity)")
            )
    with right:
        st.markdown("**Clock**")
        st.markdown("\n".join(f"- **{when:%a %d %b, %H:%M}** {markdown_literal(what)}" for when, what in room.clock))
        if room.level["checklist"]:
            st.markdown("**The plan's checklist**")
            st.markdown("\n".join(f"- {markdown_literal(item)}" for item in room.level["checklist"]))
    ack = room.acknowledged
    person = visitor()
    ack_col, log_col = st.columns(2)
    if ack:
        ack_col.markdown(
            f":green[:material/how_to_reg:] **Acknowledged** by {markdown_literal(ack[0])}, {ack[1]:%a %d %b %H:%M} UTC"
        )
    elif person.role != "editor":
        ack_col.markdown("**Not acknowledged yet.**")
        with ack_col:
            viewer_note("Acknowledging a crisis")
    else:
        with ack_col.form(f"room.ack.{crisis['crisis_id']}", clear_on_submit=True):
            st.markdown("**Not acknowledged yet.** Say who is on it:")
            who = _name_field(person, f"room.ack_name.{crisis['crisis_id']}")
            if st.form_submit_button("Acknowledge", icon=":material/how_to_reg:"):
                try:
                    write(ack_crisis, crisis["crisis_id"], who)
                    flash(f"Acknowledged by {markdown_literal(who.strip())}.")
                    st.rerun()
                except (ValueError, db.DatabaseError) as exc:
                    st.error(markdown_literal(str(exc)))
    if person.role != "editor":
        log_col.markdown("**Decision log**: what the committee decided")
        with log_col:
            viewer_note("Adding to the decision log")
    else:
        with log_col.form(f"room.decision.{crisis['crisis_id']}", clear_on_submit=True):
            st.markdown("**Decision log**: what the committee decided")
            who = _name_field(person, f"room.decision_name.{crisis['crisis_id']}")
            entry = st.text_area("Decision", key=f"room.decision_text.{crisis['crisis_id']}", height=80)
            if st.form_submit_button("Add to the log", icon=":material/edit_note:"):
                try:
                    write(log_decision, crisis["crisis_id"], who, entry)
                    flash("Decision added to the log.")
                    st.rerun()
                except (ValueError, db.DatabaseError) as exc:
                    st.error(markdown_literal(str(exc)))
    decisions = room.log[room.log["kind"] == "decision"] if room.log is not None else pd.DataFrame()
    if not decisions.empty:
        st.markdown(
            "\n".join(
                f"- **{row.logged_at:%a %d %b, %H:%M}** {markdown_literal(row.by_name)}: {markdown_literal(row.entry)}"
                for row in decisions.itertuples()
            )
        )
    with st.expander(f"Alerts for this crisis ({len(room.alerts)})"):
        if room.alerts.empty:
            st.caption("No alert recorded: the crisis was found before Radar watched, or in old data.")
        else:
            alert_table_of(alerts_in_words(room.alerts), key=f"room.alerts.{crisis['crisis_id']}")
