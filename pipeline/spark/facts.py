"""Spark: language and sentiment, threads and brand attribution -- ``enr_posts``, ``fct_posts`` and ``posts``.

Reads ``stg_posts``, ``imports`` and ``brand_aliases`` as DataFrames with the columns of those tables, and
returns DataFrames with exactly the columns of each post's effective sentiment (``enr_posts`` after the
adapters, ``db.EFFECTIVE_SENTIMENT``), of ``fct_posts`` and of the public ``posts`` view, as a whole build of a
new database computes them (``pipeline.enrich``, ``pipeline.enrich.adapter``, ``pipeline.normalize``). Radar's
own code runs wherever a step is local to a text, a row or a few driver-side rows; the steps over the whole
data set are written here by hand on DataFrames:

- Language and sentiment: ``enrich_rows`` on each distinct (exported language, text), in ``mapInArrow``.
  A short post whose language guess is not its export's usual one is read again in that language (the rule
  of ``pipeline.enrich._short_posts_in_the_usual_language``: its letter counts by DuckDB, its per-export
  shares here).
- Adapters: the labelled posts an adapter learns from (at most ``MAX_LABELS`` per language, newest first) are
  few; they are collected to the driver into an in-memory Radar database, where ``adapt_sentiment`` trains
  from the same rows in the same order with the same seeds as the DuckDB path. The adapters it keeps are
  broadcast and applied by ``adapter.apply_chunk``.
- Threads: the conversation's previous message is a window; the root search is pointer jumping, one join per
  pass (about log2 of the longest chain), each pass checkpointed (``localCheckpoint``) so that the plan does
  not grow. The nodes that do not settle lead into cycles (only bad data has them): they go to the driver,
  where ``normalize.break_cycles`` makes the earliest post of each cycle a root and ``normalize.settle_roots``
  jumps again over these nodes alone (their chains stay among them), in DuckDB as the DuckDB path does.
- Attribution and text: the row-local SQL of ``normalize._thread`` (alias keys, @mentions, brand names in the
  text, HTML entities) is run by DuckDB on each Arrow batch: the same regular expressions (RE2, not Java's),
  the same accent stripping. The lookups of the keys, the thread's first brand post and an export's one
  replying brand are joins and aggregates here.
- ``posts``: ``db.POSTS_SELECT`` itself, run by DuckDB on each Arrow batch of the facts, with the imports
  beside it (a few rows) and no label corrections (a lake has none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from pipeline import normalize
from pipeline.core import db
from pipeline.core.brands import MENTION_PATTERN
from pipeline.enrich import LETTERS, LONG_CHARS, SHORT_CHARS, SHORT_LETTERS, USUAL_MIN, USUAL_SHARE
from pipeline.enrich.adapter import MAX_LABELS
from pipeline.enrich.lang import SCORED_LANGUAGES
from pipeline.spark.stage import table_schema

MAX_PASSES = normalize._MAX_PASSES

_SCORED_TEXT = T.StructType(
    [
        T.StructField("text_key", T.StringType()),
        T.StructField("lang", T.StringType()),
        T.StructField("sentiment", T.DoubleType()),
        T.StructField("sentiment_label", T.StringType()),
        T.StructField("sentiment_method", T.StringType()),
        T.StructField("chars", T.LongType()),
        T.StructField("letters", T.LongType()),
    ]
)
_RESCORED_TEXT = T.StructType(
    [
        T.StructField("text_key", T.StringType()),
        T.StructField("usual", T.StringType()),
        T.StructField("lang", T.StringType()),
        T.StructField("sentiment", T.DoubleType()),
        T.StructField("sentiment_label", T.StringType()),
        T.StructField("sentiment_method", T.StringType()),
    ]
)
_ADAPTED = T.StructType(
    [
        T.StructField("platform", T.StringType()),
        T.StructField("post_id", T.StringType()),
        T.StructField("adapted_sentiment", T.DoubleType()),
        T.StructField("adapted_label", T.StringType()),
        T.StructField("adapted_method", T.StringType()),
    ]
)


# --- DuckDB and Radar's scorer inside Spark tasks ------------------------------------------------------------


def _task_duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one task: UTC, one thread (the task is the unit of parallelism)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 1")
    return con


def _arrow_schema(schema: T.StructType) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema, timezone="UTC")


def with_duckdb(
    frame: DataFrame,
    sql: str,
    schema: T.StructType,
    params: dict[str, Any] | None = None,
    tables: dict[str, pa.Table] | None = None,
    name: str = "batch",
) -> DataFrame:
    """``frame`` through ``sql`` run by DuckDB on each of its Arrow batches (read as the table ``name``), with
    the small ``tables`` beside it; ``schema`` is the result's. For Radar's own row-local SQL: the same
    functions, the same regular expression engine, in every Spark task."""
    schema = T.StructType([T.StructField(field.name, field.dataType) for field in schema])  # all nullable
    target = _arrow_schema(schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        con = _task_duckdb()
        try:
            for table_name, table in (tables or {}).items():
                con.register(table_name, table)
            for batch in batches:
                if not batch.num_rows:
                    continue
                con.register(name, pa.Table.from_batches([batch]))
                result = con.sql(sql, params=params).to_arrow_table() if params else con.sql(sql).to_arrow_table()
                con.unregister(name)
                yield from result.select(target.names).cast(target).to_batches()
        finally:
            con.close()

    return frame.mapInArrow(run, schema)


def _score_texts(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: language and sentiment of each (text, exported language) by ``enrich_rows`` (the scorer
    ``score_sentiment`` runs), with the text's characters and letters the short-post rule reads (DuckDB's
    ``length`` and ``LETTERS``, the latter only below ``SHORT_CHARS`` characters, as that rule computes it).
    Arrow batches, not pandas: an unscored post's NULL sentiment stays NULL, not NaN."""
    from pipeline.enrich.sentiment import enrich_rows

    target = _arrow_schema(_SCORED_TEXT)
    con = _task_duckdb()
    try:
        for batch in batches:
            if not batch.num_rows:
                continue
            texts, langs = batch.column("text").to_pylist(), batch.column("lang").to_pylist()
            results = enrich_rows(list(zip(texts, langs)))
            con.register("s", pa.table({"text": batch.column("text")}))
            counts = con.sql(
                f"SELECT length(s.text) AS chars, CASE WHEN length(s.text) < {SHORT_CHARS} THEN {LETTERS} END AS "
                "letters FROM s"
            ).to_arrow_table()
            con.unregister("s")
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column("text_key"),
                    pa.array([row[0] for row in results], pa.string()),
                    pa.array([row[1] for row in results], pa.float64()),
                    pa.array([row[2] for row in results], pa.string()),
                    pa.array([row[3] for row in results], pa.string()),
                    counts.column("chars").cast(pa.int64()).combine_chunks(),
                    counts.column("letters").cast(pa.int64()).combine_chunks(),
                ],
                schema=target,
            )
    finally:
        con.close()


