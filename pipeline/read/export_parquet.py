"""Export: the public tables as Parquet, partitioned by month, for other engines: a lake.

``DIR/posts/month=2026-10/data_0.parquet`` and so on (Hive-style partitions on the month of the row's own
time, UTC); small tables are one file each. The table set (``TABLES``) is the public views and what the
dashboard reads besides them to serve every page from the lake (``pipeline.read.lake``); ``radar spark build``
writes the same tables with the same columns. A new export is written whole into ``DIR/.next`` (marked
complete last); only then are the previous tables moved to ``DIR/.previous`` and the new ones moved in, one
rename each. An export killed before it is complete leaves the previous one whole; one killed while
swapping is finished by the next run (which also clears what a killed run left). Timestamps are UTC
(Parquet ``TIMESTAMP`` adjusted to UTC), ids are strings. ``manifest.json`` lists the tables, their row
counts and partition columns, the schema version, the analytics settings (``Settings`` as the JSON the
database stores) and the theme set where the database has its own.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

import duckdb

from pipeline.core import db
from pipeline.core.i18n import _
from pipeline.core.settings import load_settings

# lake table -> the timestamp whose month partitions it (None: one file)
TABLES = {
    "posts": "created_at",
    "responses": "created_at",
    "threads": "started_at",
    "hourly": "hour_at",
    "crises": "started_at",
    "crisis_phases": None,
    "crisis_moves": None,
    "brands": None,
    "imports": None,
    "quarantine": None,
    # not public views, but read by the pages: the Topics page (themes), the crisis room's targets (the brand's
    # statements are its replies classed as moves), the brands table on the Data page (handles and names)
    "post_themes": "created_at",
    "reply_moves": "created_at",
    "brand_aliases": None,
}
# lake table -> the Radar table or view it holds, where the names differ
SOURCES = {"hourly": "fct_hourly", "post_themes": "fct_post_themes", "reply_moves": "fct_reply_moves"}


_PUBLISHED = (*TABLES, "manifest.json")
LOCK = ".lock"  # held by the one export or build writing a local lake (``writing``)


class LakeRefused(Exception):
    """The lake cannot be written now, or not there; the message names the lake and says why."""


class LakeBusy(LakeRefused):
    """Another export or build is writing the lake now."""


_HELD: set[str] = set()  # the lakes this process holds the lock of (``writing`` is re-entrant)


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` (an exclusive ``flock``) while one export or Spark build writes the lake in
    ``folder`` (created if missing). A second writer is refused at once with ``LakeBusy``: two would share one
    ``.next``, and one could swap in the other's half-written tables. The lock goes with the process that holds
    it, so a killed export leaves nothing to clear. Re-entrant within a process (``radar spark build`` takes it
    before Spark starts, ``build_lake`` again). A folder that cannot be made is not locked: the writer says why
    in its own words before it writes anything; a lock that cannot be taken refuses the write."""
    key = os.path.realpath(folder)
    if key in _HELD:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        yield
        return
    try:
        handle = open(folder / LOCK, "a", encoding="utf-8")  # noqa: SIM115 -- closed below, after the yield
    except OSError as exc:
        raise LakeRefused(
            _("{lake}: cannot take the writers' lock {lock} ({error}); the lake was not changed").format(
                lake=folder, lock=folder / LOCK, error=exc.strerror or exc
            )
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LakeBusy(
                _(
                    "{lake}: another export or Spark build is writing this lake now; run this one when it has "
                    "finished (the lake was not changed)"
                ).format(lake=folder)
            ) from None
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)


