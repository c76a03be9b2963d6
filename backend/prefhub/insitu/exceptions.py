"""In-situ feedback's errors, each with a stable code (``kit.errors``)."""

from __future__ import annotations

from prefhub.kit.errors import Conflict, InvalidInput, NotFound, PrefhubError


class SourceNotFound(NotFound):
    code = "source_not_found"


class SourceExists(Conflict):
    code = "source_exists"


class InvalidRedactionPolicy(InvalidInput):
    code = "invalid_redaction_policy"


class IngestKeyNotFound(NotFound):
    code = "ingest_key_not_found"


class InvalidIngestKey(PrefhubError):
    """No key, an unknown or revoked one, or a key of another kind (a user's API token)."""

    status_code = 401
    code = "not_authenticated"


class IngestRateLimited(PrefhubError):
    status_code = 429
    code = "rate_limited"


class BatchTooLarge(PrefhubError):
    status_code = 413
    code = "batch_too_large"


class InvalidBatch(PrefhubError):
    """The batch as a whole cannot be read (not a JSON array, a gzip stream that is not)."""

    status_code = 400
    code = "invalid_batch"


class UnsupportedBatchType(PrefhubError):
    status_code = 415
    code = "unsupported_media_type"


class InsituExportNotFound(NotFound):
    code = "export_not_found"


class CampaignCannotVerify(Conflict):
    code = "campaign_cannot_verify"


class NothingToVerify(Conflict):
    code = "nothing_to_verify"


class JudgeFailed(PrefhubError):
    """The judge model could not answer (gone, refusing, or failing after retries)."""

    status_code = 502
    code = "judge_failed"
