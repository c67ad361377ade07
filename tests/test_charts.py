"""Chart builders: every figure has a title, axis titles with units, says its time zone, and uses the shared
colours; built from small literal frames shaped like the query results."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.read import charts
from pipeline.read.queries import net_sentiment

TREND = pd.DataFrame(
    {
        "bucket": [date(2026, 11, 9)] * 4 + [date(2026, 11, 10)] * 4,
        "group": ["all posts"] * 8,
        "label": ["negative", "neutral", "positive", "unscored"] * 2,
        "posts": [3, 2, 1, 0, 0, 0, 0, 0],
    }
)
WEEKLY = pd.DataFrame(
    {
        "brand": ["all brands"] * 2,
        "week": [date(2026, 11, 2), date(2026, 11, 9)],
        "awaiting": [10, 4],
        "answered": [8, 2],
        "unanswered": [2, 2],
        "response_rate": [0.8, 0.5],
        "median_minutes": [30.0, 90.0],
        "p90_minutes": [120.0, 300.0],
        "median_business_minutes": [20.0, 60.0],
        "within_sla_share": [0.7, 0.25],
    }
)
HEATMAP = pd.DataFrame(
    {"weekday": [1, 6], "hour": [9, 23], "awaiting": [5, 2], "unanswered": [0, 2], "median_minutes": [12.0, None]}
)
CRISES = pd.DataFrame(
    {
        "crisis_id": ["a:20261024T15", "b:20261101T10"],
        "brand": ["a", "b"],
        "started_at": pd.to_datetime(["2026-10-24 15:00", "2026-11-01 10:00"], utc=True),
        "ended_at": pd.to_datetime(["2026-10-26 00:00", "2026-11-01 20:00"], utc=True),
        "back_to_baseline_at": pd.to_datetime(["2026-10-27 00:00", None], utc=True),
        "severity": [3, 1],
    }
)
SERIES = pd.DataFrame(
    {
        "hour_at": pd.date_range("2026-10-24 10:00", periods=10, freq="h", tz="UTC"),
        "posts": [2, 2, 3, 9, 20, 30, 12, 5, 3, 2],
        "negative_posts": [0, 1, 1, 7, 15, 25, 8, 2, 1, 0],
    }
)
PHASES = pd.DataFrame(
    {
        "phase": ["onset", "peak"],
        "started_at": pd.to_datetime(["2026-10-24 13:00", "2026-10-24 15:00"], utc=True),
        "ended_at": pd.to_datetime(["2026-10-24 15:00", "2026-10-24 16:00"], utc=True),
    }
)
MOVES = pd.DataFrame(
    {
        "move": ["apologise", "make_amends"],
        "first_at": pd.to_datetime(["2026-10-24 16:10", "2026-10-24 18:00"], utc=True),
        "replies": [3, 1],
    }
)
CRISIS = {"crisis_id": "a:20261024T13", "first_brand_response_at": pd.Timestamp("2026-10-24 15:30", tz="UTC")}


def figures():
    return {
        "volume": charts.build_sentiment_volume_figure(TREND, "day"),
        "net": charts.build_net_sentiment_figure(net_sentiment(TREND), "week", "platform"),
        "kpi_trend": charts.build_kpi_trend_figure(net_sentiment(TREND)),
        "distribution": charts.build_response_distribution_figure(
            pd.DataFrame({"bin": ["< 15 min", "no reply yet"], "posts": [3, 1], "share": [0.75, 0.25]})
        ),
        "weekly": charts.build_response_weekly_figure(WEEKLY, 60),
        "sla": charts.build_sla_figure(WEEKLY),
        "heatmap": charts.build_response_heatmap_figure(HEATMAP, "Europe/Madrid"),
        "timeline": charts.build_crisis_timeline_figure(CRISES),
        "crisis": charts.build_crisis_figure(SERIES, PHASES, MOVES, CRISIS),
    }


@pytest.mark.parametrize("name", list(figures()))
def test_every_chart_has_a_title_axis_titles_and_a_time_zone(name):
    fig = figures()[name]
    title, x_title, y_title = fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
    assert title and x_title and y_title
    if name != "distribution":  # durations, not times of day
        assert "UTC" in title + x_title or "Europe/Madrid" in title + x_title


def test_sentiment_colours_are_the_shared_ones_and_bars_name_their_label():
    fig = figures()["volume"]
    by_name = {trace.name: trace for trace in fig.data}
    assert by_name["Negative"].marker.color == charts.COLORS["negative"]
    assert by_name["Positive"].marker.color == charts.COLORS["positive"]
    assert "Not scored" not in by_name  # no unscored posts, no empty legend entry
    assert list(by_name["Negative"].customdata[0]) == ["negative"]
    assert fig.layout.barmode == "stack"


def test_net_sentiment_leaves_unscored_buckets_as_gaps():
    fig = figures()["net"]
    values = list(fig.data[0].y)
    assert values[0] == pytest.approx(100 * (1 - 3) / 6)
    assert values[1] != values[1]  # NaN: nothing scored on the 10th, so no point at 0


def test_heatmap_draws_every_weekday_and_hour_and_leaves_empty_cells_blank():
    heat = figures()["heatmap"].data[0]
    assert len(heat.z) == 7 and len(heat.z[0]) == 24
    assert heat.z[0][9] == 12.0
    assert heat.z[5][23] != heat.z[5][23]  # Saturday 23:00: posts, but none answered
    assert heat.customdata[5][23] == 2


def test_crisis_timeline_colours_by_severity_and_runs_open_crises_to_their_end():
    fig = figures()["timeline"]
    colors = {trace.name: trace.marker.color for trace in fig.data}
    assert colors == {"1 · isolated complaints": charts.SEVERITY_COLORS[1], "3 · crisis": charts.SEVERITY_COLORS[3]}
    open_bar = next(trace for trace in fig.data if trace.name.startswith("1"))
    assert open_bar.x[0] == pytest.approx(10 * 3600 * 1000)  # started 10:00, still open: drawn to its end 20:00
    assert list(open_bar.customdata[0])[0] == "b:20261101T10"  # the id a click opens (then its text, escaped)


def test_crisis_chart_marks_phases_first_reply_and_moves():
    fig = figures()["crisis"]
    rects = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    lines = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert len(rects) == 2 and len(lines) == 3
    texts = {annotation.text for annotation in fig.layout.annotations}
    assert {"first brand reply", "apologise", "make amends", "onset", "peak"} <= texts


def test_empty_frames_still_make_a_titled_chart():
    fig = charts.build_crisis_timeline_figure(CRISES.iloc[0:0])
    assert fig.layout.title.text and not fig.data


def test_an_empty_chart_says_there_is_no_data():
    from pipeline.read.charts import build_response_weekly_figure

    empty = pd.DataFrame({"week": [], "median_minutes": [], "p90_minutes": []})
    assert [a.text for a in build_response_weekly_figure(empty).layout.annotations] == ["No data for these filters"]
    full = pd.DataFrame({"week": [pd.Timestamp("2026-11-02")], "median_minutes": [12.0], "p90_minutes": [30.0]})
    assert not [
        a.text for a in build_response_weekly_figure(full).layout.annotations if a.text == "No data for these filters"
    ]


HOSTILE = '<a href="https://evil.example/x">click</a><b>bold</b> %{y}'


def _strings(value):
    """Every string in a figure's dict, except the crisis ids bars carry for selection."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "customdata":
                yield from _strings(item)
    elif isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        for item in value.tolist() if hasattr(value, "tolist") else value:
            yield from _strings(item)


