"""Metrics: crises per brand, with severity, phases, top terms, top threads and the response playbook.

Reads ``fct_hourly`` (the detector's input, see ``detector.py``), ``posts``, ``fct_responses`` and
``fct_reply_moves``; writes ``fct_crises``, ``fct_crisis_phases`` and ``fct_crisis_moves`` (public views
``crises``, ``crisis_phases``, ``crisis_moves``). ``crisis_id`` is ``brand:YYYYMMDDTHH`` of the start, so a
recompute gives the same id to the same crisis.

The window's posts are the brand's customer posts from ``started_at`` to ``ended_at``; complaints are its
negative ones. **Severity** adds points (each reason is stored in words in ``severity_reasons``):

| what | points |
|---|---|
| negative posts above baseline in the window | 25-99: 1, 100-499: 2, 500 or more: 3 |
| negative share of the window's scored posts | 50 % or more: 1, 75 % or more: 2 |
| reach of the complaints (sum of ``reach``; else likes + shares) | 100k or more: 1, 1M or more: 2 |
| platforms with complaints | 2 or more: 1 |
| duration from start to end | 12 h or more: 1, 48 h or more: 2 |
| complaints awaiting a reply left unanswered | 50 % or more: 1 |
| first brand reply to a complaint of the window | none, or later than 4 h after the start: 1 |

The two response rows count only complaints that can be judged (``fct_responses``: the brand's replies are
in their export); when none can, they score nothing and the reasons say that the data holds no replies from
the brand. A crisis still above baseline when the data ends is **open**: its posts are those up to the end
of the data, and its duration is a lower bound.

Severity 1 (isolated complaints) for 0-2 points, 2 (issue) for 3-4, 3 (crisis) for 5-7, 4 (severe
crisis) for 8 or more.

**top_terms**: words (3+ letters) and hashtags of the window's complaints, seen in at least 3 of them,
ranked by rate x log(rate / baseline rate): the rate is the share of complaints that use the term, the
baseline rate the share of the brand's customer posts from 8 to 1 days before the start (all its posts
outside the window when those are fewer than 50), add-one smoothing; stop words, handles and links left
out.
**top_threads**: the 5 threads that are the best evidence of the crisis: threads with a complaint first,
then by ln(1 + exposure) / ln 10 + ln(1 + replies in the window) + 0.5 x top terms used + ln(1 + complaints),
where exposure is the reach of its customer posts (else likes + shares) where the export has it;
``top_thread_reasons`` says why each is there ("3 complaints · reach 12,000 · 4 replies · uses 'delay'"),
``top_thread_platforms`` the platform of each (a thread is known by its platform and id: two platforms may
use one id).

**Playbook moves** (``fct_crisis_moves``): a brand post's moves count for the crisis when the post answers
one of the crisis's customer posts, from its start until it is back within baseline (replies to it, or is
the first reply to it, by the export's reply links; a post addressed to someone without a link is not known
to answer the crisis) or is a public statement of the brand (starts a thread,
addressed to nobody), from the start until the end of the aftermath (or of the data, while open). A joke
to someone who did not complain is not a move. ``first_post_id`` is the post that made the move first (the
smallest (created_at, post_id), then platform).
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.i18n import N_, Message, Nn_, _, render_stored, use_locale
from pipeline.core.settings import Settings
from pipeline.metrics.detector import CrisisWindow, detect_crises
from pipeline.metrics.hourly import ALL_BRANDS
from pipeline.metrics.playbook import MOVES

SEVERITY_NAMES = {1: N_("isolated complaints"), 2: N_("issue"), 3: N_("crisis"), 4: N_("severe crisis")}
STOP_WORDS = frozenset(  # i18n: not text (words to leave out of top terms)
    """
