"""Data: load exports (with progress, then each file's import report and its quarantined rows), brand
account handles, business hours and SLA, the crisis detector's sensitivity, the escalation plan and the alert log.
On a dashboard that serves a lake: what the lake holds (brands, themes, settings, imports and their set-aside
rows, label sources), read-only, and how it is changed (by rebuilding the lake)."""

import re
from datetime import time
from pathlib import Path
from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from pages._access import can_edit, serving_lake, viewer_note
from pages._common import database_problem, download_csv, run_query, settings, write
from pages._plan_editor import alert_table, plan_editor
from pages._theme_editor import last_change_note, theme_editor
from pipeline.analytics import update_analytics
from pipeline.core import db
from pipeline.core.access import action_name
from pipeline.core.brands import (
    BrandError,
    add_brand,
    merge_brands,
    remove_brand,
    rename_brand,
    set_role,
    suggest_brands,
    suggest_merges,
)
from pipeline.core.i18n import (
    LOCALES,
    N_,
    _,
    fmt_int,
    fmt_pct,
    ngettext,
    table_datetime_format,
)
from pipeline.core.settings import SENSITIVITY, WEEKDAYS, business_day_name, save_settings, sensitivity_name
from pipeline.enrich import set_export_labels
from pipeline.ingest import (
    MAPPABLE_COLUMNS,
    IngestError,
    check_format_name,
    forget_custom_format,
    guess_mapping,
    ingest_files,
    read_header,
    save_upload,
)
from pipeline.normalize import build_posts
from pipeline.read.export import markdown_literal
from pipeline.read.queries import (
    brand_accounts,
    label_sources,
    latest_imports,
    quarantined_rows,
    recent_changes,
    saved_formats,
)

st.title(_("Data"))
problem = database_problem()
if problem:
    st.error(markdown_literal(problem), icon=":material/lock:")
    st.stop()

lake = serving_lake()
editor = can_edit()  # never on a lake
files, zone, load = [], "UTC", False
if lake:
    st.info(
        _(
            "This dashboard serves the lake {lake}, built by `radar spark build` (or `radar export-parquet`), "
            "read-only. Imports and settings changes are made by rebuilding the lake."
        ).format(lake=markdown_literal(lake)),
        icon=":material/database:",
    )
else:
    st.subheader(_("Load exports"))
    st.caption(
        _(
            "CSV exports from the supported tools (the formats are listed in docs/formats.md). Each file lands whole "
            "or not at all; a file already loaded is recognised and nothing is stored twice. Up to 200 MB per file; "
            "larger files load faster with `radar ingest FILE`."
        )
    )
    if editor:
        with st.form("data.upload", clear_on_submit=True):
            files = st.file_uploader(
                _("Export files"), type=["csv", "tsv", "txt"], accept_multiple_files=True, key="data.files"
            )
            zone = st.selectbox(
                _("Time zone of timestamps written without an offset"),
                ["UTC", *sorted(available_timezones() - {"UTC"})],
                key="data.tz",
            )
            load = st.form_submit_button(_("Load"), icon=":material/upload:", type="primary")
    else:
        viewer_note(_("Loading exports"))


def _ingest(con, paths, zone, on_progress, mapping=None, format_name=None):
    # the facts are built by update_analytics, after the new texts are scored, so that they carry sentiment
    results = ingest_files(
        con, paths, time_zone=zone, progress=on_progress, mapping=mapping, format_name=format_name, build_facts=False
    )
    analytics = update_analytics(con) if any(result.report for result in results) else None
    return results, analytics


_NOT_IN_FILE = N_("(not in this file)")  # the option's value; shown translated


