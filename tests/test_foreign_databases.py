"""Radar recognises its own databases: any other non-empty DuckDB file, a SQLite file or a truncated database
is refused with one clear line and left byte for byte as it was; DuckDB never loads or downloads an
extension on its own; a new database gets its whole schema in one transaction."""

from __future__ import annotations

import hashlib
import sqlite3

import duckdb
import pytest

from pipeline.cli import main
from pipeline.core import db

CSV = "id,date,author,text\n1,2026-11-02T10:00:00Z,ana,my parcel never came\n"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def foreign(path, *statements: str):
    con = duckdb.connect(str(path))
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


@pytest.mark.parametrize(
    "statements",
    [
        ["CREATE TABLE customers (id INTEGER, name VARCHAR)", "INSERT INTO customers VALUES (1, 'a')"],
        ["CREATE TABLE posts (post_id VARCHAR, text VARCHAR)", "INSERT INTO posts VALUES ('1', 'x')"],
        ["CREATE TABLE radar_meta (key VARCHAR, value VARCHAR)", "CREATE TABLE other (x INTEGER)"],
    ],
)
@pytest.mark.parametrize("command", [["ingest", "{csv}"], ["status"], ["crises"], ["recompute"], ["settings"]])
def test_another_duckdb_file_is_refused_and_left_untouched(tmp_path, write_csv, capsys, statements, command):
    path = foreign(tmp_path / "other.duckdb", *statements)
    before = digest(path)
    csv = write_csv("x.csv", CSV)
    assert main([part.format(csv=csv) for part in command] + ["--db", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a Reputation Radar database" in err and str(path) in err
    assert "Binder" not in err and "SELECT" not in err
    assert digest(path) == before


def test_a_sqlite_file_is_refused_without_loading_an_extension(tmp_path, write_csv, capsys):
    path = tmp_path / "notes.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = digest(path)
    assert main(["ingest", str(write_csv("x.csv", CSV)), "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "not a Reputation Radar database (a SQLite file)" in err and err.count("\n") == 0
    assert digest(path) == before


def test_extensions_are_never_loaded_or_installed_implicitly(tmp_path):
    con = db.connect(tmp_path / "radar.duckdb")
    settings = dict(
        con.execute("""SELECT name, value FROM duckdb_settings()
                                   WHERE name IN ('autoload_known_extensions', 'autoinstall_known_extensions')""").fetchall()
    )
    assert settings == {"autoload_known_extensions": "false", "autoinstall_known_extensions": "false"}
    con.close()


@pytest.mark.parametrize("cut", ["half", "tenth", "last block", "one byte", "inside the headers"])
def test_a_truncated_database_is_refused_and_not_modified(tmp_path, write_csv, capsys, cut):
    path = tmp_path / "radar.duckdb"
    assert main(["ingest", str(write_csv("x.csv", CSV)), "--db", str(path)]) == 0
    data = path.read_bytes()
    keep = {
        "half": len(data) // 2,
        "tenth": len(data) // 10,
        "last block": len(data) - 262144,
        "one byte": len(data) - 1,
        "inside the headers": 5000,
    }[cut]
    path.write_bytes(data[:keep])
    before = digest(path)
    capsys.readouterr()
    assert main(["ingest", str(write_csv("y.csv", CSV.replace("1,", "2,"))), "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err
    assert digest(path) == before


def test_random_bytes_are_not_a_database(tmp_path, capsys):
    path = tmp_path / "noise.duckdb"
    path.write_bytes(bytes(range(256)) * 64)
    before = digest(path)
    assert main(["status", "--db", str(path)]) == 1
    assert "not a Reputation Radar database" in capsys.readouterr().err
    assert digest(path) == before


def test_a_new_database_is_marked_and_an_older_one_without_the_mark_is_taken_as_ours(tmp_path):
    path = tmp_path / "radar.duckdb"
    con = db.connect(path)
    assert db.get_meta(con, "application") == "reputation-radar"
    con.execute("DELETE FROM radar_meta WHERE key = 'application'")  # as a database made before the mark
    con.close()
    con = db.connect(path)
    assert db.get_meta(con, "application") == "reputation-radar"
    con.close()


def test_the_schema_is_created_in_one_transaction(tmp_path, monkeypatch):
    path = tmp_path / "radar.duckdb"
    monkeypatch.setattr(db, "_SCHEMA", [*db._SCHEMA, "CREATE TABLE broken (x NOT_A_TYPE)"])
    with pytest.raises(db.DatabaseError, match="could not create"):
        db.connect(path)
    con = duckdb.connect(str(path))
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
    con.close()


class _CommitFails:
    """A real connection whose COMMIT fails as on a full disk: DuckDB has rolled the transaction back by then."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args, **kwargs):
        if sql.strip().upper() == "COMMIT":
            self._con.execute("ROLLBACK")
            raise duckdb.IOException("IO Error: No space left on device")
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_failed_commit_reports_its_own_error_not_the_rollbacks(con, write_csv):
    from conftest import ingest_one

    from pipeline.analytics import update_analytics

    ingest_one(con, write_csv("x.csv", CSV))
    with pytest.raises(duckdb.IOException, match="No space left on device"):
        update_analytics(_CommitFails(con))
    assert db.scalar(con, "SELECT count(*) FROM stg_posts") == 1  # the import itself stays


def test_the_cli_says_what_was_stored_and_what_to_run_next(tmp_path, write_csv, capsys, monkeypatch):
    import pipeline.cli

    def fail(con, *args, **kwargs):
        raise duckdb.IOException("IO Error: No space left on device")

    monkeypatch.setattr(pipeline.cli, "update_analytics", fail)
    assert main(["ingest", str(write_csv("x.csv", CSV)), "--db", str(tmp_path / "radar.duckdb")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "stored: x.csv (imp-000001)" in err and "No space left on device" in err and "radar recompute" in err
