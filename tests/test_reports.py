"""Reports: the weekly report and a crisis retrospective from the demo database, in HTML and PDF, through the
library and the real CLI."""

from __future__ import annotations

import re

import pytest

from pipeline.cli import main
from pipeline.core import db
from pipeline.read.reports import ReportError, crisis_report, find_chromium, weekly_report, write_report

WEEK = "2026-W46"
CRISIS = "lumohelp:20261024T14"
needs_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="PDF printing needs Chromium; `make test` installs Debian's chromium"
)


@pytest.fixture(scope="module")
def demo(demo_db):
    con = db.connect(demo_db, read_only=True)
    yield con
    con.close()


def _plain(document: str) -> str:
    return re.sub(r"<script.*?</script>", "", document, flags=re.S)


def test_weekly_report_is_self_contained_html_with_the_weeks_numbers(demo):
    report = weekly_report(demo, WEEK)
    body = _plain(report.html)
    assert "Weekly reputation report 2026-W46" in body
    assert "Monday 09 November to Sunday 15 November 2026" in body
    posts = db.scalar(
        demo,
        """SELECT count(*) FROM posts
        WHERE created_at >= TIMESTAMPTZ '2026-11-09 00:00:00+00' AND created_at < TIMESTAMPTZ '2026-11-16 00:00:00+00'""",
    )
    assert f'<div class="value">{posts:,}</div>' in body
    assert body.count('class="chart"') == 4  # sentiment, response distribution and heat map, share of voice
    assert "http://" not in body.replace("http://www.w3.org", "") and "https://" not in body  # no network needed
    assert "Plotly" in report.html  # plotly.js inlined


def test_weekly_report_escapes_post_text(demo_copy):
    con = db.connect(demo_copy)
    post = db.first_row(
        con,
        """SELECT r.platform, r.post_id FROM responses r
        WHERE NOT r.answered AND r.created_at >= TIMESTAMPTZ '2026-11-09 00:00:00+00' ORDER BY r.created_at LIMIT 1""",
    )
    con.execute("UPDATE fct_posts SET text = '<img src=x onerror=alert(1)>' WHERE platform = ? AND post_id = ?", post)
    body = _plain(weekly_report(con, WEEK).html)
    con.close()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_crisis_report_tells_the_retrospective(demo):
    body = _plain(crisis_report(demo, CRISIS).html)
    for expected in (
        "Crisis retrospective: lumohelp, 24 Oct 2026",
        "Severity 3: crisis",
        "Detected (first hot hour)",
        "Sat 24 Oct 2026 14:00 UTC",
        "19 h 37 min after the start",
        "Apologise",
        "Make amends",
        "#blendprofail",
        "Why this severity",
        "Plan against reality",
        "Target: first brand response",
        "When Radar would have alerted",
        "Acknowledged",
        "by Ana (care lead)",
        "Decision log",
    ):
        assert expected in body, expected
    assert "✘" not in body  # the demo brand used all five moves


def test_unknown_week_crisis_or_extension_says_why(demo, tmp_path):
    with pytest.raises(ReportError, match="no posts in 2020-W01"):
        weekly_report(demo, "2020-W01")
    with pytest.raises(ReportError, match="no crisis 'nope'"):
        crisis_report(demo, "nope")
    with pytest.raises(ReportError, match="must end in .html or .pdf"):
        write_report(weekly_report(demo, WEEK), tmp_path / "report.docx")


@needs_chromium
def test_weekly_report_prints_to_pdf(demo, tmp_path):
    path = write_report(weekly_report(demo, WEEK), tmp_path / "week.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2  # KPIs, charts and tables do not fit one page


def test_cli_writes_both_formats_and_fails_cleanly(demo_db, tmp_path, capsys):
    html_path = tmp_path / "week.html"
    assert main(["report", "weekly", "--week", WEEK, "--out", str(html_path), "--db", str(demo_db)]) == 0
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", "crisis", CRISIS, "--out", str(tmp_path / "crisis.html"), "--db", str(demo_db)]) == 0
    assert main(["report", "weekly", "--week", "2026-46", "--out", str(html_path), "--db", str(demo_db)]) == 1
    assert "not an ISO week" in capsys.readouterr().err
    assert main(["report", "weekly", "--out", str(tmp_path / "week.xlsx"), "--db", str(demo_db)]) == 2
    assert main(["report", "crisis", "nope", "--out", str(tmp_path / "c.html"), "--db", str(demo_db)]) == 1
    err = capsys.readouterr().err
    assert "must end in .html or .pdf" in err and "no crisis 'nope'" in err and "Traceback" not in err


@needs_chromium
def test_cli_pdf(demo_db, tmp_path):
    path = tmp_path / "crisis.pdf"
    assert main(["report", "crisis", CRISIS, "--out", str(path), "--db", str(demo_db)]) == 0
    assert path.read_bytes().startswith(b"%PDF-")


def test_the_weekly_report_of_a_mentions_only_week_says_what_cannot_be_known(con):
    from pipeline.analytics import update_analytics
    from tests.conftest import ingest_one, shared_file

    ingest_one(con, shared_file("airline_sentiment/Tweets.csv"))
    update_analytics(con)
    body = _plain(weekly_report(con, "2015-W08").html)
    assert "Weekly reputation report 2015-W08 · 16–22 Feb 2015" in body
    assert "The data holds no replies from" in body
    # no response rate, SLA share or "no reply" where the file simply holds no replies
    assert not re.search(r"Response rate</div><div class=\"value\">0%", body)
    assert "replies not in the data" in body and "no reply<" not in body
    # the week before is not in the file: unknown, not a week of zeros
    assert "vs previous week (–)" in body
    crisis = crisis_report(con, "US Airways:20150220T13").html
    assert "unknown: still above the usual level when the data ends (Tue 24 Feb 2015 19:53 UTC)" in crisis
    assert "cannot be measured: the data holds no replies from US Airways" in crisis


@pytest.mark.parametrize(
    "value, decimals, text",
    [(-0.3, 0, "0"), (0.0, 0, "0"), (-0.04, 1, "0.0"), (12.4, 0, "+12"), (-1234.6, 0, "-1,235"), (0.05, 1, "+0.1")],
)
def test_signed_numbers_never_read_minus_zero(value, decimals, text):
    from pipeline.read.reports import signed

    assert signed(value, decimals) == text
