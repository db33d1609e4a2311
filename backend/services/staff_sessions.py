"""Staff sign-in sessions: server-side, only a hash of the cookie stored, idle and absolute
expiry. Opened by the sign-in page (backend/web/), read by the pages and by the simulator API.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.models import Account, WebSession, utcnow

SESSION_COOKIE = "parcours_session"
SESSION_LIFETIME = timedelta(hours=10)  # one working day, then sign in again
SESSION_IDLE = timedelta(hours=2)
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
