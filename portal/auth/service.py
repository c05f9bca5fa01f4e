"""Password checks with a lockout window after too many failures in a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow

# Checked for unknown emails too, so the response time does not reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, max_failures: int, lockout_seconds: int) -> LoginResult:
    """Check credentials; lock the account for ``lockout_seconds`` after ``max_failures`` failures."""
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None, "Wrong email or password.")
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return LoginResult(None, "Too many failed attempts. Wait a few minutes, then try again.")
    if not user.check_password(password) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(seconds=lockout_seconds)
            user.failed_logins = 0
        db.session.commit()
        return LoginResult(None, "Wrong email or password.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user)
