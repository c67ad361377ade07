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
from pipeline.read.charts import LABEL_NAMES, build_net_sentiment_figure, build_sentiment_volume_figure
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
    "none": "Nothing (all together)",
    "platform": "Platform",
    "lang": "Language",
    "brand": "Brand account",
}

st.title("Sentiment")
require_posts()
filters = sidebar_filters()

left, right = st.columns(2)
params = st.query_params
grain = (
    left.segmented_control(
        "Per",
        ["day", "week"],
        key="sentiment.grain",
        format_func=str.capitalize,
        default=params.get("grain") if params.get("grain") in ("day", "week") else "day",
    )
    or "day"
)
by = right.selectbox(
    "Break down by",
    list(BREAKDOWN_NAMES),
    format_func=BREAKDOWN_NAMES.get,
    key="sentiment.by",
    index=list(BREAKDOWN_NAMES).index(params.get("by")) if params.get("by") in BREAKDOWN_NAMES else 0,
)
st.query_params["grain"], st.query_params["by"] = grain, by

trend = run_query(sentiment_trend, filters, grain=grain, by=by)
if trend.empty or not trend["posts"].any():
    st.warning(
        "No customer posts match these filters: widen the dates or clear the brand, platform and language filters."
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
    "Choose a bar or a point to list the posts behind it. Brand replies are left out; posts in languages "
    "without a sentiment model are 'not scored'."
)

summary = net.groupby("group", as_index=False)[["scored", "negative", "neutral", "positive"]].sum()
# rounded here (and -0 made 0), so that a cell never reads "-0"
summary["net_sentiment"] = (
    100 * (summary["positive"] - summary["negative"]) / summary["scored"].where(summary["scored"] > 0)
).round() + 0.0
summary["negative_share"] = summary["negative"] / summary["scored"].where(summary["scored"] > 0)
with st.expander(f"Totals by {BREAKDOWN_NAMES[by].lower()}", expanded=by != "none"):
    st.dataframe(
        as_percent(summary, "negative_share"),
        hide_index=True,
        width="stretch",
        column_config={
            "group": BREAKDOWN_NAMES[by],
            "scored": "Scored customer posts",
            "negative": "Negative",
            "neutral": "Neutral",
            "positive": "Positive",
            "net_sentiment": st.column_config.NumberColumn("Net sentiment", format="%+.0f"),
            "negative_share": percent_column("Negative share"),
        },
    )
    download_csv(summary, f"sentiment_by_{by}", key="sentiment.download_summary")

agreement = run_query(vendor_agreement, filters)
if not agreement.empty:
    with st.expander("Labels: the export's own and Radar's", expanded=False):
        st.caption(
            "Where an export carries its own sentiment labels (a listening tool's, or people's), they are "
            "the ones shown and counted, unless the Data page says to prefer Radar's score for that import. "
            "A correction made by a person wins over both."
        )
        st.dataframe(
            as_percent(agreement, "agreement").assign(
                net_by_export=agreement["net_by_export"].round() + 0.0,
                net_by_radar=agreement["net_by_radar"].round() + 0.0,
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "source_format": "Export format",
                "posts_with_vendor_label": "Customer posts with a label",
                "agreement": percent_column("Radar agrees"),
                "export_labels_shown": st.column_config.CheckboxColumn("Export's labels shown"),
                "net_by_export": st.column_config.NumberColumn("Net sentiment (export)", format="%+.0f"),
                "net_by_radar": st.column_config.NumberColumn("Net sentiment (Radar)", format="%+.0f"),
            },
        )

with st.expander("How posts are scored", expanded=False):
    st.caption(
        "A post's label is, first that applies: a person's correction, the export's own label, the adapter "
        "learned from this database's labels (for posts without a label of their own, in a language where it "
        "agrees with held-out labels better than the base score), Radar's base score."
    )
    for line in run_query(scoring_lines):
        st.markdown(f"- {markdown_literal(line)}")
    st.dataframe(
        run_query(label_source_counts),
        hide_index=True,
        width="stretch",
        column_config={"source": "Label from", "posts": "Customer posts"},
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
            f"The link's day «{markdown_literal(params['day'])}» is not a date (YYYY-MM-DD); choose a bar instead."
        )
if bucket is None:
    st.info("Choose a bar or a point above to see its posts.", icon=":material/touch_app:")
    st.stop()

st.query_params["day"] = bucket.start.isoformat()
st.query_params["label"] = bucket.label or []
st.query_params["group"] = bucket.group or []
what = " · ".join(
    filter(
        None,
        [
            f"{'week of ' if grain == 'week' else ''}{bucket.start:%a %d %b %Y}",
            LABEL_NAMES.get(bucket.label, "") if bucket.label else "all labels",
            f"{BREAKDOWN_NAMES[bucket.by].lower()} {bucket.group}" if bucket.group else "",
        ],
    )
)
posts, total = run_query(bucket_posts, bucket, filters, limit=200)
st.subheader(f"Posts: {markdown_literal(what)}")
if posts.empty:
    st.info("No customer posts in this bucket.")
    st.stop()
post_list(posts, total, key="sentiment.posts", name=f"posts_{bucket.start.isoformat()}")
with st.expander("Correct a label in this list"):
    correction_form(posts, key="sentiment")
