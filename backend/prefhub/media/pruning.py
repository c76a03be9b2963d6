"""Media bytes nothing records: delete them once they are old enough.

Bytes are stored before the transaction that records them (an import fetches and stores its
files, then writes its items; a generated image is stored, then its candidate). When that
transaction is refused or rolled back, the bytes stay in the store with no ``media_assets``
row naming them: nobody can fetch them, and they only take space. ``prune_unrecorded`` deletes
such bytes, but only those written before a grace period: bytes written a moment ago may belong
to a transaction that has not committed yet.

Bytes stored again are as new as that write on local disk (the file's time is renewed). An S3
object keeps the time of its first write, so bytes that a refused import left there more than
the grace period ago and that a new import stores again are unsafe to prune while that import
runs: prune S3 stores when no import is running.

Only content-addressed keys (``xx/yy/<sha256>.<ext>``) and the temporary files of cut-short
writes are considered: whatever else shares the folder or the bucket prefix is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.media.storage import media_store
from prefhub.models import MediaAsset

STORE_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/(?:[0-9a-f]{64}\.[a-z0-9]{1,8}|\.incoming-\w+)")
# Keys looked up in the database at a time.
BATCH = 1000


@dataclass
class PruneReport:
    checked: int = 0
    unrecorded: list[str] = field(default_factory=list)
    deleted: bool = False


def prune_unrecorded(session: Session, grace: timedelta, *, dry_run: bool = False) -> PruneReport:
    """Delete (or, with ``dry_run``, only list) the store's keys no media asset records that
    were written more than ``grace`` ago."""
    report = PruneReport(deleted=not dry_run)
    store = media_store()
    listed = _store_keys(store.written_before(datetime.now(UTC) - grace))
    while keys := list(islice(listed, BATCH)):
        report.checked += len(keys)
        recorded = set(
            session.scalars(select(MediaAsset.storage_key).where(MediaAsset.storage_key.in_(keys)))
        )
        for key in keys:
            if key not in recorded:
                report.unrecorded.append(key)
                if not dry_run:
                    store.delete(key)
    return report


def _store_keys(keys: Iterator[str]) -> Iterator[str]:
    return (key for key in keys if STORE_KEY.fullmatch(key))
