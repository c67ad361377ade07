"""Threads: find a conversation by text, author or id and read it in time order -- who said what, how it
felt, how long each brand reply took and whether it broke the SLA."""

import pandas as pd
import streamlit as st

from pages._common import (
    cap_note,
    correction_form,
    download_csv,
    label_text,
    minutes_text,
    require_posts,
    run_query,
    settings,
    sidebar_filters,
)
from pipeline.core.i18n import N_, _, fmt_day, fmt_int, fmt_time, ngettext, sentiment_label_name, table_datetime_format
from pipeline.read.export import markdown_literal
from pipeline.read.queries import find_thread, search_threads, thread_messages
from pipeline.read.selection import parse_thread_key, row_from_table, thread_key


def flag(value) -> bool | None:
    """A yes/no column's value as True, False or None (unknown), whatever pandas made of it."""
    return None if value is None or pd.isna(value) else bool(value)


SENTIMENT_BADGES = {"negative": "red", "neutral": "gray", "positive": "green"}  # a label's badge colour
STATUS_NAMES = {"all": N_("all"), "unanswered": N_("unanswered"), "answered": N_("answered")}


def opening_label(label) -> str | None:
    """The opening post's label in words (an empty cell where it has none)."""
    return None if label is None or pd.isna(label) else sentiment_label_name(label)


st.title(_("Threads"))
require_posts()
filters = sidebar_filters()
config = settings()

left, right = st.columns([3, 1])
search = left.text_input(
    _("Search text, author or post/thread id"),
    value=st.query_params.get("q", ""),
    key="threads.search",
    placeholder=_("e.g. refund, @maria_k or 1849…"),
)
status = right.selectbox(
    _("Status"), list(STATUS_NAMES), key="threads.status", format_func=lambda code: _(STATUS_NAMES[code])
)
st.query_params["q"] = search or []
answered = {"all": None, "answered": True, "unanswered": False}[status]
threads, total = run_query(search_threads, filters, search, answered=answered, limit=200)

if threads.empty:
    st.info(
        _("No thread matches. Try fewer words, clear the search, or widen the filters in the sidebar."),
        icon=":material/search_off:",
    )
else:
    cap_note(len(threads), total, "threads")
    shown = threads.assign(
        opening_text=threads["opening_text"].str.slice(0, 200),
        answered=threads["answered"].map({True: _("yes"), False: _("no")}).fillna(_("unknown")),
        root_sentiment_label=[opening_label(label) for label in threads["root_sentiment_label"]],
        first_response_minutes=[
            minutes_text(m) if flag(answered) else "–"
            for m, answered in zip(threads["first_response_minutes"], threads["answered"])
        ],
    )
    picked = st.dataframe(
        shown[
            [
                "last_post_at",
                "platform",
                "brand",
                "author_id",
                "post_count",
                "first_response_minutes",
                "answered",
                "root_sentiment_label",
                "opening_text",
            ]
        ],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="threads.table",
        height=300,
        column_config={
            "last_post_at": st.column_config.DatetimeColumn(_("Last post (UTC)"), format=table_datetime_format()),
            "platform": _("Platform"),
            "brand": _("Brand"),
            "author_id": _("Opened by"),
            "post_count": _("Posts"),
            "first_response_minutes": _("First reply after"),
            "answered": st.column_config.TextColumn(
                _("Answered"), help=_("unknown: the data holds no replies from this brand")
            ),
            "root_sentiment_label": _("Opening label"),
            "opening_text": st.column_config.TextColumn(_("Opening post"), width="large"),
        },
    )
    download_csv(threads, "threads", key="threads.download")
    row = row_from_table(picked, threads)
    if row:
        st.query_params["thread"] = thread_key(row["platform"], row["thread_id"])

key = parse_thread_key(st.query_params.get("thread"))
if key is None:
    st.info(_("Choose a thread in the table to read the conversation."), icon=":material/touch_app:")
    st.stop()
