"""Sign-in and roles for the dashboard (see ``pipeline.core.access`` for the rules).

Without an ``[auth]`` section in ``.streamlit/secrets.toml`` the dashboard is open, as on a laptop: everyone
who reaches it may edit (``make run`` binds it to this machine only), and changes are recorded as the
operating-system user's. With one, a person must sign in through the OpenID Connect provider (``st.login``),
and the ``[access]`` section says who is a viewer or an editor. ``app.py`` asks ``may_enter`` before it builds
the navigation: someone who may not enter gets a navigation holding only ``sign_in_page``, so no page (and no
URL) is reached without it; ``can_edit`` decides which forms a page
shows, and ``pages._common.write`` refuses any change from someone who may not edit, whatever the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from pipeline.core.access import AccessError, AccessRules, command_line_actor, person_name, role_of
from pipeline.read.export import markdown_literal

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Visitor:
    role: str | None  # "editor", "viewer", or None: no access
    name: str  # how changes are recorded
    signed_in: bool  # False when the dashboard has no sign-in configured


def _secrets_section(name: str) -> Any:
    if not st.secrets.load_if_toml_exists():
        return None
    try:
        return st.secrets.get(name)
    except Exception:  # a secrets file that cannot be read is reported by Streamlit itself at start
        return None


def sign_in_configured() -> bool:
    return bool(_secrets_section("auth"))


def _providers(auth: Any) -> list[str | None]:
    """The providers to offer: the one of a flat ``[auth]`` section, else each named ``[auth.NAME]``."""
    if "client_id" in auth or "server_metadata_url" in auth:
        return [None]
    return [name for name, value in auth.items() if hasattr(value, "items") and "client_id" in value] or [None]


def visitor() -> Visitor:
    """Who is looking, and what they may do."""
    if not sign_in_configured():
        return Visitor("editor", command_line_actor("dashboard without sign-in"), False)
    user = st.user
    if not user.is_logged_in:
        return Visitor(None, "", True)
    claims = user.to_dict()
    try:
        rules = AccessRules.from_mapping(_secrets_section("access"))
    except AccessError:
        return Visitor(None, person_name(claims), True)
    return Visitor(role_of(rules, claims), person_name(claims), True)


def can_edit() -> bool:
    return visitor().role == "editor"


def viewer_note(what: str) -> None:
    """Say, where a form would be, that it is for editors."""
    st.caption(f":material/visibility: {what} is for editors; you are signed in as a viewer.")


def may_enter() -> bool:
    """Whether the visitor may see the dashboard; shows who is signed in (and the sign-out) in the sidebar."""
    if not sign_in_configured():
        address = st.get_option("server.address")
        if address and address not in LOOPBACK:
            st.sidebar.warning(
                "No sign-in is configured, yet this dashboard listens beyond this machine: anyone "
                "who reaches it can read and change the data. See docs/access.md.",
                icon=":material/lock_open:",
            )
        return True
    who = visitor()
    if who.role is None:
        return False
    st.sidebar.caption(f":material/account_circle: {markdown_literal(who.name)} · {who.role}")
    if st.sidebar.button("Sign out", key="access.sign_out", icon=":material/logout:"):
        st.logout()
    return True


def sign_in_page() -> None:
    """The only page someone who may not see the dashboard is given: the sign-in, or why they are refused."""
    st.title("Reputation Radar")
    if not st.user.is_logged_in:
        st.write("Sign in to see how people talk about your brands, how fast you answer them, and the crises.")
        for provider in _providers(_secrets_section("auth")):
            label = "Sign in" if provider is None else f"Sign in with {provider}"
            if st.button(label, key=f"access.sign_in.{provider or 'default'}", icon=":material/login:", type="primary"):
                st.login(provider) if provider else st.login()
        return
    who = visitor()
    try:
        AccessRules.from_mapping(_secrets_section("access"))
        reason = (
            "This account has no access to this dashboard. Ask whoever runs it to add your address to "
            "[access] viewers or editors in .streamlit/secrets.toml."
        )
    except AccessError as exc:
        reason = f"The dashboard's access list cannot be read ({exc}), so no one is let in until it is fixed."
    st.error(f"Signed in as {markdown_literal(who.name)}. {markdown_literal(reason)}", icon=":material/block:")
    if st.button("Sign out", key="access.sign_out_refused", icon=":material/logout:"):
        st.logout()
