"""Spread a pure function over every core for large inputs (sentiment, reply moves).

Work in Python that DuckDB cannot do runs in worker processes, in a few chunks per core, and the results
come back in input order. Small inputs stay in this process: starting workers costs about a second.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")
PARALLEL_FROM = 20_000
CHUNKS_PER_WORKER = 4


def _workers() -> int:
    return os.cpu_count() or 1


def worker_pool(prepare: Callable[[], object] | None = None) -> ProcessPoolExecutor | None:
    """A pool for one job's batches (workers start once), or None on one core.

    ``prepare`` (loading a model, say) runs here first where workers are forked: they inherit what it
    loaded instead of each loading its own."""
    if _workers() < 2:
        return None
    if prepare is not None and multiprocessing.get_start_method() == "fork":
        prepare()
    return ProcessPoolExecutor(max_workers=_workers())


def submit_chunks(
    function: Callable[[list[T]], list[R]], items: list[T], pool: ProcessPoolExecutor | None
) -> list[Future] | list[R]:
    """Start ``function`` over ``items`` on ``pool`` and return at once (``gather`` collects the results),
    so that this process can do other work meanwhile; without a pool, the results themselves.
    ``function`` maps a chunk to a list of results and must be importable by name."""
    if pool is None:
        return function(items)
    size = math.ceil(len(items) / (_workers() * CHUNKS_PER_WORKER)) or 1
    return [pool.submit(function, items[i : i + size]) for i in range(0, len(items), size)]


def gather(submitted: list[Future] | list[R]) -> list[R]:
    """The results of ``submit_chunks``, in input order."""
    if submitted and isinstance(submitted[0], Future):
        return [result for future in cast("list[Future]", submitted) for result in future.result()]
    return list(cast("list[R]", submitted))


def map_chunks(
    function: Callable[[list[T]], list[R]], items: list[T], *, parallel_from: int = PARALLEL_FROM
) -> list[R]:
    """``function(items)``, on every core when there are at least ``parallel_from`` items."""
    pool = worker_pool() if len(items) >= parallel_from else None
    try:
        return gather(submit_chunks(function, items, pool))
    finally:
        if pool is not None:
            pool.shutdown()


def pipelined(
    function: Callable[[list[T]], list[R]],
    total: int,
    batch: int,
    fetch: Callable[[int, int], list[T]],
    store: Callable[[int, list[R]], None],
    *,
    prepare: Callable[[], object] | None = None,
    release: Callable[[], object] | None = None,
) -> None:
    """``store(start, function(fetch(start, end)))`` for each batch of ``total`` rows, on every core when
    there are many: while the workers compute one batch, this process stores the one before (DuckDB work)
    and fetches the next, so memory holds two batches at most. ``prepare`` as for ``worker_pool``;
    ``release`` undoes it here once the first batch is handed out (forked workers start all at once then)."""
    pool = worker_pool(prepare) if total >= PARALLEL_FROM else None
    try:
        pending = None
        for start in range(0, total, batch):
            submitted = submit_chunks(function, fetch(start, start + batch), pool)
            if start == 0 and pool is not None and release is not None:
                release()
            if pending is not None:
                store(pending[0], gather(pending[1]))
            pending = (start, submitted)
        if pending is not None:
            store(pending[0], gather(pending[1]))
    finally:
        if pool is not None:
            pool.shutdown()
