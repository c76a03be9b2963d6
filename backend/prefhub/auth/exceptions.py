from prefhub.kit.errors import Conflict, Forbidden, PrefhubError


class NotAuthenticated(PrefhubError):
    status_code = 401
    code = "not_authenticated"


class InvalidCredentials(PrefhubError):
    status_code = 401
    code = "invalid_credentials"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class NotAllowed(Forbidden):
    code = "forbidden"


class UserExists(Conflict):
    code = "user_exists"
