from prefhub.kit.errors import InvalidInput, PrefhubError


class ImportInvalid(InvalidInput):
    code = "import_invalid"


class UploadTooLarge(PrefhubError):
    status_code = 413
    code = "upload_too_large"
