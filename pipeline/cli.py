"""The ``radar`` command (also ``python -m pipeline``): ingest exports, analytics, crises, settings, status.

Exit status: 0 when everything asked for was done, 1 when a file or the database could not be used
(one line on stderr says which and why), 2 for a usage error, 3 when ``radar crises --fail-on N`` finds a
crisis of severity N or more (so a scheduled import can raise an alert).

The command speaks the language of the environment (``$RADAR_LOCALE``, else the gettext convention:
``LC_ALL``, ``LC_MESSAGES``, ``LANG``); a report is written in ``--locale``, else the database's default.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import babel.numbers
import duckdb

from pipeline.analytics import analytics_are_current, update_analytics
from pipeline.core import db
from pipeline.core.access import action_name, command_line_actor
from pipeline.core.i18n import (
    DEFAULT_LOCALE,
    LOCALES,
    N_,
    _,
    current_locale,
    fmt_int,
    fmt_num,
    fmt_pct,
    ngettext,
    normalize_locale,
    sentiment_label_name,
    use_locale,
)
from pipeline.core.settings import (
    SENSITIVITY,
    WEEKDAYS,
    Settings,
    business_day_name,
    load_settings,
    save_settings,
    sensitivity_name,
)
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
        line = "  " + _("reading {file}: {percent}% ({done} of {total} MB, {elapsed} s)").format(
            file=Path(name).name,
            percent=f"{percent:3d}",
            done=fmt_num(done / 1e6, 0),
            total=fmt_num(total / 1e6, 0),
            elapsed=fmt_num(elapsed, 0),
        )
        if self.live:
            self.stream.write("\r" + line + ("\n" if percent >= 100 else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _fmt_short(value: float) -> str:
    """A number with as many decimals as it has (up to 3), in the locale: 60, 0.5, 1.25 (``{:g}``)."""
    return babel.numbers.format_decimal(value, format="#,##0.###", locale=current_locale())


def _error(message: str) -> None:
    print(_("radar: error: {message}").format(message=message), file=sys.stderr)


# where the command's language comes from: Radar's own variable, then gettext's (the first one set decides)
LOCALE_VARIABLES = ("RADAR_LOCALE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_locale(environ: Mapping[str, str] | None = None) -> str:
    """The language of the command's own messages: the first of ``$RADAR_LOCALE``, ``$LC_ALL``,
    ``$LC_MESSAGES``, ``$LANG`` that is set ("es_ES.UTF-8" -> "es"); English where it names a language
    Radar does not speak ("C", "POSIX", "fr_FR")."""
    variables: Mapping[str, str] = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        if variables.get(name):
            return normalize_locale(variables[name]) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


DEFAULT_WAIT_SECONDS = 120


def _open(args: argparse.Namespace, *, read_only: bool = False, existing: bool = False):
    """Open the database; while another process holds it (the dashboard between page views, an import),
    wait up to ``--wait`` seconds (default ``$RADAR_WAIT``, else 120) and say so once. ``existing``: a
    command that changes what is stored never creates a database (a mistyped --db is an error)."""
    if existing and not db.resolve_db_path(args.db).exists():
        raise db.DatabaseError(
            _("{path}: no database yet; build one with `radar demo` or `radar ingest FILE`").format(
                path=db.resolve_db_path(args.db)
            )
        )
    wait = getattr(args, "wait", None)
    if wait is None:
        wait = float(os.environ.get("RADAR_WAIT", DEFAULT_WAIT_SECONDS))

    def waiting() -> None:
        print(
            _(
                "radar: the database is in use by another process; waiting up to {seconds} s for it "
                "(the dashboard lets go between page views)"
            ).format(seconds=fmt_num(wait, 0)),
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
            raise ValueError(_("--map {pair}: write COLUMN=HEADER, e.g. --map text=Message").format(pair=repr(pair)))
        if column not in MAPPABLE_COLUMNS:
            raise ValueError(
                _("--map {pair}: {column} is not a posts column; use one of {columns}").format(
                    pair=repr(pair), column=repr(column), columns=", ".join(MAPPABLE_COLUMNS)
                )
            )
        if column in mapping:
            raise ValueError(_("--map names {column} twice").format(column=repr(column)))
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
        _error(_("--save-as names the custom format a --map makes; give the --map options too"))
        return 2
    if mapping and args.format:
        _error(_("use either --format or --map, not both"))
        return 2
    files, refused = [], 0
    for name in args.files:  # before the database is opened: a FIFO would block the import holding its lock
        try:
            check_regular_file(name)
            files.append(name)
        except IngestError as exc:
            _error(_("{error} (nothing from this file was stored)").format(error=exc))
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
            _error(_("{error} (nothing from this file was stored)").format(error=result.error))
    reports = [result.report for result in results if result.report]
    if reports:
        rows = sum(report.rows_read for report in reports)
        print(
            ngettext(
                "import: {n} row in {seconds} s ({rate} rows/s; read by {readers})",
                "import: {n} rows in {seconds} s ({rate} rows/s; read by {readers})",
                rows,
            ).format(
                n=fmt_int(rows),
                seconds=fmt_num(seconds, 1),
                rate=fmt_num(rows / max(seconds, 1e-9), 0),
                readers=", ".join(sorted({report.read_by for report in reports})),
            )
        )
    since = None
    if reports or args.brand:
        try:
            analytics = update_analytics(con)
        except (duckdb.Error, OSError) as exc:
            stored = ", ".join(f"{report.file_name} ({report.import_id})" for report in reports) or _("the brands")
            _error(
                _(
                    "stored: {stored}; but the analytics could not be brought up to date "
                    "({error}); the dashboard shows the earlier figures until you fix the "
                    "cause (free disk space, say) and run `radar recompute`"
                ).format(stored=stored, error=str(exc).splitlines()[0])
            )
            con.close()
            return 1
        print("\n".join(analytics.lines()))
        since = analytics.changed_since
    failures = db.check_quality(con, since=since)
    for failure in failures:
        _error(_("data-quality check failed: {failure}").format(failure=failure))
    con.close()
    if len(args.files) > 1:
        print(
            ngettext("{done} of {n} file imported", "{done} of {n} files imported", len(args.files)).format(
                done=fmt_int(len(results) - failed), n=fmt_int(len(args.files))
            )
        )
    return 1 if failed or refused or failures else 0


DEMO_DIR = db.PROJECT_ROOT / "data" / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo import DEMO_BRANDS, write_demo_exports

    if args.write_exports:
        for path in write_demo_exports(DEMO_DIR):
            print(_("wrote {path}").format(path=path.relative_to(db.PROJECT_ROOT)))
    path = db.resolve_db_path(args.db)
    if path.exists():
        if not args.replace:
            _error(_("{path} already exists; add --replace to rebuild it from the demo exports").format(path=path))
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
                    _error(result.error or _("{path}: not loaded").format(path=result.path))
                    return 1
                loaded[result.report.format] = loaded.get(result.report.format, 0) + result.report.rows_loaded
            for brand in DEMO_BRANDS:
                set_role(con, brand, "ours")
            update_analytics(con, replay=True)
    for fmt, rows in loaded.items():
        print(ngettext("{format}: {n} post", "{format}: {n} posts", rows).format(format=fmt, n=fmt_int(rows)))
    write_demo_log(con)
    alerts = db.scalar(con, "SELECT count(*) FROM alerts")
    posts = db.scalar(con, "SELECT count(*) FROM posts")
    print(
        _("demo database ready: {path} ({posts}, {exports}, {alerts})").format(
            path=path,
            posts=ngettext("{n} post", "{n} posts", posts).format(n=fmt_int(posts)),
            exports=ngettext(
                "{n} scheduled export replayed", "{n} scheduled exports replayed", len(demo_slices())
            ).format(n=fmt_int(len(demo_slices()))),
            alerts=ngettext("{n} alert recorded", "{n} alerts recorded", alerts).format(n=fmt_int(alerts)),
        )
    )
    con.close()
    return 0


def _has_rows(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _line in zip(range(2), handle)) > 1


def cmd_formats(args: argparse.Namespace) -> int:
    saved = []
    if args.forget:
        with _open(args) as con:
            if not forget_custom_format(con, args.forget):
                _error(_("no custom format {name}; `radar formats` lists them").format(name=repr(args.forget)))
                return 1
        print(_("forgot the custom format {name}").format(name=repr(args.forget)))
        return 0
    if not args.markdown and db.resolve_db_path(args.db).exists():
        with _open(args, read_only=True) as con:
            saved = custom_formats(con)
    rows = describe_formats(saved)
    if args.markdown:
        print("| format | what | identified by |")  # i18n: not text (the table of docs/formats.md, in English)
        print("|---|---|---|")
        for row in rows:
            print(f"| `{row.name}` | {row.description} | {row.identified_by} |")
        return 0
    for row in rows:
        description = _(row.description)  # a shipped format's description is marked where it is defined
        print(f"{row.name}\n  {description}\n  " + _("identified by: {columns}").format(columns=row.identified_by))
        if args.verbose:
            print("  " + _("columns: {mapping}").format(mapping=row.columns))
    return 0


def cmd_export_parquet(args: argparse.Namespace) -> int:
    from pipeline.read.export_parquet import LakeRefused, export_parquet, lake_folder

    try:
        lake_folder(args.folder)  # a name that cannot be a lake is refused before the database is opened
    except LakeRefused as exc:
        _error(str(exc))
        return 2
    con = _open(args, read_only=True)
    try:
        counts = export_parquet(con, args.folder)
    except LakeRefused as exc:
        _error(str(exc))
        return 1
    except (OSError, duckdb.Error) as exc:  # a folder we may not create, a disk that is full
        _error(
            _("{folder}: cannot write there: {error}").format(
                folder=args.folder, error=getattr(exc, "strerror", None) or exc
            )
        )
        return 1
    finally:
        con.close()
    for table, rows in counts.items():
        print(f"{table:<14} " + ngettext("{n} row", "{n} rows", rows).format(n=f"{fmt_int(rows):>12}"))
    print(
        _("written to {folder} (Parquet, partitioned by month where the table has a time; see manifest.json)").format(
            folder=args.folder
        )
    )
    return 0


# the Spark masters `radar spark build --master` takes (Spark's own check fails with a Java stack trace)
SPARK_MASTER = re.compile(r"local(\[(\*|\d+)(,\d+)?\])?|local-cluster\[[\d, ]+\]|(spark|k8s|mesos)://\S+|yarn")


def cmd_spark_build(args: argparse.Namespace) -> int:
    """``radar spark build``: the whole pipeline on Spark, from folders of exports to a Parquet lake."""
    folders = [Path(folder) for folder in args.folders]
    for folder in folders:
        if not folder.is_dir():
            _error(
                _("{folder}: not a folder: name the folders the exports are in").format(folder=folder)
                if folder.exists()
                else _("{folder}: no such folder").format(folder=folder)
            )
            return 2
    if "://" not in args.lake and any(Path(args.lake).resolve() == folder.resolve() for folder in folders):
        _error(_("{lake}: the lake cannot be one of the export folders").format(lake=args.lake))
        return 2
    if args.master and not SPARK_MASTER.fullmatch(args.master):
        _error(
            _("--master {master}: not a Spark master (local[N], spark://HOST:PORT, yarn, k8s://...)").format(
                master=args.master
            )
        )
        return 2
    if args.cores is not None and (args.master or not 1 <= args.cores <= 1024):
        _error(_("--cores must be between 1 and 1024, and only without --master (a cluster has its own)"))
        return 2
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _error(_("`radar spark` needs the spark extra: pip install -e '.[spark]' (and Java 17 or later)"))
        return 2
    if not (args.master or shutil.which("java") or os.environ.get("JAVA_HOME")):
        _error(_("Spark needs Java 17 or later: install it (Debian: apt-get install openjdk-17-jre-headless)"))
        return 2
    from pipeline.read.export_parquet import LakeRefused, writing
    from pipeline.spark.build import LakeError, build_lake, local_folder, stage_label
    from pipeline.spark.session import spark_session
    from pipeline.spark.stage import export_files

    if not export_files(folders):
        _error(
            _("no export files in {folders}; the lake was not changed").format(
                folders=", ".join(str(folder) for folder in folders)
            )
        )
        return 2
    settings = Settings()
    if args.settings_from:
        if not Path(args.settings_from).is_file() or Path(args.settings_from).stat().st_size == 0:
            _error(_("{path}: no Radar database there to take the settings from").format(path=args.settings_from))
            return 2
        con = db.connect(args.settings_from, read_only=True)
        try:
            settings = load_settings(con)
        finally:
            con.close()
    from pyspark.sql import SparkSession

    lock = ExitStack()  # held from before Spark starts until it has stopped: a second writer is refused at once
    try:
        local = local_folder(args.lake)
        if local is not None:
            lock.enter_context(writing(local))
    except (LakeError, LakeRefused) as exc:
        _error(str(exc))
        return 1
    try:
        ours = SparkSession.getActiveSession() is None  # a session this process already runs is not ours to stop
        try:
            spark = spark_session(args.master, cores=args.cores)
        except Exception as exc:  # a master that does not answer, a Java that does not start
            _error(
                _("cannot start Spark on {master}: {error}").format(
                    master=args.master or "local", error=_first_line(exc)
                )
            )
            return 1
        stopped = _(
            "{lake}: the build stopped ({error}); the previous lake is kept (a build stopped while swapping tables is finished by the next one)"
        )
        try:
            report = build_lake(
                spark,
                args.lake,
                folders,
                settings,
                on_stage=lambda stage: print(_("spark: {stage}").format(stage=stage_label(stage))),
            )
        except (LakeError, LakeRefused) as exc:
            _error(str(exc))
            return 1
        except KeyboardInterrupt:
            _error(stopped.format(lake=args.lake, error=_("interrupted")))
            return 130
        except Exception as exc:  # Spark's own errors carry a Java stack trace: its first line is the reason
            if os.environ.get("RADAR_DEBUG"):
                raise
            _error(stopped.format(lake=args.lake, error=_first_line(exc)))
            return 1
        finally:
            if ours:
                spark.stop()
    finally:
        lock.close()
    for line in report.lines():
        print(line)
    return 1 if report.refused else 0


def _first_line(exc: BaseException) -> str:
    """An exception's message without the Java stack trace Spark's errors carry."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()[:300]


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
    print(_status_row(_("database"), str(path)))
    print(
        _status_row(
            _("posts"),
            _("{posts} in {threads} ({brand_posts} by brand accounts)").format(
                posts=fmt_int(posts),
                threads=ngettext("{n} thread", "{n} threads", threads).format(n=fmt_int(threads)),
                brand_posts=fmt_int(brand_posts),
            ),
        )
    )
    if first:
        print(
            _status_row(
                _("period"),
                _("{first} to {last} UTC").format(first=f"{first:%Y-%m-%d %H:%M}", last=f"{last:%Y-%m-%d %H:%M}"),
            )
        )
    print(_status_row(_("brands"), ngettext("{n} account", "{n} accounts", brands).format(n=fmt_int(brands))))
    print(_status_row(_("quarantine"), ngettext("{n} row", "{n} rows", quarantined).format(n=fmt_int(quarantined))))
    for platform, count in con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC, 1").fetchall():
        print(f"  {platform:<12} " + ngettext("{n} post", "{n} posts", count).format(n=fmt_int(count)))
    if not facts_are_current(con) or not analytics_are_current(con):
        print(_("note: the analytics are older than the data or the settings; run `radar recompute`"))
    _print_sentiment_sources(con)
    print(_status_row(_("imports"), _("{n} (latest first)").format(n=fmt_int(imports))))
    latest = con.execute(
        """
        SELECT import_id, imported_at, file_name, format, rows_read, rows_loaded, rows_duplicate, rows_quarantined
        FROM imports ORDER BY import_id DESC LIMIT ?""",
        [args.limit],
    ).fetchall()
    for import_id, at, name, fmt, read, loaded, dup, quar in latest:
        print(
            f"  {import_id}  {at:%Y-%m-%d %H:%M}  {name}  [{fmt}]  "
            + _("read {read}, loaded {loaded}, duplicate {duplicate}, quarantined {quarantined}").format(
                read=fmt_int(read), loaded=fmt_int(loaded), duplicate=fmt_int(dup), quarantined=fmt_int(quar)
            )
        )
    con.close()
    return 0


