"""Sign-in and roles: the access rules (``pipeline.core.access``), the dashboard's gate, what a viewer and an editor
are offered (AppTest with a signed-in ``st.user``), and who each change is recorded as. The whole sign-in through
a real OpenID Connect provider is in tests/test_browser.py."""

from __future__ import annotations

import json

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pipeline import cli
from pipeline.core import db
from pipeline.core.access import AccessError, AccessRules, acting_as, command_line_actor, person_name, role_of
from tests.conftest import ROOT
from tests.test_app import APP, clear_caches, open_page  # noqa: F401 -- clear_caches is an autouse fixture

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-secret-of-32-bytes-or-more",
    "client_id": "radar",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ACCESS = {"editors": ["ana@lumo.example", "groups:radar-editors"], "viewers": ["@lumo.example"]}
ANA = {"is_logged_in": True, "email": "ana@lumo.example", "email_verified": True, "sub": "ana"}
VIC = {"is_logged_in": True, "email": "vic@lumo.example", "sub": "vic"}
ZED = {"is_logged_in": True, "email": "zed@elsewhere.example", "sub": "zed"}
CRISIS = "lumohelp:20261024T14"


@pytest.mark.parametrize(
    "claims, role",
    [
        ({"email": "ana@lumo.example"}, "editor"),
        ({"email": "ANA@Lumo.Example"}, "editor"),  # addresses are matched without case
        ({"email": "vic@lumo.example"}, "viewer"),  # the domain
        ({"email": "vic@notlumo.example"}, None),  # a domain is matched whole, not as a suffix of another
        ({"email": "zed@elsewhere.example"}, None),
        ({"email": "zed@elsewhere.example", "groups": ["radar-editors", "x"]}, "editor"),  # a claim's list
        ({"email": "zed@elsewhere.example", "groups": "radar-editors"}, "editor"),  # a claim's text
        ({"email": "ana@lumo.example", "email_verified": False}, None),  # an unverified address proves nothing
        ({"email": "ana@lumo.example", "email_verified": "false"}, None),
        ({"sub": "ana"}, None),  # no address, no claim
        ({}, None),
    ],
)
def test_a_role_comes_from_the_access_list(claims, role):
    rules = AccessRules.from_mapping(ACCESS)
    assert role_of(rules, claims) == role


@pytest.mark.parametrize(
    "section, message",
    [
        ({"editor": ["ana@lumo.example"]}, "unknown key 'editor'"),
        ({"editors": ["ana"]}, "'ana' is not an e-mail address"),
        ({"viewers": ["lumo.example"]}, "'lumo.example' is not"),
        ({"viewers": {"a": 1}}, "must be a list"),
    ],
)
def test_an_access_list_that_cannot_be_understood_is_refused(section, message):
    with pytest.raises(AccessError, match=message):
        AccessRules.from_mapping(section)


def test_an_empty_access_list_lets_nobody_in():
    rules = AccessRules.from_mapping({})
    assert rules.is_empty and role_of(rules, {"email": "ana@lumo.example"}) is None


def signed_in(monkeypatch, database, user: dict, page: str | None = None, *, access=ACCESS, **params) -> AppTest:
    """``open_page`` with sign-in configured (and ``access`` as the access list, unless None) and ``user``."""
    secrets = {"auth": AUTH, **({"access": access} if access is not None else {})}
    return open_page(monkeypatch, database, page, secrets=secrets, user=user, **params)


def submit_labels(app: AppTest) -> list[str]:
    return [b.proto.label for b in app.get("form_submit_button")]


