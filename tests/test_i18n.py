"""Three languages: every text marked, every message translated, formats by locale, every page in each language.

English is the source: the catalogues (pipeline/locale/*/LC_MESSAGES/messages.po) translate the messages Babel
extracts from the code (``make messages``). A new text that is not marked, or marked and not translated,
fails here.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pipeline.core.i18n import (
    CATALOGUES,
    LOCALES,
    Message,
    Nn_,
    fmt_day,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_when,
    ngettext,
    render_stored,
    use_locale,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from check_messages import find_unmarked, user_facing_files  # noqa: E402

TRANSLATED = [code for code in LOCALES if code != "en"]
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def extracted_messages() -> dict[str, str | None]:
    """msgid -> msgid_plural of every message marked in the code, as `make messages` extracts them (babel.cfg)."""
    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "Nn_": (1, 2)}
    method_map = [("app.py", "python"), ("pages/**.py", "python"), ("pipeline/**.py", "python")]
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, method_map, keywords=keywords):
        single, plural = (message, None) if isinstance(message, str) else (message[0], message[1])
        found[single] = plural
    return found


@pytest.fixture(scope="module")
def messages():
    return extracted_messages()


@pytest.fixture(scope="module", params=TRANSLATED)
def catalogue(request):
    with (CATALOGUES / request.param / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return request.param, read_po(source, locale=request.param)


# -- the checker that keeps texts marked -------------------------------------------------------------------


@pytest.mark.parametrize("path", user_facing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_a_person_reads_is_marked_for_translation(path):
    findings = find_unmarked(path)
    assert not findings, "\n".join(str(finding) for finding in findings)


def test_the_checker_finds_an_unmarked_text_and_an_f_string_inside_a_marker(tmp_path):
    (tmp_path / "pages").mkdir()
    page = tmp_path / "pages" / "page.py"  # a page: Streamlit runs its top level on every view
    page.write_text(
        "import streamlit as st\nfrom pipeline.core.i18n import _\n"
        'st.title("Crises")\n'
        'st.caption(_(f"{n} posts"))\n'
        'st.caption(_("Marked text"))\n'
        'st.button(_("Save"), key="data.save_button")\n'
        'row = {"brand": 1}["brand"]\n'
        'st.markdown("body { font-family: serif }")  # i18n: not text (CSS)\n'
    )
    found = [(f.line, f.problem) for f in find_unmarked(page)]
    assert found == [(3, "not marked"), (4, "f-string inside _")]
    module = tmp_path / "words.py"  # a module: its top level runs once, at import, in no reader's language
    module.write_text(
        "from pipeline.core.i18n import N_, _\n"
        'SAVE = _("Save")\n'
        'CANCEL = N_("Cancel")\n'
        'def label(text=_("Label")):\n'
        '    return _("Shown") + _(CANCEL)\n'
    )
    assert [(f.line, f.problem) for f in find_unmarked(module)] == [
        (2, "translated at import time"),
        (4, "translated at import time"),
    ]


# -- the catalogues ---------------------------------------------------------------------------------------


def test_every_marked_message_is_translated(messages, catalogue):
    code, po = catalogue
    missing, fuzzy, plural_gaps = [], [], []
    for msgid, plural in messages.items():
        entry = po.get(msgid)
        if entry is None or not (entry.string if plural is None else all(entry.string or [""])):
            missing.append(msgid)
        elif entry.fuzzy:
            fuzzy.append(msgid)
        elif plural is not None and (not isinstance(entry.string, tuple) or len(entry.string) != po.num_plurals):
            plural_gaps.append(msgid)
    assert not missing, f"{code}: {len(missing)} message(s) not translated (make messages, then translate):\n" + (
        "\n".join(missing[:40])
    )
    assert not fuzzy, f"{code}: fuzzy translations to check: {fuzzy[:20]}"
    assert not plural_gaps, f"{code}: plural forms missing: {plural_gaps[:20]}"


def test_a_translation_keeps_the_messages_placeholders(messages, catalogue):
    code, po = catalogue
    wrong = []
    for msgid, plural in messages.items():
        entry = po.get(msgid)
        if entry is None or not entry.string:
            continue
        names = set(PLACEHOLDER.findall(msgid)) | (set(PLACEHOLDER.findall(plural)) if plural else set())
        for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            used = set(PLACEHOLDER.findall(text))
            # a singular form may leave out the count ("1 reply" -> "una respuesta"), never invent a name
            if used - names or (plural is None and used != names):
                wrong.append(f"{msgid!r} -> {text!r}")
    assert not wrong, f"{code}: placeholders differ:\n" + "\n".join(wrong[:30])


def test_polish_counts_take_three_forms():
    with use_locale("pl"):
        forms = {n: ngettext("{count} complaint", "{count} complaints", n).format(count=n) for n in (1, 2, 5, 22, 25)}
    assert len({forms[1].split()[1], forms[2].split()[1], forms[5].split()[1]}) == 3, forms
    assert forms[22].split()[1] == forms[2].split()[1] and forms[25].split()[1] == forms[5].split()[1], forms


def test_each_language_has_its_own_words_for_a_page_title():
    titles = {}
    for code in LOCALES:
        with use_locale(code):
            from pipeline.core.i18n import _

            titles[code] = (_("Overview"), _("Crises"), _("Share of voice"))
    assert len({titles[code] for code in LOCALES}) == 3, titles


# -- formats ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, number, share, day, moment",
    [
        ("en", "1,234.5", "12.5%", "Mon 9 Nov 2026", "Mon 9 Nov 14:05"),
        ("es", "1.234,5", "12,5\u00a0%", "lun 9 nov 2026", "lun 9 nov 14:05"),
        ("pl", "1\u00a0234,5", "12,5%", "pon., 9 lis 2026", "pon., 9 lis 14:05"),
    ],
)
def test_numbers_and_dates_follow_the_locale(code, number, share, day, moment):
    with use_locale(code):
        assert fmt_num(1234.5) == number
        assert fmt_pct(0.125, 1) == share
        assert fmt_day(date(2026, 11, 9)) == day
        assert fmt_when(datetime(2026, 11, 9, 14, 5, tzinfo=UTC)) == moment
        assert fmt_int(None) == "—"


def test_a_stored_message_reads_in_each_language_and_an_old_sentence_as_it_was():
    stored = Message(*Nn_("{count} complaint", "{count} complaints"), count="count", args=(("count", "int", 1234),),
                     suffix=" (+2)").to_json()  # fmt: skip
    with use_locale("en"):
        assert render_stored(stored) == "1,234 complaints (+2)"
    with use_locale("pl"):
        polish = render_stored(stored)
    assert polish.startswith("1\u00a0234 ") and polish.endswith(" (+2)") and "complaints" not in polish
    assert (
        render_stored("42 negative posts above the usual level (+1)") == "42 negative posts above the usual level (+1)"
    )


# -- every page and report in each language --------------------------------------------------------------


def _page_titles() -> dict[str, str]:
    """file -> English title, from app.py's one list of pages (read, not imported: importing runs the app)."""
    import ast

    titles = {}
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and len(node.elts) == 3 and isinstance(node.elts[0], ast.Constant):
            file, title = node.elts[0].value, node.elts[1]
            if isinstance(title, ast.Call) and title.args and isinstance(title.args[0], ast.Constant):
                titles[file] = title.args[0].value
    return titles


