"""The weekly summary in plain words, computed from the figures (no language model): what moved most and where,
against the week before and against competitors, the crises and their state, the response-time trend and
the emerging topics. Each sentence is built from numbers the dashboard shows; where the data cannot say
(no week before, no brand replies), the sentence says so instead of guessing.

"Our brands" are the brands with the role ``ours`` (``pipeline.core.brands``); while none has one, the summary
speaks of all brands and says that a comparison with competitors needs the roles.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.text import is_missing, minutes_text
from pipeline.read.compare import brand_counts, tracked_brands
from pipeline.read.queries import PostFilter, _responses_for, crisis_list
from pipeline.read.topics import WEEKS_BEFORE, emerging_topics

MIN_SCORED = 20  # a brand's net sentiment moves only count with at least this many scored posts in both weeks


def _net(frame: pd.DataFrame) -> float | None:
    scored = frame["scored"].sum()
    return None if not scored else 100.0 * (frame["positive"].sum() - frame["negative"].sum()) / scored


def _signed(value: float, unit: str = "") -> str:
    """``-0.4`` -> ``"0"``, ``12.6`` -> ``"+13"``; ``unit=" point"`` adds the unit, plural where it is."""
    rounded = round(value) + 0
    plural = "s" if unit.endswith("point") and abs(rounded) != 1 else ""
    return (f"{rounded:+d}" if rounded else "0") + unit + plural


def _posts_change(now: int, before: int | None) -> str:
    if before is None:
        return "(the week before is not in the data)"
    if before == 0:
        return "none the week before"
    change = round(100.0 * (now - before) / before)
    if change == 0:
        return f"as many as the week before ({before:,})"
    return f"{abs(change)} % {'more' if change > 0 else 'fewer'} than the week before ({before:,})"


def _names(brands) -> str:
    brands = list(brands)
    return brands[0] if len(brands) == 1 else ", ".join(brands[:-1]) + " and " + brands[-1]


def _week_in_data(con, monday: date) -> bool:
    return (
        db.first_row(
            con,
            "SELECT 1 FROM fct_posts WHERE created_at >= ? AND created_at < ? LIMIT 1",
            [
                pd.Timestamp(monday, tz="UTC").to_pydatetime(),
                pd.Timestamp(monday + timedelta(days=7), tz="UTC").to_pydatetime(),
            ],
        )
        is not None
    )


def topics_filter(con: duckdb.DuckDBPyConnection, filters: PostFilter) -> PostFilter:
    """The scope of the summary's emerging topics: the tracked brands (within the filter), any dates."""
    return replace(filters, start_date=None, end_date=None, brands=tracked_brands(con, filters) or filters.brands)


