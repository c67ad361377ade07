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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
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
    _swap(folder)
    return counts


def _swap(folder: Path) -> None:
    """Move the complete export in ``.next`` into place, the previous one out to ``.previous``; safe to run
    again from any point it was stopped at."""
    staging, previous = folder / ".next", folder / ".previous"
    previous.mkdir(exist_ok=True)
    for name in _PUBLISHED:
        if not (staging / name).exists():
            continue  # moved in already
        if (folder / name).exists():
            shutil.rmtree(previous / name, ignore_errors=True)
            (folder / name).rename(previous / name)
            _reached(f"moved away {name}")  # i18n: not text (a step's name, for tests)
        (staging / name).rename(folder / name)
        _reached(f"moved in {name}")  # i18n: not text (a step's name, for tests)
    shutil.rmtree(previous)
    shutil.rmtree(staging)


def _recover(folder: Path) -> None:
    """Finish or undo what a killed export left: a complete ``.next`` is swapped in; an incomplete one is
    dropped, and any table already moved to ``.previous`` goes back."""
    staging, previous = folder / ".next", folder / ".previous"
    if (staging / "COMPLETE").exists():
        _swap(folder)
        return
    shutil.rmtree(staging, ignore_errors=True)
    if previous.exists():
        for moved in previous.iterdir():
            if not (folder / moved.name).exists():
                moved.rename(folder / moved.name)
        shutil.rmtree(previous)
    for leftover in folder.glob(".*.writing"):  # the temporary folders of earlier versions
        shutil.rmtree(leftover, ignore_errors=True)


def _reached(step: str) -> None:
    """A named point of the export; tests stop the export here to show that every point is recoverable."""


def _sql_path(path: Path) -> str:
    """A path inside a SQL string literal (COPY ... TO takes no parameters)."""
    return str(path).replace("'", "''")
