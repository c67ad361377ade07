"""The radar command: status and formats work. That every subcommand has --help and is documented, and
that the formats table in the docs is the registry's, is checked with the docs (tests/test_docs.py)."""

import os
import subprocess
import sys

from pipeline.cli import main
from pipeline.core import db
from tests.conftest import ROOT


def test_python_dash_m_pipeline_is_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "formats"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0
    assert "twcs" in result.stdout and "identified by" in result.stdout


def test_status_reports_counts_and_imports(demo_db, capsys):
    assert main(["status", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert "posts " in out and "lumo_x_care_" in out and "imp-0000" in out


def test_status_without_a_database_says_what_to_do(tmp_path, capsys):
    assert main(["status", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "radar demo" in capsys.readouterr().err


def test_unknown_time_zone_is_a_usage_error(tmp_path, capsys):
    assert main(["ingest", "x.csv", "--tz", "Mars/Olympus", "--db", str(tmp_path / "db.duckdb")]) == 2
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err


def test_demo_refuses_to_overwrite_without_replace(demo_copy, capsys):
    assert main(["demo", "--db", str(demo_copy)]) == 1
    assert "--replace" in capsys.readouterr().err


def test_crises_json_and_fail_on_for_scheduled_alerts(demo_copy, capsys):
    import json

    from pipeline.cli import main

    assert main(["crises", "--db", str(demo_copy), "--json"]) == 0
    crises = json.loads(capsys.readouterr().out)
    assert crises and {
        "crisis_id",
        "severity",
        "severity_reasons",
        "phases",
        "moves",
        "minutes_to_first_response",
    } <= set(crises[0])
    worst = max(c["severity"] for c in crises)
    assert main(["crises", "--db", str(demo_copy), "--fail-on", str(worst)]) == 3
    if worst < 4:
        assert main(["crises", "--db", str(demo_copy), "--fail-on", str(worst + 1)]) == 0


def test_settings_recompute_and_label_change_the_analytics(demo_copy, capsys):
    from pipeline.cli import main

    assert main(["settings", "--db", str(demo_copy), "--sla", "30", "--sensitivity", "low"]) == 0
    assert "SLA             30 minutes" in capsys.readouterr().out
    assert main(["settings", "--db", str(demo_copy), "--tz", "Mars/Olympus"]) == 2
    assert "unknown time zone" in capsys.readouterr().err
    assert main(["recompute", "--db", str(demo_copy)]) == 0
    con = db.connect(demo_copy, read_only=True)
    post_id = db.scalar(con, "SELECT post_id FROM posts WHERE sentiment_label = 'negative' ORDER BY post_id LIMIT 1")
    con.close()
    assert main(["label", post_id, "positive", "--db", str(demo_copy)]) == 0
    con = db.connect(demo_copy, read_only=True)
    assert db.scalar(con, "SELECT sentiment_label FROM posts WHERE post_id = ?", [post_id]) == "positive"
    con.close()
    assert main(["label", "no-such-post", "positive", "--db", str(demo_copy)]) == 1


def test_report_locale_writes_the_report_in_that_language(demo_db, tmp_path):
    import re

    out = tmp_path / "week.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            "weekly",
            "--locale",
            "es",
            "--db",
            str(demo_db),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "RADAR_LOCALE": "en"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert '<html lang="es"' in html
    # the week's dates in Spanish (Babel's month abbreviations, lower case), whatever the catalogue holds
    assert re.search(r"\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) \d{4}", html)
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            "weekly",
            "--locale",
            "fr",
            "--db",
            str(demo_db),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert refused.returncode == 2 and "'fr'" in refused.stderr and "'es'" in refused.stderr


def test_the_command_speaks_the_language_of_the_environment(demo_db, capsys, monkeypatch):
    from pipeline.cli import environment_locale
    from pipeline.core.i18n import current_locale

    assert environment_locale({"RADAR_LOCALE": "pl", "LANG": "es_ES.UTF-8"}) == "pl"
    assert environment_locale({"LC_ALL": "", "LC_MESSAGES": "es_ES.UTF-8", "LANG": "pl_PL.UTF-8"}) == "es"
    assert environment_locale({"LANG": "pl_PL.UTF-8"}) == "pl"
    assert environment_locale({"LC_ALL": "C", "LANG": "es_ES.UTF-8"}) == "en"
    assert environment_locale({"LANG": "fr_FR.UTF-8"}) == "en"
    assert environment_locale({}) == "en"
    monkeypatch.setenv("RADAR_LOCALE", "es_ES.UTF-8")
    assert main(["status", "--db", str(demo_db)]) == 0
    spanish = capsys.readouterr().out
    monkeypatch.setenv("RADAR_LOCALE", "en")
    assert main(["status", "--db", str(demo_db)]) == 0
    english = capsys.readouterr().out
    con = db.connect(demo_db, read_only=True)
    posts = int(db.scalar(con, "SELECT count(*) FROM posts"))
    con.close()
    assert posts >= 1000 and f"{posts:,}".replace(",", ".") in spanish and f"{posts:,}" in english
    assert current_locale() == "en"  # main() leaves the locale as it found it
