"""Metrics: from the facts (``fct_posts``) to the tables the pages read: response times, threads, the hourly
series, the playbook's moves, crises with their phases, and the themes posts are tagged with. Each module is
one family of ``fct_*`` tables; ``pipeline.analytics.update_analytics`` runs them in order."""
