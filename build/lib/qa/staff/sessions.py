"""Server-side staff sessions, their CSRF tokens, and the sign-in form's token.

A session is a row in the staff database; the browser holds only a random id (256 bits) and the
database holds only its SHA-256, so reading the database does not let anyone sign in. A session ends
after ``idle`` seconds without a request, after ``ABSOLUTE_SECONDS`` in any case, at sign-out, and
when its account is removed.

CSRF, signed in: the synchronizer token pattern. Each session row holds a random token; every
state-changing form carries it in a hidden field and ``verify_csrf`` compares it in constant time.

CSRF, signing in: there is no session yet, and showing a form must not write anything (no GET
changes state), so the sign-in form uses a double-submit token: the form page puts a random nonce
in the session cookie and in a hidden field, and ``verify_login_nonce`` requires both to match.
Another site can neither read the nonce nor set that cookie: it is ``__Host-`` prefixed and
``Secure`` (so no other subdomain or plain-http page can plant one), and ``SameSite=Strict``. That
stops login CSRF (another site signing the browser into an account of its choosing). Signing in
then replaces the cookie's value with a new session id made at that moment (rotation), so a value
seen before sign-in is worth nothing after it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, or_, select, update

from qa.errors import QAError
from qa.staff.db import Store, sessions, staff

ABSOLUTE_SECONDS = 12 * 3600  # a session ends after this long even when it is in use


class NotSignedIn(QAError):
    """No session, or one that expired (``expired``) or ended."""

    def __init__(self, expired: bool = False):
        self.expired = expired
        super().__init__("your session expired; please sign in again" if expired else "please sign in")


class CsrfRefused(QAError):
    """A state-changing form arrived without the token of the session it claims to come from."""

    def __init__(self) -> None:
        super().__init__("this form has expired or did not come from this site; reload the page and try again")


@dataclass(frozen=True)
class Session:
    staff_id: int
    staff_name: str
    csrf: str
    created_at: int


@dataclass(frozen=True)
class Started:
    """A new session and the id that goes in the cookie (never stored anywhere else)."""

    token: str
    session: Session


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(store: Store, staff_id: int, idle: int, replacing: str | None = None) -> Started:
    """Start a session for the account ``staff_id``.

    The session of ``replacing`` (if any) is deleted in the same transaction, so signing in again
    from a signed-in browser also gets a new id. Expired sessions of everyone are swept at the same time.
    """
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = store.now()
    with store.begin() as conn:
        conn.execute(delete(sessions).where(or_(sessions.c.last_seen < now - idle,
                                                sessions.c.created_at < now - ABSOLUTE_SECONDS)))
        if replacing:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(replacing)))
        conn.execute(insert(sessions).values(token_hash=_digest(token), staff_id=staff_id, csrf=csrf,
                                             created_at=now, last_seen=now))
        name = conn.execute(select(staff.c.name).where(staff.c.id == staff_id)).scalar_one()
    return Started(token, Session(staff_id, name, csrf, now))


def load(store: Store, token: str | None, idle: int) -> Session:
    """The live session of ``token``, marked as seen now; NotSignedIn when there is none."""
    if not token:
        raise NotSignedIn()
    now = store.now()
    key = _digest(token)
    with store.begin() as conn:
        row = conn.execute(select(sessions, staff.c.name).outerjoin(staff, staff.c.id == sessions.c.staff_id)
                           .where(sessions.c.token_hash == key)).one_or_none()
        if row is None:
            raise NotSignedIn()
        expired = row.last_seen < now - idle or row.created_at < now - ABSOLUTE_SECONDS
        if expired:
            conn.execute(delete(sessions).where(sessions.c.token_hash == key))
        else:
            conn.execute(update(sessions).where(sessions.c.token_hash == key).values(last_seen=now))
    if expired:
        raise NotSignedIn(expired=True)
    if row.staff_id is None or row.name is None:  # the account was removed
        raise NotSignedIn()
    return Session(row.staff_id, row.name, row.csrf, row.created_at)


def end(store: Store, token: str | None) -> None:
    """Delete the session of ``token`` (nothing happens when there is none)."""
    if token:
        with store.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def verify_csrf(session: Session, submitted: str | None) -> None:
    """CsrfRefused unless ``submitted`` is the session's token."""
    if not submitted or not hmac.compare_digest(submitted.encode(), session.csrf.encode()):
        raise CsrfRefused()


def login_nonce() -> str:
    """A fresh random value for the sign-in form: set it in the cookie and in the form."""
    return "login-" + secrets.token_urlsafe(32)


def verify_login_nonce(cookie: str | None, submitted: str | None) -> None:
    """CsrfRefused unless the sign-in form sent back the nonce its cookie holds."""
    if not cookie or not submitted or not cookie.startswith("login-") \
            or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise CsrfRefused()
