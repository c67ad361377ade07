"""Read: the dashboard served from a Parquet lake, read-only.

A lake is the folder that ``radar spark build`` or ``radar export-parquet`` writes (``pipeline.read.export_parquet``):
``manifest.json`` (the schema version, the analytics settings, each table's rows and partitioning) and one
folder of Parquet files per table, Hive-partitioned by month where the table has a time. ``open_lake`` opens
it as an in-memory DuckDB database with Radar's whole schema, in which

- each lake table is a view over its files (``read_parquet('LAKE/posts/**/*.parquet', hive_partitioning =
  true)``) under its lake name (``posts``, ``hourly``, ``post_themes``...), with Radar's columns in Radar's
  order, each cast to Radar's type, and without the partitions' ``month``: files written by Spark read as
  those written by DuckDB;
- the stored tables the pages read besides (``fct_posts``, ``fct_responses``, ``enr_posts``,
  ``sentiment_overrides`` and the other ``fct_*``) are views derived from those, made so that the ``posts``
  view's own query (``db.POSTS_SELECT``) over them gives back the lake's posts exactly. Three things a lake
  does not hold read as they are served: ``fct_posts.lang`` is the language shown (the export's own code is
  not kept), Radar's own score and method of a post whose label came from its export or a correction are NULL
  (its own label is kept, as ``radar_label``), and ``facts_build`` is NULL. ``fct_posts.rowid`` is a column,
  ``hash(platform, post_id)``: the queries only pick rows by it and then join them on (platform, post_id), so
  a collision could only bring in a row that join drops;
- what a lake does not hold at all (alerts and their deliveries, the crisis log, the audit log, saved column
  mappings, the sentiment adapters, the staged rows) is Radar's table, empty;
- ``radar_meta`` holds the manifest's settings, its theme set where it has one, and a data version derived
  from the manifest, so that the pages' caches (keyed on ``db.cache_key``) follow a rebuilt lake.

Nothing is copied into memory: every query reads the files. Nothing is downloaded either: an ``s3://`` lake is
read through DuckDB's httpfs extension, which must be installed beforehand, with the credentials DuckDB finds
configured (a persistent secret).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core import db
from pipeline.core.i18n import N_, _, fmt_int
from pipeline.core.settings import Settings
from pipeline.metrics.themes import validate as validate_themes
from pipeline.read.export_parquet import SOURCES, TABLES

REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # s3://bucket/lake and the like; anything else is a folder
# what to do where there is no lake yet: marked here, translated where shown (``_(BUILD_HINT).format(lake=...)``)
BUILD_HINT = N_("build it with `radar spark build --lake {lake} EXPORT_FOLDER...` or `radar export-parquet {lake}`")

# Radar's score is the one shown where the label comes from Radar's base score or the adapter (or from nothing)
_RADAR_SCORED = "sentiment_source IS NULL OR sentiment_source IN ('radar', 'adapter')"
# Radar's stored table or view -> the relation it is derived from on a lake, and its columns that are not read
# under their own name there (the others are)
_DERIVED: dict[str, tuple[str, dict[str, str]]] = {
    "fct_posts": (
        "posts",
        {
            "facts_build": "NULL",
            "detected_lang": "lang",
            "sentiment": f"CASE WHEN {_RADAR_SCORED} THEN sentiment END",
            "sentiment_label": "radar_label",
            "sentiment_method": f"CASE WHEN {_RADAR_SCORED} THEN sentiment_method END",
        },
    ),
    "enr_posts": ("fct_posts", {"lang": "detected_lang"}),
    # a correction wins in the posts view: the posts whose label is one are the corrections
    "sentiment_overrides": (
        "posts WHERE sentiment_source = 'correction'",  # i18n: not text (SQL)
        {"note": "NULL", "set_at": "NULL", "set_by": "NULL"},
    ),
    "fct_responses": (
        "responses r",
        {"author_id": "(SELECT p.author_id FROM posts p WHERE p.platform = r.platform AND p.post_id = r.post_id)"},
    ),
    "fct_threads": ("threads", {}),
    "fct_hourly": ("hourly", {}),
    "fct_crises": ("crises", {}),
    "fct_crisis_phases": ("crisis_phases", {}),
    "fct_crisis_moves": ("crisis_moves", {}),
    "fct_post_themes": ("post_themes", {}),
    "fct_reply_moves": ("reply_moves", {}),
}


class LakeError(db.DatabaseError):
    """The lake cannot be served; the message names it and says what is wrong and what to do."""


def lake_location(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The lake the dashboard is asked to serve: ``--lake DIR_OR_URI`` among the app's own arguments
    (``streamlit run app.py -- --lake DIR``), else ``$RADAR_LAKE``; None: it serves the database file.

    >>> lake_location(["--lake", "data/lake"], {})
    'data/lake'
    """
    for position, argument in enumerate(argv):
        if argument == "--lake" and position + 1 < len(argv):
            return argv[position + 1]
        if argument.startswith("--lake="):
            return argument.split("=", 1)[1] or None
    return environ.get("RADAR_LAKE") or None