def _rescore_texts(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: a short post's text read again in its export's usual language (``enrich_rows``)."""
    from pipeline.enrich.sentiment import enrich_rows

    target = _arrow_schema(_RESCORED_TEXT)
    for batch in batches:
        if not batch.num_rows:
            continue
        results = enrich_rows(list(zip(batch.column("text").to_pylist(), batch.column("usual").to_pylist())))
        yield pa.RecordBatch.from_arrays(
            [
                batch.column("text_key"),
                batch.column("usual"),
                pa.array([row[0] for row in results], pa.string()),
                pa.array([row[1] for row in results], pa.float64()),
                pa.array([row[2] for row in results], pa.string()),
                pa.array([row[3] for row in results], pa.string()),
            ],
            schema=target,
        )


def _adapt_texts(models: dict[str, bytes]) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """mapInArrow: each post's score by its language's adapter (``models``: ``LinearModel.to_bytes`` per
    language), through ``adapter.apply_chunk``, the function ``apply_adapters`` runs."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pipeline.enrich import adapter
        from pipeline.enrich.model import LinearModel

        active = {lang: LinearModel.from_bytes(data) for lang, data in models.items()}
        target = _arrow_schema(_ADAPTED)
        for batch in batches:
            if not batch.num_rows:
                continue
            langs = batch.column("lang").to_pylist()
            rows = list(
                zip(
                    batch.column("text").to_pylist(),
                    langs,
                    batch.column("sentiment").to_pylist(),
                    batch.column("sentiment_label").to_pylist(),
                )
            )
            adapter.ACTIVE.clear()  # apply_chunk reads the adapters from here (apply_adapters fills it)
            adapter.ACTIVE.update(active)
            results = adapter.apply_chunk(rows)
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column("platform"),
                    batch.column("post_id"),
                    pa.array([score for score, _ in results], pa.float64()),
                    pa.array([label for _, label in results], pa.string()),
                    pa.array([active[lang].version for lang in langs], pa.string()),
                ],
                schema=target,
            )

    return run


