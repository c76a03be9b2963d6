"""The integers a client may send, bounded by the database columns that will hold them.

PostgreSQL refuses an INTEGER above 2**31 - 1 (and SQLite one above 2**63 - 1) with an error
deep inside a query; bounding every id, count and offset where it enters keeps that a 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER: every id and count column
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT
MAX_OFFSET = 10_000_000  # no page of any list lies further than this

# An id in a URL path, e.g. ``/api/exports/{job_id}``.
PathId = Annotated[int, Path(ge=1, le=INT32_MAX)]
# An id in a request body.
BodyId = Annotated[int, Field(ge=1, le=INT32_MAX)]
# A non-negative count or number stored in an INTEGER column (rounds, sizes).
Int32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
# How many rows of a list to skip.
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
