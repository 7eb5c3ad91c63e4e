"""API: the same services and errors as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from openltc.guidance.models import ActionItem, AppealsAnalysis, ChecklistItem, PlaybookTask
from openltc.guidance.tests.factories import opportunity_in, ratings

pytestmark = pytest.mark.django_db


def _ratings_json(**overrides):
    rows = ratings(**overrides)
    for r in rows:
        r["customer_weight"] = str(r["customer_weight"])
    return rows


def test_checklist_tick_through_the_api(rep, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="trust")
    client = api_client_for(rep)
    response = client.get(f"/api/v1/guidance/opportunities/{opportunity.pk}/checklist")
    assert response.status_code == 200
    assert response.json()["total"] == 8
    response = client.post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/checklist/{task.pk}",
        {"done": True, "note": "dinner"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["done"] == 1
    assert ChecklistItem.objects.get(opportunity=opportunity, task=task).done_by == rep


def test_other_region_gets_404(rep, other_rep, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    client = api_client_for(other_rep)
    for path in ("checklist", "appeals", "value-messages", "activities"):
        assert client.get(f"/api/v1/guidance/opportunities/{opportunity.pk}/{path}").status_code == 404


def test_view_only_gets_403_on_writes(rep, finance, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    response = api_client_for(finance).post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/appeals",
        {"competitors": ["Rival A"], "ratings": _ratings_json()},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["message"] == "You may not work on this opportunity."


def test_appeals_api_same_errors_as_the_page(rep, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    client = api_client_for(rep)
    bad = client.post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/appeals",
        {"competitors": ["Rival A"], "ratings": _ratings_json(price={"customer_weight": "30"})},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["message"] == "The customer weights must add up to 100 (now 117.5)."
    assert not AppealsAnalysis.objects.exists()
    good = client.post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/appeals",
        {
            "competitors": ["Rival A"],
            "ratings": _ratings_json(price={"is_key_need": True, "need": "Below budget"}),
        },
        content_type="application/json",
    )
    assert good.status_code == 201
    body = good.json()
    assert body["number"] == 1
    assert body["weighted_scores"]["us"] == "7.00"
    listing = client.get(f"/api/v1/guidance/opportunities/{opportunity.pk}/appeals").json()
    assert listing[0]["ratings"][0]["is_key_need"] is True


def test_value_messages_api(rep, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    client = api_client_for(rep)
    created = client.post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/value-messages",
        {"need": "Uptime", "feature": "Dual power", "benefit": "No outage"},
        content_type="application/json",
    )
    assert created.status_code == 201
    message_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/guidance/value-messages/{message_id}",
        {"evidence": "TÜV report", "lock_version": 1},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["lock_version"] == 2
    stale = client.patch(
        f"/api/v1/guidance/value-messages/{message_id}",
        {"evidence": "x", "lock_version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert client.delete(f"/api/v1/guidance/value-messages/{message_id}").status_code == 204


def test_activity_and_actions_api(rep, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    client = api_client_for(rep)
    due = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    created = client.post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/activities",
        {
            "kind": "technical_exchange",
            "subject": "Exchange",
            "minutes": "Went well",
            "actions": [{"title": "Send slides", "owner_id": rep.pk, "due_date": due}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    action = created.json()["actions"][0]
    assert action["is_overdue"] is True
    assert action["available_actions"] == ["complete", "cancel"]
    mine = client.get("/api/v1/guidance/actions?owner=me&overdue=true").json()
    assert mine["count"] == 1
    refused = client.post(
        f"/api/v1/guidance/actions/{action['id']}/cancel", {"outcome": ""}, content_type="application/json"
    )
    assert refused.status_code == 409
    assert refused.json()["message"] == "Say why the action is cancelled."
    done = client.post(
        f"/api/v1/guidance/actions/{action['id']}/complete", {}, content_type="application/json"
    )
    assert done.status_code == 200
    assert ActionItem.objects.get().status == "done"


def test_bad_kind_is_refused(rep, api_client_for):
    opportunity = opportunity_in("guiding", rep)
    response = api_client_for(rep).post(
        f"/api/v1/guidance/opportunities/{opportunity.pk}/activities",
        {"kind": "party", "subject": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["message"] == "Choose a kind of activity."


def test_playbooks_api(rep, api_client_for):
    body = api_client_for(rep).get("/api/v1/guidance/playbooks").json()
    stages = [p["stage"] for p in body]
    assert "guiding" in stages
    assert any(t["code"] == "coach" for p in body for t in p["tasks"])


def test_template_upload_api_is_for_admins(rep, admin_user, api_client_for):
    from openltc.guidance.models import Playbook

    playbook = Playbook.objects.get(stage="guiding")
    url = f"/api/v1/guidance/playbooks/{playbook.pk}/templates"
    assert api_client_for(rep).post(url, {"name": "x", "text": "y"}).status_code == 403
    response = api_client_for(admin_user).post(url, {"name": "Agenda", "text": "1. Goals"})
    assert response.status_code == 201
    bad = api_client_for(admin_user).post(url, {"name": "Agenda"})
    assert bad.status_code == 422
