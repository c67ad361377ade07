"""Spark, first stage: reading and staging the exports, each inside a Spark task with Radar's own ingest code.

Reads export files and makes the DataFrames of the DuckDB tables ``stg_posts``, ``imports``, ``quarantine``,
``brands`` and ``brand_aliases``: the same columns in the same order and types (``table_schema``), timestamps as
UTC instants. The result is the one ``radar ingest FILE...`` gives on a new database with the same files in the
same order, but for the clock times (``imported_at``, ``added_at``).

One Spark task per file opens a DuckDB database of its own and ingests its file with
``pipeline.ingest.ingest_files``, so every format, encoding, dialect and quarantine rule is the tested one, and
emits the file's posts, quarantined rows and report. A file read alone does not know the files before it; what
depends on them is done afterwards, in file order, as the sequential import does it:

- import ids ``imp-000001``...: by position among the files that landed; a refused file gets none (a file whose
  posts were all loaded before still lands: its posts are duplicates);
- de-duplication across files: a post whose ``(platform, post_id)`` an earlier import loaded is a duplicate and
  leaves ``stg_posts`` (the task kept the first of an id within its file already). Its import's ``rows_loaded``
  and ``naive_timestamp_count`` go down and ``rows_duplicate`` up, so that
  ``rows_read = rows_loaded + rows_duplicate + rows_quarantined`` still holds;
- brands: each import's brand accounts and the brands its export names, taken from its posts after
  de-duplication as ``ingest_file`` takes them, are registered in file order on a small DuckDB on the driver with
  ``pipeline.core.brands.register``: the same brands, aliases and sources as the sequential import.

The tasks read the files by their paths: on a cluster, the folders must be reachable from every executor (a
shared file system). Each task runs DuckDB on as many threads as Spark gives a task (``spark.task.cpus``) and
spills to a temporary folder beyond ``db.WRITER_MEMORY_LIMIT``. ``ImportReport.brands_suggested`` stays empty:
suggesting brands would need each import's texts on the driver.
"""

from __future__ import annotations

import json
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from pipeline.core import brands as brand_registry
from pipeline.core import db
from pipeline.core.access import current_actor
from pipeline.core.i18n import current_locale, use_locale
from pipeline.ingest import ImportReport, add_brands, ingest_files
from pipeline.ingest.load import MAX_NAMED_BRANDS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

TABLES = ("stg_posts", "imports", "quarantine", "brands", "brand_aliases")

# DuckDB type -> the name of the Spark type (pyspark.sql.types) of the staged tables' columns
_SPARK_TYPES = {
    "VARCHAR": "StringType",  # i18n: not text (a Spark type)
    "BIGINT": "LongType",  # i18n: not text (a Spark type)
    "INTEGER": "IntegerType",  # i18n: not text (a Spark type)
    "BOOLEAN": "BooleanType",  # i18n: not text (a Spark type)
    "DOUBLE": "DoubleType",  # i18n: not text (a Spark type)
    "TIMESTAMP WITH TIME ZONE": "TimestampType",  # i18n: not text (a DuckDB and a Spark type)
}


@cache
def _columns(table: str) -> tuple[tuple[str, str], ...]:
    """(name, DuckDB type) of each column of a Radar table, in order, as a new database has them."""
    con = db.connect(":memory:")
    try:
        return tuple((name, kind) for name, kind, *_rest in con.execute(f"DESCRIBE {table}").fetchall())
    finally:
        con.close()


def table_schema(table: str):
    """The Spark schema (``StructType``) of the Radar table ``table``: its columns in order, each of the Spark
    type of its DuckDB type (``TIMESTAMPTZ``: ``TimestampType``, a UTC instant); all nullable, as Spark has them
    after a join."""
    from pyspark.sql import types as T

    return T.StructType([T.StructField(name, getattr(T, _SPARK_TYPES[kind])()) for name, kind in _columns(table)])


def export_files(folders: Sequence[Path]) -> list[Path]:
    """The export files in import order: for each folder in turn, its regular files whose names do not start
    with a dot, sorted by name (subfolders are not read)."""
    files = []
    for folder in folders:
        for path in sorted(Path(folder).iterdir(), key=lambda path: path.name):
            if not path.name.startswith(".") and _is_regular(path):
                files.append(path)
    return files


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:  # a link to nothing, say
        return False


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:  # the task says what is wrong with it, in the words of radar ingest
        return 0


