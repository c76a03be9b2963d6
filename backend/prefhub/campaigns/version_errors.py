from prefhub.kit.errors import NotFound


class VersionNotFound(NotFound):
    code = "version_not_found"
