"""Staff sign-in for the web pages: server-side sessions, CSRF tokens, failed-login slow-down."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.core.config import get_settings
from backend.core.security import constant_time_equals, hash_password, verify_password
from backend.models import Account, LoginAttempt, WebSession, utcnow

SESSION_COOKIE = "parcours_session"
LOGIN_CSRF_COOKIE = "parcours_login_csrf"
SESSION_LIFETIME = timedelta(hours=10)  # one working day, then sign in again
SESSION_IDLE = timedelta(hours=2)
TOUCH_EVERY = timedelta(minutes=1)

# Failed attempts counted over this window; past the free ones, each new attempt must wait
# 2, 4, 8... seconds after the previous failure, up to MAX_DELAY.
THROTTLE_WINDOW = timedelta(hours=1)
FREE_FAILURES_PER_EMAIL = 5
FREE_FAILURES_PER_IP = 20
MAX_DELAY_SECONDS = 15 * 60

# Verifying against a real hash when the email is unknown keeps both answers equally slow.
_DUMMY_HASH = hash_password("not-a-real-password")


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is signed in; answered by a redirect."""

    def __init__(self, next_url: str = "/") -> None:
        self.next_url = next_url


class WebError(Exception):
    """A refusal shown as an HTML page (403, 404, 409...)."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        self.status_code = status_code
        self.title = title
        self.message = message


def cookie_is_secure() -> bool:
    return get_settings().public_base_url.startswith("https://")


def client_ip(request: Request) -> str:
    return (request.client.host if request.client else None) or "unknown"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- slow-down -------------------------------------------------------------------------------


def _delay(failures: int, free: int) -> int:
    return 0 if failures < free else min(MAX_DELAY_SECONDS, 2 ** (failures - free + 1))


def _failures(session: Session, column, value: str, now: datetime) -> tuple[int, datetime | None]:
    """Failures for this email (or IP) in the window, since the last success."""
    since = now - THROTTLE_WINDOW
    last_success = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.created_at >= since
        )
    )
    if last_success is not None:
        since = max(since, _aware(last_success))
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since
        )
    ).one()
    return count, _aware(last) if last else None


def _aware(value: datetime) -> datetime:
    # func.max() bypasses the column type on SQLite and returns a naive UTC value.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def seconds_to_wait(session: Session, email: str, ip: str, now: datetime | None = None) -> int:
    """How long this email/IP must wait before the next attempt is even checked."""
    now = now or utcnow()
    wait = 0
    for column, value, free in (
        (LoginAttempt.email, email, FREE_FAILURES_PER_EMAIL),
        (LoginAttempt.ip, ip, FREE_FAILURES_PER_IP),
    ):
        count, last = _failures(session, column, value, now)
        if last is not None:
            ready_at = last + timedelta(seconds=_delay(count, free))
            wait = max(wait, int((ready_at - now).total_seconds() + 0.999))
    return max(0, wait)


@dataclass
class LoginResult:
    account: Account | None = None
    wait_seconds: int = 0  # refused unchecked: still waiting after earlier failures
    next_wait_seconds: int = 0  # this failure makes the next attempt wait this long


def attempt_login(session: Session, email: str, password: str, ip: str) -> LoginResult:
    email = email.strip().lower()[:254]
    wait = seconds_to_wait(session, email, ip)
    if wait:
        return LoginResult(wait_seconds=wait)
    account = session.scalar(select(Account).where(func.lower(Account.email) == email))
    ok = verify_password(password, account.password_hash if account else _DUMMY_HASH)
    ok = ok and account is not None and account.is_active
    attempt = LoginAttempt(email=email, ip=ip[:64], succeeded=ok)
    session.add(attempt)
    session.flush()
    if ok:
        return LoginResult(account=account)
    # Said at once, in full (2, 4, 8 s...): not only as what is left at the next try.
    return LoginResult(next_wait_seconds=seconds_to_wait(session, email, ip, attempt.created_at))


def format_wait(seconds: int) -> str:
    """'1 seconde', '8 secondes', '2 minutes 8 secondes'."""

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n > 1 else ''}"

    if seconds < 60:
        return unit(max(1, seconds), "seconde")
    minutes, rest = divmod(seconds, 60)
    return unit(minutes, "minute") + (f" {unit(rest, 'seconde')}" if rest else "")


# --- sessions --------------------------------------------------------------------------------


def open_session(session: Session, account: Account, ip: str) -> str:
    """A new session for this account; returns the cookie value (never stored as is)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=_hash(token),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
            ip=ip[:64],
        )
    )
    # Expired sessions of anyone are cleaned up as people sign in.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.flush()
    return token


def find_session(session: Session, token: str | None) -> WebSession | None:
    if not token:
        return None
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))
    if web_session is None:
        return None
    now = utcnow()
    if (
        web_session.expires_at < now
        or web_session.last_seen_at < now - SESSION_IDLE
        or not web_session.account.is_active
    ):
        session.delete(web_session)
        session.flush()
        return None
    if now - web_session.last_seen_at > TOUCH_EVERY:
        web_session.last_seen_at = now
    return web_session


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


def close_all_sessions(session: Session, account_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.account_id == account_id))


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and constant_time_equals(expected, given)
