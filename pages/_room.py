"""The Crises page's response room: one crisis's targets, moves and clock against the escalation plan, with
forms to acknowledge it and log decisions (``pipeline.read.room``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._access import Visitor, can_edit, viewer_note, visitor
from pages._common import alert_table_of, flash, run_query, show_flash, write
from pipeline.core import db
from pipeline.core.i18n import _, fmt_day, fmt_int, fmt_time, fmt_when
from pipeline.core.text import minutes_text
from pipeline.metrics.playbook import move_name
from pipeline.monitor.alerts import ack_crisis, alerts_in_words, log_decision
from pipeline.monitor.plan import checklist_item
from pipeline.read.export import markdown_literal
from pipeline.read.room import response_room


def _name_field(person: Visitor, key: str) -> str:
    """Who the crisis log records: the signed-in person (not editable), else a name typed in."""
    if person.signed_in:
        st.caption(_("Recorded as {name}").format(name=markdown_literal(person.name)))
        return person.name
    return st.text_input(_("Your name"), key=key)


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def _at(value) -> str:
    """``Mon 9 Nov, 14:05``: a moment of the clock (its day without the year, and its time)."""
    return f"{fmt_day(value, year=False)}, {fmt_time(value)}"


def _alerted_text(room) -> str:
    """When Radar would have alerted, and the brand's first response against it, as one sentence."""
    when, gap = fmt_when(room.would_have_alerted_at), room.first_response_gap()
    if gap is None:
        return _(
            ":material/radar: **Radar would have alerted** at {when} UTC, judging the posts hour by hour as they "
            "came. (Exports that arrive every few hours are judged when they arrive.)"
        ).format(when=when)
    if gap > 0:
        return _(
            ":material/radar: **Radar would have alerted** at {when} UTC, judging the posts hour by hour as they "
            "came; the brand's first response came {gap} later. (Exports that arrive every few hours are judged "
            "when they arrive.)"
        ).format(when=when, gap=minutes_text(abs(gap)))
    return _(
        ":material/radar: **Radar would have alerted** at {when} UTC, judging the posts hour by hour as they "
        "came; the brand's first response came {gap} earlier. (Exports that arrive every few hours are judged "
        "when they arrive.)"
    ).format(when=when, gap=minutes_text(abs(gap)))


def _move_text(name: str, at, expected: bool, unknown: bool) -> str:
    """``**Apologise** — first Mon 9 Nov 14:05 UTC``: a move against the plan."""
    name = _capital(name)
    if at is not None and expected:
        return _("**{move}** — first {when} UTC").format(move=name, when=fmt_when(at))
    if at is not None:
        return _("**{move}** — first {when} UTC (not expected at this severity)").format(move=name, when=fmt_when(at))
    if unknown:
        return _("**{move}** — cannot be judged").format(move=name)
    return _("**{move}** — not seen yet").format(move=name)


def response_room_section(crisis: dict) -> None:
    """The crisis's clock against the escalation plan, its alerts, and forms to acknowledge it and log a
    decision (``pipeline.read.room``)."""
    now = pd.Timestamp.now(tz="UTC").floor("min").to_pydatetime()
    room = run_query(response_room, crisis["crisis_id"], now=now)
    if room is None:
        return
    live = crisis.get("back_to_baseline_at") is None
    st.subheader(_("Response room") if live else _("Plan against reality"))
    st.caption(
        _(
            "Targets of the escalation plan for severity {level} (edited on the Data page), judged with the data "
            "up to {when} UTC. A statement is a brand post during the crisis that explains and keeps people "
            "informed; the first one is the holding statement."
        ).format(level=crisis["severity"], when=f"{fmt_day(room.as_of)}, {fmt_time(room.as_of)}")
    )
    show_flash()
    icons = {
        "met": ":green[:material/check_circle:]",
        "missed": ":red[:material/cancel:]",
        "due soon": ":orange[:material/schedule:]",  # i18n: not text (a target's state code)
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
            st.markdown(_alerted_text(room))
        unknown = crisis.get("replies_in_data") is False
        for move, _words, at, expected in room.moves:
            if not expected and at is None:
                continue
            icon = icons["met"] if at is not None else icons["missed"] if expected else icons["pending"]
            st.markdown(f"{icon} {_move_text(move_name(move), at, expected, unknown)}")
    with right:
        st.markdown(_("**Clock**"))
        st.markdown("\n".join(f"- **{_at(when)}** {markdown_literal(what)}" for when, what in room.clock))
        if room.level["checklist"]:
            st.markdown(_("**The plan's checklist**"))
            st.markdown("\n".join(f"- {markdown_literal(checklist_item(item))}" for item in room.level["checklist"]))
    ack = room.acknowledged
    person = visitor()
    ack_col, log_col = st.columns(2)
    if ack:
        ack_col.markdown(
            ":green[:material/how_to_reg:] "
            + _("**Acknowledged** by {name}, {when} UTC").format(name=markdown_literal(ack[0]), when=fmt_when(ack[1]))
        )
    elif not can_edit():
        ack_col.markdown(_("**Not acknowledged yet.**"))
        with ack_col:
            viewer_note(_("Acknowledging a crisis"))
    else:
        with ack_col.form(f"room.ack.{crisis['crisis_id']}", clear_on_submit=True):
            st.markdown(_("**Not acknowledged yet.** Say who is on it:"))
            who = _name_field(person, f"room.ack_name.{crisis['crisis_id']}")
            if st.form_submit_button(_("Acknowledge"), icon=":material/how_to_reg:"):
                try:
                    write(ack_crisis, crisis["crisis_id"], who)
                    flash(_("Acknowledged by {name}.").format(name=markdown_literal(who.strip())))
                    st.rerun()
                except (ValueError, db.DatabaseError) as exc:
                    st.error(markdown_literal(str(exc)))
    if not can_edit():
        log_col.markdown(_("**Decision log**: what the committee decided"))
        with log_col:
            viewer_note(_("Adding to the decision log"))
    else:
        with log_col.form(f"room.decision.{crisis['crisis_id']}", clear_on_submit=True):
            st.markdown(_("**Decision log**: what the committee decided"))
            who = _name_field(person, f"room.decision_name.{crisis['crisis_id']}")
            entry = st.text_area(_("Decision"), key=f"room.decision_text.{crisis['crisis_id']}", height=80)
            if st.form_submit_button(_("Add to the log"), icon=":material/edit_note:"):
                try:
                    write(log_decision, crisis["crisis_id"], who, entry)
                    flash(_("Decision added to the log."))
                    st.rerun()
                except (ValueError, db.DatabaseError) as exc:
                    st.error(markdown_literal(str(exc)))
    decisions = room.log[room.log["kind"] == "decision"] if room.log is not None else pd.DataFrame()
    if not decisions.empty:
        st.markdown(
            "\n".join(
                f"- **{_at(row.logged_at)}** {markdown_literal(row.by_name)}: {markdown_literal(row.entry)}"
                for row in decisions.itertuples()
            )
        )
    with st.expander(_("Alerts for this crisis ({count})").format(count=fmt_int(len(room.alerts)))):
        if room.alerts.empty:
            st.caption(_("No alert recorded: the crisis was found before Radar watched, or in old data."))
        else:
            alert_table_of(alerts_in_words(room.alerts), key=f"room.alerts.{crisis['crisis_id']}")