def lake_folder(lake: str | Path) -> Path:
    """The local folder ``radar export-parquet`` writes for ``lake`` (a path, or a ``file://`` URI); raises
    ``LakeRefused`` for an empty name, another URI, or a file where the folder would be."""
    text = str(lake)
    if not text.strip():
        raise LakeRefused(_("no lake folder given: name the folder to write the lake in"))
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        if not text.lower().startswith("file://"):
            raise LakeRefused(
                _(
                    "{lake}: radar export-parquet writes a local folder; write one and copy it there, or build "
                    "the lake there with `radar spark build`"
                ).format(lake=text)
            )
        text = unquote(urlparse(text).path)
    folder = Path(text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise LakeRefused(_("{lake}: a file is in the way: the lake is a folder").format(lake=lake))
    return folder


def export_parquet(con: duckdb.DuckDBPyConnection, folder: str | Path) -> dict[str, int]:
    """Write every lake table (``TABLES``) under ``folder`` (see ``lake_folder``); return the row count of
    each. Raises ``LakeRefused`` (``LakeBusy`` while another writer holds the lake)."""
    folder = lake_folder(folder)
    with writing(folder):
        return _export(con, folder)


def _export(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)  # where ``writing`` could not: the reason, in the OS's words
    _recover(folder)
    staging = folder / ".next"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    counts = {}
    for table, month_of in TABLES.items():
        target = staging / table
        target.mkdir()
        source = SOURCES.get(table, table)
        counts[table] = db.scalar(con, f"SELECT count(*) FROM {source}")
        if month_of is None:
            con.execute(
                f"COPY (SELECT * FROM {source}) TO '{_sql_path(target / 'data_0.parquet')}' "  # i18n: not text (SQL)
                "(FORMAT parquet, COMPRESSION zstd)"
            )
        elif counts[table]:
            con.execute(f"""
                COPY (SELECT *, strftime({month_of}, '%Y-%m') AS month FROM {source} ORDER BY {month_of})
                TO '{_sql_path(target)}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month),
                                          OVERWRITE_OR_IGNORE)""")
        _reached(f"wrote {table}")
    manifest = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "built_by": "export-parquet",
        "schema_version": db.SCHEMA_VERSION,
        "settings": json.loads(load_settings(con).to_json()),
        "tables": {
            table: {"rows": counts[table], "partitioned_by": "month" if month_of else None, "month_of": month_of}
            for table, month_of in TABLES.items()
        },
    }
    themes = db.get_meta(con, "themes")
    if themes is not None:  # the database's own theme set (without it, the shipped one tagged the posts)
        manifest["themes"] = json.loads(themes)
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (staging / "COMPLETE").touch()
    _reached("complete")
    swap(LocalFiles(folder), lambda step: _reached(step))
    return counts


class Files(Protocol):
    """The few file operations the swap needs, on paths ``path`` makes: ``LocalFiles`` here, Hadoop's
    FileSystem for ``radar spark build`` (``pipeline.spark.build.LakeFiles``)."""

    def path(self, *parts: str) -> str: ...
    def exists(self, path: str) -> bool: ...
    def mkdirs(self, path: str) -> None: ...
    def delete(self, path: str) -> None: ...  # a file or a whole folder; nothing there is no error
    def rename(self, source: str, target: str) -> None: ...
    def names(self, path: str) -> list[str]: ...  # what a folder holds; none when it is not there


class LocalFiles:
    """``Files`` on a local folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, *parts: str) -> str:
        return str(self.folder.joinpath(*parts))

    def exists(self, path: str) -> bool:
        return Path(path).exists()

    def mkdirs(self, path: str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def delete(self, path: str) -> None:
        if Path(path).is_dir() and not Path(path).is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            Path(path).unlink(missing_ok=True)

    def rename(self, source: str, target: str) -> None:
        Path(source).rename(target)

    def names(self, path: str) -> list[str]:
        return [child.name for child in Path(path).iterdir()] if Path(path).is_dir() else []


def swap(files: Files, reached: Callable[[str], None]) -> None:
    """Move the complete lake in ``.next`` into place, the previous tables out to ``.previous``; safe to run
    again from any point it was stopped at. ``reached`` is told each step (tests stop the write there)."""
    previous = files.path(".previous")
    files.mkdirs(previous)
    for name in _PUBLISHED:
        if not files.exists(files.path(".next", name)):
            continue  # moved in already
        if files.exists(files.path(name)):
            files.delete(files.path(".previous", name))
            files.rename(files.path(name), files.path(".previous", name))
            reached(f"moved away {name}")  # i18n: not text (a step's name, for tests)
        files.rename(files.path(".next", name), files.path(name))
        reached(f"moved in {name}")  # i18n: not text (a step's name, for tests)
    files.delete(previous)
    files.delete(files.path(".next"))


def recover(files: Files, reached: Callable[[str], None]) -> None:
    """Finish or undo what a stopped write left: a complete ``.next`` is swapped in; an incomplete one is
    dropped, and any table already moved to ``.previous`` goes back."""
    if files.exists(files.path(".next", "COMPLETE")):
        swap(files, reached)
        return
    files.delete(files.path(".next"))
    for name in files.names(files.path(".previous")):
        if not files.exists(files.path(name)):
            files.rename(files.path(".previous", name), files.path(name))
    files.delete(files.path(".previous"))


def _recover(folder: Path) -> None:
    recover(LocalFiles(folder), lambda step: _reached(step))
    for leftover in folder.glob(".*.writing"):  # the temporary folders of earlier versions
        shutil.rmtree(leftover, ignore_errors=True)


def _reached(step: str) -> None:
    """A named point of the export; tests stop the export here to show that every point is recoverable."""


def _sql_path(path: Path) -> str:
    """A path inside a SQL string literal (COPY ... TO takes no parameters)."""
    return str(path).replace("'", "''")
