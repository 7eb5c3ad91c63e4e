"""API: the same rules as the services, the error envelope, visibility."""

from __future__ import annotations

import pytest

from openltc.contracts.tests.factories import LINES, MILESTONES, make_contract, make_customer

pytestmark = pytest.mark.django_db
BASE = "/api/v1/contracts"


def test_create_get_and_list(rep, other_rep, api_client_for):
    customer = make_customer(rep, rep.home_unit)
    client = api_client_for(rep)
    payload = {
        "customer_id": str(customer.pk),
        "title": "API deal",
        "signing_entity": "OpenLTC Co.",
        "contract_manager_id": rep.pk,
        "lines": LINES,
        "milestones": MILESTONES,
    }
    response = client.post(BASE, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total_gross"] == "279000.00"
    assert [m["amount"] for m in body["milestones"]] == ["83700.00", "167400.00", "27900.00"]
    assert client.get(f"{BASE}/{body['id']}").status_code == 200
    listing = client.get(BASE).json()
    assert listing["count"] == 1
    other = api_client_for(other_rep)
    assert other.get(f"{BASE}/{body['id']}").status_code == 404
    assert other.get(BASE).json()["count"] == 0


def test_milestone_refusal_uses_the_envelope(rep, api_client_for):
    contract = make_contract(rep)
    response = api_client_for(rep).put(
        f"{BASE}/{contract.pk}/milestones", {"milestones": MILESTONES[:1]}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == (
        "The payment milestones add up to 83700.00 CNY but the contract total is 279000.00 CNY (difference 195300.00)."
    )
    assert body["errors"][0]["field"] == "milestones"


def test_stale_patch_is_409(rep, api_client_for):
    contract = make_contract(rep)
    client = api_client_for(rep)
    ok = client.patch(
        f"{BASE}/{contract.pk}", {"lock_version": 1, "title": "One"}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["lock_version"] == 2
    stale = client.patch(
        f"{BASE}/{contract.pk}", {"lock_version": 1, "title": "Two"}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["extra"] == {"current_version": 2}


def test_lifecycle_endpoints_and_versions_diff(rep, admin_user, api_client_for):
    contract = make_contract(rep)
    client = api_client_for(rep)
    assert (
        client.post(f"{BASE}/{contract.pk}/submit", {}, content_type="application/json").json()["status"]
        == "under_review"
    )
    admin = api_client_for(admin_user)
    for function in ("legal", "finance", "delivery", "credit"):
        r = admin.post(
            f"{BASE}/{contract.pk}/opinions",
            {"function": function, "verdict": "agree"},
            content_type="application/json",
        )
        assert r.status_code == 201
    refused = client.post(
        f"{BASE}/{contract.pk}/opinions",
        {"function": "legal", "verdict": "agree"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert (
        client.post(f"{BASE}/{contract.pk}/complete-review", {}, content_type="application/json").json()[
            "status"
        ]
        == "awaiting_atc"
    )
    atc = client.post(f"{BASE}/{contract.pk}/countersign", {}, content_type="application/json")
    assert atc.status_code == 409
    assert atc.json()["code"] == "transition_refused"
    assert atc.json()["message"].startswith("Needs an approved ATC decision")
    back = client.post(
        f"{BASE}/{contract.pk}/rework",
        {"reason": "ATC pending, adjust price"},
        content_type="application/json",
    )
    assert back.json()["current_version"] == 2
    client.put(f"{BASE}/{contract.pk}/lines", {"lines": LINES[:1]}, content_type="application/json")
    versions = client.get(f"{BASE}/{contract.pk}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    diff = client.get(f"{BASE}/{contract.pk}/diff", {"a": 1, "b": 2}).json()
    assert diff["has_changes"]
    assert [r["change"] for r in diff["lines"]] == ["same", "removed"]
    assert client.get(f"{BASE}/{contract.pk}/diff", {"a": 1, "b": 7}).status_code == 404
    withdrawn = client.post(
        f"{BASE}/{contract.pk}/withdraw", {"reason": "Lost the customer"}, content_type="application/json"
    )
    assert withdrawn.json()["status"] == "withdrawn"


def test_other_rep_cannot_act(rep, other_rep, api_client_for):
    contract = make_contract(rep)
    other = api_client_for(other_rep)
    assert other.post(f"{BASE}/{contract.pk}/submit", {}, content_type="application/json").status_code == 404
    assert other.get(f"{BASE}/{contract.pk}/versions").status_code == 404


def test_full_path_through_the_api(rep, executive, admin_user, api_client_for, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("openltc.contracts.selectors.gate_approved", lambda contract, gate: True)
    contract = make_contract(rep)
    client = api_client_for(rep)
    admin = api_client_for(admin_user)
    json = "application/json"
    client.post(f"{BASE}/{contract.pk}/submit", {}, content_type=json)
    for function in ("legal", "finance", "delivery", "credit"):
        admin.post(
            f"{BASE}/{contract.pk}/opinions", {"function": function, "verdict": "agree"}, content_type=json
        )
    client.post(f"{BASE}/{contract.pk}/complete-review", {}, content_type=json)
    assert (
        client.post(f"{BASE}/{contract.pk}/countersign", {}, content_type=json).json()["status"]
        == "countersign"
    )
    steps = client.get(f"{BASE}/{contract.pk}/countersign/steps").json()
    assert len(steps) == 4
    for step in sorted(steps, key=lambda s: s["sequence"]):
        signed = admin.post(
            f"{BASE}/{contract.pk}/countersign/{step['id']}/sign-off", {"comment": "ok"}, content_type=json
        )
        assert signed.json()["status"] == "signed"
    sealed = client.post(
        f"{BASE}/{contract.pk}/seal-request", {"signatory_id": executive.pk}, content_type=json
    )
    assert sealed.json()["status"] == "seal"
    signed = client.post(
        f"{BASE}/{contract.pk}/seal", {"signed_on": "2026-11-02", "seal_reference": "Y-17"}, content_type=json
    )
    assert signed.json()["status"] == "signed"
    archived = client.post(
        f"{BASE}/{contract.pk}/archive",
        {
            "scan": SimpleUploadedFile("signed.pdf", b"%PDF-1.4"),
            "archive_number": "AR-1",
            "original_location": "Safe 2",
        },
    )
    assert archived.status_code == 200, archived.content
    assert archived.json()["status"] == "archived"
    check = client.post(
        f"{BASE}/{contract.pk}/receipt-checks",
        {
            "received_amount": "279000.00",
            "received_currency": "USD",
            "milestones_match": True,
            "obligations_match": True,
        },
        content_type=json,
    )
    assert check.json()["result"] == "mismatch"
    refused = client.post(f"{BASE}/{contract.pk}/execute", {}, content_type=json)
    assert refused.status_code == 409
    client.post(
        f"{BASE}/{contract.pk}/receipt-checks",
        {
            "received_amount": "279000.00",
            "received_currency": "CNY",
            "milestones_match": True,
            "obligations_match": True,
        },
        content_type=json,
    )
    assert client.post(f"{BASE}/{contract.pk}/execute", {}, content_type=json).json()["status"] == "executing"
    detail = client.get(f"{BASE}/{contract.pk}").json()
    assert detail["milestones"][0]["planned_due_date"] == "2026-12-02"
    locked = client.put(f"{BASE}/{contract.pk}/lines", {"lines": LINES[:1]}, content_type=json)
    assert locked.status_code == 409
    assert locked.json()["message"] == "Version 1 is archived; archived content cannot be changed."
