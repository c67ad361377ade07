"""Reputation Radar: the router and frame. Page config, navigation; pages do the rest."""

import streamlit as st

st.set_page_config(page_title="Reputation Radar", page_icon=":material/radar:", layout="wide")

navigation = st.navigation({
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
})
st.sidebar.caption("Reputation Radar · dates and times in UTC unless a chart says otherwise")
navigation.run()
