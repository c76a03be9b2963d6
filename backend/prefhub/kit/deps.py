"""The database session dependency: one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from prefhub.kit.db import unit_of_work


def get_session() -> Iterator[Session]:
    with unit_of_work() as session:
        yield session


# scope="function": commit before the response is sent, so a 200 means the data is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
