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

from pipeline.core.settings import load_settings
from pipeline.core.text import is_missing, minutes_text
from pipeline.read import charts, compare, queries
from pipeline.read.queries import PostFilter
from pipeline.read.summary import topics_filter, weekly_summary
from pipeline.read.topics import emerging_topics

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MOVE_NAMES = {
    "apologise": "Apologise",
    "explain": "Explain and keep people informed",
    "admit_error": "Admit the error",
    "change": "Say what will change",
    "make_amends": "Make amends",
}


class ReportError(Exception):
    """A report cannot be made (unknown week or crisis, unknown file type, no PDF printer); says why."""


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


def _figure(fig: go.Figure, height: int = 380) -> str:
    fig = go.Figure(fig)
    fig.update_layout(width=1000, height=height, hovermode=False)
    return (
        '<div class="chart">'
        + pio.to_html(
            fig, full_html=False, include_plotlyjs=False, config={"staticPlot": True, "displayModeBar": False}
        )
        + "</div>"
    )


def _table(frame: pd.DataFrame, columns: dict[str, str], formats: dict | None = None, empty: str = "None.") -> str:
    if frame.empty:
        return f'<p class="empty">{_esc(empty)}</p>'
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
    return "–" if is_missing(value) else pd.Timestamp(value).tz_convert("UTC").strftime("%a %d %b %Y %H:%M UTC")


def signed(value: float, decimals: int = 0) -> str:
    """``-0.3`` -> ``"0"``, ``12.4`` -> ``"+12"``: a signed number that never reads "-0" or "+0"."""
    rounded = round(float(value), decimals) + 0.0  # -0.0 becomes 0.0
    return f"{rounded:,.{decimals}f}" if rounded == 0 else f"{rounded:+,.{decimals}f}"


def kpi_text(kpi: queries.Kpi, value: float | None) -> str:
    """A KPI value as a person reads it (``34%``, ``+12 points``, ``1 h 05 min``)."""
    if value is None:
        return "–"
    if kpi.unit == "share":
        return f"{value:.0%}"
    if kpi.unit == "minutes":
        return minutes_text(value)
    if kpi.unit == "points":
        return signed(value)
    return f"{value:,.0f}"


def kpi_change_text(kpi: queries.Kpi) -> str:
    if kpi.change is None:
        return "–"
    if kpi.unit == "share":
        return f"{signed(kpi.change * 100, 1)} pts"
    if kpi.unit == "minutes":
        # an ASCII minus: Streamlit reads the sign of a metric's delta from its first character
        return ("+" if kpi.change >= 0 else "-") + minutes_text(abs(kpi.change))
    return signed(kpi.change)


