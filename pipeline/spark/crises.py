"""Spark: crises, their phases and playbook moves, by Radar's own detector and crisis code run once per brand.

Reads the tables ``pipeline.metrics.crises.compute_crises`` reads (``fct_hourly``, the public ``posts``,
``fct_posts``, ``fct_responses``, ``fct_reply_moves``) as DataFrames and returns ``fct_crises``,
``fct_crisis_phases`` and ``fct_crisis_moves`` with exactly their columns (a whole recompute; the definitions
are in ``pipeline/metrics/crises.py`` and ``detector.py``).

Nothing is re-implemented: every input row gets the key of the one brand whose crises can read it, the rows
are grouped by that key, and for each brand ``applyInArrow`` opens an in-memory DuckDB with Radar's schema,
inserts the brand's rows and runs Radar's ``compute_crises`` unchanged. Arrow, not pandas, carries the rows
both ways: integers with NULLs stay integers and timestamps stay UTC microseconds (pandas would turn both
into floats and nanoseconds). Which rows each brand gets, from what ``compute_crises`` reads:

- ``fct_hourly``: the brand's series (the ``'*'`` series is never read).
- ``posts``: the brand's posts, ``coalesce(brand, '(none)')`` (every query filters on it; ``fct_responses``
  joins posts of its own brand, since a response copies its post's brand). In the brand's database
  ``posts`` is a table holding these rows instead of the view, so the labels are the ones given.
- ``fct_responses``: the brand's, ``coalesce(brand, '(none)')``.
- ``fct_reply_moves`` and ``fct_posts``: the brand's moves and its own posts (a move joins the brand post
  that made it). ``fct_posts`` is also read store-wide for one figure: ``data_end_at``, the newest post of
  any brand before the hour the brand's series stops. Each brand therefore also gets, for every hour of its
  series, the newest post of the store in that hour, as a ``fct_posts`` row with only ``created_at`` (no
  post id: it joins no move). That gives the same maximum: the series covers every hour from the one of the
  brand's first customer post to its end, so the store's newest post before the end is in one of those hours.

The crisis tables come back from the brands as one DataFrame tagged by table, persisted so that the three
tables are computed once. A brand's rows are held by one Python worker at a time (in Arrow and in DuckDB):
the largest brand's posts must fit in a worker's memory.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

from pipeline.core import db
from pipeline.core.settings import Settings
from pipeline.metrics import crises as radar_crises
from pipeline.metrics.hourly import ALL_BRANDS, NO_BRAND

INPUTS = ("fct_hourly", "posts", "fct_posts", "fct_responses", "fct_reply_moves")
OUTPUTS = ("fct_crises", "fct_crisis_phases", "fct_crisis_moves")
BRAND_KEY = "crisis_brand"  # the brand whose crises read the row
TABLE_TAG = "crisis_table"  # the Radar table the row belongs to
HOUR_MICROS = 3_600_000_000


def radar_schemas(tables: tuple[str, ...]) -> dict[str, pa.Schema]:
    """The Arrow schema (columns in order, types) of each Radar table or view, read from Radar's own schema."""
    con = db.connect(":memory:")
    try:
        return {table: con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema for table in tables}
    finally:
        con.close()


def _wide_names(schemas: dict[str, pa.Schema]) -> dict[tuple[str, str], str]:
    """(table, column) -> the column's name in the one DataFrame that carries several tables: its own name where
    every table that has it gives it the same type, else ``table__column``."""
    types: dict[str, set[str]] = {}
    for schema in schemas.values():
        for field in schema:
            types.setdefault(field.name, set()).add(str(field.type))
    return {
        (table, field.name): field.name if len(types[field.name]) == 1 else f"{table}__{field.name}"
        for table, schema in schemas.items()
        for field in schema
    }


