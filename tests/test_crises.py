"""Crisis detection: synthetic scenarios whose answer is known, severity, playbook, the demo and real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ingest_one, shared_file

from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.core.settings import SENSITIVITY
from pipeline.demo import CAMPAIGN_START, CRISIS_ONSET
from pipeline.metrics.crises import english, severity_points
from pipeline.metrics.detector import PHASES, detect_crises
from pipeline.metrics.playbook import classify_moves
from pipeline.read.queries import crisis_detail, crisis_moves, crisis_phases, crisis_series, crisis_threads

START = pd.Timestamp("2026-09-07 00:00", tz="UTC")  # a Monday; four quiet weeks come first
SATURDAY_ONSET = pd.Timestamp("2026-10-10 14:00", tz="UTC")


def quiet_weeks(weeks: int = 6, seed: int = 7):
    """Hourly customer posts with a daily rhythm: about 30 % negative, Poisson noise, no crisis."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(START, periods=weeks * 168, freq="h")
    rate = 4 + 8 * np.sin(np.pi * ((hours.hour - 6) % 24) / 24) ** 2
    scored = rng.poisson(rate).astype(float)
    negative = rng.binomial(scored.astype(int), 0.3).astype(float)
    return hours, negative, scored, np.zeros(len(hours), dtype=bool)


def at(hours, when) -> int:
    return int(np.flatnonzero(hours == when)[0])


@pytest.mark.parametrize("sensitivity", list(SENSITIVITY))
@pytest.mark.parametrize("seed", [1, 7, 42])
def test_a_quiet_series_has_no_crisis(sensitivity, seed):
    hours, negative, scored, gap = quiet_weeks(seed=seed)
    assert detect_crises(hours, negative, scored, gap, SENSITIVITY[sensitivity]) == []


def test_a_saturday_afternoon_eruption_is_found_within_two_hours_with_its_phases():
    hours, negative, scored, gap = quiet_weeks()
    i = at(hours, SATURDAY_ONSET)
    extra = np.array([12, 25, 40, 45, 40, 30, 22, 15, 10, 6, 4, 2], dtype=float)
    negative[i : i + 12] += extra
    scored[i : i + 12] += extra
    (crisis,) = detect_crises(hours, negative, scored, gap, SENSITIVITY["normal"])
    assert abs(crisis.started_at - SATURDAY_ONSET) <= pd.Timedelta(hours=2)
    assert SATURDAY_ONSET + pd.Timedelta(hours=2) <= crisis.peak_at <= SATURDAY_ONSET + pd.Timedelta(hours=4)
    assert crisis.is_resolved
    names = [name for name, _, _ in crisis.phases]
    assert names == [p for p in PHASES if p in names] and {"onset", "peak", "decline", "resolved"} <= set(names)
    for (_, _, end), (_, start, _) in zip(crisis.phases, crisis.phases[1:]):
        assert end == start  # phases follow each other without holes


def test_a_slow_burn_over_three_days_is_a_crisis():
    hours, negative, scored, gap = quiet_weeks()
    i = at(hours, pd.Timestamp("2026-10-13 00:00", tz="UTC"))
    ramp = np.linspace(0, 14, 72).round()
    negative[i : i + 72] += ramp
    scored[i : i + 72] += ramp
    crises = detect_crises(hours, negative, scored, gap, SENSITIVITY["normal"])
    assert len(crises) == 1
    assert hours[i] <= crises[0].started_at <= hours[i + 72]


def test_a_positive_campaign_spike_is_not_a_crisis():
    hours, negative, scored, gap = quiet_weeks()
    i = at(hours, pd.Timestamp("2026-10-13 10:00", tz="UTC"))
    scored[i : i + 24] *= 10  # ten times the posts, nearly all praise: a few more complaints, a much lower share
    negative[i : i + 24] *= 2
    assert detect_crises(hours, negative, scored, gap, SENSITIVITY["normal"]) == []


@pytest.mark.parametrize("sensitivity", list(SENSITIVITY))
def test_three_days_missing_from_the_export_are_a_gap_not_a_crisis(sensitivity):
    hours, negative, scored, gap = quiet_weeks()
    i = at(hours, pd.Timestamp("2026-10-12 00:00", tz="UTC"))
    negative[i : i + 72] = scored[i : i + 72] = 0
    gap[i : i + 72] = True
    assert detect_crises(hours, negative, scored, gap, SENSITIVITY[sensitivity]) == []


