"""Monitoring and escalation: the plan, the alert rules, delivery to real servers on 127.0.0.1, and `radar
watch` replaying a Saturday crisis hour by hour, with faults (a webhook that is down, kill -9, a broken file)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from replay_exports import FIRST_REPLY, HISTORY_START, ONSET, write_export
from servers import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookReceiver, wait_for

from pipeline.cli import main
from pipeline.core import db
from pipeline.core.access import command_line_actor
from pipeline.core.settings import load_settings
from pipeline.monitor.alerts import Alert, alert_log, raise_alerts, record_alert
from pipeline.monitor.plan import PlanError, default_plan, load_plan, save_plan, set_path, validate
from pipeline.monitor.targets import crisis_targets, would_have_alerted_at
from pipeline.read.queries import crisis_detail
from pipeline.watch import Watcher, is_temporary

RADAR = str(Path(sys.executable).parent / "radar")


def plan_for(receiver: WebhookReceiver | None = None, smtp: SmtpServer | None = None, **changes) -> dict:
    plan = default_plan()
    plan["retry_seconds"] = 1
    if receiver is not None:
        plan["channels"]["hook"] = {"type": "webhook", "url": receiver.url("/hook")}
        plan["channels"]["slack"] = {"type": "slack", "url": receiver.url("/slack")}
        plan["roles"]["community manager"] = ["hook"]
        plan["roles"]["crisis committee"] = ["slack"]
    if smtp is not None:
        plan["channels"]["mail"] = {"type": "email", "to": ["care-lead@example.com"]}
        plan["roles"]["care lead"] = ["mail"]
        plan["smtp"].update(
            host="127.0.0.1", port=smtp.port, starttls=True, username=SMTP_USER, password_env="RADAR_TEST_SMTP_PASSWORD"
        )
    plan.update(changes)
    return validate(plan)


def new_db(path: Path, plan: dict) -> Path:
    con = db.connect(path)
    save_plan(con, plan)
    con.close()
    return path


# -- the plan --


def test_default_plan_escalates_with_severity():
    plan = default_plan()
    assert validate(plan) == plan
    levels = plan["levels"]
    assert levels["1"]["digest"] and not levels["3"]["digest"] and not levels["4"]["digest"]
    assert "crisis committee" not in levels["2"]["roles"] and "crisis committee" in levels["3"]["roles"]
    targets = [levels[str(n)]["first_response_minutes"] for n in range(1, 5)]
    assert targets == sorted(targets, reverse=True)  # the more severe, the faster
    assert levels["3"]["update_hours"] and levels["4"]["update_hours"] and not levels["2"]["update_hours"]


@pytest.mark.parametrize(
    "change, message",
    [
        ("levels.3.roles=ceo", "no role 'ceo'"),
        ("levels.2.first_response_minutes=-5", "must be between"),
        ("roles.care lead=nowhere", "no channel 'nowhere'"),
        ('channels.x={"type": "pigeon"}', "type must be one of"),
        ('channels.x={"type": "email", "to": ["not an address"]}', "e-mail addresses"),
        ('channels.x={"type": "slack", "url": "ftp://x"}', "must start with https://"),
        ('smtp={"password": "hunter2"}', "never stored"),
        ("levels.3.moves=apologise,dance", "'dance' is not one of"),
        ("nonsense=1", "no 'nonsense'"),
    ],
)
def test_plan_refuses_what_is_wrong(change, message):
    with pytest.raises(PlanError, match=message):
        set_path(default_plan(), change)


def test_radar_plan_set_show_reset(tmp_path, capsys):
    path = str(tmp_path / "radar.duckdb")
    db.connect(path).close()
    assert (
        main(
            [
                "plan",
                "set",
                "--db",
                path,
                'channels.ops={"type": "slack", "url": "https://hooks.example/T/B/secret"}',
                "roles.care lead=ops",
                "levels.3.first_response_minutes=20",
            ]
        )
        == 0
    )
    assert main(["plan", "set", "--db", path, "levels.4.holding_minutes=-1"]) == 2
    assert "must be between" in capsys.readouterr().err
    con = db.connect(path, read_only=True)
    plan = load_plan(con)
    assert plan["levels"]["3"]["first_response_minutes"] == 20 and plan["roles"]["care lead"] == ["ops"]
    assert db.get_meta(con, "plan_changed_at")
    con.close()
    assert main(["plan", "show", "--db", path]) == 0
    shown = capsys.readouterr().out
    assert "first response within 20 min" in shown and "secret" not in shown  # webhook addresses are secrets
    plan_file = tmp_path / "plan.json"
    assert main(["plan", "show", "--json", "--unmasked", "--db", path]) == 0
    plan_file.write_text(capsys.readouterr().out)
    assert main(["plan", "reset", "--db", path]) == 0
    assert main(["plan", "set", "--db", path, str(plan_file)]) == 0
    con = db.connect(path, read_only=True)
    assert load_plan(con)["channels"]["ops"]["url"].endswith("/secret")
    con.close()


# -- rules and outbox --


def _alert(key: str, severity: int | None, rule: str = "crisis", brand: str = "acme", minutes: int = 0) -> Alert:
    at = datetime(2026, 11, 14, 12, tzinfo=UTC) + timedelta(minutes=minutes)
    return Alert(
        key=key, rule=rule, subject=key, body=key, roles=["community manager"], as_of=at, brand=brand, severity=severity
    )


def test_outbox_keys_cool_down_and_digest(tmp_path):
    con = db.connect(tmp_path / "radar.duckdb")
    plan = validate(
        {
            **default_plan(),
            "channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/h"}},
            "roles": {**default_plan()["roles"], "community manager": ["hook"]},
        }
    )
    assert record_alert(con, _alert("a", 2), plan) == "queued"
    assert record_alert(con, _alert("a", 2), plan) is None  # the same key is never raised twice
    assert record_alert(con, _alert("b", 2, minutes=30), plan) == "held"  # cool-down per rule and brand
    assert record_alert(con, _alert("c", 2, brand="other", minutes=30), plan) == "queued"
    assert record_alert(con, _alert("d", 3, minutes=31), plan) == "queued"  # severity 3-4: never held back
    assert record_alert(con, _alert("e", 2, minutes=200), plan) == "queued"  # after the cool-down
    digest = _alert("f", 1, brand="third")
    digest.digest = True
    assert record_alert(con, digest, plan) == "queued"
    due = db.scalar(con, "SELECT next_attempt_at FROM alert_deliveries WHERE alert_key = 'f'")
    assert due > datetime.now(UTC) and due.astimezone(UTC).strftime("%H:%M") == "09:00"
    no_channel = validate(default_plan())
    assert record_alert(con, _alert("g", 3, brand="x"), no_channel) == "no channel"
    states = dict(zip(*[alert_log(con)[c] for c in ("alert_key", "state")]))
    assert states["b"] == "held" and states["g"] == "no channel" and states["a"] == "pending"
    con.close()


def _replay_db(tmp_path: Path, hours_after_onset: int, plan: dict | None = None) -> Path:
    """A database loaded by the watcher (replay clock) with the history and the crisis hour by hour."""
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    path = new_db(tmp_path / "radar.duckdb", plan or default_plan())
    watcher = Watcher(folder, path, settle=0, replay=True, log=lambda line: None)
    write_export(folder / "history.csv", HISTORY_START, ONSET - timedelta(hours=1))
    watcher.run_pass()
    for h in range(-1, hours_after_onset):
        start = ONSET + timedelta(hours=h)
        write_export(folder / f"hour_{start:%Y%m%d%H}.csv", start, start + timedelta(hours=1))
        watcher.run_pass()
    return path


def test_targets_and_when_radar_would_have_alerted(tmp_path):
    path = _replay_db(tmp_path, 8)
    con = db.connect(path, read_only=True)
    (crisis_id,) = con.execute("SELECT crisis_id FROM crises").fetchone()
    crisis = crisis_detail(con, crisis_id)
    assert crisis["started_at"] == ONSET
    plan = load_plan(con)
    as_of = db.scalar(con, "SELECT max(created_at) FROM fct_posts")
    targets = {t.key: t for t in crisis_targets(con, crisis, plan, as_of)}
    level = plan["levels"][str(crisis["severity"])]
    holding = targets["holding"]
    # the brand's first statement that explains comes three hours after the onset: later than any level allows
    assert holding.state == "missed" and holding.done_at >= FIRST_REPLY
    assert holding.due_at == ONSET + timedelta(minutes=level["holding_minutes"])
    assert "missed by" in holding.text(as_of)
    alerted = would_have_alerted_at(con, crisis, load_settings(con))
    assert alerted == ONSET + timedelta(hours=1)  # the first hour of the storm is enough (an emerging crisis)
    con.close()


def test_backfill_of_old_history_is_listed_not_sent(tmp_path):
    receiver = WebhookReceiver()
    with receiver:
        path = new_db(tmp_path / "radar.duckdb", plan_for(receiver))
        folder = tmp_path / "old"
        folder.mkdir()
        write_export(folder / "last_year.csv", HISTORY_START, ONSET + timedelta(hours=12))
        # the wall clock: these posts are from the past, however the crisis looks in them
        assert main(["watch", str(folder), "--once", "--settle", "0", "--db", str(path)]) == 0
        con = db.connect(path, read_only=True)
        log = alert_log(con)
        con.close()
        crisis_alerts = log[log.rule == "crisis"]
        assert len(crisis_alerts) == 1 and crisis_alerts.iloc[0]["state"] == "history"
        assert not (log.rule == "target_missed").any()
        assert receiver.bodies() == []


def test_weekend_without_exports_raises_a_blind_spot_not_a_crisis(tmp_path):
    receiver = WebhookReceiver()
    with receiver:
        path = new_db(tmp_path / "radar.duckdb", plan_for(receiver))
        folder = tmp_path / "exports"
        folder.mkdir()
        friday = ONSET - timedelta(hours=20)  # Friday 18:00
        write_export(folder / "until_friday.csv", HISTORY_START, friday, crisis=False)
        assert main(["watch", str(folder), "--once", "--replay", "--settle", "0", "--db", str(path)]) == 0
        monday = friday + timedelta(hours=62)
        write_export(folder / "monday.csv", monday, monday + timedelta(hours=2), crisis=False)
        assert main(["watch", str(folder), "--once", "--replay", "--settle", "0", "--db", str(path)]) == 0
        rules = [body.get("rule") for body in receiver.bodies()]
        assert rules.count("blind_spot") == 1, rules
        assert "crisis" not in rules and "severity_rise" not in rules
        (hole,) = [body for body in receiver.bodies() if body.get("rule") == "blind_spot"]
        assert hole["facts"]["hours"] > 26 and "no posts" in hole["subject"]


def test_broken_file_among_good_ones(tmp_path, capsys):
    receiver = WebhookReceiver()
    with receiver:
        path = new_db(tmp_path / "radar.duckdb", plan_for(receiver))
        folder = tmp_path / "exports"
        folder.mkdir()
        write_export(folder / "a_good.csv", HISTORY_START, HISTORY_START + timedelta(days=2), crisis=False)
        (folder / "b_broken.csv").write_bytes(b"\x00\x01\x02 not an export \xff\xfe" * 50)
        write_export(
            folder / "c_good.csv", HISTORY_START + timedelta(days=2), HISTORY_START + timedelta(days=3), crisis=False
        )
        (folder / "d_download.csv.crdownload").write_text("post_id,text\n1,half")
        (folder / "~$e_open_in_excel.csv").write_text("lock")
        args = ["watch", str(folder), "--once", "--settle", "0", "--replay", "--db", str(path)]
        assert main(args) == 1  # a file failed
        err = capsys.readouterr()
        assert "b_broken.csv" in err.out and "Traceback" not in err.out + err.err
        assert main(args) == 0  # the broken file is not retried
        con = db.connect(path, read_only=True)
        files = dict(con.execute("SELECT path, state FROM watch_files").fetchall())
        imports = db.scalar(con, "SELECT count(*) FROM imports")
        failed = alert_log(con).query("rule == 'import_failed'")
        con.close()
        assert sorted(Path(p).name for p in files) == ["a_good.csv", "b_broken.csv", "c_good.csv"]
        assert files[str(folder / "b_broken.csv")] == "failed" and imports == 2
        assert len(failed) == 1 and [b.get("rule") for b in receiver.bodies()].count("import_failed") == 1
        # the same bytes under another name are stored already: not imported again
        (folder / "a_copy.csv").write_bytes((folder / "a_good.csv").read_bytes())
        assert main(args) == 0
        con = db.connect(path, read_only=True)
        assert db.scalar(con, "SELECT count(*) FROM imports") == 2
        con.close()


def test_temporary_names_are_ignored():
    for name in ["x.csv.part", "x.crdownload", "x.tmp", "~$x.csv", ".x.csv.swp", ".hidden.csv"]:
        assert is_temporary(Path(name)), name
    assert not is_temporary(Path("mentions_2026-11-14.csv"))


def test_a_growing_file_waits_for_the_next_pass(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    path = new_db(tmp_path / "radar.duckdb", default_plan())
    write_export(folder / "fresh.csv", HISTORY_START, HISTORY_START + timedelta(days=1), crisis=False)
    watcher = Watcher(folder, path, settle=30, log=lambda line: None)
    assert watcher.run_pass().imported == []  # written just now: it may still be growing
    os.utime(folder / "fresh.csv", (time.time() - 60, time.time() - 60))
    assert len(watcher.run_pass().imported) == 1


def test_webhook_down_then_up_gets_each_alert_once(tmp_path):
    receiver = WebhookReceiver()
    path = _replay_db(tmp_path, 0, plan_for(receiver))  # the receiver is not listening yet
    folder = tmp_path / "exports"
    watcher = Watcher(folder, path, settle=0, replay=True, log=lambda line: None)
    for h in range(0, 4):
        start = ONSET + timedelta(hours=h)
        write_export(folder / f"hour_{start:%Y%m%d%H}.csv", start, start + timedelta(hours=1))
        watcher.run_pass()
    con = db.connect(path, read_only=True)
    log = alert_log(con)
    con.close()
    raised = set(log[log.state == "retrying"].alert_key)
    assert raised and set(log.state) <= {"retrying", "no channel"}
    assert "refused" in " ".join(log.channels.dropna()).lower()
    with receiver:
        time.sleep(1.5)
        for _ in range(6):  # retries back off; keep passing until all went
            watcher.run_pass()
            con = db.connect(path, read_only=True)
            pending = db.scalar(con, "SELECT count(*) FROM alert_deliveries WHERE state <> 'sent'")
            con.close()
            if not pending:
                break
            time.sleep(2)
        watcher.run_pass()
    assert pending == 0
    for channel in ("/hook", "/slack"):
        keys = receiver.keys(channel)
        assert sorted(keys) == sorted(set(keys))  # each alert exactly once per channel
    assert {body["key"] for body in receiver.bodies("/hook")} == raised


class _Output:
    """Lines a process prints, collected by a thread."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process):
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))


