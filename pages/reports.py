"""Reports: the weekly report and the post-crisis retrospective, as a self-contained HTML file or as PDF.

The same reports come from the CLI: ``radar report weekly --week 2026-W46 --out FILE`` and
``radar report crisis CRISIS_ID --out FILE``.
"""

import streamlit as st

from pages._common import remember_crisis, require_posts, run_query, shared_crisis, sidebar_filters, week_picker
from pipeline.read.queries import crisis_list
from pipeline.read.reports import ReportError, crisis_report, render, weekly_report

st.title("Reports")
require_posts()
filters = sidebar_filters(dates=False)


def _offer(kind: str, build, name: str, *args) -> None:
    """Build the HTML once (cached with the data version), and the PDF only when asked for: it takes Chromium
    a few seconds."""
    try:
        report = run_query(build, *args)
    except ReportError as exc:
        st.warning(str(exc))
        return
    left, right = st.columns(2)
    left.download_button(
        "Download HTML",
        data=render(report, "html"),
        file_name=f"{name}.html",
        mime="text/html",
        key=f"reports.{kind}.html",
        icon=":material/download:",
        width="stretch",
    )
    if right.button("Make PDF", key=f"reports.{kind}.make_pdf", icon=":material/picture_as_pdf:", width="stretch"):
        with st.spinner("Printing the PDF with Chromium…"):
            try:
                st.session_state[f"reports.{kind}.pdf"] = (name, render(report, "pdf"))
            except ReportError as exc:
                st.error(str(exc))
    ready = st.session_state.get(f"reports.{kind}.pdf")
    if ready and ready[0] == name:
        right.download_button(
            "Download PDF",
            data=ready[1],
            file_name=f"{name}.pdf",
            mime="application/pdf",
            key=f"reports.{kind}.pdf_download",
            icon=":material/download:",
            width="stretch",
        )
    if st.toggle("Preview here", key=f"reports.{kind}.preview"):
        st.iframe(report.html, height=900)


st.subheader("Weekly report")
st.caption(
    "KPIs against the week before, the sentiment trend, response times and SLA, crises active in the week "
    "and the oldest unanswered posts. The brand, platform and language filters in the sidebar apply."
)
_, week = week_picker("Week", key="reports.week")
_offer("weekly", weekly_report, f"reputation_weekly_{week}", week, filters)

st.subheader("Post-crisis retrospective")
crises = run_query(crisis_list, filters.without_dates())
if crises.empty:
    st.info(
        "No crisis has been detected, so there is no retrospective to write. The Crises page explains how "
        "the detector decides.",
        icon=":material/check_circle:",
    )
else:
    ids = list(crises["crisis_id"])
    chosen = shared_crisis()
    if st.session_state.get("reports.crisis") not in ids:  # first run: open on the crisis chosen elsewhere
        st.session_state["reports.crisis"] = chosen if chosen in ids else ids[0]
    crisis_id = st.selectbox(
        "Crisis",
        ids,
        key="reports.crisis",
        format_func=lambda c: f"{c} (severity {int(crises.set_index('crisis_id').loc[c, 'severity'])})",
    )
    remember_crisis(crisis_id)
    _offer("crisis", crisis_report, f"crisis_retrospective_{crisis_id.replace(':', '_')}", crisis_id)
