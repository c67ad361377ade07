"""Chart builders: plain functions from a DataFrame to a Plotly figure, used by pages and reports alike.

Colours mean the same on every chart (``COLORS``); every chart has a title, axis titles with units and
says its time zone.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

COLORS = {
    "negative": "#d1495b",
    "neutral": "#9aa5b1",
    "positive": "#2e9e6b",
    "brand": "#2f6fde",
    "customer": "#f0a202",
}
PLATFORM_COLORS = ["#5b4b8a", "#00798c", "#edae49", "#66a182", "#8d96a3", "#c05299"]


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title=title, xaxis_title=x_title, yaxis_title=y_title, legend_title_text="",
        margin=dict(l=10, r=10, t=60, b=10), hovermode="x unified", template="plotly_white",
    )
    return fig


def build_volume_figure(per_day: pd.DataFrame) -> go.Figure:
    """Stacked daily bars of customer and brand posts, from ``queries.posts_per_day``."""
    fig = go.Figure()
    for side, label in (("customer", "Customer posts"), ("brand", "Brand posts")):
        part = per_day[per_day["side"] == side]
        fig.add_bar(x=part["day"], y=part["posts"], name=label, marker_color=COLORS[side])
    fig.update_layout(barmode="stack")
    return _layout(fig, "Posts per day", "Day (UTC)", "Posts per day")


def build_platform_figure(by_platform: pd.DataFrame) -> go.Figure:
    """Horizontal bars of posts per platform and brand, from ``queries.posts_by_platform_and_brand``."""
    fig = go.Figure()
    for index, (platform, part) in enumerate(by_platform.groupby("platform", sort=False)):
        fig.add_bar(y=part["brand"], x=part["posts"], name=platform, orientation="h",
                    marker_color=PLATFORM_COLORS[index % len(PLATFORM_COLORS)])
    rows = by_platform["brand"].nunique()
    fig.update_layout(barmode="stack", yaxis=dict(autorange="reversed"), hovermode="y unified",
                      height=140 + 36 * max(rows, 1), bargap=0.35)
    return _layout(fig, "Posts by brand account and platform (dates filtered in UTC)", "Posts", "Brand account")
