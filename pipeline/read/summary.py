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
from pipeline.core.i18n import _, fmt_day, fmt_int, fmt_num, fmt_pct, fmt_when, ngettext
from pipeline.core.text import is_missing, minutes_text
from pipeline.metrics.crises import severity_name
from pipeline.metrics.themes import theme_name
from pipeline.read.compare import brand_counts, tracked_brands
from pipeline.read.lake import served_lake
from pipeline.read.queries import PostFilter, _responses_for, crisis_list
from pipeline.read.topics import WEEKS_BEFORE, emerging_topics

MIN_SCORED = 20  # a brand's net sentiment moves only count with at least this many scored posts in both weeks


def _net(frame: pd.DataFrame) -> float | None:
    scored = frame["scored"].sum()
    return None if not scored else 100.0 * (frame["positive"].sum() - frame["negative"].sum()) / scored


def _signed(value: float) -> str:
    """``-0.4`` -> ``"0"``, ``12.6`` -> ``"+13"``, ``-1234`` -> ``"-1,234"`` (the number in the locale)."""
    rounded = round(value) + 0
    return ("+" if rounded > 0 else "-" if rounded < 0 else "") + fmt_int(abs(rounded))


def _points(value: float) -> int:
    """How many whole points a change is (what picks the plural of "point")."""
    return abs(round(value))


def _with_change(volume: str, now: int, before: int | None) -> str:
    """The volume clause with its change against the week before."""
    if before is None:
        return _("{volume} (the week before is not in the data)").format(volume=volume)
    if before == 0:
        return _("{volume}, none the week before").format(volume=volume)
    change = round(100.0 * (now - before) / before)
    if change == 0:
        return _("{volume}, as many as the week before ({before})").format(volume=volume, before=fmt_int(before))
    message = (
        _("{volume}, {change} % more than the week before ({before})")
        if change > 0
        else _("{volume}, {change} % fewer than the week before ({before})")
    )
    return message.format(volume=volume, change=fmt_int(abs(change)), before=fmt_int(before))


