"""Import jobs: large files, and files whose media parts name URLs (fetched by the worker).

The upload is kept under ``{data_dir}/imports`` until the job has run. The file is validated
whole first (``prepare_import``, outside any write transaction), then written in batches of
short transactions, its items ``importing`` (seen by nobody), and made visible by one last
short transaction: annotators are never held for long, and the import stays all or nothing.

Each batch records the ids it wrote in the job's row, in the batch's own transaction, so a
run that stops midway (a dead worker, a cancel, a failure) leaves exactly those rows for
``discard_written`` to remove: on failure, on cancel (``on_cancel``), and when a re-sent job
starts again. The record lives in ``error_details`` (``{"written_item_ids": [[first, last],
...]}``), the job row's JSON column, empty while a job runs (no migration needed).

What still escapes (a cleanup that failed for good, a job given up by the sweeper and then
resumed, which clears the record) the jobs sweeper removes: ``remove_leftovers``.
"""

from __future__ import annotations

import sqlite3
import time
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.items.bulk import write_rows
from prefhub.items.exceptions import ImportJobNotFound
from prefhub.items.service import PreparedImport, refuse_ids_taken_meanwhile, refuse_import
from prefhub.jobs import service as jobs
from prefhub.jobs.exceptions import JobCancelled
from prefhub.kit.db import get_engine, rowcount, unit_of_work
from prefhub.kit.time import utcnow
from prefhub.media.service import register
from prefhub.models import (
    OPEN_JOB_STATUSES,
    Campaign,
    Candidate,
    ImportJob,
    Item,
    ItemStatus,
    Job,
    JobStatus,
    User,
)
from prefhub.settings import get_settings

# Items per transaction that removes what an import wrote, and the most an import writes in
# one on SQLite.
ITEMS_PER_BATCH = 1000
# Items per write transaction on PostgreSQL, where a batch blocks nobody: fewer commits and
# job-row updates per item (bench-import-throughput: ~5 ms less CPU per 1,000 items, importer
# and PostgreSQL each, than batches of 1,000); a batch's rows stay a few MB of memory.
POSTGRES_ITEMS_PER_BATCH = 5000
# On SQLite (one writer at a time) a batch holds annotators' requests for as long as it takes
# to write: at most this many items, about 20 ms of prepared rows (items.bulk) at this size.
SQLITE_ITEMS_PER_BATCH = 500
# On SQLite the writer then steps aside at least this long (and as long as its transaction
# took, so it never holds the lock more than half the time, even on a busy machine), so that
# the requests queued for the lock meanwhile (an API process asks for it every millisecond,
# kit/sqlite_writes.py) get it before the next batch does: a worker process cannot join the
# API's in-process queue. PostgreSQL writes items without blocking anyone: no pause there.
SQLITE_PAUSE_S = 0.06
# While no other connection has written for this long (nobody annotates), an import on SQLite
# writes larger batches and steps aside only for a gap: a writer that comes meanwhile polls
# for the lock every millisecond, takes it in the gap, and is then seen (``SqlitePace``).
SQLITE_QUIET_AFTER_S = 0.5
SQLITE_QUIET_ITEMS_PER_BATCH = 1000
SQLITE_GAP_S = 0.01
# Id ranges per statement: two bound parameters each, well under every database's limit.
RANGES_PER_STATEMENT = 200
WRITTEN = "written_item_ids"
# ``importing`` rows older than this, in a campaign no import job is open for, are leftovers.
LEFTOVER_GRACE = timedelta(minutes=30)


def uploads_dir() -> Path:
    folder = get_settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_job(
    session: Session,
    campaign: Campaign,
    user: User | None,
    data: bytes,
    filename: str,
    *,
    idempotency_key: str | None = None,
    send: bool = True,
) -> ImportJob:
    """Keep the upload and store the job; it is sent to a worker after commit, unless
    ``send`` is False (``prefhub import`` runs it in its own process)."""
    refuse_import(campaign)  # before the upload is kept: no job, no file left behind
    path = uploads_dir() / f"{uuid.uuid4().hex}.upload"
    path.write_bytes(data)
    job = ImportJob(
        campaign_id=campaign.id, filename=filename[:300], upload_path=str(path.resolve())
    )
    made = jobs.create(session, job, owner=user, idempotency_key=idempotency_key, send_now=send)
    if made is not job:  # a retried request: the first upload is the one that runs
        path.unlink(missing_ok=True)
    return made


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise ImportJobNotFound(f"No import job {job_id}")
    return job


