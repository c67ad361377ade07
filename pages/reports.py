"""Reports: the weekly report and the post-crisis retrospective, as a self-contained HTML file or as PDF, in
the language chosen here (the dashboard's by default).

The same reports come from the CLI: ``radar report weekly --week 2026-W46 --out FILE`` and
``radar report crisis CRISIS_ID --out FILE``.
"""

import streamlit as st

from pages._common import remember_crisis, require_posts, run_query, shared_crisis, sidebar_filters, week_picker
from pipeline.core.i18n import DEFAULT_LOCALE, LOCALES, _, current_locale, use_locale
from pipeline.read.queries import crisis_list
from pipeline.read.reports import ReportError, crisis_report, render, weekly_report

st.title(_("Reports"))
require_posts()
filters = sidebar_filters(dates=False)


# The reports are built in the language chosen here, which may not be the dashboard's: the language is an
# argument of the cached call (so each language is cached apart) and set while the report is built.
def reports_page_weekly(con, language: str, week: str, post_filter):
    with use_locale(language):
        return weekly_report(con, week, post_filter)


def reports_page_crisis(con, language: str, crisis_id: str):
    with use_locale(language):
        return crisis_report(con, crisis_id)


def _offer(kind: str, build, name: str, language: str, *args) -> None:
    """Build the HTML once (cached with the data version and the language), and the PDF only when asked for: it
    takes Chromium a few seconds."""
    if language != DEFAULT_LOCALE:  # week-2026-W46_es.pdf: a translated copy says which it is
        name = f"{name}_{language}"
    made_for = (name, repr(args))  # what a PDF made here was made from (the week or crisis and the filters)
    try:
        report = run_query(build, language, *args)
    except ReportError as exc:
        st.warning(str(exc))
        return
    left, right = st.columns(2)
    left.download_button(
        _("Download HTML"),
        data=render(report, "html"),
        file_name=f"{name}.html",
        mime="text/html",
        key=f"reports.{kind}.html",
        icon=":material/download:",
        width="stretch",
    )
    if right.button(_("Make PDF"), key=f"reports.{kind}.make_pdf", icon=":material/picture_as_pdf:", width="stretch"):
        with st.spinner(_("Printing the PDF with Chromium…")):
            try:
                with use_locale(language):
                    st.session_state[f"reports.{kind}.pdf"] = (made_for, render(report, "pdf"))
            except ReportError as exc:
                st.error(str(exc))
    ready = st.session_state.get(f"reports.{kind}.pdf")
    if ready and ready[0] == made_for:  # a PDF made for other filters, week or language is not offered
        right.download_button(
            _("Download PDF"),
            data=ready[1],
            file_name=f"{name}.pdf",
            mime="application/pdf",
            key=f"reports.{kind}.pdf_download",
            icon=":material/download:",
            width="stretch",
        )
    if st.toggle(_("Preview here"), key=f"reports.{kind}.preview"):
        st.iframe(report.html, height=900)


language = st.selectbox(
    _("Report language"),
    list(LOCALES),
    index=list(LOCALES).index(current_locale()),
    format_func=LOCALES.get,
    key=f"reports.locale.{current_locale()}",  # opens on the dashboard's language, and follows it when it changes
    help=_("The language of both reports: their words, numbers and dates. Posts are quoted as they were written."),
)

st.subheader(_("Weekly report"))
st.caption(
    _(
        "KPIs against the week before, the sentiment trend, response times and SLA, crises active in the week "
        "and the oldest unanswered posts. The brand, platform and language filters in the sidebar apply."
    )
)
_monday, week = week_picker(_("Week"), key="reports.week")
_offer("weekly", reports_page_weekly, f"reputation_weekly_{week}", language, week, filters)

st.subheader(_("Post-crisis retrospective"))
crises = run_query(crisis_list, filters.without_dates())
if crises.empty:
    st.info(
        _(
            "No crisis has been detected, so there is no retrospective to write. The Crises page explains how "
            "the detector decides."
        ),
        icon=":material/check_circle:",
    )
else:
    ids = list(crises["crisis_id"])
    chosen = shared_crisis()
    if st.session_state.get("reports.crisis") not in ids:  # first run: open on the crisis chosen elsewhere
        st.session_state["reports.crisis"] = chosen if chosen in ids else ids[0]
    severities = crises.set_index("crisis_id")["severity"]
    crisis_id = st.selectbox(
        _("Crisis"),
        ids,
        key="reports.crisis",
        format_func=lambda c: _("{crisis} (severity {level})").format(crisis=c, level=int(severities.loc[c])),
    )
    remember_crisis(crisis_id)
    _offer("crisis", reports_page_crisis, f"crisis_retrospective_{crisis_id.replace(':', '_')}", language, crisis_id)