def test_a_crisis_still_hot_when_the_data_ends_is_open_with_an_unknown_end():
    hours, negative, scored, gap = quiet_weeks()
    n = len(hours)
    extra = np.array([10, 20, 30, 40, 45, 45, 45, 45], dtype=float)  # still rising in the last hour of the data
    negative[n - 8 :] += extra
    scored[n - 8 :] += extra
    (crisis,) = detect_crises(hours, negative, scored, gap, SENSITIVITY["normal"])
    assert crisis.is_open and crisis.back_at is None and crisis.ended_at is None
    assert crisis.data_end_at == hours[-1] + pd.Timedelta(hours=1)
    names = [name for name, _, _ in crisis.phases]
    assert "resolved" not in names and "aftermath" not in names
    assert all(end <= crisis.data_end_at for _, _, end in crisis.phases)  # nothing drawn after the data


def test_a_hole_in_the_data_after_a_crisis_is_not_a_recovery():
    hours, negative, scored, gap = quiet_weeks()
    i = at(hours, SATURDAY_ONSET)
    extra = np.array([12, 25, 40, 45, 40, 35, 30, 30], dtype=float)
    negative[i : i + 8] += extra
    scored[i : i + 8] += extra
    negative[i + 8 : i + 40] = 0  # the export holds nothing for a day and a half: missing, not quiet
    scored[i + 8 : i + 40] = 0
    gap[i + 8 : i + 40] = True
    negative[i + 40 : i + 60] += 30  # and the complaints are still there when the data comes back
    scored[i + 40 : i + 60] += 30
    crisis = detect_crises(hours, negative, scored, gap, SENSITIVITY["normal"])[0]
    assert crisis.back_at is None or crisis.back_at >= hours[i + 60]


def test_an_open_crisis_scores_its_duration_as_a_lower_bound_and_no_reply_points_without_replies():
    facts = dict(
        excess_negative=30,
        share_negative=0.8,
        reach=None,
        platforms=1,
        duration_hours=20,
        unanswered_share=None,
        first_response_minutes=None,
    )
    severity, messages = severity_points(**facts, still_hot=True, replies_in_data="United")
    reasons = english(messages)
    assert severity == 2  # 1 (excess) + 2 (share) + 1 (duration); nothing for replies that are not in the data
    assert "lasted at least 20 hours (still above baseline when the data ends) (+1)" in reasons
    assert reasons[-1] == (
        "the data holds no replies from United: whether complaints were answered cannot be measured (+0)"
    )
    assert severity_points(**facts)[0] == 3  # the same facts, judged as if replies were known: "no response" +1


def test_sensitivity_presets_are_ordered():
    low, normal, high = (SENSITIVITY[name] for name in ("low", "normal", "high"))
    assert low.z > normal.z > high.z and low.min_hours >= normal.min_hours >= high.min_hours
    assert low.min_negative >= normal.min_negative >= high.min_negative


@pytest.mark.parametrize(
    "facts, severity",
    [
        (
            dict(
                excess_negative=10,
                share_negative=0.4,
                reach=None,
                platforms=1,
                duration_hours=3,
                unanswered_share=0.1,
                first_response_minutes=30,
            ),
            1,
        ),
        (
            dict(
                excess_negative=60,
                share_negative=0.6,
                reach=50_000,
                platforms=1,
                duration_hours=14,
                unanswered_share=0.2,
                first_response_minutes=90,
            ),
            2,
        ),
        (
            dict(
                excess_negative=150,
                share_negative=0.6,
                reach=200_000,
                platforms=2,
                duration_hours=20,
                unanswered_share=0.3,
                first_response_minutes=120,
            ),
            3,
        ),
        (
            dict(
                excess_negative=900,
                share_negative=0.8,
                reach=2_000_000,
                platforms=3,
                duration_hours=60,
                unanswered_share=0.7,
                first_response_minutes=None,
            ),
            4,
        ),
    ],
)
def test_severity_follows_the_published_points(facts, severity):
    grade, messages = severity_points(**facts)
    reasons = english(messages)
    assert grade == severity
    assert len(reasons) == 7 and all(reason.endswith(")") for reason in reasons)


@pytest.mark.parametrize(
    "text, moves",
    [
        ("We're sorry for the trouble", ["apologise"]),
        ("We're investigating the cause and will keep you updated", ["explain"]),
        ("That was our mistake and we take full responsibility", ["admit_error"]),
        ("From now on every jar is pressure-tested", ["change"]),
        ("We'll send a free replacement and a refund", ["make_amends"]),
        ("Lo sentimos, es culpa nuestra", ["apologise", "admit_error"]),
        ("Estamos investigando lo que pasó; a partir de ahora revisamos cada envío", ["explain", "change"]),
        ("Przepraszamy, to nasz błąd. Zwrot pieniędzy w drodze", ["apologise", "admit_error", "make_amends"]),
        ("Badamy sprawę, od teraz testujemy każdy dzbanek", ["explain", "change"]),
        ("Thanks for reaching out, DM us your order number", []),
    ],
)
def test_playbook_moves_in_three_languages(text, moves):
    assert classify_moves(text) == moves


