"""The ``radar`` command (also ``python -m pipeline``): ingest exports, analytics, crises, settings, status.

Exit status: 0 when everything asked for was done, 1 when a file or the database could not be used
(one line on stderr says which and why), 2 for a usage error, 3 when ``radar crises --fail-on N`` finds a
crisis of severity N or more (so a scheduled import can raise an alert).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from pipeline.analytics import analytics_are_current, update_analytics
from pipeline.core import db
from pipeline.core.access import command_line_actor
from pipeline.core.settings import SENSITIVITY, WEEKDAYS, load_settings, save_settings
from pipeline.core.text import plain_records
from pipeline.ingest import (
    FORMATS_BY_NAME,
    MAPPABLE_COLUMNS,
    IngestError,
    check_regular_file,
    check_time_zone,
    custom_formats,
    describe_formats,
    forget_custom_format,
    ingest_files,
)
from pipeline.normalize import build_posts, facts_are_current

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
        line = (
            f"  reading {Path(name).name}: {percent:3d}% ({done / 1e6:,.0f} of {total / 1e6:,.0f} MB, {elapsed:.0f} s)"
        )
        if self.live:
            self.stream.write("\r" + line + ("\n" if percent >= 100 else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _error(message: str) -> None:
    print(f"radar: error: {message}", file=sys.stderr)


DEFAULT_WAIT_SECONDS = 120


def _open(args: argparse.Namespace, *, read_only: bool = False, existing: bool = False):
    """Open the database; while another process holds it (the dashboard between page views, an import),
    wait up to ``--wait`` seconds (default ``$RADAR_WAIT``, else 120) and say so once. ``existing``: a
    command that changes what is stored never creates a database (a mistyped --db is an error)."""
    if existing and not db.resolve_db_path(args.db).exists():
        raise db.DatabaseError(
            f"{db.resolve_db_path(args.db)}: no database yet; build one with `radar demo` or `radar ingest FILE`"
        )
    wait = getattr(args, "wait", None)
    if wait is None:
        wait = float(os.environ.get("RADAR_WAIT", DEFAULT_WAIT_SECONDS))

    def waiting() -> None:
        print(
            f"radar: the database is in use by another process; waiting up to {wait:.0f} s for it "
            "(the dashboard lets go between page views)",
            file=sys.stderr,
            flush=True,
        )

    return db.connect(args.db, read_only=read_only, wait=wait, on_wait=waiting)


def _parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["text=Message", ...]`` -> ``{"text": "Message"}``; raises ValueError saying what is wrong."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, header = pair.partition("=")
        column, header = column.strip(), header.strip()
        if not sep or not column or not header:
            raise ValueError(f"--map {pair!r}: write COLUMN=HEADER, e.g. --map text=Message")
        if column not in MAPPABLE_COLUMNS:
            raise ValueError(
                f"--map {pair!r}: {column!r} is not a posts column; use one of {', '.join(MAPPABLE_COLUMNS)}"
            )
        if column in mapping:
            raise ValueError(f"--map names {column!r} twice")
        mapping[column] = header
    return mapping


def cmd_ingest(args: argparse.Namespace) -> int:
    try:
        time_zone = check_time_zone(args.tz)
        mapping = _parse_mapping(args.map)
    except ValueError as exc:
        _error(str(exc))
        return 2
    if args.save_as and not mapping:
        _error("--save-as names the custom format a --map makes; give the --map options too")
        return 2
    if mapping and args.format:
        _error("use either --format or --map, not both")
        return 2
    files, refused = [], 0
    for name in args.files:  # before the database is opened: a FIFO would block the import holding its lock
        try:
            check_regular_file(name)
            files.append(name)
        except IngestError as exc:
            _error(f"{exc} (nothing from this file was stored)")
            refused += 1
    if not files and not args.brand:
        return 1
    con = _open(args)
    started = time.perf_counter()
    results = ingest_files(
        con,
        files,
        forced_format=args.format,
        time_zone=time_zone,
        brands=args.brand,
        mapping=mapping or None,
        format_name=args.save_as,
        progress=_Progress(),
        build_facts=False,
    )
    seconds = time.perf_counter() - started
    failed = 0
    for result in results:
        if result.report:
            print("\n".join(result.report.lines()))
        else:
            failed += 1
            _error(f"{result.error} (nothing from this file was stored)")
    reports = [result.report for result in results if result.report]
    if reports:
        rows = sum(report.rows_read for report in reports)
        print(
            f"import: {rows:,} rows in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s; read by "
            f"{', '.join(sorted({report.read_by for report in reports}))})"
        )
    since = None
    if reports or args.brand:
        try:
            analytics = update_analytics(con)
        except (duckdb.Error, OSError) as exc:
            stored = ", ".join(f"{report.file_name} ({report.import_id})" for report in reports) or "the brands"
            _error(
                f"stored: {stored}; but the analytics could not be brought up to date "
                f"({str(exc).splitlines()[0]}); the dashboard shows the earlier figures until you fix the "
                "cause (free disk space, say) and run `radar recompute`"
            )
            con.close()
            return 1
        print("\n".join(analytics.lines()))
        since = analytics.changed_since
    failures = db.check_quality(con, since=since)
    for failure in failures:
        _error(f"data-quality check failed: {failure}")
    con.close()
    if len(args.files) > 1:
        print(f"{len(results) - failed} of {len(args.files)} files imported")
    return 1 if failed or refused or failures else 0


DEMO_DIR = db.PROJECT_ROOT / "data" / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo import DEMO_BRANDS, write_demo_exports

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
    import tempfile

    from pipeline.core.brands import add_brand, set_role
    from pipeline.demo import DEMO_COMPETITORS, DEMO_SETTINGS, demo_slices, write_demo_log, write_demo_slices

    con = db.connect(path)
    save_settings(con, DEMO_SETTINGS)
    for name, handles, names in DEMO_COMPETITORS:
        add_brand(con, name, handles=handles, names=names, role="competitor", source="demo: a competitor")
    loaded: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="radar-demo-") as folder:
        # the exports as they would have arrived (see pipeline.demo): alerts are judged at each arrival
        for written in write_demo_slices(Path(folder), demo_slices()):
            files = [f for f in written if _has_rows(f)]
            for result in ingest_files(con, files, brands=DEMO_BRANDS, build_facts=False):
                if result.error or result.report is None:
                    _error(result.error or f"{result.path}: not loaded")
                    return 1
                loaded[result.report.format] = loaded.get(result.report.format, 0) + result.report.rows_loaded
            for brand in DEMO_BRANDS:
                set_role(con, brand, "ours")
            update_analytics(con, replay=True)
    for fmt, rows in loaded.items():
        print(f"{fmt}: {rows:,} posts")
    write_demo_log(con)
    alerts = db.scalar(con, "SELECT count(*) FROM alerts")
    posts = db.scalar(con, "SELECT count(*) FROM posts")
    print(
        f"demo database ready: {path} ({posts:,} posts, {len(demo_slices())} scheduled exports replayed, "
        f"{alerts:,} alerts recorded)"
    )
    con.close()
    return 0


def _has_rows(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in zip(range(2), handle)) > 1


def cmd_formats(args: argparse.Namespace) -> int:
    saved = []
    if args.forget:
        with _open(args) as con:
            if not forget_custom_format(con, args.forget):
                _error(f"no custom format {args.forget!r}; `radar formats` lists them")
                return 1
        print(f"forgot the custom format {args.forget!r}")
        return 0
    if not args.markdown and db.resolve_db_path(args.db).exists():
        with _open(args, read_only=True) as con:
            saved = custom_formats(con)
    rows = describe_formats(saved)
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


def cmd_export_parquet(args: argparse.Namespace) -> int:
    from pipeline.read.export_parquet import export_parquet

    con = _open(args, read_only=True)
    try:
        counts = export_parquet(con, args.folder)
    except (OSError, duckdb.Error) as exc:  # a folder we may not create, a disk that is full
        _error(f"{args.folder}: cannot write there: {getattr(exc, 'strerror', None) or exc}")
        return 1
    finally:
        con.close()
    for table, rows in counts.items():
        print(f"{table:<14} {rows:>12,} rows")
    print(f"written to {args.folder} (Parquet, partitioned by month where the table has a time; see manifest.json)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    con = _open(args, read_only=True)
    path = db.resolve_db_path(args.db)
    counts = db.one_row(
        con,
        """
        SELECT (SELECT count(*) FROM posts), (SELECT count(DISTINCT thread_id) FROM posts),
               (SELECT count(*) FROM posts WHERE is_brand), (SELECT count(*) FROM brands),
               (SELECT count(*) FROM quarantine), (SELECT count(*) FROM imports),
               (SELECT min(created_at) FROM posts), (SELECT max(created_at) FROM posts)""",
    )
    posts, threads, brand_posts, brands, quarantined, imports, first, last = counts
    print(f"database   {path}")
    print(f"posts      {posts:,} in {threads:,} threads ({brand_posts:,} by brand accounts)")
    if first:
        print(f"period     {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC")
    print(f"brands     {brands:,} accounts")
    print(f"quarantine {quarantined:,} rows")
    for platform, count in con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC, 1").fetchall():
        print(f"  {platform:<12} {count:,} posts")
    if not facts_are_current(con) or not analytics_are_current(con):
        print("note: the analytics are older than the data or the settings; run `radar recompute`")
    _print_sentiment_sources(con)
    print(f"imports    {imports:,} (latest first)")
    latest = con.execute(
        """
        SELECT import_id, imported_at, file_name, format, rows_read, rows_loaded, rows_duplicate, rows_quarantined
        FROM imports ORDER BY import_id DESC LIMIT ?""",
        [args.limit],
    ).fetchall()
    for import_id, at, name, fmt, read, loaded, dup, quar in latest:
        print(
            f"  {import_id}  {at:%Y-%m-%d %H:%M}  {name}  [{fmt}]  read {read:,}, loaded {loaded:,}, "
            f"duplicate {dup:,}, quarantined {quar:,}"
        )
    con.close()
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    con = _open(args)
    count = build_posts(con, whole=True)
    print(f"rebuilt the facts: {count:,} posts")
    con.close()
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    con = _open(args)
    build_posts(con, whole=True)
    print("\n".join(update_analytics(con, rescore=args.rescore, whole=True).lines()))
    con.close()
    return 0


def _crisis_lines(crisis: dict, phases: list[dict], moves: list[dict]) -> list[str]:
    first = crisis["minutes_to_first_response"]
    answered = crisis["share_answered"]
    lines = [
        f"{crisis['crisis_id']}  severity {crisis['severity']} ({crisis['severity_name']})  {crisis['brand']}",
        f"  {crisis['started_at']:%Y-%m-%d %H:%M} to "
        + (
            f"{crisis['ended_at']:%Y-%m-%d %H:%M} UTC"
            if crisis["ended_at"]
            else "an unknown end (still hot when the data ends)"
        )
        + f", peak {crisis['peak_at']:%Y-%m-%d %H:%M} (z {crisis['peak_z']:.1f}); "
        + (
            f"back to baseline {crisis['back_to_baseline_at']:%Y-%m-%d %H:%M}"
            if crisis["back_to_baseline_at"]
            else f"open: not back to baseline when the data ends ({crisis['data_end_at']:%Y-%m-%d %H:%M})"
            if crisis.get("data_end_at")
            else "open: not back to baseline when the data ends"
        ),
        f"  {crisis['posts']:,} posts, {crisis['negative_posts']:,} negative, {crisis['authors']:,} authors; "
        + (
            "replies not in the data: responses cannot be measured"
            if crisis.get("replies_in_data") is False
            else f"first brand response after {first / 60:.1f} h"
            if first is not None
            else "no brand response"
        )
        + (f", {100 * answered:.0f}% of {crisis['complaints']:,} complaints answered" if answered is not None else ""),
        "  why: " + "; ".join(crisis["severity_reasons"]),
        "  phases: " + ", ".join(f"{p['phase']} {p['started_at']:%m-%d %H:%M}" for p in phases),
        "  playbook: " + (", ".join(f"{m['move']} {m['first_at']:%m-%d %H:%M}" for m in moves) or "no moves"),
        "  top terms: " + ", ".join(crisis["top_terms"]),
    ]
    return lines


def cmd_crises(args: argparse.Namespace) -> int:
    con = _open(args, read_only=True)
    if not analytics_are_current(con):
        _error("the analytics are older than the data or the settings; run `radar recompute` first")
        return 1
    where, params = "TRUE", []
    if args.brand:
        from pipeline.core.brands import find_brand

        where, params = "brand = ?", [find_brand(con, args.brand) or args.brand]
    crises = con.execute(f"SELECT * FROM crises WHERE {where} ORDER BY severity DESC, started_at", params).df()
    phases = con.execute("SELECT * FROM crisis_phases ORDER BY started_at").df()
    moves = con.execute("SELECT * FROM crisis_moves ORDER BY first_at").df()
    con.close()
    records = []
    for crisis in plain_records(crises):
        cid = crisis["crisis_id"]
        records.append(
            (
                crisis,
                phases[phases.crisis_id == cid].to_dict("records"),
                moves[moves.crisis_id == cid].to_dict("records"),
            )
        )
    if args.json:
        print(json.dumps([{**c, "phases": p, "moves": m} for c, p, m in records], default=_json_value, indent=2))
    elif not records:
        print("no crises detected")
    else:
        for crisis, crisis_phases, crisis_moves in records:
            print("\n".join(_crisis_lines(crisis, crisis_phases, crisis_moves)))
    if args.fail_on is not None:
        worst = max((c["severity"] for c, _, _ in records), default=0)
        if worst >= args.fail_on:
            print(f"radar: alert: a crisis of severity {worst} (>= {args.fail_on})", file=sys.stderr)
            return 3
    return 0


def _json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def cmd_settings(args: argparse.Namespace) -> int:
    con = _open(args)
    settings = load_settings(con)
    changes = {}
    if args.tz:
        changes["business_time_zone"] = args.tz
    if args.hours:
        start, _, end = args.hours.partition("-")
        changes["business_start"], changes["business_end"] = start.strip(), end.strip()
    if args.days:
        changes["business_days"] = tuple(day.strip().lower()[:3] for day in args.days.split(",") if day.strip())
    if args.holiday is not None:
        changes["holidays"] = tuple(sorted(set(args.holiday)))
    if args.sla is not None:
        changes["sla_minutes"] = args.sla
    if args.sensitivity:
        changes["sensitivity"] = args.sensitivity
    if changes:
        try:
            settings = settings.updated(**changes)
        except ValueError as exc:
            _error(str(exc))
            return 2
        save_settings(con, settings)
        print("\n".join(update_analytics(con, settings).lines()))
    print(
        f"business hours  {', '.join(settings.business_days)} {settings.business_start}-{settings.business_end} "
        f"({settings.business_time_zone})"
    )
    print(f"holidays        {', '.join(settings.holidays) or 'none'}")
    print(f"SLA             {settings.sla_minutes} minutes")
    detector = settings.detector
    print(
        f"sensitivity     {settings.sensitivity}: z >= {detector.z}, negative share +{detector.share_points:.2f}, "
        f">= {detector.min_negative} negative posts in 3 h, >= {detector.min_hours} hot hours, "
        f"resolved after {detector.resolve_hours} h within baseline"
    )
    con.close()
    return 0


def _print_sentiment_sources(con) -> None:
    from pipeline.read.queries import scoring_lines

    lines = scoring_lines(con)
    print(f"sentiment  {lines[0]}")
    for line in lines[1:]:
        print(f"  {line}")


def cmd_sentiment(args: argparse.Namespace) -> int:
    if args.action == "retrain":
        con = _open(args)
        db.set_meta(con, "adapters_stale", "1")  # retrained by the analytics, after any rescoring of the base
        print("\n".join(update_analytics(con).lines()))
    else:
        con = _open(args, read_only=True)
    _print_sentiment_sources(con)
    con.close()
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from pipeline.enrich import set_sentiment_override

    con = _open(args)
    platform = args.platform or db.scalar(con, "SELECT min(platform) FROM stg_posts WHERE post_id = ?", [args.post_id])
    if platform is None:
        _error(f"no post {args.post_id!r} in {db.resolve_db_path(args.db)}")
        return 1
    label = None if args.label == "clear" else args.label
    try:
        set_sentiment_override(con, platform, args.post_id, label, args.note or "")
    except ValueError as exc:
        _error(str(exc))
        return 1
    print(f"{platform}:{args.post_id} " + (f"labelled {label}" if label else "correction removed"))
    print("\n".join(update_analytics(con).lines()))
    con.close()
    return 0


def cmd_brands(args: argparse.Namespace) -> int:
    from pipeline.core.brands import (
        ROLE_NAMES,
        BrandError,
        add_brand,
        merge_brands,
        remove_brand,
        rename_brand,
        set_role,
        suggest_brands,
        suggest_merges,
    )
    from pipeline.read.queries import brand_accounts

    if args.action == "list":
        if args.names or args.handle or args.alias or args.role:
            _error("`radar brands` (list) takes no names; to add one: `radar brands add NAME`")
            return 1
        con = _open(args, read_only=True)
        brands = brand_accounts(con)
        suggested = suggest_brands(con)
        merges = suggest_merges(con)
        con.close()
        if brands.empty:
            print("no brands yet: an export that holds a brand's replies adds it, or `radar brands add NAME`")
        for row in brands.itertuples(index=False):
            aliases = ", ".join([*(f"@{h}" for h in row.handles), *(f'"{n}"' for n in row.names)])
            role = f"{ROLE_NAMES[row.role]}, " if isinstance(row.role, str) else ""
            print(f"{row.brand}  {row.posts:,} posts  ({role}{aliases or 'no aliases'}; {row.source})")
        if not brands.empty and not brands["role"].notna().any():
            print(
                "no brand is marked as ours yet: `radar brands role BRAND ours` (and `... competitor` for the "
                "others) makes the weekly report compare them"
            )
        if suggested:
            print(
                "often mentioned, not a brand yet: "
                + ", ".join(f"@{handle} ({posts:,} posts)" for handle, posts in suggested)
            )
        for named, other, posts in merges:
            print(
                f"perhaps one brand: {posts:,} posts the export says are about {named!r} @mention {other!r} "
                f"(`radar brands merge {other!r} {named!r}`)"
            )
        return 0
    names = args.names
    if args.action != "add" and (args.handle or args.alias or args.role):
        _error(f"--handle, --alias and --role go with `radar brands add`, not with {args.action}")
        return 1
    needed = {"add": 1, "merge": 2, "rename": 2, "remove": 1, "role": 2}[args.action]
    if len(names) < needed or (args.action in ("rename", "remove", "role") and len(names) != needed):
        _error(
            f"`radar brands {args.action}` needs {'exactly ' if args.action in ('rename', 'remove', 'role') else ''}"
            f"{needed} name{'s' if needed > 1 else ''} (see `radar brands --help`)"
            + (": `radar brands role BRAND ours|competitor|unset`" if args.action == "role" else "")
        )
        return 1
    con = _open(args, existing=True)
    try:
        con.execute("BEGIN TRANSACTION")
        if args.action == "add":
            change = add_brand(con, " ".join(names), handles=args.handle, names=args.alias, role=args.role)
        elif args.action == "role":
            change = set_role(con, names[0], names[1])
            con.execute("COMMIT")
            print(change.message)
            con.close()
            return 0
        elif args.action == "merge":
            change = merge_brands(con, names[0], names[1:])
        elif args.action == "rename":
            change = rename_brand(con, names[0], names[1])
        else:
            change = remove_brand(con, names[0])
        con.execute("COMMIT")
    except BrandError as exc:
        db.rollback(con)
        _error(str(exc))
        return 1
    print(change.message)
    if change.changed:
        print("\n".join(update_analytics(con).lines()))
    con.close()
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    from pipeline.enrich import set_export_labels
    from pipeline.read.queries import label_sources

    if args.prefer is None:
        con = _open(args, read_only=True)
        sources = label_sources(con)
        con.close()
        if args.import_id is not None:
            sources = sources[sources["import_id"] == args.import_id]
        if args.format is not None:
            sources = sources[sources["format"] == args.format]
        if sources.empty:
            print("no imports" + (" match" if args.import_id or args.format else " yet"))
        for row in sources.itertuples(index=False):
            used = "the export's labels" if row.use_export_labels else "Radar's score"
            if not row.labelled_posts:
                used = "Radar's score (the export has no labels)"
            print(
                f"{row.import_id}  {row.file_name}  ({row.format}): {row.labelled_posts:,} posts with the "
                f"export's own label; shown: {used}"
            )
        return 0
    con = _open(args, existing=True)
    try:
        changed = set_export_labels(con, args.prefer == "export", import_id=args.import_id, format_name=args.format)
    except ValueError as exc:
        _error(str(exc))
        return 1
    shown = "the export's labels" if args.prefer == "export" else "Radar's score"
    print(f"{changed:,} import(s) changed; they show {shown}")
    if changed:
        print("\n".join(update_analytics(con).lines()))
    con.close()
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from pipeline.monitor.plan import (
        PlanError,
        describe,
        load_plan,
        masked,
        plan_changed_at,
        reset_plan,
        save_plan,
        set_path,
    )

    if args.action == "show":
        if db.resolve_db_path(args.db).exists():
            with _open(args, read_only=True) as con:
                plan, changed = load_plan(con), plan_changed_at(con)
        else:
            from pipeline.monitor.plan import default_plan

            plan, changed = default_plan(), None
        if args.json:
            print(json.dumps(masked(plan) if not args.unmasked else plan, indent=2, sort_keys=True))
        else:
            print(f"escalation plan ({f'changed {changed}' if changed else 'the default'})")
            print("\n".join(describe(plan)))
        return 0
    con = _open(args, existing=True)
    try:
        if args.action == "reset":
            if args.changes:
                _error("reset takes no PATH=VALUE; it puts back the default plan")
                return 2
            reset_plan(con)
            print("the escalation plan is the default again")
            return 0
        if not args.changes:
            _error("set needs a plan file (FILE.json) or PATH=VALUE changes, e.g. levels.3.first_response_minutes=20")
            return 2
        plan = load_plan(con)
        for change in args.changes:
            if change.endswith(".json") and "=" not in change:
                try:
                    plan = json.loads(Path(change).read_text(encoding="utf-8"))
                    if not isinstance(plan, dict) or not {"levels", "roles", "channels"} <= set(plan):
                        _error(
                            f"{change}: a plan file holds a whole plan, with levels, roles and channels (as "
                            "`radar plan show --json --unmasked` prints it); change parts with PATH=VALUE"
                        )
                        return 2
                except OSError as exc:
                    _error(f"{change}: cannot be read: {exc.strerror or exc}")
                    return 1
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    _error(f"{change}: not a JSON plan ({exc})")
                    return 1
            else:
                plan = set_path(plan, change)
        save_plan(con, plan)
    except PlanError as exc:
        _error(f"plan not changed: {exc}")
        return 2
    finally:
        con.close()
    print("escalation plan saved")
    return 0


def cmd_themes(args: argparse.Namespace) -> int:
    from pipeline.metrics.themes import ThemeError, default_themes, load_themes, parse_themes, reset_themes, save_themes

    if args.action in ("list", "show"):
        if args.file:
            _error(f"`radar themes {args.action}` takes no file; `radar themes set FILE.json` loads one")
            return 2
        exists = db.resolve_db_path(args.db).exists()
        con = _open(args, read_only=True) if exists else None
        try:
            themes = load_themes(con) if con else default_themes()
            counts = (
                dict(con.execute("SELECT theme, count(*) FROM fct_post_themes GROUP BY 1").fetchall()) if con else {}
            )
            customer = db.scalar(con, "SELECT count(*) FROM fct_posts WHERE NOT is_brand") if con else 0
        except ThemeError as exc:
            _error(f"the stored themes are not valid: {exc}; `radar themes reset` puts back the default")
            return 1
        finally:
            if con:
                con.close()
        if args.action == "show":
            print(json.dumps(themes, ensure_ascii=False, indent=2))
            return 0
        for theme in themes:
            words = len(theme["any"]) + len(theme["phrases"]) + sum(map(len, theme["all"]))
            tagged = counts.get(theme["name"], 0)
            share = f" ({tagged / customer:.0%} of customer posts)" if customer else ""
            print(
                f"{theme['name']}: {tagged:,} posts{share}; {words} keywords"
                + (
                    f", {len(theme['exclude'])} exclusion{'s' if len(theme['exclude']) != 1 else ''}"
                    if theme["exclude"]
                    else ""
                )
            )
        print(
            "`radar themes show > themes.json` writes them as JSON to edit; `radar themes set themes.json` "
            "loads them back"
        )
        return 0
    con = _open(args, existing=True)
    try:
        con.execute("BEGIN TRANSACTION")
        if args.action == "reset":
            themes = reset_themes(con)
        else:
            if not args.file:
                _error("`radar themes set` needs a JSON file (as `radar themes show` prints it)")
                db.rollback(con)
                return 2
            try:
                text = Path(args.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                _error(f"{args.file}: cannot be read: {getattr(exc, 'strerror', None) or exc}")
                db.rollback(con)
                return 1
            themes = save_themes(con, parse_themes(text, args.file))
        con.execute("COMMIT")
    except ThemeError as exc:
        db.rollback(con)
        _error(f"themes not changed: {exc}")
        return 2
    finally:
        con.close()
    print(f"{len(themes)} themes saved; every customer post tagged again")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from pipeline.watch import Watcher

    if (
        not 0 < args.interval <= 86400
        or not 0 <= args.settle <= 3600
        or (args.wait is not None and not 0 <= args.wait <= 86400)
    ):
        _error("--interval must be 0 < SECONDS <= 86400, --settle 0 to 3600 and --wait 0 to 86400")
        return 2
    if not Path(args.folder).is_dir():
        _error(
            f"{args.folder}: "
            + (
                "not a folder: watch the folder the exports land in"
                if Path(args.folder).exists()
                else "no such folder to watch"
            )
        )
        return 1
    wait = args.wait if args.wait is not None else float(os.environ.get("RADAR_WAIT", DEFAULT_WAIT_SECONDS))
    watcher = Watcher(
        args.folder,
        args.db,
        interval=args.interval,
        settle=args.settle,
        replay=args.replay,
        wait=wait,
        log=lambda line: print(line, flush=True),
    )
    if not args.once:
        print(f"radar watch: watching {args.folder} every {args.interval:g} s (Ctrl-C stops)", flush=True)
    return watcher.run(once=args.once)


def cmd_audit(args: argparse.Namespace) -> int:
    from pipeline.read.queries import recent_changes

    if args.limit < 1:
        _error("--limit must be 1 or more")
        return 2
    with _open(args, read_only=True, existing=True) as con:
        records = plain_records(recent_changes(con, args.limit))
    if args.json:
        print(json.dumps(records, default=_json_value, indent=2))
    elif not records:
        print("no changes recorded yet")
    for change in [] if args.json else records:
        print(
            f"{change['changed_at']:%Y-%m-%d %H:%M} UTC  {change['changed_by']}  {change['action']}"
            + (f": {change['detail']}" if change["detail"] else "")
        )
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from pipeline.monitor.alerts import STATE_WORDS, alert_log

    if args.limit < 1:
        _error("--limit must be 1 or more")
        return 2
    with _open(args, read_only=True, existing=True) as con:
        log = alert_log(con, crisis_id=args.crisis, limit=args.limit)
    records = plain_records(log)
    if args.json:
        print(json.dumps(records, default=_json_value, indent=2))
        return 0
    if not records:
        print("no alerts yet")
        return 0
    for alert in records:
        sent = f", sent {alert['sent_at']:%Y-%m-%d %H:%M}" if alert["sent_at"] else ""
        ack = (
            f", acknowledged by {alert['acknowledged_by']} {alert['acknowledged_at']:%Y-%m-%d %H:%M}"
            if alert["acknowledged_at"]
            else ""
        )
        replayed = abs((alert["raised_at"] - alert["as_of"]).total_seconds()) > 3600
        print(
            f"{alert['raised_at']:%Y-%m-%d %H:%M}  {alert['subject']}"
            + (f"  (judged on the data up to {alert['as_of']:%Y-%m-%d %H:%M})" if replayed else "")
        )
        print(f"    {STATE_WORDS.get(alert['state'], alert['state'])}")
        print(
            f"    to {alert['roles'] or 'nobody'}"
            + (f" via {alert['channels']}" if alert["channels"] else "")
            + sent
            + ack
        )
    return 0


def cmd_alert_test(args: argparse.Namespace) -> int:
    from pipeline.monitor.notify import DeliveryError, send_test
    from pipeline.monitor.plan import default_plan, load_plan

    if db.resolve_db_path(args.db).exists():
        with _open(args, read_only=True) as con:
            plan = load_plan(con)
    else:
        plan = default_plan()
    try:
        send_test(plan, args.channel)
    except DeliveryError as exc:
        _error(f"{args.channel}: the test message was not delivered: {exc}")
        return 1
    print(f"test message delivered to {args.channel}")
    return 0


def cmd_crisis_log(args: argparse.Namespace) -> int:
    from pipeline.monitor.alerts import ack_crisis, crisis_log, log_decision

    if args.note is not None and not args.ack:
        _error("--note goes with --ack")
        return 2
    if args.decision is not None and not args.decision.strip():
        _error("--decision: write the decision")
        return 2
    con = _open(args, existing=True)
    try:
        if not db.scalar(con, "SELECT count(*) FROM fct_crises WHERE crisis_id = ?", [args.crisis_id]):
            raise ValueError(f"there is no crisis {args.crisis_id!r}; `radar crises` lists them")
        if args.ack:
            by = args.by if args.by is not None else command_line_actor()
            ack_crisis(con, args.crisis_id, by, args.note)
            print(f"{args.crisis_id}: acknowledged by {' '.join(by.split())}")
        if args.decision is not None:
            log_decision(con, args.crisis_id, args.by if args.by is not None else command_line_actor(), args.decision)
            print(f"{args.crisis_id}: decision logged")
        for at, kind, by, entry in crisis_log(con, args.crisis_id).itertuples(index=False):
            print(f"{at:%Y-%m-%d %H:%M} UTC  {kind:<12}  {by}" + (f": {entry}" if entry else ""))
    except ValueError as exc:
        _error(str(exc))
        return 1
    finally:
        con.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.core.brands import find_brand
    from pipeline.read.queries import PostFilter
    from pipeline.read.reports import ReportError, crisis_report, report_format, weekly_report, write_report

    sending = getattr(args, "send", False)
    if not args.out and not sending:
        _error("say where to write the report with --out FILE.html or FILE.pdf (or send it with --send)")
        return 2
    try:
        if args.out:
            report_format(args.out)
    except ReportError as exc:
        _error(str(exc))
        return 2
    con = _open(args, read_only=True)
    plan = None
    try:
        if args.kind == "weekly":
            from pipeline.monitor.plan import load_plan
            from pipeline.read.queries import parse_iso_week, report_week

            week = parse_iso_week(args.week) if args.week else report_week(con)
            if week is None:
                _error(f"{db.resolve_db_path(args.db)} holds no posts; load exports with `radar ingest` first")
                return 1
            filters = PostFilter(
                brands=tuple(find_brand(con, b) or b for b in args.brand),
                platforms=tuple(args.platform),
                languages=tuple(args.lang),
            )
            report = weekly_report(con, week, filters)
            if sending:
                plan = load_plan(con)
        else:
            report = crisis_report(con, args.crisis_id)
        if args.out:
            path = write_report(report, args.out)
            print(f"{report.title}: wrote {path} ({path.stat().st_size / 1024:,.0f} KB)")
    except (ReportError, ValueError) as exc:
        _error(str(exc))
        return 1
    finally:
        con.close()
    if not sending or plan is None:
        return 0
    return _send_weekly(report, plan)


def _send_weekly(report, plan: dict) -> int:
    from pipeline.monitor.notify import send_report
    from pipeline.monitor.plan import channels_of
    from pipeline.read.reports import ReportError, render

    if not channels_of(plan, plan["report_roles"]):
        _error(
            "not sent: the plan's report_roles (" + (", ".join(plan["report_roles"]) or "none") + ") have no "
            "channel; give one with `radar plan set 'roles.community manager=CHANNEL'` (see docs/monitoring.md)"
        )
        return 1
    try:
        attachment, filename = render(report, "pdf"), "weekly-report.pdf"
    except ReportError as exc:
        print(f"no PDF ({exc}); the report is attached as HTML instead")
        attachment, filename = render(report, "html"), "weekly-report.html"
    results = send_report(
        plan,
        subject=f"[Radar] {report.title}",
        summary=list(report.summary),
        attachment=attachment,
        filename=filename,
        link=plan["dashboard_url"].rstrip("/") + "/overview",
    )
    for channel, error in results:
        print(f"{channel}: {'sent' if error is None else 'NOT sent: ' + error}")
    return 0 if all(error is None for _, error in results) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radar", description="Reputation Radar: load social media exports into one DuckDB database."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = "database file (default: $RADAR_DB, else data/radar.duckdb)"

    p = sub.add_parser(
        "ingest",
        help="load export files and print an import report per file",
        description="Load CSV exports. Each file lands whole or not at all; a file that "
        "fails does not stop the others.",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help=db_help)
    p.add_argument(
        "--format",
        metavar="NAME",
        help=f"force a format instead of detecting it: {', '.join(sorted(FORMATS_BY_NAME))}, or a saved custom format",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=HEADER",
        help="read a layout no format knows: which header holds each posts column (repeatable; "
        "created_at and text are required), e.g. --map created_at=Date --map text=Message. "
        "Saved as a custom format that recognises the same headers next time",
    )
    p.add_argument(
        "--save-as", metavar="NAME", help="name of the custom format --map saves (default: custom_<file name>)"
    )
    p.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="how long to wait while another process holds the database (default: $RADAR_WAIT, "
        f"else {DEFAULT_WAIT_SECONDS})",
    )
    p.add_argument(
        "--brand",
        action="append",
        default=[],
        metavar="HANDLE",
        help="a brand account handle (repeatable); stored and reused by later imports",
    )
    p.add_argument(
        "--tz",
        default=os.environ.get("RADAR_TZ", "UTC"),
        metavar="ZONE",
        help="time zone of timestamps written without an offset (default: $RADAR_TZ, else UTC)",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "demo",
        help="build the demo database from data/demo/",
        description="Build the demo database from the exports in data/demo/ through the "
        "same ingest path as `radar ingest`.",
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--replace", action="store_true", help="delete and rebuild the database if it exists")
    p.add_argument(
        "--write-exports", action="store_true", help="first regenerate the demo exports with the seeded generator"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "formats",
        help="list the supported export formats",
        description="List the export layouts and the columns that identify each.",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="also show each column mapping")
    p.add_argument("--markdown", action="store_true", help="print the table of docs/formats.md (built-in formats)")
    p.add_argument("--db", help=db_help + "; its saved custom formats are listed first")
    p.add_argument("--forget", metavar="NAME", help="delete a saved custom format")
    p.set_defaults(func=cmd_formats)

    p = sub.add_parser(
        "status",
        help="row counts and the latest imports",
        description="Show row counts, brands, quarantine and the latest imports.",
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--limit", type=int, default=10, help="how many imports to list (default 10)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "export-parquet",
        help="write the public tables as Parquet, partitioned by month",
        description="Write posts, responses, threads, crises (partitioned by month) and the small "
        "tables as Parquet under FOLDER, for DuckDB, Spark, Polars, pandas or Trino.",
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_export_parquet)

    p = sub.add_parser(
        "rebuild",
        help="rebuild threads and brands from the staged posts",
        description="Rebuild fct_posts (threads, brand accounts) from the staged posts.",
    )
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser(
        "recompute",
        help="rebuild threads, sentiment and every analytics table",
        description="Rebuild the facts and all analytics (responses, hourly series, crises, "
        "playbook) with the current settings. Cached sentiment scores are reused "
        "unless --rescore is given.",
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--rescore", action="store_true", help="throw away cached sentiment scores and score again")
    p.set_defaults(func=cmd_recompute)

    p = sub.add_parser(
        "crises",
        help="list detected crises with severity, phases and first response",
        description="List the detected crises: severity and why, phases, first brand response, "
        "playbook moves and top terms.",
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--brand", metavar="BRAND", help="only this brand (its name or any of its handles)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--fail-on",
        type=int,
        choices=[1, 2, 3, 4],
        metavar="SEVERITY",
        help="exit with status 3 when a crisis of at least this severity (1-4) is present",
    )
    p.set_defaults(func=cmd_crises)

    p = sub.add_parser(
        "settings",
        help="show or change business hours, SLA and detector sensitivity",
        description="Show the analytics settings; with options, change them and recompute.",
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--tz", metavar="ZONE", help="time zone of the business hours, e.g. Europe/Madrid")
    p.add_argument("--hours", metavar="HH:MM-HH:MM", help="business hours, e.g. 09:00-17:00")
    p.add_argument("--days", metavar="DAYS", help=f"business days, comma-separated ({','.join(WEEKDAYS)})")
    p.add_argument(
        "--holiday", action="append", metavar="DATE", help="a holiday (YYYY-MM-DD, repeatable; replaces the list)"
    )
    p.add_argument("--sla", type=int, metavar="MINUTES", help="response-time target in minutes")
    p.add_argument("--sensitivity", choices=list(SENSITIVITY), help="crisis detector preset")
    p.set_defaults(func=cmd_settings)

    p = sub.add_parser(
        "label",
        help="correct the sentiment label of a post",
        description="Set a post's sentiment label by hand; the correction wins in every metric "
        "and survives re-imports. LABEL 'clear' removes it.",
    )
    p.add_argument("post_id", metavar="POST_ID")
    p.add_argument("label", choices=["negative", "neutral", "positive", "clear"], metavar="LABEL")
    p.add_argument("--platform", help="the post's platform when the id is not unique")
    p.add_argument("--note", help="why (kept with the correction)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_label)

    p = sub.add_parser(
        "brands",
        help="list, add, merge, rename or remove brands",
        description="Brands are the accounts the data shows acting as a brand, the brands an export "
        "names, and the ones added here; each has one name, handles (its accounts) and "
        "names people write. Changes recompute attribution and analytics. Examples: "
        "`radar brands add JetBlue --handle @JetBlue`, `radar brands merge American "
        'americanair`, `radar brands rename usairways "US Airways"`, '
        "`radar brands role lumohelp ours`, `radar brands add Kelvo --role competitor`.",
    )
    p.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=["list", "add", "merge", "rename", "remove", "role"],
        help="list (default); add NAME; merge KEEP OTHER...; rename BRAND NEW_NAME; remove BRAND; "
        "role BRAND ours|competitor|unset",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="brand names, or any of their handles")
    p.add_argument("--handle", action="append", default=[], help="with add: an account of the brand (repeatable)")
    p.add_argument(
        "--alias",
        action="append",
        default=[],
        help="with add: another name people write for the brand, matched as a whole word (repeatable)",
    )
    p.add_argument("--role", help="with add: ours or competitor")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_brands)

    p = sub.add_parser(
        "sentiment",
        help="how posts are scored: the English model, the rules, the adapters",
        description="Show how posts without a label of their own are scored: the shipped English "
        "model, the Spanish and Polish rules, and each language's adapter learned from "
        "this database's labels (export labels and corrections) with its cross-validated "
        "agreement. `retrain` trains every adapter again now (it is otherwise retrained "
        "when the labels changed by 5 %, at least 50 posts).",
    )
    p.add_argument("action", nargs="?", choices=["show", "retrain"], default="show")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_sentiment)

    p = sub.add_parser(
        "labels",
        help="show or choose whose sentiment labels an import shows",
        description="Imports that carry their own sentiment labels show them by default; "
        "--prefer radar shows Radar's score instead (for one import or every import "
        "of a format). People's corrections (`radar label`) win either way.",
    )
    p.add_argument("--prefer", choices=["export", "radar"], help="whose labels to show")
    p.add_argument("--import", dest="import_id", metavar="IMPORT_ID", help="one import, e.g. imp-000001")
    p.add_argument("--format", metavar="FORMAT", help="every import of this format, e.g. airline_sentiment")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_labels)

    p = sub.add_parser(
        "plan",
        help="show, set or reset the escalation plan (who is told, targets, moves)",
        description="The escalation plan: for each severity 1-4, the roles told and their channels, "
        "the response targets and the expected moves (see docs). `radar plan set` takes "
        "a whole plan as FILE.json or PATH=VALUE changes, e.g. "
        "levels.3.first_response_minutes=20, 'roles.care lead=ops-slack', "
        '\'channels.ops-slack={"type": "slack", "url": "https://hooks.slack.com/..."}\', '
        "smtp.host=mail.example.com.",
    )
    p.add_argument("action", nargs="?", default="show", choices=["show", "set", "reset"])
    p.add_argument("changes", nargs="*", metavar="CHANGE", help="with set: FILE.json or PATH=VALUE (repeatable)")
    p.add_argument("--json", action="store_true", help="with show: the plan as JSON (webhook addresses shortened)")
    p.add_argument("--unmasked", action="store_true", help="with show --json: webhook addresses in full")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser(
        "themes",
        help="list, show, set or reset the themes that tag what customers write about",
        description="Themes are named keyword rules (any word, all words of a group, a phrase, an "
        "exclusion) in English, Spanish and Polish; a post can have several. `radar themes "
        "show > themes.json` prints them as JSON, `radar themes set themes.json` loads an "
        "edited set (checked whole; every post is tagged again), `reset` puts back the "
        "shipped customer-care set.",
    )
    p.add_argument("action", nargs="?", default="list", choices=["list", "show", "set", "reset"])
    p.add_argument("file", nargs="?", metavar="FILE.json", help="with set: the theme set")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_themes)

    p = sub.add_parser(
        "watch",
        help="import new exports from a folder as they land, raise and send alerts",
        description="Import every new export that appears in FOLDER (files still being written and "
        "temporary names are left for later; the same content is never imported twice), "
        "bring the analytics up to date, evaluate the alert rules and deliver alerts. "
        "Runs until SIGINT/SIGTERM; --once does one pass (for cron or a systemd timer).",
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--interval", type=float, default=60, metavar="SECONDS", help="seconds between passes (60)")
    p.add_argument("--once", action="store_true", help="one pass, then exit (1 if a file failed)")
    p.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="a file must be unchanged this long before it is read (2)",
    )
    p.add_argument(
        "--replay",
        action="store_true",
        help="judge alerts as if the newest post in the data were now (replaying old exports)",
    )
    p.add_argument("--wait", type=float, metavar="SECONDS", help="how long to wait for the database each pass")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser(
        "alerts",
        help="list alerts with their state (pending, sent, retrying, acknowledged)",
        description="Every alert the rules raised, newest first: its state, who it was for, the "
        "channels and the acknowledgement. Recorded even when no channel is set up yet.",
    )
    p.add_argument("--json", action="store_true", help="as JSON, with each alert's text and numbers")
    p.add_argument("--crisis", metavar="CRISIS_ID", help="only the alerts of this crisis")
    p.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser(
        "audit",
        help="who changed what: imports, labels, brands, themes, settings, plan, acks",
        description="The changes people made, newest first, each with who made it: the signed-in "
        "person on the dashboard, or this computer's user on the command line.",
    )
    p.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    p.add_argument("--json", action="store_true", help="as JSON")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "alert-test",
        help="send a test message over one channel of the plan",
        description="Send a test message over CHANNEL (a channel of `radar plan show`); exit 1 "
        "with the reason when it is not delivered.",
    )
    p.add_argument("channel", metavar="CHANNEL")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_alert_test)

    p = sub.add_parser(
        "crisis-log",
        help="acknowledge a crisis or log a decision; show its log",
        description="The crisis log: who acknowledged the crisis and when, and the decisions taken "
        "(what the committee decided), in order.",
    )
    p.add_argument("crisis_id", metavar="CRISIS_ID")
    p.add_argument("--by", metavar="NAME", help="who, with --ack and --decision (default: this computer's user)")
    p.add_argument("--ack", action="store_true", help="acknowledge the crisis")
    p.add_argument("--note", help="with --ack: a note")
    p.add_argument("--decision", metavar="TEXT", help="log a decision")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_crisis_log)

    p = sub.add_parser(
        "report",
        help="write the weekly report or a crisis retrospective (HTML or PDF)",
        description="Write a report as one self-contained HTML file or as PDF; the format follows "
        "the --out file's extension (.html or .pdf). PDF needs Chromium "
        "(`make run` installs it; or set RADAR_CHROMIUM).",
    )
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    weekly = kinds.add_parser(
        "weekly",
        help="the weekly report: KPIs vs the week before, sentiment, responses, crises, unanswered posts",
        description="The weekly report for one ISO week (default: the newest complete week).",
    )
    weekly.add_argument(
        "--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W46 (default: the newest complete week)"
    )
    weekly.add_argument(
        "--brand",
        action="append",
        default=[],
        metavar="BRAND",
        help="only this brand (its name or a handle; repeatable)",
    )
    weekly.add_argument("--platform", action="append", default=[], help="only this platform (repeatable)")
    weekly.add_argument("--lang", action="append", default=[], help="only this language code (repeatable)")
    crisis = kinds.add_parser(
        "crisis",
        help="the post-crisis retrospective of one crisis",
        description="The retrospective of one crisis: timeline with phases, first response, "
        "playbook moves, severity reasons, top terms and threads.",
    )
    crisis.add_argument("crisis_id", metavar="CRISIS_ID", help="as listed by `radar crises`")
    weekly.add_argument(
        "--send",
        action="store_true",
        help="also send it to the plan's report_roles: e-mail gets the PDF and a short HTML summary, "
        "Slack, Teams and webhooks the summary in words (--out is then optional)",
    )
    weekly.add_argument("--out", metavar="FILE", help="where to write: FILE.html or FILE.pdf")
    crisis.add_argument("--out", required=True, metavar="FILE", help="where to write: FILE.html or FILE.pdf")
    for kind in (weekly, crisis):
        kind.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "func", None) is cmd_plan and not any(word.startswith("-") for word in extra):
        args.changes += extra  # `radar plan set --db X CHANGE...`: argparse stops at the option
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except db.DatabaseError as exc:
        _error(str(exc))
        return 1
    except BrokenPipeError:  # the reader went away (`radar crises | head`): not an error
        sys.stdout = open(os.devnull, "w")
        return 0
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
