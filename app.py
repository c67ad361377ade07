"""Reputation Radar: the router and frame. Page config, navigation; pages do the rest."""

import streamlit as st

st.set_page_config(page_title="Reputation Radar", page_icon=":material/radar:", layout="wide")

navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
])
st.sidebar.caption("Reputation Radar · times in UTC")
navigation.run()
