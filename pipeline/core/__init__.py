"""Core: what every stage may use: the database (``db``, the only module that opens DuckDB), settings, who
changes what (``access``), the brands and their aliases, parallel work, and the dashboard's shared connection."""
