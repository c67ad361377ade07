"""Ingest: read one export file into a temporary table of text rows, derive the posts from it by the format's
rules, then stage them into ``stg_posts`` and ``quarantine``.

DuckDB's own CSV reader parses the file where it reads it exactly as the Python reader would (UTF-8, one
header row, rows its strict parser accepts: see ``_read_csv_fast``); otherwise the rows stream through
Python's csv module in chunks (``_read_csv_python``). Either way the rows land in ``tmp_csv`` (line number,
the fields as text), and one SQL statement, ``derive_rows``, applies the format's rules to make ``tmp_raw``
(the canonical columns as text, a problem, the raw row): a rule exists once, whichever reader read the file.
Writes ``stg_posts`` (typed, one per platform + post id), ``quarantine`` (unusable rows with their reason and
raw text), ``imports`` (the report) and ``brands`` (accounts the export marks as the brand's), all in one
transaction: a file lands whole or not at all.

Accounting, checked for every import: ``rows_read = rows_loaded + rows_duplicate + rows_quarantined``.
A row is a duplicate when a usable row with the same platform and post id is already stored or comes
earlier in the same file; the stored post is kept as it is.

Timestamps: a value with a UTC offset is converted to UTC; a value without one is read in the import's
time zone (default UTC) and counted in ``naive_timestamp_count``. Epoch seconds (9-10 digits) and
milliseconds (12-13 digits) are UTC. Accepted shapes: ``Tue Oct 31 22:10:47 +0000 2017``,
``2015-02-24 11:35:52 -0800``, ``2017-04-04 00:00 +0000``, ISO 8601 (``T`` or space, ``Z``, ``+01:00``,
``+0100``, or no offset), ``MM/DD/YYYY HH:MM[:SS] [AM|PM]``, ``DD.MM.YYYY HH:MM[:SS]``.
Slash dates are read month first, unless the file shows otherwise (a first part over 12) or is
semicolon-delimited (the European spreadsheet convention, where numbers also use a decimal comma).
Timestamps before 2000 or more than a day in the future are quarantined; so is a row with a field longer
than ``MAX_FIELD_CHARS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa

from pipeline.core import brands as brand_registry
from pipeline.core import db
from pipeline.core.access import current_actor, record_change
from pipeline.core.i18n import _, fmt_int, ngettext
from pipeline.ingest.formats import (
    CANONICAL_COLUMNS,
    Format,
    check_format_name,
    check_mapping,
    custom_format,
    sql_string,
    strip_sql,
)
from pipeline.ingest.reader import (
    MAX_FIELD_CHARS,
    MAX_RECORD_LINES,
    Dialect,
    IngestError,
    ProgressCallback,
    SetAside,
    delimited_name,
    encoding_name,
    read_header,
    read_records,
    sniff,
)

CHUNK_ROWS = 50_000
MAX_ID_LENGTH = 200
RAW_KEEP_CHARS = 2_000  # how much of an over-long row the quarantine keeps
MAX_NAMED_BRANDS = 200  # brands one export may name in its brand column


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
    brands_suggested: tuple[tuple[str, int], ...] = ()  # (handle, posts mentioning it): not brands yet
    notes: tuple[str, ...] = ()
    file_rows: int | None = None  # data rows in the file, where a row can hold more than one post
    read_by: str = "python"  # "duckdb" when DuckDB parsed the file itself, else Python's csv row by row

    def lines(self) -> list[str]:
        """The report as a person reads it, in the current language (the notes and the quarantine reasons are
        stored in English, and shown as stored)."""
        if self.naive_timestamp_count:
            zone = ngettext(
                "{zone} (for {n} timestamp without an offset)",
                "{zone} (for {n} timestamps without an offset)",
                self.naive_timestamp_count,
            ).format(zone=self.time_zone, n=fmt_int(self.naive_timestamp_count))
        else:
            zone = _("not needed (every timestamp carries its offset)")
        rows_read = fmt_int(self.rows_read)
        if self.file_rows is not None and self.file_rows != self.rows_read:
            rows_read = ngettext(
                "{count}  (posts in {n} file row: comment rows also carry their post)",
                "{count}  (posts in {n} file rows: comment rows also carry their post)",
                self.file_rows,
            ).format(count=rows_read, n=fmt_int(self.file_rows))
        encoding = _("{encoding}, {delimited}, header on line {line}").format(
            encoding=encoding_name(self.encoding), delimited=delimited_name(self.delimiter), line=self.header_line
        )
        duplicate = _("{count}  (already stored, or repeated in the file)").format(count=fmt_int(self.rows_duplicate))
        table = [  # (indent, label, value): the values line up after the longest label
            (2, _("format"), self.format),
            (2, _("encoding"), encoding),
            (2, _("time zone"), zone),
            (2, _("rows read"), rows_read),
            (4, _("loaded"), fmt_int(self.rows_loaded)),
            (4, _("duplicate"), duplicate),
            (4, _("quarantined"), fmt_int(self.rows_quarantined)),
        ]
        width = max(indent + len(label) for indent, label, value in table) + 1
        out = [_("{file}: imported as {import_id}").format(file=self.file_name, import_id=self.import_id)]
        out += [(" " * indent + label).ljust(width) + value for indent, label, value in table]
        for reason, count, first_line in self.quarantine_reasons:
            out.append(
                "      "
                + _("{count} x {reason} (first on line {line})").format(
                    count=fmt_int(count), reason=reason, line=fmt_int(first_line)
                )
            )
        if self.rows_quarantined:
            query = f"SELECT line_number, reason, raw FROM quarantine WHERE import_id = '{self.import_id}'"
            out.append("      " + _("see them: {query}").format(query=query))
        if self.brands_added:
            out.append("  " + _("brands added: {brands}").format(brands=", ".join(self.brands_added)))
        if self.brands_suggested:
            mentioned = ", ".join(
                ngettext("@{handle} ({n} post)", "@{handle} ({n} posts)", posts).format(handle=handle, n=fmt_int(posts))
                for handle, posts in self.brands_suggested
            )
            out.append(
                "  "
                + _(
                    "often mentioned, not a brand yet: {mentioned}; make one a brand "
                    "with `radar brands add NAME --handle HANDLE` (an existing NAME gains the handle)"
                ).format(mentioned=mentioned)
            )
        for note in self.notes:
            out.append("  " + _("note: {note}").format(note=note))
        return out


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            _("unknown time zone {name}; use an IANA name such as UTC or Europe/Madrid").format(name=repr(name))
        ) from None
    return name


def add_brands(con: duckdb.DuckDBPyConnection, handles: Iterable[str], source: str) -> list[str]:
    """Store brand account handles (``pipeline.core.brands.register``); return the brands that were new."""
    return brand_registry.register(con, handles, kind="handle", source=source)


def _next_import_id(con: duckdb.DuckDBPyConnection) -> str:
    number = int(db.get_meta(con, "import_seq") or 0) + 1
    db.set_meta(con, "import_seq", str(number))
    return f"imp-{number:06d}"


# The problems a row can have, one wording whichever reader found them (the long field's length goes into
# ``{:,}``: ``str.format`` in Python, ``format`` in DuckDB). Quarantine reasons: stored in English (data).
_LONG_FIELD = "a field of {:,} characters (the limit is " + f"{MAX_FIELD_CHARS:,})"  # i18n: not text (stored)


_NUL_BYTE = "a NUL byte in the row (binary data, not text)"  # i18n: not text (a quarantine reason, stored)


def _read_csv_python(
    con: duckdb.DuckDBPyConnection, path: Path, dialect: Dialect, progress: ProgressCallback | None
) -> None:
    """Read the file row by row with Python's csv module into ``tmp_csv``, in chunks: the same text fields
    (``c0``...) and line numbers DuckDB's reader gives, plus what only this reader can tell: a row set aside
    while reading (a stray or runaway quote, an over-long line) and a ragged row (its raw text, with the long
    field or NUL byte checks made over all its fields, and its problem)."""
    width = len(dialect.header)
    delimiter = dialect.delimiter
    names = ["line_number", *(f"c{i}" for i in range(width)), "read_problem", "read_raw", "read_ragged"]
    buffer: dict[str, list] = {name: [] for name in names}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE tmp_csv (seq BIGINT, line_number BIGINT, "
        + ", ".join(f"{name} VARCHAR" for name in names[1:])
        + ")"
    )
    seq = 0

    def flush() -> None:
        nonlocal seq
        rows = len(buffer["line_number"])
        if not rows:
            return
        chunk = pa.table(
            {
                "seq": pa.array(range(seq, seq + rows), type=pa.int64()),
                **{
                    name: pa.array(values, type=pa.int64() if name == "line_number" else pa.string())
                    for name, values in buffer.items()
                },
            }
        )
        seq += rows
        con.register("csv_chunk", chunk)
        con.execute(f"INSERT INTO tmp_csv SELECT seq, {', '.join(names)} FROM csv_chunk")
        con.unregister("csv_chunk")
        for values in buffer.values():
            values.clear()

    line_numbers, problems, raws, raggeds = (
        buffer["line_number"],
        buffer["read_problem"],
        buffer["read_raw"],
        buffer["read_ragged"],
    )
    columns = [buffer[f"c{i}"] for i in range(width)]
    empty: list[str | None] = [None] * width

    def add(line_number: int, fields: list | None, problem: str | None, raw: str | None, ragged: str | None) -> None:
        line_numbers.append(line_number)
        for column, value in zip(columns, fields if fields is not None else empty):
            column.append(value)
        problems.append(problem)
        raws.append(raw)
        raggeds.append(ragged)

    for line_number, fields in read_records(path, dialect, progress):
        if isinstance(fields, SetAside):
            add(line_number, None, fields.reason, fields[0][:RAW_KEEP_CHARS], None)
        elif len(fields) == width:
            add(line_number, fields, None, None, None)
        else:
            raw = delimiter.join(fields)
            padded = (fields + [""] * width)[:width]
            if not (len(fields) < width or any(value.strip() for value in fields[width:])):
                add(line_number, padded, None, raw, None)  # empty fields after the last column: not ragged
            elif len(raw) > MAX_FIELD_CHARS and max(map(len, fields)) > MAX_FIELD_CHARS:
                add(
                    line_number,
                    None,
                    _LONG_FIELD.format(max(map(len, fields))),
                    raw[:RAW_KEEP_CHARS] + " [... cut]",
                    None,
                )
            elif "\x00" in raw:
                add(line_number, None, _NUL_BYTE, raw.replace("\x00", "\\0"), None)
            else:
                ragged = f"ragged row: {len(fields)} fields where the header has {width}"  # i18n: not text (stored)
                add(line_number, padded, None, raw, ragged)
        if len(line_numbers) >= CHUNK_ROWS:
            flush()
    flush()


def _file_lines(path: Path) -> int:
    """Physical lines up to the last one with content (trailing blank lines are not rows)."""
    newlines, size = 0, path.stat().st_size
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            newlines += block.count(b"\n")
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    trailing = tail[len(tail.rstrip(b" \t\r\n")) :].count(b"\n")
    return newlines - trailing + 1


def _read_csv_fast(con: duckdb.DuckDBPyConnection, path: Path, dialect: Dialect) -> bool:
    """Let DuckDB read the file into ``tmp_csv`` (every field as text, with the line each row starts on);
    False where it cannot be trusted to read it as the Python reader would, and the caller reads it row by
    row: an encoding other than UTF-8, bare CR line ends, a second header row, or any row DuckDB's strict
    parser refuses (ragged, a stray quote, a bare CR, a row over 2 MB). The format's rules run afterwards,
    the same for both readers (``derive_rows``).

    Line numbers come from the row's position plus the line breaks inside its quoted fields; the file's
    own line count must agree, or the file (with blank lines between rows, say) goes the Python way.
    Runs outside the import's transaction: a refusal here must not abort it.
    """
    if dialect.encoding not in ("utf-8", "utf-8-sig") or dialect.line_ending != "\n" or dialect.header_rows != 1:
        return False
    width = len(dialect.header)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE tmp_csv_rows AS
            SELECT * FROM read_csv($path, delim = $delim, quote = '"', escape = '"', header = false,
                                   skip = $skip, columns = {columns}, auto_detect = false, strict_mode = true,
                                   null_padding = false)""",
            {"path": str(path), "delim": dialect.delimiter, "skip": dialect.header_line},
        )
    except duckdb.Error:
        con.execute("DROP TABLE IF EXISTS tmp_csv_rows")
        return False
    breaks = " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(width))
    rows = db.scalar(con, "SELECT count(*) FROM tmp_csv_rows")
    lines, first = _file_lines(path), dialect.header_line + 1
    # lines = header line + rows + line breaks inside fields + blank lines between rows
    inner = (
        0
        if dialect.header_line + rows == lines
        else db.scalar(con, f"SELECT coalesce(sum({breaks}), 0) FROM tmp_csv_rows")
    )
    if dialect.header_line + rows + inner != lines or (inner and _stray_quote_suspected(con, dialect)):
        con.execute("DROP TABLE tmp_csv_rows")
        return False
    if inner:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE tmp_csv AS SELECT rowid AS seq, {first} + sum(1 + {breaks})
                        OVER (ORDER BY rowid ROWS UNBOUNDED PRECEDING) - (1 + {breaks}) AS line_number, *
                        FROM tmp_csv_rows""")
        con.execute("DROP TABLE tmp_csv_rows")
    else:  # the common case: one line per row, numbered by position
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW tmp_csv AS SELECT rowid AS seq, {first} + rowid AS line_number, * "
            "FROM tmp_csv_rows"
        )
    return True


def _stray_quote_suspected(con: duckdb.DuckDBPyConnection, dialect: Dialect) -> bool:
    """A field running over lines of which one holds a row's worth of delimiters, or over more lines or
    characters than any post: perhaps a quote that swallowed whole rows. The Python reader tells one from a real
    multi-line text (``reader._records``)."""
    width = len(dialect.header)
    pattern = f"\n([^\n]*{re.escape(dialect.delimiter)}){{{max(width - 1, 0)}}}".replace("'", "''")
    return bool(
        db.scalar(
            con,
            "SELECT count(*) FROM tmp_csv_rows WHERE "
            + " OR ".join(
                f"(contains(c{i}, chr(10)) AND (regexp_matches(c{i}, '{pattern}') OR length(c{i}) > {MAX_FIELD_CHARS} "
                f"OR length(c{i}) - length(replace(c{i}, chr(10), '')) >= {MAX_RECORD_LINES}))"
                for i in range(width)
            ),
        )
    )


def derive_rows(con: duckdb.DuckDBPyConnection, dialect: Dialect, *, python_read: bool) -> None:
    """The one place a format's rules run, whichever reader filled ``tmp_csv``: its text fields become the
    canonical values of ``tmp_raw`` (a view: line number, the canonical columns as text, a problem, the raw
    row), through the format's ``derive``; a row that carries a post of its own (``carries``) yields that post
    first, once per file. A field longer than ``MAX_FIELD_CHARS`` or a NUL byte makes the row a problem."""
    fmt = dialect.format
    plan = fmt.resolve(dialect.header)
    assert plan is not None  # sniff only returns a dialect whose format resolves
    width = len(dialect.header)
    values: dict[str, str] = {}
    for name, indexes in plan.items():
        if len(indexes) == 1:
            values[name] = f"coalesce(c{indexes[0]}, '')"
        else:  # the first non-empty candidate
            cases = " ".join(f"WHEN {strip_sql(f'c{i}')} <> '' THEN c{i}" for i in indexes)
            values[name] = f"CASE {cases} ELSE '' END"  # i18n: not text (SQL)
    if fmt.derive is not None:
        values.update(fmt.derive(values))
    read_problem, read_raw, read_ragged = (
        ("read_problem", "read_raw", "read_ragged") if python_read else ("NULL::VARCHAR",) * 3
    )
    fields = [f"coalesce(c{i}, '')" for i in range(width)]
    raw = f"coalesce({read_raw}, concat_ws({sql_string(dialect.delimiter)}, {', '.join(fields)}))"
    longest = f"greatest({', '.join(f'length({field})' for field in fields)})" if width > 1 else f"length({fields[0]})"
    has_nul = " OR ".join(f"contains({field}, chr(0))" for field in fields)

    def select(canonical: Mapping[str, str], guard: str) -> str:
        return ", ".join(
            f"CASE WHEN {guard} THEN {canonical[name]} END AS {name}"
            if name in canonical
            else f"NULL::VARCHAR AS {name}"  # i18n: not text (SQL)
            for name in CANONICAL_COLUMNS
        )

    own = f"""
        SELECT {"2 * seq + 1" if fmt.carries else "seq"} AS seq, line_number, {select(values, "usable")},
            CASE WHEN {read_problem} IS NOT NULL THEN {read_problem}
                 WHEN longest_ > {MAX_FIELD_CHARS}
                     THEN format({sql_string(_LONG_FIELD)}, longest_)
                 WHEN has_nul_ THEN {sql_string(_NUL_BYTE)} ELSE {read_ragged} END AS problem,
            CASE WHEN {read_problem} IS NOT NULL THEN {read_raw}
                 WHEN longest_ > {MAX_FIELD_CHARS} THEN left(raw_, {RAW_KEEP_CHARS}) || ' [... cut]'
                 WHEN has_nul_ THEN replace(raw_, chr(0), '\\0') ELSE raw_ END AS raw
        FROM judged"""
    carried = ""
    if fmt.carries is not None:
        condition, post = fmt.carries(values)
        carried = f"""
        UNION ALL
        SELECT 2 * seq AS seq, line_number, {select(post, "true")}, NULL AS problem, raw_ AS raw
        FROM judged WHERE usable AND {read_ragged} IS NULL AND ({condition})
        QUALIFY row_number() OVER (PARTITION BY {post["post_id"]} ORDER BY seq) = 1"""
    # a view: staging reads it once, and the checks before it read only the columns they need
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW tmp_raw AS
        WITH judged AS (
            SELECT *, {raw} AS raw_, {longest} AS longest_, ({has_nul}) AS has_nul_,
                   {read_problem} IS NULL AND longest_ <= {MAX_FIELD_CHARS} AND NOT has_nul_ AS usable
            FROM tmp_csv
        )
        {own}{carried}""")