the and for you your are was were has have had but not with this that what when where who why how can
could would will just all any our out get got from they them their there then than too very been being
its it's i'm im don't didn't can't cant dont also about into over after before again still now only one
more some such here same other off own yes our ours she her him his hers myself yourself http https amp
que por para con los las del una uno unos unas como pero más mas esta este esto estos estas ese esa eso
hay muy ser son fue sus les nos mis tus todo toda todos todas cuando donde porque sin sobre entre tiene
nie się jest czy jak ale tak dla już jeszcze przez może tylko ten ta to tym tego tej być było będzie
mnie mam ich jego jej nas was oraz lub albo gdy tutaj tam ktoś coś
""".split()
)
_TERM = r"(?:^|[^@\w#])(#?[\p{L}][\p{L}\p{N}_'’-]{2,})"


def severity_points(
    *,
    excess_negative: float,
    share_negative: float,
    reach: float | None,
    platforms: int,
    duration_hours: float,
    unanswered_share: float | None,
    first_response_minutes: float | None,
    still_hot: bool = False,
    replies_in_data: str | None = None,
    reach_known: bool = True,
) -> tuple[int, list[Message]]:
    """Severity (1-4) and one message per scoring reason, by the table in the module docstring (a
    ``Message`` reads in any language: ``.render()`` in the current one).

    ``still_hot``: the crisis was still above baseline when the data ended (its duration is a lower bound).
    ``replies_in_data``: the brand's name when none of the crisis's complaints can be judged (its exports hold
    no replies from it): the two response rows then score nothing and say why.
    """
    points, reasons = 0, []

    def add(p: int, message: Message) -> None:
        nonlocal points
        points += p
        reasons.append(Message(message.text, message.plural, count=message.count, args=message.args,
                               suffix=f" (+{p})"))  # fmt: skip

    excess = round(excess_negative)
    tiers = [(500, 3), (100, 2), (25, 1)]
    add(
        next((p for limit, p in tiers if excess >= limit), 0),
        Message(
            *Nn_("{count} negative post above the usual level", "{count} negative posts above the usual level"),
            count="count",
            args=(("count", "int", excess),),
        ),  # fmt: skip
    )
    add(
        2 if share_negative >= 0.75 else 1 if share_negative >= 0.5 else 0,
        Message(N_("{share} of scored posts were negative"), args=(("share", "pct0", share_negative),)),
    )
    if reach is None:
        reasons.append(Message(N_("reach and engagement not in the export"), suffix=" (+0)"))
    else:
        add(
            2 if reach >= 1_000_000 else 1 if reach >= 100_000 else 0,
            Message(N_("complaints reached {reach} people"), args=(("reach", "int", reach),))
            if reach_known
            else Message(
                N_("complaints drew {count} likes and shares (reach not in the export)"),
                args=(("count", "int", reach),),
            ),  # fmt: skip
        )
    add(
        1 if platforms >= 2 else 0,
        Message(
            *Nn_("complaints on {count} platform", "complaints on {count} platforms"),
            count="count",
            args=(("count", "int", platforms),),
        ),  # fmt: skip
    )
    add(
        2 if duration_hours >= 48 else 1 if duration_hours >= 12 else 0,
        Message(
            *Nn_(
                "lasted at least {count} hour (still above baseline when the data ends)",
                "lasted at least {count} hours (still above baseline when the data ends)",
            ),
            count="count",
            args=(("count", "int", round(duration_hours)),),
        )
        if still_hot
        else Message(
            *Nn_("lasted {count} hour", "lasted {count} hours"),
            count="count",
            args=(("count", "int", round(duration_hours)),),
        ),  # fmt: skip
    )
    if replies_in_data is not None:
        reasons.append(
            Message(
                N_("the data holds no replies from {brand}: whether complaints were answered cannot be measured"),
                args=(("brand", "text", replies_in_data),),
                suffix=" (+0)",
            )
        )
        severity = 1 if points <= 2 else 2 if points <= 4 else 3 if points <= 7 else 4
        return severity, reasons
    if unanswered_share is not None:
        add(
            1 if unanswered_share >= 0.5 else 0,
            Message(N_("{share} of complaints left unanswered"), args=(("share", "pct0", unanswered_share),)),
        )
    if first_response_minutes is None:
        add(1, Message(N_("no brand response during the crisis")))
    else:
        hours = first_response_minutes / 60
        add(
            1 if hours > 4 else 0,
            Message(N_("first brand response after {hours} hours"), args=(("hours", "num1", hours),)),
        )
    severity = 1 if points <= 2 else 2 if points <= 4 else 3 if points <= 7 else 4
    return severity, reasons


def english(messages: list[Message]) -> list[str]:
    """The messages as English sentences (the ``severity_reasons`` column, read by exports and scripts)."""
    with use_locale("en"):
        return [message.render() for message in messages]


def severity_name(level: int | str | None) -> str:
    """A severity level's name in the current language ("issue", "crisis"...)."""
    try:
        return _(SEVERITY_NAMES[int(level)])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return "—" if level is None else str(level)


