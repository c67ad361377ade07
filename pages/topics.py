"""Themes and topics: what customers write about. Themes (keyword rules, edited on the Data page) per week
with their negative share; the words and phrases that rose most in a week, per brand; the week's top posts.
Every number lists its posts, and a chosen post opens its thread."""

import streamlit as st

from pages._common import (
    as_percent,
    download_csv,
    open_thread,
    percent_column,
    post_list,
    require_posts,
    run_query,
    sidebar_filters,
    week_picker,
)
from pipeline.core.i18n import _, fmt_day, fmt_int, fmt_num, ngettext, table_datetime_format
from pipeline.metrics.themes import theme_name
from pipeline.read.charts import build_theme_figure
from pipeline.read.compare import posts_by_keys, theme_posts, theme_totals, theme_trend, top_posts, week_filter
from pipeline.read.export import markdown_literal
from pipeline.read.queries import PostFilter
from pipeline.read.selection import row_from_table, theme_from_chart
from pipeline.read.topics import MIN_POSTS, WEEKS_BEFORE, Z_MIN, emerging_topics

NO_THEME = "(no theme)"  # i18n: not text (compare.theme_totals's row of untagged posts, shown translated)


def shown_theme(name: str) -> str:
    """A theme's name as shown (the untagged posts' row too)."""
    return _("(no theme)") if name == NO_THEME else theme_name(name)


st.title(_("Themes and topics"))
require_posts()
filters = sidebar_filters()


monday, label = week_picker(_("Week (for emerging topics and top posts)"), key="topics.week", until=filters.end_date)
themes_tab, emerging_tab, top_tab = st.tabs([_("Themes"), _("Emerging topics"), _("Top posts of the week")])

with themes_tab:
    trend = run_query(theme_trend, filters, grain="week")
    totals = run_query(theme_totals, filters)
    if totals["posts"].sum() == 0:
        st.warning(_("No customer posts match these filters."))
    else:
        event = st.plotly_chart(
            build_theme_figure(trend, "week"),
            width="stretch",
            key="topics.themes",
            on_select="rerun",
            selection_mode="points",
        )
        st.caption(
            _(
                "A post can be about several themes. Themes are keyword rules in English, Spanish and Polish; "
                "see and edit them on the **Data** page (or `radar themes`). Choose a point to list its posts."
            )
        )
        table = totals.assign(
            negative_share=totals["negative_share"].astype(float), theme=totals["theme"].map(shown_theme)
        )
        st.dataframe(
            as_percent(table, "share", "negative_share"),
            hide_index=True,
            width="stretch",
            column_config={
                "theme": _("Theme"),
                "posts": st.column_config.NumberColumn(_("Customer posts"), format="%d"),
                "share": percent_column(_("Of all customer posts")),
                "negative_share": percent_column(_("Negative")),
            },
        )
        download_csv(trend, "themes_per_week", key="topics.download_themes")
        names = [t for t in totals["theme"] if t != NO_THEME]
        picked = theme_from_chart(event)
        if picked is not None:
            st.session_state["topics.theme"] = picked[1]
        if names:
            if st.session_state.get("topics.theme") not in names:
                st.session_state.pop("topics.theme", None)
            left, right = st.columns([2, 1])
            theme = left.selectbox(_("Posts of the theme"), names, key="topics.theme", format_func=theme_name)
            negative_only = right.toggle(_("Negative only"), key="topics.negative")
            scope = filters
            if picked is not None:
                scope = week_filter(filters, picked[0])
                st.caption(
                    _("Week of {day} (from the chart); clear the chart selection for all dates.").format(
                        day=fmt_day(picked[0])
                    )
                )
            posts, total = run_query(theme_posts, theme, scope, label="negative" if negative_only else None)
            post_list(posts, total, key="topics.theme_posts", name=f"theme_{theme}")