# --- sentiment ---------------------------------------------------------------------------------------------


_SCORES = ("lang", "sentiment", "sentiment_label", "sentiment_method")


def _posts_to_score(stg_posts: DataFrame, imports: DataFrame) -> DataFrame:
    """The staged posts with their ``text_key`` (the key of ``enr_sentiment_cache``: exported language and
    text) and their own label: the export's label where its import uses them (``adapter._OWN_LABEL`` without
    corrections: a lake has none). Both are DuckDB's own expressions."""
    keyed = with_duckdb(
        stg_posts.select("platform", "post_id", "import_id", "created_at", "text", "lang", "vendor_sentiment"),
        f"""SELECT platform, post_id, import_id, created_at, text, lang AS exported_lang,
                   md5(coalesce(lang, '') || '|' || text) AS text_key,
                   {db.vendor_label_sql("vendor_sentiment")} AS export_label
            FROM batch""",
        T.StructType(
            [
                *(T.StructField(name, T.StringType()) for name in ("platform", "post_id", "import_id")),
                T.StructField("created_at", T.TimestampType()),
                *(
                    T.StructField(name, T.StringType())
                    for name in ("text", "exported_lang", "text_key", "export_label")
                ),
            ]
        ),
    )
    uses = F.broadcast(imports.select("import_id", "use_export_labels"))
    own = F.when(F.coalesce(F.col("use_export_labels"), F.lit(True)), F.col("export_label"))
    return keyed.join(uses, "import_id", "left").withColumn("own_label", own).drop("use_export_labels", "export_label")


def _usual_languages(scored: DataFrame) -> list[tuple[str, str]]:
    """(import_id, lang) of each export with a usual language: the one at least ``USUAL_SHARE`` of its posts
    of ``LONG_CHARS`` characters or more (without an exported language) are detected in, when it has at
    least ``USUAL_MIN`` of them. A few rows, one per export at most."""
    per_lang = (
        scored.filter(F.col("exported_lang").isNull() & (F.col("chars") >= LONG_CHARS))
        .groupBy("import_id", "lang")
        .agg(F.count(F.lit(1)).alias("posts"))
        .withColumn("total", F.sum("posts").over(Window.partitionBy("import_id")))
    )
    usual = per_lang.filter(F.expr(f"posts >= {USUAL_SHARE} * total AND total >= {USUAL_MIN}"))
    return [(row["import_id"], row["lang"]) for row in usual.select("import_id", "lang").collect()]


def _base_scores(spark: SparkSession, posts: DataFrame) -> DataFrame:
    """Each post's language and base score as ``score_sentiment`` stores them in ``enr_posts`` (checkpointed):
    every distinct ``text_key`` scored once, then the short posts of an export whose guess is not its usual
    language read again in that language."""
    texts = posts.groupBy("text_key").agg(F.any_value("text").alias("text"), F.any_value("exported_lang").alias("lang"))
    scored = posts.join(texts.mapInArrow(_score_texts, _SCORED_TEXT), "text_key").localCheckpoint()
    usual_rows = _usual_languages(scored)
    if not usual_rows:
        return scored
    usual = F.broadcast(spark.createDataFrame(usual_rows, "import_id string, usual string"))
    short = (
        scored.filter(F.col("exported_lang").isNull())
        .join(usual, "import_id")
        .filter((F.col("chars") < SHORT_CHARS) & ~F.col("lang").eqNullSafe(F.col("usual")))
        .filter(F.col("letters") < SHORT_LETTERS)
        .select("platform", "post_id", "text_key", "usual", "text")
    )
    rescored = short.select("text_key", "usual", "text").distinct().mapInArrow(_rescore_texts, _RESCORED_TEXT)
    again = short.join(rescored, ["text_key", "usual"]).select(
        "platform", "post_id", *(F.col(name).alias(f"again_{name}") for name in _SCORES)
    )
    changed = F.col("again_sentiment_method").isNotNull()  # a method is never NULL: the row was scored again
    return (
        scored.join(again, ["platform", "post_id"], "left")
        .select(
            *(name for name in scored.columns if name not in _SCORES),
            *(F.when(changed, F.col(f"again_{name}")).otherwise(F.col(name)).alias(name) for name in _SCORES),
        )
        .localCheckpoint()
    )