def _names(brands) -> str:
    brands = list(brands)
    if len(brands) == 1:
        return brands[0]
    return _("{names} and {last}").format(names=", ".join(brands[:-1]), last=brands[-1])


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
            _("The data ends {when} UTC: this week is partial, and its counts are compared with a whole week.").format(
                when=fmt_when(pd.Timestamp(data_end))
            )
        )
    elif data_start is not None and pd.Timestamp(data_start).date() > monday:
        sentences.append(
            _("The data starts {when} UTC: this week is partial.").format(when=fmt_when(pd.Timestamp(data_start)))
        )

    # 1. volume and sentiment of our brands (or of every brand)
    subject = tracked if not ours else ours
    # every figure below comes from the tracked brands' counts of the two weeks, read once
    now_all, prev_all = brand_counts(con, tracked, week), brand_counts(con, tracked, before)
    if subject:
        now_counts, prev_counts = now_all[now_all["brand"].isin(subject)], prev_all[prev_all["brand"].isin(subject)]
        posts_now = int(now_counts["posts"].sum())
        posts_before = int(prev_counts["posts"].sum()) if has_before else None
        net_now, net_before = _net(now_counts), _net(prev_counts) if has_before else None
        posts = ngettext("{n} customer post", "{n} customer posts", posts_now).format(n=fmt_int(posts_now))
        if ours:
            volume = ngettext("Our brand ({names}) had {posts}", "Our brands ({names}) had {posts}", len(ours))
        elif tracked:
            volume = _("The tracked brands had {posts}")
        else:
            volume = _("All brands had {posts}")
        volume = _with_change(volume.format(names=_names(ours) if ours else "", posts=posts), posts_now, posts_before)
        if net_now is None:
            text = _("{volume}; none could be scored for sentiment.").format(volume=volume)
        elif net_before is None:
            text = _("{volume}; net sentiment {net}.").format(volume=volume, net=_signed(net_now))
        elif round(net_now) == round(net_before):
            text = _("{volume}; net sentiment {net}, as the week before.").format(volume=volume, net=_signed(net_now))
        else:
            moved = round(net_now) - round(net_before)
            message = (
                ngettext(
                    "{volume}; net sentiment {net}, up {n} point from {before}.",
                    "{volume}; net sentiment {net}, up {n} points from {before}.",
                    abs(moved),
                )
                if moved > 0
                else ngettext(
                    "{volume}; net sentiment {net}, down {n} point from {before}.",
                    "{volume}; net sentiment {net}, down {n} points from {before}.",
                    abs(moved),
                )
            )
            text = message.format(
                volume=volume, net=_signed(net_now), n=fmt_int(abs(moved)), before=_signed(net_before)
            )
        sentences.append(text)
    else:
        sentences.append(_("No brand is known yet: add brands on the Data page to compare them."))

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
            shift, brand, net_moved, moved_posts = max(moves, key=lambda m: (abs(m[0]), m[1]))
            if round(shift):
                points = _points(shift)
                message = (
                    ngettext(
                        "The biggest move: {brand}'s net sentiment rose {n} point, to {net} ({posts})",
                        "The biggest move: {brand}'s net sentiment rose {n} points, to {net} ({posts})",
                        points,
                    )
                    if shift > 0
                    else ngettext(
                        "The biggest move: {brand}'s net sentiment fell {n} point, to {net} ({posts})",
                        "The biggest move: {brand}'s net sentiment fell {n} points, to {net} ({posts})",
                        points,
                    )
                )
                text = message.format(
                    brand=brand,
                    n=fmt_int(points),
                    net=_signed(net_moved),
                    posts=ngettext("{n} post", "{n} posts", moved_posts).format(n=fmt_int(moved_posts)),
                )
                where = _where_negative(con, brand, week)
                sentences.append(
                    _("{move}; {where}.").format(move=text, where=where) if where and shift < 0 else text + "."
                )
            else:
                sentences.append(_("Net sentiment held steady for every tracked brand with enough scored posts."))

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
            for label, brands in [(_("our brands"), ours), *((c, (c,)) for c in competitors)]:
                now_share = share(both, brands, total)
                prev_share = share(prev_both, brands, prev_total) if prev_both is not None else None
                shown = fmt_pct(now_share / 100, 0)
                if prev_share is None:
                    parts.append(_("{brand} {share}").format(brand=label, share=shown))
                else:
                    change = now_share - prev_share
                    parts.append(
                        ngettext(
                            "{brand} {share} ({change} point)", "{brand} {share} ({change} points)", _points(change)
                        ).format(brand=label, share=shown, change=_signed(change))
                    )
            ours_net = _net(both[both["brand"].isin(ours)])
            rival_net = _net(both[both["brand"].isin(competitors)])
            text = _("Share of voice: {shares}.").format(shares=", ".join(parts))
            if ours_net is not None and rival_net is not None:
                text += " " + ngettext(
                    "Net sentiment {ours} for ours against {rivals} for the competitor.",
                    "Net sentiment {ours} for ours against {rivals} for the competitors.",
                    len(competitors),
                ).format(ours=_signed(ours_net), rivals=_signed(rival_net))
            sentences.append(text)
    elif tracked and not ours:
        sentences.append(
            _(
                "No brand is marked as ours, so nothing is compared with competitors (mark them on the "
                "Data page or with `radar brands role BRAND ours|competitor`)."
            )
            if served_lake(con) is None
            else _(
                "No brand is marked as ours in this lake, so nothing is compared with competitors (a lake has the "
                "roles of the database it was exported from; a lake built by `radar spark build` has none)."
            )
        )

    # 4. crises and their state
    crises = crisis_list(con, replace(week, brands=tracked or filters.brands))
    if crises.empty:
        sentences.append(_("No crisis was active this week."))
    else:
        described = []
        for row in crises.head(3).itertuples(index=False):
            values = {
                "brand": row.brand,
                "level": int(row.severity),
                "name": severity_name(int(row.severity)),
                "started": fmt_when(pd.Timestamp(row.started_at)),
            }
            if not is_missing(row.back_to_baseline_at):
                described.append(
                    _("{brand}, severity {level} ({name}), started {started}, back to baseline {back}").format(
                        back=fmt_day(pd.Timestamp(row.back_to_baseline_at), year=False), **values
                    )
                )
            else:
                described.append(
                    _("{brand}, severity {level} ({name}), started {started}, still open when the data ends").format(
                        **values
                    )
                )
        count = len(crises)
        message = (
            ngettext(
                "{n} crisis active: {crises} and {more} more.", "{n} crises active: {crises} and {more} more.", count
            )
            if count > 3
            else ngettext("{n} crisis active: {crises}.", "{n} crises active: {crises}.", count)
        )
        sentences.append(message.format(n=fmt_int(count), crises="; ".join(described), more=fmt_int(count - 3)))

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
        sentences.append(
            ngettext(
                "No word or phrase rose clearly against the {n} week before.",
                "No word or phrase rose clearly against the {n} weeks before.",
                WEEKS_BEFORE,
            ).format(n=fmt_int(WEEKS_BEFORE))
        )
    else:
        top = topics.sort_values(["z", "term"], ascending=[False, True]).head(3)
        rising = [
            ngettext(
                "“{term}” for {brand} ({n} post, {before} a week before)",
                "“{term}” for {brand} ({n} posts, {before} a week before)",
                int(row.posts),
            ).format(term=row.term, brand=row.brand, n=fmt_int(row.posts), before=fmt_num(row.before_per_week, 1))
            for row in top.itertuples(index=False)
        ]
        sentences.append(_("Rising this week: {topics}.").format(topics="; ".join(rising)))
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
    share = fmt_num(100.0 * platform[1] / negative, 0) if platform else None
    if theme and platform:
        return ngettext(
            "{n} of its {total} negative posts was about {theme}, {share} % of them on {platform}",
            "{n} of its {total} negative posts were about {theme}, {share} % of them on {platform}",
            int(theme[1]),
        ).format(
            n=fmt_int(theme[1]), total=fmt_int(negative), theme=theme_name(theme[0]), share=share, platform=platform[0]
        )
    if theme:
        return ngettext(
            "{n} of its {total} negative posts was about {theme}",
            "{n} of its {total} negative posts were about {theme}",
            int(theme[1]),
        ).format(n=fmt_int(theme[1]), total=fmt_int(negative), theme=theme_name(theme[0]))
    if platform:
        return _("{share} % of them on {platform}").format(share=share, platform=platform[0])
    return None


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
        return _(
            "Response times cannot be known this week: the data holds no brand replies for these posts "
            "(a mentions-only export, or a competitor's)."
        )
    if median is None:
        return ngettext(
            "None of the {n} customer post awaiting a reply this week was answered in the data.",
            "None of the {n} customer posts awaiting a reply this week was answered in the data.",
            judged,
        ).format(n=fmt_int(judged))
    values = {"median": minutes_text(median)}
    if has_before and judged_before and median_before is not None:
        values["before"] = minutes_text(median_before)
        if median < median_before:
            text = _("Median first response {median}, faster than the week before ({before})").format(**values)
        elif median > median_before:
            text = _("Median first response {median}, slower than the week before ({before})").format(**values)
        else:
            text = _("Median first response {median}, as the week before ({before})").format(**values)
    else:
        text = _("Median first response {median}").format(**values)
    if sla is None:
        return text + "."
    if has_before and sla_before is not None:
        return _("{median}; {sla} within the SLA (the week before {before}).").format(
            median=text, sla=fmt_pct(sla), before=fmt_pct(sla_before)
        )
    return _("{median}; {sla} within the SLA.").format(median=text, sla=fmt_pct(sla))
