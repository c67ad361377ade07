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

Each delivery is written in its language (``pipeline.monitor.plan.delivery_locale``: the channel's, else its
role's, else the database's): the alert's subject and body are written again from its stored facts
(``pipeline.monitor.alerts.alert_text``), and the words around them ("Open in Reputation Radar") follow. A
webhook's JSON keeps its keys in English (machines read them) and says its language in ``locale``.
"""

from __future__ import annotations

import contextvars
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
from pipeline.core.i18n import _, current_locale, ngettext, use_locale
from pipeline.core.settings import load_settings
from pipeline.metrics.crises import severity_reasons_in_words
from pipeline.monitor.alerts import SUBJECT_TAG, alert_text, rule_name, utc_now
from pipeline.monitor.plan import channels_of, delivery_locale, load_plan

MAX_BACKOFF_SECONDS = 900
RETRY_SECONDS = 30
HTTP_TIMEOUT = 10


class DeliveryError(Exception):
    """A channel did not accept a message; the text says why in a line."""


class NotTried(str):
    """The reason a message was not tried in this pass (its channel failed on an earlier one): no attempt."""


@dataclass(frozen=True)
class Message:
    key: str
    subject: str
    body: str
    link: str | None
    payload: dict  # the alert as JSON, for the generic webhook
    locale: str = "en"  # the language it is written in (the words around subject and body follow it)


def _post_json(url: str, payload: dict, key: str) -> None:
    # the key holds brand and channel names: percent-encoded, a header is ASCII whatever they are
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",  # i18n: not text -- HTTP headers
            "Idempotency-Key": quote(key, safe=":@,-_."),  # i18n: not text
            "User-Agent": "reputation-radar",  # i18n: not text
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(
            _("cannot reach {host}: {reason}").format(host=urlsplit(url).hostname, reason=reason)
        ) from None


def _one_line(text: str) -> str:
    """Text as a header: every run of white space one space, but a number's no-break space (Polish "1 234")
    kept."""
    return re.sub(r"[^\S\xa0\u202f]+", " ", text).strip()


def _email(message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = _one_line(message.subject)  # text from the data never breaks a header
    mail.set_content(
        message.body
        + ("\n\n" + _("Open in Reputation Radar: {link}").format(link=message.link) if message.link else "")
    )
    return mail


def _smtp_send(plan: dict, to: list[str], mail: EmailMessage) -> None:
    """Send a prepared message (subject and content set) to ``to`` over the plan's SMTP server."""
    smtp = plan["smtp"]
    if not smtp["host"]:
        raise DeliveryError(_("no SMTP server in the plan (smtp.host)"))
    mail["From"], mail["To"] = smtp["sender"], ", ".join(to)
    password = None
    if smtp["username"]:
        password = os.environ.get(smtp["password_env"])
        if password is None:
            raise DeliveryError(
                _("the SMTP password is not set: put it in the environment variable {variable}").format(
                    variable=smtp["password_env"]
                )
            )
    try:
        with smtplib.SMTP(smtp["host"], int(smtp["port"]), timeout=smtp["timeout_seconds"]) as server:
            if smtp["starttls"]:
                server.starttls(context=ssl.create_default_context())
            if smtp["username"]:
                server.login(smtp["username"], password or "")
            server.send_message(mail)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(
            _("the SMTP server refused the login of {username}").format(username=repr(smtp["username"]))
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            _(
                "the SMTP server does not offer STARTTLS; set smtp.starttls to false only for a server on a "
                "trusted network"
            )
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(_("TLS with the SMTP server failed: {reason}").format(reason=exc.reason or exc)) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {smtp['host']}:{smtp['port']}: {exc}") from None


def _slack(text: str) -> str:
    """Text from the data as Slack shows it literally: no <!channel> pings, no disguised <url|links>."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown(text: str) -> str:
    """Text from the data as Teams' Markdown shows it literally (no [disguised](links), no formatting)."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def send(plan: dict, channel_name: str, message: Message) -> None:
    """Send one message over one channel of the plan, the words around it in the message's language; raise
    DeliveryError saying why it failed (in the caller's language: the team reads it in the alert log)."""
    channel = plan["channels"].get(channel_name)
    if channel is None:
        raise DeliveryError(_("there is no channel {channel} in the plan any more").format(channel=repr(channel_name)))
    kind = channel["type"]
    with use_locale(message.locale):
        prepared = _prepared(kind, message)
    if kind == "email":
        _smtp_send(plan, channel["to"], prepared)
    else:
        _post_json(channel["url"], prepared, message.key)


def _prepared(kind: str, message: Message):
    """What goes over a channel of this kind: an e-mail, or the JSON a webhook is posted."""
    if kind == "email":
        return _email(message)
    if kind == "slack":
        opening = _slack(_("Open in Reputation Radar"))
        text = f"*{_slack(message.subject)}*\n{_slack(message.body)}" + (
            f"\n<{message.link}|{opening}>" if message.link else ""
        )
        return {"text": text}
    if kind == "teams":
        card: dict[str, object] = {
            "@type": "MessageCard",  # i18n: not text -- the card's format
            "@context": "https://schema.org/extensions",
            "summary": message.subject,
            "title": _markdown(message.subject),
            "text": _markdown(message.body).replace("\n", "\n\n"),
        }
        if message.link:
            card["potentialAction"] = [
                {
                    "@type": "OpenUri",  # i18n: not text
                    "name": _("Open in Reputation Radar"),
                    "targets": [{"os": "default", "uri": message.link}],
                }
            ]
        return card
    return message.payload


def _message(row: dict, locale: str = "en") -> Message:
    """An alert as a message in ``locale``: written again from its facts (as stored when they cannot tell)."""
    facts = json.loads(row["facts"]) if row["facts"] else {}
    with use_locale(locale) as code:
        written = alert_text(row["rule"], row["brand"], row["severity"], facts, row["as_of"])
        subject, body = written if written else (row["subject"], row["body"])
        shown_facts = dict(facts)
        if "reason_messages" in shown_facts:  # the reasons in words, in the message's language
            shown_facts["reasons"] = severity_reasons_in_words(
                {
                    "severity_reason_messages": shown_facts.pop("reason_messages"),
                    "severity_reasons": facts.get("reasons"),
                }
            )
        payload = {
            "key": row["alert_key"],
            "rule": row["rule"],
            "rule_words": rule_name(row["rule"]),
            "severity": row["severity"],
            "brand": row["brand"],
            "crisis_id": row["crisis_id"],
            "subject": subject,
            "text": body,
            "facts": shown_facts,
            "link": row["link"],
            "roles": list(row["roles"]),
            "raised_at": row["raised_at"],
            "as_of": row["as_of"],
            "locale": code,
        }
    return Message(row["alert_key"], subject, body, row["link"], payload, code)


def _digest(rows: list[dict], locale: str = "en") -> Message:
    messages = [_message(row, locale) for row in rows]
    parts = [
        f"{i}. {message.subject}\n{message.body}" + (f"\n{message.link}" if message.link else "")
        for i, message in enumerate(messages, 1)
    ]
    key = "digest:" + ",".join(row["alert_key"] for row in rows)
    with use_locale(locale) as code:
        title = ngettext("Daily digest: {count} alert", "Daily digest: {count} alerts", len(rows)).format(
            count=len(rows)
        )
    return Message(
        key,
        SUBJECT_TAG + title,
        "\n\n".join(parts),
        None,
        {"key": key, "rule": "digest", "alerts": [m.payload for m in messages], "subject": title, "locale": code},
        code,
    )


@dataclass(frozen=True)
class Due:
    """One message to send over one channel, standing for the deliveries ``keys`` of it."""

    channel: str
    keys: tuple[str, ...]
    attempts: int
    message: Message


def due_messages(con: duckdb.DuckDBPyConnection, now: datetime | None = None, *, plan: dict | None = None) -> list[Due]:
    """The deliveries due now, as messages: one per alert and channel, or one digest per channel; each in its
    language (the channel's, else its role's, else the database's)."""
    now = now or utc_now()
    plan = plan or load_plan(con)
    default = load_settings(con).locale
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
        SELECT d.alert_key, d.channel, d.role, d.attempts, a.rule, a.severity, a.brand, a.crisis_id, a.subject, a.body,
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
    out = []
    for (channel, digest, _key), group in groups.items():
        role = group[0]["role"]
        locale = delivery_locale(plan, channel, role if isinstance(role, str) else None, default)
        out.append(
            Due(
                channel,
                tuple(row["alert_key"] for row in group),
                max(int(row["attempts"]) for row in group),
                _digest(group, locale) if digest else _message(group[0], locale),
            )
        )
    return out


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
                results.append((item, NotTried(_("not tried: {error}").format(error=failed))))
                continue
            error = send_or_error(plan, item)
            failed = error
            results.append((item, error))
        return results

    if len(by_channel) <= 1:
        return [result for items in by_channel.values() for result in run(items)]
    # each thread speaks the caller's language (its errors are recorded for the team): a copy of its context each
    work = [(contextvars.copy_context(), items) for items in by_channel.values()]
    with ThreadPoolExecutor(max_workers=min(len(by_channel), 8)) as pool:
        return [result for results in pool.map(lambda job: job[0].run(run, job[1]), work) for result in results]


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
        untried = isinstance(error, NotTried)
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


def send_test(plan: dict, channel_name: str, *, default_locale: str | None = None) -> None:
    """A test message over one channel (not recorded in the outbox), in the channel's language (else its roles',
    else ``default_locale``: the database's; else the current one); raise DeliveryError when it fails."""
    if channel_name not in plan["channels"]:
        raise DeliveryError(
            _("there is no channel {channel}; the plan has {channels} (`radar plan show`)").format(
                channel=repr(channel_name), channels=", ".join(plan["channels"]) or _("none yet")
            )
        )
    now = utc_now()
    with use_locale(delivery_locale(plan, channel_name, None, default_locale or current_locale())) as code:
        body = _(
            "A test message from Reputation Radar at {when} UTC: the channel {channel} works. Alerts for the roles "
            "that use it will arrive here."
        ).format(when=f"{now:%Y-%m-%d %H:%M}", channel=repr(channel_name))
        title = _("Test message")
    send(
        plan,
        channel_name,
        Message(
            f"test:{channel_name}:{now.isoformat()}",
            SUBJECT_TAG + title,
            body,
            plan["dashboard_url"],
            {
                "key": f"test:{channel_name}",
                "rule": "test",
                "subject": title,
                "text": body,
                "link": plan["dashboard_url"],
                "locale": code,
            },
            code,
        ),
    )


def send_report(
    plan: dict,
    *,
    subject: str,
    summary: list[str],
    link: str | None,
    attachment: bytes | None,
    filename: str,
    channels: set[str] | None = None,
) -> list[tuple[str, str | None]]:
    """Send a report to the plan's ``report_roles``: e-mail channels get a short HTML summary (and plain text)
    with the report attached; Slack, Teams and webhooks get the summary in words. Returns (channel, error or
    None) per channel; a channel that fails does not stop the others. The words around the summary are in the
    current language: the report's. ``channels``: only these of the roles' channels (those told in this
    report's language)."""
    from html import escape

    text = "\n".join(f"- {sentence}" for sentence in summary)
    code = current_locale()
    results: list[tuple[str, str | None]] = []
    for _role, channel_name in channels_of(plan, plan["report_roles"]):
        if channels is not None and channel_name not in channels:
            continue
        channel = plan["channels"][channel_name]
        try:
            if channel["type"] == "email":
                mail = EmailMessage()
                mail["Subject"] = _one_line(subject)
                attached = _("The whole report is attached ({file}).")
                mail.set_content(
                    text
                    + "\n\n"
                    + attached.format(file=filename)
                    + ("\n" + _("Open in Reputation Radar: {link}").format(link=link) if link else "")
                )
                mail.add_alternative(
                    f'<html lang="{code}"><body><h2>{escape(subject)}</h2><ul>'
                    + "".join(f"<li>{escape(sentence)}</li>" for sentence in summary)
                    + "</ul>"
                    + f"<p>{escape(attached.format(file=filename))}</p>"
                    + (
                        '<p><a href="' + escape(link) + '">' + escape(_("Open in Reputation Radar")) + "</a></p>"
                        if link
                        else ""
                    )
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
                        payload={
                            "kind": "weekly_report",
                            "subject": subject,
                            "summary": summary,
                            "link": link,
                            "locale": code,
                        },
                        locale=code,
                    ),
                )
            results.append((channel_name, None))
        except DeliveryError as exc:
            results.append((channel_name, str(exc)))
    return results
