"""Reputation Radar: the router and frame. Page config, sign-in, navigation; pages do the rest."""

from pathlib import Path

import streamlit as st

from pages._access import may_enter, sign_in_page

# (file, title, icon) of every page, by section of the sidebar
PAGES = {
    "Explore": [
        ("pages/overview.py", "Overview", ":material/dashboard:"),
        ("pages/sentiment.py", "Sentiment", ":material/mood:"),
        ("pages/voice.py", "Share of voice", ":material/leaderboard:"),
        ("pages/topics.py", "Themes and topics", ":material/topic:"),
        ("pages/responses.py", "Response times", ":material/timer:"),
        ("pages/crises.py", "Crises", ":material/warning:"),
        ("pages/threads.py", "Threads", ":material/forum:"),
    ],
    "Share and manage": [
        ("pages/reports.py", "Reports", ":material/description:"),
        ("pages/data.py", "Data", ":material/upload_file:"),
    ],
}

st.set_page_config(page_title="Reputation Radar", page_icon=":material/radar:", layout="wide")

if may_enter():
    navigation = st.navigation(
        {
            section: [
                st.Page(file, title=title, icon=icon, default=file == "pages/overview.py")
                for file, title, icon in pages
            ]
            for section, pages in PAGES.items()
        }
    )
    st.sidebar.caption("Reputation Radar · dates and times in UTC unless a chart says otherwise")
else:
    # Only the sign-in is registered, under the home address and every page's (a page's address is its file
    # name): a link to a page (/data, /crises?crisis=...) shows the sign-in, never the page.
    paths = ["", *(Path(file).stem for pages in PAGES.values() for file, _, _ in pages)]
    navigation = st.navigation(
        [
            st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path=path, default=not path)
            for path in paths
        ],
        position="hidden",
    )
navigation.run()
