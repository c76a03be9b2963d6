"""Errors a user can cause: a stable code, an HTTP status and a human message.

Domains subclass ``PrefhubError`` in their own ``exceptions.py``; one handler in
``prefhub.app`` turns every one of them into ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class PrefhubError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    # Extra response headers, e.g. Retry-After on a 429.
    headers: dict[str, str] | None = None

    def __init__(
        self, message: str, *, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers

    def __reduce__(self) -> tuple[Any, ...]:
        # Across processes (``kit.offload``) with its details and headers, not just its message.
        return (_rebuilt, (type(self), self.message, self.details, self.headers))

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def _rebuilt(
    kind: type[PrefhubError], message: str, details: Any, headers: dict[str, str] | None
) -> PrefhubError:
    return kind(message, details=details, headers=headers)


class NotFound(PrefhubError):
    status_code = 404
    code = "not_found"


class Forbidden(PrefhubError):
    status_code = 403
    code = "forbidden"


class Conflict(PrefhubError):
    status_code = 409
    code = "conflict"


class InvalidInput(PrefhubError):
    status_code = 422
    code = "validation_error"


class InvalidText(InvalidInput):
    """Text no database can hold: a NUL or a lone surrogate (``kit.json_input``)."""

    code = "invalid_text"
