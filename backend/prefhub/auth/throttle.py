"""Login throttling, shared by every API process through the ``login_failures`` table.

Two keys are counted: the account (``account:<normalised e-mail>``, known or not, so the answer
tells nothing about which accounts exist) and the client address (``address:<ip>``). While
either has reached its limit within the window, logins for it are refused before the password
is even checked, and refused attempts are not counted (the lock lifts on time whatever an
attacker keeps sending, and the table stays small).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prefhub.auth.exceptions import TooManyAttempts
from prefhub.auth.service import normalise_email
from prefhub.kit.time import utcnow
from prefhub.models import LoginFailure
from prefhub.settings import get_settings

_PRUNE_BATCH = 1000


def account_key(email: str) -> str:
    return f"account:{normalise_email(email)}"


def address_key(address: str) -> str:
    return f"address:{address}"


def ensure_login_allowed(session: Session, email: str, address: str) -> None:
    """Raise ``TooManyAttempts`` (with the seconds to wait) while the account or the address
    is locked."""
    settings = get_settings()
    now = utcnow()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    limits = (
        (account_key(email), settings.login_max_failures_per_account),
        (address_key(address), settings.login_max_failures_per_address),
    )
    waits = [w for key, limit in limits if (w := _wait(session, key, limit, now, window))]
    if waits:
        raise TooManyAttempts(max(waits))


def _wait(session: Session, key: str, limit: int, now: datetime, window: timedelta) -> int | None:
    # The limit-th newest failure in the window: once it leaves the window, fewer than
    # ``limit`` remain and the key is unlocked.
    unlocking = session.scalar(
        select(LoginFailure.failed_at)
        .where(LoginFailure.key == key, LoginFailure.failed_at > now - window)
        .order_by(LoginFailure.failed_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if unlocking is None:
        return None
    return max(1, math.ceil((unlocking + window - now).total_seconds()))


def record_failure(session: Session, email: str, address: str) -> None:
    """Count a failed login against the account and the address, and forget failures that
    have left the window (of every key: there is no other clean-up)."""
    now = utcnow()
    window = timedelta(seconds=get_settings().login_failure_window_seconds)
    # Rows another process is deleting are skipped, not waited for (PostgreSQL; SQLite has one
    # writer at a time anyway); a bounded batch, so a backlog goes over several calls.
    stale = (
        select(LoginFailure.id)
        .where(LoginFailure.failed_at <= now - window)
        .limit(_PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(LoginFailure).where(LoginFailure.id.in_(stale)))
    session.add_all(
        [
            LoginFailure(key=account_key(email), failed_at=now),
            LoginFailure(key=address_key(address), failed_at=now),
        ]
    )
    session.flush()


def clear_account(session: Session, email: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == account_key(email)))