@dataclass(frozen=True)
class Staged:
    """The staged tables as Spark DataFrames, and what happened to each file.

    ``errors``: (file name, reason) for each file that could not be imported, the reason in the words of
    ``radar ingest``; ``refused``: the same with each file's path (two folders may hold files of one name).
    ``reports``: the import report of each file that landed, in import order, with its counts
    after de-duplication across files and the brands it added (``brands_suggested`` is left empty).
    """

    stg_posts: DataFrame
    imports: DataFrame
    quarantine: DataFrame
    brands: DataFrame
    brand_aliases: DataFrame
    errors: list[tuple[str, str]]
    reports: list[ImportReport]
    refused: list[tuple[str, str]]


# What each task emits, one schema for three kinds of rows (a Spark task has one output): ``post`` rows carry
# a staged post (its import id is given later) and whether its timestamp had no offset; ``quarantine`` rows a
# quarantined row (in line_number, reason, raw); one ``file`` row per file its report or error, as JSON.
def _task_schema():
    from pyspark.sql import types as T

    posts = [field for field in table_schema("stg_posts").fields if field.name != "import_id"]
    return T.StructType(
        [
            T.StructField("kind", T.StringType()),
            T.StructField("position", T.LongType()),
            *posts,
            T.StructField("is_naive", T.BooleanType()),
            T.StructField("reason", T.StringType()),
            T.StructField("raw", T.StringType()),
            T.StructField("file_json", T.StringType()),
        ]
    )


_BATCH_ROWS = 50_000


def _stage_file(position: int, path: str, schema: pa.Schema, options: dict) -> Iterator[pa.RecordBatch]:
    """Ingest one file into a DuckDB database of its own and emit its rows (see ``_task_schema``)."""
    from pyspark import TaskContext

    with tempfile.TemporaryDirectory(prefix="radar-stage-") as spill, use_locale(options["locale"]):
        con = db.connect(":memory:")
        try:
            context = TaskContext.get()
            con.execute(f"SET threads = {max(1, context.cpus() if context else 1)}")  # i18n: not text (SQL)
            con.execute("SET temp_directory = ?", [spill])  # i18n: not text (SQL)

            def keep_naive(con: duckdb.DuckDBPyConnection) -> None:
                con.execute("""CREATE TEMP TABLE stage_naive AS SELECT platform, post_id FROM tmp_staged
                               WHERE reason IS NULL AND NOT is_duplicate AND is_naive""")

            (result,) = ingest_files(
                con, [path], time_zone=options["time_zone"], build_facts=False, on_staged=keep_naive
            )
            report = result.report
            file: dict[str, object]  # what the driver needs of this file: see stage_exports
            if report is None:
                file = {"file_name": Path(path).name, "error": result.error}
            else:
                (imports_row,) = con.sql("SELECT * FROM imports").to_arrow_table().to_pylist()
                named = db.scalar(
                    con,
                    """SELECT count(DISTINCT trim(brand_exported)) FROM stg_posts
                       WHERE NOT coalesce(is_brand_exported, false) AND trim(brand_exported) <> ''""",
                )
                file = {
                    "file_name": report.file_name,
                    "imports_row": {key: value for key, value in imports_row.items() if key != "imported_at"},
                    "imported_at": imports_row["imported_at"].isoformat(),
                    "report": {
                        "quarantine_reasons": report.quarantine_reasons,
                        "file_rows": report.file_rows,
                        "read_by": report.read_by,
                        # the note on too many named brands is made again after de-duplication across files
                        "notes": report.notes[:-1] if named > MAX_NAMED_BRANDS else report.notes,
                    },
                }
                # the column names come from stg_posts: a column added there travels without a change here
                posts = con.sql(
                    f"""SELECT 'post' AS kind, {position}::BIGINT AS position,
                               s.* EXCLUDE (import_id), n.post_id IS NOT NULL AS is_naive,
                               NULL::VARCHAR AS reason, NULL::VARCHAR AS raw, NULL::VARCHAR AS file_json
                        FROM stg_posts s LEFT JOIN stage_naive n USING (platform, post_id)"""
                ).to_arrow_reader(_BATCH_ROWS)
                yield from _as_schema(posts, schema)
                quarantine = con.sql(
                    f"""SELECT 'quarantine' AS kind, {position}::BIGINT AS position, line_number, reason, raw
                        FROM quarantine"""
                ).to_arrow_reader(_BATCH_ROWS)
                yield from _as_schema(quarantine, schema)
            yield pa.RecordBatch.from_pylist(
                [{"kind": "file", "position": position, "file_json": json.dumps(file)}], schema=schema
            )
        finally:
            con.close()


