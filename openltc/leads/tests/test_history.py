"""The generic record history page follows the lead page's visibility (pool leads included)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from openltc.leads.tests.factories import make_lead


def _history_url(lead: Any) -> str:
    return f"/history/leads/lead/{lead.pk}/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_rep_sees_history_of_pool_lead_they_can_see(rep: Any, manager: Any, org: Any) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh_team, title="Pool lead")
    client = _client(rep)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    response = client.get(_history_url(lead))
    assert response.status_code == 200
    assert "lead.created" in response.text or "Pool lead" in response.text


def test_other_region_rep_gets_404_for_pool_lead_history(other_rep: Any, manager: Any, org: Any) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh_team, title="Pool lead")
    client = _client(other_rep)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client.get(_history_url(lead)).status_code == 404


def test_history_of_owned_lead_follows_visibility(rep: Any, other_rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep, title="Mine")
    assert _client(rep).get(_history_url(lead)).status_code == 200
    assert _client(other_rep).get(_history_url(lead)).status_code == 404
    assert _client(rep).get("/history/leads/lead/not-a-uuid/").status_code == 404