def severity_reasons_in_words(crisis) -> list[str]:
    """Why a crisis has its severity, one sentence per reason, in the current language (a crisis computed by
    a version that stored English sentences only: those sentences)."""
    stored = _value(crisis, "severity_reason_messages")
    if stored is not None and len(stored):
        return [render_stored(message) for message in stored]
    return list(_value(crisis, "severity_reasons") or [])


def thread_reasons_in_words(stored: str | None, fallback: str | None = None) -> str:
    """Why a thread is among a crisis's top threads ("3 complaints · reach 12,000"), in the current language,
    from its stored messages (``top_thread_reason_messages``); ``fallback``: the English sentence stored by an
    older version."""
    if stored:
        try:
            return " · ".join(render_stored(part) for part in json.loads(stored))
        except (ValueError, TypeError):
            pass
    return fallback or ""


def _value(row, name: str):
    try:
        value = row[name]
    except (KeyError, IndexError):
        return None
    return None if value is None or (isinstance(value, float) and value != value) else value


_MIN_BASELINE_POSTS = 50


_BRAND_POSTS = "NOT is_brand AND coalesce(brand, '(none)') = $brand"
_BASELINE_WEEK = "created_at >= $started - INTERVAL 8 DAY AND created_at < $started - INTERVAL 1 DAY"


def _baseline_is_a_week(con, brand: str, started) -> bool:
    """Whether the top terms compare with the 8-to-1-days-before week (else with every other post)."""
    return (
        db.scalar(
            con,
            f"SELECT count(*) FROM posts WHERE {_BRAND_POSTS} AND {_BASELINE_WEEK}",
            {"brand": brand, "started": started},
        )
        >= _MIN_BASELINE_POSTS
    )


def _top_terms(con, brand: str, started, ended, limit: int = 10) -> list[str]:
    brand_posts, recent = _BRAND_POSTS, _BASELINE_WEEK
    params = {"brand": brand, "started": started, "ended": ended}
    if not _baseline_is_a_week(con, brand, started):
        recent = "(created_at < $started OR created_at >= $ended)"  # too little history: all other posts
    rows = con.execute(
        f"""
        WITH scope AS (
            SELECT post_id, created_at >= $started AND created_at < $ended AS in_window, text
            FROM posts
            WHERE {brand_posts} AND ((created_at >= $started AND created_at < $ended
                                      AND sentiment_label = 'negative') OR {recent})
        ),
        docs AS (
            SELECT DISTINCT post_id, in_window, unnest(regexp_extract_all(lower(text), $pattern, 1)) AS term
            FROM scope
        ),
        sizes AS (
            SELECT count(*) FILTER (WHERE in_window) AS w, count(*) FILTER (WHERE NOT in_window) AS b FROM scope
        ),
        counts AS (
            SELECT term, count(*) FILTER (WHERE in_window) AS w_n, count(*) FILTER (WHERE NOT in_window) AS b_n
            FROM docs WHERE term NOT IN (SELECT unnest($stop::VARCHAR[])) GROUP BY term
        )
        SELECT term FROM counts, sizes WHERE w_n >= 3
        ORDER BY w_n / w * (ln((w_n + 1) / (w + 1)) - ln((b_n + 1) / (b + 1))) DESC, w_n DESC, term
        LIMIT $limit""",
        {**params, "pattern": _TERM, "stop": sorted(STOP_WORDS), "limit": limit},
    ).fetchall()
    return [row[0] for row in rows]


