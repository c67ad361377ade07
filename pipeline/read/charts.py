"""Chart builders: plain functions from a DataFrame to a Plotly figure, used by pages and reports alike.

Colours mean the same on every chart (``COLORS``); every chart has a title, axis titles with units and
says its time zone.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from pipeline.core.i18n import (
    N_,
    _,
    current_locale,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_when,
    ngettext,
    number_separators,
    weekday_names,
)
from pipeline.metrics.crises import severity_name
from pipeline.metrics.detector import phase_name
from pipeline.metrics.playbook import move_name
from pipeline.metrics.themes import theme_name

COLORS = {
    "negative": "#d1495b",
    "neutral": "#9aa5b1",
    "positive": "#2e9e6b",
    "brand": "#2f6fde",
    "customer": "#f0a202",
}
PLATFORM_COLORS = ["#5b4b8a", "#00798c", "#edae49", "#66a182", "#8d96a3", "#c05299"]


def _safe(value) -> str:
    """A data value (a brand, a platform, a theme) as chart text: Plotly renders a subset of HTML in titles,
    labels, legends and hover text, and reads ``%{...}`` in hover templates, so ``<``, ``>``, ``&`` and ``%``
    become entities (shown as themselves)."""
    return html.escape(str(value), quote=False).replace("%", "&#37;")


# Dates on a time axis outside English: numbers in the locale's order, never English month or day names
# (Plotly names months in English only). English keeps Plotly's own formats.
_TICK_FORMATS = {
    "es": (("%H:%M<br>%d/%m", "%d/%m/%Y", "%m/%Y", "%Y"), "%d/%m/%Y", "%d/%m/%Y %H:%M"),  # i18n: not text
    "pl": (("%H:%M<br>%d.%m", "%d.%m.%Y", "%m.%Y", "%Y"), "%d.%m.%Y", "%d.%m.%Y %H:%M"),  # i18n: not text
}


def _date_axis(fig: go.Figure, dates: str) -> None:
    """Number the dates of the x axis in the locale's order; ``dates``: ``"day"`` (hover says the day) or
    ``"hour"`` (hover says the day and the time)."""
    formats = _TICK_FORMATS.get(current_locale())
    if formats is None:
        return
    (hours, days, months, years), day_hover, hour_hover = formats
    fig.update_xaxes(
        tickformatstops=[
            # ranges include their ends and the first match wins: a tick a day apart is a day, not an hour
            dict(dtickrange=[None, 86_399_999], value=hours),
            dict(dtickrange=[86_400_000, "M1"], value=days),
            dict(dtickrange=["M1", "M12"], value=months),
            dict(dtickrange=["M12", None], value=years),
        ],
        hoverformat=day_hover if dates == "day" else hour_hover,
    )


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, *, dates: str | None = None) -> go.Figure:
    """The finish every chart gets: titles, the locale's number separators (and date order, for a time axis:
    ``dates`` is ``"day"`` or ``"hour"``), and a note on an empty chart."""
    fig.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend_title_text="",
        margin=dict(l=10, r=10, t=60, b=10),
        hovermode="x unified",
        template="plotly_white",
        separators=number_separators(),
    )
    if dates:
        _date_axis(fig, dates)
    if not any(_has_points(trace) for trace in fig.data):  # an empty chart says so, instead of bare axes
        fig.add_annotation(
            text=_("No data for these filters"),
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font=dict(size=16, color=COLORS["neutral"]),
        )
    return fig


def _has_points(trace) -> bool:
    for axis in ("y", "x", "z"):
        values = getattr(trace, axis, None)
        if values is not None and len(values) and pd.notna(pd.Series(list(values), dtype=object)).any():
            return True
    return False


def _share(value, decimals: int = 0) -> str:
    """A share (0..1) as a percentage in the locale; an em dash where it is unknown."""
    return fmt_pct(float(value), decimals) if pd.notna(value) else "—"


def _count(value) -> int:
    return int(round(float(value))) if pd.notna(value) else 0


NO_BRAND = "(no brand)"  # i18n: not text (the brand column's value for posts without a brand, see queries)
ALL_POSTS = "all posts"  # i18n: not text (the group of a chart with no breakdown, see queries.BREAKDOWNS)


def group_name(group) -> str:
    """A breakdown group (a brand, a platform, a language code) as shown: the groups Radar itself names in the
    reader's language, the others as they are."""
    if group == NO_BRAND:
        return _("(no brand)")
    if group == ALL_POSTS:
        return _("all posts")
    return group