def _as_schema(batches: pa.RecordBatchReader, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Each batch with every column of ``schema``, in order and of its type (absent columns are nulls)."""
    for batch in batches:
        if batch.num_rows:
            columns = [
                batch.column(field.name).cast(field.type)
                if field.name in batch.schema.names
                else pa.nulls(batch.num_rows, field.type)
                for field in schema
            ]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)


def _stage_files(options: dict):
    """The function a task runs over its batches of (position, path)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    def stage(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        schema = to_arrow_schema(_task_schema(), timezone="UTC")
        for batch in batches:
            for position, path in zip(batch.column("position").to_pylist(), batch.column("path").to_pylist()):
                yield from _stage_file(position, path, schema, options)

    return stage


def stage_exports(spark, paths: Sequence[Path], *, time_zone: str = "UTC", brands: Sequence[str] = ()) -> Staged:
    """Read and stage ``paths`` (in import order) as ``radar ingest`` would on a new database, in Spark.

    ``time_zone`` reads timestamps written without an offset (``radar ingest --tz``); ``brands`` are brand
    handles registered with every import (``--brand``).
    """
    from pyspark.sql import functions as F

    emitted = _read_files(spark, paths, {"locale": current_locale(), "time_zone": time_zone})
    outcomes = sorted(
        (position, json.loads(text))
        for position, text in emitted.where("kind = 'file'").select("position", "file_json").collect()
    )
    errors = [(file["file_name"], _reason(file)) for _position, file in outcomes if "error" in file]
    refused = [(str(paths[position]), _reason(file)) for position, file in outcomes if "error" in file]
    landed = [(position, file) for position, file in outcomes if "error" not in file]
    import_ids = {position: f"imp-{number:06d}" for number, (position, _file) in enumerate(landed, 1)}
    ids_schema = "position bigint, import_id string"  # i18n: not text (a schema)
    ids = F.broadcast(spark.createDataFrame(list(import_ids.items()), ids_schema))
    posts = _mark_duplicates(emitted)
    kept = posts.where("NOT is_duplicate")
    moved = {
        position: (duplicate, naive)
        for position, duplicate, naive in posts.where("is_duplicate")
        .groupBy("position")
        .agg(F.count("*"), F.count_if(F.col("is_naive")))
        .collect()
    }
    exported, named, named_count = _brands_in_posts(kept)

    registry = db.connect(":memory:")
    try:
        reports, import_rows = [], []
        for position, file in landed:
            name = file["file_name"]
            # the calls ingest_file makes, in its order; sorted() and DuckDB's ORDER BY both compare code points
            added = add_brands(registry, brands, "given on import")  # i18n: not text (brands.source, data)
            added += add_brands(registry, sorted(exported.get(position, [])), f"acts as a brand in {name}")
            added += brand_registry.register(
                registry,
                sorted(named.get(position, [])),
                kind="name",
                source=f"named by {name}",  # i18n: not text (brands.source, data)
            )
            duplicate, naive = moved.get(position, (0, 0))
            notes = list(file["report"]["notes"])
            if named_count.get(position, 0) > MAX_NAMED_BRANDS:
                notes.append(_many_brands_note(named_count[position]))
            row = dict(file["imports_row"])
            row.update(
                import_id=import_ids[position],
                rows_loaded=row["rows_loaded"] - duplicate,
                rows_duplicate=row["rows_duplicate"] + duplicate,
                naive_timestamp_count=row["naive_timestamp_count"] - naive,
                imported_at=datetime.fromisoformat(file["imported_at"]),
                notes="\n".join(notes) or None,
                imported_by=current_actor(),
            )
            import_rows.append(row)
            reports.append(_report(row, file["report"], notes, added))
        registered = {
            table: spark.createDataFrame(registry.sql(f"SELECT * FROM {table}").to_arrow_table(), table_schema(table))
            for table in ("brands", "brand_aliases")
        }
    finally:
        registry.close()
    imports_schema = table_schema("imports")
    return Staged(
        stg_posts=kept.join(ids, "position").select(*table_schema("stg_posts").fieldNames()),
        imports=spark.createDataFrame(
            [tuple(row[column] for column in imports_schema.fieldNames()) for row in import_rows], imports_schema
        ),
        quarantine=emitted.where("kind = 'quarantine'")
        .join(ids, "position")
        .select(*table_schema("quarantine").fieldNames()),
        brands=registered["brands"],
        brand_aliases=registered["brand_aliases"],
        errors=errors,
        reports=reports,
        refused=refused,
    )


def _read_files(spark, paths: Sequence[Path], options: dict) -> DataFrame:
    """Every file read and staged by a task of its own (``_stage_file``): the rows the tasks emitted, kept (read
    once: not read again by each use of them, nor clocked again)."""
    files = sorted(enumerate(map(str, paths)), key=lambda item: -_size(item[1]))  # a long file starts first
    if not files:
        return spark.createDataFrame([], _task_schema())
    schema = "position bigint, path string"  # i18n: not text (a schema)
    listed = spark.createDataFrame(spark.sparkContext.parallelize(files, len(files)), schema)
    return listed.mapInArrow(_stage_files(options), _task_schema()).localCheckpoint(eager=True)


def _mark_duplicates(emitted: DataFrame) -> DataFrame:
    """The posts the tasks emitted, ``is_duplicate`` where an earlier file has the same (platform, post_id):
    each file holds an id once already, so the earliest file's post is the one kept. Persisted: the counts,
    the brands and ``stg_posts`` all read it."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    earliest_first = Window.partitionBy("platform", "post_id").orderBy("position")
    posts = emitted.where("kind = 'post'").withColumn("is_duplicate", F.row_number().over(earliest_first) > 1)
    return posts.persist(StorageLevel.MEMORY_AND_DISK)


def _brands_in_posts(kept: DataFrame) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, int]]:
    """What ``ingest_file`` registers as brands, per file position, from the posts each import kept: the authors
    of the posts the export marks as a brand's; the ``MAX_NAMED_BRANDS`` brands named by the most customer posts
    (ties by name); and how many different brands those posts name."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    exported: dict[int, list[str]] = {}
    for position, author in (
        kept.where("is_brand_exported AND author_id IS NOT NULL").select("position", "author_id").distinct().collect()
    ):
        exported.setdefault(position, []).append(author)
    most_first = Window.partitionBy("position").orderBy(F.desc("posts"), "brand_exported")
    rows = (
        kept.where("NOT coalesce(is_brand_exported, false) AND brand_exported <> ''")
        .groupBy("position", "brand_exported")
        .agg(F.count("*").alias("posts"))
        .withColumn("rank", F.row_number().over(most_first))
        .withColumn("named", F.count("*").over(Window.partitionBy("position")))
        .where(F.col("rank") <= MAX_NAMED_BRANDS)
        .select("position", "brand_exported", "named")
        .collect()
    )
    named: dict[int, list[str]] = {}
    named_count: dict[int, int] = {}
    for position, brand, count in rows:
        named.setdefault(position, []).append(brand)
        named_count[position] = count
    return exported, named, named_count


def _reason(file: dict) -> str:
    """The reason a file was refused, without the file name ``ingest_files`` puts before it."""
    error, prefix = file["error"], f"{file['file_name']}: "
    return error[len(prefix) :] if error.startswith(prefix) else error


def _many_brands_note(named: int) -> str:
    """The note ``ingest_file`` stores when an export names more brands than ``MAX_NAMED_BRANDS`` (the same
    words: tests/test_spark_stage.py compares them)."""
    return (  # i18n: not text (a stored note)
        f"the brand column names {named:,} different brands: the {MAX_NAMED_BRANDS} most "
        "frequent became brands; add others with `radar brands add NAME`"
    )


def _report(row: dict, task_report: dict, notes: list[str], added: list[str]) -> ImportReport:
    """The import report of a file that landed, with its counts after de-duplication across files."""
    return ImportReport(
        file_name=row["file_name"],
        import_id=row["import_id"],
        sha256=row["sha256"],
        format=row["format"],
        encoding=row["encoding"],
        delimiter=row["delimiter"],
        time_zone=row["time_zone"],
        naive_timestamp_count=row["naive_timestamp_count"],
        header_line=row["header_line"],
        rows_read=row["rows_read"],
        rows_loaded=row["rows_loaded"],
        rows_duplicate=row["rows_duplicate"],
        rows_quarantined=row["rows_quarantined"],
        quarantine_reasons=tuple(tuple(reason) for reason in task_report["quarantine_reasons"]),
        brands_added=tuple(added),
        notes=tuple(notes),
        file_rows=task_report["file_rows"],
        read_by=task_report["read_by"],
    )
