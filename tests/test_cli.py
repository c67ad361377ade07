"""The radar command: every subcommand has --help and is documented; status and formats work."""

import subprocess
import sys

import pytest

from pipeline.cli import build_parser, main
from tests.conftest import ROOT

SUBCOMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help_and_is_in_the_readme(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: radar {command}")
    assert f"radar {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_dash_m_pipeline_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "pipeline", "formats"], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0
    assert "twcs" in result.stdout and "identified by" in result.stdout


def test_readme_formats_table_matches_the_registry(capsys):
    main(["formats", "--markdown"])
    table = capsys.readouterr().out.strip()
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")


def test_status_reports_counts_and_imports(demo_db, capsys):
    assert main(["status", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert "posts " in out and "lumo_x_care.csv" in out and "imp-000003" in out


def test_status_without_a_database_says_what_to_do(tmp_path, capsys):
    assert main(["status", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "radar demo" in capsys.readouterr().err


def test_unknown_time_zone_is_a_usage_error(tmp_path, capsys):
    assert main(["ingest", "x.csv", "--tz", "Mars/Olympus", "--db", str(tmp_path / "db.duckdb")]) == 2
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err


def test_demo_refuses_to_overwrite_without_replace(demo_copy, capsys):
    assert main(["demo", "--db", str(demo_copy)]) == 1
    assert "--replace" in capsys.readouterr().err
