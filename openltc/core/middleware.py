from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext

from openltc.core.request_context import (
    end_request_memo,
    reset_request_id,
    set_request_id,
    start_request_memo,
)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a well-formed one from the proxy) for audit and logs,
    and a fresh memo for the settings its pages read (``request_context.request_memo``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        memo = start_request_memo()
        try:
            response = self.get_response(request)
        finally:
            from openltc.core.request_context import current_request_id

            request_id = current_request_id()
            end_request_memo(memo)
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class UserPreferencesMiddleware:
    """Applies the signed-in user's saved language and time zone to the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, "preferred_language", "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            tz_name = getattr(user, "time_zone", "")
            if tz_name:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(tz_name))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RejectNulQueryMiddleware:
    """A NUL byte in the query string is refused with 400 before any view reads it: no filter or
    search value can contain one, and PostgreSQL refuses it as a query parameter (a 500 on every
    list page that filters by it; found by the generated bad-input tests)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            message = gettext("The address contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "bad_request", "message": message, "errors": [], "extra": {}}, status=400
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
