"""Queries of one lead capture through the API (``POST /api/v1/leads``), pinned: the create-lead
throughput target (docs/performance.md, API section) depends on them. Was 24 (12 of them from
validation: foreign keys fetched again, the fresh UUID looked up, one query and savepoint per check
constraint; 3 for the actor's home unit and units); a ceiling that fails if the count grows."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openltc.core.models import AuditEvent
from openltc.leads.models import Lead

BASE = "/api/v1/leads"
# What bench/api_load.py sends.
BODY = {
    "title": "负载测试线索 API load",
    "source": "web",
    "company_name": "API Load Customer",
    "contact_name": "王经理",
    "contact_email": "apiload@example.com",
    "estimated_value": "100000",
    "currency": "CNY",
}


def _shape(sql: str) -> str:
    """The statement with its literals and savepoint names taken out, to group by."""
    sql = re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", sql)
    return sql[:160]


def _create(client: Any, body: dict[str, Any]) -> tuple[Any, list[str]]:
    client.post(BASE, json.dumps(body), content_type="application/json")  # first use fills caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(BASE, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response, [q["sql"] for q in ctx.captured_queries]


def _report(queries: list[str]) -> str:
    return "\n".join(f"{n} x {shape}" for shape, n in Counter(map(_shape, queries)).most_common())


def _writes(queries: list[str]) -> list[str]:
    return [re.match(r'INSERT INTO "(\w+)"', q).group(1) for q in queries if q.startswith("INSERT")]  # type: ignore[union-attr]


def test_pool_lead_by_company_wide_viewer(api_client_for: Any, executive: Any) -> None:
    # given the bench's caller: company-wide view, no owner (the lead goes to the pool)
    client = api_client_for(executive)
    # when one lead is captured
    response, queries = _create(client, BODY)
    # then the lead, its history row and its audit event are written, and nothing else grows
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.org_unit_id == executive.home_unit_id
    assert AuditEvent.objects.filter(subject_id=str(lead.pk), action="lead.created").count() == 1
    assert _writes(queries) == ["leads_lead", "leads_historicallead", "core_auditevent"]
    # token, scope (which also gives the pool's units), scoring rules, savepoint + one
    # check-constraint query + release, three inserts, the visible re-read, plus the service's
    # savepoint pair in the test transaction
    assert len(queries) <= 12, _report(queries)
    assert sum("_check_" in q for q in queries) == 1, _report(queries)


def test_owned_lead_by_rep(api_client_for: Any, rep: Any) -> None:
    # given a rep capturing a lead for themself (owner given: the SLA setting is read too)
    client = api_client_for(rep)
    response, queries = _create(client, {**BODY, "owner_id": rep.pk})
    assert response.json()["owner_id"] == rep.pk
    assert _writes(queries) == ["leads_lead", "leads_historicallead", "core_auditevent"]
    assert len(queries) <= 14, _report(queries)
    # validation does not fetch again what the request already read (owner, unit, creator) nor
    # look the fresh UUID up
    assert not [q for q in queries if q.startswith('SELECT 1 AS "a"')], _report(queries)
