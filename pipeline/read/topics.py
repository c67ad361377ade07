"""Emerging topics: the words and phrases whose use rose most in a week against the weeks before, per brand.

Terms are 1-3 word sequences of a customer post (hashtags included as ``#word``; @mentions, links and numbers
left out; a phrase never crosses a sentence mark or a comma, and never starts or ends with a stop word of
English, Spanish or Polish). Each term is counted once per post (a post that repeats a word is one post).

**Statistic**: the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008,
"Fightin' Words"). For term *w*, with *y* the posts of the week that use it, *y'* those of the weeks before,
*n* and *n'* all term uses in each, and a prior *a_w* proportional to the term's use in both together
(strength ``PRIOR_STRENGTH`` x the vocabulary)::

    delta = log((y + a_w) / (n + a_0 - y - a_w)) - log((y' + a_w) / (n' + a_0 - y' - a_w))
    z     = delta / sqrt(1 / (y + a_w) + 1 / (y' + a_w))

*n'* is robust: the median week's term uses x the number of weeks (never less than the largest *y'*). A
crisis in the weeks before fills them with its own words; counted as they are, they would make every usual
word look rarer before, so that this week's ordinary talk would seem to rise. Its own words stay in *y'*, so
they do not "rise" again as the crisis fades.

A term rises when z >= ``Z_MIN`` and at least ``MIN_POSTS`` posts of the week use it. For one term, z >= 3
happens by chance about once in 700 weeks; a week holds thousands of terms, so an ordinary one can still
pass now and then (its posts show it). The prior pulls rare terms towards no change, so a word seen twice this week and never
before does not outrank a phrase seen in forty posts; a frequent word used as often as before scores near 0.
A shorter term is dropped when a longer one that contains it rose in nearly the same posts (80 %).

Posts are read per brand; above ``SAMPLE_POSTS`` in a period a fixed hash sample is used and counts are
scaled back (the statistic then says ``sampled``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import duckdb
import pandas as pd

from pipeline.metrics.crises import STOP_WORDS
from pipeline.read.queries import PostFilter, posts_for

WEEKS_BEFORE = 8
MIN_POSTS = 5
Z_MIN = 3.0
PRIOR_STRENGTH = 0.5  # a_0 = this x the number of distinct terms: a weak prior, but never nothing
SAMPLE_POSTS = 50_000
EXAMPLES = 200  # post keys kept per term, for the drill-down

_DROP = re.compile(r"https?://\S+|www\.\S+|@[\w.]+|&amp;|&\w+;")
_CLAUSES = re.compile(r"[.!?,;:()\[\]{}\"“”«»\n]+|\s[-–—]\s")
_TOKEN = re.compile(r"#?[^\W\d_][\w'’-]*")
EXTRA_STOP = frozenset(
    """