def weekly_summary(
    con: duckdb.DuckDBPyConnection,
    monday: date,
    filters: PostFilter = PostFilter(),
    *,
    topics: pd.DataFrame | None = None,
) -> list[str]:
    """The summary of the ISO week starting ``monday`` as sentences (the filter's dates are ignored; its
    brands, platforms and languages apply). ``topics``: the week's emerging topics for ``topics_filter``,
    where the caller has them already (they take a second or more to compute)."""
    week = replace(filters, start_date=monday, end_date=monday + timedelta(days=6))
    before = replace(filters, start_date=monday - timedelta(days=7), end_date=monday - timedelta(days=1))
    has_before = _week_in_data(con, monday - timedelta(days=7))
    roles = dict(con.execute("SELECT brand, role FROM brands").fetchall())
    tracked = tracked_brands(con, filters)
    ours = tuple(b for b in tracked if roles.get(b) == "ours")
    competitors = tuple(b for b in tracked if roles.get(b) == "competitor")
    sentences: list[str] = []

    data_start, data_end = db.one_row(con, "SELECT min(created_at), max(created_at) FROM fct_posts")
    if data_end is not None and pd.Timestamp(data_end).date() < monday + timedelta(days=6):
        sentences.append(
            f"The data ends {pd.Timestamp(data_end):%a %d %b %H:%M} UTC: this week is partial, and "
            "its counts are compared with a whole week."
        )
    elif data_start is not None and pd.Timestamp(data_start).date() > monday:
        sentences.append(f"The data starts {pd.Timestamp(data_start):%a %d %b %H:%M} UTC: this week is partial.")

    # 1. volume and sentiment of our brands (or of every brand)
    subject = tracked if not ours else ours
    who = (
        f"Our brand{'s' if len(ours) > 1 else ''} ({_names(ours)})"
        if ours
        else "The tracked brands"
        if tracked
        else "All brands"
    )
    # every figure below comes from the tracked brands' counts of the two weeks, read once
    now_all, prev_all = brand_counts(con, tracked, week), brand_counts(con, tracked, before)
    if subject:
        now_counts, prev_counts = now_all[now_all["brand"].isin(subject)], prev_all[prev_all["brand"].isin(subject)]
        posts_now = int(now_counts["posts"].sum())
        posts_before = int(prev_counts["posts"].sum()) if has_before else None
        net_now, net_before = _net(now_counts), _net(prev_counts) if has_before else None
        change = _posts_change(posts_now, posts_before)
        text = f"{who} had {posts_now:,} customer posts{' ' if change.startswith('(') else ', '}{change}"
        if net_now is None:
            text += "; none could be scored for sentiment."
        elif net_before is None:
            text += f"; net sentiment {_signed(net_now)}."
        elif round(net_now) == round(net_before):
            text += f"; net sentiment {_signed(net_now)}, as the week before."
        else:
            moved = round(net_now) - round(net_before)
            text += (
                f"; net sentiment {_signed(net_now)}, {'up' if moved > 0 else 'down'} "
                f"{abs(moved)} point{'s' if abs(moved) != 1 else ''} from {_signed(net_before)}."
            )
        sentences.append(text)
    else:
        sentences.append("No brand is known yet: add brands on the Data page to compare them.")

    # 2. what moved most, and where
    if tracked and has_before:
        moves = []
        for brand in tracked:
            a, b = now_all[now_all["brand"] == brand], prev_all[prev_all["brand"] == brand]
            net_a, net_b = _net(a), _net(b)
            if (
                a["scored"].sum() >= MIN_SCORED
                and b["scored"].sum() >= MIN_SCORED
                and net_a is not None
                and net_b is not None
            ):
                moves.append((net_a - net_b, brand, net_a, int(a["posts"].sum())))
        if moves:
            shift, brand, net_moved, posts = max(moves, key=lambda m: (abs(m[0]), m[1]))
            if round(shift):
                text = (
                    f"The biggest move: {brand}'s net sentiment {'rose' if shift > 0 else 'fell'} "
                    f"{_signed(abs(shift), ' point').lstrip('+')}, to {_signed(net_moved)} ({posts:,} posts)"
                )
                where = _where_negative(con, brand, week)
                sentences.append(text + (f"; {where}." if where and shift < 0 else "."))
            else:
                sentences.append("Net sentiment held steady for every tracked brand with enough scored posts.")

    # 3. against competitors
    if ours and competitors:
        both = now_all[now_all["brand"].isin(ours + competitors)]
        total = both["posts"].sum()
        if total:
            prev_both = prev_all[prev_all["brand"].isin(ours + competitors)] if has_before else None
            prev_total = prev_both["posts"].sum() if prev_both is not None else 0

            def share(frame, brands, whole):
                return 100.0 * frame[frame["brand"].isin(brands)]["posts"].sum() / whole if whole else None

            parts = []
            for label, brands in [("ours", ours), *((c, (c,)) for c in competitors)]:
                now_share = share(both, brands, total)
                prev_share = share(prev_both, brands, prev_total) if prev_both is not None else None
                parts.append(
                    f"{label} {now_share:.0f} %"
                    + (f" ({_signed(now_share - prev_share, ' point')})" if prev_share is not None else "")
                )
            ours_net = _net(both[both["brand"].isin(ours)])
            rival_net = _net(both[both["brand"].isin(competitors)])
            text = "Share of voice: " + ", ".join(parts) + "."
            if ours_net is not None and rival_net is not None:
                text += (
                    f" Net sentiment {_signed(ours_net)} for ours against {_signed(rival_net)} for the "
                    f"competitor{'s' if len(competitors) > 1 else ''}."
                )
            sentences.append(text)
    elif tracked and not ours:
        sentences.append(
            "No brand is marked as ours, so nothing is compared with competitors (mark them on the "
            "Data page or with `radar brands role BRAND ours|competitor`)."
        )

    # 4. crises and their state
    crises = crisis_list(con, replace(week, brands=tracked or filters.brands))
    if crises.empty:
        sentences.append("No crisis was active this week.")
    else:
        described = []
        for row in crises.head(3).itertuples(index=False):
            state = (
                f"back to baseline {pd.Timestamp(row.back_to_baseline_at):%a %d %b}"
                if not is_missing(row.back_to_baseline_at)
                else "still open when the data ends"
            )
            described.append(
                f"{row.brand}, severity {row.severity} ({row.severity_name}), started "
                f"{pd.Timestamp(row.started_at):%a %d %b %H:%M}, {state}"
            )
        more = f" and {len(crises) - 3} more" if len(crises) > 3 else ""
        sentences.append(
            f"{len(crises)} {'crises' if len(crises) > 1 else 'crisis'} active: " + "; ".join(described) + more + "."
        )

    # 5. the response-time trend
    sentences.append(
        _response_sentence(
            con,
            replace(week, brands=subject or filters.brands),
            replace(before, brands=subject or filters.brands),
            has_before,
        )
    )

    # 6. emerging topics
    if topics is None:
        topics = emerging_topics(con, monday, topics_filter(con, filters))
    if topics.empty:
        sentences.append(f"No word or phrase rose clearly against the {WEEKS_BEFORE} weeks before.")
    else:
        top = topics.sort_values(["z", "term"], ascending=[False, True]).head(3)
        sentences.append(
            "Rising this week: "
            + "; ".join(
                f"“{row.term}” for {row.brand} ({row.posts:,} posts, {row.before_per_week:.1f} a week before)"
                for row in top.itertuples(index=False)
            )
            + "."
        )
    return sentences


