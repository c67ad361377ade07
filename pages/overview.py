"""Overview, the weekly view: KPIs against the previous week, the sentiment trend and the latest crises."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from pages._common import download_csv, open_crisis, require_posts, run_query, sidebar_filters, week_picker
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

st.title("Overview")
require_posts()
filters = sidebar_filters()

now = pd.Timestamp.now(tz="UTC").floor("min").to_pydatetime()
for crisis in run_query(open_live_crises, now=now).to_dict("records"):
    who = (
        f"acknowledged by {markdown_literal(crisis['acknowledged_by'])}"
        if crisis["acknowledged_by"]
        else "**not acknowledged yet**"
    )
    st.error(
        f"**Open crisis, severity {crisis['severity']} ({crisis['severity_name']})** for "
        f"{markdown_literal(crisis['brand'])} since {crisis['started_at']:%a %d %b %H:%M} UTC: "
        f"{crisis['negative_posts']:,} negative posts so far; {who}.",
        icon=":material/crisis_alert:",
    )
    if st.button("Open its response room", key=f"overview.room.{crisis['crisis_id']}", icon=":material/warning:"):
        open_crisis(crisis["crisis_id"])
status = run_query(monitoring_status, now=now)
if status["last_import_at"] is not None:
    newest = status["newest_post_at"]
    age = (pd.Timestamp(now) - pd.Timestamp(newest)).total_seconds() / 3600 if newest is not None else None
    since = max(status["hours_since_import"], 0)
    ago = f"{since * 60:.0f} min ago" if since < 1 else f"{since:.0f} h ago"
    line = (
        f"the last export, {markdown_literal(status['last_file'])}, was loaded "
        f"{status['last_import_at']:%a %d %b %H:%M} UTC ({ago})"
        + (
            f"; its newest post is from {newest:%a %d %b %H:%M} UTC ({age / 24:.1f} days ago)"
            if age is not None and age >= 24
            else ""
        )
        + (f"; {status['undelivered']:,} alerts not delivered yet" if status["undelivered"] else "")
    )
    if status["hours_since_import"] > status["limit_hours"]:
        st.warning(
            f"**Monitoring blind spot:** {line}. Alerts judge only what is loaded: check the scheduled exports "
            "and `radar watch`.",
            icon=":material/visibility_off:",
        )
    else:
        st.caption(f":material/radar: Monitoring: {line}.")

monday, week_label = week_picker("Week (ISO, Monday to Sunday, UTC)", key="overview.week", until=filters.end_date)

st.subheader(f"Week {week_label} against the week before")
kpis = run_query(weekly_kpis, monday, filters)
for column, kpi in zip(st.columns(len(kpis)), kpis):
    column.metric(
        kpi.label,
        kpi_text(kpi, kpi.value),
        delta=None if kpi.change is None or kpi.change == 0 else kpi_change_text(kpi),
        delta_color="normal" if kpi.higher_is_better else "inverse",
        help=f"Previous week: {kpi_text(kpi, kpi.previous)}. Brand, platform and language filters apply; "
        "the week replaces the date range.",
    )
week_filter = PostFilter(monday, monday + timedelta(days=6), filters.brands, filters.platforms, filters.languages)
unmeasured = unmeasured_brands_text(run_query(response_coverage, week_filter))
if unmeasured:
    st.caption(f":material/info: {markdown_literal(unmeasured)}")
with st.expander("The week in words", expanded=True, icon=":material/summarize:"):
    st.markdown("\n".join(f"- {markdown_literal(sentence)}" for sentence in run_query(weekly_summary, monday, filters)))
    st.caption(
        "Computed from the figures (the same summary opens the weekly report). Details: Share of voice, "
        "Themes and topics."
    )
st.caption(
    f"The week picker governs these KPIs and the summary only. The trend, crises and volume below follow the sidebar's "
    f"dates ({filters.start_date:%d %b %Y} – {filters.end_date:%d %b %Y})."
)

totals = run_query(post_totals, filters)
if totals.posts == 0:
    st.warning(
        "No posts match these filters. Widen the date range or clear the brand, platform and language "
        "filters in the sidebar."
    )
    st.stop()

trend = run_query(sentiment_trend, filters, grain="day")
st.plotly_chart(build_kpi_trend_figure(net_sentiment(trend)), width="stretch", key="overview.trend")

st.subheader("Crises in these dates, most severe first")
st.caption("The five most severe; the Crises page lists them all.")
crises = run_query(crisis_list, filters)
if crises.empty:
    st.success(
        "No crisis detected in these dates. The detector watches every brand account hour by hour; "
        "its sensitivity is set on the Data page.",
        icon=":material/check_circle:",
    )
else:
    latest = crisis_rows_in_words(crises.head(5))
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
            "crisis_id": "Crisis",
            "brand": "Brand",
            "severity": "Severity",
            "severity_name": "Level",
            "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="ddd D MMM YYYY, HH:mm"),
            "back_to_baseline_at": st.column_config.TextColumn("Back to baseline (UTC)"),
            "posts": "Posts",
            "minutes_to_first_response": st.column_config.TextColumn("First response after"),
        },
    )
    st.caption("Choose a crisis to open its timeline and retrospective.")
    row = row_from_table(picked, latest)
    if row:
        open_crisis(row["crisis_id"])

with st.expander("Volume by platform and brand account"):
    st.plotly_chart(build_volume_figure(run_query(posts_per_day, filters)), width="stretch", key="overview.volume")
    by_platform = run_query(posts_by_platform_and_brand, filters)
    st.plotly_chart(build_platform_figure(by_platform), width="stretch", key="overview.platforms")
    st.dataframe(
        by_platform,
        hide_index=True,
        width="stretch",
        column_config={
            "platform": "Platform",
            "brand": "Brand account",
            "posts": "Posts",
            "customer_posts": "Customer posts",
            "brand_posts": "Brand posts",
            "threads": "Threads",
        },
    )
    download_csv(by_platform, "posts_by_platform_and_brand", key="overview.download")
