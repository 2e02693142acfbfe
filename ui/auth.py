"""Access control for the Streamlit app, without any UI: which mode is on, and the
shared-password check. (OIDC itself is Streamlit's st.login; see OIDC_SECRETS.)

Modes (REGQA_APP_AUTH): none | password (REGQA_APP_PASSWORD) | oidc.
"""
from __future__ import annotations

import hmac
import logging
import threading
import time

from rag.core.settings import Settings

log = logging.getLogger(__name__)

MODES = ("none", "password", "oidc")

# What .streamlit/secrets.toml must hold for REGQA_APP_AUTH=oidc (Streamlit >= 1.42, needs Authlib).
OIDC_SECRETS = """[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "a long random string"
client_id = "..."
client_secret = "..."
server_metadata_url = "https://<your-idp>/.well-known/openid-configuration"
"""


class AuthConfigError(ValueError):
    """The auth settings cannot work (unknown mode, password mode without a password)."""


def auth_mode(settings: Settings) -> str:
    mode = (settings.app_auth or "none").strip().lower()
    if mode not in MODES:
        raise AuthConfigError(f"REGQA_APP_AUTH={settings.app_auth!r} is not one of {', '.join(MODES)}")
    if mode == "password" and not settings.app_password:
        raise AuthConfigError("REGQA_APP_AUTH=password needs REGQA_APP_PASSWORD to be set")
    if mode == "none" and settings.app_password:
        # Someone meant to protect the app: a password that silently does nothing would leave it open.
        log.warning("REGQA_APP_PASSWORD is set, so the password gate stays on although REGQA_APP_AUTH=none")
        return "password"
    return mode


def check_password(given: str, settings: Settings) -> bool:
    """Constant-time comparison, so response time does not leak how much of the password matched."""
    expected = settings.app_password or ""
    if not expected:
        return False
    return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


class FailureDelay:
    """Slows password guessing: after each wrong password the next check waits longer (0.5 s, 1 s, 2 s,
    ... up to ``cap``), for every session of the app, since a guesser opens new sessions at will. A right
    password resets it. One instance per app process (the app keeps it in st.cache_resource)."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, sleep=time.sleep):
        self.base, self.cap, self._sleep = base, cap, sleep
        self.failures = 0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Sleep as long as the failures so far require; returns the seconds slept."""
        with self._lock:
            n = self.failures
        delay = min(self.cap, self.base * 2 ** (n - 1)) if n else 0.0
        if delay:
            self._sleep(delay)
        return delay

    def record(self, ok: bool) -> None:
        with self._lock:
            self.failures = 0 if ok else self.failures + 1
            if not ok:
                log.warning("wrong app password (%d in a row)", self.failures)


def oidc_problem(auth_secrets: dict) -> str:
    """Why OIDC login cannot work with these [auth] secrets ("" when it can), checked before st.login
    so the page explains the fix instead of failing on the first click."""
    try:
        import authlib  # noqa: F401 - Streamlit's st.login needs it
    except ImportError:
        return "Authlib is not installed (pip install 'Authlib>=1.3.2')"
    missing = [k for k in ("redirect_uri", "cookie_secret") if not auth_secrets.get(k)]
    # one provider at the top of [auth], or named ones in [auth.<name>] sections
    providers = [auth_secrets] + [v for v in auth_secrets.values() if isinstance(v, dict)]
    if not any(p.get("client_id") and p.get("server_metadata_url") for p in providers):
        missing.append("client_id/client_secret/server_metadata_url")
    return f"[auth] in .streamlit/secrets.toml lacks {', '.join(missing)}" if missing else ""
