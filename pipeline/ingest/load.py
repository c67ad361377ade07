"""Ingest: load one export file into ``raw_posts``, then stage it into ``stg_posts`` and ``quarantine``.

Writes ``raw_posts`` (every data row, text), ``stg_posts`` (typed, one per platform + post id),
``quarantine`` (unusable rows with their reason), ``imports`` (the report) and ``brands`` (accounts the
export marks as the brand's), all in one transaction: a file lands whole or not at all.

Accounting, checked for every import: ``rows_read = rows_loaded + rows_duplicate + rows_quarantined``.
A row is a duplicate when a usable row with the same platform and post id is already stored or comes
earlier in the same file; the stored post is kept as it is.

Timestamps: a value with a UTC offset is converted to UTC; a value without one is read in the import's
time zone (default UTC) and counted in ``naive_timestamp_count``. Epoch seconds (9-10 digits) and
milliseconds (12-13 digits) are UTC. Accepted shapes: ``Tue Oct 31 22:10:47 +0000 2017``,
``2015-02-24 11:35:52 -0800``, ``2017-04-04 00:00 +0000``, ISO 8601 (``T`` or space, ``Z``, ``+01:00``,
``+0100``, or no offset), ``MM/DD/YYYY HH:MM[:SS] [AM|PM]``, ``DD.MM.YYYY HH:MM[:SS]``.
Timestamps before 2000 or more than a day in the future are quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa

from .. import db
from .formats import CANONICAL_COLUMNS
from .reader import Dialect, IngestError, ProgressCallback, read_records, sniff

CHUNK_ROWS = 50_000
MAX_ID_LENGTH = 200


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file."""

    file_name: str
    import_id: str
    sha256: str
    format: str
    encoding: str
    delimiter: str
    time_zone: str
    naive_timestamp_count: int
    header_line: int
    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int
    quarantine_reasons: tuple[tuple[str, int, int], ...] = ()  # (reason, rows, first line number)
    brands_added: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        if self.naive_timestamp_count:
            zone = f"{self.time_zone} (for {self.naive_timestamp_count:,} timestamp{'s' if self.naive_timestamp_count != 1 else ''} without an offset)"
        else:
            zone = "not needed (every timestamp carries its offset)"
        out = [
            f"{self.file_name}: imported as {self.import_id}",
            f"  format        {self.format}",
            f"  encoding      {self.encoding}, {self.delimiter}-delimited, header on line {self.header_line}",
            f"  time zone     {zone}",
            f"  rows read     {self.rows_read:,}",
            f"    loaded      {self.rows_loaded:,}",
            f"    duplicate   {self.rows_duplicate:,}  (already stored, or repeated in the file)",
            f"    quarantined {self.rows_quarantined:,}",
        ]
        for reason, count, first_line in self.quarantine_reasons:
            out.append(f"      {count:,} x {reason} (first on line {first_line:,})")
        if self.rows_quarantined:
            out.append(f"      see them: SELECT line_number, reason, raw FROM quarantine "
                       f"WHERE import_id = '{self.import_id}'")
        if self.brands_added:
            out.append(f"  brand accounts added: {', '.join(self.brands_added)}")
        return out


def normalize_handle(handle: str) -> str:
    """``" @SprintCare "`` -> ``"sprintcare"``: how brand handles are stored and compared."""
    return handle.strip().lstrip("@").strip().lower()


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as UTC or Europe/Madrid") from None
    return name


def add_brands(con: duckdb.DuckDBPyConnection, handles: Iterable[str], source: str) -> list[str]:
    """Store brand handles; return the ones that were new."""
    added = []
    for handle in handles:
        handle = normalize_handle(handle)
        if not handle:
            continue
        exists = db.first_row(con, "SELECT 1 FROM brands WHERE handle = ?", [handle])
        if not exists:
            con.execute("INSERT INTO brands VALUES (?, ?, now())", [handle, source])
            added.append(handle)
    if added:
        db.bump_data_version(con)
    return added


def _next_import_id(con: duckdb.DuckDBPyConnection) -> str:
    number = int(db.get_meta(con, "import_seq") or 0) + 1
    db.set_meta(con, "import_seq", str(number))
    return f"imp-{number:06d}"