def _status_row(label: str, value: str, width: int = 10) -> str:
    """A line of ``radar status`` or ``radar settings``: its label (translated) in a column, then the value."""
    return f"{label:<{width}} {value}"


def cmd_rebuild(args: argparse.Namespace) -> int:
    con = _open(args)
    count = build_posts(con, whole=True)
    print(ngettext("rebuilt the facts: {n} post", "rebuilt the facts: {n} posts", count).format(n=fmt_int(count)))
    con.close()
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    con = _open(args)
    build_posts(con, whole=True)
    print("\n".join(update_analytics(con, rescore=args.rescore, whole=True).lines()))
    con.close()
    return 0


def _crisis_lines(crisis: dict, phases: list[dict], moves: list[dict]) -> list[str]:
    from pipeline.metrics.crises import severity_name, severity_reasons_in_words
    from pipeline.metrics.detector import phase_name
    from pipeline.metrics.playbook import move_name

    def at(value) -> str:
        return f"{value:%Y-%m-%d %H:%M}"

    first = crisis["minutes_to_first_response"]
    answered = crisis["share_answered"]
    if crisis["ended_at"]:
        period = _("{start} to {end} UTC").format(start=at(crisis["started_at"]), end=at(crisis["ended_at"]))
    else:
        period = _("{start} to an unknown end (still hot when the data ends)").format(start=at(crisis["started_at"]))
    if crisis["back_to_baseline_at"]:
        baseline = _("back to baseline {at}").format(at=at(crisis["back_to_baseline_at"]))
    elif crisis.get("data_end_at"):
        baseline = _("open: not back to baseline when the data ends ({at})").format(at=at(crisis["data_end_at"]))
    else:
        baseline = _("open: not back to baseline when the data ends")
    if crisis.get("replies_in_data") is False:
        response = _("replies not in the data: responses cannot be measured")
    elif first is not None:
        response = _("first brand response after {hours} h").format(hours=fmt_num(first / 60, 1))
    else:
        response = _("no brand response")
    if answered is not None:
        response = ngettext(
            "{response}, {share} of {n} complaint answered",
            "{response}, {share} of {n} complaints answered",
            crisis["complaints"],
        ).format(response=response, share=fmt_pct(answered, 0), n=fmt_int(crisis["complaints"]))
    volume = _("{posts}, {negative}, {authors}").format(
        posts=ngettext("{n} post", "{n} posts", crisis["posts"]).format(n=fmt_int(crisis["posts"])),
        negative=ngettext("{n} negative", "{n} negative", crisis["negative_posts"]).format(
            n=fmt_int(crisis["negative_posts"])
        ),
        authors=ngettext("{n} author", "{n} authors", crisis["authors"]).format(n=fmt_int(crisis["authors"])),
    )
    played = ", ".join(f"{move_name(m['move'])} {m['first_at']:%m-%d %H:%M}" for m in moves)
    lines = [
        f"{crisis['crisis_id']}  "
        + _("severity {level} ({name})").format(level=crisis["severity"], name=severity_name(crisis["severity"]))
        + f"  {crisis['brand']}",
        "  "
        + _("{period}, peak {peak} (z {z}); {baseline}").format(
            period=period, peak=at(crisis["peak_at"]), z=fmt_num(crisis["peak_z"], 1), baseline=baseline
        ),
        "  " + _("{volume}; {response}").format(volume=volume, response=response),
        "  " + _("why: {reasons}").format(reasons="; ".join(severity_reasons_in_words(crisis))),
        "  "
        + _("phases: {phases}").format(
            phases=", ".join(f"{phase_name(p['phase'])} {p['started_at']:%m-%d %H:%M}" for p in phases)
        ),
        "  " + _("playbook: {moves}").format(moves=played or _("no moves")),
        "  " + _("top terms: {terms}").format(terms=", ".join(crisis["top_terms"])),
    ]
    return lines


