from __future__ import annotations

from prefhub.kit.errors import Conflict, NotFound


class JobNotFound(NotFound):
    code = "job_not_found"


class JobFinished(Conflict):
    """Cancelling a finished job, or resuming one that is still open."""

    code = "job_finished"


class JobNotResumable(Conflict):
    code = "job_not_resumable"


class IdempotencyKeyReused(Conflict):
    """The key already named a job of another kind."""

    code = "idempotency_key_reused"


class JobCancelled(Exception):
    """Raised inside a running job's body when the job was cancelled: the runner stops."""