def _top_threads(con, params: dict, terms: list[str], limit: int = 5) -> list[tuple[str, str, list[Message]]]:
    """(platform, thread_id, why) of the threads that best show what the crisis was about: threads with complaints
    first, then by exposure (reach, else likes + shares, where known), replies in the window and how many of
    the crisis's top terms their customer posts use. See the module docstring."""
    rows = con.execute(
        """
        WITH wp AS (
            SELECT platform, thread_id, is_brand, sentiment_label, created_at, lower(text) AS text,
                   coalesce(reach, CASE WHEN likes IS NOT NULL OR shares IS NOT NULL
                                        THEN coalesce(likes, 0) + coalesce(shares, 0) END) AS exposure,
                   reach IS NOT NULL AS has_reach
            FROM posts WHERE coalesce(brand, '(none)') = $brand AND created_at >= $started AND created_at < $ended
        ),
        hits AS (
            SELECT platform, thread_id, count(DISTINCT term) AS term_hits,
                   list(DISTINCT term ORDER BY term) AS used_terms
            FROM (SELECT w.platform, w.thread_id, t.term FROM wp w, (SELECT unnest($terms::VARCHAR[]) AS term) t
                  WHERE NOT w.is_brand AND contains(w.text, t.term))
            GROUP BY ALL
        ),
        per_thread AS (
            SELECT platform, thread_id,
                   count(*) FILTER (WHERE NOT is_brand AND sentiment_label = 'negative') AS complaints,
                   sum(exposure) FILTER (WHERE NOT is_brand) AS exposure, bool_or(has_reach) AS has_reach,
                   count(*) - 1 AS replies, min(created_at) AS first_at
            FROM wp GROUP BY platform, thread_id HAVING count(*) FILTER (WHERE NOT is_brand) > 0
        )
        SELECT p.platform, p.thread_id, p.complaints, p.exposure, p.has_reach, p.replies, coalesce(h.term_hits, 0),
               coalesce(h.used_terms, [])
        FROM per_thread p LEFT JOIN hits h USING (platform, thread_id)
        ORDER BY (p.complaints > 0) DESC,
                 ln(1 + coalesce(p.exposure, 0)) / ln(10) + ln(1 + p.replies) + 0.5 * coalesce(h.term_hits, 0)
                     + ln(1 + p.complaints) DESC,
                 p.first_at, p.thread_id, p.platform
        LIMIT $limit""",
        {**params, "terms": terms, "limit": limit},
    ).fetchall()
    out = []
    for platform, thread_id, complaints, exposure, has_reach, replies, term_hits, used in rows:
        why = [
            Message(
                *Nn_("{count} complaint", "{count} complaints"), count="count", args=(("count", "int", complaints),)
            )
            if complaints
            else Message(N_("no complaint"))
        ]
        if exposure:
            why.append(
                Message(N_("reach {count}"), args=(("count", "int", exposure),))
                if has_reach
                else Message(N_("{count} likes + shares"), args=(("count", "int", exposure),))
            )
        if replies:
            why.append(
                Message(*Nn_("{count} reply", "{count} replies"), count="count", args=(("count", "int", replies),))
            )
        if term_hits:
            quoted = ", ".join(f"'{term}'" for term in used[:3])
            why.append(Message(N_("uses {terms}"), args=(("terms", "text", quoted),)))
        out.append((platform, thread_id, why))
    return out


