"""The Data page's theme editor: the theme set as an editable table (words separated by commas), checked whole
before it is saved; saving tags every customer post again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._access import can_edit, viewer_note
from pages._common import run_query, write
from pipeline.core import db
from pipeline.core.i18n import N_, _, fmt_day, fmt_int, fmt_time, ngettext
from pipeline.metrics.themes import ThemeError, load_themes, reset_themes, save_themes, theme_name
from pipeline.read.export import markdown_literal

COLUMNS = {
    "name": N_("Theme"),
    "any": N_("Any of these words"),
    "phrases": N_("Or any of these phrases"),
    "all": N_("Or all words of a group (groups separated by ;)"),
    "exclude": N_("Never with these words or phrases"),
}


def _latest_change(con, *actions: str) -> tuple | None:
    """When and by whom the newest change of these actions was made (``audit_log``), or None."""
    return db.first_row(
        con,
        f"""SELECT changed_at, changed_by FROM audit_log WHERE action IN ({", ".join("?" * len(actions))})
            ORDER BY changed_at DESC, rowid DESC LIMIT 1""",
        list(actions),
    )


def last_change_note(*actions: str) -> None:
    """A caption saying who made the newest change of these actions, and when (nothing when none is recorded)."""
    row = run_query(_latest_change, *actions)
    if row:
        st.caption(
            _("Last changed {day}, {time} UTC by {who}.").format(
                day=fmt_day(row[0]), time=fmt_time(row[0]), who=markdown_literal(str(row[1]))
            )
        )


def _as_rows(themes: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "name": t["name"],
                "any": ", ".join(t["any"]),
                "phrases": ", ".join(t["phrases"]),
                "all": "; ".join(", ".join(group) for group in t["all"]),
                "exclude": ", ".join(t["exclude"]),
            }
            for t in themes
        ],
        columns=list(COLUMNS),
    )


def _split(text) -> list[str]:
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def themes_from_rows(rows: pd.DataFrame) -> list[dict]:
    """The edited table as a theme set (rows without a name and without keywords are dropped)."""
    themes = []
    for row in rows.fillna("").to_dict("records"):
        if not any(str(row.get(column) or "").strip() for column in COLUMNS):
            continue
        themes.append(
            {
                "name": str(row.get("name") or "").strip(),
                "any": _split(row.get("any")),
                "phrases": _split(row.get("phrases")),
                "all": [_split(group) for group in str(row.get("all") or "").split(";") if _split(group)],
                "exclude": _split(row.get("exclude")),
            }
        )
    return themes


def theme_editor() -> None:
    st.subheader(_("Themes"))
    st.caption(
        _(
            "Themes tag what customers write about; a post can have several. Words match whole, in any case "
            "and with or without accents; `word*` also matches longer words that start with it (refund* "
            "matches refunds, refunded; dostaw* matches dostawa, dostawy). A phrase matches its words in order. "
            "Put English, Spanish and Polish words side by side. Saving tags every customer post again."
        )
    )
    try:
        themes = run_query(load_themes)
    except ThemeError as exc:
        st.error(
            _("The stored themes are not valid ({problem}); reset them to the shipped set.").format(
                problem=markdown_literal(str(exc))
            )
        )
        themes = []
    last_change_note("themes saved", "themes reset")  # i18n: not text (audit actions)
    if not can_edit():
        shown = _as_rows(themes)
        shown["name"] = [theme_name(name) for name in shown["name"]]
        st.dataframe(shown, hide_index=True, width="stretch", column_config={c: _(t) for c, t in COLUMNS.items()})
        viewer_note(_("Changing the themes"))
        return
    edited = st.data_editor(
        _as_rows(themes),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="data.themes",
        column_config={
            column: st.column_config.TextColumn(_(title), width="large" if column != "name" else "medium")
            for column, title in COLUMNS.items()
        },
    )
    save, reset = st.columns(2)
    if save.button(_("Save themes"), icon=":material/save:", key="data.themes.save"):
        try:
            count = len(write(lambda con: _in_transaction(con, lambda: save_themes(con, themes_from_rows(edited)))))
            st.success(
                ngettext(
                    "{n} theme saved; every customer post tagged again.",
                    "{n} themes saved; every customer post tagged again.",
                    count,
                ).format(n=fmt_int(count))
            )
        except ThemeError as exc:
            st.error(_("Themes not saved: {problem}").format(problem=markdown_literal(str(exc))))
        except db.DatabaseError as exc:
            st.error(markdown_literal(str(exc)))
    if reset.button(_("Put back the shipped themes"), icon=":material/restart_alt:", key="data.themes.reset"):
        try:
            write(lambda con: _in_transaction(con, lambda: reset_themes(con)))
            st.session_state.pop("data.themes", None)
            st.success(_("The shipped customer-care themes are back."))
        except db.DatabaseError as exc:
            st.error(markdown_literal(str(exc)))


def _in_transaction(con, change):
    con.execute("BEGIN TRANSACTION")  # i18n: not text
    try:
        result = change()
        con.execute("COMMIT")
        return result
    except BaseException:
        con.execute("ROLLBACK")
        raise
