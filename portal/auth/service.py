"""Password checks with a lockout after too many failures, per account and per client address.

Every answer costs one password-hash check, whether the account exists, is locked or is fine, so
neither the time nor the work reveals which emails have accounts. Attempts are counted *before* the
password is checked, in one atomic step, so parallel guesses cannot get more checks than the limit.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from portal.redis_conn import get_redis

log = logging.getLogger(__name__)

_DUMMY_HASH = generate_password_hash("not-a-real-password")
WRONG = "Wrong email or password."
LOCKED = "Too many failed attempts. Wait a few minutes, then try again."
ADDRESS_BLOCKED = "Too many failed sign-ins from your network. Wait a few minutes, then try again."

# INCR and its expiry in one step: a key left without expiry would block an address for good.
_COUNT_ADDRESS_ATTEMPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
# An email with no account locks like one with an account (same answers, same moment), so locking an
# address out cannot tell whether it has an account. Counts fade after a day, like a forgotten typo.
_COUNT_UNKNOWN_ATTEMPT = """
local n = redis.call('INCR', KEYS[1])
if n == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2])
elseif n < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 86400) end
return n
"""
_FORGET_ADDRESS_ATTEMPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int
    lockout_seconds: int
    max_failures_per_address: int
    address_window_seconds: int

    @classmethod
    def from_config(cls, config) -> LoginLimits:
        return cls(
            config["LOGIN_MAX_FAILURES"],
            config["LOGIN_LOCKOUT_SECONDS"],
            config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
            config["LOGIN_ADDRESS_WINDOW_SECONDS"],
        )


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    status: int = 200


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str, address: str, limits: LoginLimits) -> LoginResult:
    """Check credentials from client ``address``; count failures per account and per address."""
    if not _count_address_attempt(address, limits):
        return LoginResult(None, ADDRESS_BLOCKED, 429)
    result = _check_account(email, password, limits)
    if result.user is not None:
        _forget_address_attempt(address)  # only failures count against an address
    return result


def _check_account(email: str, password: str, limits: LoginLimits) -> LoginResult:
    user = find_user(email)
    now = utcnow()
    attempt = _count_account_attempt(user.id, now) if user else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # the same work as a real check
        return LoginResult(None, WRONG if _count_unknown_attempt(email, limits) else LOCKED, 401)
    if attempt is None or attempt > limits.max_failures:
        check_password_hash(_DUMMY_HASH, password)
        if attempt is not None:  # over the limit by parallel attempts: make sure the lock is set
            _lock(user.id, now, limits)
        return LoginResult(None, LOCKED, 401)
    if not (user.check_password(password) and user.active):
        if attempt >= limits.max_failures:
            _lock(user.id, now, limits)
        return LoginResult(None, WRONG, 401)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user)


def _count_account_attempt(user_id: int, now: datetime) -> int | None:
    """Count one attempt on an unlocked account and return the count; None while it is locked.

    One UPDATE, so concurrent attempts each get their own number (a read-then-write would let them
    all read the same count and all be checked).
    """
    counted = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return counted


def _count_unknown_attempt(email: str, limits: LoginLimits) -> bool:
    """Count a failure for an email with no account; False once it would be locked were it real."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    try:
        script = get_redis().register_script(_COUNT_UNKNOWN_ATTEMPT)
        count = int(script(keys=[f"login:unknown:{digest}"], args=[limits.max_failures, limits.lockout_seconds]))
    except RedisError as error:
        log.warning("unknown-email lockout skipped: redis unavailable (%s)", type(error).__name__)
        return True
    return count <= limits.max_failures


def _lock(user_id: int, now: datetime, limits: LoginLimits) -> None:
    until = now + timedelta(seconds=limits.lockout_seconds)
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(locked_until=until, failed_logins=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _address_key(address: str) -> str:
    return f"login:failures:{address or 'unknown'}"


def _count_address_attempt(address: str, limits: LoginLimits) -> bool:
    """Count an attempt from ``address``; False once it has used up its failures for the window."""
    try:
        script = get_redis().register_script(_COUNT_ADDRESS_ATTEMPT)
        count = int(script(keys=[_address_key(address)], args=[limits.address_window_seconds]))
    except RedisError as error:  # the per-account lockout still holds; do not lock everyone out
        log.warning("login address limit skipped: redis unavailable (%s)", type(error).__name__)
        return True
    return count <= limits.max_failures_per_address


def _forget_address_attempt(address: str) -> None:
    try:
        get_redis().register_script(_FORGET_ADDRESS_ATTEMPT)(keys=[_address_key(address)])
    except RedisError as error:
        log.warning("login address count not released: redis unavailable (%s)", type(error).__name__)
