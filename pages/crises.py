"""Crises: a timeline of every crisis coloured by severity, and for one crisis its curves with phases, the
brand's first reply and playbook moves, the severity reasons, top terms, top threads and a retrospective."""

import streamlit as st

from pages._common import (
    download_csv,
    label_texts,
    minutes_text,
    open_thread,
    remember_crisis,
    require_posts,
    run_query,
    shared_crisis,
    sidebar_filters,
)
from pages._room import response_room_section
from pipeline.core.i18n import _, fmt_day, fmt_int, fmt_time, ngettext, table_datetime_format
from pipeline.core.text import is_missing
from pipeline.metrics.crises import severity_name, severity_reasons_in_words, thread_reasons_in_words
from pipeline.read.charts import SEVERITY_COLORS, build_crisis_figure, build_crisis_timeline_figure
from pipeline.read.export import markdown_literal
from pipeline.read.queries import crisis_detail, crisis_list, crisis_moves, crisis_phases, crisis_series, crisis_threads
from pipeline.read.reports import crisis_rows_in_words, playbook_checklist, retrospective_facts
from pipeline.read.selection import crisis_from_chart, row_from_table

st.title(_("Crises"))
require_posts()
filters = sidebar_filters()

crises = run_query(crisis_list, filters)
wanted = shared_crisis()
if crises.empty and not wanted:
    st.success(
        _(
            "No crisis detected for these filters. The detector compares every hour of negative posts with the "
            "same hour in past weeks; make it more or less sensitive on the Data page, or widen the dates."
        ),
        icon=":material/check_circle:",
    )
    st.stop()

if not crises.empty:
    timeline = st.plotly_chart(
        build_crisis_timeline_figure(crises),
        width="stretch",
        key="crises.timeline",
        on_select="rerun",
        selection_mode="points",
    )
    picked = st.dataframe(
        crisis_rows_in_words(crises).assign(severity_name=[severity_name(level) for level in crises["severity"]])[
            [
                "crisis_id",
                "brand",
                "severity",
                "severity_name",
                "started_at",
                "back_to_baseline_at",
                "posts",
                "negative_posts",
                "minutes_to_first_response",
                "share_answered",
            ]
        ],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="crises.table",
        column_config={
            "crisis_id": _("Crisis"),
            "brand": _("Brand"),
            "severity": _("Severity"),
            "severity_name": _("Level"),
            "started_at": st.column_config.DatetimeColumn(_("Started (UTC)"), format=table_datetime_format()),
            "back_to_baseline_at": _("Back to baseline (UTC)"),
            "posts": _("Posts"),
            "negative_posts": _("Negative"),
            "minutes_to_first_response": _("First reply after"),
            "share_answered": _("Complaints answered"),
        },
    )
    st.caption(_("Most severe first, then newest."))
    download_csv(crises, "crises", key="crises.download")
    chosen = crisis_from_chart(timeline) or (row_from_table(picked, crises) or {}).get("crisis_id")
    if chosen:
        wanted = chosen

if not wanted:
    st.info(_("Choose a crisis on the timeline or in the table for its retrospective."), icon=":material/touch_app:")
    st.stop()

crisis = run_query(crisis_detail, wanted)
if crisis is None:
    st.warning(
        _(
            "There is no crisis «{crisis}» (any more): analytics may have been recomputed with other settings. "
            "Choose one above."
        ).format(crisis=markdown_literal(wanted))
    )
    st.stop()
remember_crisis(wanted)

color = SEVERITY_COLORS.get(int(crisis["severity"]), "#d1495b")
started = crisis["started_at"]
st.header(f"{markdown_literal(crisis['brand'])} · {fmt_day(started)}, {fmt_time(started)} UTC")
st.badge(
    _("Severity {level}: {name}").format(level=crisis["severity"], name=severity_name(crisis["severity"])),
    color="red" if crisis["severity"] >= 3 else "orange",
    icon=":material/warning:",
)
if crisis.get("back_to_baseline_at") is None:
    end = crisis.get("data_end_at")
    st.warning(
        _(
            "Open: negative posts were still above the usual level when the data ends ({day}, {time} UTC). Its "
            "end and recovery are unknown; the chart stops where the data stops."
        ).format(day=fmt_day(end), time=fmt_time(end))
        if end is not None
        else _(
            "Open: negative posts were still above the usual level when the data ends. Its end and recovery are "
            "unknown; the chart stops where the data stops."
        ),
        icon=":material/campaign:",
    )
