from prefhub.kit.errors import Conflict, InvalidInput, NotFound, PrefhubError


class ModelNotFound(NotFound):
    code = "model_not_found"


class ModelExists(Conflict):
    code = "model_exists"


class GenerationJobNotFound(NotFound):
    code = "generation_job_not_found"


class RoundConflict(Conflict):
    code = "round_conflict"


class BadGenerationRequest(InvalidInput):
    code = "bad_generation_request"


class RetryableModelError(Exception):
    """Worth trying again: 429, 5xx, a timeout, a dropped connection."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentModelError(Exception):
    """Trying again will not help: a 4xx other than 429, a malformed response."""


class ModelSecretRefused(InvalidInput):
    code = "model_secret_refused"


class ModelEndpointRefused(InvalidInput):
    """The endpoint's address or directory is outside what the admin allows."""

    code = "model_endpoint_refused"


class TooManyModelTests(PrefhubError):
    status_code = 429
    code = "too_many_model_tests"


class ModelInUse(Conflict):
    """A model whose name candidates, tree replies or generation jobs record is kept: deleting
    it would leave their provenance naming a model that no longer exists."""

    code = "model_in_use"
