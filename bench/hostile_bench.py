"""Files shaped to tie up the database: time and peak memory of `radar ingest` refusing them.

    .venv/bin/python bench/hostile_bench.py [--columns 480000] [--sparse-gb 2] [--line-mb 500]

Each case is written to a scratch folder and imported by the real CLI in a subprocess (into a fresh
database); the table prints the exit status, the wall time and the subprocess's peak RSS. The issue's
figures before the limits: 480,000 columns held the write lock for 518 s and 2.1 GB (125,000: 50 s); a 2 GB
sparse file (a header, 399 rows, then zeros) took 53 s and 12.9 GB; a 500 MB single line 3.9 GB.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = "".join(f"{n},2026-11-02T10:00:00Z,ana,hello {n}\n" for n in range(399))


def wide(path: Path, columns: int) -> None:
    header = "id,date,author,text," + ",".join(f"c{i}" for i in range(columns - 4))
    path.write_text(header + "\n" + "".join(f"{n},2026-11-02T10:00:00Z,ana,hi\n" for n in range(3)))


def sparse(path: Path, gigabytes: float) -> None:
    with path.open("wb") as handle:
        handle.write(("id,date,author,text\n" + ROWS).encode())
        handle.truncate(int(gigabytes * 2**30))


def one_line(path: Path, megabytes: int) -> None:
    with path.open("wb") as handle:
        handle.write(b"id,date,author,text,")
        chunk = b"x" * 2**20
        for _ in range(megabytes):
            handle.write(chunk)


def run(path: Path, folder: Path) -> tuple[int, float, float, list[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(path), "--db", str(folder / "radar.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return done.returncode, seconds, max(peak, before) / 1024, done.stderr.strip().splitlines()[-1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=480_000)
    parser.add_argument("--sparse-gb", type=float, default=2.0)
    parser.add_argument("--line-mb", type=int, default=500)
    args = parser.parse_args(argv)
    print("| case | exit | seconds | peak RSS of the import (MB, the largest so far) | message |")
    print("|---|---:|---:|---:|---|")
    cases = [
        (f"header of {args.columns:,} columns", lambda p: wide(p, args.columns)),
        (f"{args.sparse_gb:g} GB sparse file (399 rows, then zeros)", lambda p: sparse(p, args.sparse_gb)),
        (f"a {args.line_mb} MB single line", lambda p: one_line(p, args.line_mb)),
    ]
    for name, make in cases:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            path = folder / "case.csv"
            make(path)
            code, seconds, peak, message = run(path, folder)
            print(f"| {name} | {code} | {seconds:.1f} | {peak:,.0f} | {' '.join(message)[:140]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
