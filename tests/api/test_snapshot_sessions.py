"""Snapshots: a ``unit_of_work(snapshot=True)`` does not see later commits, and
``kit.db.snapshot_sessions``' connections read exactly what the first transaction sees; they are
read-only and leave the pool alone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError


@pytest.fixture
def pg(db):
    from prefhub.kit.db import get_engine

    if get_engine().dialect.name != "postgresql":
        pytest.skip("snapshots are exported by PostgreSQL; this runs in the PostgreSQL suite")
    return db


def _users(session, unique: str) -> int:
    from prefhub.models import User

    return session.scalar(select(func.count()).where(User.email.like(f"%{unique}%")))


def _add_user(db, email: str) -> None:
    from prefhub.models import User

    with db() as session:
        session.add(User(email=email, password_hash="x", role="annotator"))


def test_siblings_see_the_snapshot_and_not_later_commits(pg, unique):
    from prefhub.kit.db import get_engine, snapshot_sessions, unit_of_work

    _add_user(pg, f"before-{unique}@example.org")
    pool = get_engine().pool
    with unit_of_work(read_only=True) as session:
        assert _users(session, unique) == 1
        checked_out = pool.checkedout()
        with snapshot_sessions(session, 2) as siblings:
            assert pool.checkedout() == checked_out  # their connections are their own
            _add_user(pg, f"after-{unique}@example.org")  # committed elsewhere, meanwhile
            assert [_users(sibling, unique) for sibling in siblings] == [1, 1]
            with pytest.raises(DBAPIError, match="read-only"):
                _add_user_in(siblings[0], f"refused-{unique}@example.org")
    with unit_of_work() as fresh:
        assert _users(fresh, unique) == 2


def _add_user_in(session, email: str) -> None:
    from prefhub.models import User

    session.add(User(email=email, password_hash="x", role="annotator"))
    session.flush()


def test_a_snapshot_unit_of_work_does_not_see_later_commits(db, unique):
    """On both databases: what exports rely on to keep rows and counts in step."""
    from prefhub.kit.db import unit_of_work

    _add_user(db, f"before-{unique}@example.org")
    with unit_of_work(read_only=True, snapshot=True) as session:
        assert _users(session, unique) == 1
        _add_user(db, f"after-{unique}@example.org")
        assert _users(session, unique) == 1
    with unit_of_work(read_only=True) as fresh:
        assert _users(fresh, unique) == 2
