"""Shared fixtures: fresh databases, the demo database built once through the real pipeline, ../shared."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from pipeline.core import db
from pipeline.ingest import ingest_files

ROOT = Path(__file__).resolve().parents[1]
# AppTest sets no server address, which Streamlit reads as every interface: without sign-in the dashboard would
# show nothing (pages/_access.setup). The tests of that refusal take this away; the served tests use 127.0.0.1.
os.environ.setdefault("RADAR_OPEN_DASHBOARD", "1")
# The tests read English unless one asks for another language (a machine whose LANG is Polish changes nothing).
os.environ["RADAR_LOCALE"] = "en"
SHARED = ROOT.parent / "shared" / "data" / "real"
DEMO_DIR = ROOT / "data" / "demo"


def shared_file(relative: str) -> Path:
    """A file under ../shared/data/real, or skip the test saying why."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (the ../shared folder sits beside the repo in CI)")
    return path


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "radar.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(name, text, encoding="utf-8") -> Path, bytes exactly as given (no newline translation)."""

    def write(name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return write


def ingest(connection, *paths, **options):
    """Ingest files and return their results, asserting nothing."""
    return ingest_files(connection, list(paths), **options)


def ingest_one(connection, path, **options):
    """Ingest one file that must load; return its report."""
    (result,) = ingest_files(connection, [path], **options)
    assert result.error is None, result.error
    return result.report


def table_counts(connection) -> dict[str, int]:
    tables = ["stg_posts", "fct_posts", "quarantine", "imports", "brands"]
    return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo database, built once per session from data/demo through the real CLI path."""
    from pipeline.cli import main

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    assert main(["demo", "--db", str(path)]) == 0
    return path


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A writable copy of the demo database for tests that change it."""
    target = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, target)
    return target


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test session (2 cores, UTC, ANSI; pipeline/spark/session.py)."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e .[spark])")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime: Spark needs Java 17 or later (make test installs Debian's openjdk-17)")
    from pipeline.spark.session import spark_session

    session = spark_session(cores=2, app_name="radar-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(autouse=True, scope="module")
def _spark_memory_released():
    """After each test module, release what its Spark stages persisted and checkpointed: the session is shared
    by every Spark test, and what stays cached fills the driver's memory until a broadcast join fails."""
    yield
    if "pyspark" not in sys.modules:
        return
    from pyspark.sql import SparkSession

    from pipeline.spark.session import release_rdds

    session = SparkSession.getActiveSession()
    if session is not None:
        session.catalog.clearCache()
        release_rdds(session)


@pytest.fixture(scope="session")
def spark_demo_lake(spark, tmp_path_factory) -> Path:
    """A lake built once per session by `radar spark build` from the demo exports (data/demo)."""
    from pipeline.cli import main

    lake = tmp_path_factory.mktemp("spark-lake") / "lake"
    assert main(["spark", "build", str(DEMO_DIR), "--lake", str(lake)]) == 0
    return lake
