"""What the contract covers, found from the code itself: every URL pattern the resolver knows and
every operation the OpenAPI document lists. New pages and endpoints appear here on their own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Converters in a route: <uuid:pk>, <int:criterion_id>, <slug>, ...
CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Page:
    """One URL pattern: its namespaced name (or its route when it has none) and its route."""

    key: str
    route: str
    params: tuple[str, ...]
    is_regex: bool


def _route_of(pattern: URLPattern | URLResolver) -> tuple[str, bool]:
    text = str(pattern.pattern)
    return text, not hasattr(pattern.pattern, "_route")


def iter_pages(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Page]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text, is_regex = _route_of(entry)
        route = prefix + text
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_pages(entry, route, child_ns)
            continue
        name = entry.name
        key = f"{namespace}:{name}" if namespace and name else (name or f"route:{route}")
        params = tuple(m.group("name") for m in CONVERTER.finditer(route))
        if is_regex or "(?P<" in route:
            params = tuple(re.findall(r"\(\?P<([^>]+)>", route))
        yield Page(key=key, route=route, params=params, is_regex=is_regex or "^" in route)


def pages() -> dict[str, Page]:
    """Every URL pattern by key, API routes excluded (the OpenAPI document covers those)."""
    found: dict[str, Page] = {}
    for page in iter_pages():
        if page.key.startswith("api:") or page.route.startswith("api/"):
            continue
        found.setdefault(page.key, page)
    return found


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the document: /api/v1/org/tokens/{token_id}/revoke
    params: tuple[str, ...]
    has_body: bool
    body_schema: dict | None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_safe(self) -> bool:
        return self.method in ("GET", "HEAD", "OPTIONS")


def openapi_document() -> dict:
    from openltc.api.api import api

    return api.get_openapi_schema(path_prefix="/api/v1")


def operations(document: dict | None = None) -> dict[str, Operation]:
    document = document or openapi_document()
    found: dict[str, Operation] = {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            params = tuple(p["name"] for p in op.get("parameters", []) if p.get("in") == "path")
            body = op.get("requestBody")
            schema = None
            if body:
                content = body.get("content", {})
                media = content.get("application/json") or next(iter(content.values()), {})
                schema = media.get("schema")
            operation = Operation(method.upper(), path, params, bool(body), schema)
            found[operation.key] = operation
    return found