def _page(title: str, subtitle: str, body: str) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>
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
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>{_esc(title)}</h1><p class="subtitle">{_esc(subtitle)}</p>
{body}
<footer>Reputation Radar · generated {generated} · times in UTC unless a chart says otherwise ·
sentiment labels are the export's own where it has them, else Radar's rules (see the metric
definitions); corrections made by people win.</footer>
</body></html>"""


def crisis_rows_in_words(crises: pd.DataFrame) -> pd.DataFrame:
    """Crisis rows (from ``queries.crisis_list``) as people read them, for the pages and the report alike: an
    open crisis says where its data ends, a brand whose replies are not in the data says so, and nothing reads
    "None", "NaT" or "no reply" where the data is silent."""
    worded = [c for c in ("back_to_baseline_at", "minutes_to_first_response", "share_answered") if c in crises]
    shown = crises.astype({column: object for column in worded})  # the other columns keep their types
    for index, row in crises.iterrows():
        measurable = row.get("replies_in_data", True) is not False
        end = row.get("data_end_at")
        shown.at[index, "back_to_baseline_at"] = (
            _when(row["back_to_baseline_at"])
            if not is_missing(row["back_to_baseline_at"])
            else f"open (data ends {_when(end)})"
            if not is_missing(end)
            else "open"
        )
        shown.at[index, "minutes_to_first_response"] = (
            "replies not in the data"
            if not measurable
            else minutes_text(row["minutes_to_first_response"])
            if not is_missing(row["minutes_to_first_response"])
            else "no reply"
        )
        if "share_answered" in crises:
            shown.at[index, "share_answered"] = (
                "–" if not measurable or is_missing(row["share_answered"]) else f"{row['share_answered']:.0%}"
            )
    return shown


# --- the weekly report -------------------------------------------------------------------------------------


def weekly_report(con: duckdb.DuckDBPyConnection, week: str | date, filters: PostFilter = PostFilter()) -> Report:
    """The weekly report for an ISO week (``"2026-W46"`` or its Monday): KPIs against the week before, the
    sentiment trend, response times, crises active in the week and the oldest unanswered posts."""
    monday = queries.parse_iso_week(week) if isinstance(week, str) else week
    label = queries.iso_week_label(monday)
    period = PostFilter(monday, monday + timedelta(days=6), filters.brands, filters.platforms, filters.languages)
    totals = queries.post_totals(con, period)
    if totals.posts == 0:
        raise ReportError(
            f"no posts in {label} ({monday:%d %b %Y} to {monday + timedelta(days=6):%d %b %Y}) "
            "for these filters; choose a week with data (`radar status` shows the date range)"
        )
    settings = load_settings(con)
    kpis = queries.weekly_kpis(con, monday, filters)
    cards = []
    for kpi in kpis:
        change = kpi.change
        mood = "" if not change else ("good" if (change > 0) == kpi.higher_is_better else "bad")
        cards.append(
            f'<div class="kpi"><div>{_esc(kpi.label)}</div><div class="value">{_esc(kpi_text(kpi, kpi.value))}'
            f'</div><div class="{mood}">{_esc(kpi_change_text(kpi))} vs previous week '
            f"({_esc(kpi_text(kpi, kpi.previous))})</div></div>"
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
    share = compare.share_of_voice(
        con,
        replace(filters, start_date=monday - timedelta(weeks=12), end_date=monday + timedelta(days=6)),
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
    top, top_basis = compare.top_posts(con, period, limit=10)
    scope = (
        ", ".join(filter(None, [", ".join(filters.brands), ", ".join(filters.platforms), ", ".join(filters.languages)]))
        or "all brands, platforms and languages"
    )
    body = [
        "<h2>Summary</h2>",
        "".join(f"<p>{_esc(sentence)}</p>" for sentence in summary),
        "<h2>This week at a glance</h2>",
        f'<div class="kpis">{"".join(cards)}</div>',
        "<h2>Sentiment</h2>",
        _figure(charts.build_sentiment_volume_figure(trend, "day")),
        _table(
            by_platform,
            {
                "group": "Platform",
                "scored": "Scored customer posts",
                "negative": "Negative",
                "positive": "Positive",
                "net_sentiment": "Net sentiment",
            },
            {"net_sentiment": signed},
        ),
        "<h2>Response times</h2>",
        f"<p>SLA target: {settings.sla_minutes} business minutes ({_esc(', '.join(settings.business_days))} "
        f"{_esc(settings.business_start)}–{_esc(settings.business_end)}, {_esc(settings.business_time_zone)}); "
        "median and p90 in calendar time.</p>",
        f'<p class="empty">{_esc(unmeasured)}</p>' if unmeasured else "",
        _table(
            by_brand,
            {
                "brand": "Brand",
                "awaiting": "Posts needing a reply",
                "answered": "Answered",
                "response_rate": "Response rate",
                "median_minutes": "Median first response (calendar)",
                "p90_minutes": "p90 (calendar)",
                "within_sla_share": "Within SLA (business minutes)",
            },
            {
                "response_rate": lambda v: f"{v:.0%}",
                "within_sla_share": lambda v: f"{v:.0%}",
                "median_minutes": minutes_text,
                "p90_minutes": minutes_text,
            },
            empty="No response figures: no post of this week can be judged.",
        ),
        _figure(charts.build_response_distribution_figure(distribution), 340),
        _figure(charts.build_response_heatmap_figure(heatmap, settings.business_time_zone), 360),
        "<h2>Crises active this week</h2>",
        _table(
            crisis_rows_in_words(crises),
            {
                "crisis_id": "Crisis",
                "brand": "Brand",
                "severity_name": "Severity",
                "started_at": "Started",
                "back_to_baseline_at": "Back to baseline",
                "minutes_to_first_response": "First response after",
                "share_answered": "Complaints answered",
            },
            {"started_at": _when},
        ),
        "<h2>Share of voice</h2>",
        _figure(charts.build_share_of_voice_figure(share, "week"), 340) if not share.empty else "",
        _table(
            voice,
            {
                "brand": "Brand",
                "role": "Role",
                "posts": "Customer posts",
                "share": "Share of voice",
                "share_before": "The week before",
                "net_sentiment": "Net sentiment",
                "net_before": "Net the week before",
            },
            {
                "share": lambda v: f"{v:.0%}",
                "share_before": lambda v: f"{v:.0%}",
                "net_sentiment": signed,
                "net_before": signed,
            },
            empty="No brand to compare.",
        ),
        "<h2>Themes</h2>",
        _table(
            themes,
            {
                "theme": "Theme",
                "posts": "Customer posts",
                "posts_before": "The week before",
                "share": "Of all customer posts",
                "negative_share": "Negative",
            },
            {
                "share": lambda v: f"{v:.0%}",
                "negative_share": lambda v: f"{v:.0%}",
                "posts_before": lambda v: f"{v:,.0f}",
            },
        ),
        "<h2>Emerging topics</h2>",
        "<p>Words and phrases used in more posts than in the weeks before (log-odds ratio with an informative "
        "prior; see the documentation).</p>",
        _table(
            topics,
            {
                "brand": "Brand",
                "term": "Word or phrase",
                "posts": "Posts this week",
                "before_per_week": "Per week before",
            },
            {"before_per_week": lambda v: f"{v:.1f}"},
            empty="Nothing rose clearly.",
        ),
        f"<h2>Top posts of the week (by {_esc(top_basis)})</h2>",
        _table(
            top,
            {
                "created_at": "Posted",
                "brand": "Brand",
                "platform": "Platform",
                "author_id": "Author",
                "engagement": "Likes + shares",
                "reach": "Reach",
                "thread_posts": "Posts in thread",
                "text": "Text",
            },
            {"created_at": _when, "engagement": lambda v: f"{v:,.0f}", "reach": lambda v: f"{v:,.0f}"},
        ),
        "<h2>Oldest unanswered customer posts"
        + (f" ({waiting:,} in all this week)</h2>" if not by_brand.empty else "</h2>"),
        _table(
            queue,
            {
                "created_at": "Posted",
                "brand": "Brand",
                "platform": "Platform",
                "author_id": "Author",
                "exposure": "Reach + engagement",
                "text": "Text",
            },
            {"created_at": _when},
            empty="None."
            if not by_brand.empty
            else "Cannot be known: no post of this week can be judged, the data holds no brand replies for them.",
        ),
    ]
    title = f"Weekly reputation report {queries.week_text(monday)}"
    subtitle = (
        f"{monday:%A %d %B} to {monday + timedelta(days=6):%A %d %B %Y} (UTC) · {scope} · "
        f"{totals.posts:,} posts, {totals.customer_posts:,} from customers"
    )
    return Report(title, _page(title, subtitle, "\n".join(body)), tuple(summary))


# --- the post-crisis retrospective -------------------------------------------------------------------------


def retrospective_facts(crisis: dict) -> list[tuple[str, str]]:
    """The retrospective summary as (question, answer) pairs, shared by the Crises page and the report. What
    the data cannot show is said, not guessed: an open crisis has no recovery time, and a brand whose replies
    are not in the data has no response figures."""
    started, back = crisis["started_at"], crisis.get("back_to_baseline_at")
    data_end = crisis.get("data_end_at")
    if back is not None:
        recovered = f"{_when(back)} ({minutes_text((back - started).total_seconds() / 60)} after the start)"
    else:
        recovered = "unknown: still above the usual level when the data ends" + (
            f" ({_when(data_end)})" if data_end is not None else ""
        )
    answered = crisis.get("share_answered")
    measurable = crisis.get("replies_in_data") is not False
    no_replies = f"cannot be measured: the data holds no replies from {crisis['brand']}"
    if not measurable:
        first_reply = complaints = no_replies
    else:
        first_reply = (
            "none during the crisis"
            if crisis.get("first_brand_response_at") is None
            else f"{_when(crisis['first_brand_response_at'])}, "
            f"{minutes_text(crisis['minutes_to_first_response'])} after the start"
        )
        complaints = (
            "–"
            if answered is None
            else f"{crisis['complaints_answered']:,} of {crisis['complaints']:,} ({answered:.0%})"
        )
    ended = crisis.get("ended_at")
    return [
        ("Detected (first hot hour)", _when(started)),
        (
            "Peak",
            f"{_when(crisis['peak_at'])} (z = {crisis['peak_z']:.1f})"
            if crisis.get("peak_z") is not None
            else _when(crisis["peak_at"]),
        ),
        ("Last hot hour ended", _when(ended) if ended is not None else "unknown: still hot when the data ends"),
        ("First brand reply to a complaint", first_reply),
        ("Complaints answered", complaints),
        ("Sentiment recovered (back within baseline)", recovered),
        (
            "Size",
            f"{crisis['posts']:,} posts, {crisis['negative_posts']:,} negative, from {crisis['authors']:,} "
            f"authors on {crisis['platforms']} platform{'s' if crisis['platforms'] != 1 else ''}",
        ),
    ]


def playbook_checklist(moves: pd.DataFrame) -> list[tuple[str, str | None, int, str | None]]:
    """(move name, first time used or None, brand posts that made it, the first such post's text) for each of
    the five good-practice moves, in order."""
    used = {row.move: row for row in moves.itertuples(index=False)}
    return [
        (
            name,
            _when(used[move].first_at) if move in used else None,
            int(used[move].replies) if move in used else 0,
            getattr(used[move], "first_text", None) if move in used else None,
        )
        for move, name in MOVE_NAMES.items()
    ]


def crisis_report(con: duckdb.DuckDBPyConnection, crisis_id: str) -> Report:
    """The post-crisis retrospective: what happened when, how the brand responded, what people said."""
    crisis = queries.crisis_detail(con, crisis_id)
    if crisis is None:
        known = ", ".join(queries.crisis_list(con)["crisis_id"].head(5)) or "none detected"
        raise ReportError(f"no crisis {crisis_id!r}; known crises: {known} (`radar crises` lists them)")
    phases = queries.crisis_phases(con, crisis_id)
    moves = queries.crisis_moves(con, crisis_id)
    figure = charts.build_crisis_figure(queries.crisis_series(con, crisis_id), phases, moves, crisis)
    threads = queries.crisis_threads(con, crisis_id)
    color = charts.SEVERITY_COLORS.get(int(crisis["severity"]), "#d1495b")
    facts = "".join(f"<tr><th>{_esc(q)}</th><td>{_esc(a)}</td></tr>" for q, a in retrospective_facts(crisis))
    reasons = "".join(f"<li>{_esc(reason)}</li>" for reason in crisis["severity_reasons"])
    unseen = "cannot be judged: no replies in the data" if crisis.get("replies_in_data") is False else "not seen"
    checklist = "".join(
        f"<tr><td>{'✔' if when else '✘' if unseen == 'not seen' else '?'}</td><td>{_esc(name)}</td>"
        f"<td>{_esc(when or unseen)}</td>"
        f"<td>{replies:,}</td><td>{_esc(text or '')}</td></tr>"
        for name, when, replies, text in playbook_checklist(moves)
    )
    body = [
        f'<p><span class="sev" style="background:{color}">Severity {crisis["severity"]}: '
        f"{_esc(crisis['severity_name'])}</span></p>",
        "<h2>Summary</h2>",
        f"<table>{facts}</table>",
        "<h2>Why this severity</h2>",
        f"<ul>{reasons}</ul>",
        "<h2>Timeline</h2>",
        _figure(figure, 440),
        _table(
            phases, {"phase": "Phase", "started_at": "From", "ended_at": "To"}, {"started_at": _when, "ended_at": _when}
        ),
        "<h2>How the brand responded</h2>",
        "<p>Good practice in a crisis: apologise, explain (and keep people informed), admit the error, say what "
        "will change, make amends. First time each appeared in a brand post that answers a complaint of the "
        "crisis or is a public statement during it:</p>",
        f"<table><thead><tr><th></th><th>Move</th><th>First seen</th><th>Posts</th><th>First post</th></tr></thead>"
        f"<tbody>{checklist}</tbody></table>",
        *_plan_against_reality(con, crisis_id),
        "<h2>What people said</h2>",
        f"<p>Top terms (compared with the week before): {_esc(', '.join(crisis['top_terms']) or 'none')}</p>",
        _table(
            threads,
            {
                "platform": "Platform",
                "thread_id": "Thread",
                "why": "Why it is here",
                "post_count": "Posts",
                "author_id": "Opened by",
                "text": "Opening post",
            },
        ),
    ]
    title = f"Crisis retrospective: {crisis['brand']}, {pd.Timestamp(crisis['started_at']):%d %b %Y}"
    subtitle = f"{crisis_id} · {_when(crisis['started_at'])} to " + (
        _when(crisis["ended_at"])
        if crisis.get("ended_at") is not None
        else "an unknown end (still hot when the data ends)"
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
        "<h2>Plan against reality</h2>",
        f"<p>The escalation plan's targets for severity {int(room.crisis['severity'])}, judged with the data up "
        f"to {_when(room.as_of)}.</p>",
        f"<table>{rows}</table>",
    ]
    if room.log is not None and not room.log.empty:
        parts += [
            "<h3>Decision log</h3>",
            _table(
                room.log,
                {"logged_at": "When", "kind": "What", "by_name": "Who", "entry": "Entry"},
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
            "PDF needs Chromium, which is not installed: `make run` installs Debian's chromium "
            "package, or set RADAR_CHROMIUM to a Chrome/Chromium binary; the HTML report works "
            "without it"
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
            raise ReportError(f"Chromium ({chromium}) could not print the PDF: {exc}") from None
        if not target.exists() or target.stat().st_size == 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ReportError(f"Chromium ({chromium}) did not print the PDF (exit {done.returncode}: {detail[0]})")
        return target.read_bytes()


def render(report: Report, fmt: str) -> bytes:
    """The report as ``html`` or ``pdf`` bytes."""
    if fmt == "html":
        return report.html.encode("utf-8")
    if fmt == "pdf":
        return html_to_pdf(report.html)
    raise ReportError(f"unknown report format {fmt!r}; use .html or .pdf")


def report_format(path: str | Path) -> str:
    """``"week.pdf"`` -> ``"pdf"``: the format a file name asks for; ReportError for any other extension."""
    fmt = {".html": "html", ".htm": "html", ".pdf": "pdf"}.get(Path(path).suffix.lower())
    if fmt is None:
        raise ReportError(f"{Path(path).name}: the file name must end in .html or .pdf (the format follows it)")
    return fmt


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report in the format its file extension names (``.html``/``.htm`` or ``.pdf``)."""
    path = Path(path)
    data = render(report, report_format(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
