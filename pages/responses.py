"""Response times: how fast and how often the brand answers, when it is slow, and who is still waiting."""

import streamlit as st

from pages._common import (
    as_percent,
    cap_note,
    correction_form,
    download_csv,
    label_texts,
    minutes_text,
    open_thread,
    percent_column,
    require_posts,
    run_query,
    settings,
    sidebar_filters,
)
from pipeline.read.charts import (
    build_response_distribution_figure,
    build_response_heatmap_figure,
    build_response_weekly_figure,
    build_sla_figure,
)
from pipeline.read.export import markdown_literal
from pipeline.read.queries import (
    response_coverage,
    response_distribution,
    response_heatmap,
    response_kpis,
    unanswered_queue,
    unmeasured_brands_text,
)
from pipeline.read.selection import row_from_table

st.title("Response times")
require_posts()
filters = sidebar_filters()
config = settings()

unmeasured = unmeasured_brands_text(run_query(response_coverage, filters))
if unmeasured:
    st.warning(markdown_literal(unmeasured), icon=":material/visibility_off:")
overall = run_query(response_kpis, filters, period="all", by_brand=False)
if overall.empty or not overall["awaiting"].iloc[0]:
    st.info(
        "No customer post in these filters can be judged for a brand reply: nobody wrote to a brand account, "
        "the brand accounts are unknown (add them on the Data page), or the exports hold no brand replies.",
        icon=":material/forum:",
    )
    st.stop()
row = overall.iloc[0]
st.caption(
    f"Two clocks, each figure says which. **Calendar** minutes: from a customer post to the brand's first "
    f"reply in its thread. **Business** minutes: only the time inside business hours "
    f"({', '.join(config.business_days)} {config.business_start}–{config.business_end}, "
    f"{config.business_time_zone}); the SLA of {config.sla_minutes} business minutes is judged on this clock. "
    "Change them on the Data page."
)
cols = st.columns(5)
cols[0].metric(
    "Median first reply (calendar)",
    minutes_text(row["median_minutes"]),
    help=f"Business clock: {minutes_text(row['median_business_minutes'])}",
)
cols[1].metric("90th percentile (calendar)", minutes_text(row["p90_minutes"]))
cols[2].metric(
    "Response rate",
    f"{row['response_rate']:.0%}",
    help=f"{int(row['answered']):,} of {int(row['awaiting']):,} customer posts answered",
)
cols[3].metric(
    "Within SLA (business)",
    "–" if row["within_sla_share"] != row["within_sla_share"] else f"{row['within_sla_share']:.0%}",
    help=f"Answered within {config.sla_minutes} business minutes, of the posts whose SLA is decided "
    "(answered, or open past the target)",
)
cols[4].metric("Unanswered", f"{int(row['unanswered']):,}")

left, right = st.columns(2)
left.plotly_chart(
    build_response_distribution_figure(run_query(response_distribution, filters)),
    width="stretch",
    key="responses.distribution",
)
weekly = run_query(response_kpis, filters, period="week", by_brand=False)
right.plotly_chart(build_response_weekly_figure(weekly, config.sla_minutes), width="stretch", key="responses.weekly")
left, right = st.columns(2)
left.plotly_chart(build_sla_figure(weekly), width="stretch", key="responses.sla")
value = right.radio(
    "Heat map shows",
    ["median_minutes", "awaiting", "unanswered"],
    horizontal=True,
    key="responses.heat_value",
    format_func={"median_minutes": "Median minutes", "awaiting": "Posts", "unanswered": "Unanswered"}.get,
)
right.plotly_chart(
    build_response_heatmap_figure(
        run_query(response_heatmap, config.business_time_zone, filters), config.business_time_zone, value
    ),
    width="stretch",
    key="responses.heatmap",
)

by_brand = run_query(response_kpis, filters, period="all")
with st.expander("By brand account", expanded=len(by_brand) > 1):
    shown_brands = as_percent(by_brand.drop(columns=["week"]), "response_rate", "within_sla_share")
    st.dataframe(
        shown_brands,
        hide_index=True,
        width="stretch",
        column_config={
            "brand": "Brand account",
            "awaiting": "Posts needing a reply",
            "answered": "Answered",
            "unanswered": "Unanswered",
            "response_rate": percent_column("Response rate"),
            "median_minutes": st.column_config.NumberColumn("Median (calendar min)", format="%.0f"),
            "p90_minutes": st.column_config.NumberColumn("p90 (calendar min)", format="%.0f"),
            "median_business_minutes": st.column_config.NumberColumn("Median (business min)", format="%.0f"),
            "within_sla_share": percent_column("Within SLA (business)"),
        },
    )
    download_csv(by_brand, "response_times_by_brand", key="responses.download_brands")

st.subheader("Waiting for a reply")
order = st.radio(
    "Order",
    ["oldest", "exposed"],
    horizontal=True,
    key="responses.order",
    format_func={"oldest": "Oldest first", "exposed": "Most exposed first (reach + likes + shares)"}.get,
)
queue, waiting = run_query(unanswered_queue, filters, order=order, limit=100)
if queue.empty:
    st.success("Every customer post in these filters has a brand reply.", icon=":material/check_circle:")
    st.stop()
cap_note(len(queue), waiting, "unanswered posts")
picked = st.dataframe(
    queue.assign(label=label_texts(queue))[
        ["created_at", "waiting_hours", "brand", "platform", "author_id", "exposure", "label", "text"]
    ],
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="responses.queue",
    column_config={
        "created_at": st.column_config.DatetimeColumn("Posted (UTC)", format="D MMM YYYY, HH:mm"),
        "waiting_hours": st.column_config.NumberColumn(
            "Waiting (h)", format="%.0f", help="Up to the newest post in the store"
        ),
        "brand": "Brand",
        "platform": "Platform",
        "author_id": "Author",
        "exposure": st.column_config.NumberColumn(
            "Reach + engagement", help="Empty where the export has neither reach, likes nor shares"
        ),
        "label": "Label (source)",
        "text": st.column_config.TextColumn("Text", width="large"),
    },
)
st.caption("Choose a post to open its thread.")
download_csv(queue, "unanswered_posts", key="responses.download_queue")
with st.expander("Correct a label in this list"):
    correction_form(queue, key="responses")
chosen = row_from_table(picked, queue)
if chosen:
    open_thread(chosen["platform"], chosen["thread_id"])
