"""What every page shares: the database connection, cached queries, the sidebar filters, the URL state,
CSV downloads and empty states.

Pages ask ``pipeline`` for data through ``run_query``; none of them opens DuckDB itself. The process shares
one ``pipeline.core.store.Store``: a read-only connection opened on demand and released when idle (so `radar
ingest` can write between page views), and for the Data page's ``write`` a read-write connection through
which other sessions keep reading while the upload loads. A dashboard that serves a Parquet lake
(``serving_lake``) shares a ``pipeline.read.lake.LakeStore`` instead: the same queries on the lake's files,
and no ``write``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from pages._access import can_edit, serving_lake, viewer_note, visitor
from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.core.access import acting_as
from pipeline.core.i18n import (
    LOCALES,
    N_,
    Nn_,
    _,
    current_locale,
    fmt_date,
    fmt_int,
    fmt_when,
    ngettext,
    normalize_locale,
    sentiment_label_name,
    set_locale,
    set_locale_source,
    table_datetime_format,
)
from pipeline.core.settings import Settings, load_settings
from pipeline.core.store import Store
from pipeline.core.text import minutes_text  # noqa: F401 -- pages format durations as the reports do
from pipeline.enrich import set_sentiment_override
from pipeline.read.export import markdown_literal, safe_csv
from pipeline.read.lake import LakeStore
from pipeline.read.queries import (
    FilterOptions,
    PostFilter,
    available_weeks,
    default_date_range,
    filter_options,
    iso_week_label,
    report_week,
    week_text,
)

EMPTY_HELP = N_(
    "No posts yet. Load your exports on the **Data** page (or with `radar ingest FILE...`), or build the demo "
    "database with `radar demo` (`make run` does), then reload this page."
)
EMPTY_LAKE_HELP = N_(
    "No posts in this lake. Build it again from exports that hold posts (`radar spark build`, or `radar "
    "export-parquet` from a database), then reload this page."
)
LAKE_READ_ONLY = N_(
    "Not changed: this dashboard serves a lake, read-only; imports and settings changes are made by rebuilding "
    "the lake."
)
PAGES = {
    "overview": "pages/overview.py",
    "sentiment": "pages/sentiment.py",
    "responses": "pages/responses.py",
    "voice": "pages/voice.py",
    "topics": "pages/topics.py",
    "crises": "pages/crises.py",
    "threads": "pages/threads.py",
    "reports": "pages/reports.py",
    "data": "pages/data.py",
}
FILTER_PARAMS = ("from", "to", "brand", "platform", "lang")


@st.cache_resource(show_spinner=False)
def _store(lake: str | None) -> Store | LakeStore:
    """The process's one access to the data: the database file's, or the lake's when the dashboard serves one."""
    return LakeStore(lake) if lake else Store()


def _source() -> str:
    """What the pages read: the lake's location, or the database file's path."""
    return serving_lake() or str(db.resolve_db_path())


def _has_source() -> bool:
    """A database file exists only once made (before that the pages say how); a lake is always tried, and one
    that cannot be served is a problem to show (``database_problem``)."""
    return bool(serving_lake()) or db.resolve_db_path().exists()


def database_problem() -> str | None:
    """Why the database (or the lake) cannot be read (missing, in use, not ours), or None when it can."""
    if not _has_source():
        return None
    try:
        with _store(serving_lake()).reading():
            return None
    except db.DatabaseError as exc:
        if exc.locked:
            return _(
                "Another process is writing the database (most likely `radar ingest`). The pages show the "
                "data again as soon as it has finished: reload in a moment."
            )
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, version: str, path: str, args: tuple, kwargs: tuple, _fn: Callable) -> Any:
    with _store(serving_lake()).reading() as cursor:
        return _fn(cursor, *args, **dict(kwargs))