def _write_raw(con: duckdb.DuckDBPyConnection, import_id: str, path: Path, dialect: Dialect,
               progress: ProgressCallback | None) -> None:
    plan = dialect.format.resolve(dialect.header)
    assert plan is not None  # sniff only returns a dialect whose format resolves
    derive = dialect.format.derive
    width = len(dialect.header)
    delimiter = dialect.delimiter
    columns = ("line_number", *CANONICAL_COLUMNS, "problem", "raw")
    buffer: dict[str, list] = {name: [] for name in columns}

    def flush() -> None:
        if not buffer["line_number"]:
            return
        chunk = pa.table({name: pa.array(values, type=pa.int64() if name == "line_number" else pa.string())
                          for name, values in buffer.items()})
        con.register("raw_chunk", chunk)
        con.execute(f"INSERT INTO raw_posts (import_id, {', '.join(columns)}) "
                    f"SELECT ?, {', '.join(columns)} FROM raw_chunk", [import_id])
        con.unregister("raw_chunk")
        for values in buffer.values():
            values.clear()

    for line_number, fields in read_records(path, dialect, progress):
        values = {name: (fields[index] if index < len(fields) else "") for name, index in plan.items()}
        if derive is not None:
            derive(values)
        problem = None
        if len(fields) < width or (len(fields) > width and any(v.strip() for v in fields[width:])):
            problem = f"ragged row: {len(fields)} fields where the header has {width}"
        buffer["line_number"].append(line_number)
        for name in CANONICAL_COLUMNS:
            buffer[name].append(values.get(name))
        buffer["problem"].append(problem)
        buffer["raw"].append(delimiter.join(fields))
        if len(buffer["line_number"]) >= CHUNK_ROWS:
            flush()
    flush()


_SPREADSHEET_ID = r"\d+(\.\d+)?[eE]\+?\d+"

_STAGE_SQL = r"""
CREATE OR REPLACE TEMP TABLE tmp_staged AS
WITH src AS (
    SELECT line_number, raw, problem,
        nullif(regexp_replace(trim(post_id), '^(\d+)\.0+$', '\1'), '') AS given_id,
        nullif(trim(created_at), '') AS ts_text,
        nullif(trim(author_id), '') AS author_id,
        coalesce(text, '') AS text,
        nullif(regexp_replace(trim(parent_id), '^(\d+)\.0+$', '\1'), '') AS parent_id,
        coalesce(nullif(lower(trim(platform)), ''), $platform) AS platform,
        CASE lower(trim(is_brand)) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true
             WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false END AS is_brand_exported,
        nullif(lower(trim(ltrim(trim(brand), '@'))), '') AS brand_exported,
        CASE WHEN lower(trim(vendor_sentiment)) IN ('positive', 'pos', 'p') THEN 'positive'
             WHEN lower(trim(vendor_sentiment)) IN ('negative', 'neg', 'n') THEN 'negative'
             WHEN lower(trim(vendor_sentiment)) IN ('neutral', 'neu', 'none') THEN 'neutral' END
            AS vendor_sentiment,
        try_cast(try_cast(replace(trim(likes), ',', '') AS DOUBLE) AS BIGINT) AS likes,
        try_cast(try_cast(replace(trim(shares), ',', '') AS DOUBLE) AS BIGINT) AS shares,
        try_cast(try_cast(replace(trim(reach), ',', '') AS DOUBLE) AS BIGINT) AS reach,
        nullif(trim(url), '') AS url,
        nullif(lower(trim(lang)), '') AS lang
    FROM raw_posts WHERE import_id = $import_id
), parsed AS (
    SELECT *,
        CASE
            WHEN regexp_full_match(ts_text, '\d{9,10}(\.\d+)?') THEN to_timestamp(ts_text::DOUBLE)
            WHEN regexp_full_match(ts_text, '\d{12,13}') THEN to_timestamp(ts_text::DOUBLE / 1000)
            ELSE coalesce(
                try_strptime(ts_text, '%a %b %d %H:%M:%S %z %Y'),
                try_strptime(ts_text, '%Y-%m-%d %H:%M:%S %z'),
                try_strptime(ts_text, '%Y-%m-%d %H:%M %z'),
                CASE WHEN regexp_matches(ts_text, '\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$')
                     THEN try_cast(ts_text AS TIMESTAMPTZ) END)
        END AS ts_with_offset,
        CASE WHEN NOT regexp_matches(ts_text, '(Z|[+-]\d{2}:?\d{2})$') THEN coalesce(
            try_cast(ts_text AS TIMESTAMP),
            try_strptime(ts_text, ['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p', '%m/%d/%Y %H:%M:%S',
                                   '%m/%d/%Y %H:%M', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M']))
        END AS ts_naive
    FROM src
), typed AS (
    SELECT *,
        coalesce(given_id, CASE WHEN trim(text) <> '' AND ts_text IS NOT NULL THEN
            'h' || substr(md5(concat_ws('|', author_id, ts_text, text)), 1, 20) END) AS post_id,
        coalesce(ts_with_offset, timezone($time_zone, ts_naive)) AS created_at,
        ts_with_offset IS NULL AND ts_naive IS NOT NULL AS is_naive
    FROM parsed
), judged AS (
    SELECT *,
        CASE
            WHEN problem IS NOT NULL THEN problem
            WHEN given_id IS NULL AND trim(text) = '' THEN 'no post id and no text'
            WHEN ts_text IS NULL THEN 'no timestamp'
            WHEN created_at IS NULL THEN 'timestamp not understood: ' || left(ts_text, 60)
            WHEN created_at < TIMESTAMPTZ '2000-01-01 00:00:00+00' OR created_at > $now + INTERVAL 1 DAY
                THEN 'timestamp out of range (before 2000 or in the future): ' || left(ts_text, 60)
            WHEN length(post_id) > $max_id THEN 'post id longer than ' || $max_id || ' characters'
            WHEN parent_id IS NOT NULL AND length(parent_id) > $max_id
                THEN 'parent id longer than ' || $max_id || ' characters'
        END AS reason
    FROM typed
)
SELECT j.*,
    j.reason IS NULL AND (
        row_number() OVER (PARTITION BY j.platform, j.post_id, j.reason IS NULL ORDER BY j.line_number) > 1
        OR s.post_id IS NOT NULL) AS is_duplicate
FROM judged j
LEFT JOIN stg_posts s ON s.platform = j.platform AND s.post_id = j.post_id
"""


