"""API authentication: a personal token (``Authorization: Bearer oltc_…``) or the browser session
(with CSRF for writes)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from openltc.org.services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token created under Profile → API tokens."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods must carry the CSRF token."""

    param_name = "sessionid"
    openapi_description = "Browser session cookie; send X-CSRFToken on POST/PUT/PATCH/DELETE."

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None