def discard_upload(session: Session, job_id: int) -> None:
    """The upload is read; a finished job (either way) no longer needs it."""
    Path(session.get_one(ImportJob, job_id).upload_path).unlink(missing_ok=True)


# ---------------------------------------------------------------- writing in batches


def write_in_batches(
    job_id: int,
    prepared: PreparedImport,
    on_progress: Callable[[int, int], None],
    check: Callable[[], None],
) -> None:
    """Write the prepared items, ``importing``, a batch per transaction; each transaction
    first checks that the job still runs (``JobCancelled`` if not) and records the ids it
    wrote and the progress. ``check`` raises when the job should stop (between batches)."""
    engine = get_engine()
    pace = SqlitePace(engine.url.database) if engine.dialect.name == "sqlite" else None
    try:
        _write_batches(job_id, prepared, on_progress, check, pace)
    finally:
        if pace:
            pace.close()


def _write_batches(
    job_id: int,
    prepared: PreparedImport,
    on_progress: Callable[[int, int], None],
    check: Callable[[], None],
    pace: SqlitePace | None,
) -> None:
    total, done = prepared.count, 0
    for batch in prepared.rows.batches(pace.batch_size if pace else POSTGRES_ITEMS_PER_BATCH):
        check()
        try:
            with unit_of_work() as session:
                session.connection()  # BEGIN; on SQLite, once no other writer holds the lock
                began = time.monotonic()  # holding SQLite's write lock from here
                if pace:
                    pace.began()
                written = _running_job_written(session, job_id)
                importing = [ItemStatus.importing] * len(batch)
                ids = write_rows(session, prepared.campaign_id, batch, importing)
                _record(session, job_id, _merged(written, _ranges(ids)))
                _set_progress(session, job_id, done + len(batch), total)
        except IntegrityError:
            # Another import wrote one of these ids since the file was validated.
            with unit_of_work(read_only=True) as session:
                refuse_ids_taken_meanwhile(
                    session, prepared.campaign_id, {row.external_id: row.line for row in batch}
                )
            raise
        held = time.monotonic() - began
        if pace:
            pace.committed()
        done += len(batch)
        on_progress(done, total)
        if pace:
            pace.step_aside(held)


class SqlitePace:
    """How an import on SQLite shares the one write lock with annotators. While others
    write (someone committed since the import's last batch did: SQLite's ``data_version``,
    read on a connection of its own; a batch that waited for the lock waited for such a
    commit), batches of ``SQLITE_ITEMS_PER_BATCH`` and after each a pause as long as it held
    the lock, at least ``SQLITE_PAUSE_S``: the writers queued meanwhile go first. Once nobody
    else has written for ``SQLITE_QUIET_AFTER_S``, batches of ``SQLITE_QUIET_ITEMS_PER_BATCH``
    and a gap of ``SQLITE_GAP_S`` only: a writer who comes takes the lock in a gap, and the
    next batch sees that someone wrote."""

    def __init__(self, database: str | None) -> None:
        self._observer: sqlite3.Connection | None = None
        if database and database != ":memory:" and "mode=memory" not in database:
            uri = f"file:{urllib.parse.quote(database)}?mode=ro"
            self._observer = sqlite3.connect(uri, uri=True, isolation_level=None)
        self._version: int | None = None  # data_version after the import's last commit
        self._last_write = -SQLITE_QUIET_AFTER_S  # by someone else, time.monotonic()
        self.paused = 0.0  # seconds spent stepping aside

    def contended(self) -> bool:
        return time.monotonic() - self._last_write < SQLITE_QUIET_AFTER_S

    def batch_size(self) -> int:
        wanted = SQLITE_ITEMS_PER_BATCH if self.contended() else SQLITE_QUIET_ITEMS_PER_BATCH
        return min(ITEMS_PER_BATCH, wanted)

    def _data_version(self) -> int | None:
        if self._observer is None:
            return None
        return int(self._observer.execute("PRAGMA data_version").fetchone()[0])

    def began(self) -> None:
        """A batch holds the lock now: every commit before it is visible."""
        if self._version is not None and self._data_version() != self._version:
            self._last_write = time.monotonic()

    def committed(self) -> None:
        """Right after a batch's commit: what others commit from now on is theirs."""
        self._version = self._data_version()

    def step_aside(self, held: float) -> None:
        """Between batches, after one that held the lock ``held`` seconds."""
        pause = max(SQLITE_PAUSE_S, held) if self.contended() else SQLITE_GAP_S
        time.sleep(pause)
        self.paused += pause

    def close(self) -> None:
        if self._observer is not None:
            self._observer.close()


