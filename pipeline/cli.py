"""The ``radar`` command (also ``python -m pipeline``): ingest exports, build the demo, list formats, status.

Exit status: 0 when everything asked for was done, 1 when a file or the database could not be used
(one line on stderr says which and why), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from . import db
from .ingest import FORMATS_BY_NAME, check_time_zone, describe_formats, ingest_files
from .normalize import build_posts, facts_are_current

PROGRESS_MIN_BYTES = 20 * 1024 * 1024


class _Progress:
    """Progress of a large file on stderr: a live line on a terminal, every 10 % otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.live = stream.isatty()
        self.last: dict[str, int] = {}
        self.started: dict[str, float] = {}

    def __call__(self, name: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_BYTES:
            return
        self.started.setdefault(name, time.monotonic())
        percent = int(100 * done / total) if total else 100
        step = percent if self.live else percent // 10 * 10
        if self.last.get(name) == step:
            return
        self.last[name] = step
        elapsed = time.monotonic() - self.started[name]
        line = (f"  reading {Path(name).name}: {percent:3d}% ({done / 1e6:,.0f} of {total / 1e6:,.0f} MB, "
                f"{elapsed:.0f} s)")
        if self.live:
            self.stream.write("\r" + line + ("\n" if percent >= 100 else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _error(message: str) -> None:
    print(f"radar: error: {message}", file=sys.stderr)


def _open(args: argparse.Namespace, *, read_only: bool = False):
    return db.connect(args.db, read_only=read_only)


def cmd_ingest(args: argparse.Namespace) -> int:
    try:
        time_zone = check_time_zone(args.tz)
    except ValueError as exc:
        _error(str(exc))
        return 2
    con = _open(args)
    results = ingest_files(con, args.files, forced_format=args.format, time_zone=time_zone,
                           brands=args.brand, progress=_Progress())
    failed = 0
    for result in results:
        if result.report:
            print("\n".join(result.report.lines()))
        else:
            failed += 1
            _error(f"{result.error} (nothing from this file was stored)")
    failures = db.check_quality(con)
    for failure in failures:
        _error(f"data-quality check failed: {failure}")
    con.close()
    if len(results) > 1:
        print(f"{len(results) - failed} of {len(results)} files imported")
    return 1 if failed or failures else 0


DEMO_DIR = db.PROJECT_ROOT / "data" / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DEMO_BRANDS, write_demo_exports

    if args.write_exports:
        for path in write_demo_exports(DEMO_DIR):
            print(f"wrote {path.relative_to(db.PROJECT_ROOT)}")
    path = db.resolve_db_path(args.db)
    if path.exists():
        if not args.replace:
            _error(f"{path} already exists; add --replace to rebuild it from the demo exports")
            return 1
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    files = sorted(DEMO_DIR.glob("*.csv"))
    if not files:
        _error(f"no demo exports in {DEMO_DIR}; run `radar demo --write-exports`")
        return 1
    con = db.connect(path)
    results = ingest_files(con, files, brands=DEMO_BRANDS)
    for result in results:
        if result.error:
            _error(result.error)
            return 1
        report = result.report
        print(f"{report.file_name}: {report.rows_loaded:,} posts ({report.format})")
    posts = db.scalar(con, "SELECT count(*) FROM posts")
    print(f"demo database ready: {path} ({posts:,} posts)")
    con.close()
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    rows = describe_formats()
    if args.markdown:
        print("| format | what | identified by |")
        print("|---|---|---|")
        for row in rows:
            print(f"| `{row.name}` | {row.description} | {row.identified_by} |")
        return 0
    for row in rows:
        print(f"{row.name}\n  {row.description}\n  identified by: {row.identified_by}")
        if args.verbose:
            print(f"  columns: {row.columns}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    con = _open(args, read_only=True)
    path = db.resolve_db_path(args.db)
    counts = db.first_row(con, """
        SELECT (SELECT count(*) FROM posts), (SELECT count(DISTINCT thread_id) FROM posts),
               (SELECT count(*) FROM posts WHERE is_brand), (SELECT count(*) FROM brands),
               (SELECT count(*) FROM quarantine), (SELECT count(*) FROM imports),
               (SELECT min(created_at) FROM posts), (SELECT max(created_at) FROM posts)""")
    posts, threads, brand_posts, brands, quarantined, imports, first, last = counts
    print(f"database   {path}")
    print(f"posts      {posts:,} in {threads:,} threads ({brand_posts:,} by brand accounts)")
    if first:
        print(f"period     {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC")
    print(f"brands     {brands:,} accounts")
    print(f"quarantine {quarantined:,} rows")
    for platform, count in con.execute(
            "SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC, 1").fetchall():
        print(f"  {platform:<12} {count:,} posts")
    if not facts_are_current(con):
        print("note: the facts are older than the last import; run `radar ingest` again or rebuild")
    print(f"imports    {imports:,} (latest first)")
    latest = con.execute("""
        SELECT import_id, imported_at, file_name, format, rows_read, rows_loaded, rows_duplicate, rows_quarantined
        FROM imports ORDER BY import_id DESC LIMIT ?""", [args.limit]).fetchall()
    for import_id, at, name, fmt, read, loaded, dup, quar in latest:
        print(f"  {import_id}  {at:%Y-%m-%d %H:%M}  {name}  [{fmt}]  read {read:,}, loaded {loaded:,}, "
              f"duplicate {dup:,}, quarantined {quar:,}")
    con.close()
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    con = _open(args)
    count = build_posts(con)
    print(f"rebuilt the facts: {count:,} posts")
    con.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radar", description="Reputation Radar: load social media exports into one DuckDB database.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = "database file (default: $RADAR_DB, else data/radar.duckdb)"

    p = sub.add_parser("ingest", help="load export files and print an import report per file",
                       description="Load CSV exports. Each file lands whole or not at all; a file that "
                                   "fails does not stop the others.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help=db_help)
    p.add_argument("--format", choices=sorted(FORMATS_BY_NAME), help="force a format instead of detecting it")
    p.add_argument("--brand", action="append", default=[], metavar="HANDLE",
                   help="a brand account handle (repeatable); stored and reused by later imports")
    p.add_argument("--tz", default=os.environ.get("RADAR_TZ", "UTC"), metavar="ZONE",
                   help="time zone of timestamps written without an offset (default: $RADAR_TZ, else UTC)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("demo", help="build the demo database from data/demo/",
                       description="Build the demo database from the exports in data/demo/ through the "
                                   "same ingest path as `radar ingest`.")
    p.add_argument("--db", help=db_help)
    p.add_argument("--replace", action="store_true", help="delete and rebuild the database if it exists")
    p.add_argument("--write-exports", action="store_true",
                   help="first regenerate the demo exports with the seeded generator")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("formats", help="list the supported export formats",
                       description="List the export layouts and the columns that identify each.")
    p.add_argument("--verbose", "-v", action="store_true", help="also show each column mapping")
    p.add_argument("--markdown", action="store_true", help="print the README table")
    p.set_defaults(func=cmd_formats)

    p = sub.add_parser("status", help="row counts and the latest imports",
                       description="Show row counts, brands, quarantine and the latest imports.")
    p.add_argument("--db", help=db_help)
    p.add_argument("--limit", type=int, default=10, help="how many imports to list (default 10)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("rebuild", help="rebuild threads and brands from the staged posts",
                       description="Rebuild fct_posts (threads, brand accounts) from the staged posts.")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_rebuild)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except db.DatabaseError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted; the file being imported was not stored")
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("RADAR_DEBUG"):
            raise
        _error(f"unexpected {type(exc).__name__}: {exc} (set RADAR_DEBUG=1 to see where)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