found = run_query(find_thread, key[1], key[0])
if found is None:
    st.warning(
        _("No thread «{thread}» in this database. Search for it above.").format(
            thread=markdown_literal(st.query_params.get("thread"))
        )
    )
    st.stop()
platform, thread_id = found
messages, count = run_query(thread_messages, platform, thread_id, limit=500)

st.subheader(
    _("Thread {thread} on {platform}").format(thread=markdown_literal(thread_id), platform=markdown_literal(platform))
)
customers = messages[messages["side"] == "customer"]
brand_replies = messages[messages["side"] == "brand"]
breaches = int(brand_replies["sla_breached"].fillna(False).astype(bool).sum())
open_posts = int((customers["answered"] == False).sum())  # noqa: E712 -- NULL (not awaiting) must not count
unjudged = bool(len(customers)) and not customers["is_judged"].any() and brand_replies.empty
cols = st.columns(4)
cols[0].metric(_("Messages"), fmt_int(count))
cols[1].metric(_("Brand replies"), fmt_int(len(brand_replies)))
cols[2].metric(
    _("SLA breaches"),
    "–" if unjudged else fmt_int(breaches),
    help=ngettext(
        "Replies that came after {n} business minute",
        "Replies that came after {n} business minutes",
        config.sla_minutes,
    ).format(n=fmt_int(config.sla_minutes)),
)
cols[3].metric(
    _("Still waiting"),
    _("unknown") if unjudged else fmt_int(open_posts),
    help=_("Customer posts with no brand reply after them; unknown here: the data holds no replies from this brand")
    if unjudged
    else _("Customer posts with no brand reply after them"),
)
if unjudged:
    st.caption(
        ":material/visibility_off: "
        + _(
            "This conversation comes from an export without the brand's replies: whether anyone answered cannot "
            "be known from the data."
        )
    )
cap_note(len(messages), count, "messages")

for message in messages.itertuples(index=False):
    is_brand = message.side == "brand"
    with st.chat_message(
        "assistant" if is_brand else "user", avatar=":material/support_agent:" if is_brand else ":material/person:"
    ):
        author = markdown_literal(message.author_id or _("unknown author"))
        header = [
            _("**Brand** {author}").format(author=author)
            if is_brand
            else _("**Customer** {author}").format(author=author),
            f"{fmt_day(message.created_at)}, {fmt_time(message.created_at)} UTC",
        ]
        st.markdown(" · ".join(header))
        st.markdown(markdown_literal(message.text))
        notes = []
        if message.sentiment_label in SENTIMENT_BADGES:
            color = SENTIMENT_BADGES[message.sentiment_label]
            notes.append(
                f":{color}-badge[{markdown_literal(label_text(message.sentiment_label, message.sentiment_source, message.radar_label, message.export_label))}]"
            )
            if message.sentiment_source == "correction":
                corrected = _("corrected by a person")
                notes.append(f":violet-badge[:material/edit: {corrected}]")
        if is_brand and message.waited_minutes == message.waited_minutes and message.waited_minutes is not None:
            notes.append(_("replied after {duration}").format(duration=minutes_text(message.waited_minutes)))
            if flag(message.sla_breached) is True:
                breached = _("SLA breached")
                notes.append(f":red-badge[:material/timer_off: {breached}]")
        if not is_brand and flag(message.answered) is False:
            waiting = _("no brand reply yet")
            notes.append(f":orange-badge[{waiting}]")
        elif not is_brand and flag(message.answered) is True and flag(message.within_sla) is False:
            late = _("answered after {duration}, past the SLA").format(duration=minutes_text(message.response_minutes))
            notes.append(f":red-badge[{late}]")
        if notes:
            st.markdown(" ".join(notes))
download_csv(messages, f"thread_{platform}_{thread_id}", key="threads.download_messages")

st.subheader(_("Correct a label"))
correction_form(messages.assign(platform=platform), key="threads")
