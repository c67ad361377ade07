"""Ingest: reading an export file as records, before anything touches the database.

Works out the encoding (BOM, else strict UTF-8, else UTF-8 with the odd cp1252 line when the file mixes the
two, else cp1252, else Latin-1), the line ending, the delimiter
(``,`` ``;`` tab ``|``) and the header row (the first of the opening records that a registered format
recognises, so report metadata above the header is skipped), then streams the data records with the
physical line number each starts on.

Bare carriage returns inside a line of a ``\\n``-terminated file are content, not line ends (the real TWCS
sample has one inside an unquoted field): they are kept in the values and never split the row.
"""

from __future__ import annotations

import codecs
import collections
import csv
import hashlib
import io
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.i18n import N_, _, fmt_int, name_in, ngettext
from pipeline.ingest.formats import FORMATS_BY_NAME, Format, detect_format

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_RECORDS = 20
# No export has this many columns (the widest layouts in tests/samples have under 100); a wider header is
# refused before anything is read: 125,000 columns held the database for 50 s, 480,000 for 518 s.
MAX_COLUMNS = 2_000
# Nor a line this long: a post is at most a few thousand characters. A longer line is skipped while it is
# read (and its row quarantined), so that memory stays bounded whatever the file's shape (a 500 MB single
# line took 3.9 GB, a 2 GB file of zeros after its rows 12.9 GB).
MAX_LINE_CHARS = 16 * 2**20
# A quoted field may hold line breaks (a post's paragraphs), but none runs over more lines or characters than
# these: a record that does was opened by a quote that is never closed where it should be, and would swallow
# the rows after it. Its first line is set aside and the lines after it are read again as rows.
MAX_FIELD_CHARS = 100_000  # the longest Facebook post is 63,206 characters; a longer field is quarantined
MAX_RECORD_LINES = 1_000
_LONG_LINE = "\ue000radar-long-line\ue000"  # stands for a line over MAX_LINE_CHARS, which is never held
SNIFF_BYTES = 1 << 20
_CR_SENTINEL = "\ue000"  # private-use character standing in for a bare CR while csv parses the line

csv.field_size_limit(sys.maxsize)

MIXED = "utf-8+cp1252"  # UTF-8, with bytes that are not UTF-8 read as cp1252 (a file pasted together)
SCAN_BLOCK = 1 << 24  # bytes read at a time while hashing and checking the encoding
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejected as cp1252 (Latin-1 for the five bytes cp1252 leaves undefined)."""
    if not isinstance(error, UnicodeDecodeError):  # registered for decoding only
        raise error
    bad = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error("radar-cp1252", _cp1252_fallback)

ProgressCallback = Callable[[int, int], None]


UNKNOWN_LAYOUT = "unknown_layout"


class IngestError(Exception):
    """A file that cannot be imported; ``str()`` is one line naming the file and the reason. ``kind`` is
    ``UNKNOWN_LAYOUT`` when no format knows the header (a column mapping can still read the file)."""

    def __init__(self, path: str | Path, reason: str, kind: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.kind = kind
        super().__init__(f"{Path(path).name}: {reason}")


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str
    line_ending: str  # "\n" (also covers \r\n) or "\r"
    header_line: int  # 1-based physical line of the header row
    header: tuple[str, ...]
    format: Format
    sha256: str
    header_rows: int = 1

    @property
    def codec(self) -> tuple[str, str]:
        """(encoding, errors) to open the text with."""
        return ("utf-8", "radar-cp1252") if self.encoding == MIXED else (self.encoding, "strict")

    @property
    def encoding_label(self) -> str:
        """The encoding in English words, as ``imports.encoding`` stores it (``encoding_name`` shows it)."""
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        """``comma``, ``semicolon``, ``tab`` or ``pipe``, as ``imports.delimiter`` stores it."""
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[self.delimiter]


# The encodings in English, as stored in ``imports.encoding``; ``encoding_name`` shows one in the reader's language.
ENCODING_LABELS = {
    "utf-8-sig": N_("UTF-8 with BOM"),
    "utf-8": "UTF-8",
    "utf-16": N_("UTF-16 with BOM"),
    "cp1252": N_("cp1252 (Windows Latin)"),
    "latin-1": "Latin-1",  # i18n: not text (a name)
    MIXED: N_("mixed: UTF-8, with some lines in cp1252"),
}
# How the delimiter reads in the import report (``imports.delimiter`` stores the word before it).
DELIMITED = {
    "comma": N_("comma-delimited"),
    "semicolon": N_("semicolon-delimited"),
    "tab": N_("tab-delimited"),
    "pipe": N_("pipe-delimited"),
}


def encoding_name(label: str) -> str:
    """A stored encoding label (``Dialect.encoding_label``) in the current language."""
    return _(label) if label in ENCODING_LABELS.values() else label


def delimited_name(label: str) -> str:
    """A stored delimiter label (``comma``) as the report says it: "comma-delimited", in the current language."""
    return name_in(DELIMITED, label)


def check_regular_file(path: str | Path) -> None:
    """Refuse what is not a regular file, before anything opens it: reading a named pipe (FIFO) or a device
    can block for ever."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise IngestError(path, _("no such file")) from None
    except OSError as exc:
        raise IngestError(path, _("cannot be read: {reason}").format(reason=exc.strerror or exc)) from None
    if stat.S_ISDIR(mode):
        raise IngestError(path, _("a folder, not a file"))
    if stat.S_ISFIFO(mode):
        raise IngestError(path, _("a named pipe (FIFO), not a regular file; save the export as a file first"))
    if not stat.S_ISREG(mode):
        raise IngestError(path, _("not a regular file (a device or a socket); save the export as a file first"))


