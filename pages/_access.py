"""Sign-in and roles for the dashboard (see ``pipeline.core.access`` for the rules).

How the dashboard is set up decides who may enter (``setup``):

- no ``[auth]`` section in ``.streamlit/secrets.toml`` and served on this machine only (``make run`` binds
  127.0.0.1): open, as on a laptop; everyone who reaches it may edit, and changes are recorded as the
  operating-system user's;
- an ``[auth]`` section: a person must sign in through the OpenID Connect provider (``st.login``), and the
  ``[access]`` section says who is a viewer or an editor;
- anything that cannot be trusted fails closed, and shows nothing but why: a secrets file that cannot be read
  (sign-in cannot be checked), an ``[access]`` section without ``[auth]`` (a misspelt section), or no sign-in
  on a dashboard that listens beyond this machine, unless ``RADAR_OPEN_DASHBOARD=1`` says it is meant to be
  open to everyone who can reach it.

``app.py`` asks ``may_enter`` before it builds the navigation: someone who may not enter gets a navigation
holding only ``sign_in_page``, under every page's address, so no page (and no URL) is reached without it;
``can_edit`` decides which forms a page shows, and ``pages._common.write`` refuses any change from someone who
may not edit, whatever the page shows. A dashboard that serves a Parquet lake (``serving_lake``) is read-only
for everyone: nobody may edit there, and the notes say why.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from pipeline.core.access import AccessError, AccessRules, command_line_actor, person_name, role_of
from pipeline.core.i18n import _
from pipeline.read.export import markdown_literal
from pipeline.read.lake import lake_location

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
OPEN_VARIABLE = "RADAR_OPEN_DASHBOARD"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Visitor:
    role: str | None  # "editor", "viewer", or None: no access
    name: str  # how changes are recorded
    signed_in: bool  # False when the dashboard has no sign-in configured


@dataclass(frozen=True)
class Setup:
    mode: str  # "open" (no sign-in), "sign-in", or "closed" (nobody may enter)
    problem: str = ""  # why it is closed, for the page (no secrets in it)
    shared: bool = False  # open although it listens beyond this machine (RADAR_OPEN_DASHBOARD=1)


def _secrets_files() -> list[Path]:
    configured = st.get_option("secrets.files") or []
    return [Path(str(name)).expanduser() for name in configured]


def setup() -> Setup:
    """How this dashboard decides who may enter (see the module's docstring)."""
    loaded = st.secrets.load_if_toml_exists()
    if not loaded:
        unreadable = [path for path in _secrets_files() if path.exists()]
        if unreadable:
            _log_once(f"Reputation Radar: {unreadable[0]} cannot be read; nobody is let in until it is fixed")
            return Setup(
                "closed",
                _(
                    "The dashboard's secrets file cannot be read (a syntax error, or its "
                    "permissions), so sign-in cannot be checked and nobody is let in. Whoever runs the "
                    "dashboard finds the error in its log."
                ),
            )
    auth = _section("auth") if loaded else None
    if auth:
        return Setup("sign-in")
    if loaded and _section("access") is not None:
        return Setup(
            "closed",
            _(
                "The dashboard's secrets file lists who has access ([access]) but configures no "
                "sign-in ([auth]), so nobody is let in. See docs/access.md."
            ),
        )
    address = st.get_option("server.address")
    if address in LOOPBACK:
        return Setup("open")
    if os.environ.get(OPEN_VARIABLE) == "1":
        return Setup("open", shared=True)
    where = _("on {address}").format(address=address) if address else _("on every network interface")
    return Setup(
        "closed",
        _(
            "This dashboard listens beyond this machine ({where}) and no sign-in is configured, "
            "so it shows nothing. Configure sign-in (docs/access.md), serve it on 127.0.0.1 only (make run "
            "does), or set {variable}=1 to open it to everyone who can reach it."
        ).format(where=where, variable=OPEN_VARIABLE),
    )


@functools.cache
def _log_once(message: str) -> None:
    """Log a set-up problem once per process, not on every page run."""
    _log.error(message)


def _section(name: str) -> Any:
    try:
        return st.secrets.get(name)
    except Exception:  # a secrets file that cannot be read: setup() fails closed on it
        return None


def _providers(auth: Any) -> list[str | None]:
    """The providers to offer: the one of a flat ``[auth]`` section, else each named ``[auth.NAME]``."""
    if "client_id" in auth or "server_metadata_url" in auth:
        return [None]
    return [name for name, value in auth.items() if hasattr(value, "items") and "client_id" in value] or [None]


def visitor() -> Visitor:
    """Who is looking, and what they may do."""
    mode = setup().mode
    if mode == "open":
        return Visitor(
            "editor", command_line_actor("dashboard without sign-in"), False
        )  # i18n: not text (the audit log's name for it)
    if mode == "closed" or not st.user.is_logged_in:
        return Visitor(None, "", mode == "sign-in")
    claims = st.user.to_dict()
    try:
        rules = AccessRules.from_mapping(_section("access"))
    except AccessError as exc:
        _log_once(f"Reputation Radar: the [access] section cannot be read: {exc}")
        return Visitor(None, person_name(claims), True)
    return Visitor(role_of(rules, claims), person_name(claims), True)


def serving_lake() -> str | None:
    """The Parquet lake this dashboard serves, read-only (``streamlit run app.py -- --lake DIR`` or
    ``$RADAR_LAKE``), or None: it serves the database file."""
    return lake_location(sys.argv[1:], os.environ)


def can_edit() -> bool:
    return visitor().role == "editor" and not serving_lake()


def viewer_note(what: str) -> None:
    """Say, where a form would be, that it is for editors (or, on a lake, for nobody here)."""
    if serving_lake():
        st.caption(
            ":material/visibility: "
            + _("{what} is not offered here: this dashboard serves a lake, read-only.").format(what=what)
        )
        return
    st.caption(":material/visibility: " + _("{what} is for editors; you are signed in as a viewer.").format(what=what))


def may_enter() -> bool:
    """Whether the visitor may see the dashboard; shows who is signed in (and the sign-out) in the sidebar."""
    current = setup()
    if current.mode == "open":
        if current.shared:
            st.sidebar.warning(
                _(
                    "No sign-in is configured and {variable}=1 opens this dashboard to everyone who can reach "
                    "it: they can read and change the data. See docs/access.md."
                ).format(variable=OPEN_VARIABLE),
                icon=":material/lock_open:",
            )
        return True
    who = visitor()
    if who.role is None:
        return False
    role = _("editor") if who.role == "editor" else _("viewer")
    st.sidebar.caption(f":material/account_circle: {markdown_literal(who.name)} · {role}")
    if st.sidebar.button(_("Sign out"), key="access.sign_out", icon=":material/logout:"):
        st.logout()
    return True


def sign_in_page() -> None:
    """The only page someone who may not see the dashboard is given: the sign-in, or why they are refused."""
    st.title("Reputation Radar")  # i18n: not text (the product's name)
    current = setup()
    if current.mode == "closed":
        st.error(markdown_literal(current.problem), icon=":material/lock:")
        return
    if not st.user.is_logged_in:
        st.write(_("Sign in to see how people talk about your brands, how fast you answer them, and the crises."))
        for provider in _providers(_section("auth")):
            label = _("Sign in") if provider is None else _("Sign in with {provider}").format(provider=provider)
            if st.button(label, key=f"access.sign_in.{provider or 'default'}", icon=":material/login:", type="primary"):
                st.login(provider) if provider else st.login()
        return
    who = visitor()
    section = _section("access")
    try:
        rules = AccessRules.from_mapping(section)
        reason = (
            _("This dashboard has no access list yet ([access] in its secrets file), so nobody is let in.")
            if rules.is_empty
            else _(
                "This account has no access to this dashboard. Ask whoever runs it to add your address to "
                "[access] viewers or editors in .streamlit/secrets.toml."
            )
        )
    except AccessError:  # the details go to the log, not to whoever signed in
        reason = _(
            "The dashboard's access list cannot be read, so nobody is let in; whoever runs it finds why in its log."
        )
    st.error(
        _("Signed in as {name}.").format(name=markdown_literal(who.name)) + " " + markdown_literal(reason),
        icon=":material/block:",
    )
    if st.button(_("Sign out"), key="access.sign_out_refused", icon=":material/logout:"):
        st.logout()