def _drop_temporary(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what one import read and staged (views before the tables under them)."""
    for view in ("tmp_raw", "tmp_csv"):
        if db.first_row(con, "SELECT 1 FROM duckdb_views() WHERE view_name = ? AND temporary", [view]):
            con.execute(f"DROP VIEW {view}")
    for table in ("tmp_raw", "tmp_staged", "tmp_csv", "tmp_csv_rows"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


_SPREADSHEET_ID = r"\d+(\.\d+)?[eE]\+?\d+"


def _count(column: str) -> str:
    """SQL reading a count as exported: ``1,234`` or ``1 234``, or with a decimal comma ``1.234`` and
    ``2.500,5`` (then dots and spaces group thousands); anything else is NULL."""
    spaces = r"\s\x{00A0}\x{202F}"
    # plain digits, the usual case, are cast without the regular expressions
    return (
        f"CASE WHEN ltrim({column}, '0123456789') = '' AND {column} <> '' THEN try_cast({column} AS BIGINT) "
        f"ELSE try_cast(try_cast(CASE WHEN $decimal_comma "
        f"THEN replace(regexp_replace(trim({column}), '[.{spaces}]', '', 'g'), ',', '.') "
        f"ELSE regexp_replace(trim({column}), '[,{spaces}]', '', 'g') END AS DOUBLE) AS BIGINT) END"
    )


_STAGE_SQL = r"""
CREATE OR REPLACE TEMP TABLE tmp_staged AS
WITH src AS (
    SELECT seq, line_number, problem,
        -- the guards skip a regular expression where it cannot match: they run on every row of every file
        nullif(CASE WHEN contains(post_id, '.') THEN regexp_replace(trim(post_id), '^(\d+)\.0+$', '\1')
                    ELSE trim(post_id) END, '') AS given_id,
        nullif(CASE WHEN lower(right(rtrim(created_at), 1)) = 'm'
                    THEN regexp_replace(trim(created_at), '(\d)\s*([AaPp][Mm])$', '\1 \2')
                    ELSE trim(created_at) END, '') AS ts_text,
        nullif(trim(author_id), '') AS author_id,
        coalesce(text, '') AS text,
        nullif(CASE WHEN contains(parent_id, '.') THEN regexp_replace(trim(parent_id), '^(\d+)\.0+$', '\1')
                    ELSE trim(parent_id) END, '') AS parent_id,
        coalesce(nullif(lower(trim(platform)), ''), $platform) AS platform,
        CASE lower(trim(is_brand)) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true
             WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false END AS is_brand_exported,
        nullif(trim(ltrim(trim(brand), '@')), '') AS brand_exported,
        CASE WHEN lower(trim(vendor_sentiment)) IN ('positive', 'pos', 'p') THEN 'positive'
             WHEN lower(trim(vendor_sentiment)) IN ('negative', 'neg', 'n') THEN 'negative'
             WHEN lower(trim(vendor_sentiment)) IN ('neutral', 'neu', 'none') THEN 'neutral' END
            AS vendor_sentiment,
        {count_likes} AS likes,
        {count_shares} AS shares,
        {count_reach} AS reach,
        nullif(trim(url), '') AS url,
        nullif(lower(trim(lang)), '') AS lang,
        nullif(trim(thread_key), '') AS thread_key
    FROM tmp_raw
), parsed AS (
    SELECT *,
        CASE
            WHEN NOT contains('0123456789', left(ts_text, 1)) OR contains(ts_text, '-') OR contains(ts_text, '/')
                 OR contains(ts_text, ' ') OR contains(ts_text, ':') THEN NULL
            WHEN regexp_full_match(ts_text, '\d{9,10}(\.\d+)?') THEN to_timestamp(ts_text::DOUBLE)
            WHEN regexp_full_match(ts_text, '\d{12,13}') THEN to_timestamp(ts_text::DOUBLE / 1000)
        END AS ts_epoch
    FROM src
), parsed_offset AS (
    SELECT *,
        CASE
            WHEN ts_epoch IS NOT NULL THEN ts_epoch
            ELSE coalesce(
                try_strptime(ts_text, '%a %b %d %H:%M:%S %z %Y'),
                try_strptime(ts_text, '%Y-%m-%d %H:%M:%S %z'),
                try_strptime(ts_text, '%Y-%m-%d %H:%M %z'),
                CASE WHEN regexp_matches(ts_text, '\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$')
                     THEN try_cast(ts_text AS TIMESTAMPTZ) END)
        END AS ts_with_offset
    FROM parsed
), parsed_naive AS (
    SELECT *,
        -- only where no offset was read: a failed parse tries every pattern, and that is the costly part
        CASE WHEN ts_with_offset IS NULL AND NOT regexp_matches(ts_text, '(Z|[+-]\d{2}:?\d{2})$') THEN coalesce(
            try_cast(ts_text AS TIMESTAMP),
            try_strptime(ts_text, $date_formats))
        END AS ts_naive
    FROM parsed_offset
), typed AS (
    SELECT *,
        coalesce(given_id, CASE WHEN trim(text) <> '' AND ts_text IS NOT NULL THEN
            'h' || substr(md5(concat_ws('|', author_id, ts_text, text)), 1, 20) END) AS post_id,
        coalesce(ts_with_offset, timezone($time_zone, ts_naive)) AS created_at,
        ts_with_offset IS NULL AND ts_naive IS NOT NULL AS is_naive
    FROM parsed_naive
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
), repeated AS (  -- ids that come more than once in the file: the first usable row (by line) is kept
    SELECT platform, post_id, arg_min(seq, line_number) AS first_seq FROM judged
    WHERE reason IS NULL GROUP BY platform, post_id HAVING count(*) > 1
)
SELECT j.*,
    j.reason IS NULL AND (j.seq <> coalesce(r.first_seq, j.seq) OR s.post_id IS NOT NULL) AS is_duplicate
FROM judged j
LEFT JOIN repeated r ON r.platform = j.platform AND r.post_id = j.post_id
LEFT JOIN stg_posts s ON s.platform = j.platform AND s.post_id = j.post_id
"""
for _column in ("likes", "shares", "reach"):
    _STAGE_SQL = _STAGE_SQL.replace(f"{{count_{_column}}}", _count(_column))


_TIMES = (" %I:%M:%S %p", " %I:%M %p", " %H:%M:%S", " %H:%M", "")
_OTHER_DATES = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%b-%Y %I:%M %p",
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
]


def date_formats(day_first: bool) -> list[str]:
    """The strptime patterns for timestamps without an offset, slash dates in the chosen order."""
    day_month = "%d/%m" if day_first else "%m/%d"
    return [f"{day_month}/{year}{time}" for year in ("%Y", "%y") for time in _TIMES] + _OTHER_DATES


def _slash_date_order(con: duckdb.DuckDBPyConnection, dialect: Dialect) -> tuple[bool, str | None]:
    """Whether ``03/04/2026`` means 3 April: decided by the file's own dates where one has a part over 12,
    else by convention (semicolon files are European spreadsheets: day first); with the note to report."""
    day, month, sample = db.one_row(
        con,
        r"""
        SELECT count(*) FILTER (regexp_matches(created_at, '^\s*(1[3-9]|2\d|3[01])/(0?[1-9]|1[0-2])/\d')),
               count(*) FILTER (regexp_matches(created_at, '^\s*(0?[1-9]|1[0-2])/(1[3-9]|2\d|3[01])/\d')),
               any_value(trim(created_at)) FILTER (regexp_matches(created_at, '^\s*\d{1,2}/\d{1,2}/\d'))
        FROM tmp_raw WHERE contains(created_at, '/')""",
    )
    if sample is None:
        return dialect.delimiter == ";", None
    # the notes below are stored in imports.notes: data, in English
    if day and not month:
        return (
            True,
            f"dates read day first (DD/MM/YYYY): {day:,} of them can only be read that way",
        )  # i18n: not text (a stored note)
    if month and not day:
        return (
            False,
            f"dates read month first (MM/DD/YYYY): {month:,} of them can only be read that way",
        )  # i18n: not text (a stored note)
    if day and month:
        day_first = day > month
        return (
            day_first,
            (
                f"dates disagree: {day:,} can only be day first and {month:,} only month first; "  # i18n: not text (a stored note)
                f"read {'day' if day_first else 'month'} first, the others are quarantined"
            ),
        )
    if dialect.delimiter == ";":
        return (
            True,
            f"dates such as {sample} read day first (DD/MM/YYYY), as semicolon spreadsheets write them",
        )  # i18n: not text (a stored note)
    return (
        False,
        f"dates such as {sample} read month first (MM/DD/YYYY), the US convention; nothing in the file says otherwise",  # i18n: not text (a stored note)
    )


def _stage(
    con: duckdb.DuckDBPyConnection, import_id: str, dialect: Dialect, time_zone: str, now: datetime, day_first: bool
) -> None:
    con.execute(
        _STAGE_SQL,
        {
            "platform": dialect.format.platform or "other",
            "time_zone": time_zone,
            "now": now,
            "max_id": MAX_ID_LENGTH,
            "date_formats": date_formats(day_first),
            "decimal_comma": dialect.delimiter == ";",
        },
    )
    if db.first_row(con, "SELECT 1 FROM tmp_staged WHERE reason IS NOT NULL LIMIT 1"):
        # the raw text is fetched for these rows only (tmp_raw may be a view that builds it)
        con.execute(
            """
            INSERT INTO quarantine (import_id, line_number, reason, raw)
            SELECT ?, s.line_number, s.reason, r.raw
            FROM (SELECT seq, line_number, reason FROM tmp_staged WHERE reason IS NOT NULL) s
            JOIN tmp_raw r USING (seq) ORDER BY s.line_number
        """,
            [import_id],
        )
    con.execute(
        """
        INSERT INTO stg_posts
        SELECT platform, post_id, ?, line_number, ?, author_id, is_brand_exported, brand_exported,
               created_at, text, parent_id, vendor_sentiment, likes, shares, reach, url, lang, thread_key
        FROM tmp_staged WHERE reason IS NULL AND NOT is_duplicate
    """,
        [import_id, dialect.format.name],
    )


def custom_formats(con: duckdb.DuckDBPyConnection) -> list[Format]:
    """The column mappings people saved, as formats (none in a database older than them, opened read-only)."""
    if not db.first_row(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'custom_formats'"):
        return []
    rows = con.execute("SELECT name, mapping, header FROM custom_formats ORDER BY name").fetchall()
    return [custom_format(name, json.loads(mapping), json.loads(header)) for name, mapping, header in rows]


def save_custom_format(con: duckdb.DuckDBPyConnection, name: str, mapping: dict[str, str], header: list[str]) -> Format:
    """Store (or replace) a named column mapping; the next file with these headers is recognised by it."""
    con.execute("DELETE FROM custom_formats WHERE name = ?", [name])
    con.execute(
        "INSERT INTO custom_formats VALUES (?, ?, ?, now())", [name, json.dumps(mapping), json.dumps(list(header))]
    )
    # i18n: not text (the audit log, data)
    record_change(con, "custom format saved", f"{name}: " + ", ".join(f"{k} = {v}" for k, v in mapping.items()))
    _bump_formats_version(con)
    return custom_format(name, mapping, header)


def forget_custom_format(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Delete a saved mapping (the posts it loaded stay); False when there is none by that name."""
    if not db.first_row(con, "SELECT 1 FROM custom_formats WHERE name = ?", [name]):
        return False
    con.execute("DELETE FROM custom_formats WHERE name = ?", [name])
    record_change(con, "custom format forgotten", name)  # i18n: not text (the audit log, data)
    _bump_formats_version(con)
    return True


def _bump_formats_version(con: duckdb.DuckDBPyConnection) -> None:
    db.set_meta(con, "formats_version", str(int(db.get_meta(con, "formats_version") or 0) + 1))


def _dialect(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    forced_format: str | None,
    mapping: dict[str, str] | None,
    format_name: str | None,
) -> tuple[Dialect, Format | None]:
    """How to read ``path``: by a mapping given now (returned, to be saved), a forced format, or detection
    among the registered and saved formats."""
    saved = custom_formats(con)
    if not mapping:
        return sniff(path, forced_format, custom=saved), None
    header = read_header(path).header
    problem = check_mapping(mapping, header)
    if problem:
        raise IngestError(path, problem)
    name = format_name or re.sub(r"[^A-Za-z0-9_\-]+", "_", f"custom_{Path(path).stem}")[:60]
    problem = check_format_name(name)
    if problem:
        raise IngestError(path, problem)
    fmt = custom_format(name, mapping, header)
    return sniff(path, fmt, custom=saved), fmt


def _notes(dialect: Dialect, date_note: str | None) -> list[str]:
    """The import's notes: stored in ``imports.notes`` (data, in English) and shown as stored."""
    notes = []
    if dialect.encoding_label.startswith("mixed"):
        # i18n: not text (a stored note)
        notes.append("the file mixes encodings: lines that are not UTF-8 were read as cp1252 (Windows Latin)")
    if dialect.header_rows > 1:
        # i18n: not text (a stored note)
        notes.append(f"the {dialect.header_rows - 1} row(s) under the header (column descriptions) were skipped")
    for name in dialect.format.repeated_headers(dialect.header):
        notes.append(f"the header has {name!r} more than once; the first of them is used")  # i18n: not text (stored)
    if dialect.delimiter == ";":
        # i18n: not text (a stored note)
        notes.append("numbers read with a decimal comma (1.234,5), as semicolon spreadsheets write them")
    if date_note:
        notes.append(date_note)
    return notes


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    forced_format: str | None = None,
    time_zone: str = "UTC",
    brands: Iterable[str] = (),
    mapping: dict[str, str] | None = None,
    format_name: str | None = None,
    progress: ProgressCallback | None = None,
    duckdb_reader: bool = True,
    on_staged: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> ImportReport:
    """Load one export into the store, all or nothing; raise ``IngestError`` when it cannot be read.

    DuckDB parses the file itself where it can (``_read_csv_fast``); ``duckdb_reader=False`` always reads
    it row by row in Python (the tests compare the two).

    ``mapping`` ({public column: header}) reads a layout no format knows and saves it as the custom format
    ``format_name`` (with the file, or not at all). Call ``pipeline.normalize.build_posts`` afterwards
    (``ingest_files`` does) to bring the facts up to date.

    ``on_staged(con)`` is called inside the import's transaction once the file is staged and counted, while
    the temporary table ``tmp_staged`` (every row read, with its ``reason``, ``is_duplicate`` and ``is_naive``)
    still exists: the Spark stage keeps from it which posts had no UTC offset (``pipeline.spark.stage``).
    """
    path = Path(path)
    check_time_zone(time_zone)
    dialect, new_format = _dialect(con, path, forced_format, mapping, format_name)
    now = datetime.now(UTC)
    if progress is not None:
        progress(0, path.stat().st_size)
    read_by_duckdb = duckdb_reader and _read_csv_fast(con, path, dialect)
    con.execute("BEGIN TRANSACTION")  # i18n: not text (SQL)
    try:
        import_id = _next_import_id(con)
        cli_brands = add_brands(con, brands, "given on import")  # i18n: not text (brands.source, data)
        if new_format is not None:
            save_custom_format(con, new_format.name, dict(mapping or {}), list(dialect.header))
        if read_by_duckdb:
            if progress is not None:
                progress(path.stat().st_size, path.stat().st_size)
        else:
            _read_csv_python(con, path, dialect, progress)
        derive_rows(con, dialect, python_read=not read_by_duckdb)
        mangled = db.first_row(
            con,
            f"""
            SELECT coalesce(post_id, parent_id) FROM tmp_raw
            WHERE ((contains(post_id, 'e') OR contains(post_id, 'E'))
                   AND regexp_full_match(trim(post_id), '{_SPREADSHEET_ID}'))
               OR ((contains(parent_id, 'e') OR contains(parent_id, 'E'))
                   AND regexp_full_match(trim(parent_id), '{_SPREADSHEET_ID}')) LIMIT 1""",
        )
        if mangled:
            raise IngestError(
                path,
                _(
                    "ids in scientific notation such as {id}: a spreadsheet has "
                    "rounded them and the real ids are lost; export the file again from the "
                    "source tool and do not save it from a spreadsheet"
                ).format(id=repr(mangled[0])),
            )
        day_first, date_note = _slash_date_order(con, dialect)
        _stage(con, import_id, dialect, time_zone, now, day_first)
        counts = db.one_row(
            con,
            """
            SELECT count(*), count(*) FILTER (reason IS NULL AND NOT is_duplicate),
                   count(*) FILTER (is_duplicate), count(*) FILTER (reason IS NOT NULL),
                   count(*) FILTER (reason IS NULL AND NOT is_duplicate AND is_naive),
                   count(DISTINCT line_number)
            FROM tmp_staged""",
        )
        rows_read, loaded, duplicate, quarantined, naive, file_rows = counts
        if rows_read == 0:
            raise IngestError(path, _("the file has a header but no data rows"))
        if loaded == 0 and duplicate == 0:
            first = db.one_row(con, "SELECT reason, line_number FROM tmp_staged ORDER BY line_number LIMIT 1")
            raise IngestError(  # the reason is a quarantine reason, in English as stored
                path,
                ngettext(
                    "its {n} row cannot be used (line {line}: {reason})",
                    "none of its {n} rows can be used (line {line}: {reason})",
                    rows_read,
                ).format(n=fmt_int(rows_read), line=fmt_int(first[1]), reason=first[0]),
            )
        reasons = con.execute("""
            SELECT split_part(reason, ':', 1) AS kind, count(*), min(line_number) FROM tmp_staged
            WHERE reason IS NOT NULL GROUP BY kind ORDER BY count(*) DESC, kind""").fetchall()
        exported = con.execute(
            """
            SELECT DISTINCT author_id FROM stg_posts
            WHERE import_id = ? AND is_brand_exported AND author_id IS NOT NULL ORDER BY 1""",
            [import_id],
        ).fetchall()
        source = f"acts as a brand in {path.name}"  # i18n: not text (brands.source, data)
        export_brands = add_brands(con, [row[0] for row in exported], source)
        named = con.execute(
            """
            SELECT trim(brand_exported), count(*) FROM stg_posts
            WHERE import_id = ? AND NOT coalesce(is_brand_exported, false) AND trim(brand_exported) <> ''
            GROUP BY 1 ORDER BY 2 DESC, 1""",
            [import_id],
        ).fetchall()
        # a brand column names a handful of tracked brands; thousands of values are something else
        export_brands += brand_registry.register(
            con,
            sorted(row[0] for row in named[:MAX_NAMED_BRANDS]),
            kind="name",
            source=f"named by {path.name}",  # i18n: not text (brands.source, data)
        )
        suggested = brand_registry.suggest_brands(con, import_id)
        notes = _notes(dialect, date_note)
        if len(named) > MAX_NAMED_BRANDS:
            notes.append(  # i18n: not text (a stored note)
                f"the brand column names {len(named):,} different brands: the {MAX_NAMED_BRANDS} most "
                "frequent became brands; add others with `radar brands add NAME`"
            )
        if new_format is not None:
            notes.append(  # i18n: not text (a stored note)
                f"saved as the custom format {new_format.name!r}: files with these headers are recognised from now on"
            )
        con.execute(
            """INSERT INTO imports (import_id, file_name, sha256, format, encoding, delimiter, time_zone,
                                            header_line, rows_read, rows_loaded, rows_duplicate, rows_quarantined,
                                            naive_timestamp_count, imported_at, notes, imported_by)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                import_id,
                path.name,
                dialect.sha256,
                dialect.format.name,
                dialect.encoding_label,
                dialect.delimiter_label,
                time_zone,
                dialect.header_line,
                rows_read,
                loaded,
                duplicate,
                quarantined,
                naive,
                now,
                "\n".join(notes) or None,
                current_actor(),
            ],
        )
        record_change(
            con,
            "import",
            # i18n: not text (the audit log, data)
            f"{import_id}: {path.name}, {loaded:,} posts loaded, {duplicate:,} already "
            f"stored, {quarantined:,} set aside",
        )
        if on_staged is not None:
            on_staged(con)
        con.execute("DROP TABLE tmp_staged")
        db.bump_data_version(con)
        con.execute("COMMIT")
    except BaseException:
        db.rollback(con)
        raise
    finally:
        _drop_temporary(con)
    return ImportReport(
        file_name=path.name,
        import_id=import_id,
        sha256=dialect.sha256,
        format=dialect.format.name,
        encoding=dialect.encoding_label,
        delimiter=dialect.delimiter_label,
        time_zone=time_zone,
        naive_timestamp_count=naive,
        header_line=dialect.header_line,
        rows_read=rows_read,
        rows_loaded=loaded,
        rows_duplicate=duplicate,
        rows_quarantined=quarantined,
        quarantine_reasons=tuple(reasons),
        brands_added=tuple(cli_brands + export_brands),
        brands_suggested=tuple(suggested),
        notes=tuple(notes),
        file_rows=file_rows,
        read_by="duckdb" if read_by_duckdb else "python",
    )
