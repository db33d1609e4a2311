"""Staff sign-in for the web pages: CSRF tokens, failed-login slow-down (the sessions
themselves are backend/services/staff_sessions.py, the simulator API reads them too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.config import get_settings
from backend.core.security import constant_time_equals, hash_password, verify_password
from backend.models import Account, LoginAttempt, utcnow

LOGIN_CSRF_COOKIE = "parcours_login_csrf"

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


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and constant_time_equals(expected, given))
