"""Spread a pure function over every core for large inputs (sentiment, reply moves).

Work in Python that DuckDB cannot do runs in worker processes, in a few chunks per core, and the results
come back in input order. Small inputs stay in this process: starting workers costs about a second.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
PARALLEL_FROM = 20_000


def map_chunks(function: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, workers: int | None = None,
               parallel_from: int = PARALLEL_FROM) -> list[R]:
    """``function(items)`` computed chunk by chunk, on every core when there are at least ``parallel_from``
    items; ``function`` maps a chunk to a list of results (any length) and must be importable by name."""
    workers = workers or os.cpu_count() or 1
    if len(items) < parallel_from or workers < 2:
        return function(items)
    size = math.ceil(len(items) / (workers * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [result for part in pool.map(function, chunks) for result in part]
