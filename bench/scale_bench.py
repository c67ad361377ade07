"""Scale benchmark: N generated posts from CSV to a dashboard-ready database, then every dashboard query.

    .venv/bin/python bench/scale_bench.py --rows 1000000 [--weekly 50000] [--keep DIR]

Generates a realistic TWCS-layout export (three brand accounts, customers in threads of one to five
messages over 13 weeks with a daily rhythm, unique texts, and a weekend crisis for one brand), imports it
with the real CLI in a subprocess, and prints one table:

- the floor: DuckDB's bare ``read_csv`` of the same file into a table, in this run;
- the import: the files read and staged (the CLI's ``import:`` line) and its ratio to the floor, threading
  into facts, sentiment posts per second, the other analytics stages, the CLI's total from process start,
  its peak RSS, and the database size;
- a weekly export of ``--weekly`` new posts into the N-post database (load and analytics);
- p50 and p95 of every query the dashboard pages run (``--repeat`` times each, on the N-post database);
- the Overview page's first render with Streamlit's AppTest (cold cache) and its second (warm).

Machines here are shared and noisy: the figures are measurements, not assertions. ``tests/test_bench.py``
runs it at a small N so the harness keeps working.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

BRANDS = ("acmehelp", "novacare", "zentelco")
START = datetime(2026, 8, 17, tzinfo=UTC)  # a Monday; 13 weeks end on Sunday 2026-11-15
DAYS = 91
CRISIS_BRAND, CRISIS_DAY = "novacare", 61  # Saturday 2026-10-17
COMPLAINTS = (
    "my order {n} is late again, still waiting",
    "the app crashed twice today, order {n} lost",
    "refund {n} never arrived, this is unacceptable",
    "why is nobody answering about ticket {n}?",
    "charged twice for order {n}, please fix this",
)
QUESTIONS = (
    "can I change the delivery address for order {n}?",
    "do you ship order {n} to Spain?",
    "is the store open on Sunday? asking for order {n}",
    "how do I reset my password? account {n}",
)
PRAISE = (
    "thanks, order {n} arrived early!",
    "love the new app, order {n} was so easy",
    "great support today, ticket {n} solved in minutes",
)
REPLIES = (
    "sorry about that, please DM us the order number {n}",
    "thanks for reaching out, we are on it ({n})",
    "glad to hear it! enjoy order {n}",
    "we have refunded {n}, apologies for the wait",
)
CRISIS = (
    "{brand} billing outage charged me twice, order {n}, #Outage",
    "scam!!! {brand} took my money {n}",
    "still no answer from {brand} about the outage, ticket {n}",
)


def generate(
    path: Path,
    rows: int,
    *,
    seed: int = 7,
    first_id: int = 1,
    start: datetime = START,
    days: int = DAYS,
    crisis: bool = True,
) -> int:
    """Write a TWCS-layout export of ``rows`` posts; return how many were written."""
    rng = random.Random(seed)
    tweet_id = first_id
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n")
        while written < rows:
            day = rng.randrange(days)
            is_crisis = crisis and day in (CRISIS_DAY, CRISIS_DAY + 1) and rng.random() < 0.5
            brand = CRISIS_BRAND if is_crisis else rng.choice(BRANDS)
            hour = rng.choice((9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 8, 22, 23, 7, 1))
            at = start + timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
            length = min(rows - written, rng.choice((1, 2, 2, 3, 3, 4, 5)))
            parent = ""
            for turn in range(length):
                brand_turn = turn % 2 == 1
                n = tweet_id
                if brand_turn:
                    author, text = brand, rng.choice(REPLIES).format(n=n)
                    at += timedelta(minutes=rng.choice((4, 12, 35, 90, 240, 900)))
                else:
                    author = f"{100000 + rng.randrange(200_000)}"
                    template = (
                        rng.choice(CRISIS) if is_crisis else rng.choice(COMPLAINTS + COMPLAINTS + QUESTIONS + PRAISE)
                    )
                    text = f"@{brand} " + template.format(n=n, brand=brand)
                    if turn:
                        at += timedelta(minutes=rng.choice((3, 10, 30)))
                text = text.replace('"', "'")
                out.write(
                    f"{tweet_id},{author},{'False' if brand_turn else 'True'},"
                    f'{at.strftime("%a %b %d %H:%M:%S +0000 %Y")},"{text}",,{parent}\n'
                )
                parent = str(tweet_id)
                tweet_id += 1
                written += 1
    return written


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str


def run_measured(args: list[str]) -> Run:
    """Run a command in a child that reports its peak RSS (the child's own, not this process's)."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(r.stderr); print(r.stdout); "
        "print('@@', time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "r.returncode)"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=ROOT, capture_output=True, text=True)
    tail = done.stdout.rstrip().rsplit("@@", 1)
    seconds, peak_kb, code = tail[1].split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return Run(float(seconds), int(peak_kb) / 1024, tail[0])