def test_without_sign_in_configured_the_dashboard_is_open(monkeypatch, demo_db):
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("pages/data.py")
    app.run()
    assert not app.exception and "Load" in submit_labels(app)


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in(monkeypatch, demo_db):
    app = signed_in(monkeypatch, demo_db, {"is_logged_in": False})
    assert [t.value for t in app.title] == ["Reputation Radar"]
    assert [b.label for b in app.button] == ["Sign in"]
    assert not app.dataframe and not app.get("plotly_chart") and not app.sidebar.multiselect
    for page in ("pages/data.py", "pages/threads.py", "pages/overview.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered: no URL reaches it
            app.switch_page(page)


def test_a_deep_link_shows_the_sign_in_and_nothing_of_the_crisis(monkeypatch, demo_db):
    app = signed_in(monkeypatch, demo_db, {"is_logged_in": False}, crisis=CRISIS, thread="twitter:1")
    assert [b.label for b in app.button] == ["Sign in"]
    page_text = " ".join(str(m.value) for m in app.markdown)
    assert "Lumo" not in page_text and not app.dataframe


def test_named_providers_each_get_a_button(monkeypatch, demo_db):
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = {
        "redirect_uri": AUTH["redirect_uri"],
        "cookie_secret": AUTH["cookie_secret"],
        "okta": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")},
        "google": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")},
    }
    app.secrets["access"] = ACCESS
    app.user = {"is_logged_in": False}
    app.run()
    assert sorted(b.label for b in app.button) == ["Sign in with google", "Sign in with okta"]


@pytest.mark.parametrize(
    "access, says",
    [
        (ACCESS, "no access to this dashboard"),
        ({"editors": ["not an address"]}, "access list cannot be read"),
        (None, "has no access list yet"),  # no [access] section: nobody is let in
    ],
)
def test_a_signed_in_stranger_is_refused_everywhere(monkeypatch, demo_db, access, says):
    app = signed_in(monkeypatch, demo_db, ZED, access=access)
    assert any(says in e.value.replace("\\", "") for e in app.error)
    assert [b.label for b in app.button] == ["Sign out"] and not app.dataframe
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/data.py")


def test_a_viewer_reads_every_page_but_is_offered_no_change(monkeypatch, demo_db):
    app = signed_in(monkeypatch, demo_db, VIC)
    assert any("vic@" in c.value and "viewer" in c.value for c in app.sidebar.caption)
    for page, params in [
        ("pages/data.py", {}),
        ("pages/threads.py", {"thread": _a_thread(demo_db)}),
        ("pages/crises.py", {"crisis": CRISIS}),
        ("pages/sentiment.py", {}),
        ("pages/responses.py", {}),
        ("pages/reports.py", {}),
    ]:
        app = signed_in(monkeypatch, demo_db, VIC, page, **params)
        assert submit_labels(app) == [], (page, submit_labels(app))
        if page == "pages/threads.py":
            assert "Correcting a label is for editors" in " ".join(c.value for c in app.caption)
        assert not app.get("file_uploader") and not app.get("arrow_data_frame_editor"), page
        editing = [b.label for b in app.button if b.label not in ("Sign out", "Make PDF")]
        assert not [label for label in editing if any(word in label for word in ("Save", "Put back", "Acknowledge"))]
    data = signed_in(monkeypatch, demo_db, VIC, "pages/data.py")
    notes = " ".join(c.value for c in data.caption)
    assert "Loading exports is for editors" in notes and "Changing brands is for editors" in notes
    assert any(d.value.shape[0] for d in data.dataframe), "a viewer still reads the tables"
    reports = signed_in(monkeypatch, demo_db, VIC, "pages/reports.py")
    assert reports.get("download_button"), "a viewer downloads reports"


def test_an_editor_is_offered_every_change(monkeypatch, demo_db):
    app = signed_in(monkeypatch, demo_db, ANA, "pages/data.py")
    assert {"Load", "Save and recompute", "Save the plan", "Set the role"} <= set(submit_labels(app))
    home = signed_in(monkeypatch, demo_db, ANA)
    assert any("ana@" in c.value and "editor" in c.value for c in home.sidebar.caption)
    by_group = signed_in(monkeypatch, demo_db, {**ZED, "groups": ["radar-editors"]}, "pages/data.py")
    assert "Load" in submit_labels(by_group)


def test_a_viewers_write_is_refused_even_when_a_page_asks_for_it(monkeypatch, demo_copy):
    """The last line: ``pages._common.write`` itself refuses anyone who may not edit."""

    def script():  # AppTest runs the function's body alone: it imports what it uses
        import streamlit as st

        from pages._common import write
        from pipeline.core.settings import load_settings, save_settings

        write(lambda con: save_settings(con, load_settings(con).updated(sla_minutes=7)))
        st.success("written")

    monkeypatch.setenv("RADAR_DB", str(demo_copy))
    before = _settings_sla(demo_copy)
    for user, written in [(VIC, False), (ZED, False), (ANA, True)]:
        app = AppTest.from_function(script, default_timeout=60)
        app.secrets["auth"] = AUTH
        app.secrets["access"] = ACCESS
        app.user = user
        app.run()
        assert not app.exception
        assert bool(app.success) == written, user
        if not written:
            assert any("changes are for editors" in e.value for e in app.error)
            assert _settings_sla(demo_copy) == before
    assert _settings_sla(demo_copy) == 7


def _settings_sla(path) -> int:
    stored = _rows(path, "SELECT value FROM radar_meta WHERE key = 'settings'")
    return json.loads(stored[0][0])["sla_minutes"] if stored else 60


def _a_thread(path) -> str:
    platform, thread_id = _rows(
        path, "SELECT platform, thread_id FROM posts WHERE NOT is_brand ORDER BY created_at LIMIT 1"
    )[0]
    return f"{platform}:{thread_id}"


def _rows(path, sql, params=()):
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()


def test_an_editors_changes_are_recorded_as_theirs(monkeypatch, demo_copy):
    app = signed_in(monkeypatch, demo_copy, ANA, "pages/threads.py", thread=_a_thread(demo_copy))
    app.radio(key="threads.correct_label").set_value("positive")
    [b for b in app.get("form_submit_button") if b.proto.label == "Save"][0].click().run()
    assert not app.exception
    assert _rows(demo_copy, "SELECT set_by FROM sentiment_overrides") == [("ana@lumo.example",)]
    app = signed_in(monkeypatch, demo_copy, ANA, "pages/data.py")
    app.number_input(key="data.sla").set_value(45)
    [b for b in app.get("form_submit_button") if b.proto.label == "Save and recompute"][0].click().run()
    assert not app.exception
    changes = _rows(
        demo_copy,
        "SELECT changed_by, action, detail FROM audit_log WHERE changed_by = ? ORDER BY rowid",
        ["ana@lumo.example"],
    )
    assert [action for _, action, _ in changes] == ["label corrected", "settings"]
    assert "sla_minutes 60 -> 45" in changes[1][2]
    app = signed_in(monkeypatch, demo_copy, VIC, "pages/data.py")
    shown = [d.value for d in app.dataframe if "changed_by" in d.value.columns]
    assert shown and "ana@lumo.example" in set(shown[0]["changed_by"]), "the Data page says who changed what"


def test_an_acknowledgement_is_recorded_as_the_signed_in_person(monkeypatch, demo_copy):
    second = _rows(demo_copy, "SELECT crisis_id FROM crises WHERE crisis_id <> ? ORDER BY started_at", [CRISIS])[0][0]
    app = signed_in(monkeypatch, demo_copy, ANA, "pages/crises.py", crisis=second)
    assert not [t for t in app.text_input if t.key and t.key.startswith("room.ack_name")], "the name is not typed"
    [b for b in app.get("form_submit_button") if "Acknowledge" in b.proto.label][0].click().run()
    assert not app.exception
    assert _rows(
        demo_copy, "SELECT by_name FROM crisis_log WHERE crisis_id = ? AND kind = 'acknowledged'", [second]
    ) == [("ana@lumo.example",)]
    assert _rows(
        demo_copy,
        "SELECT changed_by FROM audit_log WHERE action = 'crisis acknowledged' AND detail = ?",
        [f"{second}: by ana@lumo.example"],
    ) == [("ana@lumo.example",)]


def test_the_command_line_records_its_user(tmp_path, capsys):
    database = tmp_path / "radar.duckdb"
    sample = ROOT / "tests" / "samples" / "brand24_mentions.csv"
    assert cli.main(["ingest", str(sample), "--db", str(database)]) == 0
    assert cli.main(["brands", "add", "Kelvo", "--db", str(database)]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "--db", str(database)]) == 0
    out = capsys.readouterr().out.splitlines()
    me = command_line_actor()
    assert me.endswith("(command line)")
    assert len(out) == 2 and all(me in line for line in out)
    assert "brands: added brand 'Kelvo'" in out[0] and "import: imp-000001: brand24_mentions.csv" in out[1]
    assert _rows(database, "SELECT imported_by FROM imports") == [(me,)]
    assert cli.main(["audit", "--db", str(database), "--json", "--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "brands"


def test_a_change_outside_a_transaction_that_fails_records_nothing(tmp_path):
    con = db.connect(tmp_path / "radar.duckdb")
    from pipeline.core.settings import load_settings, save_settings

    con.execute("BEGIN TRANSACTION")
    with acting_as("ana@lumo.example"):
        save_settings(con, load_settings(con).updated(sla_minutes=30))
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0
    with acting_as("ana@lumo.example"):
        save_settings(con, load_settings(con).updated(sla_minutes=30))
    assert con.execute("SELECT changed_by, action FROM audit_log").fetchall() == [("ana@lumo.example", "settings")]
    con.close()


def test_an_older_database_gains_the_audit_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    con.execute("ALTER TABLE imports DROP COLUMN imported_by")
    con.execute("DROP TABLE audit_log")
    db.set_meta(con, "schema_version", "9")
    con.close()
    con = db.connect(path, read_only=True)
    assert "imported_by" in [row[0] for row in con.execute("DESCRIBE imports").fetchall()]
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0
    con.close()


def test_the_data_page_says_who_last_changed_the_settings_plan_and_themes(monkeypatch, demo_copy):
    from pipeline.core.settings import load_settings, save_settings
    from pipeline.metrics.themes import load_themes, save_themes
    from pipeline.monitor.plan import load_plan, save_plan

    con = db.connect(demo_copy)
    with acting_as("ana@lumo.example"):
        save_settings(con, load_settings(con).updated(sla_minutes=30))
        save_plan(con, load_plan(con))
    with acting_as("bo@lumo.example"):
        save_themes(con, load_themes(con))
    con.close()
    app = signed_in(monkeypatch, demo_copy, VIC, "pages/data.py")
    lines = [c.value.replace("\\", "") for c in app.caption if c.value.startswith("Last changed")]
    assert (
        len(lines) == 3
        and sum("by ana@" in line for line in lines) == 2
        and sum("by bo@" in line for line in lines) == 1
    )


@pytest.mark.parametrize(
    "claims, name",
    [
        ({"email": " Ana@Lumo.Example ", "sub": "u1"}, "ana@lumo.example"),
        (
            {"email": "ana@lumo.example", "email_verified": "FALSE", "sub": "u2"},
            "u2 (unverified address ana@lumo.example)",
        ),
        ({"email": "ana@lumo.example", "email_verified": 0, "sub": "u3"}, "u3 (unverified address ana@lumo.example)"),
        ({"sub": "u4"}, "u4"),
        ({}, "unknown person"),
    ],
)
def test_a_person_is_recorded_by_a_trusted_address_only(claims, name):
    assert person_name(claims) == name


@pytest.mark.parametrize("verified", [False, "false", "FALSE", " False ", 0, "0", "no"])
def test_an_address_said_to_be_unverified_grants_nothing(verified):
    rules = AccessRules.from_mapping(ACCESS)
    assert role_of(rules, {"email": "ana@lumo.example", "email_verified": verified}) is None


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://hooks.slack.com/services/T/B/secret", "https://hooks.slack.com/…"),
        ("https://hooks.example.com?token=SECRET", "https://hooks.example.com/…"),
        ("https://teams.example.com#SECRET", "https://teams.example.com/…"),
        ("https://user:pass@hooks.example.com/x", "https://hooks.example.com/…"),
        ("https://hooks.example.com/", "https://hooks.example.com"),
    ],
)
def test_a_webhook_is_shown_without_anything_that_may_be_its_token(url, shown):
    from pipeline.monitor.plan import default_plan, masked

    plan = default_plan()
    plan["channels"] = {"ops": {"type": "webhook", "url": url}}
    assert masked(plan)["channels"]["ops"]["url"] == shown


