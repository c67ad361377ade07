"""Benchmark the import: a generated TWCS-layout export of N posts, loaded with the real CLI.

Prints one table: import seconds and posts per second, the ratio to DuckDB's bare ``read_csv`` of the
same file in the same run (the floor on this machine), peak memory (RSS) of the import process and the
database size. Not part of the timed test suite; run it yourself:

    .venv/bin/python bench/ingest_bench.py --rows 200000
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]


def write_export(path: Path, rows: int) -> None:
    """Customer tweets and brand replies in threads of four, over 90 days."""
    start = datetime(2026, 8, 1, tzinfo=timezone.utc)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
                         "in_response_to_tweet_id"])
        for i in range(rows):
            at = start + timedelta(seconds=i * 7776000 // rows)
            brand = i % 2 == 1
            parent = str(1_000_000_000_000_000_000 + i - 1) if i % 4 else ""
            writer.writerow([str(1_000_000_000_000_000_000 + i), "acmehelp" if brand else f"{100000 + i % 50000}",
                             str(not brand), at.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                             f"@acmehelp my order {i} is late again, still waiting" if not brand
                             else "@customer sorry about that, please DM us your order number", "", parent])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "bench.csv"
        database = Path(tmp) / "bench.duckdb"
        write_export(export, args.rows)

        started = time.perf_counter()
        with duckdb.connect() as con:
            con.execute("SELECT count(*) FROM read_csv(?, all_varchar = true)", [str(export)]).fetchall()
        bare = time.perf_counter() - started

        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(export), "--db", str(database)],
                                cwd=ROOT, capture_output=True, text=True, check=False)
        imported = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # the CLI brings the analytics up to date after loading and prints their stage times
        analytics = sum(float(s) for s in re.findall(r"([\d.]+) s\b", result.stdout.split("analytics:")[-1]))
        loading = imported - analytics
        size_mb = database.stat().st_size / 1e6
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
              f"duckdb {duckdb.__version__}; python {platform.python_version()}")
        print("| posts | file MB | bare read_csv s | load s (incl. threads) | posts/s | ratio | analytics s | "
              "CLI total s | peak RSS MB | db MB |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        print(f"| {args.rows:,} | {export.stat().st_size / 1e6:,.0f} | {bare:.2f} | {loading:.2f} | "
              f"{args.rows / loading:,.0f} | {loading / bare:.1f}x | {analytics:.2f} | {imported:.2f} | "
              f"{peak_mb:,.0f} | {size_mb:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