def _adapter_database(
    labelled: DataFrame, stg_posts: DataFrame, imports: DataFrame
) -> duckdb.DuckDBPyConnection | None:
    """An in-memory Radar database holding the labelled posts each adapter learns from (the newest
    ``MAX_LABELS`` per language, ``labelled_posts``' order) and their imports; None when no post has a label."""
    newest = Window.partitionBy("lang").orderBy(F.col("created_at").desc(), "platform", "post_id")
    chosen = labelled.withColumn("rank", F.row_number().over(newest)).filter(F.col("rank") <= MAX_LABELS)
    rows = (
        chosen.select("platform", "post_id", "lang", "sentiment", "sentiment_label", "sentiment_method")
        .join(
            stg_posts.select(
                "platform",
                "post_id",
                "import_id",
                "line_number",
                "source_format",
                "created_at",
                "text",
                "vendor_sentiment",
            ),
            ["platform", "post_id"],
        )
        .toArrow()
    )
    if not rows.num_rows:
        return None
    con = db.connect(":memory:")
    con.register("labelled", rows)
    con.register("import_rows", imports.toArrow())
    con.execute("INSERT INTO imports BY NAME SELECT * FROM import_rows")
    con.execute("""INSERT INTO stg_posts BY NAME SELECT platform, post_id, import_id, line_number, source_format,
                   created_at, text, vendor_sentiment FROM labelled""")
    con.execute("""INSERT INTO enr_posts BY NAME SELECT platform, post_id, lang, sentiment, sentiment_label,
                   sentiment_method FROM labelled""")
    con.unregister("labelled")
    con.unregister("import_rows")
    return con


def train_adapters(labelled: DataFrame, stg_posts: DataFrame, imports: DataFrame) -> dict[str, bytes]:
    """The adapters a new database would use, per language (``LinearModel.to_bytes``): ``adapt_sentiment`` run
    on the labelled posts it reads, collected to the driver."""
    from pipeline.enrich.adapter import adapt_sentiment

    con = _adapter_database(labelled, stg_posts, imports)
    if con is None:
        return {}
    try:
        adapt_sentiment(con)
        rows = con.execute("SELECT lang, weights FROM enr_adapters WHERE is_used").fetchall()
        return {lang: bytes(data) for lang, data in rows}
    finally:
        con.close()


def score_posts(spark: SparkSession, stg_posts: DataFrame, imports: DataFrame) -> DataFrame:
    """Each staged post's language and sentiment, as ``enr_posts`` holds them after ``score_sentiment`` and
    ``adapt_sentiment`` in a new database, the adapter's score where one is used (``db.EFFECTIVE_SENTIMENT``):
    (platform, post_id, lang, sentiment, sentiment_label, sentiment_method)."""
    base = _base_scores(spark, _posts_to_score(stg_posts, imports))
    labelled = base.filter(F.col("own_label").isNotNull() & F.col("lang").isin(*SCORED_LANGUAGES))
    models = train_adapters(labelled, stg_posts, imports)
    columns = ["platform", "post_id", "lang", "sentiment", "sentiment_label", "sentiment_method"]
    if not models:
        return _conform(base.select(*columns), "enr_posts")
    shared = spark.sparkContext.broadcast(models)
    to_adapt = base.filter(F.col("lang").isin(*sorted(models)) & F.col("own_label").isNull()).select(
        "platform", "post_id", "text", "lang", "sentiment", "sentiment_label"
    )
    adapted = to_adapt.mapInArrow(lambda batches: _adapt_texts(shared.value)(batches), _ADAPTED)
    joined = base.join(adapted, ["platform", "post_id"], "left")
    is_adapted = F.col("adapted_method").isNotNull()
    return _conform(
        joined.select(
            "platform",
            "post_id",
            "lang",
            F.when(is_adapted, F.col("adapted_sentiment")).otherwise(F.col("sentiment")).alias("sentiment"),
            F.when(is_adapted, F.col("adapted_label")).otherwise(F.col("sentiment_label")).alias("sentiment_label"),
            F.when(is_adapted, F.col("adapted_method")).otherwise(F.col("sentiment_method")).alias("sentiment_method"),
        ),
        "enr_posts",
    )


