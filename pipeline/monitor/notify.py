"""Notify: deliver the outbox (``alert_deliveries``) over e-mail, Slack, Microsoft Teams and JSON webhooks.

Every delivery is attempted when due, the channels at the same time and each channel's messages in order;
success is written at once (``sent``), a failure keeps the delivery (``retrying``, with the reason) and tries
again after ``retry_seconds`` x 2^(attempts - 1), at most ``MAX_BACKOFF_SECONDS``: a channel that is down
gets its alerts when it comes back, in order (after its first failure in a pass, its other messages wait
for the next try with it). Deliveries of
digest alerts (severity 1) that are due together go out as one message per channel.

A webhook POST carries the alert's key in an ``Idempotency-Key`` header (and the JSON body), for receivers
that want to drop a repeat after a crash between sending and recording. E-mail uses STARTTLS and login when
the plan says so; the password is read from the environment variable the plan names, at send time.
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import quote, urlsplit

import duckdb

from pipeline.core import db
from pipeline.monitor.alerts import RULE_WORDS, utc_now
from pipeline.monitor.plan import channels_of, load_plan

MAX_BACKOFF_SECONDS = 900
RETRY_SECONDS = 30
HTTP_TIMEOUT = 10


class DeliveryError(Exception):
    """A channel did not accept a message; the text says why in a line."""


@dataclass(frozen=True)
class Message:
    key: str
    subject: str
    body: str
    link: str | None
    payload: dict  # the alert as JSON, for the generic webhook


def _post_json(url: str, payload: dict, key: str) -> None:
    # the key holds brand and channel names: percent-encoded, a header is ASCII whatever they are
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": quote(key, safe=":@,-_."),
            "User-Agent": "reputation-radar",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"cannot reach {urlsplit(url).hostname}: {reason}") from None


def _send_email(plan: dict, to: list[str], message: Message) -> None:
    mail = EmailMessage()
    mail["Subject"] = " ".join(message.subject.split())  # text from the data never breaks a header
    mail.set_content(message.body + (f"\n\nOpen in Reputation Radar: {message.link}" if message.link else ""))
    _smtp_send(plan, to, mail)


def _smtp_send(plan: dict, to: list[str], mail: EmailMessage) -> None:
    """Send a prepared message (subject and content set) to ``to`` over the plan's SMTP server."""
    smtp = plan["smtp"]
    if not smtp["host"]:
        raise DeliveryError("no SMTP server in the plan (smtp.host)")
    mail["From"], mail["To"] = smtp["sender"], ", ".join(to)
    password = None
    if smtp["username"]:
        password = os.environ.get(smtp["password_env"])
        if password is None:
            raise DeliveryError(
                f"the SMTP password is not set: put it in the environment variable {smtp['password_env']}"
            )
    try:
        with smtplib.SMTP(smtp["host"], int(smtp["port"]), timeout=smtp["timeout_seconds"]) as server:
            if smtp["starttls"]:
                server.starttls(context=ssl.create_default_context())
            if smtp["username"]:
                server.login(smtp["username"], password or "")
            server.send_message(mail)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(f"the SMTP server refused the login of {smtp['username']!r}") from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            "the SMTP server does not offer STARTTLS; set smtp.starttls to false only for a server on a trusted network"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(f"TLS with the SMTP server failed: {exc.reason or exc}") from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {smtp['host']}:{smtp['port']}: {exc}") from None


def _slack(text: str) -> str:
    """Text from the data as Slack shows it literally: no <!channel> pings, no disguised <url|links>."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown(text: str) -> str:
    """Text from the data as Teams' Markdown shows it literally (no [disguised](links), no formatting)."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def send(plan: dict, channel_name: str, message: Message) -> None:
    """Send one message over one channel of the plan; raise DeliveryError saying why it failed."""
    channel = plan["channels"].get(channel_name)
    if channel is None:
        raise DeliveryError(f"there is no channel {channel_name!r} in the plan any more")
    kind = channel["type"]
    if kind == "email":
        _send_email(plan, channel["to"], message)
    elif kind == "slack":
        text = f"*{_slack(message.subject)}*\n{_slack(message.body)}" + (
            f"\n<{message.link}|Open in Reputation Radar>" if message.link else ""
        )
        _post_json(channel["url"], {"text": text}, message.key)
    elif kind == "teams":
        card: dict[str, object] = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.subject,
            "title": _markdown(message.subject),
            "text": _markdown(message.body).replace("\n", "\n\n"),
        }
        if message.link:
            card["potentialAction"] = [
                {
                    "@type": "OpenUri",
                    "name": "Open in Reputation Radar",
                    "targets": [{"os": "default", "uri": message.link}],
                }
            ]
        _post_json(channel["url"], card, message.key)
    else:
        _post_json(channel["url"], message.payload, message.key)


