"""``radar spark build``: the whole pipeline on Spark, from folders of exports to a Parquet lake.

The stages run in the order of the DuckDB path (stage -> score -> facts -> responses, hourly, moves, themes ->
crises), each materialised once (persisted and counted) so that its time is its own and later stages do not
compute it again. The lake is always recomputed whole: there is no incremental update on this path.

Writing is atomic, with the protocol of ``radar export-parquet`` (pipeline/read/export_parquet.py) but through
Hadoop's FileSystem API, so that it works on any URI Spark can write (a local folder, ``file://``, ``s3a://``,
``abfss://``, ``hdfs://`` where the cluster has the connector): every table is written into ``LAKE/.next``,
``manifest.json`` and then ``COMPLETE`` last; only then is each previous table moved to ``LAKE/.previous`` and
the new one moved in, one rename each. A build stopped before ``COMPLETE`` leaves the previous lake whole (the
next build clears what it left); one stopped while swapping is finished by the next build.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from py4j.protocol import Py4JJavaError

from pipeline.core import db
from pipeline.core.i18n import _, fmt_int, fmt_num, ngettext
from pipeline.core.settings import Settings
from pipeline.read.export_parquet import SOURCES, TABLES, recover, swap, writing
from pipeline.spark.session import releasing


@dataclass
class BuildReport:
    lake: str
    files: int
    refused: list[tuple[str, str]]
    rows: dict[str, int] = field(default_factory=dict)  # lake table -> rows written
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> wall seconds
    stage_rows: dict[str, int] = field(default_factory=dict)  # stage -> rows it produced (posts/s per stage)

    def lines(self) -> list[str]:
        """The report as a person reads it, in the current language."""
        out = [
            ngettext("{n} export file read", "{n} export files read", self.files).format(n=fmt_int(self.files)),
        ]
        out += [_("{file}: not imported: {reason}").format(file=name, reason=reason) for name, reason in self.refused]
        if self.refused:
            imported = self.files - len(self.refused)
            out.append(
                ngettext("{done} of {n} file imported", "{done} of {n} files imported", self.files).format(
                    done=fmt_int(imported), n=fmt_int(self.files)
                )
            )
        for table, rows in self.rows.items():
            out.append(f"{table:<15} " + ngettext("{n} row", "{n} rows", rows).format(n=f"{fmt_int(rows):>12}"))
        timing = ", ".join(
            _("{stage} {seconds} s").format(stage=stage_label(stage), seconds=fmt_num(seconds, 1))
            for stage, seconds in self.seconds.items()
        )
        out.append(_("built with Spark ({timing})").format(timing=timing))
        out.append(
            _("written to {lake} (Parquet, partitioned by month where the table has a time; see manifest.json)").format(
                lake=self.lake
            )
        )
        return out


def stage_label(stage: str) -> str:
    """A stage of the build as a person reads it, in the current language (``BuildReport.seconds`` and the
    benchmark keep the short keys)."""
    labels = {
        "stage": _("reading the exports"),
        "sentiment": _("language and sentiment"),
        "threads": _("threads and brands"),
        "posts": _("posts"),
        "responses": _("response times"),
        "hourly": _("hourly series"),
        "playbook": _("reply moves"),
        "themes": _("themes"),
        "crises": _("crises"),
        "write": _("writing the lake"),
    }
    return labels.get(stage, stage)


class LakeError(Exception):
    """The lake cannot be written (a path Spark cannot reach, a file where the folder should be)."""


def local_folder(lake: str) -> Path | None:
    """The local folder of ``lake`` (a path or a ``file://`` URI), or None for a lake on another file system."""
    uri = lake_uri(lake)
    return Path(unquote(urlparse(uri).path)) if uri.startswith("file:") else None


def lake_uri(lake: str) -> str:
    """A lake given as a local folder becomes an absolute ``file://`` URI; a URI is kept as it is."""
    if "://" in lake:
        return lake.rstrip("/")
    return Path(lake).expanduser().resolve().as_uri()


class LakeFiles:
    """``export_parquet.Files`` through Hadoop's FileSystem (any URI Spark can write): the atomic write is
    export-parquet's own (``swap``, ``recover``)."""

    def __init__(self, spark, uri: str):
        jvm = spark.sparkContext._jvm
        self._jvm = jvm
        self.uri = uri
        self._fs = jvm.org.apache.hadoop.fs.Path(uri).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        # a local lake gets no hidden .crc file beside each Parquet file (Spark's writers share this instance)
        self._fs.setWriteChecksum(False)

    def path(self, *parts: str) -> str:
        return "/".join([self.uri, *parts])

    def _p(self, path: str):
        return self._jvm.org.apache.hadoop.fs.Path(path)

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._p(path)))

    def is_file(self, path: str) -> bool:
        return bool(self._fs.exists(self._p(path)) and self._fs.getFileStatus(self._p(path)).isFile())

    def mkdirs(self, path: str) -> None:
        if not self._fs.mkdirs(self._p(path)):
            raise LakeError(_("{path}: cannot create this folder").format(path=path))

    def delete(self, path: str) -> None:
        self._fs.delete(self._p(path), True)

    def rename(self, source: str, target: str) -> None:
        if not self._fs.rename(self._p(source), self._p(target)):
            raise LakeError(_("could not move {source} to {target}").format(source=source, target=target))

    def names(self, path: str) -> list[str]:
        if not self.exists(path):
            return []
        return [status.getPath().getName() for status in self._fs.listStatus(self._p(path))]

    def write_text(self, path: str, text: str) -> None:
        stream = self._fs.create(self._p(path), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()


def reached(step: str) -> None:
    """A named point of the build; tests stop the build here to show that every point is recoverable."""


def _public_columns() -> dict[str, list[str]]:
    """Each lake table's columns, in order: those of its Radar table or view, read from Radar's own schema."""
    con = db.connect(":memory:")
    try:
        return {
            table: [
                column[0] for column in con.execute(f"SELECT * FROM {SOURCES.get(table, table)} LIMIT 0").description
            ]
            for table in TABLES
        }
    finally:
        con.close()


def _write_table(files: LakeFiles, name: str, frame, columns: list[str], month_of: str | None) -> None:
    from pyspark.sql import functions as F

    frame = frame.select(*columns)
    target = files.path(".next", name)
    writer_options = {"compression": "zstd"}
    if month_of is None:
        frame.coalesce(1).write.options(**writer_options).parquet(target)
    else:
        (
            frame.withColumn("month", F.date_format(F.col(month_of), "yyyy-MM"))
            .repartition("month")
            .sortWithinPartitions(month_of)
            .write.options(**writer_options)
            .partitionBy("month")
            .parquet(target)
        )
    files.delete(f"{target}/_SUCCESS")


def open_lake(spark, lake: str) -> LakeFiles:
    """The lake's files, after finishing or undoing what a stopped build left; raise ``LakeError`` when the lake
    cannot be a folder there."""
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")  # i18n: not text (a config key)
    spark.conf.set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    uri = lake_uri(lake)
    try:
        files = LakeFiles(spark, uri)
        if files.is_file(uri):
            raise LakeError(_("{lake}: a file is in the way: the lake is a folder").format(lake=lake))
        files.mkdirs(uri)
        recover(files, lambda step: reached(step))
        files.write_text(files.path(".write-check"), "")  # found now, not after every stage has run
        files.delete(files.path(".write-check"))
    except Py4JJavaError as exc:  # Hadoop's refusal (a parent that is a file, no permission, no such bucket)
        reason = str(exc.java_exception).splitlines()[0]
        raise LakeError(_("{lake}: cannot write there: {error}").format(lake=lake, error=reason)) from None
    return files


def compute_tables(
    spark, folders: list[Path], settings: Settings, *, on_stage: Callable[[str], None] | None = None
) -> tuple[dict, BuildReport]:
    """Run every stage on the exports in ``folders``; return the lake's tables (persisted DataFrames) and the
    report so far (files, refused files, each stage's time and rows)."""
    from pipeline.spark import crises as spark_crises
    from pipeline.spark import facts as spark_facts
    from pipeline.spark import metrics as spark_metrics
    from pipeline.spark import responses as spark_responses
    from pipeline.spark import stage as spark_stage

    paths = spark_stage.export_files(list(folders))
    report = BuildReport(lake="", files=len(paths), refused=[])
    seconds, stage_rows = report.seconds, report.stage_rows

    def timed(stage: str, make):
        """Run a stage, persist and count what it made, so its time is its own."""
        if on_stage:
            on_stage(stage)
        started = time.perf_counter()
        result = make()
        frames = result if isinstance(result, tuple) else (result,)
        counts = []
        for frame in frames:
            frame.persist()
            counts.append(frame.count())
        seconds[stage] = time.perf_counter() - started
        stage_rows[stage] = counts[0]
        return result

    started = time.perf_counter()
    if on_stage:
        on_stage("stage")
    staged = spark_stage.stage_exports(spark, paths)
    stage_rows["stage"] = staged.stg_posts.count()
    seconds["stage"] = time.perf_counter() - started
    report.refused = list(staged.refused)

    scored = timed("sentiment", lambda: spark_facts.score_posts(spark, staged.stg_posts, staged.imports))
    facts = timed("threads", lambda: spark_facts.build_facts(spark, staged.stg_posts, staged.brand_aliases, scored))
    posts = timed("posts", lambda: spark_facts.public_posts(facts, staged.imports))
    responses, threads, coverage = timed(
        "responses", lambda: spark_responses.compute_responses(spark, facts, posts, settings)
    )
    hourly = timed("hourly", lambda: spark_metrics.compute_hourly(spark, facts, posts))
    moves = timed("playbook", lambda: spark_metrics.compute_reply_moves(spark, facts))
    themes = timed("themes", lambda: spark_metrics.tag_themes(spark, facts))
    inputs = {"posts": posts, "fct_posts": facts, "fct_responses": responses, "fct_hourly": hourly}
    crises, phases, crisis_moves = timed(
        "crises", lambda: spark_crises.compute_crises(spark, {**inputs, "fct_reply_moves": moves}, settings)
    )
    frames = {
        "posts": posts,
        "responses": responses,
        "threads": threads,
        "hourly": hourly,
        "crises": crises,
        "crisis_phases": phases,
        "crisis_moves": crisis_moves,
        "brands": staged.brands,
        "imports": staged.imports,
        "quarantine": staged.quarantine,
        "post_themes": themes,
        "reply_moves": moves,
        "reply_coverage": coverage,
        "brand_aliases": staged.brand_aliases,
    }
    missing = [table for table in TABLES if table not in frames]
    if missing:  # the lake's table list grew without this build learning to write it
        raise LakeError(f"the Spark build does not produce {', '.join(missing)}")  # i18n: not text (a bug)
    frames["_scored"], frames["_facts"], frames["_stg_posts"] = scored, facts, staged.stg_posts
    return frames, report


def write_lake(files: LakeFiles, frames: dict, settings: Settings) -> dict[str, int]:
    """Write the tables into ``.next``, then the manifest and ``COMPLETE``, then swap them in; return the rows
    of each table."""
    rows = {}
    files.delete(files.path(".next"))
    files.mkdirs(files.path(".next"))
    columns = _public_columns()
    for table, month_of in TABLES.items():
        _write_table(files, table, frames[table], columns[table], month_of)
        rows[table] = frames[table].count()
        reached(f"wrote {table}")
    files.write_text(files.path(".next", "manifest.json"), _manifest(rows, settings) + "\n")
    files.write_text(files.path(".next", "COMPLETE"), "")
    reached("complete")
    swap(files, lambda step: reached(step))
    return rows


def build_lake(
    spark,
    lake: str,
    folders: list[Path],
    settings: Settings | None = None,
    *,
    on_stage: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build the lake at ``lake`` (a folder or a URI) from the exports in ``folders``; return what was written."""
    settings = (settings or Settings()).validate()
    folder = local_folder(lake)
    # one writer at a time on a local lake (``export_parquet.writing``); on other file systems, the operator's care
    with writing(folder) if folder is not None else nullcontext():
        return _build(spark, lake, folders, settings, on_stage)


def _build(spark, lake: str, folders: list[Path], settings: Settings, on_stage) -> BuildReport:
    files = open_lake(spark, lake)
    with releasing(spark):  # what the stages persisted and checkpointed, whatever happens
        frames, report = compute_tables(spark, folders, settings, on_stage=on_stage)
        report.lake = lake
        try:
            if not frames["imports"].count():  # nothing to write: the previous lake stays as it is
                raise LakeError(
                    ngettext(
                        "{lake}: the {n} export file could not be imported ({reasons}); the lake was not changed",
                        "{lake}: none of the {n} export files could be imported ({reasons}); the lake was not changed",
                        report.files,
                    ).format(
                        lake=lake,
                        n=fmt_int(report.files),
                        reasons="; ".join(f"{name}: {reason}" for name, reason in report.refused),
                    )
                )
            if on_stage:
                on_stage("write")
            started = time.perf_counter()
            report.rows = write_lake(files, frames, settings)
            report.seconds["write"] = time.perf_counter() - started
        finally:
            for frame in frames.values():
                frame.unpersist()
    return report


def _manifest(rows: dict[str, int], settings: Settings) -> str:
    return json.dumps(
        {
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "built_by": "spark",
            "schema_version": db.SCHEMA_VERSION,
            "settings": json.loads(settings.to_json()),
            "tables": {
                table: {"rows": rows[table], "partitioned_by": "month" if month_of else None, "month_of": month_of}
                for table, month_of in TABLES.items()
            },
        },
        indent=2,
    )
