"""One real-browser test: the dashboard served by `streamlit run` on the demo database, driven by
Playwright in Debian's Chromium (installed by `make test`; Playwright's own browser download cannot work
here). Screenshots go to tests/artifacts/ (git-ignored)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager

import duckdb
import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db):
    yield from _serve(demo_db)


def _serve(database, *options: str, port: int | None = None):
    port = port or _free_port()
    env = {**os.environ, "RADAR_DB": str(database)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.address",
            "127.0.0.1",  # this machine only: without sign-in, the dashboard refuses to be served wider
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"streamlit did not start: {process.stdout.read().decode(errors='replace')[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent: `make test` installs Debian's chromium package")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_a_shared_link_reopens_filters_and_crisis(server, page):
    # the first request of this server is a deep link: Streamlit must still run it inside app.py's navigation
    page.goto(f"{server}/crises?platform=twitter&crisis=lumohelp:20261024T14")
    _settle(page, "Crises")
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_text("Response times").count() == 1 and nav.get_by_text("common").count() == 0
    page.locator('[data-testid="stMultiSelect"]').filter(has_text="twitter").first.wait_for(timeout=60_000)
    page.get_by_text("Detected (first hot hour)").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "crisis_detail.png"), full_page=True)


PAGES = [
    ("", "Overview"),
    ("sentiment", "Sentiment"),
    ("voice", "Share of voice"),
    ("topics", "Themes and topics"),
    ("responses", "Response times"),
    ("crises", "Crises"),
    ("threads", "Threads"),
    ("reports", "Reports"),
    ("data", "Data"),
]


def _settle(page, heading: str) -> None:
    """Wait until ``heading`` is shown and the script run has finished. The status widget appears only a moment
    after a run starts, so its absence alone is no proof; the app root's script state is."""
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1500)  # let charts finish drawing before the screenshot


