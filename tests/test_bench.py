"""The scale benchmark keeps working: a 50k-post run through the real CLI prints every stage and every
dashboard query. No timing is asserted (machines here are shared and noisy); bench/scale_bench.py prints
the figures."""

import re
import subprocess
import sys

import pytest

from bench.scale_bench import generate, main
from tests.conftest import ROOT

STAGES = (
    "floor: bare DuckDB read_csv",
    "import: file -> staged",
    "threads: staged -> facts",
    "sentiment",
    "other analytics",
    "CSV to dashboard-ready",
    "peak RSS of the import",
    "database size",
    "weekly export of 5,000 new posts",
    "Overview page, first render",
)
QUERIES = (
    "cache_key",
    "weekly_kpis",
    "sentiment_trend day",
    "response_heatmap",
    "unanswered_queue",
    "search_threads text",
    "thread_messages",
    "crisis_series",
    "crisis_threads",
)


def test_generated_export_has_threads_and_a_crisis(tmp_path):
    path = tmp_path / "bench.csv"
    assert generate(path, 2_000) == 2_000
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2_001 and lines[0].startswith("tweet_id,author_id,inbound")
    assert sum(1 for line in lines[1:] if line.endswith(",")) < 2_000  # some posts reply to others
    assert any("#Outage" in line for line in lines)


def test_small_run_prints_every_stage_and_query(capsys):
    assert main(["--rows", "50000", "--weekly", "5000", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    for stage in STAGES:
        assert re.search(rf"\| {re.escape(stage)}[^|]*\| [^|]*\d", out), stage
    for query in QUERIES:  # the crisis rows only appear when the generated crisis was detected
        assert re.search(rf"^\| {re.escape(query)} \| [\d,.]+ \| [\d,.]+ \|$", out, re.MULTILINE), query
    assert "| posts in the export | 50,000" in out
    assert "updated for the new posts" in out  # the weekly export was not a recompute of everything


def test_alert_bench_measures_every_drop(capsys):
    from bench.alert_bench import main as alert_main

    assert alert_main(["--rows", "20000", "--drops", "2", "--posts", "500"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\| 1 \| benchbrand0 \| \d+\.\d\d s \|", out) and "2 of 2 alerts arrived" in out


@pytest.mark.spark
def test_spark_bench_prints_both_engines_and_the_speed_up(tmp_path):
    """A small run of bench/spark_bench.py in its own process (it starts and stops its own Spark sessions)."""
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "spark_bench.py"),
            "--rows",
            "3000",
            "--files",
            "2",
            "--keep",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    # Spark's start-up notes stay out of a person's way (pipeline/spark/log4j2.properties)
    assert "log4j" not in run.stderr and "Setting default log level" not in run.stderr, run.stderr[-2000:]
    assert "NativeCodeLoader" not in run.stderr and "incubator" not in run.stderr, run.stderr[-2000:]
    out = run.stdout
    assert "input: 3,000 posts in 2 exports" in out
    assert re.search(r"import \(stage, score, facts, analytics\) +[\d.]+ s", out)
    for cores in (1, 2):
        section = out.split(f"Spark local[{cores}]")[1]
        for stage in ("stage", "sentiment", "threads", "responses", "hourly", "crises", "write"):
            assert re.search(rf"^  {stage} +[\d.]+ s", section, re.MULTILINE), (cores, stage)
    assert re.search(r"speed-up from 1 to 2 local cores: [\d.]+x", out)
    assert (tmp_path / "spark_lake_2" / "manifest.json").exists()