def header_width(path: Path, dialect: Dialect, *, limit: int = MAX_COLUMNS) -> int:
    """The number of fields on the header's line, counted while streaming it (a header of hundreds of
    thousands of columns is megabytes long); counting stops at ``limit`` + 1."""
    raw, text = _open_text(path, dialect)
    with raw, text:
        for _line in range(dialect.header_line - 1):
            while True:  # skip a line without holding it
                piece = text.readline(1 << 16)
                if not piece or piece.endswith(("\n", "\r")):
                    break
        fields, quoted = 1, False
        while fields <= limit:
            chunk = text.read(1 << 16)
            if not chunk:
                break
            for char in chunk:
                if char == '"':
                    quoted = not quoted
                elif not quoted and char == dialect.delimiter:
                    fields += 1
                    if fields > limit:
                        break
                elif not quoted and char in "\r\n":
                    return fields
        return fields


def _check_not_binary(path: Path, head: bytes) -> None:
    if not head.strip():
        raise IngestError(path, _("the file is empty"))
    if head.startswith(b"PK\x03\x04"):
        raise IngestError(
            path,
            _(
                "this is a ZIP archive (an .xlsx workbook is one), not a CSV export; "
                "save it as CSV from the spreadsheet or unzip it first"
            ),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(path, _("this is an old Excel (.xls) workbook, not a CSV export; save it as CSV"))
    if head.startswith(b"%PDF"):
        raise IngestError(path, _("this is a PDF document, not a CSV export"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in head[:8192]:
        raise IngestError(
            path, _("the file holds NUL bytes: it is binary (or UTF-16 without a byte-order mark), not a CSV export")
        )
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] in (b"{", b"["):
        raise IngestError(path, _("this looks like JSON, not a CSV export"))


def scan_file(path: Path, head: bytes) -> tuple[str, str]:
    """One pass over the file: its encoding and its SHA-256.

    BOM first; otherwise the whole file must decode as UTF-8, else cp1252, else it is read as Latin-1.
    An ASCII block is valid in both and is not decoded (most exports are mostly ASCII); cp1252 is one byte per
    character, so it fails exactly on the five bytes it leaves undefined.
    """
    digest = hashlib.sha256()
    utf8: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
    cp1252 = True
    saw_utf8 = False  # multi-byte UTF-8 sequences seen: a file that fails UTF-8 may still be mostly UTF-8
    tail = b""  # the end of the block before: a UTF-8 sequence may straddle two blocks
    with path.open("rb") as handle:
        while block := handle.read(SCAN_BLOCK):
            digest.update(block)
            if block.isascii() and (utf8 is None or not utf8.getstate()[0]):
                tail = b""
                continue
            if not saw_utf8:
                saw_utf8 = _UTF8_SEQUENCE.search(tail + block) is not None
                tail = (tail + block)[-3:]
            cp1252 = cp1252 and _CP1252_UNDEFINED.search(block) is None
            if utf8 is not None:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8 = None
    if utf8 is not None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = None
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif utf8 is not None:
        encoding = "utf-8"
    elif saw_utf8:
        encoding = MIXED
    else:
        encoding = "cp1252" if cp1252 else "latin-1"
    return encoding, digest.hexdigest()


def _line_ending(sample: str) -> str:
    return "\r" if "\n" not in sample and "\r" in sample else "\n"


def _lines(text: io.TextIOBase, line_ending: str) -> Iterator[str]:
    """Physical lines; in a ``\\n`` file a CR not followed by LF is hidden from csv as a sentinel. A line over
    ``MAX_LINE_CHARS`` is read through in pieces and stands as ``_LONG_LINE`` and its length."""
    while line := text.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            length = len(line)
            while (piece := text.readline(1 << 20)) and not piece.endswith(("\n", "\r")):
                length += len(piece)
            length += len(piece.rstrip("\r\n"))
            yield f"{_LONG_LINE}{length}\n"
            continue
        if line_ending == "\n" and "\r" in line:
            body, end = (
                (line[:-2], "\r\n")
                if line.endswith("\r\n")
                else ((line[:-1], "\n") if line.endswith("\n") else (line, ""))
            )
            line = body.replace("\r", _CR_SENTINEL) + end
        yield line


class SetAside(list):
    """A record the reader set aside (its text as one field) with the ``reason``; the caller quarantines it."""

    def __init__(self, text: str, reason: str):
        super().__init__([text])
        self.reason = reason


# The reasons a record is set aside: quarantine reasons, stored in ``quarantine.reason`` in English (data).
RUNAWAY_QUOTE = (  # i18n: not text (a quarantine reason, stored)
    f"runaway quote: a quote opened in this row runs on over more than {MAX_RECORD_LINES:,} lines or "
    f"{MAX_FIELD_CHARS:,} characters, longer than any post; the lines after it were read as rows"
)


class _RunawayRecord(Exception):
    """The record being read runs past MAX_RECORD_LINES or MAX_FIELD_CHARS."""


STRAY_QUOTE = (  # i18n: not text (a quarantine reason, stored)
    "stray quote: a quote opened in this row is not closed before the next row, which is a row of its "
    "own; the rows after it were read on their own"
)


class _Lines:
    """Lines handed to ``csv.reader`` one at a time, remembering those of the current record (and refusing to
    hold more than a record may have), with push-back."""

    def __init__(self, lines: Iterator[str]):
        self._lines = iter(lines)
        self._back: collections.deque[str] = collections.deque()
        self.taken: list[str] = []
        self.taken_chars = 0
        self.next_line = 1  # the physical line the next record starts on

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.taken and (len(self.taken) >= MAX_RECORD_LINES or self.taken_chars > MAX_FIELD_CHARS):
            raise _RunawayRecord  # held no further: memory stays bounded
        line = self._back.popleft() if self._back else next(self._lines)
        self.taken.append(line)
        self.taken_chars += len(line)
        return line

    def start_record(self) -> list[str]:
        """The lines of the record just read; the next record starts empty."""
        taken, self.taken, self.taken_chars = self.taken, [], 0
        return taken

    def push_back(self, lines: list[str]) -> None:
        self._back.extendleft(reversed(lines))


def _is_row(line: str, delimiter: str, width: int) -> bool:
    fields = next(csv.reader([line], delimiter=delimiter, quotechar='"', doublequote=True, strict=False), [])
    return len(fields) == width


def _records(lines: Iterator[str], delimiter: str, width: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """(start line, fields) for each record; blank lines are skipped. A record whose first line opens a quote
    that is not closed where it should be is yielded as ``SetAside`` (its first line, with the reason) and the
    lines after it are read again as rows: with the header's ``width``, when the lines it runs over are each a
    complete row of that width (a stray quote); whatever the lines, when it runs past ``MAX_RECORD_LINES`` or
    ``MAX_FIELD_CHARS`` (a runaway quote, stopped as soon as it passes them)."""
    source = _Lines(lines)
    while True:
        try:
            yield from _records_until_runaway(source, delimiter, width)
            return
        except _RunawayRecord:
            taken = source.start_record()
            line_number = source.next_line
            source.push_back(taken[1:])
            source.next_line = line_number + 1
            yield line_number, SetAside(taken[0].rstrip("\r\n"), RUNAWAY_QUOTE)


def _records_until_runaway(source: _Lines, delimiter: str, width: int | None) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    for fields in reader:
        line_number, taken = source.next_line, source.start_record()
        if width and len(taken) > 1 and all(_is_row(line, delimiter, width) for line in taken[1:]):
            source.push_back(taken[1:])
            source.next_line = line_number + 1
            yield line_number, SetAside(taken[0].rstrip("\r\n"), STRAY_QUOTE)
            continue
        source.next_line = line_number + len(taken)
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if fields[0].startswith(_LONG_LINE):
            length = int(fields[0][len(_LONG_LINE) :])
            yield (
                line_number,
                SetAside(
                    "",
                    # i18n: not text (a quarantine reason, stored)
                    f"a line of {length:,} characters, longer than any export row ({MAX_LINE_CHARS:,}); skipped unread",
                ),
            )
            continue
        if any(_CR_SENTINEL in value for value in fields):
            fields = [value.replace(_CR_SENTINEL, "\r") for value in fields]
        yield line_number, fields


def _open_text(path: Path, dialect: Dialect) -> tuple[io.BufferedReader, io.TextIOWrapper]:
    raw = path.open("rb")
    encoding, errors = dialect.codec
    return raw, io.TextIOWrapper(raw, encoding=encoding, newline=dialect.line_ending, errors=errors)


def _sample_records(sample: str, line_ending: str, delimiter: str) -> list[tuple[int, list[str]]]:
    records = []
    for position, record in enumerate(_records(_lines(io.StringIO(sample, newline=""), line_ending), delimiter)):
        if position >= HEADER_SEARCH_RECORDS:
            break
        records.append(record)
    return records


def _open_sample(path: str | Path, *, whole_file: bool = True) -> tuple[Path, str, str | None, str, str]:
    """(path, encoding, sha256, decoded opening of the file, line ending); refuses what is not a CSV.

    ``whole_file=False`` reads only the opening (no SHA-256; the encoding judged from the opening alone):
    enough to show a header, and cheap to repeat on every page view."""
    path = Path(path)
    check_regular_file(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    _check_not_binary(path, head)
    if whole_file:
        encoding, sha256 = scan_file(path, head)
    else:
        encoding, sha256 = _head_encoding(head), None
    if encoding == MIXED:
        sample = head.decode("utf-8", errors="radar-cp1252")
    else:
        sample = head.decode(encoding, errors="ignore")
    if not sample.strip():
        raise IngestError(path, _("the file is empty"))
    if len(head) == SNIFF_BYTES and "\n" not in sample and "\r" not in sample:
        raise IngestError(
            path,
            _("the first line is over {megabytes} MB long: not a CSV export's header").format(
                megabytes=fmt_int(SNIFF_BYTES // 2**20)
            ),
        )
    return path, encoding, sha256, sample, _line_ending(sample)


def _head_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # not final: the opening may end mid-character
        return "utf-8"
    except UnicodeDecodeError:
        return MIXED if _UTF8_SEQUENCE.search(head) else "cp1252"


def sniff(path: str | Path, forced_format: str | Format | None = None, custom: Sequence[Format] = ()) -> Dialect:
    """Work out how to read ``path``; raise ``IngestError`` with the reason when it cannot be read.

    ``custom`` formats (saved column mappings) are tried with the registered ones; ``forced_format`` is a
    format name (registered or custom) or a ``Format``.
    """
    path, encoding, sha256, sample, line_ending = _open_sample(path)
    assert sha256 is not None  # the whole file was scanned
    forced = None
    if isinstance(forced_format, Format):
        forced = forced_format
    elif forced_format:
        by_name = {**FORMATS_BY_NAME, **{fmt.name: fmt for fmt in custom}}
        if forced_format not in by_name:
            raise IngestError(
                path, _("unknown format {name}; `radar formats` lists them").format(name=repr(forced_format))
            )
        forced = by_name[forced_format]

    best: tuple[int, int, Dialect] | None = None
    widest: list[str] = []
    for delimiter in DELIMITERS:
        for line_number, fields in _sample_records(sample, line_ending, delimiter):
            if len(fields) > len(widest):
                widest = fields
            fmt: Format | None
            if forced is not None:
                fmt, score = forced, (1 if forced.resolve(fields) is not None else 0)
            else:
                fmt = detect_format(fields, custom)
                score = fmt.matches(fields) if fmt else 0
            if not score or fmt is None:
                continue
            candidate = Dialect(
                encoding, delimiter, line_ending, line_number, tuple(fields), fmt, sha256, fmt.header_rows
            )
            rank = (score, len(fields))
            if best is None or rank > best[:2]:
                best = (*rank, candidate)
            break
    if best is None:
        shown = ", ".join(repr(name) for name in widest[:12]) or _("(none)")
        if forced is not None:
            needed = ", ".join(f"{col} ({' | '.join(forced.columns[col])})" for col in forced.required)
            raise IngestError(
                path,
                _("format {name} needs the columns {columns}; the header has {header}").format(
                    name=repr(forced.name), columns=needed, header=shown
                ),
            )
        raise IngestError(
            path,
            _(
                "no known export layout in the header (columns: {header}); "
                "`radar formats` lists the layouts; map the columns by hand with "
                "`radar ingest FILE --map text=HEADER --map created_at=HEADER ...` or on the "
                "dashboard's Data page"
            ).format(header=shown),
            kind=UNKNOWN_LAYOUT,
        )
    dialect = best[2]
    if len(dialect.header) > 100:  # only a wide header needs counting past the opening of the file
        width = header_width(path, dialect, limit=10**9)
        if width > MAX_COLUMNS:
            raise IngestError(
                path,
                ngettext(
                    "the header has {n} column; no export has more than {most} (is this a CSV export?)",
                    "the header has {n} columns; no export has more than {most} (is this a CSV export?)",
                    width,
                ).format(n=fmt_int(width), most=fmt_int(MAX_COLUMNS)),
            )
    return dialect


@dataclass(frozen=True)
class HeaderGuess:
    """How an unrecognised file splits: its delimiter, header and the first few records under it."""

    delimiter: str
    header: list[str]
    rows: list[list[str]]


def read_header(path: str | Path, preview: int = 5) -> HeaderGuess:
    """The header of a file no format recognises, for mapping its columns by hand: the delimiter that splits
    the opening records into the most equal columns, the first record of that width, and up to ``preview``
    records after it."""
    path, _encoding, _sha256, sample, line_ending = _open_sample(path, whole_file=False)
    best: tuple[int, int, HeaderGuess] | None = None
    for delimiter in DELIMITERS:
        records = [fields for _line, fields in _sample_records(sample, line_ending, delimiter)]
        widths = [len(fields) for fields in records]
        if not widths:
            continue
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        if width < 2:
            continue
        at = widths.index(width)
        rank = (widths.count(width), width)
        if best is None or rank > best[:2]:
            header = [name.replace("\ufeff", "").strip() for name in records[at]]
            best = (*rank, HeaderGuess(delimiter, header, records[at + 1 : at + 1 + preview]))
    if best is None:
        raise IngestError(
            path, _("no columns found: the opening lines do not split on a comma, semicolon, tab or pipe")
        )
    return best[2]


def read_records(
    path: str | Path, dialect: Dialect, progress: ProgressCallback | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The data records after the header (and after a second header row where the format has one):
    (physical start line, fields).

    ``progress(bytes_read, bytes_total)`` is called every few thousand records.
    """
    path = Path(path)
    total = path.stat().st_size
    raw, text = _open_text(path, dialect)
    skip = dialect.header_rows - 1
    with raw, text:
        try:
            for count, (line_number, fields) in enumerate(
                _records(_lines(text, dialect.line_ending), dialect.delimiter, len(dialect.header))
            ):
                if line_number <= dialect.header_line:
                    continue
                if skip > 0:
                    skip -= 1
                    continue
                if progress is not None and count % 20000 == 0:
                    progress(raw.tell(), total)
                yield line_number, fields
        except UnicodeDecodeError as exc:
            raise IngestError(
                path,
                _("the text is not valid {encoding} at byte {offset}").format(
                    encoding=encoding_name(dialect.encoding_label), offset=exc.start
                ),
            ) from None
        except csv.Error as exc:
            raise IngestError(path, _("the CSV cannot be parsed: {error}").format(error=exc)) from None
    if progress is not None:
        progress(total, total)