def publish(job_id: int, prepared: PreparedImport) -> tuple[int, int]:
    """The last short transaction: the job's items become ready (enough candidates) or
    pending, all at once; the media they use are linked to the campaign; the job succeeds.
    Returns (imported, ready)."""
    with unit_of_work() as session:
        written = _running_job_written(session, job_id)
        job = session.get_one(ImportJob, job_id)
        campaign = session.get_one(Campaign, job.campaign_id)
        needed = spec_of(campaign).min_candidates
        candidates = (
            select(func.count(Candidate.id)).where(Candidate.item_id == Item.id).scalar_subquery()
        )
        # Counting each item's candidates is needed only when some have enough and some not.
        fewest, most = prepared.candidate_range
        enough: Any = true() if fewest >= needed else false() if most < needed else None
        if enough is None:
            enough = candidates >= needed
        ready = imported = 0
        for chunk in _chunks(written):
            mine = [Item.status == ItemStatus.importing, _within(chunk)]
            ready += rowcount(
                session,
                update(Item)
                .where(*mine, enough)
                .values(status=ItemStatus.ready)
                .execution_options(synchronize_session=False),
            )
            if fewest >= needed:
                continue  # all ready: no item is left to be pending
            imported += rowcount(
                session,
                update(Item)
                .where(*mine)
                .values(status=ItemStatus.pending)
                .execution_options(synchronize_session=False),
            )
        imported += ready
        register(session, prepared.media, campaign.id)
        job.imported, job.ready = imported, ready
        job.progress_done = job.progress_total = imported
        job.error_details = None  # the record of written ids: they are the campaign's now
        jobs.succeed(job)
    return imported, ready


def discard_written(job_id: int) -> int:
    """Remove the items a run of this job wrote and did not publish, a batch per transaction
    (each also shortens the record); returns how many. Harmless when there are none."""
    removed = 0
    while True:
        with unit_of_work() as session:
            written = _written(_locked(session, job_id).error_details)
            began = time.monotonic()
            if not written:
                return removed
            now, later = _split(written, ITEMS_PER_BATCH)
            removed += _delete_importing(session, now)
            _record(session, job_id, later)
            sqlite = session.get_bind().dialect.name == "sqlite"
        _step_aside(sqlite, time.monotonic() - began)


def _step_aside(sqlite: bool, held: float) -> None:
    if sqlite:
        time.sleep(max(SQLITE_PAUSE_S, held))


def on_cancel(session: Session, job: Job) -> None:
    """A cancelled import leaves nothing: what its batches wrote is removed in the cancel's
    transaction. The cancel's UPDATE of the job row goes first: on PostgreSQL it waits for
    a batch in flight to commit, and a later batch then finds the job cancelled."""
    session.flush()
    written = _written(session.scalar(select(Job.error_details).where(Job.id == job.id)))
    _delete_importing(session, written)
    job.error_details = None


def on_resume(session: Session, job: Job) -> None:
    """A resumed import starts afresh, and ``resume`` has forgotten what its earlier run
    wrote: the campaign's ``importing`` rows that no open import has recorded (that run's,
    or another dead run's) would hold the very ids the new run writes, so they go
    now. The other open imports' rows are locked first: none commits a batch meanwhile; and
    rows written since this began (by an import started meanwhile) are left alone."""
    began = utcnow()
    others = session.execute(
        select(Job.error_details)
        .where(
            Job.campaign_id == job.campaign_id,
            Job.kind == ImportJob.__mapper__.polymorphic_identity,
            Job.status.in_(OPEN_JOB_STATUSES),  # this one too: an open one keeps its record
        )
        .order_by(Job.id)
        .with_for_update()
    ).scalars()
    kept = [(first, last) for details in others for first, last in _written(details)]
    hidden = session.scalars(
        select(Item.id).where(
            Item.campaign_id == job.campaign_id,
            Item.status == ItemStatus.importing,
            Item.created_at < began,
        )
    ).all()
    left = [i for i in hidden if not any(first <= i <= last for first, last in kept)]
    for start in range(0, len(left), ITEMS_PER_BATCH):
        session.execute(
            delete(Item)
            .where(Item.id.in_(left[start : start + ITEMS_PER_BATCH]))
            .execution_options(synchronize_session=False)
        )


def _locked(session: Session, job_id: int) -> Any:
    """The job's status and record, its row locked until the transaction ends (PostgreSQL;
    SQLite's writer holds the whole database already)."""
    return session.execute(
        select(Job.status, Job.error_details).where(Job.id == job_id).with_for_update()
    ).one()


