from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from openltc.org.models import User


class AuthedHttpRequest(HttpRequest):
    """A request behind login_required or API authentication: ``user`` is a real User."""

    user: User  # type: ignore[assignment]