def _group_text(group) -> str:
    """``group_name`` as chart text (escaped)."""
    return _safe(group_name(group))


def build_volume_figure(per_day: pd.DataFrame) -> go.Figure:
    """Stacked daily bars of customer and brand posts, from ``queries.posts_per_day``."""
    fig = go.Figure()
    for side, label in (("customer", _("Customer posts")), ("brand", _("Brand posts"))):
        part = per_day[per_day["side"] == side]
        fig.add_bar(x=part["day"], y=part["posts"], name=label, marker_color=COLORS[side])
    fig.update_layout(barmode="stack")
    return _layout(fig, _("Posts per day"), _("Day (UTC)"), _("Posts per day"), dates="day")


def build_platform_figure(by_platform: pd.DataFrame) -> go.Figure:
    """Horizontal bars of posts per platform and brand, from ``queries.posts_by_platform_and_brand``."""
    fig = go.Figure()
    for index, (platform, part) in enumerate(by_platform.groupby("platform", sort=False)):
        fig.add_bar(
            y=part["brand"].map(_group_text),
            x=part["posts"],
            name=_safe(platform),
            orientation="h",
            marker_color=PLATFORM_COLORS[index % len(PLATFORM_COLORS)],
        )
    rows = by_platform["brand"].nunique()
    fig.update_layout(
        barmode="stack",
        yaxis=dict(autorange="reversed"),
        hovermode="y unified",
        height=140 + 36 * max(rows, 1),
        bargap=0.35,
    )
    return _layout(
        fig, _("Posts by brand account and platform (dates filtered in UTC)"), _("Posts"), _("Brand account")
    )


SEVERITY_COLORS = {1: "#f2c14e", 2: "#f08a24", 3: "#d1495b", 4: "#7b1e3a"}
PHASE_COLORS = {
    "baseline": "rgba(154,165,177,0.10)",
    "onset": "rgba(240,162,2,0.14)",
    "escalation": "rgba(240,138,36,0.20)",
    "peak": "rgba(209,73,91,0.25)",
    "decline": "rgba(240,162,2,0.12)",
    "resolved": "rgba(46,158,107,0.12)",
    "aftermath": "rgba(154,165,177,0.08)",
}
# each sentiment label as a legend names it, translated where shown (``_(LABEL_NAMES[label])``)
LABEL_NAMES = {
    "negative": N_("Negative"),
    "neutral": N_("Neutral"),
    "positive": N_("Positive"),
    "unscored": N_("Not scored"),
}
COLORS["unscored"] = "#d9dde3"
COLORS["volume"] = "#b8c0cc"  # all posts, whatever their sentiment


def _label_posts(label: str, posts) -> str:
    """The hover text of a bar of one sentiment label: how many posts."""
    n = _count(posts)
    if label == "negative":
        return ngettext("{n} negative post", "{n} negative posts", n).format(n=fmt_int(n))
    if label == "neutral":
        return ngettext("{n} neutral post", "{n} neutral posts", n).format(n=fmt_int(n))
    if label == "positive":
        return ngettext("{n} positive post", "{n} positive posts", n).format(n=fmt_int(n))
    return ngettext("{n} not scored post", "{n} not scored posts", n).format(n=fmt_int(n))


def _grain_title(grain: str) -> str:
    return _("Day (UTC)") if grain == "day" else _("Week starting Monday (UTC)")