def cmd_crises(args: argparse.Namespace) -> int:
    con = _open(args, read_only=True)
    if not analytics_are_current(con):
        _error(_("the analytics are older than the data or the settings; run `radar recompute` first"))
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
        print(_("no crises detected"))
    else:
        for crisis, crisis_phases, crisis_moves in records:
            print("\n".join(_crisis_lines(crisis, crisis_phases, crisis_moves)))
    if args.fail_on is not None:
        worst = max((record[0]["severity"] for record in records), default=0)
        if worst >= args.fail_on:
            print(
                _("radar: alert: a crisis of severity {worst} (>= {fail_on})").format(
                    worst=worst, fail_on=args.fail_on
                ),
                file=sys.stderr,
            )
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
        start, _dash, end = args.hours.partition("-")
        changes["business_start"], changes["business_end"] = start.strip(), end.strip()
    if args.days:
        changes["business_days"] = tuple(day.strip().lower()[:3] for day in args.days.split(",") if day.strip())
    if args.holiday is not None:
        changes["holidays"] = tuple(sorted(set(args.holiday)))
    if args.sla is not None:
        changes["sla_minutes"] = args.sla
    if args.sensitivity:
        changes["sensitivity"] = args.sensitivity
    if args.locale:
        changes["locale"] = args.locale
    if changes:
        try:
            settings = settings.updated(**changes)
        except ValueError as exc:
            _error(str(exc))
            return 2
        save_settings(con, settings)
        if set(changes) - {"locale"}:  # the default language changes no figure
            print("\n".join(update_analytics(con, settings).lines()))
    print(
        _status_row(
            _("business hours"),
            f"{', '.join(business_day_name(day) for day in settings.business_days)} "
            f"{settings.business_start}-{settings.business_end} "
            f"({settings.business_time_zone})",
            15,
        )
    )
    print(_status_row(_("holidays"), ", ".join(settings.holidays) or _("none"), 15))
    print(
        _status_row(
            _("SLA"),
            ngettext("{n} minute", "{n} minutes", settings.sla_minutes).format(n=fmt_int(settings.sla_minutes)),
            15,
        )
    )
    detector = settings.detector
    print(
        _status_row(
            _("sensitivity"),
            _(
                "{preset}: z >= {z}, negative share +{points}, >= {negative} negative posts in 3 h, "
                ">= {hours} hot hours, resolved after {resolve} h within baseline"
            ).format(
                preset=sensitivity_name(settings.sensitivity),
                z=fmt_num(detector.z, 1),
                points=fmt_num(detector.share_points, 2),
                negative=fmt_int(detector.min_negative),
                hours=fmt_int(detector.min_hours),
                resolve=fmt_int(detector.resolve_hours),
            ),
            15,
        )
    )
    print(_status_row(_("language"), f"{settings.locale} ({LOCALES.get(settings.locale, settings.locale)})", 15))
    con.close()
    return 0


