"""Reports: the weekly report and the post-crisis retrospective as one self-contained HTML file (charts
included, plotly.js inlined, no network needed to open it) or as PDF (the same HTML printed by headless
Chromium).

Reads the public views through ``queries`` and draws with ``charts``, exactly as the pages do, so a report
shows the numbers the dashboard shows. Every text from a post is HTML-escaped.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from pipeline.core.i18n import (
    N_,
    Message,
    _,
    current_locale,
    fmt_date,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_when,
    ngettext,
)
from pipeline.core.settings import business_day_name, load_settings
from pipeline.core.text import is_missing, minutes_text
from pipeline.metrics.crises import severity_name, severity_reasons_in_words, thread_reasons_in_words
from pipeline.metrics.detector import phase_name
from pipeline.metrics.playbook import MOVE_NAMES, move_name
from pipeline.metrics.themes import theme_name
from pipeline.read import charts, compare, queries
from pipeline.read.queries import PostFilter
from pipeline.read.summary import topics_filter, weekly_summary
from pipeline.read.topics import emerging_topics

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# what the top posts of a week were chosen by (``compare.top_posts``), as a heading
TOP_POSTS_BY = {
    "engagement": N_("Top posts of the week (by engagement)"),
    "reach": N_("Top posts of the week (by reach)"),
    "thread size": N_("Top posts of the week (by thread size)"),  # i18n: not text (the key: a code value)
}
ROLE_NAMES = {"ours": N_("ours"), "competitor": N_("competitor")}
LOG_KINDS = {"acknowledged": N_("acknowledged"), "decision": N_("decision")}
# a day written out in full ("Monday 09 November"), with and without its year, in each language's word order
_LONG_DAY = {"en": "EEEE dd MMMM", "es": "EEEE d 'de' MMMM", "pl": "EEEE, d MMMM"}  # i18n: not text
_LONG_DAY_YEAR = {"en": "EEEE dd MMMM y", "es": "EEEE d 'de' MMMM 'de' y", "pl": "EEEE, d MMMM y"}  # i18n: not text


class ReportError(Exception):
    """A report cannot be made (unknown week or crisis, unknown file type, no PDF printer); says why, in the
    language of whoever reads the error (``str(error)``), not the report's: the reason is kept as a ``Message``."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason.render()


@dataclass(frozen=True)
class Report:
    title: str
    html: str
    summary: tuple[str, ...] = ()  # the weekly report's summary in words (what `--send` puts in the message)


# --- building blocks ---------------------------------------------------------------------------------------


def _esc(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return html.escape(str(value))


def _h2(text: str) -> str:
    return f"<h2>{_esc(text)}</h2>"


def _p(text: str) -> str:
    return f"<p>{_esc(text)}</p>"


def _figure(fig: go.Figure, height: int = 380) -> str:
    fig = go.Figure(fig)
    fig.update_layout(width=1000, height=height, hovermode=False)
    return (
        '<div class="chart">'
        + pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            config={"staticPlot": True, "displayModeBar": False},  # i18n: not text
        )
        + "</div>"
    )


