"""Access: who may use a shared dashboard, and who each change is recorded as.

Not a data stage: the rules the dashboard applies to a signed-in person, and the name that every stored change
(an import, a label, settings, brands, themes, the plan, an acknowledgement) carries in ``audit_log``.

Sign-in itself is Streamlit's (``st.login`` with an OpenID Connect provider configured in
``.streamlit/secrets.toml``); this module only reads the identity the provider vouched for. Two roles:

- ``viewer``: reads every page and downloads tables and reports;
- ``editor``: also loads exports, corrects labels, changes brands, themes, settings, the plan and which labels
  are used, and acknowledges crises.

The ``[access]`` section of the secrets lists who has each role; an entry is an e-mail address
(``ana@example.com``), everyone of a domain (``@example.com``), or a claim's value (``groups:radar-editors``,
matched against a claim that is a text or a list of texts). Editors are viewers too. An e-mail is trusted only
when the provider does not say it is unverified (``email_verified = false``). Anyone signed in who matches no
entry is let in nowhere: access is granted, never assumed.

Who a change is recorded as comes from ``acting_as`` (the dashboard wraps each write in it with the signed-in
person); outside it, the operating-system user of the command line, as ``"ana (command line)"``.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pipeline.core.i18n import N_, name_in

ROLES = ("viewer", "editor")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^@[^@\s]+\.[^@\s]+$")
_CLAIM = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]*):(.+)$")


class AccessError(ValueError):
    """The ``[access]`` section cannot be understood; the message says which entry and why."""


@dataclass(frozen=True)
class AccessRules:
    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any] | None) -> AccessRules:
        """Rules from the secrets' ``[access]`` section (``editors`` and ``viewers`` lists); raises
        ``AccessError`` for an unknown key or an entry that is neither an address, a domain nor a claim."""
        section = dict(section or {})
        unknown = sorted(set(section) - {"editors", "viewers"})
        if unknown:
            raise AccessError(f"[access] has an unknown key {unknown[0]!r}: only editors and viewers are read")
        lists = {}
        for role in ("editors", "viewers"):
            entries = section.get(role, [])
            if isinstance(entries, str):
                entries = [entries]
            if not isinstance(entries, (list, tuple)):
                raise AccessError(f"[access] {role} must be a list of addresses, @domains or claim:value entries")
            checked = []
            for entry in entries:
                text = str(entry).strip()
                if not (_EMAIL.match(text) or _DOMAIN.match(text) or _CLAIM.match(text)):
                    raise AccessError(
                        f"[access] {role}: {text!r} is not an e-mail address, an @domain or a claim:value entry"
                    )
                checked.append(text)
            lists[role] = tuple(checked)
        return cls(**lists)

    @property
    def is_empty(self) -> bool:
        return not (self.editors or self.viewers)


_UNVERIFIED = {"false", "0", "no", "off"}


def verified_email(claims: Mapping[str, Any]) -> str:
    """The person's e-mail address (trimmed, lower case) unless the provider says it is unverified
    (``email_verified`` false, 0, or such a text); ``""`` when there is none to trust."""
    verified = claims.get("email_verified")
    if verified is False or verified == 0 or (isinstance(verified, str) and verified.strip().lower() in _UNVERIFIED):
        return ""
    return str(claims.get("email") or "").strip().lower()


def _matches(entry: str, claims: Mapping[str, Any]) -> bool:
    email = verified_email(claims)
    trusted = bool(email)
    if entry.startswith("@"):
        return trusted and email.endswith(entry.lower())
    claim = _CLAIM.match(entry)  # a claim's name has no @, and an address no colon
    if claim:
        name, wanted = claim.groups()
        value = claims.get(name)
        values = value if isinstance(value, (list, tuple)) else [value]
        return any(str(item) == wanted for item in values if item is not None)
    return trusted and email == entry.lower()


def role_of(rules: AccessRules, claims: Mapping[str, Any]) -> str | None:
    """``"editor"``, ``"viewer"`` or None (no access) for a signed-in person's identity claims.

    >>> role_of(AccessRules(editors=("ana@example.com",), viewers=("@example.com",)), {"email": "bo@example.com"})
    'viewer'
    """
    if any(_matches(entry, claims) for entry in rules.editors):
        return "editor"
    if any(_matches(entry, claims) for entry in rules.viewers):
        return "viewer"
    return None


def person_name(claims: Mapping[str, Any]) -> str:
    """How a signed-in person is named in the records: the e-mail address (lower case), else the provider's
    subject; an address the provider says is unverified is never taken as the name, only shown beside it.

    >>> person_name({"email": " Ana@Lumo.Example ", "sub": "u1"})
    'ana@lumo.example'
    """
    email = verified_email(claims)
    if email:
        return email
    subject = str(claims.get("sub") or "").strip() or "unknown person"
    claimed = str(claims.get("email") or "").strip()
    return f"{subject} (unverified address {claimed})" if claimed else subject


_ACTOR: ContextVar[str | None] = ContextVar("radar_actor", default=None)


def command_line_actor(where: str = "command line") -> str:
    """The operating-system user, as ``"ana (command line)"``."""
    try:
        return f"{getpass.getuser()} ({where})"
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return where


def current_actor() -> str:
    """Who the change being made is recorded as."""
    return _ACTOR.get() or command_line_actor()


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Record the changes made inside the block as ``actor``'s."""
    token = _ACTOR.set(actor)
    try:
        yield
    finally:
        _ACTOR.reset(token)


# What ``audit_log.action`` records, in words (the stored action stays English: scripts read it).
ACTION_NAMES = {
    "import": N_("import"),
    "brands": N_("brands"),
    "settings": N_("settings"),
    "themes saved": N_("themes saved"),
    "themes reset": N_("themes reset"),
    "escalation plan saved": N_("escalation plan saved"),
    "escalation plan reset": N_("escalation plan reset"),
    "custom format saved": N_("custom format saved"),
    "custom format forgotten": N_("custom format forgotten"),
    "label corrected": N_("label corrected"),
    "label correction removed": N_("label correction removed"),
    "export labels used": N_("export labels used"),
    "export labels replaced by Radar's score": N_("export labels replaced by Radar's score"),
    "crisis acknowledged": N_("crisis acknowledged"),
    "crisis decision": N_("crisis decision"),
}


def action_name(action: str) -> str:
    """A recorded action in the current language (one this version does not know, as stored)."""
    return name_in(ACTION_NAMES, action)


def record_change(con, action: str, detail: str) -> None:
    """Add a line to ``audit_log`` (inside the caller's transaction, so it lands with the change or not at all)."""
    con.execute("INSERT INTO audit_log VALUES (now(), ?, ?, ?)", [current_actor(), action, detail[:2000]])