def is_remote(lake: str) -> bool:
    return bool(REMOTE.match(lake))


def table_files(lake: str, table: str) -> str:
    """The glob of a lake table's Parquet files (its partitions' included)."""
    return f"{lake.rstrip('/')}/{table}/**/*.parquet"


def read_manifest(con: duckdb.DuckDBPyConnection, lake: str) -> dict[str, Any]:
    """The lake's ``manifest.json``, checked: this program's schema version, every table of ``TABLES`` with its
    row count, valid settings. Raises ``LakeError`` naming the lake and the problem."""
    if is_remote(lake):
        try:
            text = db.scalar(con, "SELECT content FROM read_text(?)", [f"{lake.rstrip('/')}/manifest.json"])
        except duckdb.Error as exc:
            raise LakeError(
                _("{lake}: the lake's manifest.json cannot be read ({problem})").format(
                    lake=lake, problem=_first_line(exc)
                )
            ) from None
    else:
        folder = Path(lake)
        if not folder.exists():
            raise LakeError(
                _("{lake}: no lake there (no such folder); {hint}").format(
                    lake=lake, hint=_(BUILD_HINT).format(lake=lake)
                )
            )
        if not folder.is_dir():
            raise LakeError(_("{lake}: not a lake (a file, not a folder)").format(lake=lake))
        if not (folder / "manifest.json").is_file():
            unfinished = (
                _("{lake}: no manifest.json (a build into it has not finished); {hint}")
                if (folder / ".next").exists()
                else _("{lake}: no manifest.json (not a lake, or its first build has not finished); {hint}")
            )
            raise LakeError(unfinished.format(lake=lake, hint=_(BUILD_HINT).format(lake=lake)))
        try:
            text = (folder / "manifest.json").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LakeError(
                _("{lake}: the lake's manifest.json cannot be read ({problem})").format(lake=lake, problem=exc)
            ) from None
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise LakeError(
            _("{lake}: the lake's manifest.json is not valid JSON ({problem}); rebuild the lake").format(
                lake=lake, problem=exc
            )
        ) from None
    if not isinstance(manifest, dict):
        raise LakeError(_("{lake}: the lake's manifest.json is not a manifest; rebuild the lake").format(lake=lake))
    version = manifest.get("schema_version")
    if version != db.SCHEMA_VERSION:
        mismatch = (
            _(
                "{lake}: the lake gives no schema version, and this program reads version {expected}; rebuild the "
                "lake with this version of Radar (`radar spark build` or `radar export-parquet`)"
            )
            if version is None
            else _(
                "{lake}: the lake has schema version {version}, and this program reads version {expected}; rebuild "
                "the lake with this version of Radar (`radar spark build` or `radar export-parquet`)"
            )
        )
        raise LakeError(mismatch.format(lake=lake, version=version, expected=db.SCHEMA_VERSION))
    tables = manifest.get("tables")
    tables = tables if isinstance(tables, dict) else {}
    missing = [table for table in TABLES if not isinstance(tables.get(table), dict)]
    if missing:
        raise LakeError(
            _(
                "{lake}: the lake has no table {tables} (its manifest does not list it); rebuild the lake with this "
                "version of Radar"
            ).format(lake=lake, tables=", ".join(missing))
        )
    for table in TABLES:
        rows = tables[table].get("rows")
        if not isinstance(rows, int) or rows < 0:
            raise LakeError(
                _("{lake}: the manifest gives no row count for the table {table}; rebuild the lake").format(
                    lake=lake, table=table
                )
            )
    if not isinstance(manifest.get("settings"), dict):
        raise LakeError(
            _("{lake}: the lake's manifest holds no settings; rebuild the lake with this version of Radar").format(
                lake=lake
            )
        )
    try:
        Settings.from_json(json.dumps(manifest["settings"])).validate()
    except (TypeError, ValueError) as exc:
        raise LakeError(
            _("{lake}: the settings in the lake's manifest are not valid ({problem})").format(lake=lake, problem=exc)
        ) from None
    if manifest.get("themes") is not None:
        try:
            validate_themes(manifest["themes"])
        except ValueError as exc:
            raise LakeError(
                _("{lake}: the theme set in the lake's manifest is not valid ({problem})").format(
                    lake=lake, problem=exc
                )
            ) from None
    return manifest


