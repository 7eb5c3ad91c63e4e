from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openltc.core.navigation import available_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    path = request.path
    items = available_items()
    for item in items:
        url = str(item["url"])
        item["active"] = path == url if url == "/" else path.startswith(url)
    return {"nav_items": items}
