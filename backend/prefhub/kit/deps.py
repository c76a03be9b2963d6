"""The database session dependency: one transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends
from sqlalchemy.orm import Session

from prefhub.kit.db import end_unit_of_work, open_unit_of_work


async def get_session() -> AsyncIterator[Session]:
    # Opening does no I/O, so it needs no worker thread; ending does (commit, rollback), in a
    # thread of its own capacity (as FastAPI ends a sync dependency), shielded from the
    # request's cancellation so the connection always goes back to the pool.
    session = open_unit_of_work()
    try:
        yield session
    except BaseException:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(_end, session, True, limiter=CapacityLimiter(1))
        raise
    with CancelScope(shield=True):
        await anyio.to_thread.run_sync(_end, session, False, limiter=CapacityLimiter(1))


def _end(session: Session, failed: bool) -> None:
    end_unit_of_work(session, failed=failed)


# scope="function": commit before the response is sent, so a 200 means the data is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