def open_lake(lake: str) -> duckdb.DuckDBPyConnection:
    """An in-memory connection on which every page reads the lake ``lake`` (a folder, or an ``s3://`` URI) as it
    reads a database file (see the module's docstring). Raises ``LakeError`` when it cannot be served."""
    con = db.connect(":memory:")
    try:
        # a reader, as the dashboard's read-only connections: DuckDB's default
        con.execute("RESET memory_limit")  # i18n: not text (SQL)
        if is_remote(lake):
            _load_remote_reader(con, lake)
        manifest = read_manifest(con, lake)
        _serve(con, lake, manifest)
    except BaseException:
        con.close()
        raise
    return con


def served_lake(con: duckdb.DuckDBPyConnection) -> str | None:
    """The lake ``con`` serves (``open_lake``), or None on a database file: where a text would tell a reader to
    change something on the Data page or with the CLI, a lake is rebuilt instead."""
    return db.get_meta(con, "served_lake")


def _load_remote_reader(con: duckdb.DuckDBPyConnection, lake: str) -> None:
    """Load DuckDB's httpfs extension (and aws where installed, for its credential chain); never install one."""
    try:
        con.execute("LOAD httpfs")  # i18n: not text (SQL)
    except duckdb.Error:
        raise LakeError(
            _(
                "{lake}: reading {scheme}:// needs DuckDB's httpfs extension, which is not installed here, and the "
                "dashboard downloads nothing while it runs; install it once beforehand (in Python: "
                "`import duckdb; duckdb.sql('INSTALL httpfs')`), configure the credentials as a DuckDB persistent "
                "secret, then start the dashboard again"
            ).format(lake=lake, scheme=lake.split("://", 1)[0])
        ) from None
    try:
        con.execute("LOAD aws")  # i18n: not text (SQL)
    except duckdb.Error:
        pass  # optional: secrets with the credential chain need it, secrets with keys do not


