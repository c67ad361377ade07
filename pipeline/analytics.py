"""Metrics: responses, hourly series, crises, the response playbook and themes, computed from the enriched posts.

``update_analytics`` is the one entry point the CLI and the dashboard call after an import or a change of
settings. In three transactions, each of which leaves the store consistent: it scores the sentiment of the
new staged posts (texts seen before come from the cache), brings the facts up to date (which then carry
the sentiment), and brings every metric table up to date, recording the data version it reflects. After an
import that only added posts, the responses, hourly series and reply moves are updated for the threads and
hours the new posts touched; the crisis detector always reads the whole hourly series (it is small: hours x
brands) and keeps the stored figures of a crisis nothing new can have changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from pipeline import normalize
from pipeline.core import db
from pipeline.core.i18n import N_, _, fmt_int, fmt_num, ngettext
from pipeline.core.settings import Settings, load_settings
from pipeline.enrich import score_sentiment
from pipeline.enrich.adapter import adapt_sentiment
from pipeline.metrics.crises import compute_crises
from pipeline.metrics.hourly import compute_hourly
from pipeline.metrics.playbook import compute_reply_moves
from pipeline.metrics.responses import compute_responses
from pipeline.metrics.themes import tag_themes
from pipeline.monitor.alerts import raise_alerts
from pipeline.normalize import build_posts, facts_are_current


@dataclass(frozen=True)
class AnalyticsReport:
    texts_scored: int
    customer_posts_awaiting: int
    crises: int
    seconds: dict[str, float]
    incremental: bool = False  # brought up to date for what changed, not recomputed whole
    changed_since: int | None = None  # then: the facts build the analytics reflected before
    alerts: int = 0  # new alerts the rules raised

    def lines(self) -> list[str]:
        """The report as a person reads it, in the current language."""
        timing = ", ".join(
            _("{stage} {seconds} s").format(
                stage=_(STAGE_NAMES[stage]) if stage in STAGE_NAMES else stage, seconds=fmt_num(seconds, 1)
            )
            for stage, seconds in self.seconds.items()
        )
        counts = {
            "texts": ngettext("{n} text scored", "{n} texts scored", self.texts_scored).format(
                n=fmt_int(self.texts_scored)
            ),
            "awaiting": ngettext(
                "{n} customer post awaiting a reply",
                "{n} customer posts awaiting a reply",
                self.customer_posts_awaiting,
            ).format(n=fmt_int(self.customer_posts_awaiting)),
            "crises": ngettext("{n} crisis", "{n} crises", self.crises).format(n=fmt_int(self.crises)),
            "alerts": ngettext("{n} new alert", "{n} new alerts", self.alerts).format(n=fmt_int(self.alerts)),
        }
        if self.incremental:
            line = _("analytics (updated for the new posts): {texts}, {awaiting}, {crises}, {alerts} ({timing})")
        else:
            line = _("analytics (recomputed): {texts}, {awaiting}, {crises}, {alerts} ({timing})")
        return [line.format(**counts, timing=timing)]


# The stages ``update_analytics`` times, as the report names them.
STAGE_NAMES = {
    "sentiment": N_("sentiment"),
    "threads": N_("threads"),
    "responses": N_("responses"),
    "hourly": N_("hourly"),
    "playbook": N_("playbook"),
    "crises": N_("crises"),
    "themes": N_("themes"),
    "alerts": N_("alerts"),
}


def _settings_key(con: duckdb.DuckDBPyConnection) -> str:
    """The settings the analytics read (the default language is not one: changing it recomputes nothing)."""
    return load_settings(con).analytics_key()


def analytics_are_current(con: duckdb.DuckDBPyConnection) -> bool:
    return db.get_meta(con, "analytics_version") == f"{db.data_version(con)}/{_settings_key(con)}"


def _changed_since(con: duckdb.DuckDBPyConnection, settings_key: str | None) -> int | None:
    """The facts build the analytics last reflected, when only posts were added since (with the same
    settings) and not so many that recomputing everything is cheaper; else None."""
    seen = db.get_meta(con, "analytics_facts_build")
    if (
        seen is None
        or db.get_meta(con, "analytics_settings") != (settings_key or "")
        or db.get_meta(con, "analytics_labels") != _labels_key(con)
    ):  # a correction changes old hours
        return None
    changed, total = db.one_row(
        con, "SELECT count(*) FILTER (WHERE facts_build > ?), count(*) FROM fct_posts", [int(seen)]
    )
    return int(seen) if changed <= normalize.INCREMENTAL_UP_TO * total else None


def _labels_key(con: duckdb.DuckDBPyConnection) -> str:
    return db.get_meta(con, "labels_version") or "0"


def update_analytics(
    con: duckdb.DuckDBPyConnection,
    settings: Settings | None = None,
    *,
    rescore: bool = False,
    whole: bool = False,
    now: datetime | None = None,
    replay: bool = False,
) -> AnalyticsReport:
    """Bring every derived table up to date; ``rescore`` also throws away cached sentiment scores.

    After an import that only added posts, the metrics are brought up to date for the threads and hours
    the new posts touched (``tmp_changed_posts``: every post the facts build rewrote since the analytics
    last ran); after a change of settings or of a sentiment correction, with ``whole``, or after a large
    import, every table is recomputed. The alert rules then run in the same transaction (``pipeline.monitor.alerts``;
    ``now`` and ``replay`` set their clock), so an alert is in the outbox exactly when its analytics are.
    """
    settings = settings or load_settings(con)
    seconds: dict[str, float] = {}
    results: dict[str, Any] = {}
    # Sentiment first (it reads the staged posts), so that the facts built next carry it.
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")  # i18n: not text (SQL)
    try:
        results["sentiment"] = score_sentiment(con, rescore=rescore)
        if adapt_sentiment(con):  # the facts built before carry scores the adapters changed
            db.set_meta(con, "facts_sentiment_stale", "1")
        con.execute("COMMIT")
    except BaseException:
        db.rollback(con)
        raise
    seconds["sentiment"] = time.perf_counter() - started
    if not facts_are_current(con):
        started = time.perf_counter()
        build_posts(con)
        seconds["threads"] = time.perf_counter() - started
    settings_key = _settings_key(con)
    con.execute("BEGIN TRANSACTION")  # i18n: not text (SQL)
    try:
        # facts built before their texts were scored, or before a new scorer or adapter scored them again
        db.copy_sentiment_to_facts(con, every_row=rescore or db.get_meta(con, "facts_sentiment_stale") == "1")
        db.set_meta(con, "facts_sentiment_stale", "0")
        since = None if whole or rescore else _changed_since(con, settings_key)
        if since is not None:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE tmp_changed_posts AS SELECT facts_build, platform, post_id, "
                "thread_id, created_at, is_brand FROM fct_posts WHERE facts_build > ?",
                [since],
            )
        changed = since is not None
        steps = [
            ("responses", lambda: compute_responses(con, settings, changed_only=changed)),
            ("hourly", lambda: compute_hourly(con, changed_only=changed)),
            ("playbook", lambda: compute_reply_moves(con, changed_only=changed)),
            ("crises", lambda: compute_crises(con, settings, changed_only=changed)),
            ("themes", lambda: tag_themes(con, changed_only=changed)),
            ("alerts", lambda: raise_alerts(con, now, replay=replay, settings=settings)),
        ]
        for name, step in steps:
            started = time.perf_counter()
            results[name] = step()
            seconds[name] = time.perf_counter() - started
        con.execute("DROP TABLE IF EXISTS tmp_changed_posts")
        db.set_meta(con, "analytics_version", f"{db.data_version(con)}/{settings_key}")
        db.set_meta(con, "analytics_facts_build", db.get_meta(con, "facts_build") or "0")
        db.set_meta(con, "analytics_settings", settings_key or "")
        db.set_meta(con, "analytics_labels", _labels_key(con))
        con.execute("COMMIT")
    except BaseException:
        db.rollback(con)
        raise
    return AnalyticsReport(
        results["sentiment"],
        results["responses"],
        results["crises"],
        seconds,
        incremental=changed,
        changed_since=since,
        alerts=len(results["alerts"]),
    )
