"""Store: one process's shared access to the database, for the dashboard (many sessions, many threads).

DuckDB lets a file be written by one process or read by many, and within a process it is open either
read-only or read-write. The dashboard therefore:

- reads through a read-only connection that it opens on demand and **closes after ``idle_seconds`` without
  a query**, so that `radar ingest` in another process can take the file between page views (the CLI waits
  for it; see ``db.connect(wait=...)``);
- writes (an upload on the Data page) by switching to a read-write connection once the queries in flight
  have finished; **while the write runs, other sessions keep reading** through cursors of that same
  connection, and DuckDB's transactions show them the data as it was until each step commits; the
  read-write connection is closed as soon as the last of them is done;
- when another process is writing, waits up to ``read_wait`` seconds for it, then raises ``DatabaseError``
  (``locked``) so the page can say an import is running.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline.core import db


class Store:
    def __init__(
        self,
        path: str | Path | None = None,
        *,
        idle_seconds: float = 2.0,
        read_wait: float = 20.0,
        write_wait: float = 20.0,
    ):
        self._path = path
        self.idle_seconds = idle_seconds
        self.read_wait = read_wait
        self.write_wait = write_wait
        self._condition = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con_path: Path | None = None
        self._read_write = False
        self._readers = 0
        self._writer_active = False  # a write() block is running in this process
        self._switching = False  # connections are being swapped: nobody may take a cursor
        self._idle_timer: threading.Timer | None = None

    @property
    def path(self) -> Path:
        return db.resolve_db_path(self._path)

    @property
    def is_open(self) -> bool:
        with self._condition:
            return self._con is not None

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for queries; never blocks for a write in this process (it reads the committed data)."""
        with self._condition:
            # Wait while connections are swapped, and while a writer waits to swap (so it is not starved).
            self._condition.wait_for(lambda: not self._switching and not (self._writer_active and not self._read_write))
            self._cancel_idle_timer()
            if self._con is None or self._con_path != self.path:
                self._switching = True
                try:
                    self._close()
                    self._con = db.connect(self.path, read_only=True, wait=self.read_wait)
                    self._con_path, self._read_write = self.path, False
                finally:
                    self._switching = False
                    self._condition.notify_all()
            assert self._con is not None  # opened read-write just above
            cursor = self._con.cursor()
            self._readers += 1
        try:
            yield cursor
        finally:
            cursor.close()
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()
                if self._readers == 0 and not self._writer_active:
                    self._after_last_user()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write cursor for one writer at a time; readers carry on meanwhile."""
        with self._condition:
            self._condition.wait_for(lambda: not self._writer_active and not self._switching)
            self._writer_active = True
            self._cancel_idle_timer()
            if not self._read_write or self._con_path != self.path:
                # A read-only connection cannot be upgraded: let the queries in flight finish, then swap.
                self._condition.wait_for(lambda: self._readers == 0)
                self._switching = True
                try:
                    self._close()
                    self._con = db.connect(self.path, wait=self.write_wait)
                    self._con_path, self._read_write = self.path, True
                except BaseException:
                    self._writer_active = False
                    raise
                finally:
                    self._switching = False
                    self._condition.notify_all()
            assert self._con is not None  # opened read-write above, or already
            cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            with self._condition:
                self._writer_active = False
                self._condition.notify_all()
                if self._readers == 0:
                    self._after_last_user()

    def close(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._readers == 0 and not self._writer_active)
            self._cancel_idle_timer()
            self._close()

    # -- internals (called with the condition held) --

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
            self._con_path = None
            self._read_write = False

    def _after_last_user(self) -> None:
        """The write lock is given back at once; a read-only connection after a quiet spell."""
        if self._read_write:
            self._close()
        else:
            self._start_idle_timer()

    def _cancel_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _start_idle_timer(self) -> None:
        """Release the file after a quiet spell, so other processes can write it; the next query reopens."""
        self._cancel_idle_timer()
        timer = threading.Timer(self.idle_seconds, self._release_if_idle)
        # not a daemon: at exit the interpreter waits for it (at most idle_seconds) instead of stopping it in the
        # middle of closing the DuckDB connection, which aborts the process ("FATAL: exception not rethrown")
        timer.daemon = False
        self._idle_timer = timer
        timer.start()

    def _release_if_idle(self) -> None:
        with self._condition:
            if self._readers == 0 and not self._writer_active and not self._switching:
                self._close()
                self._idle_timer = None
