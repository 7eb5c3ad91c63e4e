"""API: the same rules as the services, the error envelope, visibility."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openltc.contracts.models import ReceivablePlanLine
from openltc.delivery.models import DeliveryProject
from openltc.delivery.tests.factories import ensure_defaults, make_project, signed_contract

pytestmark = pytest.mark.django_db
BASE = "/api/v1/delivery"


@pytest.fixture(autouse=True)
def _defaults(db):
    ensure_defaults()


def _json(client, method, url, body):
    return getattr(client, method)(url, body, content_type="application/json")


def test_main_flow_through_the_api(rep, other_rep, finance, api_client_for):
    client = api_client_for(rep)
    contract = signed_contract(rep)
    created = _json(client, "post", BASE, {"contract_id": str(contract.pk), "fr_id": rep.pk})
    assert created.status_code == 201, created.content
    project_id = created.json()["id"]
    assert created.json()["unmet_for_closure"][0].startswith("The plan has no delivery milestone")
    today = timezone.localdate()
    line = ReceivablePlanLine.objects.get(contract=contract, milestone__position=2)
    item = _json(
        client,
        "post",
        f"{BASE}/{project_id}/items",
        {
            "stream": "engineering",
            "kind": "milestone",
            "name": "PAC",
            "owner_id": rep.pk,
            "planned_start": str(today),
            "planned_finish": str(today),
            "plan_line_id": str(line.pk),
        },
    )
    assert item.status_code == 201, item.content
    item_id = item.json()["id"]
    assert _json(client, "post", f"{BASE}/{project_id}/start", {}).status_code == 200
    upload = SimpleUploadedFile("pac.pdf", b"%PDF-1.4", content_type="application/pdf")
    accepted = client.post(
        f"{BASE}/items/{item_id}/acceptance",
        {"evidence": upload, "accepted_on": str(today), "certificate_reference": "PAC-7"},
    )
    assert accepted.status_code == 201, accepted.content
    line.refresh_from_db()
    assert line.trigger_date == today
    risk = _json(
        client,
        "post",
        f"{BASE}/{project_id}/risks",
        {
            "title": "R",
            "category": "cost",
            "probability": 2,
            "impact": 3,
            "owner_id": rep.pk,
            "response": "accept",
        },
    )
    assert risk.json()["exposure"] == 6
    costs = client.get(f"{BASE}/{project_id}/costs").json()
    assert costs["currency"] == "CNY"
    assert [r["category"] for r in costs["rows"]][0] == "equipment"
    closure = client.get(f"{BASE}/contracts/{contract.pk}/closure").json()
    assert closure["unmet"] == [
        "1 risk is still open.",
        "The final accounts (决算) are not recorded.",
        f"The delivery project {created.json()['number']} is not closed with its summary.",
    ]
    # visibility: the other region sees nothing; finance sees but may not write (403)
    other = api_client_for(other_rep)
    assert other.get(f"{BASE}/{project_id}").status_code == 404
    assert other.get(BASE).json()["count"] == 0
    refused = _json(
        api_client_for(finance), "post", f"{BASE}/{project_id}/risks", risk.json() | {"owner_id": rep.pk}
    )
    assert refused.status_code == 403


def test_refusals_use_the_envelope(rep, api_client_for):
    client = api_client_for(rep)
    project = make_project(rep)
    today = str(timezone.localdate())
    body = {"stream": "rd", "name": "A", "owner_id": rep.pk, "planned_start": today, "planned_finish": today}
    a = _json(client, "post", f"{BASE}/{project.pk}/items", body).json()
    b = _json(
        client, "post", f"{BASE}/{project.pk}/items", body | {"name": "B", "depends_on": [a["id"]]}
    ).json()
    cycle = _json(client, "patch", f"{BASE}/items/{a['id']}", {"depends_on": [b["id"]]})
    assert cycle.status_code == 422
    assert cycle.json()["errors"] == [
        {"field": "depends_on", "message": "These dependencies would form a cycle."}
    ]
    start = _json(client, "post", f"{BASE}/{project.pk}/start", {})
    assert start.status_code in (409, 422)
    assert start.json()["message"] == "Plan at least one delivery milestone before execution starts."
    stale = _json(client, "patch", f"{BASE}/{project.pk}", {"name": "X", "lock_version": 99})
    assert stale.status_code == 409
    estimate = _json(
        client,
        "post",
        f"{BASE}/items/{a['id']}/estimate",
        {"optimistic": 5, "most_likely": 3, "pessimistic": 9},
    )
    assert estimate.status_code == 422
    ok = _json(
        client,
        "post",
        f"{BASE}/items/{a['id']}/estimate",
        {"optimistic": 2, "most_likely": 3, "pessimistic": 10},
    )
    assert ok.json()["most_likely"] == "3.00"
    pert = client.get(f"{BASE}/{project.pk}/pert").json()
    assert pert["total_expected"] == "4.00"


def test_create_refused_for_unsigned_and_unknown(rep, api_client_for):
    from openltc.contracts.tests.factories import make_contract

    client = api_client_for(rep)
    draft = make_contract(rep)
    response = _json(client, "post", BASE, {"contract_id": str(draft.pk), "fr_id": rep.pk})
    assert response.status_code == 409
    assert response.json()["message"] == "A delivery project is set up once the contract is signed."
    missing = _json(client, "post", BASE, {"contract_id": str(draft.pk), "fr_id": 999999})
    assert missing.status_code == 422
    assert not DeliveryProject.objects.exists()


def test_delphi_meeting_review_worklog(rep, teammate, manager, admin_user, api_client_for):
    client = api_client_for(rep)
    project = make_project(rep)
    for person in (teammate, manager):
        _json(client, "post", f"{BASE}/{project.pk}/team", {"user_id": person.pk, "role": "member"})
    session = _json(
        client,
        "post",
        f"{BASE}/{project.pk}/delphi",
        {"topic": "Install", "estimator_ids": [teammate.pk, manager.pk, rep.pk]},
    )
    assert session.status_code == 201, session.content
    sid = session.json()["id"]
    for person, value in ((teammate, 10), (manager, 12), (rep, 11)):
        assert (
            _json(
                api_client_for(person), "post", f"{BASE}/delphi/{sid}/estimates", {"value": value}
            ).status_code
            == 201
        )
    view = client.get(f"{BASE}/delphi/{sid}").json()
    assert view["rounds"][0]["spread_pct"] == "18.18"
    assert (
        _json(
            api_client_for(teammate), "post", f"{BASE}/delphi/{sid}/finish", {"final_estimate": 11}
        ).status_code
        == 403
    )
    assert (
        _json(client, "post", f"{BASE}/delphi/{sid}/finish", {"final_estimate": 11}).json()["status"]
        == "closed"
    )
    yesterday = str(timezone.localdate() - datetime.timedelta(days=1))
    meeting = _json(
        client,
        "post",
        f"{BASE}/{project.pk}/meetings",
        {
            "kind": "regular",
            "title": "Weekly",
            "held_on": yesterday,
            "actions": [{"description": "Call", "owner_id": rep.pk, "due": yesterday}],
        },
    )
    assert meeting.status_code == 201, meeting.content
    action_id = meeting.json()["actions"][0]["id"]
    assert _json(client, "post", f"{BASE}/actions/{action_id}/done", {}).json()["done_at"]
    review = _json(
        client,
        "post",
        f"{BASE}/{project.pk}/reviews",
        {"kind": "quality", "title": "QA", "review_date": yesterday, "checklist": ["Docs"]},
    ).json()
    finding = _json(
        client,
        "post",
        f"{BASE}/reviews/{review['id']}/findings",
        {"description": "Fix", "severity": "minor", "owner_id": rep.pk, "due": yesterday},
    )
    assert finding.status_code == 201
    concluded = _json(
        client, "post", f"{BASE}/reviews/{review['id']}/conclude", {"conclusion": "pass", "passed_items": [0]}
    )
    assert concluded.json()["checklist"] == [{"item": "Docs", "ok": True}]
    log = _json(
        client, "post", f"{BASE}/{project.pk}/work-log", {"day": yesterday, "hours": "7.5", "note": "Racks"}
    )
    assert log.status_code == 201
    future = _json(
        client, "post", f"{BASE}/{project.pk}/work-log", {"day": "2999-01-01", "hours": "1", "note": "x"}
    )
    assert future.status_code == 422