# A brand post answers the crisis when it replies to one of its customer posts (its parent, or the first reply
# the responses found; a question in the middle of a crisis is part of it, whatever its label). Without a reply
# link, a post addressed to someone (a leading @mention) is not known to answer the crisis: a joke to a fan
# who also complained that day is not a move. A public statement is a brand post that starts a thread and
# is addressed to nobody.
_IN_CONTEXT = """
    WITH complaints AS (
        SELECT platform, post_id, created_at, lower(ltrim(trim(author_id), '@')) AS author
        FROM posts
        WHERE NOT is_brand AND coalesce(brand, '(none)') = $brand AND created_at >= $started
          AND ($recovered IS NULL OR created_at < $recovered)
    ),
    candidates AS (
        SELECT m.move, m.platform, m.post_id, m.created_at, b.parent_id, b.thread_id, b.text
        FROM fct_reply_moves m JOIN fct_posts b ON b.platform = m.platform AND b.post_id = m.post_id
        WHERE m.brand = $brand AND m.created_at >= $started AND ($horizon IS NULL OR m.created_at < $horizon)
    ),
    in_context AS (
        SELECT c.* FROM candidates c
        WHERE EXISTS (SELECT 1 FROM complaints k WHERE k.platform = c.platform AND k.post_id = c.parent_id)
           OR EXISTS (SELECT 1 FROM fct_responses r JOIN complaints k USING (platform, post_id)
                      WHERE r.platform = c.platform AND r.first_reply_id = c.post_id)
           OR (c.parent_id IS NULL AND c.post_id = c.thread_id AND NOT starts_with(ltrim(c.text), '@'))
    )"""
_MOVES_IN_CONTEXT = (
    _IN_CONTEXT
    + """
    SELECT move, min(created_at), count(DISTINCT post_id), arg_min(post_id, (created_at, post_id, platform)),
           arg_min(platform, (created_at, post_id, platform))
    FROM in_context GROUP BY move"""
)
# The brand's statements during a crisis: its posts in context that explain and keep people informed (the
# holding statement is the first; the updates follow), for the escalation plan's targets (``targets.py``).
STATEMENTS_IN_CONTEXT = (
    _IN_CONTEXT
    + """
    SELECT DISTINCT created_at, platform, post_id FROM in_context WHERE move = 'explain'
    ORDER BY created_at, post_id, platform"""
)