i me my we us is am be do does did so if or as at by on in of to up an a it no yes ok hi hey
el la lo le se de en y o a un es al mi tu su te me ya si
i w z na do że o a od po za ze co mi to mój moja
""".split()  # i18n: not text (stop words)
)
STOP = STOP_WORDS | EXTRA_STOP


def terms_of(text: str) -> set[str]:
    """The distinct terms (1-3 words) of one post's text, lower case.

    >>> sorted(terms_of("My order #123 is LATE again, @Kelvo! #KelvoDelays"))
    ['#kelvodelays', 'late', 'late again', 'order']
    """
    out: set[str] = set()
    for clause in _CLAUSES.split(_DROP.sub(" ", text.lower())):
        tokens = [t.replace("’", "'").strip("'-") for t in _TOKEN.findall(clause)]
        tokens = [t for t in tokens if len(t) > 1]
        for size in (1, 2, 3):
            for start in range(len(tokens) - size + 1):
                gram = tokens[start : start + size]
                if gram[0] in STOP or gram[-1] in STOP:
                    continue
                out.add(" ".join(gram))
    return out


def _count(texts: list[str]) -> tuple[Counter, dict[str, list[int]]]:
    counts: Counter = Counter()
    where: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        for term in terms_of(text or ""):
            counts[term] += 1
            keep = where.setdefault(term, [])
            if len(keep) < EXAMPLES:
                keep.append(index)
    return counts, where


def log_odds(
    now: Counter, before: Counter, *, scale_now: float = 1.0, scale_before: float = 1.0, n_before: float | None = None
) -> pd.DataFrame:
    """term, y (this week), y_before, z: the log-odds ratio of each term (see the module docstring), counts
    scaled by the sampling factors first. ``n_before``: the term uses of the weeks before (default: their
    sum)."""
    vocabulary = set(now) | set(before)
    if not vocabulary:
        return pd.DataFrame(columns=["term", "y", "y_before", "z"])
    y = {t: now.get(t, 0) * scale_now for t in vocabulary}
    yb = {t: before.get(t, 0) * scale_before for t in vocabulary}
    n = sum(y.values())
    nb = max(n_before * scale_before if n_before else sum(yb.values()), max(yb.values()) + 1)
    total = n + sum(yb.values())
    a0 = PRIOR_STRENGTH * len(vocabulary)
    rows = []
    for term in vocabulary:
        a = a0 * (y[term] + yb[term]) / total
        delta = math.log((y[term] + a) / (n + a0 - y[term] - a)) - math.log((yb[term] + a) / (nb + a0 - yb[term] - a))
        rows.append((term, y[term], yb[term], delta / math.sqrt(1 / (y[term] + a) + 1 / (yb[term] + a))))
    return pd.DataFrame(rows, columns=["term", "y", "y_before", "z"])


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} " and longer != shorter


def rising_terms(
    now: Counter,
    before: Counter,
    *,
    weeks_before: int,
    scale_now: float = 1.0,
    scale_before: float = 1.0,
    limit: int = 10,
    min_posts: int = MIN_POSTS,
    z_min: float = Z_MIN,
    n_before: float | None = None,
) -> pd.DataFrame:
    """The terms that rose, best first: term, posts, before_per_week, z."""
    scored = log_odds(now, before, scale_now=scale_now, scale_before=scale_before, n_before=n_before)
    if scored.empty:
        return pd.DataFrame(columns=["term", "posts", "before_per_week", "z"])
    risen = scored[(scored["z"] >= z_min) & (scored["y"] >= min_posts)].sort_values(
        ["z", "term"], ascending=[False, True]
    )
    kept: list[tuple] = []
    for row in risen.itertuples(index=False):
        if any(
            _contains(other[0], row.term) and other[1] >= 0.8 * row.y
            for other in risen.itertuples(index=False)
            if other[0] != row.term and other[3] >= z_min
        ):
            continue  # a longer phrase says the same
        kept.append(row)
        if len(kept) >= limit:
            break
    frame = pd.DataFrame(kept, columns=["term", "y", "y_before", "z"])
    return pd.DataFrame(
        {
            "term": frame["term"],
            "posts": frame["y"].round().astype(int),
            "before_per_week": frame["y_before"] / max(weeks_before, 1),
            "z": frame["z"],
        }
    )


def _texts(
    con: duckdb.DuckDBPyConnection, filters: PostFilter, brand: str, start: date, end: date
) -> tuple[list[tuple[str, str, str, date]], float]:
    """(platform, post_id, text, week) of a brand's customer posts in [start, end), and the sampling factor."""
    condition, params = replace(filters, start_date=start, end_date=end - timedelta(days=1), brands=(brand,)).where()
    total = con.execute(f"SELECT count(*) FROM posts WHERE NOT is_brand AND {condition}", params).fetchall()[0][0]
    order = "ORDER BY hash(platform || ':' || post_id), platform, post_id" if total > SAMPLE_POSTS else ""
    rows = con.execute(
        f"SELECT platform, post_id, text, date_trunc('week', created_at)::DATE "
        f"FROM posts WHERE NOT is_brand AND {condition} {order} "
        f"LIMIT {SAMPLE_POSTS}",
        params,
    ).fetchall()
    return rows, (total / len(rows) if rows else 1.0)


def emerging_topics(
    con: duckdb.DuckDBPyConnection,
    week: date,
    filters: PostFilter = PostFilter(),
    *,
    weeks_before: int = WEEKS_BEFORE,
    limit: int = 10,
) -> pd.DataFrame:
    """Per brand with posts in the ISO week starting ``week``: the terms that rose most against the
    ``weeks_before`` weeks before it, strongest first. Columns: brand, term, posts (this week), before_per_week, z, sampled,
    post_keys (``platform:post_id`` of up to ``EXAMPLES`` posts of the week that use it)."""
    condition, params = replace(filters, start_date=week, end_date=week + timedelta(days=6)).where()
    brands = [
        row[0]
        for row in con.execute(
            f"SELECT brand FROM {posts_for(filters)} WHERE NOT is_brand AND brand IS NOT NULL AND {condition} "
            "GROUP BY 1 ORDER BY count(*) DESC, 1",
            params,
        ).fetchall()
    ]
    frames = []
    for brand in brands:
        now_rows, scale_now = _texts(con, filters, brand, week, week + timedelta(days=7))
        before_rows, scale_before = _texts(con, filters, brand, week - timedelta(days=7 * weeks_before), week)
        if not before_rows:
            continue  # nothing to compare with: every word would be new
        now, where = _count([row[2] for row in now_rows])
        before, _ = _count([row[2] for row in before_rows])
        per_week: Counter[date] = Counter()
        for row in before_rows:
            per_week[row[3]] += len(terms_of(row[2] or ""))
        weekly = sorted(per_week.get(week - timedelta(days=7 * (k + 1)), 0) for k in range(weeks_before))
        median = (weekly[(weeks_before - 1) // 2] + weekly[weeks_before // 2]) / 2
        risen = rising_terms(
            now,
            before,
            weeks_before=weeks_before,
            scale_now=scale_now,
            scale_before=scale_before,
            limit=limit,
            n_before=median * weeks_before or None,
        )
        if risen.empty:
            continue
        risen.insert(0, "brand", brand)
        risen["sampled"] = scale_now > 1 or scale_before > 1
        risen["post_keys"] = [
            [f"{now_rows[i][0]}:{now_rows[i][1]}" for i in where.get(term, [])] for term in risen["term"]
        ]
        frames.append(risen)
    if not frames:
        return pd.DataFrame(columns=["brand", "term", "posts", "before_per_week", "z", "sampled", "post_keys"])
    return pd.concat(frames, ignore_index=True).sort_values(
        ["z", "brand", "term"], ascending=[False, True, True], ignore_index=True
    )
