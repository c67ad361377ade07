"""Store: the only module that opens DuckDB; schema creation, migrations and data-quality checks.

Tables, named by stage so that ``SHOW TABLES`` tells the data flow:

- ``stg_posts``   typed, deduplicated posts: one per (platform, post_id), the first import wins.
- ``quarantine``  rows that could not be used, with file line number, reason and raw text.
- ``imports``     one row per file that landed, with its import report.
- ``custom_formats`` column mappings saved by people for layouts no registered format knows.
- ``brands``      one row per canonical brand with its role (ours or a competitor); ``brand_aliases`` its
                  handles and names (see ``pipeline.core.brands``).
- ``fct_post_themes`` one row per customer post and theme it mentions (see ``pipeline.metrics.themes``).
- ``fct_posts``   staged posts plus what needs the whole store: ``is_brand``, ``brand``, ``thread_id``.
- ``alerts``      the outbox: every alert the rules raised, with its key, reason and numbers; ``alert_deliveries``
                  one row per alert and channel (pending, sent, retrying with the reason); see ``pipeline.monitor.alerts``.
- ``crisis_log``  acknowledgements and the decisions taken during a crisis, in order.
- ``watch_files`` what ``radar watch`` has seen in its folder (imported, failed, already stored).
- ``radar_meta``  schema and data versions, settings and the escalation plan.

Public views, documented in docs/schema.md and kept stable: ``posts``. Every timestamp is a UTC
``TIMESTAMPTZ``; every connection runs with ``TimeZone = 'UTC'``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "radar.duckdb"
SCHEMA_VERSION = 12
WRITER_MEMORY_LIMIT = "1GB"  # DuckDB's own memory in a writing process ($RADAR_MEMORY_LIMIT overrides)


class DatabaseError(Exception):
    """The database cannot be opened or used; the message says what to do. ``locked`` is True when another
    process holds it (a writer excludes everyone; readers exclude a writer)."""

    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.locked = locked


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The database path: ``path`` if given, else ``$RADAR_DB``, else ``data/radar.duckdb``."""
    if path:
        return Path(path)
    if os.environ.get("RADAR_DB"):
        return Path(os.environ["RADAR_DB"])
    return DEFAULT_DB_PATH


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    wait: float = 0,
    on_wait: Callable[[], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database (creating it and its schema when writable) with the session in UTC.

    DuckDB lets one process write a file, or any number read it. When another process holds it, try again
    for up to ``wait`` seconds (``on_wait`` is called once, when the waiting starts), then raise
    ``DatabaseError`` with ``locked`` set. A read-only connection to a file that does not exist raises
    ``DatabaseError``. A file made by an older version is first brought to the current schema (a short
    write), so that readers find the columns they expect; if another process holds it, it is read as it is.
    """
    db_path = resolve_db_path(path)
    if read_only and not db_path.exists():
        raise DatabaseError(f"{db_path}: no database yet; build one with `radar demo` or `radar ingest FILE`")
    _check_file(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(db_path, False, wait, on_wait)
        try:
            _check_ours(con, db_path)
            migrate(con)
        except BaseException:
            con.close()
            raise
        return con
    con = _open(db_path, True, wait, on_wait)
    try:
        _check_ours(con, db_path)
    except BaseException:
        con.close()
        raise
    if _older_schema(con):
        con.close()
        try:
            connect(db_path, wait=wait, on_wait=on_wait).close()
        except DatabaseError:
            pass
        con = _open(db_path, True, wait, on_wait)
    return con


APPLICATION = "reputation-radar"  # radar_meta's 'application': the mark of a Reputation Radar database
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB file
_DUCKDB_HEADER_BYTES = 3 * 4096  # a file header and two database headers: no DuckDB file is shorter


def _check_file(db_path: Path) -> None:
    """Refuse, before DuckDB touches it, a file that is not a DuckDB database or is cut short."""
    if not db_path.exists():
        return
    if not db_path.is_file():
        raise DatabaseError(f"{db_path}: not a Reputation Radar database (not a regular file)")
    size = db_path.stat().st_size
    if size == 0:
        return  # an empty file: a new database
    with db_path.open("rb") as handle:
        head = handle.read(_DUCKDB_HEADER_BYTES)
    if head.startswith(b"SQLite format 3"):
        raise DatabaseError(f"{db_path}: not a Reputation Radar database (a SQLite file); choose another --db")
    if head[8:12] != _DUCKDB_MAGIC:
        raise DatabaseError(f"{db_path}: not a Reputation Radar database (not a DuckDB file); choose another --db")
    if size < _DUCKDB_HEADER_BYTES:
        raise DatabaseError(
            f"{db_path}: the database file is damaged (cut short at {size:,} bytes); restore it from "
            "a backup or start a new one with another --db; it was left as it is"
        )


def _check_length(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Refuse a file too short for the blocks its database uses: it lost its end, and DuckDB would find out
    only when it reads there, after a command has begun to write. (Free blocks may be cut from the end of a
    sound file, so the test is against the blocks in use; a cut that removes only free blocks is harmless.)"""
    _, _, block_size, _, used_blocks, *_ = con.execute("PRAGMA database_size").fetchall()[0]
    size = db_path.stat().st_size
    if size < _DUCKDB_HEADER_BYTES + int(used_blocks) * int(block_size):
        raise DatabaseError(
            f"{db_path}: the database file is damaged (cut short at {size:,} bytes); restore it from "
            "a backup or start a new one with another --db; it was left as it is"
        )


def _check_ours(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Refuse a DuckDB database that holds tables but is not Radar's. Radar's carry the mark in radar_meta;
    one made before the mark existed is known by its ``schema_version``."""
    try:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
            ).fetchall()
        ]
        if not tables:
            return
        if "radar_meta" in tables:
            marks = dict(
                con.execute(
                    "SELECT key, value FROM radar_meta WHERE key IN ('application', 'schema_version')"
                ).fetchall()
            )
            if marks.get("application") == APPLICATION or ("application" not in marks and "schema_version" in marks):
                _check_length(con, db_path)
                return
    except duckdb.Error as exc:
        raise DatabaseError(
            f"{db_path}: the database cannot be read ({str(exc).splitlines()[0]}); restore it from "
            "a backup or start a new one with another --db"
        ) from None
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    raise DatabaseError(
        f"{db_path}: not a Reputation Radar database (it holds other tables: {shown}); it was left "
        "as it is; choose another --db"
    )


def _open(db_path: Path, read_only: bool, wait: float, on_wait: Callable[[], None] | None) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    waited = False
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise DatabaseError(
                    f"{db_path}: cannot open the database ({str(exc).splitlines()[0]}); restore it "
                    "from a backup or start a new one with another --db"
                ) from None
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"{db_path}: the database is in use by another process (an import, or the dashboard "
                    f"while it uploads){f' and stayed busy for {wait:.0f} s' if wait else ''}; try again when it "
                    "has finished, or load the file on the dashboard's Data page",
                    locked=True,
                ) from None
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(0.1)
        except duckdb.Error as exc:
            raise DatabaseError(f"{db_path}: not a Reputation Radar database ({str(exc).splitlines()[0]})") from None
    # Never load or download an extension implicitly: a query must not reach the internet (a SQLite file would
    # have DuckDB fetch its reader; such files are refused by ``_check_file`` before DuckDB sees them). Set
    # here rather than in connect()'s config: every connection to a file in one process must share one config.
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        # An import of millions of rows stays within memory: DuckDB spills to <database>.tmp beyond this.
        con.execute("SET memory_limit = ?", [os.environ.get("RADAR_MEMORY_LIMIT", WRITER_MEMORY_LIMIT)])
    # A table name must never resolve to a Python variable that happens to share it (DuckDB's replacement
    # scans); Arrow data is registered by name where it is meant to be read.
    con.execute("SET python_enable_replacements = false")
    return con


def _older_schema(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        version = get_meta(con, "schema_version")
    except duckdb.Error:  # no radar_meta: not ours, or empty; the caller's queries will say so
        return False
    return version is not None and int(version) < SCHEMA_VERSION


# An export's own sentiment label (a listening tool's, or a person's in a labelled data set) as Radar's labels.
VENDOR_LABEL_SQL = """CASE
    WHEN lower(trim({c})) IN ('negative', 'neg', 'n', '-1', 'negativo', 'negatywny') THEN 'negative'
    WHEN lower(trim({c})) IN ('neutral', 'neu', '0', 'none', 'mixed', 'neutro', 'neutralny') THEN 'neutral'
    WHEN lower(trim({c})) IN ('positive', 'pos', 'p', '1', 'positivo', 'pozytywny') THEN 'positive' END"""


def vendor_label_sql(column: str) -> str:
    return VENDOR_LABEL_SQL.format(c=column)


# The posts view: each fact with its sentiment. The label a post shows comes from, first that applies: a
# person's correction (``sentiment_source = 'correction'``), the export's own label where its import uses
# them (the default; ``'export'``), the database's adapter learned from such labels (``'adapter'``), Radar's
# base score (``'radar'``: the English model, or the rules). ``radar_label`` and ``export_label`` keep both
# for the pages that compare them. Kept apart so that a query can apply it to a few rows picked by row id
# (``pipeline.read.queries._posts_at``).
_EXPORT_LABEL = vendor_label_sql("f.vendor_sentiment")
_USED_EXPORT_LABEL = f"CASE WHEN coalesce(i.use_export_labels, true) THEN {_EXPORT_LABEL} END"
POSTS_SELECT = f"""
        SELECT f.post_id, f.platform, f.source_format, f.author_id, f.is_brand, f.brand, f.created_at, f.text,
               f.parent_id, f.thread_id, f.vendor_sentiment, f.likes, f.shares, f.reach, f.url,
               coalesce(f.detected_lang, f.lang) AS lang,
               CASE coalesce(o.sentiment_label, {_USED_EXPORT_LABEL})
                    WHEN 'negative' THEN -1.0 WHEN 'neutral' THEN 0.0 WHEN 'positive' THEN 1.0
                    ELSE f.sentiment END AS sentiment,
               coalesce(o.sentiment_label, {_USED_EXPORT_LABEL}, f.sentiment_label) AS sentiment_label,
               CASE WHEN o.sentiment_label IS NOT NULL THEN 'override'
                    WHEN {_USED_EXPORT_LABEL} IS NOT NULL THEN 'export' ELSE f.sentiment_method END AS sentiment_method,
               f.import_id,
               CASE WHEN o.sentiment_label IS NOT NULL THEN 'correction'
                    WHEN {_USED_EXPORT_LABEL} IS NOT NULL THEN 'export'
                    WHEN f.sentiment_method LIKE 'adapter-%' THEN 'adapter'
                    WHEN f.sentiment_label IS NOT NULL THEN 'radar' END AS sentiment_source,
               f.sentiment_label AS radar_label, {_EXPORT_LABEL} AS export_label
        FROM fct_posts f
        LEFT JOIN imports i ON i.import_id = f.import_id
        LEFT JOIN sentiment_overrides o ON o.platform = f.platform AND o.post_id = f.post_id"""

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS radar_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id VARCHAR PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        encoding VARCHAR,
        delimiter VARCHAR,
        time_zone VARCHAR,
        header_line BIGINT,
        rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_duplicate BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        naive_timestamp_count BIGINT NOT NULL DEFAULT 0,
        imported_at TIMESTAMPTZ NOT NULL,
        notes VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS stg_posts (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        import_id VARCHAR NOT NULL,
        line_number BIGINT NOT NULL,
        source_format VARCHAR NOT NULL,
        author_id VARCHAR,
        is_brand_exported BOOLEAN,
        brand_exported VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        text VARCHAR NOT NULL,
        parent_id VARCHAR,
        vendor_sentiment VARCHAR,
        likes BIGINT,
        shares BIGINT,
        reach BIGINT,
        url VARCHAR,
        lang VARCHAR,
        thread_key VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        import_id VARCHAR NOT NULL,
        line_number BIGINT NOT NULL,
        reason VARCHAR NOT NULL,
        raw VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS custom_formats (
        name VARCHAR PRIMARY KEY,
        mapping VARCHAR NOT NULL,
        header VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS brands (
        brand VARCHAR PRIMARY KEY,
        source VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL,
        role VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS brand_aliases (
        key VARCHAR NOT NULL, kind VARCHAR NOT NULL, alias VARCHAR NOT NULL, brand VARCHAR NOT NULL,
        PRIMARY KEY (key, kind, alias)
    )""",
    """CREATE TABLE IF NOT EXISTS fct_posts (
        post_id VARCHAR, platform VARCHAR, source_format VARCHAR, author_id VARCHAR, is_brand BOOLEAN,
        brand VARCHAR, created_at TIMESTAMPTZ, text VARCHAR, parent_id VARCHAR, thread_id VARCHAR,
        vendor_sentiment VARCHAR, likes BIGINT, shares BIGINT, reach BIGINT, url VARCHAR, lang VARCHAR,
        import_id VARCHAR, facts_build BIGINT,
        detected_lang VARCHAR, sentiment DOUBLE, sentiment_label VARCHAR, sentiment_method VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS fct_post_themes (
        platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL, theme VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
        brand VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS enr_sentiment_cache (
        text_key VARCHAR NOT NULL, lang VARCHAR, sentiment DOUBLE, sentiment_label VARCHAR,
        sentiment_method VARCHAR NOT NULL, scorer_version VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS enr_posts (
        platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL, lang VARCHAR, sentiment DOUBLE,
        sentiment_label VARCHAR, sentiment_method VARCHAR NOT NULL
    )""",
    # schema 9: each language's adapter, learned from the database's own labels, and its scores
    """CREATE TABLE IF NOT EXISTS enr_adapters (
        lang VARCHAR PRIMARY KEY, version INTEGER NOT NULL, trained_at TIMESTAMPTZ NOT NULL, label_count BIGINT,
        learned_count BIGINT, correction_count BIGINT, adapter_f1 DOUBLE, base_f1 DOUBLE, is_used BOOLEAN NOT NULL,
        reason VARCHAR, weights BLOB
    )""",
    """CREATE TABLE IF NOT EXISTS enr_adapted (
        platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL, lang VARCHAR NOT NULL, sentiment DOUBLE,
        sentiment_label VARCHAR, sentiment_method VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sentiment_overrides (
        platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL, sentiment_label VARCHAR NOT NULL,
        note VARCHAR, set_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (platform, post_id)
    )""",
    f"CREATE OR REPLACE VIEW posts AS {POSTS_SELECT}",
    """CREATE TABLE IF NOT EXISTS fct_responses (
        platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL, thread_id VARCHAR NOT NULL, brand VARCHAR,
        author_id VARCHAR, created_at TIMESTAMPTZ NOT NULL, first_reply_id VARCHAR, first_reply_at TIMESTAMPTZ,
        response_minutes DOUBLE, business_response_minutes DOUBLE, answered BOOLEAN NOT NULL,
        within_sla BOOLEAN
    )""",
    """CREATE TABLE IF NOT EXISTS fct_threads (
        platform VARCHAR NOT NULL, thread_id VARCHAR NOT NULL, root_post_id VARCHAR NOT NULL, brand VARCHAR,
        started_at TIMESTAMPTZ NOT NULL, last_post_at TIMESTAMPTZ NOT NULL, post_count BIGINT NOT NULL,
        customer_posts BIGINT NOT NULL, brand_posts BIGINT NOT NULL, first_response_minutes DOUBLE,
        answered BOOLEAN, root_sentiment DOUBLE, last_customer_sentiment DOUBLE
    )""",
    """CREATE OR REPLACE VIEW responses AS
        SELECT post_id, platform, thread_id, brand, created_at, first_reply_id, first_reply_at,
               response_minutes, business_response_minutes, answered, within_sla
        FROM fct_responses""",
    """CREATE OR REPLACE VIEW threads AS
        SELECT thread_id, root_post_id, platform, brand, started_at, last_post_at, post_count,
               customer_posts, brand_posts, first_response_minutes, answered, root_sentiment,
               last_customer_sentiment
        FROM fct_threads""",
    """CREATE TABLE IF NOT EXISTS fct_hourly (
        brand VARCHAR NOT NULL, hour_at TIMESTAMPTZ NOT NULL, posts BIGINT NOT NULL, scored_posts BIGINT NOT NULL,
        negative_posts BIGINT NOT NULL, positive_posts BIGINT NOT NULL, share_negative DOUBLE,
        is_gap BOOLEAN NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS fct_reply_moves (
        platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL, brand VARCHAR, created_at TIMESTAMPTZ NOT NULL,
        move VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS fct_crises (
        crisis_id VARCHAR NOT NULL, brand VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,
        peak_at TIMESTAMPTZ NOT NULL, ended_at TIMESTAMPTZ, back_to_baseline_at TIMESTAMPTZ,
        severity INTEGER NOT NULL, severity_name VARCHAR NOT NULL, severity_reasons VARCHAR[] NOT NULL,
        peak_z DOUBLE, posts BIGINT NOT NULL, negative_posts BIGINT NOT NULL, authors BIGINT NOT NULL,
        platforms BIGINT NOT NULL, reach DOUBLE, first_brand_response_at TIMESTAMPTZ,
        minutes_to_first_response DOUBLE, complaints BIGINT NOT NULL, complaints_answered BIGINT NOT NULL,
        share_answered DOUBLE, top_terms VARCHAR[] NOT NULL, top_threads VARCHAR[] NOT NULL,
        moves_used VARCHAR[] NOT NULL, data_end_at TIMESTAMPTZ, is_open BOOLEAN, replies_in_data BOOLEAN,
        top_thread_reasons VARCHAR[], severity_reason_messages VARCHAR[], top_thread_reason_messages VARCHAR[],
        top_thread_platforms VARCHAR[]
    )""",
    """CREATE TABLE IF NOT EXISTS fct_crisis_phases (
        crisis_id VARCHAR NOT NULL, phase VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,
        ended_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS fct_crisis_moves (
        crisis_id VARCHAR NOT NULL, move VARCHAR NOT NULL, first_at TIMESTAMPTZ NOT NULL, replies BIGINT NOT NULL,
        first_post_id VARCHAR, first_platform VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS fct_reply_coverage (
        import_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, brand VARCHAR, first_at TIMESTAMPTZ NOT NULL,
        last_at TIMESTAMPTZ NOT NULL, customer_posts BIGINT NOT NULL, brand_posts BIGINT NOT NULL,
        brand_replies BIGINT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS alerts (
        alert_key VARCHAR PRIMARY KEY, rule VARCHAR NOT NULL, brand VARCHAR, crisis_id VARCHAR, severity INTEGER,
        raised_at TIMESTAMPTZ NOT NULL, as_of TIMESTAMPTZ NOT NULL, subject VARCHAR NOT NULL, body VARCHAR NOT NULL,
        facts VARCHAR, link VARCHAR, roles VARCHAR[] NOT NULL, status VARCHAR NOT NULL, digest BOOLEAN NOT NULL,
        replayed BOOLEAN NOT NULL DEFAULT false
    )""",
    """CREATE TABLE IF NOT EXISTS alert_deliveries (
        alert_key VARCHAR NOT NULL, channel VARCHAR NOT NULL, role VARCHAR, state VARCHAR NOT NULL,
        attempts INTEGER NOT NULL, next_attempt_at TIMESTAMPTZ NOT NULL, last_error VARCHAR, sent_at TIMESTAMPTZ,
        PRIMARY KEY (alert_key, channel)
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_log (
        crisis_id VARCHAR NOT NULL, logged_at TIMESTAMPTZ NOT NULL, kind VARCHAR NOT NULL, by_name VARCHAR NOT NULL,
        entry VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        changed_at TIMESTAMPTZ NOT NULL, changed_by VARCHAR NOT NULL, action VARCHAR NOT NULL, detail VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS watch_files (
        sha256 VARCHAR NOT NULL, path VARCHAR NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL,
        state VARCHAR NOT NULL, import_id VARCHAR, error VARCHAR, seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (path, sha256)
    )""",
    """CREATE OR REPLACE VIEW crises AS
        SELECT crisis_id, brand, started_at, peak_at, ended_at, back_to_baseline_at, severity, severity_name,
               severity_reasons, peak_z, posts, negative_posts, authors, platforms, reach,
               first_brand_response_at, minutes_to_first_response, complaints, complaints_answered,
               share_answered, top_terms, top_threads, moves_used, data_end_at, is_open, replies_in_data,
               top_thread_reasons, severity_reason_messages, top_thread_reason_messages, top_thread_platforms
        FROM fct_crises""",
    "CREATE OR REPLACE VIEW crisis_phases AS SELECT crisis_id, phase, started_at, ended_at FROM fct_crisis_phases",
    "CREATE OR REPLACE VIEW crisis_moves AS SELECT crisis_id, move, first_at, replies, first_post_id, first_platform "
    "FROM fct_crisis_moves",
]


# Columns added after a table first shipped: a database made by an older version gains them on open.
_ADDED_COLUMNS = [
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS notes VARCHAR",
    "ALTER TABLE stg_posts ADD COLUMN IF NOT EXISTS thread_key VARCHAR",
    "ALTER TABLE fct_posts ADD COLUMN IF NOT EXISTS facts_build BIGINT",
    # schema 5: each fact carries its sentiment (a copy of enr_posts), so that pages read one table
    "ALTER TABLE fct_posts ADD COLUMN IF NOT EXISTS detected_lang VARCHAR",
    "ALTER TABLE fct_posts ADD COLUMN IF NOT EXISTS sentiment DOUBLE",
    "ALTER TABLE fct_posts ADD COLUMN IF NOT EXISTS sentiment_label VARCHAR",
    "ALTER TABLE fct_posts ADD COLUMN IF NOT EXISTS sentiment_method VARCHAR",
    # schema 6: honest crises (open at the end of the data, replies known to be in it), moves with their post
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS data_end_at TIMESTAMPTZ",
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS is_open BOOLEAN",
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS replies_in_data BOOLEAN",
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS top_thread_reasons VARCHAR[]",
    # schema 11: the reasons also as messages, read in the reader's language (pipeline/core/i18n.py)
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS severity_reason_messages VARCHAR[]",
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS top_thread_reason_messages VARCHAR[]",
    "ALTER TABLE fct_crises ADD COLUMN IF NOT EXISTS top_thread_platforms VARCHAR[]",
    "ALTER TABLE fct_crises ALTER COLUMN ended_at DROP NOT NULL",
    "ALTER TABLE fct_threads ALTER COLUMN answered DROP NOT NULL",
    "ALTER TABLE fct_crisis_moves ADD COLUMN IF NOT EXISTS first_post_id VARCHAR",
    "ALTER TABLE fct_crisis_moves ADD COLUMN IF NOT EXISTS first_platform VARCHAR",
    # schema 6: an import's sentiment labels are used unless a person prefers Radar's score for it
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS use_export_labels BOOLEAN",
    # schema 7: alerts judged on the data's clock (a replay) say so
    "ALTER TABLE alerts ADD COLUMN IF NOT EXISTS replayed BOOLEAN DEFAULT false",
    # schema 8: a brand is ours or a competitor (NULL: not said)
    "ALTER TABLE brands ADD COLUMN IF NOT EXISTS role VARCHAR",
    # schema 10: who loaded an import and who corrected a label (the signed-in person, or the command line's user)
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS imported_by VARCHAR",
    "ALTER TABLE sentiment_overrides ADD COLUMN IF NOT EXISTS set_by VARCHAR",
]
# Tables an older version kept. raw_posts (schema 1-3) held a text copy of every row of every import; the rows
# are now read into a temporary table per import, and only the quarantined ones keep their raw text.
_DROPPED_TABLES = ["DROP TABLE IF EXISTS raw_posts"]


# days since 1970-01-01 in UTC: cheap to group by (microseconds: epoch_ms rounds, which moved the last half
# millisecond of a day onto the next day)
UTC_DAY = "(epoch_us(created_at) // 86400000000)::INTEGER"


def alias_key_sql(expr: str) -> str:
    """SQL for the brand alias key of a text (see ``pipeline.core.brands``): lower case, accents stripped, only
    letters and digits."""
    return f"regexp_replace(lower(strip_accents(trim({expr}))), '[^\\p{{L}}\\p{{N}}]', '', 'g')"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'", [table]
        ).fetchall()
    ]


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the open transaction, if there still is one: a COMMIT that failed (a full disk, say) has already
    rolled it back, and a second error from ROLLBACK must not hide the first, which is the one to report."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema where it is missing, mark the database as Radar's and record its version: all in
    one transaction, so that a failure leaves the file as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        _migrate(con)
        con.execute("COMMIT")
    except DatabaseError:
        rollback(con)
        raise
    except duckdb.Error as exc:
        rollback(con)
        raise DatabaseError(
            f"could not create or upgrade the database's tables ({str(exc).splitlines()[0]}); nothing was changed"
        ) from None


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    views = [statement for statement in _SCHEMA if statement.startswith("CREATE OR REPLACE VIEW")]
    old_brands = "handle" in _columns(con, "brands")  # schema 1-5: one row per handle, no canonical brand
    if old_brands:
        con.execute("ALTER TABLE brands RENAME TO brands_v5")
    for statement in (*(s for s in _SCHEMA if s not in views), *_ADDED_COLUMNS, *_DROPPED_TABLES, *views):
        con.execute(statement)
    if old_brands:
        con.execute("INSERT INTO brands SELECT handle, source, added_at, NULL FROM brands_v5 ON CONFLICT DO NOTHING")
        con.execute(f"""INSERT INTO brand_aliases SELECT DISTINCT ON (key) {alias_key_sql("handle")} AS key,
                        'handle', handle, handle FROM brands_v5 WHERE key <> '' ON CONFLICT DO NOTHING""")
        con.execute("DROP TABLE brands_v5")
    version = get_meta(con, "schema_version")
    if version is not None and int(version) > SCHEMA_VERSION:
        raise DatabaseError(
            f"this database has schema version {version}, newer than this program ({SCHEMA_VERSION}); upgrade"
        )
    if version is not None and int(version) < 5:
        copy_sentiment_to_facts(con)
    if version is not None and int(version) < 6:
        # brands, labels, coverage and crises are defined anew: the facts and analytics are rebuilt whole
        con.execute(
            "DELETE FROM radar_meta WHERE key IN ('facts_brands', 'analytics_facts_build', 'analytics_version')"
        )
        bump_data_version(con)
    if version is not None and int(version) < 8:
        from pipeline.metrics.themes import (
            tag_themes,  # schema 8: themes; an older database's posts are tagged once, now
        )

        tag_themes(con)
    set_meta(con, "schema_version", str(SCHEMA_VERSION))
    set_meta(con, "application", APPLICATION)