def _print_sentiment_sources(con) -> None:
    from pipeline.read.queries import scoring_lines

    lines = scoring_lines(con)
    print(_status_row(_("sentiment"), lines[0]))
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
        _error(_("no post {post} in {path}").format(post=repr(args.post_id), path=db.resolve_db_path(args.db)))
        return 1
    label = None if args.label == "clear" else args.label
    try:
        set_sentiment_override(con, platform, args.post_id, label, args.note or "")
    except ValueError as exc:
        _error(str(exc))
        return 1
    print(
        f"{platform}:{args.post_id} "
        + (_("labelled {label}").format(label=sentiment_label_name(label)) if label else _("correction removed"))
    )
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
            _error(_("`radar brands` (list) takes no names; to add one: `radar brands add NAME`"))
            return 1
        con = _open(args, read_only=True)
        brands = brand_accounts(con)
        suggested = suggest_brands(con)
        merges = suggest_merges(con)
        con.close()
        if brands.empty:
            print(_("no brands yet: an export that holds a brand's replies adds it, or `radar brands add NAME`"))
        for row in brands.itertuples(index=False):
            aliases = ", ".join([*(f"@{h}" for h in row.handles), *(f'"{n}"' for n in row.names)])
            role = f"{_(ROLE_NAMES[row.role])}, " if isinstance(row.role, str) else ""
            print(
                f"{row.brand}  "
                + ngettext("{n} post", "{n} posts", row.posts).format(n=fmt_int(row.posts))
                + "  ("
                + role
                + (aliases or _("no aliases"))
                + f"; {row.source})"
            )
        if not brands.empty and not brands["role"].notna().any():
            print(
                _(
                    "no brand is marked as ours yet: `radar brands role BRAND ours` (and `... competitor` for the "
                    "others) makes the weekly report compare them"
                )
            )
        if suggested:
            print(
                _("often mentioned, not a brand yet: {handles}").format(
                    handles=", ".join(
                        f"@{handle} (" + ngettext("{n} post", "{n} posts", posts).format(n=fmt_int(posts)) + ")"
                        for handle, posts in suggested
                    )
                )
            )
        for named, other, posts in merges:
            print(
                ngettext(
                    "perhaps one brand: {n} post the export says is about {named} @mentions {other} ({command})",
                    "perhaps one brand: {n} posts the export says are about {named} @mention {other} ({command})",
                    posts,
                ).format(
                    n=fmt_int(posts),
                    named=repr(named),
                    other=repr(other),
                    command=f"`radar brands merge {other!r} {named!r}`",
                )
            )
        return 0
    names = args.names
    if args.action != "add" and (args.handle or args.alias or args.role):
        _error(
            _("--handle, --alias and --role go with `radar brands add`, not with {action}").format(action=args.action)
        )
        return 1
    needed = {"add": 1, "merge": 2, "rename": 2, "remove": 1, "role": 2}[args.action]
    if len(names) < needed or (args.action in ("rename", "remove", "role") and len(names) != needed):
        command = f"`radar brands {args.action}`"
        if args.action == "role":
            message = _(
                "{command} needs exactly {n} names (see `radar brands --help`): "
                "`radar brands role BRAND ours|competitor|unset`"
            ).format(command=command, n=needed)
        elif args.action in ("rename", "remove"):
            message = ngettext(
                "{command} needs exactly {n} name (see `radar brands --help`)",
                "{command} needs exactly {n} names (see `radar brands --help`)",
                needed,
            ).format(command=command, n=needed)
        else:
            message = ngettext(
                "{command} needs {n} name (see `radar brands --help`)",
                "{command} needs {n} names (see `radar brands --help`)",
                needed,
            ).format(command=command, n=needed)
        _error(message)
        return 1
    con = _open(args, existing=True)
    try:
        con.execute("BEGIN TRANSACTION")  # i18n: not text
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
            print(_("no imports match") if args.import_id or args.format else _("no imports yet"))
        for row in sources.itertuples(index=False):
            used = _("the export's labels") if row.use_export_labels else _("Radar's score")
            if not row.labelled_posts:
                used = _("Radar's score (the export has no labels)")
            print(
                f"{row.import_id}  {row.file_name}  ({row.format}): "
                + ngettext(
                    "{n} post with the export's own label; shown: {used}",
                    "{n} posts with the export's own label; shown: {used}",
                    row.labelled_posts,
                ).format(n=fmt_int(row.labelled_posts), used=used)
            )
        return 0
    con = _open(args, existing=True)
    try:
        changed = set_export_labels(con, args.prefer == "export", import_id=args.import_id, format_name=args.format)
    except ValueError as exc:
        _error(str(exc))
        return 1
    if args.prefer == "export":
        message = ngettext(
            "{n} import changed; it shows the export's labels",
            "{n} imports changed; they show the export's labels",
            changed,
        )
    else:
        message = ngettext(
            "{n} import changed; it shows Radar's score", "{n} imports changed; they show Radar's score", changed
        )
    print(message.format(n=fmt_int(changed)))
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
            print(
                _("escalation plan (changed {at})").format(at=changed)
                if changed
                else _("escalation plan (the default)")
            )
            print("\n".join(describe(plan)))
        return 0
    con = _open(args, existing=True)
    try:
        if args.action == "reset":
            if args.changes:
                _error(_("reset takes no PATH=VALUE; it puts back the default plan"))
                return 2
            reset_plan(con)
            print(_("the escalation plan is the default again"))
            return 0
        if not args.changes:
            _error(
                _("set needs a plan file (FILE.json) or PATH=VALUE changes, e.g. levels.3.first_response_minutes=20")
            )
            return 2
        plan = load_plan(con)
        for change in args.changes:
            if change.endswith(".json") and "=" not in change:
                try:
                    plan = json.loads(Path(change).read_text(encoding="utf-8"))
                    if not isinstance(plan, dict) or not {"levels", "roles", "channels"} <= set(plan):
                        _error(
                            _(
                                "{file}: a plan file holds a whole plan, with levels, roles and channels (as "
                                "`radar plan show --json --unmasked` prints it); change parts with PATH=VALUE"
                            ).format(file=change)
                        )
                        return 2
                except OSError as exc:
                    _error(_("{file}: cannot be read: {error}").format(file=change, error=exc.strerror or exc))
                    return 1
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    _error(_("{file}: not a JSON plan ({error})").format(file=change, error=exc))
                    return 1
            else:
                plan = set_path(plan, change)
        save_plan(con, plan)
    except PlanError as exc:
        _error(_("plan not changed: {error}").format(error=exc))
        return 2
    finally:
        con.close()
    print(_("escalation plan saved"))
    return 0