def _table(frame: pd.DataFrame, columns: dict[str, str], formats: dict | None = None, empty: str | None = None) -> str:
    """An HTML table of ``columns`` (column -> header, already in the reader's language); ``empty``: what an
    empty table says (default "None.")."""
    if frame.empty:
        said = _("None.") if empty is None else empty
        return f'<p class="empty">{_esc(said)}</p>'
    formats = formats or {}
    head = "".join(f"<th>{_esc(title)}</th>" for title in columns.values())
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column in columns:
            value = record.get(column)
            shown = formats[column](value) if column in formats and not is_missing(value) else value
            cells.append(f"<td>{_esc(shown)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _when(value) -> str:
    """A moment in UTC with its weekday and year, in the reader's language: "Sat 24 Oct 2026 14:00 UTC"."""
    return "–" if is_missing(value) else fmt_when(pd.Timestamp(value).tz_convert("UTC"), year=True) + " UTC"


def _pct(value) -> str:
    return fmt_pct(value)


def _count(value) -> str:
    return fmt_int(value)


def _long_day(day: date, *, year: bool = False) -> str:
    """ "Monday 09 November" ("lunes 9 de noviembre", "poniedziałek, 9 listopada"), with the year if asked."""
    patterns = _LONG_DAY_YEAR if year else _LONG_DAY
    return fmt_date(day, patterns.get(current_locale(), patterns["en"]))


def signed(value: float, decimals: int = 0) -> str:
    """``-0.3`` -> ``"0"``, ``12.4`` -> ``"+12"``: a signed number that never reads "-0" or "+0" (the number in
    the locale's format: ``-1,235``, ``-1235``, ``+0,1``)."""
    rounded = round(float(value), decimals) + 0.0  # -0.0 becomes 0.0
    text = fmt_num(abs(rounded), decimals)
    return text if rounded == 0 else ("+" if rounded > 0 else "-") + text


def kpi_text(kpi: queries.Kpi, value: float | None) -> str:
    """A KPI value as a person reads it (``34%``, ``+12 points``, ``1 h 05 min``)."""
    if value is None:
        return "–"
    if kpi.unit == "share":
        return fmt_pct(value)
    if kpi.unit == "minutes":
        return minutes_text(value)
    if kpi.unit == "points":
        return signed(value)
    return fmt_int(value)


def kpi_change_text(kpi: queries.Kpi) -> str:
    if kpi.change is None:
        return "–"
    if kpi.unit == "share":
        return _("{change} pts").format(change=signed(kpi.change * 100, 1))
    if kpi.unit == "minutes":
        # an ASCII minus: Streamlit reads the sign of a metric's delta from its first character
        return ("+" if kpi.change >= 0 else "-") + minutes_text(abs(kpi.change))
    return signed(kpi.change)


def _style() -> str:
    """The report's CSS."""
    return f"""
 body {{ font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2933;
        max-width: 1040px; margin: 24px auto; padding: 0 16px; line-height: 1.45; }}
 h1 {{ margin-bottom: 0; }} .subtitle {{ color: #52606d; margin-top: 4px; }}
 h2 {{ border-bottom: 2px solid #e4e7eb; padding-bottom: 4px; margin-top: 32px; page-break-after: avoid; }}
 table {{ border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }}
 th, td {{ border-bottom: 1px solid #e4e7eb; padding: 4px 6px; text-align: left; vertical-align: top; }}
 th {{ background: #f5f7fa; }} .empty {{ color: #7b8794; font-style: italic; }}
 .kpis {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }}
 .kpi {{ border: 1px solid #e4e7eb; border-radius: 6px; padding: 8px 12px; }}
 .kpi .value {{ font-size: 24px; font-weight: 600; }} .good {{ color: {charts.COLORS["positive"]}; }}
 .bad {{ color: {charts.COLORS["negative"]}; }} .chart {{ page-break-inside: avoid; margin: 8px 0; }}
 .sev {{ display: inline-block; padding: 2px 8px; border-radius: 4px; color: white; }}
 footer {{ color: #7b8794; font-size: 12px; margin-top: 40px; }}
 @media print {{ body {{ margin: 0 auto; }} }}
"""  # i18n: not text (CSS)


def _page(title: str, subtitle: str, body: str) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    footer = _(
        "Reputation Radar · generated {generated} · times in UTC unless a chart says otherwise · sentiment "
        "labels are the export's own where it has them, else Radar's rules (see the metric definitions); "
        "corrections made by people win."
    ).format(generated=generated)
    return f"""<!DOCTYPE html>
<html lang="{current_locale()}"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>{_style()}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>{_esc(title)}</h1><p class="subtitle">{_esc(subtitle)}</p>
{body}
<footer>{_esc(footer)}</footer>
</body></html>"""


def crisis_rows_in_words(crises: pd.DataFrame) -> pd.DataFrame:
    """Crisis rows (from ``queries.crisis_list``) as people read them, for the pages and the report alike: an
    open crisis says where its data ends, a brand whose replies are not in the data says so, and nothing reads
    "None", "NaT" or "no reply" where the data is silent. The severity's name is in the reader's language."""
    worded = [c for c in ("back_to_baseline_at", "minutes_to_first_response", "share_answered") if c in crises]
    shown = crises.astype({column: object for column in worded})  # the other columns keep their types
    for index, row in crises.iterrows():
        measurable = row.get("replies_in_data", True) is not False
        end = row.get("data_end_at")
        shown.at[index, "back_to_baseline_at"] = (
            _when(row["back_to_baseline_at"])
            if not is_missing(row["back_to_baseline_at"])
            else _("open (data ends {when})").format(when=_when(end))
            if not is_missing(end)
            else _("open")
        )
        shown.at[index, "minutes_to_first_response"] = (
            _("replies not in the data")
            if not measurable
            else minutes_text(row["minutes_to_first_response"])
            if not is_missing(row["minutes_to_first_response"])
            else _("no reply")
        )
        if "share_answered" in crises:
            shown.at[index, "share_answered"] = (
                "–" if not measurable or is_missing(row["share_answered"]) else fmt_pct(row["share_answered"])
            )
        if "severity_name" in crises and "severity" in crises and not is_missing(row["severity"]):
            shown.at[index, "severity_name"] = severity_name(row["severity"])
    return shown


# --- the weekly report -------------------------------------------------------------------------------------


def _scope(filters: PostFilter) -> str:
    chosen = ", ".join(
        filter(None, [", ".join(filters.brands), ", ".join(filters.platforms), ", ".join(filters.languages)])
    )
    return chosen or _("all brands, platforms and languages")


def _business_hours(settings) -> str:
    days = ", ".join(business_day_name(day) for day in settings.business_days)
    return ngettext(
        "SLA target: {n} business minute ({days} {start}–{end}, {zone}); median and p90 in calendar time.",
        "SLA target: {n} business minutes ({days} {start}–{end}, {zone}); median and p90 in calendar time.",
        int(settings.sla_minutes),
    ).format(
        n=fmt_int(settings.sla_minutes),
        days=days,
        start=settings.business_start,
        end=settings.business_end,
        zone=settings.business_time_zone,
    )


def weekly_report(con: duckdb.DuckDBPyConnection, week: str | date, filters: PostFilter = PostFilter()) -> Report:
    """The weekly report for an ISO week (``"2026-W46"`` or its Monday): KPIs against the week before, the
    sentiment trend, response times, crises active in the week and the oldest unanswered posts, in the
    current locale (wrap the call in ``use_locale``)."""
    monday = queries.parse_iso_week(week) if isinstance(week, str) else week
    sunday = monday + timedelta(days=6)
    label = queries.iso_week_label(monday)
    period = PostFilter(monday, sunday, filters.brands, filters.platforms, filters.languages)
    totals = queries.post_totals(con, period)
    if totals.posts == 0:
        raise ReportError(
            Message(
                N_(
                    "no posts in {week} ({start} to {end}) for these filters; choose a week with data "
                    "(`radar status` shows the date range)"
                ),
                args=(
                    ("week", "text", label),
                    ("start", "date", monday.isoformat()),
                    ("end", "date", sunday.isoformat()),
                ),
            )
        )
    settings = load_settings(con)
    kpis = queries.weekly_kpis(con, monday, filters)
    cards = []
    for kpi in kpis:
        change = kpi.change
        mood = "" if not change else ("good" if (change > 0) == kpi.higher_is_better else "bad")
        versus = _("{change} vs previous week ({previous})").format(
            change=kpi_change_text(kpi), previous=kpi_text(kpi, kpi.previous)
        )
        cards.append(
            f'<div class="kpi"><div>{_esc(kpi.label)}</div><div class="value">{_esc(kpi_text(kpi, kpi.value))}'
            f'</div><div class="{mood}">{_esc(versus)}</div></div>'
        )
    trend = queries.sentiment_trend(con, period, grain="day")
    by_platform = queries.net_sentiment(queries.sentiment_trend(con, period, grain="week", by="platform"))
    distribution = queries.response_distribution(con, period)
    heatmap = queries.response_heatmap(con, settings.business_time_zone, period)
    by_brand = queries.response_kpis(con, period, period="all")
    unmeasured = queries.unmeasured_brands_text(queries.response_coverage(con, period))
    crises = queries.crisis_list(con, period)
    queue, waiting = queries.unanswered_queue(con, period, limit=10)
    topics = emerging_topics(con, monday, topics_filter(con, filters))
    summary = weekly_summary(con, monday, filters, topics=topics)
    voice = compare.voice_in_period(con, monday, 7, filters)
    voice = voice.assign(role=[_(ROLE_NAMES[r]) if r in ROLE_NAMES else r for r in voice["role"]])
    share = compare.share_of_voice(
        con,
        replace(filters, start_date=monday - timedelta(weeks=12), end_date=sunday),
        grain="week",
    )
    themes_now = compare.theme_totals(con, period)
    themes_before = compare.theme_totals(
        con,
        PostFilter(
            monday - timedelta(days=7), monday - timedelta(days=1), filters.brands, filters.platforms, filters.languages
        ),
    )
    themes = themes_now.merge(
        themes_before[["theme", "posts"]].rename(columns={"posts": "posts_before"}), on="theme", how="left"
    )
    themes["theme"] = [_(compare.NO_THEME) if t == compare.NO_THEME else theme_name(t) for t in themes["theme"]]
    top, top_basis = compare.top_posts(con, period, limit=10)
    oldest = (
        _("Oldest unanswered customer posts ({n} in all this week)").format(n=fmt_int(waiting))
        if not by_brand.empty
        else _("Oldest unanswered customer posts")
    )
    body = [
        _h2(_("Summary")),
        "".join(_p(sentence) for sentence in summary),
        _h2(_("This week at a glance")),
        f'<div class="kpis">{"".join(cards)}</div>',
        _h2(_("Sentiment")),
        _figure(charts.build_sentiment_volume_figure(trend, "day")),
        _table(
            by_platform,
            {
                "group": _("Platform"),
                "scored": _("Scored customer posts"),
                "negative": _("Negative"),
                "positive": _("Positive"),
                "net_sentiment": _("Net sentiment"),
            },
            {"net_sentiment": signed, "scored": _count, "negative": _count, "positive": _count},
        ),
        _h2(_("Response times")),
        _p(_business_hours(settings)),
        f'<p class="empty">{_esc(unmeasured)}</p>' if unmeasured else "",
        _table(
            by_brand,
            {
                "brand": _("Brand"),
                "awaiting": _("Posts needing a reply"),
                "answered": _("Answered"),
                "response_rate": _("Response rate"),
                "median_minutes": _("Median first response (calendar)"),
                "p90_minutes": _("p90 (calendar)"),
                "within_sla_share": _("Within SLA (business minutes)"),
            },
            {
                "awaiting": _count,
                "answered": _count,
                "response_rate": _pct,
                "within_sla_share": _pct,
                "median_minutes": minutes_text,
                "p90_minutes": minutes_text,
            },
            empty=_("No response figures: no post of this week can be judged."),
        ),
        _figure(charts.build_response_distribution_figure(distribution), 340),
        _figure(charts.build_response_heatmap_figure(heatmap, settings.business_time_zone), 360),
        _h2(_("Crises active this week")),
        _table(
            crisis_rows_in_words(crises),
            {
                "crisis_id": _("Crisis"),
                "brand": _("Brand"),
                "severity_name": _("Severity"),
                "started_at": _("Started"),
                "back_to_baseline_at": _("Back to baseline"),
                "minutes_to_first_response": _("First response after"),
                "share_answered": _("Complaints answered"),
            },
            {"started_at": _when},
        ),
        _h2(_("Share of voice")),
        _figure(charts.build_share_of_voice_figure(share, "week"), 340) if not share.empty else "",
        _table(
            voice,
            {
                "brand": _("Brand"),
                "role": _("Role"),
                "posts": _("Customer posts"),
                "share": _("Share of voice"),
                "share_before": _("The week before"),
                "net_sentiment": _("Net sentiment"),
                "net_before": _("Net the week before"),
            },
            {
                "posts": _count,
                "share": _pct,
                "share_before": _pct,
                "net_sentiment": signed,
                "net_before": signed,
            },
            empty=_("No brand to compare."),
        ),
        _h2(_("Themes")),
        _table(
            themes,
            {
                "theme": _("Theme"),
                "posts": _("Customer posts"),
                "posts_before": _("The week before"),
                "share": _("Of all customer posts"),
                "negative_share": _("Negative"),
            },
            {"posts": _count, "share": _pct, "negative_share": _pct, "posts_before": _count},
        ),
        _h2(_("Emerging topics")),
        _p(
            _(
                "Words and phrases used in more posts than in the weeks before (log-odds ratio with an "
                "informative prior; see the documentation)."
            )
        ),
        _table(
            topics,
            {
                "brand": _("Brand"),
                "term": _("Word or phrase"),
                "posts": _("Posts this week"),
                "before_per_week": _("Per week before"),
            },
            {"posts": _count, "before_per_week": lambda v: fmt_num(v, 1)},
            empty=_("Nothing rose clearly."),
        ),
        _h2(_(TOP_POSTS_BY[top_basis]) if top_basis in TOP_POSTS_BY else _("Top posts of the week")),
        _table(
            top,
            {
                "created_at": _("Posted"),
                "brand": _("Brand"),
                "platform": _("Platform"),
                "author_id": _("Author"),
                "engagement": _("Likes + shares"),
                "reach": _("Reach"),
                "thread_posts": _("Posts in thread"),
                "text": _("Text"),
            },
            {"created_at": _when, "engagement": _count, "reach": _count, "thread_posts": _count},
        ),
        _h2(oldest),
        _table(
            queue,
            {
                "created_at": _("Posted"),
                "brand": _("Brand"),
                "platform": _("Platform"),
                "author_id": _("Author"),
                "exposure": _("Reach + engagement"),
                "text": _("Text"),
            },
            {"created_at": _when, "exposure": _count},
            empty=_("None.")
            if not by_brand.empty
            else _("Cannot be known: no post of this week can be judged, the data holds no brand replies for them."),
        ),
    ]
    title = _("Weekly reputation report {week}").format(week=queries.week_text(monday))
    posts = ngettext(
        "{n} post, {customers} from customers", "{n} posts, {customers} from customers", totals.posts
    ).format(n=fmt_int(totals.posts), customers=fmt_int(totals.customer_posts))
    days = _("{start} to {end} (UTC)").format(start=_long_day(monday), end=_long_day(sunday, year=True))
    subtitle = " · ".join([days, _scope(filters), posts])
    return Report(title, _page(title, subtitle, "\n".join(body)), tuple(summary))


# --- the post-crisis retrospective -------------------------------------------------------------------------


def _size(crisis: dict) -> str:
    posts, negative, authors, platforms = (
        int(crisis["posts"]),
        int(crisis["negative_posts"]),
        int(crisis["authors"]),
        int(crisis["platforms"]),
    )
    return _("{posts}, {negative}, {authors} {platforms}").format(
        posts=ngettext("{n} post", "{n} posts", posts).format(n=fmt_int(posts)),
        negative=ngettext("{n} negative", "{n} negative", negative).format(n=fmt_int(negative)),
        authors=ngettext("from {n} author", "from {n} authors", authors).format(n=fmt_int(authors)),
        platforms=ngettext("on {n} platform", "on {n} platforms", platforms).format(n=fmt_int(platforms)),
    )


def retrospective_facts(crisis: dict) -> list[tuple[str, str]]:
    """The retrospective summary as (question, answer) pairs, shared by the Crises page and the report. What
    the data cannot show is said, not guessed: an open crisis has no recovery time, and a brand whose replies
    are not in the data has no response figures."""
    started, back = crisis["started_at"], crisis.get("back_to_baseline_at")
    data_end = crisis.get("data_end_at")
    if back is not None:
        recovered = _("{when} ({duration} after the start)").format(
            when=_when(back), duration=minutes_text((back - started).total_seconds() / 60)
        )
    elif data_end is not None:
        recovered = _("unknown: still above the usual level when the data ends ({when})").format(when=_when(data_end))
    else:
        recovered = _("unknown: still above the usual level when the data ends")
    answered = crisis.get("share_answered")
    measurable = crisis.get("replies_in_data") is not False
    no_replies = _("cannot be measured: the data holds no replies from {brand}").format(brand=crisis["brand"])
    if not measurable:
        first_reply = complaints = no_replies
    else:
        first_reply = (
            _("none during the crisis")
            if crisis.get("first_brand_response_at") is None
            else _("{when}, {duration} after the start").format(
                when=_when(crisis["first_brand_response_at"]),
                duration=minutes_text(crisis["minutes_to_first_response"]),
            )
        )
        complaints = (
            "–"
            if answered is None
            else _("{answered} of {complaints} ({share})").format(
                answered=fmt_int(crisis["complaints_answered"]),
                complaints=fmt_int(crisis["complaints"]),
                share=fmt_pct(answered),
            )
        )
    ended = crisis.get("ended_at")
    return [
        (_("Detected (first hot hour)"), _when(started)),
        (
            _("Peak"),
            _("{when} (z = {z})").format(when=_when(crisis["peak_at"]), z=fmt_num(crisis["peak_z"], 1))
            if crisis.get("peak_z") is not None
            else _when(crisis["peak_at"]),
        ),
        (
            _("Last hot hour ended"),
            _when(ended) if ended is not None else _("unknown: still hot when the data ends"),
        ),
        (_("First brand reply to a complaint"), first_reply),
        (_("Complaints answered"), complaints),
        (_("Sentiment recovered (back within baseline)"), recovered),
        (_("Size"), _size(crisis)),
    ]


def playbook_checklist(moves: pd.DataFrame) -> list[tuple[str, str | None, int, str | None]]:
    """(move name, first time used or None, brand posts that made it, the first such post's text) for each of
    the five good-practice moves, in order; the names in the reader's language, starting with a capital."""
    used = {row.move: row for row in moves.itertuples(index=False)}
    return [
        (
            _capitalized(move_name(move)),
            _when(used[move].first_at) if move in used else None,
            int(used[move].replies) if move in used else 0,
            getattr(used[move], "first_text", None) if move in used else None,
        )
        for move in MOVE_NAMES
    ]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def crisis_report(con: duckdb.DuckDBPyConnection, crisis_id: str) -> Report:
    """The post-crisis retrospective: what happened when, how the brand responded, what people said, in the
    current locale (wrap the call in ``use_locale``)."""
    crisis = queries.crisis_detail(con, crisis_id)
    if crisis is None:
        known = ", ".join(queries.crisis_list(con)["crisis_id"].head(5))
        raise ReportError(
            Message(
                N_("no crisis {crisis}; known crises: {known} (`radar crises` lists them)"),
                args=(("crisis", "text", repr(crisis_id)), ("known", "text", known)),
            )
            if known
            else Message(N_("no crisis {crisis}; none detected yet"), args=(("crisis", "text", repr(crisis_id)),))
        )
    phases = queries.crisis_phases(con, crisis_id)
    moves = queries.crisis_moves(con, crisis_id)
    figure = charts.build_crisis_figure(queries.crisis_series(con, crisis_id), phases, moves, crisis)
    threads = queries.crisis_threads(con, crisis_id)
    color = charts.SEVERITY_COLORS.get(int(crisis["severity"]), "#d1495b")
    facts = "".join(f"<tr><th>{_esc(q)}</th><td>{_esc(a)}</td></tr>" for q, a in retrospective_facts(crisis))
    reasons = "".join(f"<li>{_esc(reason)}</li>" for reason in severity_reasons_in_words(crisis))
    judged = crisis.get("replies_in_data") is not False
    unseen = _("not seen") if judged else _("cannot be judged: no replies in the data")
    checklist = "".join(
        f"<tr><td>{'✔' if when else '✘' if judged else '?'}</td><td>{_esc(name)}</td>"
        f"<td>{_esc(when or unseen)}</td>"
        f"<td>{fmt_int(replies)}</td><td>{_esc(text or '')}</td></tr>"
        for name, when, replies, text in playbook_checklist(moves)
    )
    phases_shown = phases.assign(phase=[phase_name(p) for p in phases["phase"]])
    # why each thread is there, in the reader's language (from the messages stored with the crisis)
    threads = threads.assign(
        why=[
            thread_reasons_in_words(None if is_missing(message) else message, None if is_missing(why) else why)
            for message, why in zip(threads["why_message"], threads["why"], strict=True)
        ]
    ).drop(columns="why_message")
    level = int(crisis["severity"])
    headers = "".join(
        f"<th>{_esc(title)}</th>" for title in ("", _("Move"), _("First seen"), _("Posts"), _("First post"))
    )
    body = [
        f'<p><span class="sev" style="background:{color}">'
        + _esc(_("Severity {level}: {name}").format(level=level, name=severity_name(level)))
        + "</span></p>",
        _h2(_("Summary")),
        f"<table>{facts}</table>",
        _h2(_("Why this severity")),
        f"<ul>{reasons}</ul>",
        _h2(_("Timeline")),
        _figure(figure, 440),
        _table(
            phases_shown,
            {"phase": _("Phase"), "started_at": _("From"), "ended_at": _("To")},
            {"started_at": _when, "ended_at": _when},
        ),
        _h2(_("How the brand responded")),
        _p(
            _(
                "Good practice in a crisis: apologise, explain (and keep people informed), admit the error, say "
                "what will change, make amends. First time each appeared in a brand post that answers a "
                "complaint of the crisis or is a public statement during it:"
            )
        ),
        f"<table><thead><tr>{headers}</tr></thead><tbody>{checklist}</tbody></table>",
        *_plan_against_reality(con, crisis_id),
        _h2(_("What people said")),
        _p(
            _("Top terms (compared with the week before): {terms}").format(
                terms=", ".join(crisis["top_terms"]) or _("none")
            )
        ),
        _table(
            threads,
            {
                "platform": _("Platform"),
                "thread_id": _("Thread"),
                "why": _("Why it is here"),
                "post_count": _("Posts"),
                "author_id": _("Opened by"),
                "text": _("Opening post"),
            },
            {"post_count": _count},
        ),
    ]
    title = _("Crisis retrospective: {brand}, {day}").format(
        brand=crisis["brand"], day=fmt_date(pd.Timestamp(crisis["started_at"]), pattern="d MMM y")
    )
    if crisis.get("ended_at") is not None:
        subtitle = _("{crisis} · {start} to {end}").format(
            crisis=crisis_id, start=_when(crisis["started_at"]), end=_when(crisis["ended_at"])
        )
    else:
        subtitle = _("{crisis} · {start} to an unknown end (still hot when the data ends)").format(
            crisis=crisis_id, start=_when(crisis["started_at"])
        )
    return Report(title, _page(title, subtitle, "\n".join(body)))


def _plan_against_reality(con: duckdb.DuckDBPyConnection, crisis_id: str) -> list[str]:
    """The escalation plan's targets against what happened, the alerts and the decision log."""
    from pipeline.read.room import plan_against_reality, response_room

    room = response_room(con, crisis_id)
    if room is None:  # no such crisis: nothing to judge
        return []
    rows = "".join(f"<tr><th>{_esc(what)}</th><td>{_esc(how)}</td></tr>" for what, how in plan_against_reality(room))
    parts = [
        _h2(_("Plan against reality")),
        _p(
            _("The escalation plan's targets for severity {level}, judged with the data up to {when}.").format(
                level=int(room.crisis["severity"]), when=_when(room.as_of)
            )
        ),
        f"<table>{rows}</table>",
    ]
    if room.log is not None and not room.log.empty:
        log = room.log.assign(kind=[_(LOG_KINDS[k]) if k in LOG_KINDS else k for k in room.log["kind"]])
        parts += [
            "<h3>" + _esc(_("Decision log")) + "</h3>",
            _table(
                log,
                {"logged_at": _("When"), "kind": _("What"), "by_name": _("Who"), "entry": _("Entry")},
                {"logged_at": _when},
            ),
        ]
    return parts


# --- files -------------------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """The Chromium that prints PDFs: ``$RADAR_CHROMIUM``, else the first browser on the PATH."""
    if os.environ.get("RADAR_CHROMIUM"):
        return os.environ["RADAR_CHROMIUM"]
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def html_to_pdf(document: str, *, timeout: float = 180) -> bytes:
    """Print an HTML document to PDF with headless Chromium (charts drawn first); ReportError when no
    Chromium is installed or printing fails."""
    chromium = find_chromium()
    if chromium is None:
        raise ReportError(
            Message(
                N_(
                    "PDF needs Chromium, which is not installed: `make run` installs Debian's chromium "
                    "package, or set RADAR_CHROMIUM to a Chrome/Chromium binary; the HTML report works "
                    "without it"
                )
            )
        )
    with tempfile.TemporaryDirectory(prefix="radar-report-") as work:
        source, target = Path(work) / "report.html", Path(work) / "report.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=20000",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReportError(
                Message(
                    N_("Chromium ({chromium}) could not print the PDF: {error}"),
                    args=(("chromium", "text", chromium), ("error", "text", str(exc))),
                )
            ) from None
        if not target.exists() or target.stat().st_size == 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise ReportError(
                Message(
                    N_("Chromium ({chromium}) did not print the PDF (exit {code}: {detail})"),
                    args=(
                        ("chromium", "text", chromium),
                        ("code", "text", done.returncode),
                        ("detail", "text", detail[0]),
                    ),
                )
                if detail
                else Message(
                    N_("Chromium ({chromium}) did not print the PDF (exit {code}, no output)"),
                    args=(("chromium", "text", chromium), ("code", "text", done.returncode)),
                )
            )
        return target.read_bytes()


def render(report: Report, fmt: str) -> bytes:
    """The report as ``html`` or ``pdf`` bytes."""
    if fmt == "html":
        return report.html.encode("utf-8")
    if fmt == "pdf":
        return html_to_pdf(report.html)
    raise ReportError(
        Message(N_("unknown report format {format}; use .html or .pdf"), args=(("format", "text", repr(fmt)),))
    )


def report_format(path: str | Path) -> str:
    """``"week.pdf"`` -> ``"pdf"``: the format a file name asks for; ReportError for any other extension."""
    fmt = {".html": "html", ".htm": "html", ".pdf": "pdf"}.get(Path(path).suffix.lower())
    if fmt is None:
        raise ReportError(
            Message(
                N_("{file}: the file name must end in .html or .pdf (the format follows it)"),
                args=(("file", "text", Path(path).name),),
            )
        )
    return fmt


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report in the format its file extension names (``.html``/``.htm`` or ``.pdf``)."""
    path = Path(path)
    data = render(report, report_format(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
