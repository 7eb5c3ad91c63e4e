"""The single error envelope of the API: ``{"code", "message", "errors": [{"field", "message"}]}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openltc.core.errors import DomainError, ErrorCode, from_validation_error


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] = []
    extra: dict[str, Any] = {}


ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def envelope(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"code": code, "message": message, "errors": errors or [], "extra": extra or {}},
        status=status,
    )


def _field_name(loc: list[Any]) -> str:
    # Ninja locations look like ["body", "payload", "amount"]; callers want "amount".
    parts = [
        str(p)
        for p in loc
        if p not in ("body", "query", "path", "header", "cookie", "form", "file", "payload")
    ]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        errors = [{"field": f, "message": m} for f, msgs in exc.field_errors.items() for m in msgs]
        return envelope(
            api,
            request,
            status=exc.code.http_status,
            code=str(exc.code),
            message=exc.message,
            errors=errors,
            extra=exc.extra,
        )

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return on_domain_error(request, from_validation_error(exc))

    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_name(list(e.get("loc", []))), "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        status = (
            400
            if any(e.get("type") in ("json_invalid", "model_attributes_type") for e in exc.errors)
            else 422
        )
        return envelope(
            api,
            request,
            status=status,
            code=str(ErrorCode.INVALID if status == 422 else ErrorCode.BAD_REQUEST),
            message=_("The request is not valid."),
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return envelope(
            api,
            request,
            status=401,
            code=str(ErrorCode.UNAUTHENTICATED),
            message=_("Authentication required: sign in or send a valid API token."),
        )

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return envelope(api, request, status=404, code=str(ErrorCode.NOT_FOUND), message=_("Not found."))

    @api.exception_handler(PermissionDenied)
    def on_403(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return envelope(
            api,
            request,
            status=403,
            code=str(ErrorCode.FORBIDDEN),
            message=str(exc) or _("You may not do this."),
        )

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Django's own answer is an HTML "Bad Request" page; API clients get the envelope.
        return envelope(
            api,
            request,
            status=413,
            code=str(ErrorCode.BAD_REQUEST),
            message=_("The request body is too large."),
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: ErrorCode.BAD_REQUEST,
            401: ErrorCode.UNAUTHENTICATED,
            403: ErrorCode.FORBIDDEN,
            404: ErrorCode.NOT_FOUND,
            409: ErrorCode.CONFLICT,
        }.get(exc.status_code, ErrorCode.INVALID)
        return envelope(api, request, status=exc.status_code, code=str(code), message=str(exc))
