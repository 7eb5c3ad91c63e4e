"""The REST API under /api/v1/: one NinjaAPI; each domain app contributes a router from its api.py."""

from __future__ import annotations

import importlib
import importlib.util

from django.conf import settings
from ninja import NinjaAPI

from openltc.api.auth import SessionAuth, TokenAuth
from openltc.api.errors import install


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="OpenLTC API",
        version="1",
        description=(
            "Lead-to-Cash API. Authenticate with a personal token (`Authorization: Bearer oltc_…`) or a "
            "browser session with `X-CSRFToken`. Errors share one envelope `{code, message, errors, extra}`; "
            "lists take `page` and `page_size` and return `{count, page, page_size, pages, items}`."
        ),
        auth=[TokenAuth(), SessionAuth()],
        urls_namespace="api",
        docs_url="/docs",
    )
    install(api)
    for app in settings.OPENLTC_APPS:
        module_name = f"{app}.api"
        if app == "openltc.api" or importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "PREFIX", "/" + app.rsplit(".", 1)[-1]), router)
    if getattr(settings, "OPENLTC_BENCH_ENDPOINTS", False):
        from openltc.api.bench import bench_router

        api.add_router("/bench", bench_router())
    return api


api = build_api()