def _wide_schema(schemas: dict[str, pa.Schema], names: dict[tuple[str, str], str]) -> pa.Schema:
    """The Arrow schema of the tagged DataFrame: the tag, then every table's columns under their wide names."""
    fields = [pa.field(TABLE_TAG, pa.string())]
    seen = {TABLE_TAG}
    for table, schema in schemas.items():
        for field in schema:
            name = names[(table, field.name)]
            if name not in seen:
                seen.add(name)
                fields.append(pa.field(name, field.type))
    return pa.schema(fields)


def _spark_type(arrow_type: pa.DataType) -> T.DataType:
    return from_arrow_schema(pa.schema([pa.field("x", arrow_type)]), prefer_timestamp_ntz=False)["x"].dataType


def _tagged(frame: DataFrame, table: str, schema: pa.Schema, names: dict, key) -> DataFrame:
    """``frame`` with the brand key, the table tag and its Radar columns (cast to Radar's types) under wide names."""
    return frame.select(
        key.alias(BRAND_KEY),
        F.lit(table).alias(TABLE_TAG),
        *(F.col(field.name).cast(_spark_type(field.type)).alias(names[(table, field.name)]) for field in schema),
    )


def _hour_start(timestamp: Column) -> Column:
    """The UTC hour a timestamp falls in, as microseconds since 1970 (``date_trunc`` would truncate in the
    session's time zone, which need not be whole hours from UTC)."""
    micros = F.unix_micros(timestamp)
    return micros - F.pmod(micros, F.lit(HOUR_MICROS))


def _brand_rows(tables: dict[str, DataFrame], schemas: dict[str, pa.Schema], names: dict) -> DataFrame:
    """Every row a brand's crises read, keyed by that brand (see the module docstring)."""
    brand_or_none = F.coalesce(F.col("brand"), F.lit(NO_BRAND))
    hourly = tables["fct_hourly"].where(F.col("brand") != ALL_BRANDS)
    facts = tables["fct_posts"]
    newest_per_hour = facts.groupBy(_hour_start(F.col("created_at")).alias("hour_micros")).agg(
        F.max("created_at").alias("newest_at")
    )
    # the store's newest post in each hour of a brand's series: fct_posts rows with nothing but created_at
    markers = hourly.select(
        F.col("brand").alias("marker_brand"), _hour_start(F.col("hour_at")).alias("hour_micros")
    ).join(newest_per_hour, "hour_micros")
    marker_columns = [
        (F.col("newest_at") if field.name == "created_at" else F.lit(None))
        .cast(_spark_type(field.type))
        .alias(field.name)
        for field in schemas["fct_posts"]
    ]
    parts = [
        _tagged(hourly, "fct_hourly", schemas["fct_hourly"], names, F.col("brand")),
        _tagged(tables["posts"], "posts", schemas["posts"], names, brand_or_none),
        _tagged(
            facts.where(F.col("is_brand") & F.col("brand").isNotNull()),
            "fct_posts",
            schemas["fct_posts"],
            names,
            F.col("brand"),
        ),
        _tagged(
            markers.select("marker_brand", *marker_columns),
            "fct_posts",
            schemas["fct_posts"],
            names,
            F.col("marker_brand"),
        ),
        _tagged(tables["fct_responses"], "fct_responses", schemas["fct_responses"], names, brand_or_none),
        _tagged(
            tables["fct_reply_moves"].where(F.col("brand").isNotNull()),
            "fct_reply_moves",
            schemas["fct_reply_moves"],
            names,
            F.col("brand"),
        ),
    ]
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.unionByName(part, allowMissingColumns=True)
    return rows


_database: duckdb.DuckDBPyConnection | None = None  # this Python worker's in-memory Radar database


