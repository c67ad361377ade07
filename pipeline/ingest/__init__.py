"""Ingest: reading exports (format registry, encodings, dialects) and loading them, file by file.

``ingest_files`` is the one entry point the CLI and the dashboard use: each file lands whole or not at
all, a file that fails does not stop the others, and the facts are rebuilt once at the end.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core.i18n import _, fmt_int
from pipeline.ingest.formats import (
    CANONICAL_COLUMNS,
    FORMATS,
    FORMATS_BY_NAME,
    MAPPABLE_COLUMNS,
    check_format_name,
    describe_formats,
    detect_format,
    guess_mapping,
)
from pipeline.ingest.load import (
    ImportReport,
    add_brands,
    check_time_zone,
    custom_formats,
    forget_custom_format,
    ingest_file,
    save_custom_format,
)
from pipeline.ingest.reader import UNKNOWN_LAYOUT, HeaderGuess, IngestError, check_regular_file, read_header, sniff

__all__ = [
    "CANONICAL_COLUMNS",
    "FORMATS",
    "FORMATS_BY_NAME",
    "FileResult",
    "HeaderGuess",
    "ImportReport",
    "IngestError",
    "MAPPABLE_COLUMNS",
    "add_brands",
    "check_format_name",
    "check_time_zone",
    "custom_formats",
    "describe_formats",
    "detect_format",
    "forget_custom_format",
    "guess_mapping",
    "check_regular_file",
    "ingest_file",
    "ingest_files",
    "read_header",
    "save_custom_format",
    "save_upload",
    "sniff",
]

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # Streamlit's own upload limit (server.maxUploadSize), stated in docs/importing.md


def save_upload(data: bytes, name: str, folder: str | Path) -> Path:
    """Keep an uploaded export as ``folder/<sha256>/<name>`` and return its path: the same bytes uploaded
    twice land in the same place (and ingest then finds them already stored), and the import report still
    names the file as the person knows it. Only the base name is kept, with unsafe characters replaced."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise IngestError(
            name,
            _("{size} MB is over the {limit} MB upload limit; load it with `radar ingest FILE` instead").format(
                size=fmt_int(len(data) / 1e6), limit=MAX_UPLOAD_BYTES // 2**20
            ),
        )
    safe = _short_name(re.sub(r"[^\w.\- ]+", "_", Path(name.replace("\\", "/")).name).strip(" .") or "upload.csv")
    target = Path(folder) / hashlib.sha256(data).hexdigest() / safe
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(data)
    except OSError as exc:
        raise IngestError(
            safe,
            _("could not be saved for loading ({problem}); nothing was stored").format(
                problem=exc.strerror or type(exc).__name__
            ),
        ) from None
    return target


_NAME_BYTES = 200  # file systems allow 255 bytes per name; Windows and macOS names can be longer in bytes


def _short_name(name: str) -> str:
    """``name`` cut to ``_NAME_BYTES`` bytes of UTF-8 (never inside a character), keeping its extension.

    >>> _short_name("a" * 300 + ".csv")[-8:], len(_short_name("é" * 300 + ".csv").encode())
    ('aaaa.csv', 200)
    """
    if len(name.encode()) <= _NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = name, ""
    ending = "." + extension if extension else ""
    room = _NAME_BYTES - len(ending.encode())
    return stem.encode()[:room].decode(errors="ignore").rstrip(" .") + ending


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file: a report when it landed, else the one-line error (``unknown_layout`` when
    a column mapping could still read it)."""

    path: str
    report: ImportReport | None = None
    error: str | None = None
    unknown_layout: bool = False


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    *,
    forced_format: str | None = None,
    time_zone: str = "UTC",
    brands: Iterable[str] = (),
    mapping: dict[str, str] | None = None,
    format_name: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    build_facts: bool = True,
    on_staged: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> list[FileResult]:
    """Ingest each file in its own transaction, then bring the facts up to date once (unless
    ``build_facts`` is False: ``update_analytics`` does it then). A ``mapping`` applies to every file (the
    first saves it as a custom format; the rest are read by it). ``on_staged``: see ``ingest_file``."""
    from pipeline.normalize import build_posts  # a later stage, used only to finish the job

    brands = list(brands)
    results = []
    for path in paths:
        name = str(path)
        callback = (lambda done, total, _name=name: progress(_name, done, total)) if progress else None
        try:
            report = ingest_file(
                con,
                path,
                forced_format=forced_format,
                time_zone=time_zone,
                brands=brands,
                mapping=mapping,
                format_name=format_name,
                progress=callback,
                on_staged=on_staged,
            )
            results.append(FileResult(name, report=report))
        except IngestError as exc:
            results.append(FileResult(name, error=str(exc), unknown_layout=exc.kind == UNKNOWN_LAYOUT))
        except OSError as exc:
            problem = _("{file}: cannot be read: {problem}").format(file=Path(name).name, problem=exc.strerror or exc)
            results.append(FileResult(name, error=problem))
        except duckdb.Error as exc:
            problem = _("{file}: could not be stored: {problem}").format(file=Path(name).name, problem=exc)
            results.append(FileResult(name, error=problem))
    if build_facts and (any(result.report for result in results) or brands):
        build_posts(con)
    return results
