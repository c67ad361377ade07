"""Export: the public tables as Parquet, partitioned by month, for other engines.

``DIR/posts/month=2026-10/data_0.parquet`` and so on (Hive-style partitions on the month of the row's own
time, UTC); small tables are one file each. A new export is written whole into ``DIR/.next`` (marked
complete last); only then are the previous tables moved to ``DIR/.previous`` and the new ones moved in, one
rename each. An export killed before it is complete leaves the previous one whole; one killed while
swapping is finished by the next run (which also clears what a killed run left). Timestamps are UTC
(Parquet ``TIMESTAMP`` adjusted to UTC), ids are strings. ``manifest.json`` lists the tables, their row
counts and partition columns.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.core import db

# table -> the timestamp whose month partitions it (None: one file)
TABLES = {
    "posts": "created_at",
    "responses": "created_at",
    "threads": "started_at",
    "crises": "started_at",
    "crisis_phases": None,
    "crisis_moves": None,
    "brands": None,
    "imports": None,
}


_PUBLISHED = (*TABLES, "manifest.json")


def export_parquet(con: duckdb.DuckDBPyConnection, folder: str | Path) -> dict[str, int]:
    """Write every public table under ``folder``; return the row count of each."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _recover(folder)
    staging = folder / ".next"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    counts = {}
    for table, month_of in TABLES.items():
        target = staging / table
        target.mkdir()
        counts[table] = db.scalar(con, f"SELECT count(*) FROM {table}")
        if month_of is None:
            con.execute(
                f"COPY (SELECT * FROM {table}) TO '{_sql_path(target / 'data_0.parquet')}' "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
        elif counts[table]:
            con.execute(f"""
                COPY (SELECT *, strftime({month_of}, '%Y-%m') AS month FROM {table} ORDER BY {month_of})
                TO '{_sql_path(target)}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month),
                                          OVERWRITE_OR_IGNORE)""")
        _reached(f"wrote {table}")
    manifest = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_version": db.SCHEMA_VERSION,
        "tables": {
            table: {"rows": counts[table], "partitioned_by": "month" if month_of else None, "month_of": month_of}
            for table, month_of in TABLES.items()
        },
    }
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
            _reached(f"moved away {name}")
        (staging / name).rename(folder / name)
        _reached(f"moved in {name}")
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