def _stage(con: duckdb.DuckDBPyConnection, import_id: str, dialect: Dialect, time_zone: str,
           now: datetime) -> None:
    con.execute(_STAGE_SQL, {
        "import_id": import_id, "platform": dialect.format.platform or "other", "time_zone": time_zone,
        "now": now, "max_id": MAX_ID_LENGTH,
    })
    con.execute("""
        INSERT INTO quarantine (import_id, line_number, reason, raw)
        SELECT ?, line_number, reason, raw FROM tmp_staged WHERE reason IS NOT NULL ORDER BY line_number
    """, [import_id])
    con.execute("""
        INSERT INTO stg_posts
        SELECT platform, post_id, ?, line_number, ?, author_id, is_brand_exported, brand_exported,
               created_at, text, parent_id, vendor_sentiment, likes, shares, reach, url, lang
        FROM tmp_staged WHERE reason IS NULL AND NOT is_duplicate ORDER BY line_number
    """, [import_id, dialect.format.name])


def ingest_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, forced_format: str | None = None,
                time_zone: str = "UTC", brands: Iterable[str] = (),
                progress: ProgressCallback | None = None) -> ImportReport:
    """Load one export into the store, all or nothing; raise ``IngestError`` when it cannot be read.

    Call ``pipeline.normalize.build_posts`` afterwards (``ingest_files`` does) to bring the facts up to date.
    """
    path = Path(path)
    check_time_zone(time_zone)
    dialect = sniff(path, forced_format)
    now = datetime.now(timezone.utc)
    con.execute("BEGIN TRANSACTION")
    try:
        import_id = _next_import_id(con)
        cli_brands = add_brands(con, brands, "given on import")
        _write_raw(con, import_id, path, dialect, progress)
        mangled = db.first_row(con, f"""
            SELECT coalesce(post_id, parent_id) FROM raw_posts WHERE import_id = ?
              AND (regexp_full_match(trim(post_id), '{_SPREADSHEET_ID}')
                   OR regexp_full_match(trim(parent_id), '{_SPREADSHEET_ID}')) LIMIT 1""",
                               [import_id])
        if mangled:
            raise IngestError(path, f"ids in scientific notation such as {mangled[0]!r}: a spreadsheet has "
                                    "rounded them and the real ids are lost; export the file again from the "
                                    "source tool and do not save it from a spreadsheet")
        _stage(con, import_id, dialect, time_zone, now)
        counts = db.first_row(con, """
            SELECT count(*), count(*) FILTER (reason IS NULL AND NOT is_duplicate),
                   count(*) FILTER (is_duplicate), count(*) FILTER (reason IS NOT NULL),
                   count(*) FILTER (reason IS NULL AND NOT is_duplicate AND is_naive)
            FROM tmp_staged""")
        rows_read, loaded, duplicate, quarantined, naive = counts
        if rows_read == 0:
            raise IngestError(path, "the file has a header but no data rows")
        reasons = con.execute("""
            SELECT split_part(reason, ':', 1) AS kind, count(*), min(line_number) FROM tmp_staged
            WHERE reason IS NOT NULL GROUP BY kind ORDER BY count(*) DESC, kind""").fetchall()
        exported = con.execute("""
            SELECT DISTINCT author_id FROM stg_posts
            WHERE import_id = ? AND is_brand_exported AND author_id IS NOT NULL ORDER BY 1""",
                               [import_id]).fetchall()
        export_brands = add_brands(con, [row[0] for row in exported], f"exported by {dialect.format.name}")
        con.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            import_id, path.name, dialect.sha256, dialect.format.name, dialect.encoding_label, dialect.delimiter_label,
            time_zone, dialect.header_line, rows_read, loaded, duplicate, quarantined, naive, now,
        ])
        con.execute("DROP TABLE tmp_staged")
        db.bump_data_version(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return ImportReport(
        file_name=path.name, import_id=import_id, sha256=dialect.sha256, format=dialect.format.name,
        encoding=dialect.encoding_label, delimiter=dialect.delimiter_label, time_zone=time_zone,
        naive_timestamp_count=naive, header_line=dialect.header_line, rows_read=rows_read,
        rows_loaded=loaded, rows_duplicate=duplicate, rows_quarantined=quarantined,
        quarantine_reasons=tuple(reasons),
        brands_added=tuple(cli_brands + export_brands),
    )
