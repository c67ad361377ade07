"""Sentiment: customer posts by label per day or week, net sentiment by platform, language or brand; a chosen
bar or point lists the posts behind it, and a chosen post opens its thread."""

from datetime import date

import streamlit as st

from pages._common import (
    as_percent,
    correction_form,
    download_csv,
    percent_column,
    post_list,
    require_posts,
    run_query,
    sidebar_filters,
)
from pipeline.core.i18n import N_, _, fmt_day, sentiment_label_name
from pipeline.read.charts import build_net_sentiment_figure, build_sentiment_volume_figure, group_name
from pipeline.read.export import markdown_literal
from pipeline.read.queries import (
    LABELS,
    Bucket,
    bucket_posts,
    label_source_counts,
    net_sentiment,
    scoring_lines,
    sentiment_trend,
    vendor_agreement,
)
from pipeline.read.selection import bucket_from_chart

BREAKDOWN_NAMES = {
    "none": N_("Nothing (all together)"),
    "platform": N_("Platform"),
    "lang": N_("Language"),
    "brand": N_("Brand account"),
}
GRAIN_NAMES = {"day": N_("Day"), "week": N_("Week")}
# the totals' expander, one whole title per breakdown
TOTALS_TITLES = {
    "none": N_("Totals by nothing (all together)"),
    "platform": N_("Totals by platform"),
    "lang": N_("Totals by language"),
    "brand": N_("Totals by brand account"),
}
# a chosen group as the drill-down's title names it
GROUP_NAMES = {
    "none": N_("nothing (all together) {group}"),
    "platform": N_("platform {group}"),
    "lang": N_("language {group}"),
    "brand": N_("brand account {group}"),
}


def label_title(label: str) -> str:
    """A sentiment label as a title names it ("Negative", "Not scored")."""
    name = sentiment_label_name(None if label == "unscored" else label)
    return name[:1].upper() + name[1:]


st.title(_("Sentiment"))
require_posts()
filters = sidebar_filters()

left, right = st.columns(2)
params = st.query_params
grain = (
    left.segmented_control(
        _("Per"),
        ["day", "week"],
        key="sentiment.grain",
        format_func=lambda value: _(GRAIN_NAMES[value]),
        default=params.get("grain") if params.get("grain") in ("day", "week") else "day",
    )
    or "day"
)
by = right.selectbox(
    _("Break down by"),
    list(BREAKDOWN_NAMES),
    format_func=lambda value: _(BREAKDOWN_NAMES[value]),
    key="sentiment.by",
    index=list(BREAKDOWN_NAMES).index(params.get("by")) if params.get("by") in BREAKDOWN_NAMES else 0,
)
st.query_params["grain"], st.query_params["by"] = grain, by

trend = run_query(sentiment_trend, filters, grain=grain, by=by)
if trend.empty or not trend["posts"].any():
    st.warning(
        _("No customer posts match these filters: widen the dates or clear the brand, platform and language filters.")
    )
    st.stop()

volume_event = st.plotly_chart(
    build_sentiment_volume_figure(trend, grain),
    width="stretch",
    key="sentiment.volume",
    on_select="rerun",
    selection_mode="points",
)
net = net_sentiment(trend)
net_event = st.plotly_chart(
    build_net_sentiment_figure(net, grain, by),
    width="stretch",
    key="sentiment.net",
    on_select="rerun",
    selection_mode="points",
)
st.caption(
    _(
        "Choose a bar or a point to list the posts behind it. Brand replies are left out; posts in languages "
        "without a sentiment model are 'not scored'."
    )
)