def _message(row: dict) -> Message:
    facts = json.loads(row["facts"]) if row["facts"] else {}
    payload = {
        "key": row["alert_key"],
        "rule": row["rule"],
        "rule_words": RULE_WORDS.get(row["rule"], row["rule"]),
        "severity": row["severity"],
        "brand": row["brand"],
        "crisis_id": row["crisis_id"],
        "subject": row["subject"],
        "text": row["body"],
        "facts": facts,
        "link": row["link"],
        "roles": list(row["roles"]),
        "raised_at": row["raised_at"],
        "as_of": row["as_of"],
    }
    return Message(row["alert_key"], row["subject"], row["body"], row["link"], payload)


def _digest(rows: list[dict]) -> Message:
    parts = [
        f"{i}. {row['subject']}\n{row['body']}" + (f"\n{row['link']}" if row["link"] else "")
        for i, row in enumerate(rows, 1)
    ]
    key = "digest:" + ",".join(row["alert_key"] for row in rows)
    return Message(
        key,
        f"[Radar] Daily digest: {len(rows)} alert{'s' if len(rows) != 1 else ''}",
        "\n\n".join(parts),
        None,
        {
            "key": key,
            "rule": "digest",
            "alerts": [_message(r).payload for r in rows],
            "subject": f"Daily digest: {len(rows)} alerts",
        },
    )


@dataclass(frozen=True)
class Due:
    """One message to send over one channel, standing for the deliveries ``keys`` of it."""

    channel: str
    keys: tuple[str, ...]
    attempts: int
    message: Message


def due_messages(con: duckdb.DuckDBPyConnection, now: datetime | None = None, *, plan: dict | None = None) -> list[Due]:
    """The deliveries due now, as messages: one per alert and channel, or one digest per channel."""
    now = now or utc_now()
    plan = plan or load_plan(con)
    con.execute(
        """UPDATE alert_deliveries SET state = 'dropped', last_error = 'the channel is no longer in the plan'
                   WHERE state IN ('pending', 'retrying') AND NOT list_contains(?::VARCHAR[], channel)""",
        [list(plan["channels"])],
    )
    # a channel's alerts go in order: none is sent while an earlier one to it waits for its next try
    rows = (
        con.execute(
            """
        WITH waiting AS (SELECT channel, min(a.raised_at) AS since FROM alert_deliveries d JOIN alerts a USING (alert_key)
                         WHERE d.state = 'retrying' AND d.next_attempt_at > ? GROUP BY channel)
        SELECT d.alert_key, d.channel, d.attempts, a.rule, a.severity, a.brand, a.crisis_id, a.subject, a.body,
               a.facts, a.link, a.roles, a.raised_at, a.as_of, a.digest
        FROM alert_deliveries d JOIN alerts a USING (alert_key) LEFT JOIN waiting w USING (channel)
        WHERE d.state IN ('pending', 'retrying') AND d.next_attempt_at <= ?
          AND (w.since IS NULL OR a.raised_at < w.since)
        ORDER BY a.raised_at, d.alert_key, d.channel""",
            [now, now],
        )
        .df()
        .to_dict("records")
    )
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(
            (row["channel"], bool(row["digest"]), None if row["digest"] else row["alert_key"]), []
        ).append(row)
    return [
        Due(
            channel,
            tuple(row["alert_key"] for row in group),
            max(int(row["attempts"]) for row in group),
            _digest(group) if digest else _message(group[0]),
        )
        for (channel, digest, _), group in groups.items()
    ]


def send_or_error(plan: dict, due: Due) -> str | None:
    """Send one due message; the reason in a line when it failed, else None."""
    try:
        send(plan, due.channel, due.message)
    except DeliveryError as exc:
        return str(exc)
    except Exception as exc:  # whatever a channel's library raises, the watcher records it and goes on
        return f"{type(exc).__name__}: {exc}"
    return None


def send_all(plan: dict, due: list[Due], stop=None) -> list[tuple[Due, str | None]]:
    """Send the due messages: the channels at the same time, each channel's messages in order. After a
    channel's first failure its other messages are not tried in this pass (they share its error and its
    back-off), so a dead channel costs one timeout, not one per alert. ``stop()`` true: send nothing more."""
    by_channel: dict[str, list[Due]] = {}
    for item in due:
        by_channel.setdefault(item.channel, []).append(item)

    def run(items: list[Due]) -> list[tuple[Due, str | None]]:
        results, failed = [], None
        for item in items:
            if stop is not None and stop():
                break  # left in the outbox for the next start
            if failed is not None:
                results.append((item, f"not tried: {failed}"))
                continue
            error = send_or_error(plan, item)
            failed = error
            results.append((item, error))
        return results

    if len(by_channel) <= 1:
        return [result for items in by_channel.values() for result in run(items)]
    with ThreadPoolExecutor(max_workers=min(len(by_channel), 8)) as pool:
        return [result for results in pool.map(run, by_channel.values()) for result in results]


