"""Staff accounts: add, list, remove, and sign-in checks with throttling.

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 "low memory" profile: 64 MiB, 3 passes,
4 lanes - above the OWASP minimum of 19 MiB and 2 passes); a hash made with weaker parameters is
upgraded at the next successful sign-in. ``authenticate`` answers an unknown name exactly like a
wrong password (same error, and a hash is verified either way so the time taken is the same too).

Throttling: each failed sign-in is recorded against the name typed (known or not). After
``max_failures`` failures within ``window`` seconds every attempt for that name is refused with
``LoginThrottled`` - even with the right password - until the oldest failure leaves the window.
Counting per name, in the database, holds across worker processes and servers and needs no record
of anyone's address; a wrong guesser can delay one name's sign-in, never unlock it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from qa.errors import QAError
from qa.staff.db import Store, login_failures, new_id, sessions, staff

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown names so they cost what known ones do. Made at
    the first sign-in, not at import: one Argon2 hash took 0.4 s of every server's start."""
    return HASHER.hash("no account has this password, it only spends the same time")


class AccountError(QAError):
    """A staff account cannot be added or removed as asked (the message says why)."""


class LoginRefused(QAError):
    """Wrong name or password; deliberately the same for both."""

    def __init__(self) -> None:
        super().__init__("that name and password do not match an account")


class LoginBusy(QAError):
    """Too many sign-ins are being checked at once; try again in a moment."""

    def __init__(self) -> None:
        self.retry_after = 5
        super().__init__("too many sign-ins are being checked right now; try again in a few seconds")


class LoginThrottled(QAError):
    """Too many failed sign-ins for this name; ``retry_after`` seconds until the next try is allowed."""

    def __init__(self, retry_after: int):
        self.retry_after = max(int(retry_after), 1)
        super().__init__(f"too many failed sign-ins for this name; try again in {self.retry_after // 60 + 1} minute(s)")


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    created_at: int


def normalise_name(name: str) -> str:
    return (name or "").strip().lower()


def check_name(name: str) -> str:
    """The normalised name; AccountError when it is not a usable account name."""
    name = normalise_name(name)
    if not NAME.match(name):
        raise AccountError("a name is 1-64 characters: lower-case letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit")
    return name


def check_password(password: str) -> None:
    """AccountError unless ``password`` is 12-1024 characters (any characters, spaces included)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password can have at most {MAX_PASSWORD} characters")


def add(store: Store, name: str, password: str) -> StaffMember:
    """Create an account; AccountError for a bad name or password, or a name already taken."""
    name = check_name(name)
    check_password(password)
    digest = HASHER.hash(password)
    try:
        with store.begin() as conn:
            now = store.now()
            result = conn.execute(insert(staff).values(name=name, password_hash=digest, created_at=now))
            return StaffMember(new_id(result), name, now)
    except IntegrityError as e:
        raise AccountError(f"there is already an account named '{name}'") from e


def members(store: Store) -> list[StaffMember]:
    with store.begin() as conn:
        rows = conn.execute(select(staff.c.id, staff.c.name, staff.c.created_at).order_by(staff.c.name))
        return [StaffMember(*r) for r in rows]


def remove(store: Store, name: str) -> None:
    """Delete the account and end its sessions; AccountError when there is no such account."""
    name = normalise_name(name)
    with store.begin() as conn:
        found = conn.execute(select(staff.c.id).where(staff.c.name == name)).scalar_one_or_none()
        if found is None:
            raise AccountError(f"there is no account named '{name}'")
        conn.execute(delete(sessions).where(sessions.c.staff_id == found))
        conn.execute(delete(staff).where(staff.c.id == found))


BACKOFF = 60  # seconds a name waits after its first failure past the limit; doubles with each one more


def authenticate(store: Store, name: str, password: str, max_failures: int, window: int) -> StaffMember:
    """The account for ``name`` and ``password``; LoginThrottled or LoginRefused otherwise.

    A name with ``max_failures`` failures in ``window`` seconds backs off softly: the next try waits
    ``BACKOFF`` seconds after the latest failure, doubling with each further failure up to ``window``.
    So nobody can lock a staff member out for the whole window with a few guesses; the client that
    guesses is throttled on its own by ``qa.staff.throttle`` (in memory).
    """
    key = failure_key(name)
    now = store.now()
    # Counted under the name's lock (``Store.locked``), so parallel guesses queue up behind each other
    # and exactly ``max_failures`` of them reach the password check (on PostgreSQL, without the lock,
    # guesses that overlapped each counted the failures committed before them, not each other's).
    with store.locked(f"sign-in:{key}") as conn:
        # Every name's expired failures go (nothing is kept past the window); SKIP LOCKED on PostgreSQL
        # leaves rows another sign-in is deleting to it, so two sign-ins never wait on each other here.
        expired = select(login_failures.c.id).where(login_failures.c.at <= now - window).with_for_update(skip_locked=True)
        conn.execute(delete(login_failures).where(login_failures.c.id.in_(expired)))
        earlier, latest = conn.execute(select(func.count(), func.max(login_failures.c.at))
                                       .where(login_failures.c.name == key, login_failures.c.at > now - window)).one()
        if earlier >= max_failures:
            wait = latest + min(BACKOFF * 2 ** (earlier - max_failures), window) - now
            if wait > 0:
                raise LoginThrottled(wait)
        # Counted as a failure before the password is checked (a success removes it again): the
        # check itself runs outside the lock, as it takes a core and 64 MiB for a while.
        conn.execute(insert(login_failures).values(name=key, at=now))
        account = normalise_name(name)[:64]
        row = conn.execute(select(staff).where(staff.c.name == account)).one_or_none() if account else None
    if not _verify(row.password_hash if row else _dummy_hash(), password) or row is None:
        raise LoginRefused()
    with store.begin() as conn:
        conn.execute(delete(login_failures).where(login_failures.c.name == key))
        if HASHER.check_needs_rehash(row.password_hash):
            conn.execute(update(staff).where(staff.c.id == row.id).values(password_hash=HASHER.hash(password)))
    return StaffMember(row.id, row.name, row.created_at)


def unlock(store: Store, name: str) -> int:
    """Forget the failed sign-ins for ``name`` (``qa staff unlock``); how many there were."""
    key = failure_key(name)
    with store.begin() as conn:
        return conn.execute(delete(login_failures).where(login_failures.c.name == key)).rowcount or 0


def failure_key(name: str) -> str:
    """What ``login_failures`` keeps of a name typed at sign-in: a sha256 of it, never the text."""
    return hashlib.sha256(normalise_name(name)[:64].encode()).hexdigest()


def _verify(digest: str, password: str) -> bool:
    if not password or len(password) > MAX_PASSWORD:
        return False  # refused the same way whether the name exists or not
    try:
        return HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False
