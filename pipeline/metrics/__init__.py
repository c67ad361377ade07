"""Metrics: responses, hourly series, crises and the response playbook, computed from the enriched posts.

``update_analytics`` is the one entry point the CLI and the dashboard call after an import or a change of
settings: it brings the facts, the sentiment (incrementally: only new texts are scored) and every metric
table up to date, in one transaction, and records the data version it reflects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from .. import db
from ..enrich import score_sentiment
from ..normalize import build_posts, facts_are_current
from ..settings import Settings, load_settings
from .crises import compute_crises
from .hourly import compute_hourly
from .playbook import compute_reply_moves
from .responses import compute_responses


@dataclass(frozen=True)
class AnalyticsReport:
    texts_scored: int
    customer_posts_awaiting: int
    crises: int
    seconds: dict[str, float]

    def lines(self) -> list[str]:
        timing = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.seconds.items())
        return [f"analytics: {self.texts_scored:,} texts scored, {self.customer_posts_awaiting:,} customer posts "
                f"awaiting a reply, {self.crises:,} crises ({timing})"]


def analytics_are_current(con: duckdb.DuckDBPyConnection) -> bool:
    return db.get_meta(con, "analytics_version") == f"{db.data_version(con)}/{db.get_meta(con, 'settings')}"


def update_analytics(con: duckdb.DuckDBPyConnection, settings: Settings | None = None, *,
                     rescore: bool = False) -> AnalyticsReport:
    """Bring every derived table up to date; ``rescore`` also throws away cached sentiment scores."""
    settings = settings or load_settings(con)
    seconds = {}
    if not facts_are_current(con):
        started = time.perf_counter()
        build_posts(con)
        seconds["threads"] = time.perf_counter() - started
    con.execute("BEGIN TRANSACTION")
    try:
        steps = [("sentiment", lambda: score_sentiment(con, rescore=rescore)),
                 ("responses", lambda: compute_responses(con, settings)),
                 ("hourly", lambda: compute_hourly(con)),
                 ("playbook", lambda: compute_reply_moves(con)),
                 ("crises", lambda: compute_crises(con, settings))]
        results = {}
        for name, step in steps:
            started = time.perf_counter()
            results[name] = step()
            seconds[name] = time.perf_counter() - started
        db.set_meta(con, "analytics_version", f"{db.data_version(con)}/{db.get_meta(con, 'settings')}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return AnalyticsReport(results["sentiment"], results["responses"], results["crises"], seconds)