with emerging_tab:
    brand_scope = PostFilter(brands=filters.brands, platforms=filters.platforms, languages=filters.languages)
    topics = run_query(emerging_topics, monday, brand_scope)
    # two counts in one sentence: the weeks pick the sentence's form, the posts their own phrase's
    st.caption(
        ngettext(
            "Words and phrases (1-3 words, hashtags included, stop words of English, Spanish and Polish left "
            "out) used in more of this week's posts than in the {weeks} week before, per brand: a log-odds ratio "
            "with an informative prior, z ≥ {z} and {at_least}, so that a word seen twice is not news. A brand "
            "with no posts in the weeks before is not compared.",
            "Words and phrases (1-3 words, hashtags included, stop words of English, Spanish and Polish left "
            "out) used in more of this week's posts than in the {weeks} weeks before, per brand: a log-odds ratio "
            "with an informative prior, z ≥ {z} and {at_least}, so that a word seen twice is not news. A brand "
            "with no posts in the weeks before is not compared.",
            WEEKS_BEFORE,
        ).format(
            weeks=fmt_int(WEEKS_BEFORE),
            z=fmt_num(Z_MIN, 0) if float(Z_MIN).is_integer() else fmt_num(Z_MIN, 1),
            at_least=ngettext("at least {n} post", "at least {n} posts", MIN_POSTS).format(n=fmt_int(MIN_POSTS)),
        )
    )
    if topics.empty:
        st.info(
            ngettext(
                "Nothing rose clearly in {week} against the {weeks} week before.",
                "Nothing rose clearly in {week} against the {weeks} weeks before.",
                WEEKS_BEFORE,
            ).format(week=label, weeks=fmt_int(WEEKS_BEFORE))
        )
    else:
        shown = topics.assign(before_per_week=topics["before_per_week"].round(1), z=topics["z"].round(1))
        picked = st.dataframe(
            shown[["brand", "term", "posts", "before_per_week", "z"]],
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="topics.emerging",
            column_config={
                "brand": _("Brand"),
                "term": _("Word or phrase"),
                "posts": st.column_config.NumberColumn(_("Posts this week"), format="%d"),
                "before_per_week": st.column_config.NumberColumn(_("Posts per week before"), format="%.1f"),
                "z": st.column_config.NumberColumn(_("Strength (z)"), format="%.1f"),
            },
        )
        download_csv(
            topics.drop(columns=["post_keys"], errors="ignore"),
            f"emerging_topics_{label}",
            key="topics.download_emerging",
        )
        if topics["sampled"].any():
            st.caption(
                _(
                    "Some brands have more posts than are read at once: their counts come from a fixed sample, "
                    "scaled back."
                )
            )
        row = row_from_table(picked, topics)
        if row is None:
            st.info(_("Choose a row to see the posts that use it."), icon=":material/touch_app:")
        else:
            posts = run_query(posts_by_keys, list(row["post_keys"]))
            st.subheader(
                _("{brand}: “{term}” in {week}").format(
                    brand=markdown_literal(row["brand"]), term=markdown_literal(row["term"]), week=label
                )
            )
            post_list(posts, int(row["posts"]), key="topics.emerging_posts", name=f"topic_{row['brand']}")

with top_tab:
    period = week_filter(filters, monday)
    top, basis = run_query(top_posts, period, limit=15)
    if top.empty:
        st.info(_("No posts in {week} for these filters.").format(week=label))
    else:
        st.caption(
            {
                "engagement": _("The posts with the most likes and shares this week (where the export has them)."),
                "reach": _("No export of this week counts likes or shares: the posts with the widest reach."),
                "thread size": _(  # i18n: not text (the key: top_posts's basis)
                    "No export of this week has likes, shares or reach: the threads with the most "
                    "posts this week, by their opening post."
                ),
            }[basis]
        )
        shown = top.assign(
            text=top["text"].str.slice(0, 280), side=top["is_brand"].map({True: _("brand"), False: _("customer")})
        )
        picked = st.dataframe(
            shown[
                ["created_at", "brand", "side", "platform", "author_id", "engagement", "reach", "thread_posts", "text"]
            ],
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="topics.top",
            column_config={
                "created_at": st.column_config.DatetimeColumn(_("Posted (UTC)"), format=table_datetime_format()),
                "brand": _("Brand"),
                "side": _("By"),
                "platform": _("Platform"),
                "author_id": _("Author"),
                "engagement": st.column_config.NumberColumn(_("Likes + shares"), format="%d"),
                "reach": st.column_config.NumberColumn(_("Reach"), format="%d"),
                "thread_posts": st.column_config.NumberColumn(_("Posts in thread"), format="%d"),
                "text": st.column_config.TextColumn(_("Text"), width="large"),
            },
        )
        download_csv(top, f"top_posts_{label}", key="topics.download_top")
        st.caption(_("Choose a post to open its whole thread. A blank cell: the export does not count it."))
        row = row_from_table(picked, top)
        if row:
            open_thread(row["platform"], row["thread_id"])