def test_the_demo_crisis_is_found_with_its_story(demo_db):
    con = db.connect(demo_db, read_only=True)
    crises = con.execute("SELECT * FROM crises WHERE brand = 'lumohelp' ORDER BY started_at").df()
    crisis = crises.iloc[0]
    assert abs(crisis.started_at - pd.Timestamp(CRISIS_ONSET)) <= pd.Timedelta(hours=2)
    assert crisis.severity >= 3
    assert "#blendprofail" in list(crisis.top_terms)
    # the first answer to a complaint came the next morning, not within the SLA
    assert crisis.minutes_to_first_response > 12 * 60
    assert set(crisis.moves_used) == {"apologise", "explain", "admit_error", "change", "make_amends"}
    moves = dict(
        con.execute("SELECT move, first_at FROM crisis_moves WHERE crisis_id = ?", [crisis.crisis_id]).fetchall()
    )
    assert moves["explain"] < moves["admit_error"] < moves["make_amends"]
    # the campaign day is not a crisis
    campaign_day = pd.Timestamp(CAMPAIGN_START).normalize()
    assert not ((crises.started_at >= campaign_day) & (crises.started_at < campaign_day + pd.Timedelta(days=2))).any()
    phases = con.execute(
        "SELECT phase FROM crisis_phases WHERE crisis_id = ? ORDER BY started_at", [crisis.crisis_id]
    ).fetchall()
    assert [p for (p,) in phases] == [p for p in PHASES if p != "unresolved"]
    assert db.check_quality(con) == []
    con.close()


def test_the_real_airline_spike_of_2015_02_22_is_detected(con):
    ingest_one(con, shared_file("airline_sentiment/Tweets.csv"))
    update_analytics(con)
    found = con.execute("""
        SELECT brand, severity FROM crises
        WHERE started_at < TIMESTAMPTZ '2015-02-23 00:00+00' AND ended_at > TIMESTAMPTZ '2015-02-22 00:00+00'
        """).fetchall()
    brands = {brand for brand, _ in found}
    assert {"American", "US Airways"} <= brands  # the airline column names the brands
    assert max(severity for _, severity in found) >= 3


@pytest.fixture(scope="module")
def airline_and_twcs(tmp_path_factory):
    """The two real exports in one database, through the real CLI."""
    from pipeline.cli import main

    files = [shared_file("airline_sentiment/Tweets.csv"), shared_file("twcs_sample/twcs_head.csv")]
    path = tmp_path_factory.mktemp("real") / "real.duckdb"
    assert main(["ingest", *map(str, files), "--db", str(path)]) == 0
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def test_the_end_of_the_airline_file_is_not_a_recovery(airline_and_twcs):
    con = airline_and_twcs
    data_end = pd.Timestamp("2015-02-24 19:53:37", tz="UTC")
    still_open = con.execute(
        "SELECT crisis_id, back_to_baseline_at, data_end_at FROM crises WHERE started_at < '2015-03-01' AND is_open"
    ).df()
    assert len(still_open) >= 1 and still_open["back_to_baseline_at"].isna().all()
    assert (still_open["data_end_at"] == data_end).all()
    for crisis_id in still_open["crisis_id"]:
        series = crisis_series(con, crisis_id)
        assert series["hour_at"].max() <= data_end  # the chart stops where the data stops
        phases = crisis_phases(con, crisis_id)
        assert not {"resolved", "aftermath"} & set(phases["phase"]) and phases["ended_at"].max() <= data_end.ceil("h")
    # no phase of any 2015 crisis is drawn over the hours after the file ends
    assert con.execute("SELECT max(ended_at) FROM crisis_phases WHERE started_at < '2015-03-01'").fetchall()[0][
        0
    ] <= data_end.ceil("h")


def test_a_joke_to_a_fan_is_not_a_playbook_move(airline_and_twcs):
    con = airline_and_twcs
    joke = "569667821455708160"  # JetBlue: "we can keep you updated on who's wearing who"
    assert con.execute("SELECT move FROM fct_reply_moves WHERE post_id = ?", [joke]).fetchall() == [("explain",)]
    (crisis_id,) = con.execute(
        "SELECT crisis_id FROM crises WHERE brand = 'jetblue' AND started_at < '2015-03-01'"
    ).fetchall()[0]
    assert crisis_moves(con, crisis_id).empty  # the data holds no answer of JetBlue's to the crisis
    # where a move is counted, the page shows the post that made it
    moves = con.execute(
        "SELECT m.first_post_id, f.is_brand FROM crisis_moves m JOIN fct_posts f "
        "ON f.platform = m.first_platform AND f.post_id = m.first_post_id"
    ).fetchall()
    assert moves and all(is_brand for _, is_brand in moves)


