"""Reputation Radar's Streamlit-free core, one package per stage in data-flow order:

core (database, settings, access, brands) -> ingest (exports -> ``stg_posts``) -> normalize (threads and
brands -> ``fct_posts``) -> enrich (language and sentiment) -> metrics (responses, hourly series, playbook
moves, crises, themes) -> monitor (plan, targets, alerts, delivery) -> analytics (``update_analytics`` runs
the stages after an import) -> read (queries, charts, summaries, reports, exports); and the entry points: the
``radar`` CLI, the demo and the folder watcher. A stage imports only from the stages before it
(``tests/test_layout.py``)."""