def run_query(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call a ``pipeline.read.queries`` function on a cursor, cached until the data, analytics or labels change."""
    with _store(serving_lake()).reading() as cursor:
        version = db.cache_key(cursor)
    return _cached(
        f"{fn.__module__}.{fn.__qualname__}/{current_locale()}",  # texts it returns are in the page's language
        version,
        _source(),
        args,
        tuple(sorted(kwargs.items())),
        fn,
    )


def write(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(con, ...)`` on a writable connection, recorded as the signed-in person's change; raises
    ``db.DatabaseError`` when the file is in use. Someone who may not edit is stopped here, whatever page or
    URL led to the call; so is every change on a dashboard that serves a lake."""
    if serving_lake():
        st.error(_(LAKE_READ_ONLY), icon=":material/block:")
        st.stop()
    who = visitor()
    if who.role != "editor":
        whose = (
            _("you are signed in as a viewer") if who.role == "viewer" else _("you have no access to this dashboard")
        )
        st.error(_("Not changed: changes are for editors, and {whose}.").format(whose=whose), icon=":material/block:")
        st.stop()
    with acting_as(who.name), _store(None).writing() as con:
        return fn(con, *args, **kwargs)


def settings() -> Settings:
    return run_query(load_settings)


def has_posts() -> bool:
    if not _has_source():
        return False
    problem = database_problem()
    if problem:
        st.error(markdown_literal(problem), icon=":material/lock:")
        return False
    return bool(run_query(_post_count))


def _post_count(con) -> int:
    return db.scalar(con, "SELECT count(*) FROM posts")


def show_empty_state() -> None:
    st.info(_(EMPTY_LAKE_HELP if serving_lake() else EMPTY_HELP), icon=":material/inbox:")


def require_posts() -> None:
    """Stop the page with the empty state (what to do next) when there is nothing to show."""
    if not has_posts():
        if serving_lake() and database_problem():
            st.stop()  # the error says why the lake cannot be read; "no posts" would not be true
        show_empty_state()
        if not serving_lake():  # a lake is loaded by rebuilding it, not on the Data page
            st.page_link(PAGES["data"], label=_("Open the Data page to load exports"), icon=":material/upload:")
        st.stop()


def _session_locale() -> str | None:
    """The reader's language for a run that did not choose one (Streamlit may run a page without app.py)."""
    try:
        if get_script_run_ctx() is None:
            return None
        state = st.session_state
        chosen = normalize_locale(state.get("ui.locale"))  # the selector's newest value, while it is there
        if chosen is not None and chosen != state.get("shared.locale"):
            state["shared.locale"] = chosen
        return chosen or state.get("shared.locale")
    except Exception:  # noqa: BLE001 -- outside a session there is none
        return None


set_locale_source(_session_locale)


def choose_locale() -> str:
    """The language of this page run, set for everything it shows: the sidebar's choice in this session, else
    a shared link's ``?locale=``, else the browser's language, else the database's default (the settings).
    Returns its code; ``locale_picker`` shows the choice."""
    state = st.session_state
    url = normalize_locale(st.query_params.get("locale"))
    if url and url != state.get("ui.locale.url"):  # a link chose it: it wins over this session's choice
        state["ui.locale"] = url
    # the widget's own key is dropped by Streamlit on a run that does not draw it: the choice is kept beside it
    chosen = normalize_locale(state.get("ui.locale")) or normalize_locale(state.get("shared.locale"))
    if chosen is None:
        chosen = normalize_locale(st.context.locale) or _database_locale()
    state["ui.locale"] = state["shared.locale"] = chosen
    set_locale(chosen)
    return chosen


def _database_locale() -> str:
    try:
        return settings().locale if _has_source() and not database_problem() else "en"
    except (db.DatabaseError, OSError):
        return "en"


def locale_picker() -> None:
    """The language selector in the sidebar, kept in the URL (``?locale=es``) like the filters."""
    st.sidebar.selectbox(
        _("Dashboard language"),  # not "Language": the filters below have the posts' languages
        list(LOCALES),
        format_func=LOCALES.get,
        key="ui.locale",
        help=_("The language of the dashboard; reports choose theirs on the Reports page."),
    )
    st.query_params["locale"] = st.session_state["ui.locale.url"] = current_locale()


def _date_param(value: str | None, first: date, last: date, default: date) -> date:
    """A date from the URL, kept within the data's range; the default when absent or not a date."""
    try:
        return min(max(date.fromisoformat(value), first), last) if value else default
    except ValueError:
        return default


def _shared(name: str, options: tuple[str, ...]) -> list[str]:
    """A list filter from the URL, else from this session (page switches clear the URL), kept to known values."""
    values = st.query_params.get_all(name) or st.session_state.get("shared.filters", {}).get(name, [])
    return [value for value in values if value in options]


def sidebar_filters(*, dates: bool = True) -> PostFilter:
    """Dates, brand, platform and language in the sidebar; written to the URL so that a view can be shared,
    and kept in the session so that they survive a page switch."""
    options: FilterOptions = run_query(filter_options)
    kept = st.session_state.get("shared.filters", {})
    params = st.query_params
    st.sidebar.header(_("Filters"))
    first, last = options.first_date, options.last_date
    start, end = first, last
    if dates:
        default_start, default_end = default_date_range(first, last)
        shared = (
            _date_param(params.get("from") or kept.get("from"), first, last, default_start),
            _date_param(params.get("to") or kept.get("to"), first, last, default_end),
        )
        chosen = st.sidebar.date_input(
            _("Dates (UTC)"),
            value=shared,
            min_value=first,
            max_value=last,
            key="filters.dates",
            format="YYYY-MM-DD",
            help=_("The data runs from {first} to {last}; the pages open on its newest 13 weeks.").format(
                first=fmt_date(first), last=fmt_date(last)
            ),
        )
        start, end = chosen if isinstance(chosen, tuple) and len(chosen) == 2 else (first, last)
    brands = st.sidebar.multiselect(
        _("Brand accounts"),
        options.brands,
        default=_shared("brand", options.brands),
        key="filters.brands",
        placeholder=_("All brands"),
    )
    platforms = st.sidebar.multiselect(
        _("Platforms"),
        options.platforms,
        default=_shared("platform", options.platforms),
        key="filters.platforms",
        placeholder=_("All platforms"),
    )
    languages = st.sidebar.multiselect(
        _("Languages"),
        options.languages,
        default=_shared("lang", options.languages),
        key="filters.languages",
        placeholder=_("All languages"),
        help=_("Detected language of each post (ISO 639-1); 'und' = undetermined"),
    )
    values = {"brand": brands, "platform": platforms, "lang": languages}
    if dates:
        values.update({"from": start.isoformat(), "to": end.isoformat()})
    st.session_state["shared.filters"] = {**kept, **values}
    for key, value in values.items():
        st.query_params[key] = value
    return PostFilter(
        start if dates else None, end if dates else None, tuple(brands), tuple(platforms), tuple(languages)
    )


def week_picker(label: str, *, key: str, until: date | None = None) -> tuple[date, str]:
    """An ISO-week selectbox shared through ``?week=`` and across pages (the week chosen on one page is the one
    the next opens with); defaults to the newest complete week (ending by ``until``, the sidebar's last date,
    where given) and marks a newer, partial one. Weeks show their dates. Returns the week's Monday and its
    label (``2026-W46``)."""
    weeks = run_query(available_weeks)
    labels = [iso_week_label(monday) for monday in weeks]
    complete = run_query(report_week)
    if until is not None and complete is not None and complete + timedelta(days=6) > until:
        earlier = [monday for monday in weeks if monday + timedelta(days=6) <= until]
        complete = earlier[0] if earlier else complete
    wanted, default = st.query_params.get("week") or st.session_state.get("shared.week"), iso_week_label(complete)
    start = labels.index(wanted) if wanted in labels else labels.index(default) if default in labels else 0
    if st.session_state.get(key) not in labels:  # first run of this page's picker: open on the shared week
        st.session_state[key] = labels[start]
    chosen = st.selectbox(
        label,
        labels,
        key=key,
        format_func=lambda w: (
            week_text(weeks[labels.index(w)])
            + (_(" (partial: data so far)") if weeks[labels.index(w)] > complete else "")
        ),
    )
    st.query_params["week"] = chosen
    st.session_state["shared.week"] = chosen
    return weeks[labels.index(chosen)], chosen


def shared_crisis() -> str | None:
    """The crisis chosen on any page (URL first, then this session)."""
    return st.query_params.get("crisis") or st.session_state.get("shared.crisis")


def remember_crisis(crisis_id: str) -> None:
    st.query_params["crisis"] = crisis_id
    st.session_state["shared.crisis"] = crisis_id


def filter_params() -> dict[str, Any]:
    """The current filters as URL parameters, to carry along when switching pages."""
    return {key: st.query_params.get_all(key) for key in FILTER_PARAMS if st.query_params.get_all(key)}


def open_thread(platform: str, thread_id: str) -> None:
    """Go to the Threads page with this thread open (and the filters kept)."""
    st.switch_page(PAGES["threads"], query_params={**filter_params(), "thread": f"{platform}:{thread_id}"})


def open_crisis(crisis_id: str) -> None:
    st.switch_page(PAGES["crises"], query_params={**filter_params(), "crisis": crisis_id})


def download_csv(frame: pd.DataFrame, name: str, *, key: str, label: str | None = None) -> None:
    """A CSV download of a table; cells that a spreadsheet would run as a formula are neutralised."""
    st.download_button(
        label or _("Download CSV"),
        data=safe_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def post_list(posts: pd.DataFrame, total: int, *, key: str, name: str, empty: str | None = None) -> None:
    """A list of posts (at most the ones given, of ``total``) with their labels and where each comes from, a CSV
    download named ``name``; choosing a post opens its thread."""
    from pipeline.read.selection import row_from_table

    if posts.empty:
        st.info(empty or _("No posts."))
        return
    cap_note(len(posts), total, "posts")
    shown = posts.assign(text=posts["text"].str.slice(0, 280), label=label_texts(posts))
    picked = st.dataframe(
        shown[["created_at", "platform", "author_id", "brand", "lang", "label", "text"]],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "created_at": st.column_config.DatetimeColumn(
                _("Posted (UTC)"), format=table_datetime_format(weekday=False)
            ),
            "platform": _("Platform"),
            "author_id": _("Author"),
            "brand": _("Brand"),
            "lang": _("Language"),
            "label": st.column_config.TextColumn(_("Label (source)"), width="medium"),
            "text": st.column_config.TextColumn(_("Text"), width="large"),
        },
    )
    st.caption(_("Choose a post to open its whole thread."))
    download_csv(posts, name, key=f"{key}.download")
    row = row_from_table(picked, posts)
    if row:
        open_thread(row["platform"], row["thread_id"])


# What a capped list holds: one whole sentence each (a noun put into a sentence takes another case in Polish).
CAP_NOTES = {
    "posts": Nn_(
        "Showing the first {shown} of {total} post; narrow the filters or search to see others.",
        "Showing the first {shown} of {total} posts; narrow the filters or search to see others.",
    ),
    "unanswered posts": Nn_(  # i18n: not text (the key)
        "Showing the first {shown} of {total} unanswered post; narrow the filters to see others.",
        "Showing the first {shown} of {total} unanswered posts; narrow the filters to see others.",
    ),
    "threads": Nn_(
        "Showing the first {shown} of {total} thread; narrow the filters or search to see others.",
        "Showing the first {shown} of {total} threads; narrow the filters or search to see others.",
    ),
    "messages": Nn_(
        "Showing the first {shown} of {total} message of this thread.",
        "Showing the first {shown} of {total} messages of this thread.",
    ),
}


def cap_note(shown: int, total: int, what: str) -> None:
    """Say that a list shows only its first ``shown`` of ``total`` (``what``: a key of ``CAP_NOTES``)."""
    if total > shown:
        st.caption(ngettext(*CAP_NOTES[what], total).format(shown=fmt_int(shown), total=fmt_int(total)))


SOURCE_NAMES = {
    "export": N_("export's label"),
    "radar": "Radar",  # i18n: not text (the product's name)
    "adapter": N_("learned from your labels"),
    "correction": N_("corrected"),
}


def label_text(label, source, radar_label=None, export_label=None) -> str:
    """``"negative (export's label; Radar: neutral)"``: a post's label, where it comes from, and the other
    source's label where the two differ."""
    if label is None or label != label:
        return sentiment_label_name(None)
    where = _(SOURCE_NAMES[source]) if source in SOURCE_NAMES else (source or "Radar")  # i18n: not text
    text = f"{sentiment_label_name(label)} ({where}"
    mine = source in ("radar", "adapter")
    other = export_label if mine else radar_label
    other_name = _("export") if mine else "Radar"  # i18n: not text (the product's name)
    if other is not None and other == other and other != label:
        text += f"; {other_name}: {sentiment_label_name(other)}"
    return text + ")"


def label_texts(posts: pd.DataFrame) -> list[str]:
    return [
        label_text(*row)
        for row in posts[["sentiment_label", "sentiment_source", "radar_label", "export_label"]].itertuples(
            index=False, name=None
        )
    ]


def percent_column(label: str, **options) -> Any:
    """A share column shown as a whole percentage ("13%"), the one percent format of every page and report;
    the frame's values go through ``as_percent`` first."""
    return st.column_config.NumberColumn(label, format="%.0f%%", **options)


def as_percent(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A copy with shares (0..1) as percentages (0..100), rounded, for ``percent_column``."""
    return frame.assign(**{column: (100 * frame[column]).round() + 0.0 for column in columns})


def correction_form(posts: pd.DataFrame, *, key: str) -> None:
    """A form to correct the sentiment label of one of ``posts`` (columns platform, post_id, created_at,
    author_id, text and the label columns), or to undo a correction; the analytics follow at once. Used by
    every post list and the thread view."""
    if not can_edit():
        viewer_note(_("Correcting a label"))
        return
    st.caption(
        _(
            "A correction wins everywhere at once (charts, crises, reports) and can be undone here or with "
            "`radar label POST_ID clear`."
        )
    )
    rows = {f"{row.platform}:{row.post_id}": row for row in posts.itertuples(index=False)}
    unknown = _("unknown")
    described = {
        choice: f"{fmt_when(row.created_at, year=True)} · {row.author_id or unknown} · "
        f"{label_text(row.sentiment_label, row.sentiment_source, row.radar_label, row.export_label)} · "
        f"{(row.text or '')[:60]}"
        for choice, row in rows.items()
    }
    with st.form(f"{key}.correct"):
        choice = st.selectbox(_("Post"), list(rows), format_func=described.get, key=f"{key}.correct_post")
        label = st.radio(
            _("Label"),
            ["negative", "neutral", "positive", "clear"],
            horizontal=True,
            key=f"{key}.correct_label",
            format_func=lambda v: _("undo the correction") if v == "clear" else sentiment_label_name(v),
        )
        note = st.text_input(_("Why (optional)"), key=f"{key}.correct_note")
        if st.form_submit_button(_("Save"), icon=":material/save:") and choice in rows:
            row = rows[choice]

            def _correct(con):
                set_sentiment_override(con, row.platform, row.post_id, None if label == "clear" else label, note)
                return update_analytics(con)

            try:
                write(_correct)
                st.session_state[f"{key}.corrected"] = (row.post_id, label)
                st.rerun()
            except (db.DatabaseError, ValueError) as exc:
                st.error(markdown_literal(str(exc)))
    done = st.session_state.pop(f"{key}.corrected", None)
    if done:
        post = markdown_literal(done[0])
        st.success(
            _("Correction removed from post {post}.").format(post=post)
            if done[1] == "clear"
            else _("Post {post} is now labelled {label} (corrected).").format(
                post=post, label=sentiment_label_name(done[1])
            ),
            icon=":material/check_circle:",
        )


def flash(message: str) -> None:
    """A success message that survives the rerun after a change (shown by ``show_flash``)."""
    st.session_state["flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message, icon=":material/check_circle:")


def alert_table_of(shown: pd.DataFrame, *, key: str) -> None:
    """An alert log (``pipeline.monitor.alerts.alerts_in_words``) as a table."""
    st.dataframe(
        shown[["at", "subject", "state", "roles", "channels", "sent_at", "acknowledged_by"]],
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            "at": st.column_config.DatetimeColumn(
                _("When (UTC)"),
                format=table_datetime_format(),
                help=_("When it was raised; in a replay of old exports, the data time it was judged at"),
            ),
            "subject": st.column_config.TextColumn(_("Alert"), width="large"),
            "state": st.column_config.TextColumn(_("State"), width="medium"),
            "roles": _("For"),
            "channels": _("Channels"),
            "acknowledged_by": _("Crisis acknowledged by"),
            "sent_at": st.column_config.DatetimeColumn(_("Sent (UTC)"), format=table_datetime_format(weekday=False)),
        },
    )
    download_csv(shown, "alerts", key=f"{key}.download")


# Last, once every name above is defined (a session importing this module at the same moment finds them all):
# Streamlit decides per process whether the app is a legacy `pages/` folder app until app.py calls
# st.navigation. When the very first request is a deep link (/threads?thread=...), it runs that page without
# app.py (no navigation, no page config). Every page imports this module first, so the first such run turns
# the legacy mode off and reruns, this time through app.py.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