def build_sentiment_volume_figure(trend: pd.DataFrame, grain: str = "day") -> go.Figure:
    """Stacked bars of customer posts per bucket and sentiment label, from ``queries.sentiment_trend``.

    Each bar carries ``customdata = [label]`` so that a selection names its bucket (``selection.py``); the
    legend and the hover text name the label in the reader's language.
    """
    totals = trend.groupby(["bucket", "label"], as_index=False)["posts"].sum()
    fig = go.Figure()
    for label in ("negative", "neutral", "positive", "unscored"):
        part = totals[totals["label"] == label]
        if label == "unscored" and not part["posts"].any():
            continue
        fig.add_bar(
            x=part["bucket"],
            y=part["posts"],
            name=_(LABEL_NAMES[label]),
            marker_color=COLORS[label],
            customdata=[[label]] * len(part),
            hovertext=[_label_posts(label, posts) for posts in part["posts"]],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.update_layout(barmode="stack", clickmode="event+select")
    if grain == "day":
        title, y_title = _("Customer posts by sentiment per day"), _("Customer posts per day")
    else:
        title, y_title = _("Customer posts by sentiment per week"), _("Customer posts per week")
    return _layout(fig, title, _grain_title(grain), y_title, dates="day")


_NET_TITLES = {
    "none": N_("Net sentiment (positive minus negative, % of scored customer posts)"),
    "platform": N_("Net sentiment by platform (positive minus negative, % of scored customer posts)"),
    "lang": N_("Net sentiment by language (positive minus negative, % of scored customer posts)"),
    "brand": N_("Net sentiment by brand (positive minus negative, % of scored customer posts)"),
}


def build_net_sentiment_figure(net: pd.DataFrame, grain: str = "day", by: str = "none") -> go.Figure:
    """Net sentiment lines (-100..100) per breakdown group, from ``queries.net_sentiment``.

    Points carry ``customdata = [group]``; buckets where nothing was scored are gaps, not zeros.
    """
    fig = go.Figure()
    groups = list(dict.fromkeys(net["group"]))
    for index, group in enumerate(groups):
        part = net[net["group"] == group]
        color = COLORS["brand"] if len(groups) == 1 else PLATFORM_COLORS[index % len(PLATFORM_COLORS)]
        name = _group_text(group)
        fig.add_scatter(
            x=part["bucket"],
            y=part["net_sentiment"],
            name=name,
            mode="lines+markers",
            line=dict(color=color, width=2),
            marker=dict(size=5),
            customdata=[[group]] * len(part),
            connectgaps=False,
            hovertext=[
                _("{net} net ({group})").format(net=fmt_num(value, 0), group=name) if pd.notna(value) else ""
                for value in part["net_sentiment"]
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.add_hline(y=0, line=dict(color=COLORS["neutral"], width=1, dash="dot"))
    fig.update_yaxes(range=[-100, 100])
    fig.update_layout(clickmode="event+select", showlegend=len(groups) > 1)
    if by in _NET_TITLES:
        title = _(_NET_TITLES[by])
    else:
        title = _("Net sentiment by {breakdown} (positive minus negative, % of scored customer posts)").format(
            breakdown=by
        )
    return _layout(fig, title, _grain_title(grain), _("Net sentiment (points, -100 to +100)"), dates="day")


NO_REPLY_YET = "no reply yet"  # i18n: not text (the last bin of queries.response_distribution, a code)


def build_response_distribution_figure(distribution: pd.DataFrame) -> go.Figure:
    """Bars of customer posts by time to first response, from ``queries.response_distribution`` (whose bins
    are English names, shown in the reader's language)."""
    colors = [COLORS["negative"] if name == NO_REPLY_YET else COLORS["brand"] for name in distribution["bin"]]
    fig = go.Figure(
        go.Bar(
            x=[_(str(name)) for name in distribution["bin"]],
            y=distribution["posts"],
            marker_color=colors,
            customdata=distribution[["share"]],
            hovertext=[
                ngettext("{n} post ({share})", "{n} posts ({share})", _count(posts)).format(
                    n=fmt_int(_count(posts)), share=_share(share)
                )
                for posts, share in zip(distribution["posts"], distribution["share"])
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return _layout(
        fig,
        _("Time to first brand response (calendar time)"),
        _("Time to first response"),
        _("Customer posts needing a reply"),
    )


def build_response_weekly_figure(weekly: pd.DataFrame, sla_minutes: int | None = None) -> go.Figure:
    """Median and p90 minutes to first response per week, from ``queries.response_kpis(by_brand=False)``."""
    fig = go.Figure()
    fig.add_scatter(
        x=weekly["week"],
        y=weekly["median_minutes"],
        name=_("Median"),
        mode="lines+markers",
        line=dict(color=COLORS["brand"], width=2),
    )
    fig.add_scatter(
        x=weekly["week"],
        y=weekly["p90_minutes"],
        name=_("90th percentile"),
        mode="lines+markers",
        line=dict(color=COLORS["brand"], width=1, dash="dash"),
    )
    if sla_minutes:
        fig.add_hline(
            y=sla_minutes,
            line=dict(color=COLORS["negative"], width=1, dash="dot"),
            annotation_text=_("SLA {minutes} min (business time)").format(minutes=fmt_int(sla_minutes)),
            annotation_position="top left",  # i18n: not text
        )
    return _layout(
        fig,
        _("Minutes to first response per week (calendar minutes)"),
        _grain_title("week"),
        _("Minutes to first response"),
        dates="day",
    )


def build_sla_figure(weekly: pd.DataFrame) -> go.Figure:
    """Share of decided customer posts answered within the SLA, and the response rate, per week."""
    fig = go.Figure()
    fig.add_bar(
        x=weekly["week"],
        y=weekly["within_sla_share"] * 100,
        name=_("Within SLA"),
        marker_color=COLORS["positive"],
        hovertext=[_("{share} within SLA").format(share=_share(share)) for share in weekly["within_sla_share"]],
        hovertemplate="%{hovertext}<extra></extra>",
    )
    fig.add_scatter(
        x=weekly["week"],
        y=weekly["response_rate"] * 100,
        name=_("Response rate"),
        mode="lines+markers",
        line=dict(color=COLORS["brand"], width=2),
        hovertext=[_("{share} answered").format(share=_share(rate)) for rate in weekly["response_rate"]],
        hovertemplate="%{hovertext}<extra></extra>",
    )
    fig.update_yaxes(range=[0, 105])
    return _layout(
        fig,
        _("Within the SLA (business minutes) and response rate per week"),
        _grain_title("week"),
        _("% of customer posts"),
        dates="day",
    )


def _heatmap_title(value: str, time_zone: str) -> str:
    if value == "median_minutes":
        return _("Median minutes to first response<br><sup>by weekday and hour posted, {time_zone}</sup>").format(
            time_zone=time_zone
        )
    if value == "awaiting":
        return _("Customer posts awaiting a reply<br><sup>by weekday and hour posted, {time_zone}</sup>").format(
            time_zone=time_zone
        )
    return _("Customer posts never answered<br><sup>by weekday and hour posted, {time_zone}</sup>").format(
        time_zone=time_zone
    )


def build_response_heatmap_figure(heatmap: pd.DataFrame, time_zone: str, value: str = "median_minutes") -> go.Figure:
    """Weekday x hour heat map (business time zone) of ``median_minutes``, ``awaiting`` or ``unanswered``,
    from ``queries.response_heatmap``; every cell is drawn, empty ones blank."""
    grid = pd.DataFrame(index=range(1, 8), columns=range(24), dtype=float)
    counts = pd.DataFrame(0, index=range(1, 8), columns=range(24))
    for row in heatmap.itertuples(index=False):
        grid.loc[int(row.weekday), int(row.hour)] = getattr(row, value)
        counts.loc[int(row.weekday), int(row.hour)] = row.awaiting
    days = weekday_names("abbreviated")
    hours = [f"{h:02d}:00" for h in range(24)]
    hover = [
        [
            ngettext(
                "{weekday} {hour}: {value} (from {n} post)", "{weekday} {hour}: {value} (from {n} posts)", int(n)
            ).format(weekday=days[d], hour=hours[h], value=fmt_num(z, 0), n=fmt_int(int(n)))
            if pd.notna(z)
            else ""
            for h, (z, n) in enumerate(zip(grid.values[d], counts.values[d]))
        ]
        for d in range(7)
    ]
    scale = "Reds" if value != "awaiting" else "Blues"  # i18n: not text
    fig = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=hours,
            y=days,
            colorscale=scale,
            customdata=counts.values,
            colorbar=dict(title=dict(text=_("minutes") if value == "median_minutes" else _("posts"))),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(hovermode="closest")
    # the subtitle on its own line, so that a half-width chart does not cut the time zone off
    return _layout(
        fig,
        _heatmap_title(value, time_zone),
        _("Hour posted ({time_zone})").format(time_zone=time_zone),
        _("Weekday"),
    )


def build_crisis_timeline_figure(crises: pd.DataFrame) -> go.Figure:
    """One bar per crisis from its start to when it was back within baseline (or its end while open), one row
    per brand, coloured by severity; bars carry ``customdata = [crisis_id, its text]``."""
    fig = go.Figure()
    for severity in sorted(crises["severity"].unique()) if not crises.empty else []:
        part = crises[crises["severity"] == severity]
        end = part["back_to_baseline_at"].fillna(part["ended_at"])
        duration_ms = (end - part["started_at"]).dt.total_seconds() * 1000
        fig.add_bar(
            y=part["brand"].map(_safe),
            x=duration_ms,
            base=part["started_at"],
            orientation="h",
            name=f"{int(severity)} · {severity_name(int(severity))}",
            marker_color=SEVERITY_COLORS.get(int(severity), COLORS["negative"]),
            customdata=[[crisis_id, _safe(crisis_id)] for crisis_id in part["crisis_id"]],
            hovertext=[
                _("{crisis}<br>from {when} UTC").format(crisis=_safe(crisis_id), when=fmt_when(started))
                for crisis_id, started in zip(part["crisis_id"], part["started_at"])
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.update_xaxes(type="date")
    fig.update_layout(
        barmode="overlay",
        hovermode="closest",
        clickmode="event+select",
        height=160 + 40 * max(crises["brand"].nunique() if not crises.empty else 1, 1),
    )
    fig.update_layout(legend_title_text=_("Severity"), showlegend=True)
    return _layout(
        fig, _("Crises over time, coloured by severity (UTC)"), _("Time (UTC)"), _("Brand account"), dates="hour"
    )


def build_crisis_figure(series: pd.DataFrame, phases: pd.DataFrame, moves: pd.DataFrame, crisis: dict) -> go.Figure:
    """One crisis: hourly posts (bars) and negative posts (line) with phase bands, the first brand response
    and the first use of each playbook move as vertical markers. The series stops where the data stops (the
    hourly table ends there) and hours in a hole of the data are blank, not zero; an open crisis gets a marker
    where its data ends."""
    fig = go.Figure()
    if "is_gap" in series:  # hours the data does not cover are unknown: drawn as nothing, not as zero
        series = series.assign(
            posts=series["posts"].where(~series["is_gap"].astype(bool)),
            negative_posts=series["negative_posts"].where(~series["is_gap"].astype(bool)),
        )
    fig.add_bar(x=series["hour_at"], y=series["posts"], name=_("Posts per hour"), marker_color=COLORS["volume"])
    fig.add_scatter(
        x=series["hour_at"],
        y=series["negative_posts"],
        name=_("Negative posts per hour"),
        mode="lines",
        line=dict(color=COLORS["negative"], width=2),
        connectgaps=False,
    )
    for index, phase in enumerate(phases.itertuples(index=False)):
        fig.add_vrect(
            x0=phase.started_at,
            x1=phase.ended_at,
            fillcolor=PHASE_COLORS.get(phase.phase, "rgba(0,0,0,0)"),
            line_width=0,
            layer="below",
        )
        # staggered, so that the labels of short phases (a one-hour peak) do not print over each other
        fig.add_annotation(
            x=phase.started_at,
            y=1.0 if index % 2 == 0 else 0.95,
            yref="paper",
            text=_safe(phase_name(phase.phase)),
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font=dict(size=10, color="#555"),
        )
    markers = []
    if crisis.get("back_to_baseline_at") is None and crisis.get("data_end_at") is not None:
        markers.append((crisis["data_end_at"], _("data ends: still open"), COLORS["negative"], "dash"))
    if crisis.get("first_brand_response_at") is not None:
        markers.append((crisis["first_brand_response_at"], _("first brand reply"), COLORS["brand"], "solid"))
    for move in moves.itertuples(index=False):
        markers.append((move.first_at, _safe(move_name(move.move).replace("_", " ")), COLORS["positive"], "dot"))
    top = float(series["posts"].max()) if not series.empty else 1.0
    for index, (when, name, color, dash) in enumerate(markers):
        fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="paper", line=dict(color=color, dash=dash))
        fig.add_annotation(
            x=when,
            y=top * (0.85 - 0.09 * (index % 6)),
            text=name,
            showarrow=False,
            xanchor="left",
            font=dict(size=10, color=color),
            bgcolor="rgba(255,255,255,0.8)",
        )
    return _layout(
        fig,
        _("Crisis {crisis}: posts and negative posts per hour, phases shaded (UTC)").format(
            crisis=_safe(crisis["crisis_id"])
        ),
        _("Hour (UTC)"),
        _("Posts per hour"),
        dates="hour",
    )


def build_kpi_trend_figure(net: pd.DataFrame) -> go.Figure:
    """The Overview's trend: negative share (bars) and net sentiment (line) per day, all groups together."""
    daily = net.groupby("bucket", as_index=False)[["scored", "negative", "positive"]].sum()
    daily["negative_share"] = 100 * daily["negative"] / daily["scored"].where(daily["scored"] > 0)
    daily["net"] = 100 * (daily["positive"] - daily["negative"]) / daily["scored"].where(daily["scored"] > 0)
    fig = go.Figure()
    fig.add_bar(
        x=daily["bucket"],
        y=daily["negative_share"],
        name=_("Negative share (%)"),
        marker_color=COLORS["negative"],
        opacity=0.55,
    )
    fig.add_scatter(
        x=daily["bucket"],
        y=daily["net"],
        name=_("Net sentiment (points)"),
        mode="lines",
        line=dict(color=COLORS["brand"], width=2),
    )
    fig.add_hline(y=0, line=dict(color=COLORS["neutral"], width=1, dash="dot"))
    return _layout(
        fig,
        _("Sentiment trend of customer posts per day (UTC)"),
        _("Day (UTC)"),
        _("% negative / net sentiment points"),
        dates="day",
    )


def _brand_colors(brands: list[str]) -> dict[str, str]:
    return {brand: PLATFORM_COLORS[index % len(PLATFORM_COLORS)] for index, brand in enumerate(brands)}


def build_share_of_voice_figure(share: pd.DataFrame, grain: str = "week") -> go.Figure:
    """Stacked bars of each tracked brand's share of customer posts per bucket, from
    ``compare.share_of_voice``; each bar carries ``customdata = [brand]`` (the posts behind it)."""
    fig = go.Figure()
    brands = list(dict.fromkeys(share["brand"]))
    colors = _brand_colors(brands)
    for brand in brands:
        part = share[share["brand"] == brand]
        role = part["role"].iloc[0] if len(part) and isinstance(part["role"].iloc[0], str) else None
        if not role:
            name = _safe(brand)
        elif role == "ours":
            name = _("{brand} (ours)").format(brand=_safe(brand))
        else:
            name = _("{brand} (competitor)").format(brand=_safe(brand))
        fig.add_bar(
            x=part["bucket"],
            y=part["share"] * 100,
            name=name,
            marker_color=colors[brand],
            customdata=[[brand, posts] for posts in part["posts"]],
            hovertext=[
                ngettext("{share} ({n} post) {brand}", "{share} ({n} posts) {brand}", _count(posts)).format(
                    share=_share(value), n=fmt_int(_count(posts)), brand=_safe(brand)
                )
                for value, posts in zip(part["share"], part["posts"])
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.update_layout(barmode="stack", clickmode="event+select")
    fig.update_yaxes(range=[0, 100])
    if grain == "day":
        title = _("Share of voice per day (customer posts about each tracked brand)")
    else:
        title = _("Share of voice per week (customer posts about each tracked brand)")
    return _layout(fig, title, _grain_title(grain), _("Share of the tracked brands' customer posts (%)"), dates="day")


def build_theme_figure(trend: pd.DataFrame, grain: str = "week") -> go.Figure:
    """Customer posts per theme and bucket as lines, from ``compare.theme_trend``; points carry
    ``customdata = [theme]`` (the theme's stored name; legend and hover show it in the reader's language)."""
    fig = go.Figure()
    themes = list(dict.fromkeys(trend.sort_values("posts", ascending=False)["theme"])) if len(trend) else []
    colors = _brand_colors(themes)
    for theme in themes:
        part = trend[trend["theme"] == theme]
        shown = _safe(theme_name(theme))
        fig.add_scatter(
            x=part["bucket"],
            y=part["posts"],
            name=shown,
            mode="lines+markers",
            line=dict(color=colors[theme], width=2),
            marker=dict(size=6),
            customdata=[[theme, share] for share in part["negative_share"]],
            hovertext=[
                ngettext(
                    "{n} post, {share} negative ({theme})", "{n} posts, {share} negative ({theme})", _count(posts)
                ).format(n=fmt_int(_count(posts)), share=_share(value), theme=shown)
                for posts, value in zip(part["posts"], part["negative_share"])
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.update_layout(clickmode="event+select")
    if grain == "day":
        title, y_title = _("Customer posts per theme and day"), _("Customer posts per day")
    else:
        title, y_title = _("Customer posts per theme and week"), _("Customer posts per week")
    return _layout(fig, title, _grain_title(grain), y_title, dates="day")
