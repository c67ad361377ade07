"""Watch: import every new export that lands in a folder, bring the analytics up to date, raise and deliver
alerts (``radar watch FOLDER``).

A pass:

1. lists the folder (and its sub-folders, not hidden ones) and leaves out temporary names (``.part``,
   ``.crdownload``, ``.tmp``, ``~$…``, hidden files) and files still being written or synced: a file is read
   only when it has not changed for ``settle`` seconds and its size and time are the same before and after
   it is hashed;
2. for each new file (by content: SHA-256), in name order: a file whose content is stored already (an
   import of the same bytes, under any name) is skipped; one that cannot be read is recorded as failed,
   with one ``import_failed`` alert, and never retried until its content changes; the others are imported,
   each all or nothing;
3. brings the analytics up to date (incrementally) and evaluates the alert rules, in one transaction;
   when nothing new arrived, only the rules (the clock moves: blind spots, targets about to be missed);
4. delivers the alerts that are due (``pipeline.monitor.notify``), with the database closed while it talks to the
   channels, then records what went out.

State lives in the database (``watch_files``, ``imports``, the outbox), so a restart or ``kill -9`` loses
nothing and repeats nothing: an import interrupted before its commit left nothing and is done again; one
committed before its file was recorded is recognised by its content. The database is opened for each pass
and closed after it, so the dashboard reads between passes. SIGINT and SIGTERM stop the watcher between
files.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

import duckdb

from pipeline.analytics import analytics_are_current, update_analytics
from pipeline.core import db
from pipeline.core.i18n import _, fmt_int, fmt_num, ngettext
from pipeline.ingest import IngestError, ingest_file
from pipeline.monitor.alerts import data_clock, import_failed_alert, raise_alerts, utc_now
from pipeline.monitor.notify import due_messages, record_results, send_all
from pipeline.monitor.plan import load_plan
from pipeline.normalize import facts_are_current

TEMPORARY_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".swp", ".lock", ".wal")


def is_temporary(path: Path) -> bool:
    name = path.name
    return name.startswith((".", "~$", "~")) or name.lower().endswith(TEMPORARY_SUFFIXES) or name.endswith("~")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class PassReport:
    imported: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # same content stored already
    unstable: list[str] = field(default_factory=list)  # still being written: next pass
    alerts: int = 0
    sent: int = 0
    delivery_failures: int = 0


class Watcher:
    def __init__(
        self,
        folder: str | Path,
        db_path: str | Path | None = None,
        *,
        interval: float = 60,
        settle: float = 2.0,
        replay: bool = False,
        wait: float = 120,
        log: Callable[[str], None] = print,
    ):
        self.folder = Path(folder).resolve()
        self.db_path = db_path
        self.interval = interval
        self.settle = settle
        self.replay = replay
        self.wait = wait
        self.log = log
        self.stopping = threading.Event()

    def stop(self, *_args) -> None:
        if not self.stopping.is_set():
            self.log(_("radar watch: stopping after the current file"))
        self.stopping.set()

    def candidates(self) -> list[tuple[Path, os.stat_result]]:
        """Files in the folder that look complete: not temporary, unchanged for ``settle`` seconds."""
        found = []
        now = time.time()
        for root, folders, files in os.walk(self.folder):
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for name in sorted(files):
                path = Path(root) / name
                if is_temporary(path):
                    continue
                try:
                    stat = path.stat()
                except OSError:
                    continue  # gone between listing and looking
                if not S_ISREG(stat.st_mode):
                    continue  # a pipe, a device, a socket: never an export (reading one could block for ever)
                if now - stat.st_mtime >= self.settle:
                    found.append((path, stat))
        return found

    def run_pass(self) -> PassReport:
        report = PassReport()
        if not self.folder.is_dir():
            raise db.DatabaseError(_("{folder}: no such folder to watch").format(folder=self.folder))
        files = self.candidates()
        con = db.connect(self.db_path, wait=self.wait)
        try:
            plan = load_plan(con)
            self._import_new(con, files, plan, report)
            now = data_clock(con) if self.replay else utc_now()
            if report.imported or not facts_are_current(con) or not analytics_are_current(con):
                analytics = update_analytics(con, now=now, replay=self.replay)
                report.alerts += analytics.alerts
            else:
                con.execute("BEGIN TRANSACTION")
                try:
                    report.alerts += len(raise_alerts(con, now, replay=self.replay, plan=plan))
                    con.execute("COMMIT")
                except BaseException:
                    db.rollback(con)
                    raise
            due = due_messages(con, plan=plan)
        finally:
            con.close()
        if due:
            # sent with the database closed: a slow mail server does not keep the dashboard waiting
            results = send_all(plan, due, stop=self.stopping.is_set)
            con = db.connect(self.db_path, wait=self.wait)
            try:
                counts = record_results(con, results, plan=plan, log=self.log)
            finally:
                con.close()
            report.sent, report.delivery_failures = counts["sent"], counts["failed"]
        return report

    def _import_new(self, con: duckdb.DuckDBPyConnection, files, plan: dict, report: PassReport) -> None:
        known = {
            (path, size, mtime)
            for path, size, mtime in con.execute("SELECT path, size, mtime_ns FROM watch_files").fetchall()
        }
        for path, stat in files:
            if self.stopping.is_set():
                return
            if (str(path), stat.st_size, stat.st_mtime_ns) in known:
                continue
            try:
                sha = _sha256(path)
                after = path.stat()
            except OSError as exc:
                self.log(
                    _("{file}: cannot be read now ({problem}); trying again next pass").format(
                        file=self._name(path), problem=exc.strerror or exc
                    )
                )
                continue
            if (after.st_size, after.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                report.unstable.append(str(path))
                continue  # still growing
            seen = db.first_row(con, "SELECT state FROM watch_files WHERE sha256 = ? ORDER BY seen_at LIMIT 1", [sha])
            stored = db.scalar(con, "SELECT min(import_id) FROM imports WHERE sha256 = ?", [sha])
            if seen is not None or stored is not None:
                # the same bytes again (another name, or touched): never imported or reported twice
                seen_state = seen[0] if seen is not None else None
                # i18n: not text (the file's state, stored)
                state = (
                    "already stored" if stored is not None else f"same as a file that {seen_state}"
                )  # i18n: not text
                if stored is None and seen_state == "failed":
                    self.log(
                        _("{file}: the same content as a file that could not be read before; not tried again").format(
                            file=self._name(path)
                        )
                    )
                con.execute(
                    """INSERT INTO watch_files VALUES (?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (path, sha256)
                               DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns""",
                    [sha, str(path), stat.st_size, stat.st_mtime_ns, state, stored, utc_now()],
                )
                report.skipped.append(str(path))
                continue
            self.log(
                _("{file}: importing ({size} MB)").format(file=self._name(path), size=fmt_num(stat.st_size / 1e6, 1))
            )
            try:
                result = ingest_file(con, path)
            except IngestError as exc:
                self._failed(con, path, stat, sha, str(exc), plan, report)
                continue
            except OSError as exc:
                problem = _("{file}: cannot be read: {problem}").format(file=path.name, problem=exc.strerror or exc)
                self._failed(con, path, stat, sha, problem, plan, report)
                continue
            except (duckdb.IOException, duckdb.OutOfMemoryException) as exc:
                # the disk or the memory, not the file: tried again next pass
                self.log(
                    _("{file}: could not be stored now ({problem}); trying again next pass").format(
                        file=self._name(path), problem=exc
                    )
                )
                continue
            except duckdb.Error as exc:
                problem = _("{file}: could not be stored: {problem}").format(file=path.name, problem=exc)
                self._failed(con, path, stat, sha, problem, plan, report)
                continue
            con.execute(
                "INSERT INTO watch_files VALUES (?, ?, ?, ?, 'imported', ?, NULL, ?) ON CONFLICT DO NOTHING",
                [sha, str(path), stat.st_size, stat.st_mtime_ns, result.import_id, utc_now()],
            )
            report.imported.append(str(path))
            self.log(
                ngettext(
                    "{file}: {loaded} post loaded, {duplicate} already stored, {quarantined} quarantined ({format})",
                    "{file}: {loaded} posts loaded, {duplicate} already stored, {quarantined} quarantined ({format})",
                    result.rows_loaded,
                ).format(
                    file=self._name(path),
                    loaded=fmt_int(result.rows_loaded),
                    duplicate=fmt_int(result.rows_duplicate),
                    quarantined=fmt_int(result.rows_quarantined),
                    format=result.format,
                )
            )

    def _name(self, path: Path) -> str:
        """The file as the log names it: its path inside the watched folder."""
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    def _failed(self, con, path: Path, stat, sha: str, error: str, plan: dict, report: PassReport) -> None:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "INSERT INTO watch_files VALUES (?, ?, ?, ?, 'failed', NULL, ?, ?) ON CONFLICT DO NOTHING",
                [sha, str(path), stat.st_size, stat.st_mtime_ns, error, utc_now()],
            )
            if import_failed_alert(con, self._name(path), sha, error, plan) is not None:
                report.alerts += 1
            con.execute("COMMIT")
        except BaseException:
            db.rollback(con)
            raise
        report.failed.append(str(path))
        self.log(
            _("radar watch: {error} (nothing from this file was stored; it is not retried until it changes)").format(
                error=error
            )
        )

    def run(self, *, once: bool = False) -> int:
        """Pass after pass until stopped (or one pass with ``once``); return the exit status."""
        previous = (
            {sig: signal.signal(sig, self.stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            if threading.current_thread() is threading.main_thread()
            else {}
        )
        failures = 0
        try:
            while True:
                try:
                    report = self.run_pass()
                    failures += len(report.failed)
                    if report.imported or report.failed or report.alerts or report.sent:
                        self.log(
                            _(
                                "radar watch: pass done: {imported} imported, {failed} failed, {skipped} already "
                                "stored, {alerts} new alerts, {sent} delivered"
                            ).format(
                                imported=len(report.imported),
                                failed=len(report.failed),
                                skipped=len(report.skipped),
                                alerts=report.alerts,
                                sent=report.sent,
                            )
                        )
                except db.DatabaseError as exc:
                    if once or not exc.locked:
                        raise
                    self.log(
                        _("radar watch: {problem}; trying again in {seconds} s").format(
                            problem=exc, seconds=f"{self.interval:g}"
                        )
                    )
                if once or self.stopping.wait(self.interval):
                    break
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if once and failures else 0