# --- threads -----------------------------------------------------------------------------------------------


def conversation_parents(stg_posts: DataFrame) -> DataFrame:
    """``stg_posts`` with ``effective_parent``: the exported parent, else, for a post that names only its
    conversation (``thread_key``), the conversation's previous message (by time, then post id)."""
    in_order = Window.partitionBy("platform", "thread_key").orderBy("created_at", "post_id")
    previous = stg_posts.filter(F.col("thread_key").isNotNull() & F.col("parent_id").isNull()).select(
        "platform", "post_id", F.lag("post_id").over(in_order).alias("previous")
    )
    return stg_posts.join(previous, ["platform", "post_id"], "left").withColumn(
        "effective_parent", F.coalesce(F.col("parent_id"), F.col("previous"))
    )


def _settle_roots(nodes: DataFrame) -> tuple[DataFrame, int]:
    """Pointer jumping over ``nodes`` (n, parent_n) as ``normalize.settle_roots`` does: (n, anc, settled) once
    every anc is a root, or no pass settles more nodes (cycles), or after ``MAX_PASSES``; and how many nodes
    did not settle. ``settled`` says anc has no parent, so a pass is one join, and counting is a filter."""
    is_root = nodes.select(F.col("n").alias("anc"), F.col("parent_n").isNull().alias("settled"))
    anc = nodes.select("n", F.coalesce(F.col("parent_n"), F.col("n")).alias("anc")).join(is_root, "anc")
    previous = None
    for _ in range(MAX_PASSES):
        further = anc.select(
            F.col("n").alias("anc"), F.col("anc").alias("next"), F.col("settled").alias("next_settled")
        )
        anc = (
            anc.select("n", "anc")
            .join(further, "anc")
            .select("n", F.col("next").alias("anc"), F.col("next_settled").alias("settled"))
            .localCheckpoint(eager=False)
        )
        unsettled = anc.filter(~F.col("settled")).count()  # one job: it also fills the checkpoint
        if unsettled == 0 or unsettled == previous:
            return anc, unsettled
        previous = unsettled
    return anc, previous or 0


def _cycle_roots(nodes: DataFrame, anc: DataFrame) -> list[tuple[int, int]]:
    """(n, anc) for each node that did not settle: they and all their ancestors lead into a cycle (only bad data
    has cycles), so they are few, and all that ``normalize.break_cycles`` walks. On the driver, in DuckDB,
    as the DuckDB path does: the earliest post of each cycle becomes a root, then ``normalize.settle_roots``
    jumps again over these nodes alone (their chains stay among them)."""
    stuck = (
        anc.filter(~F.col("settled"))
        .select("n", "anc")
        .join(nodes.select("n", "parent_n", "created_at", "post_id"), "n")
        .toArrow()
    )
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("stuck", stuck)
        con.execute("CREATE TEMP TABLE tmp_nodes AS SELECT n, parent_n, created_at, post_id FROM stuck")
        con.execute("CREATE TEMP TABLE tmp_anc AS SELECT n, anc FROM stuck")
        normalize.break_cycles(con)
        con.execute("CREATE OR REPLACE TEMP TABLE tmp_anc AS SELECT n, coalesce(parent_n, n) AS anc FROM tmp_nodes")
        normalize.settle_roots(con)
        return [(int(n), int(root)) for n, root in con.execute("SELECT n, anc FROM tmp_anc ORDER BY n").fetchall()]
    finally:
        con.close()


