"""Every page rendered with Streamlit's AppTest, on the demo database and on an empty one; drill-downs driven
through the URL (query parameters) the way a shared link opens them."""

from __future__ import annotations

import re

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = [
    "pages/overview.py",
    "pages/sentiment.py",
    "pages/voice.py",
    "pages/topics.py",
    "pages/responses.py",
    "pages/crises.py",
    "pages/threads.py",
    "pages/reports.py",
    "pages/data.py",
]
CRISIS = "lumohelp:20261024T14"


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def open_page(
    monkeypatch, database, page: str | None = None, *, secrets: dict | None = None, user: dict | None = None, **params
) -> AppTest:
    """Run the app on ``database``, on ``page``, with ``params`` in the URL (and ``secrets`` and a signed-in
    ``user`` where given)."""
    monkeypatch.setenv("RADAR_DB", str(database))
    app = AppTest.from_file(APP, default_timeout=60)
    for name, section in (secrets or {}).items():
        app.secrets[name] = section
    if user is not None:
        app.user = user
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    if page:
        app.switch_page(page)
        for key, value in params.items():
            app.query_params[key] = value
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def count(database, sql: str, params=()) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()[0][0]


def texts(app: AppTest) -> str:
    """The page's text as a person reads it: Markdown's backslash escapes (data is shown literally) removed."""
    parts = [m.value for m in app.markdown] + [e.value for e in app.caption] + [e.value for e in app.subheader]
    parts += [e.value for e in app.header] + [e.value for e in app.info] + [e.value for e in app.warning]
    parts += [e.value for e in app.success]
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", "\n".join(str(p) for p in parts))


@pytest.fixture
def empty_db(tmp_path):
    from pipeline.core import db

    path = tmp_path / "empty.duckdb"
    db.connect(path).close()
    return path


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo(monkeypatch, demo_db, page):
    app = open_page(monkeypatch, demo_db, page)
    assert app.title[0].value
    assert not app.error, [e.value for e in app.error]


@pytest.mark.parametrize("page", PAGES[:-1])
def test_every_page_on_an_empty_database_says_what_to_do(monkeypatch, empty_db, page):
    app = open_page(monkeypatch, empty_db, page)
    assert "No posts yet" in app.info[0].value and "Data" in app.info[0].value


def test_data_page_on_an_empty_database_offers_the_upload(monkeypatch, empty_db):
    app = open_page(monkeypatch, empty_db, "pages/data.py")
    assert app.get("file_uploader")
    assert any("Load exports" in s.value for s in app.subheader)


def test_missing_database_shows_what_to_do(monkeypatch, tmp_path):
    app = open_page(monkeypatch, tmp_path / "absent.duckdb")
    assert "radar demo" in app.info[0].value


def test_overview_shows_the_weeks_kpis_against_the_week_before(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, week="2026-W46")
    assert app.title[0].value == "Overview"
    metrics = {m.label: m for m in app.metric}
    assert set(metrics) == {
        "Posts",
        "Negative share",
        "Net sentiment",
        "Median first reply",
        "Response rate",
        "Open crises",
    }
    this_week = count(
        demo_db,
        """SELECT count(*) FROM posts WHERE created_at >= TIMESTAMPTZ '2026-11-09 00:00:00+00'
                                  AND created_at < TIMESTAMPTZ '2026-11-16 00:00:00+00'""",
    )
    before = count(
        demo_db,
        """SELECT count(*) FROM posts WHERE created_at >= TIMESTAMPTZ '2026-11-02 00:00:00+00'
                               AND created_at < TIMESTAMPTZ '2026-11-09 00:00:00+00'""",
    )
    assert metrics["Posts"].value == f"{this_week:,}"
    assert metrics["Posts"].delta == f"{this_week - before:+,}"
    assert app.selectbox(key="overview.week").value == "2026-W46"
    # the crisis weeks
    app = open_page(monkeypatch, demo_db, week="2026-W43")
    assert {m.label: m.value for m in app.metric}["Open crises"] == "2"