def _crisis_row(con, brand: str, window: CrisisWindow) -> tuple[dict, list, list]:
    started = window.started_at.to_pydatetime()
    # the end of the data after the crisis: the newest post before the series stops (its end, or a long hole)
    data_end = (
        db.scalar(
            con, "SELECT max(created_at) FROM fct_posts WHERE created_at < ?", [window.data_end_at.to_pydatetime()]
        )
        if window.data_end_at is not None
        else None
    )
    # still hot when the data ends: its posts are the ones up to the end of the data
    end = window.ended_at if window.ended_at is not None else window.data_end_at
    assert end is not None  # a window ends, or the data does
    ended = end.to_pydatetime()
    crisis_id = f"{brand}:{window.started_at:%Y%m%dT%H}"
    scope = "NOT is_brand AND coalesce(brand, '(none)') = $brand AND created_at >= $started AND created_at < $ended"
    params = {"brand": brand, "started": started, "ended": ended}
    posts, negative, scored, authors, platforms, reach, engagement = db.one_row(
        con,
        f"""
        SELECT count(*), count(*) FILTER (WHERE sentiment_label = 'negative'), count(sentiment_label),
               count(DISTINCT author_id), count(DISTINCT platform) FILTER (WHERE sentiment_label = 'negative'),
               sum(reach) FILTER (WHERE sentiment_label = 'negative'),
               sum(coalesce(likes, 0) + coalesce(shares, 0)) FILTER (WHERE sentiment_label = 'negative'
                   AND (likes IS NOT NULL OR shares IS NOT NULL))
        FROM posts WHERE {scope}""",
        params,
    )
    # Moves count until the end of the aftermath (amends often come after the noise has died down), or until
    # the end of the data while the crisis is open.
    horizon = window.phases[-1][2].to_pydatetime() if window.back_at is not None else data_end
    # Only judged complaints (fct_responses: the brand's replies are in their export) say how it responded.
    first_reply, complaints, answered = db.one_row(
        con,
        """
        SELECT min(r.first_reply_at), count(*), count(*) FILTER (WHERE r.answered) FROM fct_responses r
        JOIN posts p ON p.platform = r.platform AND p.post_id = r.post_id
        WHERE coalesce(r.brand, '(none)') = $brand AND r.created_at >= $started AND r.created_at < $ended
          AND p.sentiment_label = 'negative'""",
        params,
    )
    replies_in_data = complaints > 0 or not negative
    minutes = round((first_reply - started).total_seconds() / 60, 1) if first_reply else None
    unanswered_share = (complaints - answered) / complaints if complaints else None
    exposure = reach if reach is not None else engagement
    duration = ((window.ended_at or window.data_end_at) - window.started_at).total_seconds() / 3600
    severity, reasons = severity_points(
        excess_negative=max(negative - window.baseline_negative, 0),
        share_negative=negative / scored if scored else 0,
        reach=float(exposure) if exposure is not None else None,
        platforms=platforms,
        duration_hours=duration,
        unanswered_share=unanswered_share,
        first_response_minutes=minutes,
        still_hot=window.ended_at is None,
        replies_in_data=None if replies_in_data else brand,
        reach_known=reach is not None,
    )
    terms = _top_terms(con, brand, started, ended)
    top = _top_threads(con, params, terms)
    recovered = window.back_at.to_pydatetime() if window.back_at is not None else None
    moves = con.execute(
        _MOVES_IN_CONTEXT, {"brand": brand, "started": started, "recovered": recovered, "horizon": horizon}
    ).fetchall()
    row = {
        "crisis_id": crisis_id,
        "brand": brand,
        "started_at": started,
        "peak_at": window.peak_at.to_pydatetime(),
        "ended_at": window.ended_at.to_pydatetime() if window.ended_at is not None else None,
        "back_to_baseline_at": window.back_at.to_pydatetime() if window.back_at is not None else None,
        "severity": severity,
        "severity_name": SEVERITY_NAMES[severity],
        "severity_reasons": english(reasons),
        "severity_reason_messages": [reason.to_json() for reason in reasons],
        "peak_z": window.peak_z,
        "posts": posts,
        "negative_posts": negative,
        "authors": authors,
        "platforms": platforms,
        "reach": exposure,
        "first_brand_response_at": first_reply,
        "minutes_to_first_response": minutes,
        "complaints": complaints,
        "complaints_answered": answered,
        "share_answered": round(answered / complaints, 4) if complaints else None,
        "top_terms": terms,
        "top_threads": [thread for _platform, thread, _why in top],
        "top_thread_platforms": [platform for platform, _thread, _why in top],
        "moves_used": [move for move in MOVES if move in {m[0] for m in moves}],
        "data_end_at": data_end,
        "is_open": window.back_at is None,
        "replies_in_data": replies_in_data,
        "top_thread_reasons": [" · ".join(english(why)) for _platform, _thread, why in top],
        "top_thread_reason_messages": [json.dumps([part.to_json() for part in why]) for _platform, _thread, why in top],
    }
    phases = [(crisis_id, name, a.to_pydatetime(), b.to_pydatetime()) for name, a, b in window.phases]
    move_rows = [
        (crisis_id, move, first_at, replies, post_id, platform) for move, first_at, replies, post_id, platform in moves
    ]
    return row, phases, move_rows