def record_results(
    con: duckdb.DuckDBPyConnection, results: list[tuple[Due, str | None]], *, plan: dict | None = None, log=None
) -> dict[str, int]:
    """Write what each attempt did: sent, or retrying after a back-off with the reason."""
    plan = plan or load_plan(con)
    retry = plan.get("retry_seconds", RETRY_SECONDS)
    counts = {"sent": 0, "failed": 0}
    for due, error in results:
        keys = list(due.keys)
        if error is None:
            con.execute(
                """UPDATE alert_deliveries SET state = 'sent', attempts = attempts + 1, last_error = NULL,
                                  sent_at = ? WHERE channel = ? AND list_contains(?::VARCHAR[], alert_key)""",
                [utc_now(), due.channel, keys],
            )
            counts["sent"] += 1
            if log:
                log(f"alert {due.message.subject!r} sent to {due.channel}")
            continue
        untried = error.startswith("not tried: ")
        wait = min(retry * 2 ** (due.attempts if not untried else 0), MAX_BACKOFF_SECONDS)
        con.execute(
            """UPDATE alert_deliveries SET state = 'retrying', attempts = attempts + ?, last_error = ?,
                              next_attempt_at = ? WHERE channel = ? AND list_contains(?::VARCHAR[], alert_key)""",
            [0 if untried else 1, error, utc_now() + timedelta(seconds=wait), due.channel, keys],
        )
        counts["failed"] += 1
        if log:
            log(f"alert {due.message.subject!r} not delivered to {due.channel}: {error} (next try in {wait:.0f} s)")
    if results:
        db.bump_monitoring_version(con)
    return counts


def send_test(plan: dict, channel_name: str) -> None:
    """A test message over one channel (not recorded in the outbox); raise DeliveryError when it fails."""
    if channel_name not in plan["channels"]:
        raise DeliveryError(
            f"there is no channel {channel_name!r}; the plan has "
            f"{', '.join(plan['channels']) or 'none yet'} (`radar plan show`)"
        )
    now = utc_now()
    body = (
        f"A test message from Reputation Radar at {now:%Y-%m-%d %H:%M} UTC: the channel {channel_name!r} works. "
        "Alerts for the roles that use it will arrive here."
    )
    send(
        plan,
        channel_name,
        Message(
            f"test:{channel_name}:{now.isoformat()}",
            "[Radar] Test message",
            body,
            plan["dashboard_url"],
            {
                "key": f"test:{channel_name}",
                "rule": "test",
                "subject": "Test message",
                "text": body,
                "link": plan["dashboard_url"],
            },
        ),
    )


def send_report(
    plan: dict, *, subject: str, summary: list[str], link: str | None, attachment: bytes | None, filename: str
) -> list[tuple[str, str | None]]:
    """Send a report to the plan's ``report_roles``: e-mail channels get a short HTML summary (and plain text)
    with the report attached; Slack, Teams and webhooks get the summary in words. Returns (channel, error or
    None) per channel; a channel that fails does not stop the others."""
    from html import escape

    text = "\n".join(f"- {sentence}" for sentence in summary)
    results: list[tuple[str, str | None]] = []
    for _, channel_name in channels_of(plan, plan["report_roles"]):
        channel = plan["channels"][channel_name]
        try:
            if channel["type"] == "email":
                mail = EmailMessage()
                mail["Subject"] = " ".join(subject.split())
                mail.set_content(
                    text
                    + f"\n\nThe whole report is attached ({filename})."
                    + (f"\nOpen in Reputation Radar: {link}" if link else "")
                )
                mail.add_alternative(
                    f"<html><body><h2>{escape(subject)}</h2><ul>"
                    + "".join(f"<li>{escape(sentence)}</li>" for sentence in summary)
                    + "</ul>"
                    + f"<p>The whole report is attached ({escape(filename)}).</p>"
                    + (f'<p><a href="{escape(link)}">Open in Reputation Radar</a></p>' if link else "")
                    + "</body></html>",
                    subtype="html",
                )
                if attachment is not None:
                    maintype, subtype = ("application", "pdf") if filename.endswith(".pdf") else ("text", "html")
                    mail.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
                _smtp_send(plan, channel["to"], mail)
            else:
                send(
                    plan,
                    channel_name,
                    Message(
                        key=f"report:{subject}:{channel_name}",
                        subject=subject,
                        body=text,
                        link=link,
                        payload={"kind": "weekly_report", "subject": subject, "summary": summary, "link": link},
                    ),
                )
            results.append((channel_name, None))
        except DeliveryError as exc:
            results.append((channel_name, str(exc)))
    return results
