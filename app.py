"""Reputation Radar: the router and frame. Page config, sign-in, navigation; pages do the rest."""

import streamlit as st

from pages._access import may_enter, sign_in_page

SIGN_IN_PATHS = ("", "overview", "sentiment", "voice", "topics", "responses", "crises", "threads", "reports", "data")

st.set_page_config(page_title="Reputation Radar", page_icon=":material/radar:", layout="wide")

if may_enter():
    navigation = st.navigation(
        {
            "Explore": [
                st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
                st.Page("pages/sentiment.py", title="Sentiment", icon=":material/mood:"),
                st.Page("pages/voice.py", title="Share of voice", icon=":material/leaderboard:"),
                st.Page("pages/topics.py", title="Themes and topics", icon=":material/topic:"),
                st.Page("pages/responses.py", title="Response times", icon=":material/timer:"),
                st.Page("pages/crises.py", title="Crises", icon=":material/warning:"),
                st.Page("pages/threads.py", title="Threads", icon=":material/forum:"),
            ],
            "Share and manage": [
                st.Page("pages/reports.py", title="Reports", icon=":material/description:"),
                st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
            ],
        }
    )
    st.sidebar.caption("Reputation Radar · dates and times in UTC unless a chart says otherwise")
else:
    # Only the sign-in is registered, under every page's address too: a link to a page (/data,
    # /crises?crisis=...) shows the sign-in, never the page.
    navigation = st.navigation(
        [
            st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path=path, default=not path)
            for path in SIGN_IN_PATHS
        ],
        position="hidden",
    )
navigation.run()