def _brand_database(rows: pa.Table, schemas: dict[str, pa.Schema], names: dict, threads: int):
    """This worker's in-memory Radar database holding one brand's rows and nothing else (``posts`` as a table
    of the given rows). Made once per worker process and emptied for each brand: creating Radar's schema costs
    more than most brands' crises."""
    global _database
    if _database is None:
        con = db.connect(":memory:")
        con.execute("CREATE TABLE posts_rows AS SELECT * FROM posts LIMIT 0")
        con.execute("DROP VIEW posts")
        con.execute("ALTER TABLE posts_rows RENAME TO posts")
        _database = con
    con = _database
    con.execute(f"SET threads = {max(int(threads), 1)}")
    for table in (*INPUTS, *OUTPUTS):
        con.execute(f"DELETE FROM {table}")
    tags = rows.column(TABLE_TAG)
    for table in INPUTS:
        part = rows.filter(pc.equal(tags, table))
        if not part.num_rows:
            continue
        columns = [field.name for field in schemas[table]]
        part = part.select([names[(table, column)] for column in columns]).rename_columns(columns)
        con.register("crisis_input", part)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM crisis_input")
        con.unregister("crisis_input")
    return con


def crises_of_brand(
    rows: pa.Table,
    settings: Settings,
    schemas: dict[str, pa.Schema],
    names: dict,
    out_schema: pa.Schema,
    threads: int = 1,
) -> pa.Table:
    """One brand's crisis tables, tagged by table: its rows into an in-memory Radar database, then Radar's
    ``compute_crises`` (the whole recompute) as it is."""
    if not pc.any(pc.equal(rows.column(TABLE_TAG), "fct_hourly")).as_py():
        return out_schema.empty_table()  # no series, no crisis (posts of a brand with only its own posts)
    con = _brand_database(rows, schemas, names, threads)
    radar_crises.compute_crises(con, settings)
    parts = []
    for table in OUTPUTS:
        found = con.sql(f"SELECT * FROM {table}").to_arrow_table()
        columns = {names[(table, name)]: found.column(name) for name in found.column_names}
        parts.append(
            pa.table(
                [
                    pa.array([table] * found.num_rows, pa.string())
                    if field.name == TABLE_TAG
                    else columns[field.name].cast(field.type)
                    if field.name in columns
                    else pa.nulls(found.num_rows, field.type)
                    for field in out_schema
                ],
                schema=out_schema,
            )
        )
    return pa.concat_tables(parts)


def compute_crises(
    spark: SparkSession, tables: dict[str, DataFrame], settings: Settings
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(crises, crisis_phases, crisis_moves) shaped like ``fct_crises``, ``fct_crisis_phases`` and
    ``fct_crisis_moves``, from ``tables``: DataFrames named as Radar names the tables the crises read
    (``fct_hourly``, ``posts``, ``fct_posts``, ``fct_responses``, ``fct_reply_moves``), each with at least the
    columns of that table or view. ``settings``: the detector's sensitivity (``settings.detector``)."""
    missing = [table for table in INPUTS if table not in tables]
    if missing:
        raise KeyError(f"compute_crises needs the tables {', '.join(missing)}")  # i18n: not text (a bug)
    in_schemas = radar_schemas(INPUTS)
    out_schemas = radar_schemas(OUTPUTS)
    names = _wide_names({**in_schemas, **out_schemas})
    out_wide = _wide_schema(out_schemas, names)
    spark_schema = from_arrow_schema(out_wide, prefer_timestamp_ntz=False)
    # the Arrow types Spark expects back: UTC timestamps whatever the session's time zone, large strings where
    # the session asks for them
    out_arrow = to_arrow_schema(
        spark_schema,
        timezone="UTC",
        prefers_large_types=spark.conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false") == "true",
    )
    threads = int(spark.conf.get("spark.task.cpus", "1") or 1)

    def per_brand(rows: pa.Table) -> pa.Table:
        return crises_of_brand(rows, settings, in_schemas, names, out_wide, threads).cast(out_arrow)

    found = _brand_rows(tables, in_schemas, names).groupBy(BRAND_KEY).applyInArrow(per_brand, spark_schema).persist()
    crises, phases, moves = (
        found.where(F.col(TABLE_TAG) == table).select(
            *(F.col(names[(table, field.name)]).alias(field.name) for field in out_schemas[table])
        )
        for table in OUTPUTS
    )
    return crises, phases, moves
