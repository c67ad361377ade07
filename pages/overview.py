"""Overview, the weekly view: KPIs against the previous week, the sentiment trend and the latest crises."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from pages._common import download_csv, open_crisis, require_posts, run_query, sidebar_filters, week_picker
from pipeline.core.i18n import _, fmt_date, fmt_int, fmt_num, fmt_when, ngettext, table_datetime_format
from pipeline.metrics.crises import severity_name
from pipeline.monitor.alerts import monitoring_status, open_live_crises
from pipeline.read.charts import build_kpi_trend_figure, build_platform_figure, build_volume_figure
from pipeline.read.export import markdown_literal
from pipeline.read.queries import (
    PostFilter,
    crisis_list,
    net_sentiment,
    post_totals,
    posts_by_platform_and_brand,
    posts_per_day,
    response_coverage,
    sentiment_trend,
    unmeasured_brands_text,
    weekly_kpis,
)
from pipeline.read.reports import crisis_rows_in_words, kpi_change_text, kpi_text
from pipeline.read.selection import row_from_table
from pipeline.read.summary import weekly_summary

st.title(_("Overview"))
require_posts()
filters = sidebar_filters()

now = pd.Timestamp.now(tz="UTC").floor("min").to_pydatetime()
for crisis in run_query(open_live_crises, now=now).to_dict("records"):
    negative = int(crisis["negative_posts"])
    values = {
        "severity": crisis["severity"],
        "name": severity_name(crisis["severity"]),
        "brand": markdown_literal(crisis["brand"]),
        "since": fmt_when(crisis["started_at"]),
        "n": fmt_int(negative),
    }
    if crisis["acknowledged_by"]:
        text = ngettext(
            "**Open crisis, severity {severity} ({name})** for {brand} since {since} UTC: {n} negative post so "
            "far; acknowledged by {who}.",
            "**Open crisis, severity {severity} ({name})** for {brand} since {since} UTC: {n} negative posts so "
            "far; acknowledged by {who}.",
            negative,
        ).format(**values, who=markdown_literal(crisis["acknowledged_by"]))
    else:
        text = ngettext(
            "**Open crisis, severity {severity} ({name})** for {brand} since {since} UTC: {n} negative post so "
            "far; **not acknowledged yet**.",
            "**Open crisis, severity {severity} ({name})** for {brand} since {since} UTC: {n} negative posts so "
            "far; **not acknowledged yet**.",
            negative,
        ).format(**values)
    st.error(text, icon=":material/crisis_alert:")
    if st.button(_("Open its response room"), key=f"overview.room.{crisis['crisis_id']}", icon=":material/warning:"):
        open_crisis(crisis["crisis_id"])
status = run_query(monitoring_status, now=now)
if status["last_import_at"] is not None:
    newest = status["newest_post_at"]
    age = (pd.Timestamp(now) - pd.Timestamp(newest)).total_seconds() / 3600 if newest is not None else None
    since = max(status["hours_since_import"], 0)
    ago = (
        _("{minutes} min ago").format(minutes=fmt_num(since * 60, 0))
        if since < 1
        else _("{hours} h ago").format(hours=fmt_num(since, 0))
    )
    # independent clauses, each a whole message, joined as a list
    clauses = [
        _("the last export, {file}, was loaded {when} UTC ({ago})").format(
            file=markdown_literal(status["last_file"]), when=fmt_when(status["last_import_at"]), ago=ago
        )
    ]
    if age is not None and age >= 24:
        clauses.append(
            _("its newest post is from {when} UTC ({days} days ago)").format(
                when=fmt_when(newest), days=fmt_num(age / 24, 1)
            )
        )
    if status["undelivered"]:
        clauses.append(
            ngettext("{n} alert not delivered yet", "{n} alerts not delivered yet", int(status["undelivered"])).format(
                n=fmt_int(status["undelivered"])
            )
        )
    line = "; ".join(clauses)
    if status["hours_since_import"] > status["limit_hours"]:
        st.warning(
            _(
                "**Monitoring blind spot:** {line}. Alerts judge only what is loaded: check the scheduled exports "
                "and `radar watch`."
            ).format(line=line),
            icon=":material/visibility_off:",
        )
    else:
        st.caption(_(":material/radar: Monitoring: {line}.").format(line=line))

monday, week_label = week_picker(_("Week (ISO, Monday to Sunday, UTC)"), key="overview.week", until=filters.end_date)

st.subheader(_("Week {week} against the week before").format(week=week_label))
kpis = run_query(weekly_kpis, monday, filters)
for column, kpi in zip(st.columns(len(kpis)), kpis):
    column.metric(
        _(kpi.label),
        kpi_text(kpi, kpi.value),
        delta=None if kpi.change is None or kpi.change == 0 else kpi_change_text(kpi),
        delta_color="normal" if kpi.higher_is_better else "inverse",
        help=_(
            "Previous week: {value}. Brand, platform and language filters apply; the week replaces the date range."
        ).format(value=kpi_text(kpi, kpi.previous)),
    )
week_filter = PostFilter(monday, monday + timedelta(days=6), filters.brands, filters.platforms, filters.languages)
unmeasured = unmeasured_brands_text(run_query(response_coverage, week_filter))
if unmeasured:
    st.caption(f":material/info: {markdown_literal(unmeasured)}")
with st.expander(_("The week in words"), expanded=True, icon=":material/summarize:"):
    st.markdown("\n".join(f"- {markdown_literal(sentence)}" for sentence in run_query(weekly_summary, monday, filters)))
    st.caption(
        _(
            "Computed from the figures (the same summary opens the weekly report). Details: Share of voice, "
            "Themes and topics."
        )
    )
st.caption(
    _(
        "The week picker governs these KPIs and the summary only. The trend, crises and volume below follow the "
        "sidebar's dates ({start} – {end})."
    ).format(start=fmt_date(filters.start_date, pattern="d MMM y"), end=fmt_date(filters.end_date, pattern="d MMM y"))
)

totals = run_query(post_totals, filters)
if totals.posts == 0:
    st.warning(
        _(
            "No posts match these filters. Widen the date range or clear the brand, platform and language "
            "filters in the sidebar."
        )
    )
    st.stop()

trend = run_query(sentiment_trend, filters, grain="day")
st.plotly_chart(build_kpi_trend_figure(net_sentiment(trend)), width="stretch", key="overview.trend")

st.subheader(_("Crises in these dates, most severe first"))
st.caption(_("The five most severe; the Crises page lists them all."))
crises = run_query(crisis_list, filters)
if crises.empty:
    st.success(
        _(
            "No crisis detected in these dates. The detector watches every brand account hour by hour; "
            "its sensitivity is set on the Data page."
        ),
        icon=":material/check_circle:",
    )
else:
    latest = crisis_rows_in_words(crises.head(5))
    latest = latest.assign(severity_name=[severity_name(level) for level in latest["severity"]])
    picked = st.dataframe(
        latest[
            [
                "crisis_id",
                "brand",
                "severity",
                "severity_name",
                "started_at",
                "back_to_baseline_at",
                "posts",
                "minutes_to_first_response",
            ]
        ],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="overview.crises",
        column_config={
            "crisis_id": _("Crisis"),
            "brand": _("Brand"),
            "severity": _("Severity"),
            "severity_name": _("Level"),
            "started_at": st.column_config.DatetimeColumn(_("Started (UTC)"), format=table_datetime_format()),
            "back_to_baseline_at": st.column_config.TextColumn(_("Back to baseline (UTC)")),
            "posts": _("Posts"),
            "minutes_to_first_response": st.column_config.TextColumn(_("First response after")),
        },
    )
    st.caption(_("Choose a crisis to open its timeline and retrospective."))
    row = row_from_table(picked, latest)
    if row:
        open_crisis(row["crisis_id"])

with st.expander(_("Volume by platform and brand account")):
    st.plotly_chart(build_volume_figure(run_query(posts_per_day, filters)), width="stretch", key="overview.volume")
    by_platform = run_query(posts_by_platform_and_brand, filters)
    st.plotly_chart(build_platform_figure(by_platform), width="stretch", key="overview.platforms")
    st.dataframe(
        by_platform,
        hide_index=True,
        width="stretch",
        column_config={
            "platform": _("Platform"),
            "brand": _("Brand account"),
            "posts": _("Posts"),
            "customer_posts": _("Customer posts"),
            "brand_posts": _("Brand posts"),
            "threads": _("Threads"),
        },
    )
    download_csv(by_platform, "posts_by_platform_and_brand", key="overview.download")
