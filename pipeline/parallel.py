"""Spread a pure function over every core for large inputs (sentiment, reply moves).

Work in Python that DuckDB cannot do runs in worker processes, in a few chunks per core, and the results
come back in input order. Small inputs stay in this process: starting workers costs about a second.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
PARALLEL_FROM = 20_000


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor | None:
    """A pool to share between several ``map_chunks`` calls (workers start once), or None on one core."""
    workers = workers or os.cpu_count() or 1
    return ProcessPoolExecutor(max_workers=workers) if workers > 1 else None


def map_chunks(function: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, workers: int | None = None,
               parallel_from: int = PARALLEL_FROM, pool: ProcessPoolExecutor | None = None) -> list[R]:
    """``function(items)`` computed chunk by chunk, on every core when there are at least ``parallel_from``
    items; ``function`` maps a chunk to a list of results (any length) and must be importable by name.
    ``pool`` reuses running workers; without it a pool is started for this call."""
    workers = workers or (pool._max_workers if pool is not None else os.cpu_count()) or 1
    if len(items) < parallel_from or workers < 2:
        return function(items)
    size = math.ceil(len(items) / (workers * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    if pool is not None:
        return [result for part in pool.map(function, chunks) for result in part]
    with ProcessPoolExecutor(max_workers=workers) as own:
        return [result for part in own.map(function, chunks) for result in part]


def submit_chunks(function: Callable[[Sequence[T]], list[R]], items: Sequence[T],
                  pool: ProcessPoolExecutor | None) -> list[Future] | list[R]:
    """Start ``function`` over ``items`` on ``pool`` and return at once (``gather`` collects the results),
    so that this process can do other work meanwhile; without a pool, the results themselves."""
    if pool is None:
        return function(items)
    size = math.ceil(len(items) / (pool._max_workers * 4)) or 1
    return [pool.submit(function, items[i:i + size]) for i in range(0, len(items), size)]


def gather(submitted: list[Future] | list[R]) -> list[R]:
    """The results of ``submit_chunks``, in input order."""
    if submitted and isinstance(submitted[0], Future):
        return [result for future in submitted for result in future.result()]
    return list(submitted)


def pipelined(function: Callable[[Sequence[T]], list[R]], total: int, batch: int,
              fetch: Callable[[int, int], Sequence[T]], store: Callable[[int, list[R]], None]) -> None:
    """``store(start, function(fetch(start, end)))`` for each batch of ``total`` rows, on every core when
    there are many: while the workers compute one batch, this process stores the one before (DuckDB work)
    and fetches the next, so memory holds two batches at most."""
    pool = worker_pool() if total >= PARALLEL_FROM else None
    try:
        pending = None
        for start in range(0, total, batch):
            submitted = submit_chunks(function, fetch(start, start + batch), pool)
            if pending is not None:
                store(pending[0], gather(pending[1]))
            pending = (start, submitted)
        if pending is not None:
            store(pending[0], gather(pending[1]))
    finally:
        if pool is not None:
            pool.shutdown()