def _closed_problem(app: AppTest) -> str:
    assert [b.label for b in app.button] == [] and not app.dataframe and not app.sidebar.multiselect
    return " ".join(e.value.replace("\\", "") for e in app.error)


def test_a_secrets_file_that_cannot_be_read_lets_nobody_in(monkeypatch, demo_db, tmp_path):
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nclient_id = "radar"\n[access]\nviewers = ["@lumo.example"\n', encoding="utf-8")
    monkeypatch.setattr("pages._access._secrets_files", lambda: [broken])
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    assert "secrets file cannot be read" in _closed_problem(app)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/data.py")


def test_an_access_list_without_sign_in_lets_nobody_in(monkeypatch, demo_db):
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["acess_typo"] = {"x": 1}  # a secrets file is there ...
    app.secrets["access"] = ACCESS  # ... with an access list, but [auth] is missing (misspelt, say)
    app.run()
    assert "configures no sign-in" in _closed_problem(app)


def test_a_dashboard_open_to_the_network_without_sign_in_shows_nothing(monkeypatch, demo_db):
    monkeypatch.setenv("RADAR_DB", str(demo_db))
    monkeypatch.delenv("RADAR_OPEN_DASHBOARD", raising=False)
    app = AppTest.from_file(APP, default_timeout=60)  # AppTest sets no server.address: every interface
    app.run()
    assert "listens beyond this machine" in _closed_problem(app)
    monkeypatch.setenv("RADAR_OPEN_DASHBOARD", "1")
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception and any("opens this dashboard to everyone" in w.value for w in app.sidebar.warning)