def _where_negative(con, brand: str, week: PostFilter) -> str | None:
    """Where a brand's negative posts of the week were: the theme most of them are about, and the platform."""
    condition, params = replace(week, brands=(brand,)).where("p")
    negative = db.scalar(
        con,
        f"SELECT count(*) FROM posts p WHERE NOT p.is_brand AND p.sentiment_label = 'negative' AND {condition}",
        params,
    )
    if not negative:
        return None
    theme = db.first_row(
        con,
        f"""
        SELECT t.theme, count(*) FROM fct_post_themes t JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id
        WHERE NOT p.is_brand AND p.sentiment_label = 'negative' AND {condition}
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""",
        params,
    )
    platform = db.first_row(
        con,
        f"""
        SELECT platform, count(*) FROM posts p WHERE NOT p.is_brand AND p.sentiment_label = 'negative' AND {condition}
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""",
        params,
    )
    parts = []
    if theme:
        parts.append(f"{theme[1]:,} of its {negative:,} negative posts were about {theme[0]}")
    if platform:
        parts.append(f"{100.0 * platform[1] / negative:.0f} % of them on {platform[0]}")
    return ", ".join(parts) or None


def _response_sentence(con, week: PostFilter, before: PostFilter, has_before: bool) -> str:
    figures = []
    for period in (week, before):
        condition, params = period.where()
        figures.append(
            db.one_row(
                con,
                f"""
            SELECT count(*), quantile_cont(response_minutes, 0.5),
                   count(*) FILTER (WHERE within_sla) / nullif(count(within_sla), 0)
            FROM {_responses_for(period)} WHERE {condition}""",
                params,
            )
        )
    (judged, median, sla), (judged_before, median_before, sla_before) = figures
    if not judged:
        return (
            "Response times cannot be known this week: the data holds no brand replies for these posts "
            "(a mentions-only export, or a competitor's)."
        )
    if median is None:
        return f"None of the {judged:,} customer posts awaiting a reply this week was answered in the data."
    text = f"Median first response {minutes_text(median)}"
    if has_before and judged_before and median_before is not None:
        trend = "faster than" if median < median_before else "slower than" if median > median_before else "as"
        text += f", {trend} the week before ({minutes_text(median_before)})"
    if sla is not None:
        text += f"; {sla:.0%} within the SLA" + (
            f" (the week before {sla_before:.0%})" if has_before and sla_before is not None else ""
        )
    return text + "."