def _running_job_written(session: Session, job_id: int) -> list[list[int]]:
    row = _locked(session, job_id)
    if row.status != JobStatus.running:
        raise JobCancelled
    return _written(row.error_details)


def _written(details: Any) -> list[list[int]]:
    if isinstance(details, dict) and isinstance(details.get(WRITTEN), list):
        return [list(r) for r in details[WRITTEN]]
    return []


def _record(session: Session, job_id: int, written: list[list[int]]) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(error_details={WRITTEN: written} if written else None)
        .execution_options(synchronize_session=False)
    )


def _set_progress(session: Session, job_id: int, done: int, total: int) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(progress_done=done, progress_total=total, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _delete_importing(session: Session, written: list[list[int]]) -> int:
    return sum(
        rowcount(
            session,
            delete(Item)
            .where(Item.status == ItemStatus.importing, _within(chunk))
            .execution_options(synchronize_session=False),
        )
        for chunk in _chunks(written)
    )


def _ranges(ids: list[int]) -> list[list[int]]:
    """Ids as runs of consecutive ones, ``[[first, last], ...]`` (exact: a run holds only
    these ids, whatever other writers took meanwhile)."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _merged(written: list[list[int]], more: list[list[int]]) -> list[list[int]]:
    """Two lists of ranges as one, the last of ``written`` joined to the first of ``more``
    when they meet (a job's batches take consecutive ids, unless someone wrote between)."""
    if written and more and written[-1][1] + 1 == more[0][0]:
        return [*written[:-1], [written[-1][0], more[0][1]], *more[1:]]
    return written + more


def _split(written: list[list[int]], count: int) -> tuple[list[list[int]], list[list[int]]]:
    """The first ``count`` ids of ``written`` and the rest, both as ranges."""
    now: list[list[int]] = []
    rest = [list(r) for r in written]
    while rest and count > 0:
        first, last = rest[0]
        take = min(count, last - first + 1)
        now.append([first, first + take - 1])
        count -= take
        if first + take > last:
            rest.pop(0)
        else:
            rest[0][0] = first + take
    return now, rest


def _chunks(written: list[list[int]]) -> list[list[list[int]]]:
    return [
        written[i : i + RANGES_PER_STATEMENT] for i in range(0, len(written), RANGES_PER_STATEMENT)
    ]


def _within(ranges: list[list[int]]) -> Any:
    return or_(*(Item.id.between(first, last) for first, last in ranges))


# ---------------------------------------------------------------- leftovers (the sweeper's)


def remove_leftovers(now: datetime, grace: timedelta = LEFTOVER_GRACE) -> int:
    """Delete the ``importing`` items (and their candidates) that no import job will publish
    or discard: older than ``grace``, in a campaign with no import job queued or running.
    A batch per transaction, as ``discard_written``; returns how many. The jobs sweeper calls
    it every round, so it looks only at campaigns holding such rows (the queue index)."""
    cutoff = now - grace
    with unit_of_work(read_only=True) as session:
        campaigns = session.scalars(
            select(Campaign.id).where(
                exists().where(*_leftover(cutoff), Item.campaign_id == Campaign.id)
            )
        ).all()
    removed = 0
    for campaign_id in campaigns:
        while True:
            with unit_of_work() as session:
                began = time.monotonic()
                mine = [*_leftover(cutoff), Item.campaign_id == campaign_id]
                batch = session.scalars(
                    select(Item.id).where(*mine).order_by(Item.id).limit(ITEMS_PER_BATCH)
                ).all()
                gone = rowcount(
                    session,
                    delete(Item)
                    .where(Item.id.in_(batch), *mine)
                    .execution_options(synchronize_session=False),
                )
                sqlite = session.get_bind().dialect.name == "sqlite"
            removed += gone
            if len(batch) < ITEMS_PER_BATCH or not gone:
                break
            _step_aside(sqlite, time.monotonic() - began)
    return removed


def _leftover(cutoff: datetime) -> list[Any]:
    """An item left ``importing`` since before ``cutoff``, its campaign's imports all over
    (checked in the statement that deletes it: a job resumed meanwhile keeps its rows)."""
    open_import = exists().where(
        Job.campaign_id == Item.campaign_id,
        Job.kind == ImportJob.__mapper__.polymorphic_identity,
        Job.status.in_(OPEN_JOB_STATUSES),
    )
    return [Item.status == ItemStatus.importing, Item.created_at < cutoff, ~open_import]
