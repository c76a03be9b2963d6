from prefhub.kit.errors import InvalidInput, NotFound


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportFileNotFound(NotFound):
    code = "export_file_not_found"


class ExportNotReady(InvalidInput):
    status_code = 409
    code = "export_not_ready"


class BadExportDestination(InvalidInput):
    code = "bad_export_destination"


class UnsupportedExport(InvalidInput):
    code = "unsupported_export"