# A post's own scores: the adapter's where one scored it, else the base score.
EFFECTIVE_SENTIMENT = """(
    SELECT b.platform, b.post_id, b.lang,
           CASE WHEN a.post_id IS NULL THEN b.sentiment ELSE a.sentiment END AS sentiment,
           CASE WHEN a.post_id IS NULL THEN b.sentiment_label ELSE a.sentiment_label END AS sentiment_label,
           CASE WHEN a.post_id IS NULL THEN b.sentiment_method ELSE a.sentiment_method END AS sentiment_method
    FROM enr_posts b LEFT JOIN enr_adapted a ON a.platform = b.platform AND a.post_id = b.post_id)"""

_COPY_IN_PLACE_UP_TO = 200_000  # more rows than this: the facts table is rewritten (an UPDATE does not spill)


def copy_sentiment_to_facts(con: duckdb.DuckDBPyConnection, *, every_row: bool = False) -> None:
    """Copy each post's language and sentiment (``EFFECTIVE_SENTIMENT``) into its ``fct_posts`` row: the rows that
    have none yet (facts built before their texts were scored), or ``every_row`` after a rescore. Many rows
    are copied by rewriting the table (in created_at order, as the facts build writes it), few in place."""
    if not every_row and not scalar(con, "SELECT count(*) FROM fct_posts WHERE sentiment_method IS NULL"):
        return  # the usual case, found without joining every fact to its sentiment
    pending = scalar(
        con,
        f"""
        SELECT count(*) FROM fct_posts f JOIN {EFFECTIVE_SENTIMENT} e ON e.platform = f.platform AND e.post_id = f.post_id
        WHERE {_fact_differs("f") if every_row else "f.sentiment_method IS NULL"}""",
    )
    if not pending:
        return
    if pending <= _COPY_IN_PLACE_UP_TO:
        con.execute(f"""
            UPDATE fct_posts SET detected_lang = e.lang, sentiment = e.sentiment, sentiment_label = e.sentiment_label,
                                 sentiment_method = e.sentiment_method
            FROM {EFFECTIVE_SENTIMENT} e
            WHERE fct_posts.platform = e.platform AND fct_posts.post_id = e.post_id
              AND ({_fact_differs("fct_posts") if every_row else "fct_posts.sentiment_method IS NULL"})""")
        return
    con.execute(f"""
        CREATE OR REPLACE TABLE fct_posts_next AS
        SELECT f.* REPLACE (
            CASE WHEN e.post_id IS NULL THEN f.detected_lang ELSE e.lang END AS detected_lang,
            CASE WHEN e.post_id IS NULL THEN f.sentiment ELSE e.sentiment END AS sentiment,
            CASE WHEN e.post_id IS NULL THEN f.sentiment_label ELSE e.sentiment_label END AS sentiment_label,
            CASE WHEN e.post_id IS NULL THEN f.sentiment_method ELSE e.sentiment_method END AS sentiment_method)
        FROM fct_posts f LEFT JOIN {EFFECTIVE_SENTIMENT} e ON e.platform = f.platform AND e.post_id = f.post_id
        ORDER BY f.created_at""")
    con.execute("DROP TABLE fct_posts")
    con.execute("ALTER TABLE fct_posts_next RENAME TO fct_posts")


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> tuple | None:
    """The first row of a query, or None. Fetches the whole result: DuckDB refuses other work on a
    connection (``register`` among it) while a result is only partly fetched."""
    rows = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    return rows[0] if rows else None


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> tuple:
    """The row of a query that always returns exactly one (an aggregate without GROUP BY)."""
    row = first_row(con, sql, params)
    if row is None:
        raise DatabaseError("a query that returns one row returned none: " + " ".join(sql.split())[:200])
    return row


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The single value of a one-row, one-column query (None when there is no row)."""
    row = first_row(con, sql, params)
    return row[0] if row else None


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    return scalar(con, "SELECT value FROM radar_meta WHERE key = ?", [key])


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO radar_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that every change to the stored posts or brands increases: the key for caches."""
    return int(get_meta(con, "data_version") or 0)