def import_seconds(stdout: str) -> float:
    """The seconds of the CLI's ``import:`` line: files read and staged, before threads and analytics."""
    match = re.search(r"^import: [\d,]+ rows in ([\d.]+) s", stdout, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


def analytics_stages(stdout: str) -> tuple[int, dict[str, float]]:
    """Texts scored and the stage seconds from the CLI's ``analytics:`` line."""
    line = next((line for line in stdout.splitlines() if line.startswith("analytics")), "")
    scored = int(re.search(r"([\d,]+) texts scored", line).group(1).replace(",", "")) if line else 0
    stages = {name: float(seconds) for name, seconds in re.findall(r"(\w+) ([\d.]+) s", line)}
    return scored, stages


def floor_seconds(export: Path) -> float:
    """DuckDB's bare read_csv of the file into a table (every column text): the floor on this machine."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(export)])
    return time.perf_counter() - started


def dashboard_queries(con) -> list[tuple[str, callable]]:
    """Every query the pages run, with the arguments a first visit uses."""
    from pipeline.core import db
    from pipeline.core.settings import load_settings
    from pipeline.read import queries as q

    week = q.report_week(con) or q.latest_week(con)
    crises = q.crisis_list(con)
    crisis_id = crises["crisis_id"].iloc[0] if len(crises) else None
    thread = con.execute("SELECT platform, thread_id FROM threads ORDER BY post_count DESC LIMIT 1").fetchone()
    day = con.execute("SELECT max(created_at)::DATE - 3 FROM posts").fetchone()[0]
    recent = q.PostFilter(start_date=day - timedelta(days=27), end_date=day)
    zone = load_settings(con).business_time_zone
    checks = [
        ("cache_key", lambda: db.cache_key(con)),
        ("filter_options", lambda: q.filter_options(con)),
        ("available_weeks", lambda: q.available_weeks(con)),
        ("weekly_kpis", lambda: q.weekly_kpis(con, week)),
        ("post_totals", lambda: q.post_totals(con, recent)),
        ("posts_per_day", lambda: q.posts_per_day(con, recent)),
        ("posts_by_platform_and_brand", lambda: q.posts_by_platform_and_brand(con, recent)),
        ("sentiment_trend day", lambda: q.sentiment_trend(con, recent)),
        ("sentiment_trend week by brand", lambda: q.sentiment_trend(con, q.PostFilter(), grain="week", by="brand")),
        ("bucket_posts", lambda: q.bucket_posts(con, q.Bucket(day, label="negative"), recent)),
        ("response_kpis", lambda: q.response_kpis(con, recent)),
        ("response_kpis all", lambda: q.response_kpis(con, recent, period="all", by_brand=False)),
        ("response_distribution", lambda: q.response_distribution(con, recent)),
        ("response_heatmap", lambda: q.response_heatmap(con, zone, recent)),
        ("unanswered_queue", lambda: q.unanswered_queue(con, recent)),
        ("unanswered_queue exposed", lambda: q.unanswered_queue(con, recent, order="exposed")),
        ("crisis_list", lambda: q.crisis_list(con)),
        ("search_threads", lambda: q.search_threads(con, recent)),
        ("search_threads text", lambda: q.search_threads(con, recent, "refund")),
        ("thread_messages", lambda: q.thread_messages(con, *thread)),
        ("latest_imports", lambda: q.latest_imports(con, 20)),
        ("brand_accounts", lambda: q.brand_accounts(con)),
    ]
    if crisis_id:
        checks += [
            ("crisis_detail", lambda: q.crisis_detail(con, crisis_id)),
            ("crisis_series", lambda: q.crisis_series(con, crisis_id)),
            ("crisis_phases", lambda: q.crisis_phases(con, crisis_id)),
            ("crisis_moves", lambda: q.crisis_moves(con, crisis_id)),
            ("crisis_threads", lambda: q.crisis_threads(con, crisis_id)),
        ]
    return checks


def query_latencies(database: Path, repeat: int) -> list[tuple[str, float, float]]:
    """(query, p50 ms, p95 ms) on a read-only connection, after one warm-up call each."""
    from pipeline.core import db

    out = []
    with db.connect(database, read_only=True) as con:
        for name, call in dashboard_queries(con):
            call()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
            out.append((name, statistics.median(times), p95))
    return out


def first_render(database: Path) -> tuple[float, float]:
    """Seconds for the Overview's first render on a fresh process cache, then for a second render."""
    code = f"""
import json, os, time
os.environ["RADAR_DB"] = {str(database)!r}
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=600)
t = time.perf_counter(); app.run(); cold = time.perf_counter() - t
assert not app.exception, [e.value for e in app.exception]
t = time.perf_counter(); app.run(); warm = time.perf_counter() - t
print(json.dumps([cold, warm]))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the Overview did not render:\n{done.stderr[-2000:]}")
    cold, warm = json.loads(done.stdout.strip().splitlines()[-1])
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--weekly", type=int, default=50_000, help="posts in the weekly export (0: skip)")
    parser.add_argument("--repeat", type=int, default=20, help="runs per query for p50/p95")
    parser.add_argument("--keep", metavar="DIR", help="keep the export and the database in DIR")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        export, database = folder / "bench.csv", folder / "bench.duckdb"
        database.unlink(missing_ok=True)
        started = time.perf_counter()
        generate(export, args.rows)
        generated = time.perf_counter() - started
        floor = floor_seconds(export)
        cli = [sys.executable, "-m", "pipeline", "ingest", str(export), "--db", str(database)]
        imported = run_measured(cli)
        scored, stages = analytics_stages(imported.stdout)
        load = import_seconds(imported.stdout)
        others = sum(seconds for stage, seconds in stages.items() if stage not in ("threads", "sentiment"))
        size_mb = database.stat().st_size / 1e6

        rows = [
            (
                "posts in the export",
                f"{args.rows:,} ({export.stat().st_size / 1e6:,.0f} MB, generated in {generated:.1f} s)",
            ),
            ("floor: bare DuckDB read_csv into a table", f"{floor:.2f} s"),
            (
                "import: file -> staged (the CLI's `import:` line)",
                f"{load:.2f} s, {args.rows / load:,.0f} posts/s, {load / floor:.1f}x the floor",
            ),
            ("threads: staged -> facts", f"{stages.get('threads', 0):.1f} s"),
            (
                "sentiment",
                f"{stages.get('sentiment', 0):.1f} s, {scored / max(stages.get('sentiment', 0), 1e-9):,.0f} "
                f"texts/s ({scored:,} texts)",
            ),
            (
                "other analytics (responses, hourly, playbook, crises)",
                f"{others:.1f} s "
                f"({', '.join(f'{stage} {seconds:.1f}' for stage, seconds in stages.items() if stage not in ('threads', 'sentiment'))})",
            ),
            ("CSV to dashboard-ready (the CLI's total, from process start)", f"{imported.seconds:.1f} s"),
            ("peak RSS of the import", f"{imported.peak_mb:,.0f} MB"),
            ("database size", f"{size_mb:,.0f} MB"),
        ]
        if args.weekly:
            weekly = folder / "weekly.csv"
            generate(
                weekly,
                args.weekly,
                seed=11,
                first_id=args.rows + 10,
                start=START + timedelta(days=DAYS),
                days=7,
                crisis=False,
            )
            week_run = run_measured([sys.executable, "-m", "pipeline", "ingest", str(weekly), "--db", str(database)])
            _, week_stages = analytics_stages(week_run.stdout)
            how = "updated for the new posts" if "(updated for the new posts)" in week_run.stdout else "RECOMPUTED"
            rows.append(
                (
                    f"weekly export of {args.weekly:,} new posts into it",
                    f"{week_run.seconds:.1f} s (import {import_seconds(week_run.stdout):.1f} s, analytics "
                    f"{sum(week_stages.values()):.1f} s, {how}: "
                    f"{', '.join(f'{stage} {seconds:.1f}' for stage, seconds in week_stages.items())}), "
                    f"peak RSS {week_run.peak_mb:,.0f} MB",
                )
            )
        cold, warm = first_render(database)
        rows.append(("Overview page, first render (cold cache) / again (warm)", f"{cold:.2f} s / {warm:.2f} s"))
        latencies = query_latencies(database, args.repeat)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; duckdb {duckdb.__version__}; "
        f"python {platform.python_version()}; {date.today()}"
    )
    print("\n| stage | measured |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\n| dashboard query ({args.repeat} runs) | p50 ms | p95 ms |\n|---|---:|---:|")
    for name, p50, p95 in latencies:
        print(f"| {name} | {p50:,.1f} | {p95:,.1f} |")
    worst = max(latencies, key=lambda row: row[2])
    print(f"\nslowest query at p95: {worst[0]} ({worst[2]:,.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