def _tab(browser, height: int):
    """A browser tab for one module's tests; screenshots go to ARTIFACTS."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab = browser.new_page(viewport={"width": 1400, "height": height})
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def page(server, browser):
    yield from _tab(browser, 1000)


@pytest.mark.parametrize("path, heading", PAGES)
def test_every_page_opens_without_an_exception(server, page, path, heading):
    page.goto(f"{server}/{path}")
    _settle(page, heading)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / f"{heading.lower().replace(' ', '_')}.png"), full_page=True)


@pytest.mark.parametrize(
    "code, path, title, browser_language",
    [("es", "crises", "Crises", None), ("pl", "responses", "Response times", "pl-PL")],
)
def test_a_page_in_spanish_and_one_in_polish(server, browser, code, path, title, browser_language):
    """Spanish chosen by a shared link's ?locale=es; Polish by the browser's language alone."""
    from pipeline.core.i18n import _, use_locale

    with use_locale(code):
        heading, overview, picker = _(title), _("Overview"), _("Dashboard language")
    assert heading != title
    tab = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=browser_language or "en-US")
    try:
        tab.goto(f"{server}/{path}" + ("" if browser_language else f"?locale={code}"))
        _settle(tab, heading)
        nav = tab.locator('[data-testid="stSidebarNav"]')
        assert nav.get_by_text(overview, exact=True).count() == 1
        assert tab.get_by_text(picker, exact=True).count() >= 1
        assert tab.locator('[data-testid="stException"]').count() == 0
        tab.screenshot(path=str(ARTIFACTS / f"{path}_{code}.png"), full_page=True)
    finally:
        tab.close()


def test_overview_draws_its_charts(server, page):
    page.goto(server)
    _settle(page, "Overview")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.get_by_text("Sentiment trend of customer posts").count() >= 1


def test_selecting_a_thread_shows_its_conversation(server, page):
    page.goto(f"{server}/threads?q=refund")
    _settle(page, "Threads")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=60_000)
    box = grid.bounding_box()
    # the grid is drawn on a canvas: click the selection box of the first row (header row is about 35 px)
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    page.locator('[data-testid="stChatMessage"]').first.wait_for(timeout=60_000)
    _settle(page, "Threads")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Customer", exact=False).count() >= 1
    assert "thread=" in page.url
    page.screenshot(path=str(ARTIFACTS / "threads_selected.png"), full_page=True)


def test_a_tables_toolbar_offers_no_unsafe_download_and_the_apps_button_does(server, page):
    # the toolbar's own CSV download writes formulas as they are; the app's button neutralises them
    page.goto(f"{server}/threads?q=refund")
    _settle(page, "Threads")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=60_000)
    grid.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    toolbar.wait_for(state="attached", timeout=30_000)
    assert toolbar.get_by_role("button").count() >= 1  # the toolbar is there (search, full screen) ...
    assert page.get_by_role("button", name="Download as CSV").count() == 0  # ... without its download
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    assert download.value.suggested_filename == "threads.csv"


def test_choosing_a_bar_lists_its_posts(server, page):
    page.goto(f"{server}/sentiment?grain=week")
    _settle(page, "Sentiment")
    bar = page.locator(".js-plotly-plot").first.locator(".barlayer .trace").first.locator(".point path").nth(8)
    bar.click(force=True)  # the negative bar of the ninth week of the default 13 (the crisis week)
    page.get_by_role("heading", name="Posts: week of").first.wait_for(timeout=60_000)
    _settle(page, "Sentiment")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "label=negative" in page.url and "day=2026-10-19" in page.url
    page.screenshot(path=str(ARTIFACTS / "sentiment_bucket.png"), full_page=True)


def test_choosing_a_share_of_voice_bar_lists_that_brands_posts(server, page):
    page.goto(f"{server}/voice?grain=week")
    _settle(page, "Share of voice")
    bar = page.locator(".js-plotly-plot").first.locator(".barlayer .trace").last.locator(".point path").last
    bar.click(force=True)  # the last brand's bar of the last week
    page.get_by_role("heading", name="Posts about").first.wait_for(timeout=60_000)
    _settle(page, "Share of voice")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "group=" in page.url and "day=" in page.url
    page.screenshot(path=str(ARTIFACTS / "voice_bar.png"), full_page=True)


@contextmanager
def _data_page_with_upload(demo_db, browser, folder, name: str, text: str, height: int = 1000):
    """A dashboard on a copy of the demo database, its Data page open, ``name`` uploaded and Load pressed;
    yields (tab, database copy)."""
    copy = folder / "radar.duckdb"
    shutil.copy(demo_db, copy)
    export = folder / name
    export.write_text(text, encoding="utf-8")
    serving = _serve(copy)
    url = next(serving)
    tab = browser.new_page(viewport={"width": 1400, "height": height})
    try:
        tab.goto(f"{url}/data")
        _settle(tab, "Data")
        tab.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(export))
        tab.get_by_text(name).first.wait_for(timeout=30_000)
        tab.get_by_test_id("stBaseButton-primaryFormSubmit").first.click(timeout=60_000)  # enabled once uploaded
        yield tab, copy
        assert tab.locator('[data-testid="stException"]').count() == 0
    finally:
        tab.close()
        next(serving, None)


def _count(database, sql: str) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def test_uploading_an_export_shows_its_import_report(demo_db, browser, tmp_path_factory):
    text = "id,date,author,text\nw1,2026-11-21T09:00:00Z,zoe,@LumoHelp my kettle leaks\nw2,not a date,yan,hello\n"
    with _data_page_with_upload(demo_db, browser, tmp_path_factory.mktemp("upload"), "week47.csv", text) as (tab, copy):
        tab.get_by_text("week47.csv: 1 post loaded").wait_for(timeout=90_000)
        _settle(tab, "Data")
        assert tab.get_by_text("1 quarantined").count() >= 1
        tab.screenshot(path=str(ARTIFACTS / "data_upload.png"), full_page=True)
    assert _count(copy, "SELECT count(*) FROM posts WHERE post_id = 'w1'") == 1
    assert (
        _count(
            copy, "SELECT count(*) FROM quarantine q JOIN imports i USING (import_id) WHERE i.file_name = 'week47.csv'"
        )
        == 1
    )


def test_an_often_mentioned_account_is_added_as_a_competitor(demo_db, browser, tmp_path_factory):
    rows = [f"r{i},2026-11-20T{8 + i % 10:02d}:00:00Z,fan{i},@RivalCo where is my order {i}" for i in range(120)]
    text = "id,date,author,text\n" + "\n".join(rows) + "\n"
    folder = tmp_path_factory.mktemp("suggest")
    with _data_page_with_upload(demo_db, browser, folder, "rival.csv", text, height=1400) as (tab, copy):
        tab.get_by_text("rival.csv: 120 posts loaded").wait_for(timeout=90_000)
        _settle(tab, "Data")
        tab.get_by_role("tab", name="Suggested (1)").click()
        tab.get_by_text("Competitor", exact=False).first.wait_for(timeout=30_000)
        tab.get_by_role("button", name="Add as a brand").click()
        tab.get_by_text("added brand 'RivalCo'").wait_for(timeout=90_000)
        _settle(tab, "Data")
        tab.screenshot(path=str(ARTIFACTS / "data_suggested_brand.png"), full_page=True)
    assert _count(copy, "SELECT count(*) FROM brands WHERE brand = 'RivalCo' AND role = 'competitor'") == 1
    assert _count(copy, "SELECT count(*) FROM posts WHERE brand = 'RivalCo'") == 120


def test_an_unknown_layout_is_mapped_on_the_data_page(demo_db, browser, tmp_path_factory):
    text = "Kennzahl|Wann|Wer|Was\nk1|2026-11-20 09:00|zoe|Lumo kettle leaks again\nk2|2026-11-20 10:30|yan|Lumo support fixed it\n"
    folder = tmp_path_factory.mktemp("mapping")
    with _data_page_with_upload(demo_db, browser, folder, "lumo_week47.csv", text, height=1400) as (tab, copy):
        tab.get_by_text("Map the columns of lumo_week47.csv").wait_for(timeout=90_000)
        for column, header in (("post_id", "Kennzahl"), ("created_at", "Wann"), ("author_id", "Wer"), ("text", "Was")):
            label = f"{column} (required)" if column in ("created_at", "text") else column
            tab.get_by_role("combobox", name=label, exact=True).click()
            tab.get_by_role("option", name=header, exact=True).click()
        tab.screenshot(path=str(ARTIFACTS / "data_mapping.png"), full_page=True)
        tab.get_by_role("button", name="Save the mapping and load").click()
        tab.get_by_text("lumo_week47.csv: 2 posts loaded").wait_for(timeout=90_000)
        _settle(tab, "Data")
    assert _count(copy, "SELECT count(*) FROM posts WHERE post_id IN ('k1', 'k2')") == 2
    assert _count(copy, "SELECT count(*) FROM custom_formats WHERE name = 'custom_lumo_week47'") == 1


# --- a marketing manager's three jobs on the two real exports ------------------------------------------------

AIRLINE_CRISIS = "americanair:20150222T19"


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    from pipeline.cli import main
    from tests.conftest import shared_file

    files = [shared_file("airline_sentiment/Tweets.csv"), shared_file("twcs_sample/twcs_head.csv")]
    database = tmp_path_factory.mktemp("real") / "real.duckdb"
    assert main(["ingest", *map(str, files), "--db", str(database)]) == 0
    yield from _serve(database)


@pytest.fixture(scope="module")
def real_page(real_server, browser):
    yield from _tab(browser, 1100)


def test_the_weekly_report_of_2015_w08_says_what_the_data_cannot_show(real_server, real_page):
    page = real_page
    page.goto(f"{real_server}/?week=2015-W08&from=2015-02-16&to=2015-02-24")
    _settle(page, "Overview")
    week = page.locator('input[role="combobox"][value="2015-W08 · 16–22 Feb 2015"]')  # weeks shown with their dates
    week.first.wait_for(timeout=60_000)
    # the airline file holds no replies: no 0 % response rate, a sentence instead
    page.get_by_text("The data holds no replies from").first.wait_for(timeout=60_000)
    page.get_by_text("The week picker governs these KPIs and the summary only").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "real_overview_2015_w08.png"), full_page=True)
    page.get_by_role("link", name="Reports").click()
    _settle(page, "Reports")
    # the week chosen on the Overview is the one the Reports page opens with
    week.first.wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Download HTML").count() == 2
    page.screenshot(path=str(ARTIFACTS / "real_reports.png"), full_page=True)


def test_the_retrospective_of_the_american_airlines_crisis(real_server, real_page):
    page = real_page
    page.goto(f"{real_server}/crises?crisis={AIRLINE_CRISIS}&from=2015-02-16&to=2015-02-24")
    _settle(page, "Crises")
    page.get_by_text("Detected (first hot hour)").first.wait_for(timeout=60_000)
    page.get_by_text("cannot be measured: the data holds no replies from americanair").first.wait_for(timeout=60_000)
    page.get_by_text("Why it is evidence").first.wait_for(state="attached", timeout=60_000)  # a grid header
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "real_crisis_american.png"), full_page=True)
    page.get_by_role("link", name="Reports").click()
    _settle(page, "Reports")
    # the crisis chosen on the Crises page is the one the retrospective opens with
    page.locator(f'input[role="combobox"][value^="{AIRLINE_CRISIS} (severity"]').first.wait_for(timeout=60_000)


def test_sentiment_by_brand_drills_down_to_a_thread_and_a_label_is_corrected(real_server, real_page):
    page = real_page
    page.goto(
        f"{real_server}/sentiment?grain=week&by=brand&day=2015-02-16&label=negative&group=United"
        "&from=2015-02-16&to=2015-02-24"
    )
    _settle(page, "Sentiment")
    page.get_by_role("heading", name="Posts: week of Mon 16 Feb 2015").first.wait_for(timeout=60_000)
    grids = page.locator('[data-testid="stDataFrame"]')
    grid = grids.nth(grids.count() - 1)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first post of the list
    page.locator('[data-testid="stChatMessage"]').first.wait_for(timeout=60_000)
    _settle(page, "Threads")
    assert "thread=" in page.url
    page.get_by_text("export's label").first.wait_for(timeout=60_000)
    form = page.locator('[data-testid="stForm"]').filter(has_text="Correct a label").last
    page.locator('[data-testid="stRadio"]').filter(has_text="undo the correction").get_by_text(
        "positive", exact=True
    ).click()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("corrected by a person").first.wait_for(timeout=90_000)
    _settle(page, "Threads")
    assert form is not None and page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "real_thread_corrected.png"), full_page=True)


def test_a_crafted_link_renders_no_link_and_fetches_no_image(server, page):
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    crafted = "[click here](https://evil.example/y) ![p](http://127.0.0.1:9/pixel.png)"
    page.goto(f"{server}/crises?crisis={urllib.parse.quote(crafted)}")
    _settle(page, "Crises")
    page.get_by_text("There is no crisis", exact=False).first.wait_for(timeout=60_000)
    assert page.locator('a[href="https://evil.example/y"]').count() == 0
    assert page.locator('img[src*="127.0.0.1:9"]').count() == 0
    hosts = {(urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port) for url in fetched}
    assert ("127.0.0.1", 9) not in hosts and not any(host == "evil.example" for host, _ in hosts)
    assert page.get_by_text("[click here](https://evil.example/y)", exact=False).count() >= 1  # shown as text


def test_html_in_a_brand_name_is_text_in_the_charts(demo_db, browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_brand")
    copy = folder / "radar.duckdb"
    shutil.copy(demo_db, copy)
    hostile = '<a href="https://evil.example/x">click</a><b>bold</b>'
    assert (
        subprocess.run(
            [sys.executable, "-m", "pipeline", "brands", "rename", "lumohelp", hostile, "--db", str(copy)],
            cwd=ROOT,
            capture_output=True,
        ).returncode
        == 0
    )
    serving = _serve(copy)
    url = next(serving)
    tab = browser.new_page(viewport={"width": 1400, "height": 2400})
    try:
        tab.goto(url)
        _settle(tab, "Overview")
        tab.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        tab.wait_for_timeout(2000)  # the other charts of the page draw
        assert tab.locator('[data-testid="stException"]').count() == 0
        plots = tab.locator(".js-plotly-plot")
        assert plots.locator('a[href="https://evil.example/x"]').count() == 0
        assert plots.locator("b").count() == 0
        assert tab.locator(".js-plotly-plot text", has_text="click</a>").count() >= 1  # the name, as text
        tab.screenshot(path=str(ARTIFACTS / "overview_hostile_brand.png"), full_page=True)
    finally:
        tab.close()
        next(serving, None)


@pytest.mark.spark
def test_a_lake_built_by_spark_is_served_by_streamlit_run_with_lake(spark_demo_lake, browser, tmp_path_factory):
    """`streamlit run app.py -- --lake DIR` serves the lake `radar spark build` wrote from the demo exports (no
    database file at all): the Overview draws its charts and its figures from the lake's files."""
    folder = tmp_path_factory.mktemp("lake")
    lake = spark_demo_lake
    with duckdb.connect() as con:
        posts = con.execute(
            "SELECT count(*) FROM read_parquet(?, hive_partitioning = true) "
            "WHERE created_at >= '2026-11-09 00:00:00+00' AND created_at < '2026-11-16 00:00:00+00'",
            [f"{lake}/posts/**/*.parquet"],
        ).fetchone()[0]
    assert posts > 100
    serving = _serve(folder / "no-database.duckdb", "--", "--lake", str(lake))
    url = next(serving)
    tab = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        tab.goto(f"{url}/?week=2026-W46")
        _settle(tab, "Overview")
        tab.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        assert tab.get_by_text("Sentiment trend of customer posts").count() >= 1
        metric = tab.locator('[data-testid="stMetric"]').filter(has_text="Posts").first
        assert f"{posts:,}" in metric.inner_text()
        assert tab.locator('[data-testid="stException"]').count() == 0
        tab.screenshot(path=str(ARTIFACTS / "overview_from_a_spark_lake.png"), full_page=True)
    finally:
        tab.close()
        next(serving, None)
    assert not (folder / "no-database.duckdb").exists()