def test_filters_are_reopened_from_the_url_and_apply(monkeypatch, demo_db):
    app = open_page(
        monkeypatch,
        demo_db,
        "pages/sentiment.py",
        platform="instagram",
        lang="es",
        **{"from": "2026-10-24", "to": "2026-10-25"},
    )
    assert app.multiselect(key="filters.platforms").value == ["instagram"]
    assert app.multiselect(key="filters.languages").value == ["es"]
    assert app.date_input(key="filters.dates").value == (
        __import__("datetime").date(2026, 10, 24),
        __import__("datetime").date(2026, 10, 25),
    )
    assert app.query_params["lang"] in ("es", ["es"])


def test_sentiment_drill_down_lists_the_posts_of_a_bucket(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/sentiment.py", day="2026-10-25", label="negative")
    expected = count(
        demo_db,
        """SELECT count(*) FROM posts WHERE NOT is_brand AND sentiment_label = 'negative'
        AND created_at >= TIMESTAMPTZ '2026-10-25 00:00:00+00' AND created_at < TIMESTAMPTZ '2026-10-26 00:00:00+00'""",
    )
    assert expected > 0
    assert any("Posts: Sun 25 Oct 2026 · Negative" in s.value for s in app.subheader)
    table = app.dataframe[-1].value
    assert len(table) == min(expected, 200) and all(label.startswith("negative (") for label in table["label"])
    if expected > 200:
        assert f"of {expected:,} posts" in texts(app)


def test_sentiment_breakdown_by_language(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/sentiment.py", by="lang", grain="week")
    assert app.selectbox(key="sentiment.by").value == "lang"
    totals = app.dataframe[0].value
    assert set(totals["group"]) == {"en", "es", "pl"}


def test_responses_page_shows_kpis_charts_and_the_queue(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/responses.py")
    labels = [m.label for m in app.metric]
    # every response figure names its clock
    assert labels == [
        "Median first reply (calendar)",
        "90th percentile (calendar)",
        "Response rate",
        "Within SLA (business)",
        "Unanswered",
    ]
    unanswered = count(demo_db, "SELECT count(*) FROM responses WHERE NOT answered")
    assert app.metric[4].value == f"{unanswered:,}"
    assert len(app.get("plotly_chart")) == 4
    queue = app.dataframe[-1].value
    assert len(queue) == min(unanswered, 100)
    assert queue["created_at"].is_monotonic_increasing  # oldest first


def test_crises_page_opens_a_crisis_from_the_url(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/crises.py", crisis=CRISIS)
    body = texts(app)
    assert "lumohelp · Sat 24 Oct 2026, 14:00 UTC" in body
    assert "Detected (first hot hour)" in body and "19 h 37 min after the start" in body
    assert "Plan against reality" in body and "Radar would have alerted" in body
    assert "**Acknowledged** by Ana" in body  # the demo's story
    assert "Make amends" in body and "#blendprofail" in body
    assert len(app.get("plotly_chart")) == 2  # the timeline and the crisis curves


INJECTED = "[click here](https://evil.example/y) ![p](http://127.0.0.1:9/pixel.png) <b>bold</b> :red[x]"


@pytest.mark.parametrize(
    "page, params",
    [
        ("pages/crises.py", {"crisis": INJECTED}),
        ("pages/threads.py", {"thread": f"twitter:{INJECTED}"}),
        ("pages/sentiment.py", {"day": INJECTED}),
        ("pages/sentiment.py", {"day": "2026-10-24", "by": "brand", "group": INJECTED}),
    ],
)
def test_url_parameters_are_shown_literally_never_as_markdown(monkeypatch, demo_db, page, params):
    app = open_page(monkeypatch, demo_db, page, **params)
    sources = [e.value for e in [*app.warning, *app.subheader, *app.info, *app.error]]
    shown = [text for text in sources if "click here" in text]
    assert shown, sources
    for text in shown:  # every Markdown mark of the parameter is escaped: no link, image, HTML or colour
        assert "](" not in text and "<b>" not in text and ":red[" not in text
        assert "\\[click here\\]\\(https\\:\\/\\/\u200bevil\\.example\\/y\\)" in text  # no autolink either


def test_crises_page_with_an_unknown_crisis_says_so(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/crises.py", crisis="nope:20200101T00")
    assert "There is no crisis" in app.warning[0].value


def test_threads_page_opens_a_conversation_from_the_url(monkeypatch, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        platform, thread_id, posts = con.execute("""SELECT platform, thread_id, post_count FROM threads
            WHERE brand_posts > 0 AND customer_posts > 1 ORDER BY post_count DESC, thread_id LIMIT 1""").fetchall()[0]
    app = open_page(monkeypatch, demo_db, "pages/threads.py", thread=f"{platform}:{thread_id}")
    assert any(f"Thread {thread_id} on {platform}" in s.value for s in app.subheader)
    messages = app.get("chat_message")
    assert len(messages) == min(posts, 500)
    if posts > 500:
        assert f"Showing the first 500 of {posts:,} messages" in texts(app)
    assert {m.proto.name for m in messages} == {"user", "assistant"}  # customers and brand told apart
    assert "replied after" in texts(app)


def test_threads_search_narrows_the_table(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/threads.py", q="refund")
    table = app.dataframe[0].value
    assert 0 < len(table) <= 200
    app = open_page(monkeypatch, demo_db, "pages/threads.py", q="zzzz-no-such-text")
    assert "No thread matches" in app.info[0].value


def test_reports_page_offers_both_reports(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/reports.py", week="2026-W46", crisis=CRISIS)
    assert app.selectbox(key="reports.week").value == "2026-W46"
    assert app.selectbox(key="reports.crisis").value == CRISIS
    assert len(app.get("download_button")) == 2
    assert [b.label for b in app.button] == ["Make PDF", "Make PDF"]


def test_data_page_saves_settings_and_recomputes(monkeypatch, demo_copy):
    app = open_page(monkeypatch, demo_copy, "pages/data.py")
    app.number_input(key="data.sla").set_value(30)
    app.radio(key="data.sensitivity").set_value("low")
    submit = [b for b in app.get("form_submit_button") if "Save" in b.proto.label][0]
    submit.click().run()
    assert not app.exception
    assert any("Saved" in s.value for s in app.success)
    from pipeline.core import db
    from pipeline.core.settings import load_settings

    with db.connect(demo_copy, read_only=True) as con:
        saved = load_settings(con)
        assert (saved.sla_minutes, saved.sensitivity) == (30, "low")
        from pipeline.analytics import analytics_are_current

        assert analytics_are_current(con)


def test_data_page_adds_and_merges_brands(monkeypatch, demo_copy):
    app = open_page(monkeypatch, demo_copy, "pages/data.py")
    app.text_input(key="data.brand_name").input("NewBrand")
    app.text_input(key="data.brand_handles").input("@NewBrand, @NewBrandHelp")
    submit = [b for b in app.get("form_submit_button") if b.proto.label == "Add"][0]
    submit.click().run()
    assert not app.exception
    assert any("added brand 'NewBrand'" in s.value for s in app.success)
    assert count(demo_copy, "SELECT count(*) FROM brand_aliases WHERE brand = 'NewBrand' AND kind = 'handle'") == 2
    app = open_page(monkeypatch, demo_copy, "pages/data.py")
    app.selectbox(key="data.brand_into").set_value("lumohelp")
    app.multiselect(key="data.brand_others").set_value(["lumohome"])
    [b for b in app.get("form_submit_button") if b.proto.label == "Merge"][0].click().run()
    assert not app.exception
    assert any("merged 'lumohome' into 'lumohelp'" in s.value for s in app.success)
    # attribution and analytics follow at once
    assert count(demo_copy, "SELECT count(*) FROM posts WHERE brand = 'lumohome'") == 0
    assert count(demo_copy, "SELECT count(*) FROM crises WHERE brand = 'lumohome'") == 0


def test_a_label_is_corrected_from_the_thread_view_and_undone(monkeypatch, demo_copy):
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        platform, thread_id, post_id, label = con.execute("""
            SELECT platform, thread_id, post_id, sentiment_label FROM posts
            WHERE NOT is_brand AND sentiment_label = 'negative' ORDER BY created_at LIMIT 1""").fetchall()[0]
    app = open_page(monkeypatch, demo_copy, "pages/threads.py", thread=f"{platform}:{thread_id}")
    app.selectbox(key="threads.correct_post").set_value(f"{platform}:{post_id}")
    app.radio(key="threads.correct_label").set_value("positive")
    [b for b in app.get("form_submit_button") if b.proto.label == "Save"][0].click().run()
    assert not app.exception
    assert (
        count(
            demo_copy,
            "SELECT count(*) FROM posts WHERE post_id = ? AND sentiment_label = 'positive' "
            "AND sentiment_source = 'correction'",
            [post_id],
        )
        == 1
    )
    assert "corrected by a person" in texts(app)
    assert f"Post {post_id} is now labelled positive (corrected)." in texts(app)
    app.selectbox(key="threads.correct_post").set_value(f"{platform}:{post_id}")
    app.radio(key="threads.correct_label").set_value("clear")
    [b for b in app.get("form_submit_button") if b.proto.label == "Save"][0].click().run()
    assert (
        count(demo_copy, "SELECT count(*) FROM posts WHERE post_id = ? AND sentiment_label = ?", [post_id, label]) == 1
    )


def test_data_page_maps_an_unknown_layout_and_saves_it_as_a_format(monkeypatch, demo_copy, tmp_path):
    from pipeline.ingest import custom_formats, ingest_files, sniff

    export = tmp_path / "weekly.csv"
    export.write_text(
        "Kennzahl|Wann|Wer|Was\n1|2026-11-18 10:00|ana|Lumo kettle leaks\n2|2026-11-18 11:00|bo|Lumo fixed it\n",
        encoding="utf-8",
    )
    with duckdb.connect(str(demo_copy)) as con:
        (result,) = ingest_files(con, [export])
    assert result.unknown_layout
    before = count(demo_copy, "SELECT count(*) FROM posts")

    monkeypatch.setenv("RADAR_DB", str(demo_copy))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("pages/data.py")
    app.session_state["data.last_results"] = [result]
    app.run()
    assert not app.exception
    assert app.selectbox(key="data.map.0.created_at").value == "(not in this file)"
    preview = app.dataframe[0].value  # the first rows as read, to pick the columns by
    assert list(preview.columns) == ["Kennzahl", "Wann", "Wer", "Was"] and preview.iloc[0]["Was"] == "Lumo kettle leaks"
    app.button[[b.label for b in app.button].index("Save the mapping and load")].click().run()
    assert any("created_at and text" in e.value for e in app.error)  # nothing loaded without the two
    assert count(demo_copy, "SELECT count(*) FROM posts") == before
    app.selectbox(key="data.map.0.created_at").set_value("Wann")
    app.selectbox(key="data.map.0.text").set_value("Was")
    app.selectbox(key="data.map.0.author_id").set_value("Wer")
    app.selectbox(key="data.map.0.post_id").set_value("Kennzahl")
    app.text_input(key="data.map.0.name").input("lumo_weekly")
    app.button[[b.label for b in app.button].index("Save the mapping and load")].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("weekly.csv: 2 posts loaded" in s.value for s in app.success)
    assert count(demo_copy, "SELECT count(*) FROM posts") == before + 2
    assert count(demo_copy, "SELECT count(*) FROM custom_formats WHERE name = 'lumo_weekly'") == 1

    export2 = tmp_path / "weekly2.csv"
    export2.write_text("Kennzahl|Wann|Wer|Was\n3|2026-11-19 10:00|cy|Lumo again\n", encoding="utf-8")
    with duckdb.connect(str(demo_copy), read_only=True) as con:  # the page's store holds it read-only
        assert sniff(export2, custom=custom_formats(con)).format.name == "lumo_weekly"  # recognised next week


def test_a_label_is_corrected_from_a_post_list(monkeypatch, demo_copy):
    app = open_page(monkeypatch, demo_copy, "pages/sentiment.py", day="2026-10-25", label="negative")
    chosen = app.selectbox(key="sentiment.correct_post").value
    platform, post_id = chosen.split(":", 1)
    app.radio(key="sentiment.correct_label").set_value("neutral")
    [b for b in app.get("form_submit_button") if b.proto.label == "Save"][0].click().run()
    assert not app.exception
    assert (
        count(
            demo_copy,
            "SELECT count(*) FROM posts WHERE platform = ? AND post_id = ? AND "
            "sentiment_label = 'neutral' AND sentiment_source = 'correction'",
            [platform, post_id],
        )
        == 1
    )


def test_a_brand_name_from_an_export_is_never_rendered_as_markdown(monkeypatch, tmp_path, write_csv):
    from pipeline.cli import main

    database = tmp_path / "evil.duckdb"
    rows = "".join(
        f"{i},2026-11-0{1 + i % 5}T10:00:00Z,u{i},@someone hi,[click](https://evil.example/x)\n" for i in range(10)
    )
    assert (
        main(["ingest", str(write_csv("evil.csv", "id,date,author,text,brand\n" + rows)), "--db", str(database)]) == 0
    )
    app = open_page(monkeypatch, database, "pages/responses.py")
    assert not app.exception
    warning = app.warning[0].value
    assert "\\[click\\]" in warning and "](https" not in warning.replace("\\](", "")


def test_the_response_room_takes_an_acknowledgement_and_a_decision(monkeypatch, demo_copy):
    app = open_page(monkeypatch, demo_copy, "pages/crises.py", crisis=CRISIS)
    assert not [b for b in app.get("form_submit_button") if "Acknowledge" in b.proto.label]  # Ana did already
    app.text_input(key=f"room.decision_name.{CRISIS}").set_value("Marta (committee)")
    app.text_area(key=f"room.decision_text.{CRISIS}").set_value("Recall the batch")
    [b for b in app.get("form_submit_button") if "Add to the log" in b.proto.label][0].click().run()
    assert not app.exception and "Recall the batch" in texts(app)
    other = count(demo_copy, "SELECT count(*) FROM crises WHERE crisis_id <> ?", [CRISIS])
    assert other, "the demo has a second crisis, not acknowledged"
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        second = con.execute("SELECT crisis_id FROM crises WHERE crisis_id <> ?", [CRISIS]).fetchall()[0][0]
    app = open_page(monkeypatch, demo_copy, "pages/crises.py", crisis=second)
    [b for b in app.get("form_submit_button") if "Acknowledge" in b.proto.label][0].click().run()
    assert any("give your name" in e.value for e in app.error)
    app.text_input(key=f"room.ack_name.{second}").set_value("Leo (community manager)")
    [b for b in app.get("form_submit_button") if "Acknowledge" in b.proto.label][0].click().run()
    assert any("Acknowledged by Leo" in s.value for s in app.success)
    assert (
        count(
            demo_copy,
            "SELECT count(*) FROM crisis_log WHERE entry = 'Recall the batch' AND by_name = ?",
            ["Marta (committee)"],
        )
        == 1
    )
    assert (
        count(demo_copy, "SELECT count(*) FROM crisis_log WHERE crisis_id = ? AND kind = 'acknowledged'", [second]) == 1
    )


def test_data_page_edits_the_escalation_plan(monkeypatch, demo_copy):
    from pipeline.core import db
    from pipeline.monitor.plan import load_plan

    app = open_page(monkeypatch, demo_copy, "pages/data.py")
    assert "Escalation plan" in texts(app) and "Alert log" in texts(app)
    app.text_input(key="data.plan_digest").set_value("25:99")
    [b for b in app.get("form_submit_button") if "Save the plan" in b.proto.label][0].click().run()
    assert any("Not saved: digest\\_time" in e.value for e in app.error)  # shown literally
    app.text_input(key="data.plan_digest").set_value("08:30")
    app.number_input(key="data.plan_blind").set_value(12)
    [b for b in app.get("form_submit_button") if "Save the plan" in b.proto.label][0].click().run()
    assert any("Plan saved" in s.value for s in app.success) and not app.error
    with db.connect(demo_copy, read_only=True) as con:
        plan = load_plan(con)
    assert (plan["digest_time"], plan["blind_spot_hours"]) == ("08:30", 12)


def test_share_of_voice_compares_ours_with_competitors_and_lists_posts(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/voice.py", day="2026-11-09", group="Kelvo", grain="week")
    table = app.dataframe[0].value
    assert set(table["brand"]) == {"lumohelp", "lumohome", "Kelvo", "Brava"}
    assert set(table["role"]) == {"ours", "competitor"}
    assert table["share"].sum() == pytest.approx(100, abs=2)  # shown in percent, each rounded
    posts = app.dataframe[1].value
    expected = count(
        demo_db,
        """SELECT count(*) FROM posts WHERE NOT is_brand AND brand = 'Kelvo'
                                 AND created_at >= '2026-11-09' AND created_at < '2026-11-16'""",
    )
    assert len(posts) == min(expected, 200) and "Posts about Kelvo" in texts(app)


def test_themes_and_topics_page_shows_themes_the_rising_phrases_and_top_posts(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/topics.py", week="2026-W47")
    themes = app.dataframe[0].value
    assert {"Delivery", "Product defects", "(no theme)"} <= set(themes["theme"])
    emerging = app.dataframe[2].value
    assert emerging.iloc[0]["term"] == "#kelvodelays" and emerging.iloc[0]["brand"] == "Kelvo"
    assert "Top posts of the week" in [t.label for t in app.tabs]
    assert app.dataframe[2].proto.selection_mode  # the table takes a selection
    app.session_state["topics.emerging"] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert not app.exception
    assert "“#kelvodelays” in 2026-W47" in texts(app)


def test_overview_says_the_week_in_words(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "pages/overview.py", week="2026-W47")
    words = "\n".join(m.value for m in app.markdown)
    assert "lumohelp and lumohome" in words and "kelvodelays" in words


def test_data_page_adds_a_suggested_account_as_a_competitor_and_sets_roles(monkeypatch, tmp_path, write_csv):
    rows = (
        ["id,date,author,text"]
        + [f"s{i},2026-11-0{1 + i % 7}T10:00:00Z,user{i},@RivalCo my order is late {i}" for i in range(30)]
        + [f"o{i},2026-11-03T11:00:00Z,fan{i},nice day {i}" for i in range(30)]
    )
    path = tmp_path / "suggest.duckdb"
    from pipeline.cli import main

    assert main(["ingest", str(write_csv("mentions.csv", "\n".join(rows) + "\n")), "--db", str(path)]) == 0
    app = open_page(monkeypatch, path, "pages/data.py")
    assert "Suggested (1)" in [t.label for t in app.tabs]
    app.selectbox(key="data.suggested_handle").set_value("RivalCo")
    app.radio(key="data.suggested_role").set_value("competitor")
    [b for b in app.get("form_submit_button") if b.proto.label == "Add as a brand"][0].click().run()
    assert not app.exception
    assert count(path, "SELECT count(*) FROM brands WHERE brand = 'RivalCo' AND role = 'competitor'") == 1
    assert count(path, "SELECT count(*) FROM posts WHERE brand = 'RivalCo'") == 30  # attributed at once
    app = open_page(monkeypatch, path, "pages/data.py")
    assert "Suggested (0)" in [t.label for t in app.tabs]
    app.selectbox(key="data.role_brand").set_value("RivalCo")
    app.radio(key="data.role_value").set_value("ours")
    [b for b in app.get("form_submit_button") if b.proto.label == "Set the role"][0].click().run()
    assert any("RivalCo is now ours" in s.value for s in app.success)