def test_html_in_a_data_value_is_shown_as_text_in_every_chart():
    """Plotly renders HTML in titles, axis labels, legends and hover text: a brand, platform, group or theme
    reaches them only as entities."""
    day = date(2026, 11, 9)
    built = [
        charts.build_platform_figure(pd.DataFrame({"platform": [HOSTILE], "brand": [HOSTILE], "posts": [3]})),
        charts.build_net_sentiment_figure(
            pd.DataFrame({"bucket": [day], "group": [HOSTILE], "net_sentiment": [5.0]}), by="brand"
        ),
        charts.build_crisis_timeline_figure(CRISES.assign(brand=HOSTILE, crisis_id=HOSTILE)),
        charts.build_crisis_figure(SERIES, PHASES, MOVES, {**CRISIS, "crisis_id": HOSTILE}),
        charts.build_share_of_voice_figure(
            pd.DataFrame({"bucket": [day], "brand": [HOSTILE], "share": [1.0], "posts": [4], "role": ["competitor"]})
        ),
        charts.build_theme_figure(
            pd.DataFrame({"bucket": [day], "theme": [HOSTILE], "posts": [2], "negative_share": [0.5]})
        ),
    ]
    escaped = '&lt;a href="https://evil.example/x"&gt;click&lt;/a&gt;&lt;b&gt;bold&lt;/b&gt; &#37;{y}'
    for fig in built:
        shown = [text for text in _strings(fig.to_dict()) if "evil.example" in text]
        assert shown and all("<a href" not in text and "<b>" not in text for text in shown), shown
        assert any(escaped in text for text in shown)
    selected = built[2].data[0].customdata[0][0]
    assert selected == HOSTILE  # the crisis a bar opens is the real id, not its escaped text
