"""Alert latency benchmark: from an hourly export landing in a watched folder to the alert accepted by a webhook.

    .venv/bin/python bench/alert_bench.py [--rows 1000000] [--drops 10] [--posts 2000] [--keep DIR]

Builds a database of ``--rows`` posts with the real CLI (the scale benchmark's export, plus two weeks of
calm, hour-by-hour history up to now for ten more brands), starts a real ``radar watch`` on a folder with a
real HTTP webhook receiver on 127.0.0.1 as the plan's channel, then drops ``--drops`` hourly exports of
``--posts`` posts each (calm traffic for every brand, and a storm of complaints for one bench brand, a new one
in each drop) into the folder, each written under a temporary name and renamed (the moment it is complete).
For each drop it measures the time from the rename to the webhook receiving that brand's crisis alert, and
prints every latency with p50 and p95. The watcher runs with ``--interval 1 --settle 1``: a file must be
unchanged for a second before it is read, and that second is part of the figure.

Machines here are shared and noisy: the figures are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale_bench import generate  # noqa: E402
from tests.servers import WebhookReceiver  # noqa: E402

BENCH_BRANDS = [f"benchbrand{i}" for i in range(10)]
CALM = [
    "@{b} what time do you open on Monday?",
    "@{b} love the new app, thank you!",
    "@{b} where can I find the manual for model {n}?",
    "@{b} my order {n} arrived, great service",
]
STORM = [
    "@{b} your outage charged me twice, order {n}, terrible and unacceptable",
    "@{b} worst service ever, my money is gone, order {n}, disgusting",
    "@{b} furious: still no refund for {n}, awful",
]
HEADER = ["post_id", "created_at", "author_id", "text", "parent_id", "platform", "is_brand"]


def _rows_for_hour(
    rng: random.Random, hour: datetime, brand: str, posts: int, next_id: list[int], storm: bool = False
) -> list[list]:
    rows = []
    for _ in range(posts):
        post_id = next_id[0]
        next_id[0] += 2
        at = hour + timedelta(seconds=rng.randrange(3300))
        template = rng.choice(STORM if storm else CALM)
        rows.append(
            [
                post_id,
                at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                f"u{rng.randrange(10**6)}",
                template.format(b=brand, n=post_id),
                "",
                "twitter",
                "false",
            ]
        )
        if not storm:
            rows.append(
                [
                    post_id + 1,
                    (at + timedelta(minutes=rng.randrange(2, 9))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    brand,
                    "thanks for reaching out, we are on it",
                    post_id,
                    "twitter",
                    "true",
                ]
            )
    return rows


def _write(path: Path, rows: list[list]) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(sorted(rows, key=lambda row: row[1]))
    tmp.rename(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="posts in the database before the drops")
    parser.add_argument("--drops", type=int, default=10)
    parser.add_argument("--posts", type=int, default=2_000, help="posts in each hourly export")
    parser.add_argument("--keep", metavar="DIR")
    args = parser.parse_args(argv)
    rng = random.Random(3)
    radar = [sys.executable, "-m", "pipeline"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        database, watched = folder / "alerts.duckdb", folder / "watched"
        database.unlink(missing_ok=True)
        watched.mkdir(exist_ok=True)
        for old in watched.iterdir():
            old.unlink()
        env = {**os.environ, "RADAR_DB": str(database)}
        started = time.perf_counter()
        generate(folder / "bulk.csv", args.rows, crisis=False)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        history, next_id = [], [10**12]
        for brand in BENCH_BRANDS:
            hour = now - timedelta(days=14)
            while hour < now - timedelta(hours=1):
                history += _rows_for_hour(rng, hour, brand, rng.randint(3, 6), next_id)
                hour += timedelta(hours=1)
        _write(folder / "history.csv", history)
        subprocess.run(
            [*radar, "ingest", str(folder / "bulk.csv"), str(folder / "history.csv")],
            env=env,
            check=True,
            capture_output=True,
        )
        built = time.perf_counter() - started
        posts = int(
            subprocess.run([*radar, "status"], env=env, check=True, capture_output=True, text=True)
            .stdout.split("posts")[1]
            .split()[0]
            .replace(",", "")
        )
        receiver = WebhookReceiver()
        latencies = []
        with receiver:
            subprocess.run(
                [
                    *radar,
                    "plan",
                    "set",
                    f'channels.hook={{"type": "webhook", "url": "{receiver.url()}"}}',
                    "roles.community manager=hook",
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            watcher = subprocess.Popen(
                [*radar, "watch", str(watched), "--interval", "1", "--settle", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(3)
                hour = now - timedelta(hours=1)
                for i in range(args.drops):
                    brand = BENCH_BRANDS[i % len(BENCH_BRANDS)]
                    rows = _rows_for_hour(rng, hour, brand, 60, next_id, storm=True)
                    while len(rows) < args.posts:
                        other = rng.choice(BENCH_BRANDS)
                        rows += _rows_for_hour(rng, hour, other, 1, next_id)
                    path = watched / f"mentions_{hour:%Y%m%d_%H}_{i:02d}.csv"
                    _write(path, rows[: args.posts])
                    landed = time.time()
                    deadline = landed + 120
                    while time.time() < deadline:
                        hits = [
                            r
                            for r in receiver.received
                            if r["body"].get("rule") == "crisis" and r["body"].get("brand") == brand
                        ]
                        if hits:
                            latencies.append(hits[0]["at"] - landed)
                            break
                        time.sleep(0.05)
                    else:
                        latencies.append(float("nan"))
                        print(f"drop {i}: no crisis alert for {brand} within 120 s", file=sys.stderr)
            finally:
                watcher.terminate()
                watcher.wait(60)
    measured = [x for x in latencies if x == x]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}; {date.today()}")
    print(
        f"database: {posts:,} posts (built in {built:.0f} s); {args.drops} drops of {args.posts:,} posts; "
        "radar watch --interval 1 --settle 1"
    )
    print("\n| drop | brand | export landed -> alert accepted by the webhook |\n|---|---|---:|")
    for i, seconds in enumerate(latencies):
        print(f"| {i + 1} | {BENCH_BRANDS[i % len(BENCH_BRANDS)]} | {seconds:.2f} s |")
    if measured:
        ordered = sorted(measured)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"\np50 {statistics.median(measured):.2f} s, p95 {p95:.2f} s, max {max(measured):.2f} s "
            f"({len(measured)} of {len(latencies)} alerts arrived)"
        )
    return 0 if len(measured) == len(latencies) else 1


if __name__ == "__main__":
    sys.exit(main())
