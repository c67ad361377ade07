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
from pipeline.core.i18n import N_, _, fmt_int, fmt_pct, ngettext, table_datetime_format
from pipeline.core.settings import business_day_name
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

HEAT_VALUES = {"median_minutes": N_("Median minutes"), "awaiting": N_("Posts"), "unanswered": N_("Unanswered")}
ORDERS = {"oldest": N_("Oldest first"), "exposed": N_("Most exposed first (reach + likes + shares)")}


def business_days_text(days) -> str:
    """``mon, tue, wed``: the business days in the current language (short weekday names)."""
    return ", ".join(business_day_name(day).lower() for day in days)


st.title(_("Response times"))
require_posts()
filters = sidebar_filters()
config = settings()

unmeasured = unmeasured_brands_text(run_query(response_coverage, filters))
if unmeasured:
    st.warning(markdown_literal(unmeasured), icon=":material/visibility_off:")
overall = run_query(response_kpis, filters, period="all", by_brand=False)
if overall.empty or not overall["awaiting"].iloc[0]:
    st.info(
        _(
            "No customer post in these filters can be judged for a brand reply: nobody wrote to a brand account, "
            "the brand accounts are unknown (add them on the Data page), or the exports hold no brand replies."
        ),
        icon=":material/forum:",
    )
    st.stop()
row = overall.iloc[0]
st.caption(
    ngettext(
        "Two clocks, each figure says which. **Calendar** minutes: from a customer post to the brand's first reply "
        "in its thread. **Business** minutes: only the time inside business hours ({days} {start}–{end}, "
        "{zone}); the SLA of {sla} business minute is judged on this clock. Change them on the Data page.",
        "Two clocks, each figure says which. **Calendar** minutes: from a customer post to the brand's first reply "
        "in its thread. **Business** minutes: only the time inside business hours ({days} {start}–{end}, "
        "{zone}); the SLA of {sla} business minutes is judged on this clock. Change them on the Data page.",
        config.sla_minutes,
    ).format(
        days=business_days_text(config.business_days),
        start=config.business_start,
        end=config.business_end,
        zone=config.business_time_zone,
        sla=fmt_int(config.sla_minutes),
    )
)
cols = st.columns(5)
cols[0].metric(
    _("Median first reply (calendar)"),
    minutes_text(row["median_minutes"]),
    help=_("Business clock: {duration}").format(duration=minutes_text(row["median_business_minutes"])),
)
cols[1].metric(_("90th percentile (calendar)"), minutes_text(row["p90_minutes"]))
cols[2].metric(
    _("Response rate"),
    fmt_pct(row["response_rate"]),
    help=ngettext(
        "{answered} of {awaiting} customer post answered",
        "{answered} of {awaiting} customer posts answered",
        int(row["awaiting"]),
    ).format(answered=fmt_int(int(row["answered"])), awaiting=fmt_int(int(row["awaiting"]))),
)
cols[3].metric(
    _("Within SLA (business)"),
    "–" if row["within_sla_share"] != row["within_sla_share"] else fmt_pct(row["within_sla_share"]),
    help=ngettext(
        "Answered within {sla} business minute, of the posts whose SLA is decided (answered, or open past the target)",
        "Answered within {sla} business minutes, of the posts whose SLA is decided (answered, or open past the target)",
        config.sla_minutes,
    ).format(sla=fmt_int(config.sla_minutes)),
)
cols[4].metric(_("Unanswered"), fmt_int(int(row["unanswered"])))

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
    _("Heat map shows"),
    list(HEAT_VALUES),
    horizontal=True,
    key="responses.heat_value",
    format_func=lambda code: _(HEAT_VALUES[code]),
)
right.plotly_chart(
    build_response_heatmap_figure(
        run_query(response_heatmap, config.business_time_zone, filters), config.business_time_zone, value
    ),
    width="stretch",
    key="responses.heatmap",
)

by_brand = run_query(response_kpis, filters, period="all")
with st.expander(_("By brand account"), expanded=len(by_brand) > 1):
    shown_brands = as_percent(by_brand.drop(columns=["week"]), "response_rate", "within_sla_share")
    st.dataframe(
        shown_brands,
        hide_index=True,
        width="stretch",
        column_config={
            "brand": _("Brand account"),
            "awaiting": _("Posts needing a reply"),
            "answered": _("Answered"),
            "unanswered": _("Unanswered"),
            "response_rate": percent_column(_("Response rate")),
            "median_minutes": st.column_config.NumberColumn(_("Median (calendar min)"), format="%.0f"),
            "p90_minutes": st.column_config.NumberColumn(_("p90 (calendar min)"), format="%.0f"),
            "median_business_minutes": st.column_config.NumberColumn(_("Median (business min)"), format="%.0f"),
            "within_sla_share": percent_column(_("Within SLA (business)")),
        },
    )
    download_csv(by_brand, "response_times_by_brand", key="responses.download_brands")

st.subheader(_("Waiting for a reply"))
order = st.radio(
    _("Order"),
    list(ORDERS),
    horizontal=True,
    key="responses.order",
    format_func=lambda code: _(ORDERS[code]),
)
queue, waiting = run_query(unanswered_queue, filters, order=order, limit=100)
if queue.empty:
    st.success(_("Every customer post in these filters has a brand reply."), icon=":material/check_circle:")
    st.stop()
cap_note(len(queue), waiting, "unanswered posts")  # i18n: not text (a key of CAP_NOTES)
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
        "created_at": st.column_config.DatetimeColumn(_("Posted (UTC)"), format=table_datetime_format()),
        "waiting_hours": st.column_config.NumberColumn(
            _("Waiting (h)"), format="%.0f", help=_("Up to the newest post in the store")
        ),
        "brand": _("Brand"),
        "platform": _("Platform"),
        "author_id": _("Author"),
        "exposure": st.column_config.NumberColumn(
            _("Reach + engagement"), help=_("Empty where the export has neither reach, likes nor shares")
        ),
        "label": _("Label (source)"),
        "text": st.column_config.TextColumn(_("Text"), width="large"),
    },
)
st.caption(_("Choose a post to open its thread."))
download_csv(queue, "unanswered_posts", key="responses.download_queue")
with st.expander(_("Correct a label in this list")):
    correction_form(queue, key="responses")
chosen = row_from_table(picked, queue)
if chosen:
    open_thread(chosen["platform"], chosen["thread_id"])
