from prefhub.kit.errors import InvalidInput, NotFound, PrefhubError


class ImportInvalid(InvalidInput):
    code = "import_invalid"


class UploadTooLarge(PrefhubError):
    status_code = 413
    code = "upload_too_large"


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"
