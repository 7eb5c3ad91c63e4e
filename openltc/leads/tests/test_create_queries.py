"""Queries of one lead capture through the API (``POST /api/v1/leads``), pinned: the create-lead
throughput target (docs/performance.md, API section) depends on them. Was 24 (12 of them from
validation: foreign keys fetched again, the fresh UUID looked up, one query and savepoint per check
constraint; 3 for the actor's home unit and units), then 12 (the check constraints in one query,
the response read back), now 8; a ceiling that fails if the count grows."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
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


@pytest.mark.django_db(transaction=True)
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
    # token, scope (which also gives the pool's units), three inserts, plus the service's
    # BEGIN/COMMIT. No scoring-rules query (the process's copy, filled by the first capture), no
    # check-constraint query (Python answers them: was a savepoint, a SELECT and a release) and no
    # read back (the response is built from the saved lead)
    assert len(queries) <= 7, _report(queries)
    assert not [q for q in queries if "leads_leadscoringrule" in q], _report(queries)
    assert not [q for q in queries if "_check_" in q], _report(queries)


@pytest.mark.django_db(transaction=True)
def test_owned_lead_by_rep(api_client_for: Any, rep: Any) -> None:
    # given a rep capturing a lead for themself (owner given: the SLA setting is read too)
    client = api_client_for(rep)
    response, queries = _create(client, {**BODY, "owner_id": rep.pk})
    assert response.json()["owner_id"] == rep.pk
    assert _writes(queries) == ["leads_lead", "leads_historicallead", "core_auditevent"]
    assert len(queries) <= 9, _report(queries)
    # validation does not fetch again what the request already read (owner, unit, creator) nor
    # look the fresh UUID up
    assert not [q for q in queries if q.startswith('SELECT 1 AS "a"')], _report(queries)


def test_capture_answers_what_a_read_gives(api_client_for: Any, rep: Any) -> None:
    # given a capture whose response is built from the saved lead, not read back
    client = api_client_for(rep)
    body = {**BODY, "owner_id": rep.pk, "estimated_value": "1E+5", "expected_date": "2027-03-01"}
    created = client.post(BASE, json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    # when the same lead is read
    read = client.get(f"{BASE}/{created.json()['id']}")
    # then both answers are the same, field by field (decimals as stored: 100000.00)
    assert read.status_code == 200
    assert created.json() == read.json()
    assert created.json()["estimated_value"] == "100000.00"


def test_capture_into_the_pool_by_a_rep_answers_what_a_read_gives(api_client_for: Any, rep: Any) -> None:
    # a rep's lead without an owner goes to the pool; the rep still sees it (the pool of their unit)
    client = api_client_for(rep)
    created = client.post(BASE, json.dumps(BODY), content_type="application/json")
    assert created.status_code == 201, created.content
    read = client.get(f"{BASE}/{created.json()['id']}")
    assert read.status_code == 200
    assert created.json() == read.json()
