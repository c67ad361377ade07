"""Share of voice: how much people talk about each tracked brand (ours and competitors), and how warmly,
per day or week; a chosen bar or point lists the posts behind it."""

from datetime import date

import pandas as pd
import streamlit as st

from pages._access import serving_lake
from pages._common import as_percent, download_csv, percent_column, post_list, require_posts, run_query, sidebar_filters
from pipeline.core.brands import brand_roles
from pipeline.core.i18n import N_, _, fmt_day
from pipeline.read.charts import build_net_sentiment_figure, build_share_of_voice_figure
from pipeline.read.compare import share_of_voice, tracked_brands
from pipeline.read.export import markdown_literal
from pipeline.read.queries import Bucket, bucket_posts
from pipeline.read.selection import bucket_from_chart

GRAIN_NAMES = {"day": N_("Day"), "week": N_("Week")}

st.title(_("Share of voice"))
require_posts()
filters = sidebar_filters()
brands = run_query(tracked_brands, filters)
if not brands:
    st.warning(
        _(
            "No brand to compare: add brands on the **Data** page (or `radar brands add NAME --role "
            "competitor`), or clear the brand filter."
        )
        if not serving_lake()
        else _("No brand to compare in this lake: clear the brand filter, or rebuild the lake with brands.")
    )
    st.stop()
if not any(run_query(brand_roles).values()):
    st.info(
        _(
            "No brand is marked as ours or as a competitor yet, so every brand is compared. Mark them on the "
            "**Data** page (Brands) or with `radar brands role BRAND ours|competitor`."
        )
        if not serving_lake()
        else _(
            "No brand is marked as ours or as a competitor in this lake, so every brand is compared. A lake has the "
            "roles of the database it was exported from (`radar brands role BRAND ours|competitor` there, then "
            "`radar export-parquet`); a lake built by `radar spark build` has none."
        ),
        icon=":material/info:",
    )

params = st.query_params
grain = (
    st.segmented_control(
        _("Per"),
        ["day", "week"],
        key="voice.grain",
        format_func=lambda value: _(GRAIN_NAMES[value]),
        default=params.get("grain") if params.get("grain") in ("day", "week") else "week",
    )
    or "week"
)
st.query_params["grain"] = grain
share = run_query(share_of_voice, filters, grain=grain)
if share.empty or not share["posts"].any():
    st.warning(_("No customer posts about the tracked brands match these filters: widen the dates or the filters."))
    st.stop()

voice_event = st.plotly_chart(
    build_share_of_voice_figure(share, grain),
    width="stretch",
    key="voice.share",
    on_select="rerun",
    selection_mode="points",
)
net = share.rename(columns={"brand": "group"})
net_event = st.plotly_chart(
    build_net_sentiment_figure(net, grain, "brand"),
    width="stretch",
    key="voice.net",
    on_select="rerun",
    selection_mode="points",
)
st.caption(
    _(
        "Share of voice: a brand's customer posts (posts about it, not its own) out of all tracked brands' "
        "customer posts in the same period. Choose a bar or a point to list its posts."
    )
)

last = share["bucket"].max()
latest = share[share["bucket"] == last]
st.subheader(
    (_("Week of {day} against the week before") if grain == "week" else _("{day} against the day before")).format(
        day=fmt_day(pd.Timestamp(last))
    )
)
filters_end = filters.end_date
if grain == "week" and filters_end is not None and (filters_end - pd.Timestamp(last).date()).days < 6:
    st.caption(
        _("This week is partial: the chosen dates end {day}. Shares compare like with like; counts do not.").format(
            day=fmt_day(filters_end, year=False)
        )
    )
table = latest[["brand", "role", "posts", "share", "share_change", "net_sentiment", "net_change"]].copy()
table["role"] = table["role"].map({"ours": _("ours"), "competitor": _("competitor")}).fillna(_("not said"))
table["share_change"] = (table["share_change"] * 100).round(1) + 0.0
table["net_sentiment"] = table["net_sentiment"].round() + 0.0
table["net_change"] = table["net_change"].round() + 0.0
st.dataframe(
    as_percent(table, "share"),
    hide_index=True,
    width="stretch",
    column_config={
        "brand": _("Brand"),
        "role": _("Role"),
        "posts": st.column_config.NumberColumn(_("Customer posts"), format="%d"),
        "share": percent_column(_("Share of voice")),
        "share_change": st.column_config.NumberColumn(_("Change (points)"), format="%+.1f"),
        "net_sentiment": st.column_config.NumberColumn(_("Net sentiment"), format="%+.0f"),
        "net_change": st.column_config.NumberColumn(_("Net change"), format="%+.0f"),
    },
)
st.caption(_("A change is blank where the period before had no posts about the brand: it cannot be known."))
download_csv(share, f"share_of_voice_{grain}", key="voice.download")

bucket = bucket_from_chart(voice_event, grain=grain, by="brand") or bucket_from_chart(
    net_event, grain=grain, by="brand"
)
if bucket is None and params.get("day") and params.get("group"):
    try:
        bucket = Bucket(date.fromisoformat(params["day"]), grain, None, "brand", params["group"])
    except ValueError:
        st.warning(
            _("The link's day «{day}» is not a date (YYYY-MM-DD); choose a bar instead.").format(
                day=markdown_literal(params["day"])
            )
        )
if bucket is None or bucket.group is None:
    st.info(_("Choose a bar or a point above to see its posts."), icon=":material/touch_app:")
    st.stop()
st.query_params["day"], st.query_params["group"] = bucket.start.isoformat(), bucket.group
posts, total = run_query(bucket_posts, bucket, filters, limit=200)
st.subheader(
    (_("Posts about {brand}: week of {day}") if grain == "week" else _("Posts about {brand}: {day}")).format(
        brand=markdown_literal(bucket.group), day=fmt_day(bucket.start)
    )
)
post_list(
    posts,
    total,
    key="voice.posts",
    name=f"posts_{bucket.group}_{bucket.start.isoformat()}",
    empty=_("No customer posts about this brand in this period."),
)
