from prefhub.kit.errors import InvalidInput, NotFound


class UnsupportedMedia(InvalidInput):
    code = "unsupported_media"


class MediaTooLarge(InvalidInput):
    status_code = 413
    code = "media_too_large"


class MediaNotFound(NotFound):
    code = "media_not_found"