def _serve(con: duckdb.DuckDBPyConnection, lake: str, manifest: dict[str, Any]) -> None:
    """Replace Radar's stored tables and public views on ``con`` by views over the lake's files."""
    lake_columns = {table: _columns(con, SOURCES.get(table, table)) for table in TABLES}
    derived_columns = {table: _columns(con, table) for table in _DERIVED}
    for name, kind in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall():
        if name in TABLES or name in _DERIVED:
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")
    for table in TABLES:
        rows = manifest["tables"][table]["rows"]
        if rows == 0:  # no files to read (a partitioned table without rows has none): typed and empty
            casts = ", ".join(
                f"CAST(NULL AS {kind}) AS {_quoted(name)}"  # i18n: not text (SQL)
                for name, kind in lake_columns[table]
            )
            con.execute(f"CREATE VIEW {table} AS SELECT {casts} WHERE false")
            continue
        pattern = table_files(lake, table)
        try:
            files = db.scalar(con, "SELECT count(*) FROM glob(?)", [pattern])
        except duckdb.Error as exc:
            raise LakeError(
                _("{lake}: the table {table} cannot be listed ({problem})").format(
                    lake=lake, table=table, problem=_first_line(exc)
                )
            ) from None
        if not files:
            raise LakeError(
                _(
                    "{lake}: the table {table} has no Parquet files ({table}/ is missing or empty), though the "
                    "manifest counts {rows} rows; rebuild the lake"
                ).format(lake=lake, table=table, rows=fmt_int(rows))
            )
        casts = ", ".join(f"CAST(f.{_quoted(name)} AS {kind}) AS {_quoted(name)}" for name, kind in lake_columns[table])
        literal = pattern.replace("'", "''")  # a view takes no parameters
        try:
            con.execute(
                f"CREATE VIEW {table} AS SELECT {casts} FROM read_parquet('{literal}', hive_partitioning = true) f"
            )
            con.execute(f"SELECT * FROM {table} LIMIT 0").fetchall()
        except duckdb.Error as exc:
            raise LakeError(
                _(
                    "{lake}: the table {table} cannot be read as Radar's ({problem}); rebuild the lake with this "
                    "version of Radar"
                ).format(lake=lake, table=table, problem=_first_line(exc))
            ) from None
    for table, (source, expressions) in _DERIVED.items():
        casts = ", ".join(
            f"CAST({expressions.get(name, _quoted(name))} AS {kind}) AS {_quoted(name)}"
            for name, kind in derived_columns[table]
        )
        rowid = ", hash(platform, post_id) AS rowid" if table == "fct_posts" else ""  # i18n: not text (SQL)
        con.execute(f"CREATE VIEW {table} AS SELECT {casts}{rowid} FROM {source}")
    settings = Settings.from_json(json.dumps(manifest["settings"]))
    db.set_meta(con, "settings", settings.to_json())
    db.set_meta(con, "served_lake", lake)  # what a text that would send a reader to the Data page asks
    if manifest.get("themes") is not None:
        db.set_meta(con, "themes", json.dumps(manifest["themes"], ensure_ascii=False))
    # a number that changes with the manifest: the pages' caches are keyed on it
    stamp = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    db.set_meta(con, "data_version", str(int(stamp[:12], 16)))


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a relation in Radar's schema, in order."""
    return [
        (row[0], row[1])
        for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()  # i18n: not text (SQL)
    ]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class LakeStore:
    """The dashboard's access to a lake, shared by every session of the process as ``core.store.Store`` is for a
    database file: one in-memory connection, a cursor per query. It is opened on first use, and again when the
    lake's manifest changes (a rebuild swapped in; an ``s3://`` lake is opened once per process). Read-only:
    ``writing`` raises ``LakeError``."""

    def __init__(self, lake: str):
        self.lake = lake
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at: tuple | None = None

    @property
    def path(self) -> str:
        return self.lake

    def _stamp(self) -> tuple | None:
        """What tells a rebuilt lake from the one opened: its manifest file's identity and time."""
        if is_remote(self.lake):
            return ()
        try:
            found = os.stat(Path(self.lake) / "manifest.json")
        except OSError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for queries; raises ``LakeError`` when the lake cannot be served (tried again next time)."""
        with self._lock:
            stamp = self._stamp()
            if self._con is None or stamp != self._opened_at:
                # the connection a rebuild replaces is left to the cursors still reading it (closed with the last)
                self._con, self._opened_at = None, None
                self._con, self._opened_at = open_lake(self.lake), stamp
            cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        raise LakeError(
            _(
                "{lake}: this dashboard serves a lake, read-only; imports and settings changes are made by "
                "rebuilding the lake"
            ).format(lake=self.lake)
        )
        yield  # pragma: no cover -- a generator, for contextmanager

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con, self._opened_at = None, None
