"""Spark benchmark: the same generated exports through both engines on this machine.

    .venv/bin/python bench/spark_bench.py [--rows 200000] [--files 4] [--keep DIR]

Writes ``--files`` TWCS-layout exports of ``--rows`` posts in all (the scale benchmark's generator, with
threads and a crisis), then:

- DuckDB: ``radar ingest`` of the files into a new database, then ``radar export-parquet`` (wall time of each);
- Spark: ``radar spark build`` through ``build_lake`` on ``local[1]`` and on ``local[2]``: wall time, the time of
  each stage and its posts per second, and the speed-up from one core to two.

This is a single-machine measure of a distributed engine: Spark's fixed costs (the JVM, task scheduling, the
Python workers, shuffles written to local disk) weigh more here than on a cluster, and 2 cores say little
about 200. docs/spark.md works out what to expect on a cluster from these figures. Machines here are shared
and noisy: the figures are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale_bench import generate  # noqa: E402


def write_exports(folder: Path, rows: int, files: int) -> int:
    """``files`` exports of about ``rows / files`` posts each, with disjoint post ids; return the posts written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    per_file = max(1, rows // files)
    for index in range(files):
        count = per_file if index < files - 1 else rows - per_file * (files - 1)
        written += generate(
            folder / f"export_{index:02d}.csv", count, seed=7 + index, first_id=1 + index * 10 * per_file
        )
    return written


def run(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def duckdb_path(exports: Path, work: Path) -> dict[str, float]:
    radar = str(ROOT / ".venv" / "bin" / "radar")
    database = work / "bench.duckdb"
    files = sorted(str(path) for path in exports.glob("*.csv"))
    return {
        "import (stage, score, facts, analytics)": run([radar, "ingest", *files, "--db", str(database)]),
        "export-parquet": run([radar, "export-parquet", str(work / "duck_lake"), "--db", str(database)]),
    }


def spark_path(exports: Path, lake: Path, cores: int) -> tuple[float, dict[str, float], dict[str, int]]:
    from pipeline.spark.build import build_lake
    from pipeline.spark.session import spark_session

    spark = spark_session(cores=cores, app_name=f"radar-bench-{cores}")
    spark.sparkContext.setLogLevel("ERROR")
    try:
        started = time.perf_counter()
        report = build_lake(spark, str(lake), [exports])
        wall = time.perf_counter() - started
    finally:
        spark.stop()
    return wall, report.seconds, report.stage_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="radar-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        exports = work / "exports"
        shutil.rmtree(exports, ignore_errors=True)
        posts = write_exports(exports, args.rows, args.files)
        print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}")
        print(f"input: {posts:,} posts in {args.files} exports")
        print("\nDuckDB (one process)")
        duck = duckdb_path(exports, work)
        for stage, seconds in duck.items():
            print(f"  {stage:<42} {seconds:8.1f} s  {posts / seconds:>10,.0f} posts/s")
        print(f"  {'total':<42} {sum(duck.values()):8.1f} s")
        walls = {}
        for cores in (1, 2):
            wall, seconds, rows = spark_path(exports, work / f"spark_lake_{cores}", cores)
            walls[cores] = wall
            print(f"\nSpark local[{cores}] (radar spark build)")
            for stage, stage_seconds in seconds.items():
                rate = f"{posts / stage_seconds:>10,.0f} posts/s" if stage_seconds > 0 else ""
                print(f"  {stage:<42} {stage_seconds:8.1f} s  {rate}  ({rows.get(stage, '')} rows)")
            print(f"  {'wall (session start excluded)':<42} {wall:8.1f} s  {posts / wall:>10,.0f} posts/s")
        print(f"\nSpark speed-up from 1 to 2 local cores: {walls[1] / walls[2]:.2f}x")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
