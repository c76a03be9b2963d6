from prefhub.kit.errors import Conflict, Forbidden, InvalidInput, PrefhubError


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


class WeakPassword(InvalidInput):
    code = "weak_password"


class WrongPassword(PrefhubError):
    """The current password given to change it is wrong (not a 401: the session is fine)."""

    status_code = 400
    code = "wrong_password"


class InvalidResetToken(PrefhubError):
    """Unknown, used and expired reset links all look alike."""

    status_code = 400
    code = "invalid_reset_token"


class CannotDeactivateSelf(Conflict):
    code = "cannot_deactivate_self"


class LastAdmin(Conflict):
    """Demoting the last active admin would leave nobody to manage accounts."""

    code = "last_admin"


class NoPasswordLogin(Conflict):
    """Crowd-platform accounts have no e-mail, so no password to reset."""

    code = "no_password_login"


class TooManyAttempts(PrefhubError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many failed sign-in attempts; try again in about {minutes} minute"
            + ("s" if minutes != 1 else ""),
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