def cmd_themes(args: argparse.Namespace) -> int:
    from pipeline.metrics.themes import (
        ThemeError,
        default_themes,
        load_themes,
        parse_themes,
        reset_themes,
        save_themes,
        theme_name,
    )

    if args.action in ("list", "show"):
        if args.file:
            _error(
                _("{command} takes no file; `radar themes set FILE.json` loads one").format(
                    command=f"`radar themes {args.action}`"
                )
            )
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
            _error(
                _("the stored themes are not valid: {error}; `radar themes reset` puts back the default").format(
                    error=exc
                )
            )
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
            posts = ngettext("{n} post", "{n} posts", tagged).format(n=fmt_int(tagged))
            if customer:
                posts = _("{posts} ({share} of customer posts)").format(posts=posts, share=fmt_pct(tagged / customer))
            keywords = ngettext("{n} keyword", "{n} keywords", words).format(n=fmt_int(words))
            if theme["exclude"]:
                keywords = ngettext(
                    "{keywords}, {n} exclusion", "{keywords}, {n} exclusions", len(theme["exclude"])
                ).format(keywords=keywords, n=fmt_int(len(theme["exclude"])))
            print(f"{theme_name(theme['name'])}: {posts}; {keywords}")
        print(
            _(
                "`radar themes show > themes.json` writes them as JSON to edit; `radar themes set themes.json` "
                "loads them back"
            )
        )
        return 0
    con = _open(args, existing=True)
    try:
        con.execute("BEGIN TRANSACTION")  # i18n: not text
        if args.action == "reset":
            themes = reset_themes(con)
        else:
            if not args.file:
                _error(_("`radar themes set` needs a JSON file (as `radar themes show` prints it)"))
                db.rollback(con)
                return 2
            try:
                text = Path(args.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                _error(
                    _("{file}: cannot be read: {error}").format(
                        file=args.file, error=getattr(exc, "strerror", None) or exc
                    )
                )
                db.rollback(con)
                return 1
            themes = save_themes(con, parse_themes(text, args.file))
        con.execute("COMMIT")
    except ThemeError as exc:
        db.rollback(con)
        _error(_("themes not changed: {error}").format(error=exc))
        return 2
    finally:
        con.close()
    print(
        ngettext(
            "{n} theme saved; every customer post tagged again",
            "{n} themes saved; every customer post tagged again",
            len(themes),
        ).format(n=fmt_int(len(themes)))
    )
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from pipeline.watch import Watcher

    if (
        not 0 < args.interval <= 86400
        or not 0 <= args.settle <= 3600
        or (args.wait is not None and not 0 <= args.wait <= 86400)
    ):
        _error(_("--interval must be 0 < SECONDS <= 86400, --settle 0 to 3600 and --wait 0 to 86400"))
        return 2
    if not Path(args.folder).is_dir():
        _error(
            _("{folder}: not a folder: watch the folder the exports land in").format(folder=args.folder)
            if Path(args.folder).exists()
            else _("{folder}: no such folder to watch").format(folder=args.folder)
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
        print(
            _("radar watch: watching {folder} every {seconds} s (Ctrl-C stops)").format(
                folder=args.folder, seconds=_fmt_short(args.interval)
            ),
            flush=True,
        )
    return watcher.run(once=args.once)


def cmd_audit(args: argparse.Namespace) -> int:
    from pipeline.read.queries import recent_changes

    if args.limit < 1:
        _error(_("--limit must be 1 or more"))
        return 2
    with _open(args, read_only=True, existing=True) as con:
        records = plain_records(recent_changes(con, args.limit))
    if args.json:
        print(json.dumps(records, default=_json_value, indent=2))
    elif not records:
        print(_("no changes recorded yet"))
    for change in [] if args.json else records:
        print(
            f"{change['changed_at']:%Y-%m-%d %H:%M} UTC  {change['changed_by']}  {action_name(change['action'])}"
            + (f": {change['detail']}" if change["detail"] else "")
        )
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from pipeline.monitor.alerts import STATE_WORDS, alert_log, alerts_in_language

    if args.limit < 1:
        _error(_("--limit must be 1 or more"))
        return 2
    with _open(args, read_only=True, existing=True) as con:
        log = alerts_in_language(alert_log(con, crisis_id=args.crisis, limit=args.limit, facts=True))
    records = plain_records(log)
    if args.json:
        print(json.dumps(records, default=_json_value, indent=2))
        return 0
    if not records:
        print(_("no alerts yet"))
        return 0
    for alert in records:
        replayed = abs((alert["raised_at"] - alert["as_of"]).total_seconds()) > 3600
        print(
            f"{alert['raised_at']:%Y-%m-%d %H:%M}  {alert['subject']}"
            + (
                "  " + _("(judged on the data up to {at})").format(at=f"{alert['as_of']:%Y-%m-%d %H:%M}")
                if replayed
                else ""
            )
        )
        state = alert["state"]
        print(f"    {_(STATE_WORDS[state]) if state in STATE_WORDS else state}")
        roles = alert["roles"] or _("nobody")
        told = (
            _("to {roles} via {channels}").format(roles=roles, channels=alert["channels"])
            if alert["channels"]
            else _("to {roles}").format(roles=roles)
        )
        if alert["sent_at"]:
            told = _("{told}, sent {at}").format(told=told, at=f"{alert['sent_at']:%Y-%m-%d %H:%M}")
        if alert["acknowledged_at"]:
            told = _("{told}, acknowledged by {by} {at}").format(
                told=told, by=alert["acknowledged_by"], at=f"{alert['acknowledged_at']:%Y-%m-%d %H:%M}"
            )
        print(f"    {told}")
    return 0


def cmd_alert_test(args: argparse.Namespace) -> int:
    from pipeline.monitor.notify import DeliveryError, send_test
    from pipeline.monitor.plan import default_plan, load_plan

    default_locale = None  # the channel's language, else its role's, else the database's default
    if db.resolve_db_path(args.db).exists():
        with _open(args, read_only=True) as con:
            plan, default_locale = load_plan(con), load_settings(con).locale
    else:
        plan = default_plan()
    try:
        send_test(plan, args.channel, default_locale=default_locale)
    except DeliveryError as exc:
        _error(_("{channel}: the test message was not delivered: {error}").format(channel=args.channel, error=exc))
        return 1
    print(_("test message delivered to {channel}").format(channel=args.channel))
    return 0


# the kinds of entry in a crisis log (codes stored in crisis_log.kind), in words
LOG_KINDS = {"acknowledged": N_("acknowledged"), "decision": N_("decision")}


def cmd_crisis_log(args: argparse.Namespace) -> int:
    from pipeline.monitor.alerts import ack_crisis, crisis_log, log_decision

    if args.note is not None and not args.ack:
        _error(_("--note goes with --ack"))
        return 2
    if args.decision is not None and not args.decision.strip():
        _error(_("--decision: write the decision"))
        return 2
    con = _open(args, existing=True)
    try:
        if not db.scalar(con, "SELECT count(*) FROM fct_crises WHERE crisis_id = ?", [args.crisis_id]):
            raise ValueError(
                _("there is no crisis {crisis}; `radar crises` lists them").format(crisis=repr(args.crisis_id))
            )
        if args.ack:
            by = args.by if args.by is not None else command_line_actor()
            ack_crisis(con, args.crisis_id, by, args.note)
            print(_("{crisis}: acknowledged by {by}").format(crisis=args.crisis_id, by=" ".join(by.split())))
        if args.decision is not None:
            log_decision(con, args.crisis_id, args.by if args.by is not None else command_line_actor(), args.decision)
            print(_("{crisis}: decision logged").format(crisis=args.crisis_id))
        for at, kind, by, entry in crisis_log(con, args.crisis_id).itertuples(index=False):
            kind_words = _(LOG_KINDS[kind]) if kind in LOG_KINDS else kind
            print(f"{at:%Y-%m-%d %H:%M} UTC  {kind_words:<12}  {by}" + (f": {entry}" if entry else ""))
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
        _error(_("say where to write the report with --out FILE.html or FILE.pdf (or send it with --send)"))
        return 2
    try:
        if args.out:
            report_format(args.out)
    except ReportError as exc:
        _error(str(exc))
        return 2
    con = _open(args, read_only=True)
    plan = None
    reports: dict = {}  # the weekly report in each language its channels are told in (--send)
    try:
        # the report speaks --locale, else the database's default language; this command's own lines do not
        locale = args.locale or load_settings(con).locale
        if args.kind == "weekly":
            from pipeline.monitor.plan import channels_of, load_plan
            from pipeline.read.queries import parse_iso_week, report_week

            week = parse_iso_week(args.week) if args.week else report_week(con)
            if week is None:
                _error(
                    _("{path} holds no posts; load exports with `radar ingest` first").format(
                        path=db.resolve_db_path(args.db)
                    )
                )
                return 1
            filters = PostFilter(
                brands=tuple(find_brand(con, b) or b for b in args.brand),
                platforms=tuple(args.platform),
                languages=tuple(args.lang),
            )
            with use_locale(locale):
                report = weekly_report(con, week, filters)
            if sending:
                plan = load_plan(con)
                # each channel is told in its language (the plan's), unless --locale names one for all
                for language in {
                    _report_language(plan, channel, args.locale, locale)
                    for _r, channel in channels_of(plan, plan["report_roles"])
                }:
                    if language not in reports:
                        with use_locale(language):
                            reports[language] = weekly_report(con, week, filters)
        else:
            with use_locale(locale):
                report = crisis_report(con, args.crisis_id)
        if args.out:
            with use_locale(locale):
                path = write_report(report, args.out)
            print(
                _("{title}: wrote {path} ({size} KB)").format(
                    title=report.title, path=path, size=fmt_num(path.stat().st_size / 1024, 0)
                )
            )
    except (ReportError, ValueError) as exc:
        _error(str(exc))
        return 1
    finally:
        con.close()
    if not sending or plan is None:
        return 0
    return _send_weekly(reports or {locale: report}, plan, args.locale, locale)


def _report_language(plan: dict, channel: str, chosen: str | None, default: str) -> str:
    """The language a channel is sent the weekly report in: ``--locale`` where given, else the plan's for the
    channel (its own, else its role's), else the database's."""
    from pipeline.monitor.plan import delivery_locale

    return chosen or delivery_locale(plan, channel, default=default)


def _send_weekly(reports: dict, plan: dict, chosen: str | None, default: str) -> int:
    """Send the weekly report to the plan's report_roles, each channel in its language (``reports``: the report
    in each); what is printed about it is in the command's language."""
    from pipeline.monitor.notify import send_report
    from pipeline.monitor.plan import channels_of
    from pipeline.read.reports import ReportError, render

    if not channels_of(plan, plan["report_roles"]):
        _error(
            _(
                "not sent: the plan's report_roles ({roles}) have no channel; give one with "
                "`radar plan set 'roles.community manager=CHANNEL'` (see docs/monitoring.md)"
            ).format(roles=", ".join(plan["report_roles"]) or _("none"))
        )
        return 1
    results = []
    for language, report in reports.items():
        told = {
            channel
            for _role, channel in channels_of(plan, plan["report_roles"])
            if _report_language(plan, channel, chosen, default) == language
        }
        if not told:
            continue
        try:
            with use_locale(language):
                attachment, filename = render(report, "pdf"), "weekly-report.pdf"
        except ReportError as exc:
            print(_("no PDF ({error}); the report is attached as HTML instead").format(error=exc))
            with use_locale(language):
                attachment, filename = render(report, "html"), "weekly-report.html"
        with use_locale(language):
            results += send_report(
                plan,
                subject=f"[Radar] {report.title}",  # i18n: not text (the product's tag, then the report's title)
                summary=list(report.summary),
                attachment=attachment,
                filename=filename,
                link=plan["dashboard_url"].rstrip("/") + "/overview",
                channels=told,
            )
    for channel, error in results:
        if error is None:
            print(_("{channel}: sent").format(channel=channel))
        else:
            print(_("{channel}: NOT sent: {error}").format(channel=channel, error=error))
    return 0 if all(error is None for _channel, error in results) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radar", description=_("Reputation Radar: load social media exports into one DuckDB database.")
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = _("database file (default: $RADAR_DB, else data/radar.duckdb)")

    p = sub.add_parser(
        "ingest",
        help=_("load export files and print an import report per file"),
        description=_(
            "Load CSV exports. Each file lands whole or not at all; a file that fails does not stop the others."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help=db_help)
    p.add_argument(
        "--format",
        metavar="NAME",
        help=_("force a format instead of detecting it: {formats}, or a saved custom format").format(
            formats=", ".join(sorted(FORMATS_BY_NAME))
        ),
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=HEADER",
        help=_(
            "read a layout no format knows: which header holds each posts column (repeatable; "
            "created_at and text are required), e.g. --map created_at=Date --map text=Message. "
            "Saved as a custom format that recognises the same headers next time"
        ),
    )
    p.add_argument(
        "--save-as", metavar="NAME", help=_("name of the custom format --map saves (default: custom_<file name>)")
    )
    p.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help=_(
            "how long to wait while another process holds the database (default: $RADAR_WAIT, else {seconds})"
        ).format(seconds=DEFAULT_WAIT_SECONDS),
    )
    p.add_argument(
        "--brand",
        action="append",
        default=[],
        metavar="HANDLE",
        help=_("a brand account handle (repeatable); stored and reused by later imports"),
    )
    p.add_argument(
        "--tz",
        default=os.environ.get("RADAR_TZ", "UTC"),
        metavar="ZONE",
        help=_("time zone of timestamps written without an offset (default: $RADAR_TZ, else UTC)"),
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "demo",
        help=_("build the demo database from data/demo/"),
        description=_(
            "Build the demo database from the exports in data/demo/ through the same ingest path as `radar ingest`."
        ),
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--replace", action="store_true", help=_("delete and rebuild the database if it exists"))
    p.add_argument(
        "--write-exports", action="store_true", help=_("first regenerate the demo exports with the seeded generator")
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "formats",
        help=_("list the supported export formats"),
        description=_("List the export layouts and the columns that identify each."),
    )
    p.add_argument("--verbose", "-v", action="store_true", help=_("also show each column mapping"))
    p.add_argument("--markdown", action="store_true", help=_("print the table of docs/formats.md (built-in formats)"))
    p.add_argument(
        "--db",
        help=_("database file (default: $RADAR_DB, else data/radar.duckdb); its saved custom formats are listed first"),
    )
    p.add_argument("--forget", metavar="NAME", help=_("delete a saved custom format"))
    p.set_defaults(func=cmd_formats)

    p = sub.add_parser(
        "status",
        help=_("row counts and the latest imports"),
        description=_("Show row counts, brands, quarantine and the latest imports."),
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--limit", type=int, default=10, help=_("how many imports to list (default 10)"))
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "export-parquet",
        help=_("write the public tables as Parquet, partitioned by month"),
        description=_(
            "Write posts, responses, threads, crises (partitioned by month) and the small "
            "tables as Parquet under FOLDER, for DuckDB, Spark, Polars, pandas or Trino."
        ),
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_export_parquet)

    p = sub.add_parser(
        "spark",
        help=_("run the pipeline on Apache Spark and write a Parquet lake (the spark extra)"),
        description=_("The same pipeline on Apache Spark, for more data than one machine holds: see docs/spark.md."),
    )
    spark_commands = p.add_subparsers(dest="spark_command", required=True, metavar="COMMAND")
    build = spark_commands.add_parser(
        "build",
        help=_("build a Parquet lake from folders of exports, every table recomputed"),
        description=_(
            "Read every export in the FOLDERs (sorted by name, folder by folder), run the whole pipeline "
            "on Spark and write the tables of `radar export-parquet` to LAKE, atomically: the previous lake "
            "stays whole until the new one is complete. Serve it with RADAR_LAKE=LAKE make run."
        ),
    )
    build.add_argument("folders", nargs="+", metavar="EXPORT_FOLDER")
    build.add_argument(
        "--lake", required=True, metavar="DIR_OR_URI", help=_("the lake: a folder or a URI Spark can write")
    )
    build.add_argument("--master", metavar="URL", help=_("the Spark master (default: local, every core)"))
    build.add_argument("--cores", type=int, metavar="N", help=_("with a local master: use N cores"))
    build.add_argument(
        "--settings-from",
        metavar="DB",
        help=_("take the analytics settings (business hours, SLA, sensitivity) from this Radar database"),
    )
    build.set_defaults(func=cmd_spark_build)

    p = sub.add_parser(
        "rebuild",
        help=_("rebuild threads and brands from the staged posts"),
        description=_("Rebuild fct_posts (threads, brand accounts) from the staged posts."),
    )
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser(
        "recompute",
        help=_("rebuild threads, sentiment and every analytics table"),
        description=_(
            "Rebuild the facts and all analytics (responses, hourly series, crises, "
            "playbook) with the current settings. Cached sentiment scores are reused "
            "unless --rescore is given."
        ),
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--rescore", action="store_true", help=_("throw away cached sentiment scores and score again"))
    p.set_defaults(func=cmd_recompute)

    p = sub.add_parser(
        "crises",
        help=_("list detected crises with severity, phases and first response"),
        description=_(
            "List the detected crises: severity and why, phases, first brand response, playbook moves and top terms."
        ),
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--brand", metavar="BRAND", help=_("only this brand (its name or any of its handles)"))
    p.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    p.add_argument(
        "--fail-on",
        type=int,
        choices=[1, 2, 3, 4],
        metavar="SEVERITY",
        help=_("exit with status 3 when a crisis of at least this severity (1-4) is present"),
    )
    p.set_defaults(func=cmd_crises)

    p = sub.add_parser(
        "settings",
        help=_("show or change business hours, SLA and detector sensitivity"),
        description=_("Show the analytics settings; with options, change them and recompute."),
    )
    p.add_argument("--db", help=db_help)
    p.add_argument("--tz", metavar="ZONE", help=_("time zone of the business hours, e.g. Europe/Madrid"))
    p.add_argument("--hours", metavar="HH:MM-HH:MM", help=_("business hours, e.g. 09:00-17:00"))
    p.add_argument(
        "--days", metavar="DAYS", help=_("business days, comma-separated ({days})").format(days=",".join(WEEKDAYS))
    )
    p.add_argument(
        "--holiday", action="append", metavar="DATE", help=_("a holiday (YYYY-MM-DD, repeatable; replaces the list)")
    )
    p.add_argument("--sla", type=int, metavar="MINUTES", help=_("response-time target in minutes"))
    p.add_argument(
        "--locale",
        choices=list(LOCALES),
        help=_("the database's language: of reports and alerts that name none, and the dashboard's default"),
    )
    p.add_argument("--sensitivity", choices=list(SENSITIVITY), help=_("crisis detector preset"))
    p.set_defaults(func=cmd_settings)

    p = sub.add_parser(
        "label",
        help=_("correct the sentiment label of a post"),
        description=_(
            "Set a post's sentiment label by hand; the correction wins in every metric "
            "and survives re-imports. LABEL 'clear' removes it."
        ),
    )
    p.add_argument("post_id", metavar="POST_ID")
    p.add_argument("label", choices=["negative", "neutral", "positive", "clear"], metavar="LABEL")
    p.add_argument("--platform", help=_("the post's platform when the id is not unique"))
    p.add_argument("--note", help=_("why (kept with the correction)"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_label)

    p = sub.add_parser(
        "brands",
        help=_("list, add, merge, rename or remove brands"),
        description=_(
            "Brands are the accounts the data shows acting as a brand, the brands an export "
            "names, and the ones added here; each has one name, handles (its accounts) and "
            "names people write. Changes recompute attribution and analytics. Examples: "
            "`radar brands add JetBlue --handle @JetBlue`, `radar brands merge American "
            'americanair`, `radar brands rename usairways "US Airways"`, '
            "`radar brands role lumohelp ours`, `radar brands add Kelvo --role competitor`."
        ),
    )
    p.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=["list", "add", "merge", "rename", "remove", "role"],
        help=_(
            "list (default); add NAME; merge KEEP OTHER...; rename BRAND NEW_NAME; remove BRAND; "
            "role BRAND ours|competitor|unset"
        ),
    )
    p.add_argument("names", nargs="*", metavar="NAME", help=_("brand names, or any of their handles"))
    p.add_argument("--handle", action="append", default=[], help=_("with add: an account of the brand (repeatable)"))
    p.add_argument(
        "--alias",
        action="append",
        default=[],
        help=_("with add: another name people write for the brand, matched as a whole word (repeatable)"),
    )
    p.add_argument("--role", help=_("with add: ours or competitor"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_brands)

    p = sub.add_parser(
        "sentiment",
        help=_("how posts are scored: the English model, the rules, the adapters"),
        description=_(
            "Show how posts without a label of their own are scored: the shipped English "
            "model, the Spanish and Polish rules, and each language's adapter learned from "
            "this database's labels (export labels and corrections) with its cross-validated "
            "agreement. `retrain` trains every adapter again now (it is otherwise retrained "
            "when the labels changed by 5 %, at least 50 posts)."
        ),
    )
    p.add_argument("action", nargs="?", choices=["show", "retrain"], default="show")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_sentiment)

    p = sub.add_parser(
        "labels",
        help=_("show or choose whose sentiment labels an import shows"),
        description=_(
            "Imports that carry their own sentiment labels show them by default; "
            "--prefer radar shows Radar's score instead (for one import or every import "
            "of a format). People's corrections (`radar label`) win either way."
        ),
    )
    p.add_argument("--prefer", choices=["export", "radar"], help=_("whose labels to show"))
    p.add_argument("--import", dest="import_id", metavar="IMPORT_ID", help=_("one import, e.g. imp-000001"))
    p.add_argument("--format", metavar="FORMAT", help=_("every import of this format, e.g. airline_sentiment"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_labels)

    p = sub.add_parser(
        "plan",
        help=_("show, set or reset the escalation plan (who is told, targets, moves)"),
        description=_(
            "The escalation plan: for each severity 1-4, the roles told and their channels, "
            "the response targets and the expected moves (see docs). `radar plan set` takes "
            "a whole plan as FILE.json or PATH=VALUE changes, e.g. "
            "levels.3.first_response_minutes=20, 'roles.care lead=ops-slack', "
            '\'channels.ops-slack={"type": "slack", "url": "https://hooks.slack.com/..."}\', '
            "smtp.host=mail.example.com."
        ),
    )
    p.add_argument("action", nargs="?", default="show", choices=["show", "set", "reset"])
    p.add_argument("changes", nargs="*", metavar="CHANGE", help=_("with set: FILE.json or PATH=VALUE (repeatable)"))
    p.add_argument("--json", action="store_true", help=_("with show: the plan as JSON (webhook addresses shortened)"))
    p.add_argument("--unmasked", action="store_true", help=_("with show --json: webhook addresses in full"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser(
        "themes",
        help=_("list, show, set or reset the themes that tag what customers write about"),
        description=_(
            "Themes are named keyword rules (any word, all words of a group, a phrase, an "
            "exclusion) in English, Spanish and Polish; a post can have several. `radar themes "
            "show > themes.json` prints them as JSON, `radar themes set themes.json` loads an "
            "edited set (checked whole; every post is tagged again), `reset` puts back the "
            "shipped customer-care set."
        ),
    )
    p.add_argument("action", nargs="?", default="list", choices=["list", "show", "set", "reset"])
    p.add_argument("file", nargs="?", metavar="FILE.json", help=_("with set: the theme set"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_themes)

    p = sub.add_parser(
        "watch",
        help=_("import new exports from a folder as they land, raise and send alerts"),
        description=_(
            "Import every new export that appears in FOLDER (files still being written and "
            "temporary names are left for later; the same content is never imported twice), "
            "bring the analytics up to date, evaluate the alert rules and deliver alerts. "
            "Runs until SIGINT/SIGTERM; --once does one pass (for cron or a systemd timer)."
        ),
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--interval", type=float, default=60, metavar="SECONDS", help=_("seconds between passes (60)"))
    p.add_argument("--once", action="store_true", help=_("one pass, then exit (1 if a file failed)"))
    p.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help=_("a file must be unchanged this long before it is read (2)"),
    )
    p.add_argument(
        "--replay",
        action="store_true",
        help=_("judge alerts as if the newest post in the data were now (replaying old exports)"),
    )
    p.add_argument("--wait", type=float, metavar="SECONDS", help=_("how long to wait for the database each pass"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser(
        "alerts",
        help=_("list alerts with their state (pending, sent, retrying, acknowledged)"),
        description=_(
            "Every alert the rules raised, newest first: its state, who it was for, the "
            "channels and the acknowledgement. Recorded even when no channel is set up yet."
        ),
    )
    p.add_argument("--json", action="store_true", help=_("as JSON, with each alert's text and numbers"))
    p.add_argument("--crisis", metavar="CRISIS_ID", help=_("only the alerts of this crisis"))
    p.add_argument("--limit", type=int, default=100, help=_("at most this many (100)"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser(
        "audit",
        help=_("who changed what: imports, labels, brands, themes, settings, plan, acks"),
        description=_(
            "The changes people made, newest first, each with who made it: the signed-in "
            "person on the dashboard, or this computer's user on the command line."
        ),
    )
    p.add_argument("--limit", type=int, default=50, help=_("at most this many (50)"))
    p.add_argument("--json", action="store_true", help=_("as JSON"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "alert-test",
        help=_("send a test message over one channel of the plan"),
        description=_(
            "Send a test message over CHANNEL (a channel of `radar plan show`); exit 1 "
            "with the reason when it is not delivered."
        ),
    )
    p.add_argument("channel", metavar="CHANNEL")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_alert_test)

    p = sub.add_parser(
        "crisis-log",
        help=_("acknowledge a crisis or log a decision; show its log"),
        description=_(
            "The crisis log: who acknowledged the crisis and when, and the decisions taken "
            "(what the committee decided), in order."
        ),
    )
    p.add_argument("crisis_id", metavar="CRISIS_ID")
    p.add_argument("--by", metavar="NAME", help=_("who, with --ack and --decision (default: this computer's user)"))
    p.add_argument("--ack", action="store_true", help=_("acknowledge the crisis"))
    p.add_argument("--note", help=_("with --ack: a note"))
    p.add_argument("--decision", metavar="TEXT", help=_("log a decision"))
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_crisis_log)

    p = sub.add_parser(
        "report",
        help=_("write the weekly report or a crisis retrospective (HTML or PDF)"),
        description=_(
            "Write a report as one self-contained HTML file or as PDF; the format follows "
            "the --out file's extension (.html or .pdf). PDF needs Chromium "
            "(`make run` installs it; or set RADAR_CHROMIUM)."
        ),
    )
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    weekly = kinds.add_parser(
        "weekly",
        help=_("the weekly report: KPIs vs the week before, sentiment, responses, crises, unanswered posts"),
        description=_("The weekly report for one ISO week (default: the newest complete week)."),
    )
    weekly.add_argument(
        "--week",
        metavar="YYYY-Www",  # i18n: not text
        help=_("ISO week, e.g. 2026-W46 (default: the newest complete week)"),
    )
    weekly.add_argument(
        "--brand",
        action="append",
        default=[],
        metavar="BRAND",
        help=_("only this brand (its name or a handle; repeatable)"),
    )
    weekly.add_argument("--platform", action="append", default=[], help=_("only this platform (repeatable)"))
    weekly.add_argument("--lang", action="append", default=[], help=_("only this language code (repeatable)"))
    crisis = kinds.add_parser(
        "crisis",
        help=_("the post-crisis retrospective of one crisis"),
        description=_(
            "The retrospective of one crisis: timeline with phases, first response, "
            "playbook moves, severity reasons, top terms and threads."
        ),
    )
    crisis.add_argument("crisis_id", metavar="CRISIS_ID", help=_("as listed by `radar crises`"))
    weekly.add_argument(
        "--send",
        action="store_true",
        help=_(
            "also send it to the plan's report_roles: e-mail gets the PDF and a short HTML summary, "
            "Slack, Teams and webhooks the summary in words (--out is then optional)"
        ),
    )
    weekly.add_argument("--out", metavar="FILE", help=_("where to write: FILE.html or FILE.pdf"))
    crisis.add_argument("--out", required=True, metavar="FILE", help=_("where to write: FILE.html or FILE.pdf"))
    for kind in (weekly, crisis):
        kind.add_argument(
            "--locale",
            choices=list(LOCALES),
            help=_(
                "the language of the report: {choices} (default: the database's language, `radar settings "
                "--locale`; --lang filters the posts instead)"
            ).format(choices=", ".join(f"{code} ({name})" for code, name in LOCALES.items())),
        )
        kind.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_report)
    return parser


# argparse's own words (Python 3.11's; a message another Python words differently stays English). argparse looks
# its texts up through the module's `_` at the moment it writes them: pointed at Radar's catalogues, its usage
# line, headings and errors speak the command's language.
ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


def main(argv: Sequence[str] | None = None) -> int:
    argparse._ = _  # type: ignore[attr-defined]  # see ARGPARSE_TEXTS
    with use_locale(environment_locale()):  # before the parser is built: its help is in this language too
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "func", None) is cmd_plan and not any(word.startswith("-") for word in extra):
        args.changes += extra  # `radar plan set --db X CHANGE...`: argparse stops at the option
    elif extra:
        parser.error(_("unrecognized arguments: {arguments}").format(arguments=" ".join(extra)))
    try:
        return args.func(args)
    except db.DatabaseError as exc:
        _error(str(exc))
        return 1
    except BrokenPipeError:  # the reader went away (`radar crises | head`): not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        _error(_("interrupted; the file being imported was not stored"))
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("RADAR_DEBUG"):
            raise
        _error(
            _("unexpected {kind}: {error} (set RADAR_DEBUG=1 to see where)").format(kind=type(exc).__name__, error=exc)
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