PAGE_TITLES = _page_titles()


@pytest.fixture
def fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize("page", sorted(PAGE_TITLES))
def test_every_page_renders_in_each_language(monkeypatch, demo_db, fresh_caches, page, code):
    from pipeline.core.i18n import _
    from tests.test_app import open_page

    with use_locale(code):  # AppTest formats a selectbox's options in the test's thread too
        app = open_page(monkeypatch, demo_db, page, locale=code)
        title = _(PAGE_TITLES[page])
    assert title != PAGE_TITLES[page], f"{code} has no translation of the title {PAGE_TITLES[page]!r}"
    assert [t.value for t in app.title] == [title]
    assert app.session_state["shared.locale"] == code


def test_the_language_follows_the_settings_then_the_sidebar(monkeypatch, demo_copy, fresh_caches):
    from pipeline.core import db
    from pipeline.core.i18n import _
    from pipeline.core.settings import load_settings, save_settings
    from tests.test_app import open_page

    with db.connect(demo_copy) as con:
        save_settings(con, load_settings(con).updated(locale="pl"))
    # AppTest turns the widgets' values back into options in the test's thread, with the options' labels of the
    # run before: the test speaks the language of the run before each rerun.
    with use_locale("pl"):
        app = open_page(monkeypatch, demo_copy)  # AppTest's browser asks for no language: the database's default
        assert app.sidebar.selectbox(key="ui.locale").value == "pl"
        assert app.query_params["locale"] in ("pl", ["pl"])
        assert [t.value for t in app.title] == [_("Overview")]
        app.sidebar.selectbox(key="ui.locale").set_value("es").run()
    with use_locale("es"):
        assert [t.value for t in app.title] == [_("Overview")] and not app.exception
        app.switch_page("pages/crises.py").run()  # the choice holds on the next page
        assert [t.value for t in app.title] == [_("Crises")] and not app.exception


def test_argparse_speaks_the_commands_language(monkeypatch, capsys):
    """argparse's own words (usage, headings, errors) come from Radar's catalogues too."""
    from pipeline.cli import main

    monkeypatch.setenv("RADAR_LOCALE", "pl")
    with pytest.raises(SystemExit) as stopped:
        main(["report", "weekly", "--locale", "fr"])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and "błąd" in error and "nieprawidłowy wybór: 'fr'" in error
    monkeypatch.setenv("RADAR_LOCALE", "es")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("uso: radar")
    monkeypatch.setenv("RADAR_LOCALE", "en")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("usage: radar")