if crisis.get("replies_in_data") is False:
    st.info(
        _(
            "The data holds no replies from {brand}: whether and how fast complaints were answered cannot be "
            "measured, and severity scores nothing for it."
        ).format(brand=markdown_literal(crisis["brand"])),
        icon=":material/visibility_off:",
    )

phases = run_query(crisis_phases, wanted)
moves = run_query(crisis_moves, wanted)
st.plotly_chart(
    build_crisis_figure(run_query(crisis_series, wanted), phases, moves, crisis), width="stretch", key="crises.detail"
)

response_room_section(crisis)

left, right = st.columns(2)
with left:
    st.subheader(_("Retrospective"))
    for question, answer in retrospective_facts(crisis):
        st.markdown(f"**{question}:** {markdown_literal(answer)}")
    st.subheader(_("Why this severity"))
    st.markdown("\n".join(f"- {markdown_literal(reason)}" for reason in severity_reasons_in_words(crisis)))
with right:
    st.subheader(_("How the brand responded"))
    st.caption(_("Moves count in brand posts that answer a post of this crisis or are public statements during it."))
    for name, when, replies, text in playbook_checklist(moves):
        if when:
            st.markdown(
                ":green[:material/check_circle:] "
                + ngettext(
                    "**{move}** — first {when}, in {n} post", "**{move}** — first {when}, in {n} posts", replies
                ).format(move=name, when=when, n=fmt_int(replies))
            )
            if text:
                st.text(f"“{text[:280]}”")  # st.text: a post is never rendered as Markdown
        elif crisis.get("replies_in_data") is False:
            st.markdown(
                ":gray[:material/help:] "
                + _("**{move}** — cannot be judged: the data holds no replies from {brand}").format(
                    move=name, brand=markdown_literal(crisis["brand"])
                )
            )
        else:
            st.markdown(":red[:material/cancel:] " + _("**{move}** — not seen").format(move=name))
    st.subheader(_("Top terms"))
    st.markdown(markdown_literal(", ".join(crisis["top_terms"])) or _("No term stood out against the week before."))

st.subheader(_("Top threads"))
threads = run_query(crisis_threads, wanted)
if threads.empty:
    st.info(_("No threads recorded for this crisis."))
else:
    # why each thread is evidence, from its stored messages (the English sentence of an older version else)
    threads = threads.assign(
        why=[
            thread_reasons_in_words(None if is_missing(message) else message, None if is_missing(why) else why)
            for message, why in zip(threads["why_message"], threads["why"], strict=True)
        ]
    ).drop(columns="why_message")
    shown = threads.assign(text=threads["text"].str.slice(0, 280), label=label_texts(threads))
    picked_thread = st.dataframe(
        shown[["why", "platform", "started_at", "post_count", "author_id", "label", "text"]],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="crises.threads",
        column_config={
            "why": _("Why it is evidence"),
            "platform": _("Platform"),
            "started_at": st.column_config.DatetimeColumn(_("Started (UTC)"), format=table_datetime_format()),
            "post_count": _("Posts"),
            "author_id": _("Opened by"),
            "label": _("Label (source)"),
            "text": st.column_config.TextColumn(_("Opening post"), width="large"),
        },
    )
    download_csv(threads, f"crisis_threads_{wanted.replace(':', '_')}", key="crises.download_threads")
    st.caption(
        _(
            "Choose a thread to read the whole conversation. The Reports page downloads this retrospective as "
            "HTML or PDF."
        )
    )
    row = row_from_table(picked_thread, threads)
    if row:
        open_thread(row["platform"], row["thread_id"])
if crisis.get("replies_in_data") is not False and crisis.get("minutes_to_first_response") is not None:
    st.caption(
        _("First brand reply {duration} after the start.").format(
            duration=minutes_text(crisis.get("minutes_to_first_response"))
        )
    )
