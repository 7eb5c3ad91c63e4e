"""Domain errors: what a service raises when a business rule refuses an action.

Views turn them into form errors, the API into its error envelope. The code says what kind of
refusal it is (and so the HTTP status); the message is for people and is translated.
"""

from __future__ import annotations

import enum
from typing import Any


class ErrorCode(enum.StrEnum):
    INVALID = "invalid"  # input fails validation (422)
    BAD_REQUEST = "bad_request"  # malformed request (400)
    NOT_FOUND = "not_found"  # absent or not visible to the caller (404): the two look the same
    FORBIDDEN = "forbidden"  # visible, but the caller may not do this (403)
    CONFLICT = "conflict"  # the record changed meanwhile, or the state forbids it now (409)
    TRANSITION_REFUSED = "transition_refused"  # a workflow guard refused a transition (409)
    UNAUTHENTICATED = "unauthenticated"  # no or bad credentials (401)

    @property
    def http_status(self) -> int:
        return _STATUS[self]


_STATUS = {
    ErrorCode.INVALID: 422,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TRANSITION_REFUSED: 409,
    ErrorCode.UNAUTHENTICATED: 401,
}


class DomainError(Exception):
    """A business rule refused the action; nothing was changed."""

    default_code = ErrorCode.INVALID

    def __init__(
        self,
        message: Any,
        *,
        code: ErrorCode | None = None,
        field_errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code or self.default_code
        self.field_errors = field_errors or {}
        self.extra = extra or {}


class NotFound(DomainError):
    default_code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    default_code = ErrorCode.FORBIDDEN


class Conflict(DomainError):
    default_code = ErrorCode.CONFLICT


class TransitionRefused(DomainError):
    default_code = ErrorCode.TRANSITION_REFUSED


def from_validation_error(exc: Any) -> DomainError:
    """Wraps a Django ValidationError (from full_clean) as a DomainError with field errors."""
    from django.utils.translation import gettext as _

    field_errors: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field_errors[field] = [str(e) for e in errors]
        first = next(iter(field_errors.values()))[0] if field_errors else _("The data is not valid.")
        return DomainError(first, field_errors=field_errors)
    messages = [str(m) for m in getattr(exc, "messages", [str(exc)])]
    return DomainError(
        messages[0] if messages else _("The data is not valid."), field_errors={"__all__": messages}
    )