SIGN_IN_USERS = {
    "ana": {"email": "ana@lumo.example", "email_verified": True},
    "vic": {"email": "vic@lumo.example", "email_verified": True},
    "zed": {"email": "zed@elsewhere.example", "email_verified": True},
}


@pytest.fixture(scope="module")
def signed_in_server(demo_db, tmp_path_factory):
    """The dashboard with sign-in through a real OpenID Connect provider on 127.0.0.1: Ana edits, Vic views,
    Zed has no access."""
    from tests.servers import OidcProvider

    folder = tmp_path_factory.mktemp("sign_in")
    copy = folder / "radar.duckdb"
    shutil.copy(demo_db, copy)
    port = _free_port()
    with OidcProvider(SIGN_IN_USERS) as provider:
        secrets = folder / "secrets.toml"
        secrets.write_text(
            f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-that-is-long-enough"
client_id = "reputation-radar"
client_secret = "radar-secret"
server_metadata_url = "{provider.metadata_url}"

[access]
editors = ["ana@lumo.example"]
viewers = ["@lumo.example"]
""",
            encoding="utf-8",
        )
        serving = _serve(copy, "--secrets.files", str(secrets), port=port)
        url = next(serving)
        yield url, copy
        next(serving, None)


def _sign_in(browser, url: str, subject: str, path: str = ""):
    """A new browser context (no cookie), opened on ``path``, signed in as ``subject`` at the provider."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.goto(f"{url}/{path}")
    tab.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    assert tab.get_by_role("heading", name="Data", exact=True).count() == 0
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("button", name=subject, exact=True).click(timeout=60_000)  # the provider's one-click user
    tab.wait_for_url(f"{url}/**", timeout=60_000)
    return context, tab


def test_sign_in_through_an_openid_connect_provider_gives_each_role_its_own_dashboard(signed_in_server, browser):
    url, database = signed_in_server
    # nobody signed in: a deep link shows the sign-in and nothing of the data
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    stranger = context.new_page()
    stranger.goto(f"{url}/crises?crisis=lumohelp:20261024T14")
    stranger.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    stranger.wait_for_timeout(1500)
    assert stranger.get_by_text("Lumo").count() == 0 and stranger.get_by_text("Response room").count() == 0
    assert stranger.locator('[data-testid="stSidebarNav"]').count() == 0
    stranger.screenshot(path=str(ARTIFACTS / "sign_in.png"))
    context.close()

    # an editor signs in at the provider, comes back signed in, and is offered the upload
    context, ana = _sign_in(browser, url, "ana")
    ana.get_by_text("ana@").first.wait_for(timeout=60_000)
    assert ana.get_by_text("editor").count() >= 1
    ana.goto(f"{url}/data")
    _settle(ana, "Data")
    assert ana.locator('[data-testid="stFileUploader"]').count() == 1
    context.close()

    # a viewer reads the Data page and every other, but is offered no change, whatever the URL
    context, vic = _sign_in(browser, url, "vic", "data")
    vic.goto(f"{url}/data")
    _settle(vic, "Data")
    assert vic.locator('[data-testid="stFileUploader"]').count() == 0
    vic.get_by_text("Loading exports is for editors").first.wait_for(timeout=30_000)
    vic.goto(f"{url}/crises?crisis=lumohelp:20261024T14")
    _settle(vic, "Crises")
    assert vic.get_by_role("button", name="Add to the log").count() == 0
    vic.screenshot(path=str(ARTIFACTS / "viewer_crises.png"), full_page=True)
    context.close()

    # someone the provider knows but the access list does not is refused, on every page
    context, zed = _sign_in(browser, url, "zed", "overview")
    zed.get_by_text("no access to this dashboard").first.wait_for(timeout=60_000)
    zed.goto(f"{url}/data")
    zed.get_by_text("no access to this dashboard").first.wait_for(timeout=60_000)
    assert zed.get_by_role("heading", name="Data", exact=True).count() == 0
    context.close()