def _watch_process(folder: Path, path: Path, env: dict) -> tuple[subprocess.Popen, _Output]:
    process = subprocess.Popen(
        [RADAR, "watch", str(folder), "--interval", "0.3", "--settle", "0.2", "--replay", "--db", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    return process, _Output(process)


def test_replay_of_a_saturday_crisis_reaches_smtp_and_webhooks(tmp_path):
    receiver = WebhookReceiver()
    smtp = SmtpServer(tmp_path)
    env = {**os.environ, "SSL_CERT_FILE": str(smtp.cert), "RADAR_TEST_SMTP_PASSWORD": SMTP_PASSWORD}
    with receiver, smtp:
        path = new_db(tmp_path / "radar.duckdb", plan_for(receiver, smtp))
        folder = tmp_path / "synced"
        folder.mkdir()
        write_export(folder / "history.csv", HISTORY_START, ONSET - timedelta(hours=2))  # with a campaign spike
        process, output = _watch_process(folder, path, env)
        try:
            wait_for(lambda: output.count("pass done") >= 1, 120, what="the history import")
            crisis_file = None
            for h in range(-2, 8):
                start = ONSET + timedelta(hours=h)
                name = f"mentions_{start:%Y%m%d_%H}.csv"
                passes = output.count("pass done")
                write_export(folder / name, start, start + timedelta(hours=1))
                wait_for(
                    lambda name=name, passes=passes: (
                        output.count(f"{name}: ") >= 2 and output.count("pass done") > passes
                    ),
                    60,
                    what=f"{name} to be imported",
                )
                rules = [body["rule"] for body in receiver.bodies("/hook")]
                if h < 0:
                    assert rules == [], f"an alert before the onset: {receiver.bodies('/hook')}"
                if crisis_file is None and "crisis" in rules:
                    crisis_file = h
            assert crisis_file in (0, 1), f"the crisis alert came after file {crisis_file} past the onset"
            # the care lead is told from severity 3: by e-mail, when the crisis rises to it
            wait_for(
                lambda: any(m["Subject"].strip().startswith("[Radar] Severity up") for m in smtp.messages),
                30,
                what="the severity e-mail",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        assert process.returncode == 0, "\n".join(output.lines[-20:])
        hook = receiver.bodies("/hook")
        (crisis,) = [body for body in hook if body["rule"] == "crisis"]
        assert crisis["severity"] >= 2 and crisis["facts"]["reasons"] and crisis["facts"]["examples"]
        assert "/crises?crisis=" in crisis["link"]
        assert any(body["rule"] == "severity_rise" for body in hook), [b["subject"] for b in hook]
        missed = [body for body in hook if body["rule"] == "target_missed"]
        assert missed and all(body["facts"]["late_minutes"] > 0 for body in missed)
        # a missed target also goes to the next level's roles: the crisis committee's Slack channel
        assert any(body["text"].startswith("*[Radar] Missed") for body in receiver.bodies("/slack"))
        mail = [m for m in smtp.messages if m["To"] == "care-lead@example.com"]
        assert any("Why this severity" in m.get_content() for m in mail)
        for channel in ("/hook", "/slack"):
            keys = receiver.keys(channel)
            assert len(keys) == len(set(keys))  # nothing sent twice


def test_kill_9_during_an_import_loses_and_repeats_nothing(tmp_path):
    receiver = WebhookReceiver()
    with receiver:
        path = new_db(tmp_path / "radar.duckdb", plan_for(receiver))
        folder = tmp_path / "synced"
        folder.mkdir()
        write_export(folder / "a_history.csv", HISTORY_START, ONSET - timedelta(hours=1))
        for h in range(-1, 3):
            start = ONSET + timedelta(hours=h)
            write_export(folder / f"b_{start:%Y%m%d_%H}.csv", start, start + timedelta(hours=1))
        expected = sum(sum(1 for _ in open(f)) - 1 for f in folder.glob("*.csv"))
        process, output = _watch_process(folder, path, dict(os.environ))
        wait_for(lambda: output.count("importing") >= 1, 60, what="the first import to start")
        time.sleep(0.3)
        process.kill()  # kill -9, in the middle of the first import
        process.wait(10)
        process, output = _watch_process(folder, path, dict(os.environ))
        try:
            wait_for(
                lambda: any(b.get("rule") == "crisis" for b in receiver.bodies()) and output.count("pass done"),
                120,
                what="the restarted watcher to finish",
            )
            time.sleep(1.5)  # a few more passes: nothing more may arrive
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(30)
        con = db.connect(path, read_only=True)
        posts = db.scalar(con, "SELECT count(*) FROM fct_posts")
        imports = db.scalar(con, "SELECT count(*) FROM imports")
        sent = db.scalar(con, "SELECT count(*) FROM alert_deliveries WHERE state = 'sent'")
        con.close()
        assert posts == expected and imports == 5
        keys = [(r["path"], r["key"]) for r in receiver.received]
        assert len(keys) == len(set(keys)) == sent


def test_radar_alerts_and_alert_test(tmp_path, capsys):
    receiver = WebhookReceiver()
    with receiver:
        path = _replay_db(tmp_path, 2, plan_for(receiver))
        assert main(["alerts", "--db", str(path), "--json"]) == 0
        alerts = json.loads(capsys.readouterr().out)
        assert {"crisis", "target_missed"} <= {a["rule"] for a in alerts}
        assert all(a["state"] == "sent" for a in alerts if a["rule"] == "crisis")
        assert main(["alerts", "--db", str(path)]) == 0
        assert "[Radar] Crisis" in capsys.readouterr().out
        assert main(["alert-test", "hook", "--db", str(path)]) == 0
        assert receiver.bodies()[-1]["rule"] == "test"
        assert main(["alert-test", "pager", "--db", str(path)]) == 1
        assert "no channel 'pager'" in capsys.readouterr().err
        receiver.down()
        assert main(["alert-test", "hook", "--db", str(path)]) == 1
        assert "cannot reach 127.0.0.1" in capsys.readouterr().err
        receiver.up()


def test_smtp_password_missing_is_a_clear_failure(tmp_path, capsys):
    smtp = SmtpServer(tmp_path)
    with smtp:
        path = new_db(tmp_path / "radar.duckdb", plan_for(smtp=smtp))
        os.environ.pop("RADAR_TEST_SMTP_PASSWORD", None)
        assert main(["alert-test", "mail", "--db", str(path)]) == 1
        assert "RADAR_TEST_SMTP_PASSWORD" in capsys.readouterr().err


def test_acknowledge_and_decision_log(tmp_path, capsys):
    path = _replay_db(tmp_path, 2)
    con = db.connect(path, read_only=True)
    (crisis_id,) = con.execute("SELECT crisis_id FROM crises").fetchone()
    con.close()
    assert main(["crisis-log", crisis_id, "--ack", "--by", "  ", "--db", str(path)]) == 1
    assert "give your name" in capsys.readouterr().err
    assert main(["crisis-log", crisis_id, "--ack", "--by", "Ana (care lead)", "--db", str(path)]) == 0
    assert (
        main(
            [
                "crisis-log",
                crisis_id,
                "--decision",
                "Pull Blend Pro jars from sale",
                "--by",
                "Committee",
                "--db",
                str(path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.index("acknowledged") < out.index("Pull Blend Pro jars")
    assert main(["crisis-log", "nope:20260101T00", "--ack", "--by", "x", "--db", str(path)]) == 1
    assert main(["crisis-log", crisis_id, "--decision", "Hold the campaign", "--db", str(path)]) == 0
    con = db.connect(path, read_only=True)
    log = alert_log(con, crisis_id=crisis_id)
    assert (log.acknowledged_by == "Ana (care lead)").all()
    # without --by, the entry is the command line user's
    assert con.execute("SELECT by_name FROM crisis_log WHERE entry = 'Hold the campaign'").fetchall() == [
        (command_line_actor(),)
    ]
    con.close()


def test_open_live_crises_feed_the_overview_banner(tmp_path):
    from pipeline.monitor.alerts import open_live_crises

    path = _replay_db(tmp_path, 4)
    con = db.connect(path, read_only=True)
    live = open_live_crises(con, now=ONSET + timedelta(hours=5))
    assert list(live["brand"]) == ["acmehelp"] and live.iloc[0]["acknowledged_by"] is None
    assert open_live_crises(con, now=ONSET + timedelta(days=30)).empty  # old news: no banner
    con.close()


def test_a_pipe_or_device_named_like_an_export_is_never_read(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    os.mkfifo(folder / "pipe.csv")  # opening it would wait for a writer for ever
    (folder / "zero.csv").symlink_to("/dev/zero")  # reading it would never end
    path = new_db(tmp_path / "radar.duckdb", default_plan())
    report = Watcher(folder, path, settle=0, log=lambda line: None).run_pass()
    assert report.imported == [] and report.failed == []


@pytest.mark.parametrize(
    "change, message",
    [
        ('channels.x={"type": "slack", "url": "https://x"', "not valid JSON"),
        ("monitoring_roles=[]", "at least one role"),
        ('channels.x={"type": "slack", "url": "https://x", "extra": 1}', "unknown part 'extra'"),
        ("smtp.sender=nobody", "not an e-mail address"),
    ],
)
def test_plan_refuses_more_of_what_is_wrong(change, message):
    with pytest.raises(PlanError, match=message):
        set_path(default_plan(), change)


def test_plan_keeps_a_channel_a_role_uses_and_wants_a_whole_plan_file(tmp_path, capsys):
    plan = set_path(
        set_path(default_plan(), 'channels.x={"type": "slack", "url": "https://hooks.example/a"}'), "roles.care lead=x"
    )
    with pytest.raises(PlanError, match="used by care lead"):
        set_path(plan, "channels.x=null")
    assert set_path(plan, "roles.new role=x")["roles"]["new role"] == ["x"]
    path = str(tmp_path / "radar.duckdb")
    db.connect(path).close()
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    assert main(["plan", "set", str(empty), "--db", path]) == 2
    assert "whole plan" in capsys.readouterr().err


def test_crisis_log_takes_an_acknowledgement_and_a_decision_at_once(tmp_path, capsys):
    path = _replay_db(tmp_path, 2)
    con = db.connect(path, read_only=True)
    (crisis_id,) = con.execute("SELECT crisis_id FROM crises").fetchone()
    con.close()
    assert (
        main(["crisis-log", crisis_id, "--ack", "--decision", "Pause the ads", "--by", "Ana", "--db", str(path)]) == 0
    )
    out = capsys.readouterr().out
    assert "acknowledged" in out and "Pause the ads" in out
    assert main(["crisis-log", crisis_id, "--decision", "", "--by", "Ana", "--db", str(path)]) == 2
    assert main(["crisis-log", crisis_id, "--decision", "x\x1b[31m", "--by", "Ana", "--db", str(path)]) == 1
    assert main(["crisis-log", "nope:20200101T00", "--db", str(path)]) == 1
    assert "no crisis" in capsys.readouterr().err


def test_a_dead_channel_costs_one_try_per_pass_and_keeps_the_order(tmp_path):
    from pipeline.monitor.notify import Due, Message, send_all

    receiver = WebhookReceiver()
    with receiver:
        plan = validate(
            {
                **default_plan(),
                "channels": {
                    "dead": {"type": "webhook", "url": "http://127.0.0.1:1/nobody"},
                    "live": {"type": "webhook", "url": receiver.url("/live")},
                },
            }
        )
        due = [
            Due(channel, (f"{channel}{i}",), 0, Message(f"{channel}{i}", "s", "b", None, {"key": f"{channel}{i}"}))
            for channel in ("dead", "live")
            for i in range(3)
        ]
        results = {item.keys[0]: error for item, error in send_all(plan, due)}
        assert [body["key"] for body in receiver.bodies("/live")] == ["live0", "live1", "live2"]
    assert results["live0"] is None and "cannot reach" in results["dead0"]
    assert results["dead1"].startswith("not tried: cannot reach") and results["dead2"].startswith("not tried")


def test_a_first_statement_after_the_recovery_is_no_error(monkeypatch):
    import pipeline.monitor.targets as targets

    started = ONSET
    back = ONSET + timedelta(hours=5)
    monkeypatch.setattr(targets, "statements", lambda con, crisis: [(back + timedelta(hours=1), "twitter", "1")])
    crisis = {
        "crisis_id": "acme:x",
        "brand": "acme",
        "severity": 3,
        "started_at": started,
        "first_brand_response_at": started + timedelta(minutes=10),
        "back_to_baseline_at": back,
        "replies_in_data": True,
    }
    found = {t.kind: t for t in crisis_targets(None, crisis, default_plan(), back + timedelta(days=1))}
    assert found["first_response"].state == "met" and found["holding"].state == "missed"
    assert "update" not in found and "updates" not in found


def test_text_from_the_data_cannot_break_a_header_or_ping_a_channel():
    from pipeline.monitor.notify import Message, send

    receiver = WebhookReceiver()
    with receiver:
        plan = validate(
            {
                **default_plan(),
                "channels": {
                    "hook": {"type": "webhook", "url": receiver.url("/h")},
                    "slack": {"type": "slack", "url": receiver.url("/s")},
                },
            }
        )
        message = Message(
            "crisis:Škoda\n:1",
            "Crisis for Škoda",
            "<!channel> see <https://evil|lumo.com>",
            None,
            {"key": "crisis:Škoda"},
        )
        send(plan, "hook", message)
        send(plan, "slack", message)
        assert receiver.keys("/h") == ["crisis:%C5%A0koda%0A:1"]
        (slack,) = receiver.bodies("/s")
    assert "<!channel>" not in slack["text"] and "&lt;!channel&gt;" in slack["text"]


def test_a_competitors_crisis_is_news_for_the_monitoring_roles_not_a_task(tmp_path):
    from pipeline.core.brands import set_role

    path = _replay_db(tmp_path, 8)
    con = db.connect(path)
    (brand,) = con.execute("SELECT brand FROM crises").fetchone()
    ours = {row[0] for row in con.execute("SELECT rule FROM alerts WHERE brand = ?", [brand]).fetchall()}
    assert "crisis" in ours and ours & {"target_due", "target_missed"}  # as our brand: a crisis with targets
    con.execute("DELETE FROM alert_deliveries")
    con.execute("DELETE FROM alerts")
    set_role(con, brand, "competitor")
    raise_alerts(con, replay=True)
    rows = con.execute("SELECT rule, roles, subject, body, digest FROM alerts WHERE brand = ?", [brand]).fetchall()
    assert {row[0] for row in rows} == {"competitor_crisis"}
    rule, roles, subject, body, digest = rows[0]
    assert roles == load_plan(con)["monitoring_roles"] and not digest
    assert subject.startswith("[Radar] Competitor crisis:") and "no action is expected" in body
    assert "The plan for severity" not in body
    con.close()


# -- the language of alerts (issue 20) --


def test_plan_names_the_language_of_a_channel_or_a_role():
    from pipeline.monitor.plan import delivery_locale, describe

    plan = set_path(default_plan(), 'channels.ops={"type": "slack", "url": "https://hooks.example/a", "locale": "es"}')
    plan = set_path(set_path(plan, "roles.care lead=ops"), "role_locales.crisis committee=pl")
    assert plan["channels"]["ops"]["locale"] == "es" and plan["role_locales"] == {"crisis committee": "pl"}
    assert delivery_locale(plan, "ops", "care lead", "en") == "es"  # the channel's language first
    plan = set_path(plan, "roles.crisis committee=ops")
    plan = set_path(plan, "channels.ops.locale=null")
    assert "locale" not in plan["channels"]["ops"]
    assert delivery_locale(plan, "ops", "crisis committee", "en") == "pl"  # then the role's
    assert delivery_locale(plan, "ops", "care lead", "es") == "es"  # then the database's
    assert delivery_locale(plan, "ops", "care lead") == "en"  # else English
    assert any("Polski" in line for line in describe(plan))
    with pytest.raises(PlanError, match=r"channels\.ops\.locale: \"fr\" .*en, es, pl"):
        set_path(plan, "channels.ops.locale=fr")
    with pytest.raises(PlanError, match=r"role_locales\.care lead: \"de\" .*en, es, pl"):
        set_path(plan, "role_locales.care lead=de")
    with pytest.raises(PlanError, match="role_locales: there is no role 'ceo'"):
        set_path(plan, "role_locales.ceo=es")
    # a role taken out takes its language with it
    bare = set_path(
        set_path(set_path(plan, "levels.3.roles=care lead"), "levels.4.roles=care lead"), "roles.crisis committee=null"
    )
    assert "crisis committee" not in bare["role_locales"]


def test_each_delivery_is_written_in_its_channels_or_roles_language(tmp_path, monkeypatch):
    from dataclasses import replace

    from pipeline.core.i18n import use_locale
    from pipeline.core.settings import save_settings
    from pipeline.monitor.alerts import alert_text, alerts_in_words
    from pipeline.monitor.notify import due_messages, record_results, send_all

    receiver, smtp = WebhookReceiver(), SmtpServer(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp.cert))
    monkeypatch.setenv("RADAR_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    with receiver, smtp:
        plan = plan_for(receiver, smtp)  # hook: community manager; slack: crisis committee; mail: care lead
        plan["channels"]["hook"]["locale"] = "es"  # a channel in Spanish
        plan["channels"]["mail"]["locale"] = "pl"  # a channel in Polish
        plan["channels"]["english"] = {"type": "webhook", "url": receiver.url("/english"), "locale": "en"}
        plan["channels"]["plain"] = {"type": "webhook", "url": receiver.url("/plain")}  # the database's language
        plan["roles"]["community manager"] = ["hook", "english", "plain"]
        plan["role_locales"] = {"crisis committee": "pl"}  # a role in Polish: its Slack channel names none
        plan = validate(plan)
        con = db.connect(tmp_path / "radar.duckdb")
        save_plan(con, plan)
        save_settings(con, replace(load_settings(con), locale="es"))  # the database's default: Spanish
        as_of = datetime(2026, 11, 14, 12, tzinfo=UTC)
        facts = {
            "waiting": 1234,
            "oldest_at": as_of - timedelta(hours=5, minutes=30),
            "oldest_post_id": "1",
            "most_exposed_post_id": "2",
            "exposure": 56789,
            "oldest_text": "where is my order?",
            "most_exposed_text": "still nothing from @acme",
            "recent_hours": 72,
        }
        stored = json.loads(json.dumps(facts, default=str))
        with use_locale("es"):  # the alert log keeps the database's language
            subject, body = alert_text("waiting", "acme", None, stored, as_of)
        assert "1.234" in subject and "56.789" in body
        alert = Alert(
            key="waiting:acme:1",
            rule="waiting",
            subject=subject,
            body=body,
            roles=["community manager", "care lead", "crisis committee"],
            as_of=as_of,
            brand="acme",
            facts=facts,
        )
        assert record_alert(con, alert, plan) == "queued"
        counts = record_results(con, send_all(plan, due_messages(con, plan=plan)), plan=plan)
        assert counts == {"sent": 5, "failed": 0}, alert_log(con)[["alert_key", "channels"]].to_dict("records")
        (spanish,) = receiver.bodies("/hook")
        assert spanish["locale"] == "es" and "1.234" in spanish["subject"] and "56.789" in spanish["text"]
        assert "sáb 14 nov 2026, 06:30 UTC" in spanish["text"] and "5,5 h" in spanish["text"]
        assert spanish["key"] == "waiting:acme:1" and set(spanish["facts"]) >= {"waiting", "oldest_at"}
        (default,) = receiver.bodies("/plain")
        assert default["locale"] == "es" and default["subject"] == spanish["subject"]
        (english,) = receiver.bodies("/english")
        assert english["locale"] == "en" and english["subject"] == "[Radar] 1,234 posts waiting past the SLA for acme"
        assert "Sat 14 Nov 2026, 06:30 UTC" in english["text"] and "56,789" in english["text"]
        (slack,) = receiver.bodies("/slack")  # the role's language: Polish
        assert "1\xa0234" in slack["text"] and "56\xa0789" in slack["text"] and "sob., 14 lis 2026" in slack["text"]
        (mail,) = smtp.messages  # the channel's language: Polish, its number's no-break space kept in the subject
        assert mail["To"] == "care-lead@example.com" and "1\xa0234" in str(mail["Subject"])
        assert "56\xa0789" in mail.get_content() and "5,5 h" in mail.get_content()
        # the dashboard's log: stored in the database's language, shown in the reader's
        log = alert_log(con, facts=True)
        assert log.iloc[0]["subject"] == spanish["subject"]
        with use_locale("pl"):
            shown = alerts_in_words(log)
        assert "1\xa0234" in shown.iloc[0]["subject"] and "facts" not in shown.columns
        con.close()


def test_alerts_are_written_in_each_language_from_the_watchers_data(tmp_path):
    from dataclasses import replace

    from pipeline.core.i18n import use_locale
    from pipeline.core.settings import save_settings
    from pipeline.monitor.alerts import alert_text

    path = _replay_db(tmp_path, 8)
    con = db.connect(path)
    save_settings(con, replace(load_settings(con), locale="pl"))
    con.execute("DELETE FROM alert_deliveries")
    con.execute("DELETE FROM alerts")
    raise_alerts(con, replay=True)  # stored in the database's language: Polish
    rows = con.execute("SELECT rule, brand, severity, facts, as_of, subject, body FROM alerts").fetchall()
    assert {"crisis", "target_missed"} <= {row[0] for row in rows}
    for rule, brand, severity, facts, as_of, subject, body in rows:
        with use_locale("pl"):
            assert alert_text(rule, brand, severity, json.loads(facts), as_of) == (subject, body), rule
        for code in ("en", "es"):
            with use_locale(code):
                text = alert_text(rule, brand, severity, json.loads(facts), as_of)
            assert text is not None and text[0].startswith("[Radar] "), (code, rule)
        if rule == "crisis":
            assert " lis 2026" in body  # Polish month names in the stored log
            with use_locale("en"):
                english = alert_text(rule, brand, severity, json.loads(facts), as_of)[1]
            assert "Why this severity" in english and " Nov 2026, " in english
    con.close()