def thread_roots(posts: DataFrame) -> DataFrame:
    """(platform, post_id, thread_id) for ``posts`` with ``effective_parent``: the root of each reply chain in
    the data (a parent not in it ends the chain), a cycle broken at its earliest post (then lowest post id)."""
    numbered = (
        posts.select("platform", "post_id", "created_at", "effective_parent")
        .withColumn("n", F.monotonically_increasing_id())
        .localCheckpoint()  # the numbers are fixed from here on
    )
    parent = numbered.select("platform", F.col("post_id").alias("effective_parent"), F.col("n").alias("parent"))
    nodes = (
        numbered.join(parent, ["platform", "effective_parent"], "left")
        .select(
            "n",
            "platform",
            "post_id",
            "created_at",
            F.when(F.col("parent") != F.col("n"), F.col("parent")).alias("parent_n"),
        )
        .localCheckpoint()
    )
    settled, unsettled = _settle_roots(nodes)
    anc = settled.select("n", "anc")
    if unsettled:
        in_cycles = posts.sparkSession.createDataFrame(_cycle_roots(nodes, settled), "n long, cycle_anc long")
        anc = anc.join(F.broadcast(in_cycles), "n", "left").select(
            "n", F.coalesce(F.col("cycle_anc"), F.col("anc")).alias("anc")
        )
    roots = nodes.select(F.col("n").alias("anc"), F.col("post_id").alias("thread_id"))
    return (
        anc.join(roots, "anc")
        .join(nodes.select("n", "platform", "post_id"), "n")
        .select("platform", "post_id", "thread_id")
    )


# --- attribution -------------------------------------------------------------------------------------------


def _brand_lookups(brand_aliases: DataFrame) -> dict[str, Any]:
    """What attribution looks posts up in, from ``brand_aliases`` (a few rows): the handle keys and all alias
    keys, the brand of each key (a handle's before a name's) and of each name as a word, and the regular
    expression that finds the first brand name in a text (``normalize.name_pattern``)."""
    con = duckdb.connect()
    try:
        con.register("brand_aliases", brand_aliases.select("key", "kind", "alias", "brand").toArrow())
        keys = con.sql("SELECT key FROM brand_aliases WHERE key <> ''").fetchall()
        handles = con.sql("SELECT key FROM brand_aliases WHERE kind = 'handle' AND key <> ''").fetchall()
        by_key = con.sql(
            "SELECT DISTINCT ON (key) key, brand FROM brand_aliases ORDER BY key, kind = 'handle' DESC, brand"
        ).fetchall()
        by_name = con.sql(
            f"SELECT DISTINCT ON (word) {normalize.brands_word('alias')} AS word, brand FROM brand_aliases "
            "WHERE kind = 'name' ORDER BY word, brand"
        ).fetchall()
        return {
            "alias_keys": sorted({row[0] for row in keys}),
            "handle_keys": sorted({row[0] for row in handles}),
            "by_key": by_key,
            "by_name": by_name,
            "names": normalize.name_pattern(con),
        }
    finally:
        con.close()


# The row-local part of normalize._thread's ``threaded``: each post's keys and brand words, its text decoded.
_KEY = db.alias_key_sql
_ROW_SQL = f"""
    SELECT s.* REPLACE ({normalize.decoded_text_sql("s.text")} AS text),
           {_KEY("s.author_id")} AS author_key,
           coalesce(s.is_brand_exported, list_contains($handle_keys::VARCHAR[], {_KEY("s.author_id")})) AS is_brand_,
           list_filter(list_transform(regexp_extract_all(s.text, $mention, 1), lambda h: {_KEY("h")}),
                       lambda k: list_contains($alias_keys::VARCHAR[], k))[1] AS mentioned_key,
           CASE WHEN $names <> '' THEN nullif(regexp_extract({normalize.brands_word("s.text")}, $names, 1), '') END
               AS named_word,
           {_KEY("s.brand_exported")} AS exported_key
    FROM batch s"""


def _row_keys(posts: DataFrame, lookups: dict[str, Any]) -> DataFrame:
    schema = T.StructType(
        [
            *posts.schema.fields,
            T.StructField("author_key", T.StringType()),
            T.StructField("is_brand_", T.BooleanType()),
            T.StructField("mentioned_key", T.StringType()),
            T.StructField("named_word", T.StringType()),
            T.StructField("exported_key", T.StringType()),
        ]
    )
    params = {
        "handle_keys": lookups["handle_keys"],
        "alias_keys": lookups["alias_keys"],
        "mention": MENTION_PATTERN,
        "names": lookups["names"],
    }
    return with_duckdb(posts, _ROW_SQL, schema, params)


