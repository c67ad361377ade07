"""Reputation Radar's Streamlit-free core: ingest -> normalize -> queries, and the ``radar`` CLI."""