summary = net.groupby("group", as_index=False)[["scored", "negative", "neutral", "positive"]].sum()
# rounded here (and -0 made 0), so that a cell never reads "-0"
summary["net_sentiment"] = (
    100 * (summary["positive"] - summary["negative"]) / summary["scored"].where(summary["scored"] > 0)
).round() + 0.0
summary["negative_share"] = summary["negative"] / summary["scored"].where(summary["scored"] > 0)
with st.expander(_(TOTALS_TITLES[by]), expanded=by != "none"):
    st.dataframe(
        as_percent(summary.assign(group=summary["group"].map(group_name)), "negative_share"),
        hide_index=True,
        width="stretch",
        column_config={
            "group": _(BREAKDOWN_NAMES[by]),
            "scored": _("Scored customer posts"),
            "negative": label_title("negative"),
            "neutral": label_title("neutral"),
            "positive": label_title("positive"),
            "net_sentiment": st.column_config.NumberColumn(_("Net sentiment"), format="%+.0f"),
            "negative_share": percent_column(_("Negative share")),
        },
    )
    download_csv(summary, f"sentiment_by_{by}", key="sentiment.download_summary")

agreement = run_query(vendor_agreement, filters)
if not agreement.empty:
    with st.expander(_("Labels: the export's own and Radar's"), expanded=False):
        st.caption(
            _(
                "Where an export carries its own sentiment labels (a listening tool's, or people's), they are "
                "the ones shown and counted, unless the Data page says to prefer Radar's score for that import. "
                "A correction made by a person wins over both."
            )
        )
        st.dataframe(
            as_percent(agreement, "agreement").assign(
                net_by_export=agreement["net_by_export"].round() + 0.0,
                net_by_radar=agreement["net_by_radar"].round() + 0.0,
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "source_format": _("Export format"),
                "posts_with_vendor_label": _("Customer posts with a label"),
                "agreement": percent_column(_("Radar agrees")),
                "export_labels_shown": st.column_config.CheckboxColumn(_("Export's labels shown")),
                "net_by_export": st.column_config.NumberColumn(_("Net sentiment (export)"), format="%+.0f"),
                "net_by_radar": st.column_config.NumberColumn(_("Net sentiment (Radar)"), format="%+.0f"),
            },
        )

with st.expander(_("How posts are scored"), expanded=False):
    st.caption(
        _(
            "A post's label is, first that applies: a person's correction, the export's own label, the adapter "
            "learned from this database's labels (for posts without a label of their own, in a language where it "
            "agrees with held-out labels better than the base score), Radar's base score."
        )
    )
    for line in run_query(scoring_lines):
        st.markdown(f"- {markdown_literal(line)}")
    st.dataframe(
        run_query(label_source_counts),
        hide_index=True,
        width="stretch",
        column_config={"source": _("Label from"), "posts": _("Customer posts")},
    )

# The chosen bucket: from a chart selection, else from the URL (so that a drill-down can be shared).
bucket = bucket_from_chart(volume_event, grain=grain, by=by) or bucket_from_chart(net_event, grain=grain, by=by)
if bucket is None and params.get("day"):
    try:
        label = params.get("label") if params.get("label") in LABELS else None
        bucket = Bucket(
            date.fromisoformat(params["day"]), grain, label, by if params.get("group") else "none", params.get("group")
        )
    except ValueError:
        st.warning(
            _("The link's day «{day}» is not a date (YYYY-MM-DD); choose a bar instead.").format(
                day=markdown_literal(params["day"])
            )
        )
if bucket is None:
    st.info(_("Choose a bar or a point above to see its posts."), icon=":material/touch_app:")
    st.stop()

st.query_params["day"] = bucket.start.isoformat()
st.query_params["label"] = bucket.label or []
st.query_params["group"] = bucket.group or []
what = " · ".join(
    filter(
        None,
        [
            _("week of {day}").format(day=fmt_day(bucket.start)) if grain == "week" else fmt_day(bucket.start),
            label_title(bucket.label) if bucket.label else _("all labels"),
            _(GROUP_NAMES[bucket.by]).format(group=bucket.group) if bucket.group else "",
        ],
    )
)
posts, total = run_query(bucket_posts, bucket, filters, limit=200)
st.subheader(_("Posts: {what}").format(what=markdown_literal(what)))
if posts.empty:
    st.info(_("No customer posts in this bucket."))
    st.stop()
post_list(posts, total, key="sentiment.posts", name=f"posts_{bucket.start.isoformat()}")
with st.expander(_("Correct a label in this list")):
    correction_form(posts, key="sentiment")
