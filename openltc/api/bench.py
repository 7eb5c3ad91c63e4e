"""The benchmark's bare endpoint: the stack's own limit for one write per request.

``POST /api/v1/bench/bare`` goes through everything an API write goes through before the
application starts — gunicorn, the middleware, django-ninja's routing, the same authentication
(token or session with CSRF) — and then inserts one row into the table ``bench_bare`` with one
SQL statement: no validation, no permission rules, no audit, no history. ``bench/api_load.py``
compares the throughput of ``POST /api/v1/leads/`` with it (the ratio the benchmark issue asks).

It exists only when the setting ``OPENLTC_BENCH_ENDPOINTS`` is on (environment variable of the
same name), which only the benchmark's own server sets: the route is not in the URL
configuration or the OpenAPI document of a normal deployment, so the permission contract (built
from that document) never meets it; ``openltc/api/tests/test_bench_endpoint.py`` checks both.
The table is created by the benchmark, never by a migration.
"""

from __future__ import annotations

import uuid

from django.db import connection
from django.http import HttpRequest
from ninja import Router, Schema, Status

TABLE = "bench_bare"
CREATE_TABLE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR(36) PRIMARY KEY, title VARCHAR(200) NOT NULL)"


class BenchBareIn(Schema):
    title: str


class BenchBareOut(Schema):
    id: str


def bench_router() -> Router:
    """A new router each call (a router may be attached to one API only)."""
    router = Router(tags=["bench"])

    @router.post("/bare", response={201: BenchBareOut}, summary="Benchmark only: insert one row")
    def bare(request: HttpRequest, payload: BenchBareIn) -> Status[BenchBareOut]:
        pk = str(uuid.uuid4())
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} (id, title) VALUES (%s, %s)", [pk, payload.title[:200]])  # noqa: S608
        return Status(201, BenchBareOut(id=pk))

    return router