def test_top_threads_are_evidence_with_a_reason(airline_and_twcs):
    con = airline_and_twcs
    crisis = crisis_detail(con, "americanair:20150222T19")
    threads = crisis_threads(con, "americanair:20150222T19")
    assert len(threads) == 5 and list(threads["thread_id"]) == crisis["top_threads"]
    assert all(why.split(" ")[1].startswith("complaint") for why in threads["why"])  # "1 complaint · ..."
    assert set(threads["sentiment_label"]) == {"negative"}
    assert any("uses '" in why for why in threads["why"])


def test_airline_crises_score_nothing_for_replies_that_are_not_in_the_data(airline_and_twcs):
    rows = airline_and_twcs.execute(
        "SELECT severity_reasons, replies_in_data FROM crises WHERE started_at < '2015-03-01'"
    ).fetchall()
    assert rows and all(not replies for _, replies in rows)
    for reasons, _ in rows:
        assert not any("unanswered" in r or "no brand response" in r for r in reasons)
        assert any("the data holds no replies from" in r for r in reasons)


def test_top_threads_of_two_platforms_with_one_id_stay_apart(tmp_path):
    """A thread is its platform and its id: two platforms may number their posts alike (a listening tool's
    export of Twitter and Facebook with the tool's own row ids). Each stays a thread of its own among the top
    threads, with its own complaint, and the crisis page finds each on its platform."""
    import csv
    from datetime import UTC, datetime, timedelta

    from pipeline.cli import main

    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; five quiet days, then the burst
    rows = []
    for hour in range(6 * 24):
        for k in range(3):
            negative = (hour + k) % 4 == 0
            rows.append(("twitter", f"q{hour}-{k}", start + timedelta(hours=hour, minutes=11 * k), f"fan{k}",
                         "@acme the kettle broke" if negative else "@acme lovely kettle",
                         "negative" if negative else "positive", 0))  # fmt: skip
    burst = start + timedelta(days=5, hours=10)
    for h in range(5):
        for k in range(12):
            for platform, likes in (("twitter", k), ("facebook", 50 + k)):  # the same ids on both platforms
                rows.append((platform, f"b{h}-{k}", burst + timedelta(hours=h, minutes=4 * k), f"angry{k}",
                             "@acme #kettlefail the lid melted, refund now", "negative", likes))  # fmt: skip
    export = tmp_path / "two_platforms.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["platform", "id", "date", "author", "text", "sentiment", "likes"])
        writer.writerows((p, i, d.isoformat(), a, t, s, n) for p, i, d, a, t, s, n in rows)
    database = tmp_path / "radar.duckdb"
    assert main(["ingest", str(export), "--brand", "acme", "--db", str(database)]) == 0
    con = db.connect(database, read_only=True)
    try:
        crisis_id = db.scalar(con, "SELECT crisis_id FROM crises WHERE brand = 'acme' ORDER BY started_at LIMIT 1")
        assert crisis_id is not None
        crisis = crisis_detail(con, crisis_id)
        pairs = list(zip(crisis["top_thread_platforms"], crisis["top_threads"], strict=True))
        assert len(pairs) == 5 and len(set(pairs)) == 5
        assert {platform for platform, _thread in pairs} == {"facebook"}  # the most liked: Facebook's
        threads = crisis_threads(con, crisis_id)
        assert list(zip(threads["platform"], threads["thread_id"])) == pairs  # each on its own platform, in order
        assert all(why.startswith("1 complaint ·") for why in threads["why"]), list(threads["why"])
    finally:
        con.close()


def test_a_crisis_stored_without_platforms_is_found_by_id_then_completed_by_the_next_import(demo_copy, write_csv):
    """Schema 11 stored top threads as ids alone. Such a crisis still shows its threads (matched by id), and
    the next import's analytics compute it again, platforms and all, though nothing about it changed."""
    con = db.connect(demo_copy)
    try:
        crisis_id = "lumohelp:20261024T14"
        full = crisis_threads(con, crisis_id)
        con.execute("UPDATE fct_crises SET top_thread_platforms = NULL")
        older = crisis_threads(con, crisis_id)
        assert len(older) == len(full) == 5
        assert list(older["thread_id"]) == list(full["thread_id"])
        ingest_one(con, write_csv("later.csv", "id,date,author,text\nl1,2026-11-30T10:00:00Z,zed,@lumohelp thanks\n"))
        update_analytics(con)  # what `radar ingest` runs after the import: only what the new post changed
        crisis = crisis_detail(con, crisis_id)
        assert list(crisis["top_thread_platforms"]) == list(full["platform"])
        assert db.scalar(con, "SELECT count(*) FROM fct_crises WHERE top_thread_platforms IS NULL") == 0
    finally:
        con.close()
