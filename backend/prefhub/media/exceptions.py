from prefhub.kit.errors import InvalidInput, NotFound


class UnsupportedMedia(InvalidInput):
    code = "unsupported_media"


class MediaTooLarge(InvalidInput):
    status_code = 413
    code = "media_too_large"


class TooManyFiles(InvalidInput):
    code = "too_many_files"


class MediaUrlForbidden(InvalidInput):
    """A URL prefhub will not fetch: not http(s), or not a public internet address."""

    code = "media_url_forbidden"


class MediaFetchFailed(InvalidInput):
    """The URL was allowed but did not give a file: unreachable, an error status, too slow."""

    code = "media_fetch_failed"


class MediaNotFound(NotFound):
    code = "media_not_found"


class MediaFetchNotFound(NotFound):
    code = "media_fetch_not_found"
