"""Overview: how much people post, on which platforms, to which brand accounts."""

import streamlit as st

from pages._common import has_posts, run_query, show_empty_state, sidebar_filters
from pipeline.charts import build_platform_figure, build_volume_figure
from pipeline.queries import latest_imports, post_totals, posts_by_platform_and_brand, posts_per_day

st.title("Overview")

if not has_posts():
    show_empty_state()
    st.stop()

filters = sidebar_filters()
totals = run_query(post_totals, filters)
st.caption(f"{totals.first_date} to {totals.last_date} · all times UTC")

if totals.posts == 0:
    st.warning("No posts match these filters. Widen the date range or clear the brand and platform filters.")
    st.stop()

columns = st.columns(5)
columns[0].metric("Posts", f"{totals.posts:,}")
columns[1].metric("Customer posts", f"{totals.customer_posts:,}")
columns[2].metric("Brand posts", f"{totals.brand_posts:,}")
columns[3].metric("Threads", f"{totals.threads:,}")
columns[4].metric("Customers", f"{totals.authors:,}", help="Distinct non-brand authors")

st.plotly_chart(build_volume_figure(run_query(posts_per_day, filters)), width="stretch",
                key="overview.volume")

by_platform = run_query(posts_by_platform_and_brand, filters)
st.plotly_chart(build_platform_figure(by_platform), width="stretch", key="overview.platforms")
st.dataframe(by_platform, hide_index=True, width="stretch", column_config={
    "platform": "Platform", "brand": "Brand account", "posts": "Posts", "customer_posts": "Customer posts",
    "brand_posts": "Brand posts", "threads": "Threads"})

with st.expander("Latest imports"):
    st.dataframe(run_query(latest_imports, 10), hide_index=True, width="stretch")
