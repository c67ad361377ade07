"""Work spread over worker processes comes back in input order, and batching does not shift results: the
sentiment and reply moves of a database scored in many small batches on a pool equal those scored at once
in this process."""

from __future__ import annotations

import pytest

import pipeline.enrich as enrich
from pipeline.core import db, parallel
from pipeline.metrics import playbook
from tests.conftest import DEMO_DIR, ingest_one


def _double(items):
    return [item * 2 for item in items]


_LOADED: list[str] = []


def _load():
    _LOADED.append("model")


def _loaded(items):
    return [len(_LOADED) for _ in items]


def _moves(con):
    return con.execute("SELECT * FROM fct_reply_moves ORDER BY ALL").fetchall()


def _sentiment(con):
    return con.execute("SELECT * FROM enr_posts ORDER BY platform, post_id").fetchall()


def test_chunks_come_back_in_input_order():
    items = list(range(50_000))
    pool = parallel.worker_pool()
    try:
        assert parallel.gather(parallel.submit_chunks(_double, items, pool)) == [i * 2 for i in items]
    finally:
        if pool is not None:
            pool.shutdown()
    assert parallel.map_chunks(_double, items, parallel_from=1) == [i * 2 for i in items]
    assert parallel.map_chunks(_double, items[:10]) == [i * 2 for i in items[:10]]


def test_what_prepare_loads_before_the_fork_is_inherited_by_the_workers(monkeypatch):
    if parallel._workers() < 2 or parallel.multiprocessing.get_start_method() != "fork":
        pytest.skip("needs two cores and forked workers")
    stored, released = [], []
    _LOADED.clear()
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    parallel.pipelined(
        _loaded,
        40,
        20,
        lambda start, end: list(range(start, end)),
        lambda start, results: stored.extend(results),
        prepare=_load,
        release=lambda: released.append(list(_LOADED)) or _LOADED.clear(),
    )
    # loaded once, here; seen by every worker; let go here once the workers had it
    assert released == [["model"]] and _LOADED == [] and stored == [1] * 40


def test_small_batches_on_a_pool_score_as_one_batch_in_process(tmp_path, monkeypatch):
    export = DEMO_DIR / "lumo_x_care.csv"
    serial = db.connect(tmp_path / "serial.duckdb")
    ingest_one(serial, export, brands=["lumohelp"])
    enrich.score_sentiment(serial)
    playbook.compute_reply_moves(serial)

    monkeypatch.setattr(enrich, "_BATCH", 997)
    monkeypatch.setattr(playbook, "_BATCH", 311)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    batched = db.connect(tmp_path / "batched.duckdb")
    ingest_one(batched, export, brands=["lumohelp"])
    enrich.score_sentiment(batched)
    playbook.compute_reply_moves(batched)

    assert len(_sentiment(serial)) > 997 * 3 and len(_moves(serial)) > 311
    assert _sentiment(batched) == _sentiment(serial)
    assert _moves(batched) == _moves(serial)
