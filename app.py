"""Reputation Radar: the router and frame. Page config, language, sign-in, navigation; pages do the rest."""

from pathlib import Path

import streamlit as st

from pages._access import may_enter, sign_in_page
from pages._common import choose_locale, locale_picker
from pipeline.core.i18n import N_, _

# (file, title, icon) of every page, by section of the sidebar; titles and sections translated when shown
PAGES = {
    N_("Explore"): [
        ("pages/overview.py", N_("Overview"), ":material/dashboard:"),
        ("pages/sentiment.py", N_("Sentiment"), ":material/mood:"),
        ("pages/voice.py", N_("Share of voice"), ":material/leaderboard:"),
        ("pages/topics.py", N_("Themes and topics"), ":material/topic:"),
        ("pages/responses.py", N_("Response times"), ":material/timer:"),
        ("pages/crises.py", N_("Crises"), ":material/warning:"),
        ("pages/threads.py", N_("Threads"), ":material/forum:"),
    ],
    N_("Share and manage"): [
        ("pages/reports.py", N_("Reports"), ":material/description:"),
        ("pages/data.py", N_("Data"), ":material/upload_file:"),
    ],
}

st.set_page_config(page_title="Reputation Radar", page_icon=":material/radar:", layout="wide")  # i18n: not text
choose_locale()

if may_enter():
    navigation = st.navigation(
        {
            _(section): [
                st.Page(file, title=_(title), icon=icon, default=file == "pages/overview.py")
                for file, title, icon in pages
            ]
            for section, pages in PAGES.items()
        }
    )
    locale_picker()
    st.sidebar.caption(_("Reputation Radar · dates and times in UTC unless a chart says otherwise"))
else:
    # Only the sign-in is registered, under the home address and every page's (a page's address is its file
    # name): a link to a page (/data, /crises?crisis=...) shows the sign-in, never the page.
    paths = ["", *(Path(file).stem for pages in PAGES.values() for file, _title, _icon in pages)]
    navigation = st.navigation(
        [
            st.Page(sign_in_page, title=_("Sign in"), icon=":material/login:", url_path=path, default=not path)
            for path in paths
        ],
        position="hidden",
    )
    locale_picker()
navigation.run()