def _unique(names: list[str]) -> list[str]:
    """Column labels for the preview: a repeated header gets " (2)", " (3)"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _mapping_form(index: int, path: str, zone: str) -> None:
    """Pick which column of an unrecognised export holds each posts column; save it as a custom format."""
    name = path.rsplit("/", 1)[-1]
    try:
        guess_file = read_header(path)
    except IngestError as exc:
        st.error(markdown_literal(str(exc)), icon=":material/error:")
        return
    header = guess_file.header
    guess = guess_mapping(header)
    options = [_NOT_IN_FILE, *header]
    with st.form(f"data.map.{index}"):
        st.markdown(_("**Map the columns of {name}**").format(name=markdown_literal(name)))
        st.caption(
            _(
                "Pick the column that holds each kind of value; the time and the text are required. The mapping "
                "is saved under the name below, and the next export with the same columns loads without asking."
            )
        )
        if guess_file.rows:
            preview = pd.DataFrame(
                [row[: len(header)] + [""] * (len(header) - len(row)) for row in guess_file.rows],
                columns=pd.Index(_unique(header)),
            )
            st.caption(
                ngettext("The first {n} row, as read:", "The first {n} rows, as read:", len(preview)).format(
                    n=fmt_int(len(preview))
                )
            )
            st.dataframe(preview, hide_index=True, width="stretch")
        chosen = {}
        grid = st.columns(3)
        for position, (column, meaning) in enumerate(MAPPABLE_COLUMNS.items()):
            default = options.index(guess[column]) if column in guess else 0
            label = _("{column} (required)").format(column=column) if column in ("created_at", "text") else column
            chosen[column] = grid[position % 3].selectbox(
                label,
                options,
                index=default,
                help=_(meaning),
                key=f"data.map.{index}.{column}",
                format_func=lambda option: _(option) if option == _NOT_IN_FILE else option,
            )
        default_name = re.sub(r"[^A-Za-z0-9_\-]+", "_", f"custom_{Path(name).stem}")[:60]
        format_name = st.text_input(
            _("Save as format (letters, digits, - and _)"), value=default_name, key=f"data.map.{index}.name"
        )
        if not st.form_submit_button(_("Save the mapping and load"), icon=":material/table_convert:", type="primary"):
            return
    mapping = {column: head for column, head in chosen.items() if head != _NOT_IN_FILE}
    missing = [column for column in ("created_at", "text") if column not in mapping]
    if missing:
        if len(missing) == 2:
            message = _("Pick the column that holds {first} and {second}: those two are required.").format(
                first=missing[0], second=missing[1]
            )
        else:
            message = _("Pick the column that holds {column}: those two are required.").format(column=missing[0])
        st.error(message, icon=":material/error:")
        return
    problem = check_format_name(format_name.strip())
    if problem:
        st.error(markdown_literal(problem), icon=":material/error:")
        return
    try:
        with st.spinner(_("Loading and updating the analytics…")):
            results, analytics = write(_ingest, [path], zone, None, mapping, format_name.strip())
    except db.DatabaseError as exc:
        st.error(markdown_literal(str(exc)), icon=":material/lock:")
        return
    previous = st.session_state.get("data.last_results", [])
    st.session_state["data.last_results"] = [results[0] if r.path == path else r for r in previous] or results
    if analytics:
        st.session_state["data.analytics"] = analytics.lines()
    st.rerun()


if load and files:
    uploads = db.resolve_db_path().parent / "uploads"
    paths = []
    for upload in files:
        try:
            paths.append(save_upload(upload.getvalue(), upload.name, uploads))
        except IngestError as exc:
            st.error(markdown_literal(str(exc)), icon=":material/error:")
    bar = st.progress(0.0, text=_("Starting…"))

    def on_progress(name: str, done: int, total: int) -> None:
        index = next((i for i, p in enumerate(paths) if str(p) == name), 0)
        share = (index + (done / total if total else 1.0)) / max(len(paths), 1)
        bar.progress(
            min(share, 1.0),
            text=_("Reading {name}: {share}").format(
                name=name.rsplit("/", 1)[-1], share=fmt_pct(done / total if total else 1)
            ),
        )

    if paths:
        try:
            with st.spinner(_("Loading and updating the analytics…")):
                results, analytics = write(_ingest, paths, zone, on_progress)
        except db.DatabaseError as exc:
            st.error(markdown_literal(str(exc)), icon=":material/lock:")
            st.stop()
        bar.progress(1.0, text=_("Done"))
        st.session_state["data.last_results"] = results
        st.session_state["data.last_zone"] = zone  # the form clears its widgets; a mapping reuses the zone
        if analytics:
            st.session_state["data.analytics"] = analytics.lines()

for index, result in enumerate(st.session_state.get("data.last_results", [])):
    name = result.path.rsplit("/", 1)[-1]
    if result.unknown_layout:
        st.warning(
            _(
                "{name}: no supported format recognises its columns, so nothing from it was "
                "stored yet. Map them once below; the mapping is saved, and the next export with the same "
                "columns loads without asking."
            ).format(name=markdown_literal(name)),
            icon=":material/table_convert:",
        )
        _mapping_form(index, result.path, st.session_state.get("data.last_zone", "UTC"))
        continue
    if result.error:
        st.error(
            _("{problem}. Nothing from this file was stored.").format(
                problem=markdown_literal(result.error.rstrip("."))
            ),
            icon=":material/error:",
        )
        continue
    report = result.report
    counts = {
        "name": name,
        "loaded": fmt_int(report.rows_loaded),
        "duplicate": fmt_int(report.rows_duplicate),
        "quarantined": fmt_int(report.rows_quarantined),
    }
    if report.rows_quarantined:
        st.warning(
            ngettext(
                "{name}: {loaded} post loaded, {duplicate} already stored, {quarantined} quarantined (see why below)",
                "{name}: {loaded} posts loaded, {duplicate} already stored, {quarantined} quarantined (see why below)",
                report.rows_loaded,
            ).format(**counts),
            icon=":material/warning:",
        )
    else:
        st.success(
            ngettext(
                "{name}: {loaded} post loaded, {duplicate} already stored, {quarantined} quarantined",
                "{name}: {loaded} posts loaded, {duplicate} already stored, {quarantined} quarantined",
                report.rows_loaded,
            ).format(**counts),
            icon=":material/check_circle:",
        )
    with st.expander(_("Import report for {name}").format(name=name), expanded=bool(report.rows_quarantined)):
        st.code("\n".join(report.lines()), language=None)
        if report.rows_quarantined:
            rows = run_query(quarantined_rows, report.import_id, limit=200)
            st.dataframe(
                rows,
                hide_index=True,
                width="stretch",
                column_config={
                    "line_number": _("Line"),
                    "reason": _("Why it was set aside"),
                    "raw": _("Row as read"),
                },
            )
            download_csv(rows, f"quarantine_{report.import_id}", key=f"data.quarantine.{report.import_id}")
for line in st.session_state.get("data.analytics", []):
    st.caption(line)

if not lake and not db.resolve_db_path().exists():
    st.info(_("No database yet: load an export above, or build the demo with `radar demo`."), icon=":material/inbox:")
    st.stop()

st.subheader(_("Brands"))
st.caption(
    _(
        "A brand is an account the data shows acting as a brand (its replies), a brand an export names, or one "
        "you add. Each brand has one name and any number of handles (its accounts: their posts are the brand's "
        "replies) and names (words people write: matched whole, any case and accents). A customer post belongs "
        "to the brand it @mentions, else the brand in its thread, else the one its export names, else the one "
        "it names. Every change here recomputes attribution, response times and crises. A brand's role (ours "
        "or a competitor) decides how it is compared (Share of voice, the weekly report) and alerted."
    )
)
# a brand's role in the table's cells, and as a choice in the forms below
ROLE_WORDS = {"ours": N_("ours"), "competitor": N_("a competitor"), None: N_("not said")}
ROLE_CHOICES = {"ours": N_("Ours"), "competitor": N_("A competitor"), None: N_("Not said")}
brands = run_query(brand_accounts)
st.dataframe(
    brands.assign(role=brands["role"].map(lambda r: _(ROLE_WORDS.get(r, ROLE_WORDS[None])))),
    hide_index=True,
    width="stretch",
    column_config={
        "brand": _("Brand"),
        "role": _("Role"),
        "handles": st.column_config.ListColumn(_("Handles")),
        "names": st.column_config.ListColumn(_("Names")),
        "source": _("Added by"),
        "added_at": st.column_config.DatetimeColumn(_("Added (UTC)"), format=table_datetime_format(weekday=False)),
        "posts": _("Posts"),
    },
)


def _account(handle: str, posts: int) -> str:
    """``@handle (12 posts)``: an often mentioned account."""
    return ngettext("@{handle} ({n} post)", "@{handle} ({n} posts)", posts).format(handle=handle, n=fmt_int(posts))


suggested = [] if lake else run_query(suggest_brands)  # suggestions lead to a change; a lake holds no staged rows
if suggested:
    st.caption(
        _("Often mentioned, not a brand yet: {accounts}. Add one in the Suggested tab below.").format(
            accounts=", ".join(_account(markdown_literal(handle), posts) for handle, posts in suggested)
        )
    )
for named, other, posts in [] if lake else run_query(suggest_merges):
    st.caption(
        ngettext(
            "Perhaps one brand: {n} post the export says is about {named} @mentions {other}. "
            "Merge them below if they are.",
            "Perhaps one brand: {n} posts the export says are about {named} @mention {other}. "
            "Merge them below if they are.",
            posts,
        ).format(n=fmt_int(posts), named=markdown_literal(named), other=markdown_literal(other))
    )


def _change_brands(change):
    """Apply a brand change, then rebuild the facts and analytics; the message says what happened."""

    def _run(con):
        result = change(con)
        if result.changed:
            build_posts(con)
            update_analytics(con)
        return result.message

    try:
        st.success(write(_run))
    except (BrandError, ValueError) as exc:
        st.error(_("Not changed: {problem}").format(problem=markdown_literal(str(exc))))
    except db.DatabaseError as exc:
        st.error(markdown_literal(str(exc)))


def _role_choice(role: str | None) -> str:
    return _(ROLE_CHOICES[role])


names = list(brands["brand"])
if not editor:
    viewer_note(_("Changing brands"))
else:
    suggest_tab, role_tab, add_tab, merge_tab, rename_tab, remove_tab = st.tabs(
        [
            _("Suggested ({n})").format(n=fmt_int(len(suggested))),
            _("Role"),
            _("Add"),
            _("Merge"),
            _("Rename"),
            _("Remove"),
        ]
    )
    with suggest_tab:
        if not suggested:
            st.caption(
                _(
                    "No account is mentioned often enough to suggest (at least 5 customer posts and 1 % of them), "
                    "or every such account is a brand already."
                )
            )
        else:
            with st.form("data.brands.suggested"):
                handle = st.selectbox(
                    _("Often mentioned account"),
                    [h for h, _posts in suggested],
                    key="data.suggested_handle",
                    format_func=lambda h: _account(h, dict(suggested)[h]),
                )
                role = st.radio(
                    _("It is"),
                    ["competitor", "ours", None],
                    format_func=_role_choice,
                    horizontal=True,
                    key="data.suggested_role",
                )
                if st.form_submit_button(_("Add as a brand"), icon=":material/add:"):
                    source = "suggested, added on the Data page"  # i18n: not text (stored as the brand's source)
                    _change_brands(lambda con: add_brand(con, "@" + handle, source=source, role=role))
    with role_tab, st.form("data.brands.role"):
        which = st.selectbox(_("Brand"), names, key="data.role_brand")
        role = st.radio(
            _("Role"), ["ours", "competitor", None], format_func=_role_choice, horizontal=True, key="data.role_value"
        )
        if st.form_submit_button(_("Set the role"), icon=":material/badge:"):
            try:  # a role changes no attribution: nothing is rebuilt
                st.success(write(lambda con: set_role(con, which, role).message))
            except (BrandError, db.DatabaseError) as exc:
                st.error(_("Not changed: {problem}").format(problem=markdown_literal(str(exc))))
    with add_tab, st.form("data.brands.add", clear_on_submit=True):
        name = st.text_input(
            _("Brand name (a new one, or an existing one to give more handles or names)"),
            key="data.brand_name",
            placeholder=_("e.g. JetBlue"),
        )
        handles = st.text_input(
            _("Handles (comma-separated, with or without @)"),
            key="data.brand_handles",
            placeholder=_("e.g. @JetBlue, @JetBlueCares"),
        )
        words = st.text_input(_("Other names people write (comma-separated)"), key="data.brand_words")
        new_role = st.radio(
            _("It is"), [None, "ours", "competitor"], format_func=_role_choice, horizontal=True, key="data.brand_role"
        )
        if st.form_submit_button(_("Add"), icon=":material/add:"):
            _change_brands(
                lambda con: add_brand(
                    con,
                    name,
                    handles=handles.split(","),
                    names=words.split(","),
                    source="added on the Data page",  # i18n: not text (stored as the brand's source)
                    role=new_role,
                )
            )
    with merge_tab, st.form("data.brands.merge"):
        into = st.selectbox(_("Keep"), names, key="data.brand_into")
        others = st.multiselect(
            _("Fold into it (their handles and names move, their posts follow)"), names, key="data.brand_others"
        )
        if st.form_submit_button(_("Merge"), icon=":material/merge:"):
            _change_brands(lambda con: merge_brands(con, into, others))
    with rename_tab, st.form("data.brands.rename"):
        old = st.selectbox(_("Brand"), names, key="data.brand_old")
        new = st.text_input(_("New name"), key="data.brand_new")
        if st.form_submit_button(_("Rename"), icon=":material/edit:"):
            _change_brands(lambda con: rename_brand(con, old, new))
    with remove_tab, st.form("data.brands.remove"):
        doomed_brand = st.selectbox(_("Brand"), names, key="data.brand_remove")
        st.caption(
            _("Its accounts' posts count as customers' again (until an export marks them as the brand's again).")
        )
        if st.form_submit_button(_("Remove"), icon=":material/delete:"):
            _change_brands(lambda con: remove_brand(con, doomed_brand))

theme_editor()


st.subheader(_("Business hours, SLA and crisis sensitivity"))
current = settings()
last_change_note("settings")
if not editor:
    st.caption(
        _(
            "Business hours {start}-{end} ({days}, {zone}); SLA {sla} to the first reply; crisis sensitivity "
            "{sensitivity}; {holidays}."
        ).format(
            start=current.business_start,
            end=current.business_end,
            days=", ".join(business_day_name(day) for day in current.business_days),
            zone=current.business_time_zone,
            sla=ngettext("{n} business minute", "{n} business minutes", current.sla_minutes).format(
                n=fmt_int(current.sla_minutes)
            ),
            sensitivity=sensitivity_name(current.sensitivity),
            holidays=ngettext("{n} holiday", "{n} holidays", len(current.holidays)).format(
                n=fmt_int(len(current.holidays))
            ),
        )
    )
    viewer_note(_("Changing these"))
else:
    with st.form("data.settings"):
        zones = sorted(available_timezones())
        left, right = st.columns(2)
        zone_name = left.selectbox(
            _("Business time zone"),
            zones,
            index=zones.index(current.business_time_zone)
            if current.business_time_zone in zones
            else zones.index("UTC"),
            key="data.business_tz",
        )
        days = right.multiselect(
            _("Business days"),
            list(WEEKDAYS),
            default=list(current.business_days),
            format_func=business_day_name,
            key="data.days",
        )
        start = left.time_input(_("Opens"), time.fromisoformat(current.business_start), step=900, key="data.start")
        end = right.time_input(
            _("Closes"), time.fromisoformat(min(current.business_end, "23:59")), step=900, key="data.end"
        )
        holidays = left.text_area(
            _("Holidays (one date per line, YYYY-MM-DD)"), "\n".join(current.holidays), key="data.holidays"
        )
        locales = list(LOCALES)
        locale = left.selectbox(
            _("Default language"),
            locales,
            index=locales.index(current.locale) if current.locale in locales else 0,
            format_func=LOCALES.get,
            key="data.locale",
            help=_(
                "The language for people whose browser language is not one Radar speaks, and for reports and "
                "alerts that do not choose one."
            ),
        )
        sla = right.number_input(
            _("SLA target (business minutes to the first reply)"), 1, 43200, int(current.sla_minutes), key="data.sla"
        )
        sensitivity = right.radio(
            _("Crisis detector sensitivity"),
            list(SENSITIVITY),
            horizontal=True,
            index=list(SENSITIVITY).index(current.sensitivity),
            format_func=sensitivity_name,
            key="data.sensitivity",
            help=_("low: only large, lasting surges · normal · high: also smaller surges"),
        )
        if st.form_submit_button(_("Save and recompute"), icon=":material/save:"):
            try:
                chosen = current.updated(
                    business_time_zone=zone_name,
                    business_days=tuple(days),
                    business_start=start.strftime("%H:%M"),
                    business_end=end.strftime("%H:%M"),
                    holidays=tuple(sorted({h.strip() for h in holidays.splitlines() if h.strip()})),
                    sla_minutes=int(sla),
                    sensitivity=sensitivity,
                    locale=locale,
                )
            except ValueError as exc:
                st.error(_("Not saved: {problem}").format(problem=markdown_literal(str(exc))))
            else:
                try:

                    def _save(con):
                        save_settings(con, chosen)
                        if chosen.analytics_key() == current.analytics_key():  # only the language: no figure changes
                            return []
                        return update_analytics(con, chosen).lines()

                    lines = write(_save)
                    st.success(_("Saved. {details}").format(details=" ".join(lines)).strip())
                except db.DatabaseError as exc:
                    st.error(markdown_literal(str(exc)))

st.subheader(_("Escalation plan"))
plan_editor()

if not lake:  # alerts are raised on a database (imports, `radar watch`), not kept in a lake
    st.subheader(_("Alert log"))
    alert_table()

st.subheader(_("Latest imports"))
imports = run_query(latest_imports, 20)
st.dataframe(
    imports.assign(notes=imports["notes"].fillna("")),
    hide_index=True,
    width="stretch",
    column_config={
        "import_id": _("Import"),
        "imported_at": st.column_config.DatetimeColumn(
            _("Imported (UTC)"), format=table_datetime_format(weekday=False)
        ),
        "file_name": _("File"),
        "format": _("Format"),
        "rows_read": _("Rows read"),
        "rows_loaded": _("Loaded"),
        "rows_duplicate": _("Already stored"),
        "rows_quarantined": _("Set aside"),
        "notes": _("Notes"),
        "imported_by": _("Loaded by"),
    },
)
download_csv(imports, "imports", key="data.download_imports")
if lake:  # each import's set-aside rows, as the import report shows them after an upload
    for row in imports[imports["rows_quarantined"] > 0].itertuples():
        with st.expander(_("Import report for {name}").format(name=markdown_literal(row.file_name))):
            rows = run_query(quarantined_rows, row.import_id, limit=200)
            st.dataframe(
                rows,
                hide_index=True,
                width="stretch",
                column_config={"line_number": _("Line"), "reason": _("Why it was set aside"), "raw": _("Row as read")},
            )
            download_csv(rows, f"quarantine_{row.import_id}", key=f"data.quarantine.{row.import_id}")

if not lake:  # the audit log stays with the database; a lake records no changes
    st.subheader(_("Who changed what"))
    changes = run_query(recent_changes, 200)
    if changes.empty:
        st.caption(
            _(
                "No change recorded yet. Imports, label corrections, brands, themes, settings, the plan and crisis "
                "acknowledgements are recorded here with who made them."
            )
        )
    else:
        st.caption(
            _(
                "The newest 200 changes (`radar audit` lists more). Without sign-in, a change is recorded as the "
                "computer's user; with sign-in, as the person signed in."
            )
        )
        st.dataframe(
            changes.assign(action=changes["action"].map(action_name)),
            hide_index=True,
            width="stretch",
            column_config={
                "changed_at": st.column_config.DatetimeColumn(
                    _("When (UTC)"), format=table_datetime_format(weekday=False)
                ),
                "changed_by": _("Who"),
                "action": _("What"),
                "detail": st.column_config.TextColumn(_("Detail"), width="large"),
            },
        )
        download_csv(changes, "changes", key="data.download_changes")

LABEL_CHOICES = {"export": N_("The export's own"), "radar": N_("Radar's score")}
labelled = run_query(label_sources)
labelled = labelled[labelled["labelled_posts"] > 0]
if not labelled.empty:
    st.subheader(_("Sentiment labels in the exports"))
    st.caption(
        _(
            "These imports carry their own sentiment labels (a listening tool's or people's). By default they "
            "are used; choose Radar's score instead where you trust it more. People's corrections win either way."
        )
    )
    st.dataframe(
        labelled,
        hide_index=True,
        width="stretch",
        column_config={
            "import_id": _("Import"),
            "file_name": _("File"),
            "format": _("Format"),
            "use_export_labels": st.column_config.CheckboxColumn(_("Export's labels used")),
            "labelled_posts": _("Posts with a label"),
        },
    )
    if not editor:
        viewer_note(_("Choosing which labels are used"))
    else:
        with st.form("data.labels"):
            chosen_import = st.selectbox(
                _("Import"),
                list(labelled["import_id"]),
                key="data.labels_import",
                format_func=lambda i: f"{i} · {labelled.set_index('import_id').loc[i, 'file_name']}",
            )
            use = st.radio(
                _("Labels shown"),
                ["export", "radar"],
                horizontal=True,
                key="data.labels_use",
                format_func=lambda use: _(LABEL_CHOICES[use]),
            )
            every = st.checkbox(_("For every import of this format"), key="data.labels_format")
            if st.form_submit_button(_("Save and recompute"), icon=":material/save:"):
                fmt = labelled.set_index("import_id").loc[chosen_import, "format"]
                try:
                    changed = write(
                        lambda con: (
                            set_export_labels(
                                con,
                                use == "export",
                                import_id=None if every else chosen_import,
                                format_name=fmt if every else None,
                            ),
                            update_analytics(con),
                        )[0]
                    )
                    st.success(
                        ngettext("{n} import changed.", "{n} imports changed.", changed).format(n=fmt_int(changed))
                        if changed
                        else _("Nothing to change.")
                    )
                except (db.DatabaseError, ValueError) as exc:
                    st.error(markdown_literal(str(exc)))

if not lake:  # mappings are saved on a database, for its uploads
    st.subheader(_("Saved column mappings"))
    formats = run_query(saved_formats)
    if formats.empty:
        st.caption(
            _(
                "None yet. When an upload's columns match no supported format, you map them once and the mapping is "
                "saved here (also `radar ingest FILE --map COLUMN=HEADER ...`)."
            )
        )
    else:
        st.dataframe(
            formats,
            hide_index=True,
            width="stretch",
            column_config={"name": _("Format"), "mapping": _("Column = header"), "created_at": _("Saved (UTC)")},
        )
        if not editor:
            viewer_note(_("Forgetting a mapping"))
        else:
            with st.form("data.forget_format"):
                doomed = st.selectbox(
                    _("Forget a mapping (posts already loaded stay)"), list(formats["name"]), key="data.forget_name"
                )
                if st.form_submit_button(_("Forget"), icon=":material/delete:"):
                    try:
                        write(forget_custom_format, doomed)
                        st.success(_("Forgot {name}.").format(name=markdown_literal(doomed)))
                        st.rerun()
                    except db.DatabaseError as exc:
                        st.error(markdown_literal(str(exc)))