def _stored_crises(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """What each stored crisis was detected as: (started, peak, ended, back, peak_z, phases); not those an older
    version stored without their top threads' platforms (schema 11), which are computed again."""
    phases: dict[str, list] = {}
    for crisis_id, name, started, ended in con.execute(
        "SELECT crisis_id, phase, started_at, ended_at FROM fct_crisis_phases ORDER BY crisis_id, started_at"
    ).fetchall():
        phases.setdefault(crisis_id, []).append((name, started, ended))
    return {
        crisis_id: (started, peak, ended, back, peak_z, phases.get(crisis_id, []))
        for crisis_id, started, peak, ended, back, peak_z in con.execute(
            "SELECT crisis_id, started_at, peak_at, ended_at, back_to_baseline_at, peak_z FROM fct_crises "
            "WHERE top_thread_platforms IS NOT NULL"
        ).fetchall()
    }


def _unchanged(window: CrisisWindow, stored: tuple | None, changed_from) -> bool:
    """A stored crisis still holds when it is detected the same and every changed post came after its
    aftermath (the last phase): nothing its figures read (posts, responses and moves up to then, the
    baseline week before it) can have changed."""
    if stored is None or window.back_at is None or changed_from is None:
        return False
    horizon = window.phases[-1][2].to_pydatetime()
    detected = (
        window.started_at.to_pydatetime(),
        window.peak_at.to_pydatetime(),
        window.ended_at.to_pydatetime() if window.ended_at is not None else None,
        window.back_at.to_pydatetime(),
        window.peak_z,
        [(name, a.to_pydatetime(), b.to_pydatetime()) for name, a, b in window.phases],
    )
    return changed_from >= horizon and detected == stored


def compute_crises(con: duckdb.DuckDBPyConnection, settings: Settings, *, changed_only: bool = False) -> int:
    """Detect crises for every brand and rebuild the crisis tables; return the number of crises.

    ``changed_only``: a crisis detected exactly as stored, whose aftermath ended before the earliest post in
    ``tmp_changed_posts``, keeps its stored row (its figures cannot have changed); the others are computed.
    """
    hourly = con.execute(
        """
        SELECT brand, hour_at, negative_posts, scored_posts, is_gap FROM fct_hourly
        WHERE brand <> ? ORDER BY brand, hour_at""",
        [ALL_BRANDS],
    ).df()
    changed_from = db.scalar(con, "SELECT min(created_at) FROM tmp_changed_posts") if changed_only else None
    stored = _stored_crises(con) if changed_from is not None else {}
    rows, phases, moves, kept = [], [], [], []
    for brand, series in hourly.groupby("brand", sort=True):
        hours = pd.DatetimeIndex(series["hour_at"])
        for window in detect_crises(
            hours,
            series["negative_posts"].to_numpy(),
            series["scored_posts"].to_numpy(),
            series["is_gap"].to_numpy(),
            settings.detector,
        ):
            crisis_id = f"{brand}:{window.started_at:%Y%m%dT%H}"
            if _unchanged(window, stored.get(crisis_id), changed_from) and _baseline_is_a_week(
                con, brand, window.started_at.to_pydatetime()
            ):
                kept.append(crisis_id)
                continue
            row, phase_rows, move_rows = _crisis_row(con, brand, window)
            rows.append(row)
            phases += phase_rows
            moves += move_rows
    for table in ("fct_crises", "fct_crisis_phases", "fct_crisis_moves"):
        con.execute(f"DELETE FROM {table} WHERE NOT list_contains(?::VARCHAR[], crisis_id)", [kept])
    if rows:
        frame = pd.DataFrame(rows)
        lists = ("severity_reasons", "top_terms", "top_threads", "moves_used", "top_thread_reasons",
                 "severity_reason_messages", "top_thread_reason_messages", "top_thread_platforms")  # fmt: skip
        for column in lists:
            frame[column] = frame[column].map(json.dumps)
        con.register("tmp_crises", frame)
        con.execute("""
            INSERT INTO fct_crises BY NAME
            SELECT * REPLACE (severity_reasons::JSON::VARCHAR[] AS severity_reasons,
                              top_terms::JSON::VARCHAR[] AS top_terms, top_threads::JSON::VARCHAR[] AS top_threads,
                              moves_used::JSON::VARCHAR[] AS moves_used,
                              top_thread_reasons::JSON::VARCHAR[] AS top_thread_reasons,
                              severity_reason_messages::JSON::VARCHAR[] AS severity_reason_messages,
                              top_thread_reason_messages::JSON::VARCHAR[] AS top_thread_reason_messages,
                              top_thread_platforms::JSON::VARCHAR[] AS top_thread_platforms)
            FROM tmp_crises""")
        con.unregister("tmp_crises")
    if phases:
        con.executemany("INSERT INTO fct_crisis_phases VALUES (?, ?, ?, ?)", phases)
    if moves:
        con.executemany("INSERT INTO fct_crisis_moves VALUES (?, ?, ?, ?, ?, ?)", moves)
    return len(rows) + len(kept)