def build_facts(spark: SparkSession, stg_posts: DataFrame, brand_aliases: DataFrame, scored: DataFrame) -> DataFrame:
    """``fct_posts`` as a whole build of ``normalize.build_posts`` writes it (``facts_build`` 1): every staged
    post threaded, attributed to a brand, its text decoded, with its language and sentiment from ``scored``
    (``score_posts``)."""
    lookups = _brand_lookups(brand_aliases)
    posts = conversation_parents(stg_posts).drop("previous")
    threads = thread_roots(posts)
    by_key = spark.createDataFrame(lookups["by_key"] or [], "key string, brand string")
    by_name = spark.createDataFrame(lookups["by_name"] or [], "word string, brand string")

    def brand_of(lookup: DataFrame, key: str, name: str) -> DataFrame:
        return F.broadcast(lookup.toDF(key, name))

    attributed = (
        _row_keys(posts, lookups)
        .join(threads, ["platform", "post_id"])
        .join(brand_of(by_key, "author_key", "key_brand"), "author_key", "left")
        .join(brand_of(by_key, "mentioned_key", "mentioned_brand"), "mentioned_key", "left")
        .join(brand_of(by_key, "exported_key", "exported_brand"), "exported_key", "left")
        .join(brand_of(by_name, "named_word", "named_brand"), "named_word", "left")
        # an account no brand has (any more) is no brand's
        .withColumn("author_brand", F.when(F.col("is_brand_"), F.col("key_brand")))
        .localCheckpoint()  # read three times below
    )
    brand_posts = attributed.filter(F.col("is_brand_") & F.col("author_brand").isNotNull())
    thread_brand = brand_posts.groupBy("platform", "thread_id").agg(
        F.min_by("author_brand", F.struct("created_at", "post_id")).alias("thread_brand")  # the first, by the rule
    )
    import_brand = (  # an export in which exactly one brand replies is that brand's inbox
        attributed.filter(F.col("is_brand_") & F.col("effective_parent").isNotNull())
        .groupBy("import_id")
        .agg(F.count_distinct("author_brand").alias("brands"), F.min("author_brand").alias("import_brand"))
        .filter(F.col("brands") == 1)
        .drop("brands")
    )
    sentiment = scored.select(
        "platform",
        "post_id",
        F.col("lang").alias("detected_lang"),
        "sentiment",
        "sentiment_label",
        "sentiment_method",
    )
    facts = (
        attributed.join(thread_brand, ["platform", "thread_id"], "left")
        .join(import_brand, "import_id", "left")
        .join(sentiment, ["platform", "post_id"], "left")
        .select(
            "post_id",
            "platform",
            "source_format",
            "author_id",
            F.coalesce(F.col("is_brand_"), F.lit(False)).alias("is_brand"),
            F.when(F.col("is_brand_"), F.col("author_brand"))
            .otherwise(
                F.coalesce(
                    F.col("mentioned_brand"),
                    F.col("thread_brand"),
                    F.col("exported_brand"),
                    F.col("named_brand"),
                    F.col("import_brand"),
                )
            )
            .alias("brand"),
            "created_at",
            "text",
            F.col("effective_parent").alias("parent_id"),
            "thread_id",
            "vendor_sentiment",
            "likes",
            "shares",
            "reach",
            "url",
            "lang",
            "import_id",
            F.lit(1).alias("facts_build"),
            "detected_lang",
            "sentiment",
            "sentiment_label",
            "sentiment_method",
        )
    )
    return _conform(facts, "fct_posts")


# --- the public view ---------------------------------------------------------------------------------------


def public_posts(facts: DataFrame, imports: DataFrame) -> DataFrame:
    """The rows of the ``posts`` view over ``facts`` (``fct_posts``), with no label corrections: its columns in
    its order, computed by ``db.POSTS_SELECT`` itself on each Arrow batch, the imports beside it."""
    import_rows = imports.select("import_id", "use_export_labels").toArrow()
    no_corrections = pa.table({name: pa.array([], pa.string()) for name in ("platform", "post_id", "sentiment_label")})
    return with_duckdb(
        facts,
        db.POSTS_SELECT,
        table_schema("posts"),
        tables={"imports": import_rows, "sentiment_overrides": no_corrections},
        name="fct_posts",
    )


def _conform(frame: DataFrame, table: str) -> DataFrame:
    """``frame`` with exactly the columns of the Radar table ``table``, in order, of its types."""
    return frame.select(*(F.col(field.name).cast(field.dataType).alias(field.name) for field in table_schema(table)))
