"""kit/db.CoreUnit, the task loop's unit of work: one transaction on a Core connection that an
ORM session made on first ask joins; committed or rolled back as one, the connection always
back in the pool."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update

from support.api import make_user

if TYPE_CHECKING:
    from prefhub.kit.db import CoreUnit


def _names(db, ids: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    from prefhub.models import User

    with db() as session:
        return list(
            session.scalars(select(User.display_name).where(User.id.in_(ids)).order_by(User.id))
        )


def _write_both_ways(unit: CoreUnit, core_id: int, orm_id: int, name: str) -> None:
    from prefhub.models import User

    unit.connection.execute(update(User).where(User.id == core_id).values(display_name=name))
    user = unit.session.get(User, orm_id)
    assert user is not None
    user.display_name = name  # flushed by the unit's end, not by the session


@pytest.mark.parametrize("failed", [False, True])
def test_the_connection_and_the_session_commit_or_roll_back_together(db, unique, failed):
    from prefhub.kit.db import CoreUnit, get_engine

    ids = [make_user(db, f"core-{i}-{unique}@example.org") for i in range(2)]
    before = _names(db, ids)
    pool = get_engine().pool
    checked_out = pool.checkedout()  # type: ignore[attr-defined]

    unit = CoreUnit()
    _write_both_ways(unit, ids[0], ids[1], f"written-{unique}")
    unit.end(failed=failed)

    assert pool.checkedout() == checked_out  # type: ignore[attr-defined]
    assert _names(db, ids) == (before if failed else [f"written-{unique}"] * 2)


def test_a_unit_without_a_session_commits_its_statements(db, unique):
    from prefhub.kit.db import CoreUnit
    from prefhub.models import User

    user_id = make_user(db, f"core-only-{unique}@example.org")
    unit = CoreUnit()
    unit.connection.execute(update(User).where(User.id == user_id).values(display_name=unique))
    unit.end(failed=False)

    assert _names(db, [user_id]) == [unique]
