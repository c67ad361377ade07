"""How the shipped themes agree with people: the airline file's human ``negativereason`` labels.

    .venv/bin/python bench/theme_agreement.py [--shared ../shared/data/real]

Every negative tweet of ../shared/data/real/airline_sentiment/Tweets.csv that a person gave a reason is tagged
with the shipped customer-care themes (``pipeline.metrics.themes.DEFAULT_THEMES``, exactly as the dashboard tags
posts). The reasons that have a counterpart in a generic customer-care set are mapped to it below (fixed
before the first run; the keywords were never tuned to this file); airline-only reasons (late or cancelled
flights, luggage, "bad flight") have none and are listed for what the themes make of them.

Prints, per reason: tweets, the share tagged with its theme (recall) and the share tagged with any theme;
per mapped theme: precision (of the tweets it tags among those with a mapped reason, the share whose reason
is that theme); then the whole table of reasons by themes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.metrics.themes import default_themes, normalized_sql, theme_condition_sql  # noqa: E402

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
MAPPING = {
    "Customer Service Issue": "Waiting and customer service",
    "longlines": "Waiting and customer service",
    "Flight Attendant Complaints": "Staff",
    "Flight Booking Problems": "Website and app",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args()
    path = args.shared / "airline_sentiment" / "Tweets.csv"
    if not path.exists():
        print(f"skipped: {path} is absent (../shared sits beside the repository)")
        return 0
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [
            (r["tweet_id"], r["negativereason"], r["text"])
            for r in csv.DictReader(handle)
            if r["airline_sentiment"] == "negative" and r["negativereason"]
        ]
    con = duckdb.connect()
    con.register("tweets", pd.DataFrame(rows, columns=["id", "reason", "text"]))
    themes = default_themes()
    cases = ", ".join(f'{theme_condition_sql(con, t, "t")} AS "{t["name"]}"' for t in themes)
    tagged = con.execute(f"SELECT id, reason, {cases} FROM (SELECT *, {normalized_sql('text')} AS t FROM tweets)").df()
    names = [t["name"] for t in themes]
    print(f"{len(tagged):,} negative airline tweets with a human reason; themes: the shipped set ({len(names)})\n")
    print(f"{'reason':<28} {'tweets':>6}  {'its theme':<30} {'recall':>6}  {'any theme':>9}")
    for reason, part in tagged.groupby("reason"):
        theme = MAPPING.get(reason)
        recall = f"{part[theme].mean():.0%}" if theme else "–"
        print(
            f"{reason:<28} {len(part):>6}  {theme or '(no counterpart)':<30} {recall:>6}  "
            f"{part[names].any(axis=1).mean():>9.0%}"
        )
    mapped = tagged[tagged["reason"].isin(MAPPING)]
    print(f"\nprecision among the {len(mapped):,} tweets whose reason has a theme:")
    for theme in sorted(set(MAPPING.values())):
        hits = mapped[mapped[theme]]
        right = hits["reason"].map(MAPPING).eq(theme).mean() if len(hits) else float("nan")
        print(f"  {theme:<30} tags {len(hits):>5,}  precision {right:.0%}")
    print("\nshare of each reason's tweets tagged with each theme:")
    table = tagged.groupby("reason")[names].mean().map(lambda v: f"{v:.0%}")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