def cache_key(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever what the pages show may change: new data, recomputed analytics, corrected labels,
    saved or forgotten column mappings."""
    return scalar(
        con,
        """SELECT coalesce(string_agg(key || '=' || value, ';' ORDER BY key), '') FROM radar_meta
                          WHERE key IN ('data_version', 'analytics_version', 'labels_version', 'formats_version',
                                        'monitoring_version', 'themes_version', 'roles_version', 'settings')""",
    )


def bump_monitoring_version(con: duckdb.DuckDBPyConnection) -> None:
    """The plan, an alert, a delivery or the crisis log changed: what the monitoring views show may change."""
    set_meta(con, "monitoring_version", str(int(get_meta(con, "monitoring_version") or 0) + 1))


def bump_data_version(con: duckdb.DuckDBPyConnection) -> int:
    version = data_version(con) + 1
    set_meta(con, "data_version", str(version))
    return version


# Each check is SQL that must return no rows; the first columns say what is wrong.
def _fact_differs(fact: str) -> str:
    """SQL: the fact row ``fact`` holds another language or sentiment than its ``enr_posts`` row ``e``."""
    return " OR ".join(
        f"{fact}.{mine} IS DISTINCT FROM e.{theirs}"
        for mine, theirs in (
            ("sentiment_method", "sentiment_method"),
            ("sentiment", "sentiment"),
            ("sentiment_label", "sentiment_label"),
            ("detected_lang", "lang"),
        )
    )


QUALITY_CHECKS: dict[str, str] = {
    "one staged post per platform and post id": """
        SELECT platform, post_id, count(*) AS copies FROM stg_posts GROUP BY ALL HAVING count(*) > 1""",
    "one fact post per staged post": """
        SELECT (SELECT count(*) FROM stg_posts) AS staged, (SELECT count(*) FROM fct_posts) AS facts
        WHERE (SELECT count(*) FROM stg_posts) <> (SELECT count(*) FROM fct_posts)
          AND (SELECT value FROM radar_meta WHERE key = 'facts_version')
            = (SELECT value FROM radar_meta WHERE key = 'data_version')""",
    "every import accounts for each row read": """
        SELECT import_id, rows_read, rows_loaded, rows_duplicate, rows_quarantined FROM imports
        WHERE rows_read <> rows_loaded + rows_duplicate + rows_quarantined""",
    "every quarantined row belongs to an import": """
        SELECT q.import_id, q.line_number FROM quarantine q ANTI JOIN imports i USING (import_id)""",
    "every post has a thread that exists": """
        SELECT p.post_id, p.thread_id FROM fct_posts p
        ANTI JOIN fct_posts r ON r.platform = p.platform AND r.post_id = p.thread_id""",
    "timestamps are set": "SELECT post_id FROM stg_posts WHERE created_at IS NULL",
    "every post's brand is a known brand": """
        SELECT post_id, brand FROM fct_posts WHERE brand IS NOT NULL AND brand NOT IN (SELECT brand FROM brands)
          AND (SELECT value FROM radar_meta WHERE key = 'facts_version')
            = (SELECT value FROM radar_meta WHERE key = 'data_version')""",
    "one sentiment per post": """
        SELECT platform, post_id, count(*) AS copies FROM enr_posts GROUP BY ALL HAVING count(*) > 1""",
    "sentiment within -1..1 and labelled when scored": """
        SELECT post_id, sentiment, sentiment_label FROM enr_posts
        WHERE sentiment NOT BETWEEN -1 AND 1 OR (sentiment IS NULL) <> (sentiment_label IS NULL)""",
    "every fact carries its post's sentiment": f"""
        SELECT f.post_id, f.sentiment_method, e.sentiment_method FROM fct_posts f
        JOIN {EFFECTIVE_SENTIMENT} e ON e.platform = f.platform AND e.post_id = f.post_id
        WHERE {_fact_differs("f")}""",
}
# The same checks for the posts an incremental update wrote (facts_build above $since): a weekly import
# into millions of posts checks what it added (a rewritten thread is rewritten whole, root included).
_CHANGED = "(SELECT platform, post_id FROM fct_posts WHERE facts_build > $since)"
QUALITY_CHECKS_SINCE: dict[str, str] = {
    **QUALITY_CHECKS,
    "one staged post per platform and post id": f"""
        SELECT platform, post_id, count(*) AS copies FROM stg_posts SEMI JOIN {_CHANGED} c USING (platform, post_id)
        GROUP BY ALL HAVING count(*) > 1""",
    "every post has a thread that exists": """
        SELECT p.post_id, p.thread_id FROM (SELECT * FROM fct_posts WHERE facts_build > $since) p
        ANTI JOIN (SELECT platform, post_id FROM fct_posts WHERE facts_build > $since) r
            ON r.platform = p.platform AND r.post_id = p.thread_id""",
    "one sentiment per post": f"""
        SELECT platform, post_id, count(*) AS copies FROM enr_posts SEMI JOIN {_CHANGED} c USING (platform, post_id)
        GROUP BY ALL HAVING count(*) > 1""",
    "sentiment within -1..1 and labelled when scored": f"""
        SELECT post_id, sentiment, sentiment_label FROM enr_posts SEMI JOIN {_CHANGED} c USING (platform, post_id)
        WHERE sentiment NOT BETWEEN -1 AND 1 OR (sentiment IS NULL) <> (sentiment_label IS NULL)""",
    "every fact carries its post's sentiment": f"""
        SELECT f.post_id, f.sentiment_method, e.sentiment_method FROM (SELECT * FROM fct_posts WHERE facts_build > $since) f
        JOIN {EFFECTIVE_SENTIMENT} e ON e.platform = f.platform AND e.post_id = f.post_id
        WHERE {_fact_differs("f")}""",
}


def check_quality(con: duckdb.DuckDBPyConnection, *, since: int | None = None) -> list[str]:
    """Run every data-quality check; return one line per failing check (empty when all pass). With
    ``since`` (a facts build), the per-post checks look only at posts written after it."""
    failures = []
    checks = QUALITY_CHECKS if since is None else QUALITY_CHECKS_SINCE
    for name, sql in checks.items():
        params = {"since": since} if "$since" in sql else None
        rows = (
            con.execute(f"SELECT * FROM ({sql}) LIMIT 3", params).fetchall()
            if params
            else con.execute(f"SELECT * FROM ({sql}) LIMIT 3").fetchall()
        )
        if rows:
            failures.append(f"{name}: e.g. {rows}")
    return failures
