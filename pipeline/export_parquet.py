"""Export: the public tables as Parquet, partitioned by month, for other engines.

``DIR/posts/month=2026-10/data_0.parquet`` and so on (Hive-style partitions on the month of the row's own
time, UTC); small tables are one file each. Every table is written to a temporary folder first and then
swapped in, so a failed or interrupted export leaves the previous one in place. Timestamps are UTC
(Parquet ``TIMESTAMP`` adjusted to UTC), ids are strings. ``manifest.json`` lists the tables, their row
counts and partition columns.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from . import db

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


def export_parquet(con: duckdb.DuckDBPyConnection, folder: str | Path) -> dict[str, int]:
    """Write every public table under ``folder``; return the row count of each."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, month_of in TABLES.items():
        staging = folder / f".{table}.writing"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        counts[table] = db.scalar(con, f"SELECT count(*) FROM {table}")
        if month_of is None:
            con.execute(f"COPY (SELECT * FROM {table}) TO '{_sql_path(staging / 'data_0.parquet')}' "
                        "(FORMAT parquet, COMPRESSION zstd)")
        elif counts[table]:
            con.execute(f"""
                COPY (SELECT *, strftime({month_of}, '%Y-%m') AS month FROM {table} ORDER BY {month_of})
                TO '{_sql_path(staging)}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month),
                                           OVERWRITE_OR_IGNORE)""")
        target = folder / table
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    manifest = {
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "schema_version": db.SCHEMA_VERSION,
        "tables": {table: {"rows": counts[table], "partitioned_by": "month" if month_of else None,
                           "month_of": month_of} for table, month_of in TABLES.items()},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def _sql_path(path: Path) -> str:
    """A path inside a SQL string literal (COPY ... TO takes no parameters)."""
    return str(path).replace("'", "''")
