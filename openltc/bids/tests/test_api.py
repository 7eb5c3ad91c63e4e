"""The API: the same services and errors as the pages (API = UI)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from openltc.bids.models import Bid
from openltc.bids.tests.factories import approve, graded_opportunity, make_bid

pytestmark = pytest.mark.django_db


def test_create_checklist_and_refused_submission(
    api_client_for: Any, rep: Any, manager: Any, reviewers: Any
) -> None:
    api = api_client_for(rep)
    opp = graded_opportunity(rep)
    deadline = (timezone.now() + datetime.timedelta(days=20)).isoformat()
    r = api.post(
        "/api/v1/bids",
        {
            "opportunity_id": str(opp.pk),
            "tender_number": "ZB-5",
            "submission_deadline": deadline,
            "bid_price": "10.00",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    bid = r.json()
    assert bid["status"] == "preparing"
    r = api.post(
        f"/api/v1/bids/{bid['id']}/checklist",
        {"title": "Seal on every page", "category": "signature_seal", "prevents_disqualification": True},
        content_type="application/json",
    )
    assert r.status_code == 201
    item_id = r.json()["id"]
    assert (
        api.post(
            f"/api/v1/bids/{bid['id']}/submit-for-review", {}, content_type="application/json"
        ).status_code
        == 200
    )
    r = api.post(f"/api/v1/bids/{bid['id']}/submit", {}, content_type="application/json")
    assert r.status_code == 409
    assert r.json()["message"] == (
        "Items that prevent disqualification are still open: Seal on every page. "
        "The opportunity has no approved ATB decision (bid review); the bid cannot be submitted."
    )
    r = api.patch(
        f"/api/v1/bids/{bid['id']}/checklist/{item_id}", {"status": "done"}, content_type="application/json"
    )
    assert r.status_code == 200
    assert r.json()["completed_at"] is not None
    approve(rep, manager, opp, "ATB", reviewers)
    r = api.post(f"/api/v1/bids/{bid['id']}/submit", {}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["status"] == "submitted"
    detail = api.get(f"/api/v1/bids/{bid['id']}").json()
    assert detail["atb_approved"] is True
    assert [a["code"] for a in detail["actions"]] == ["open", "cancel"]


def test_result_recovery_review_and_rates(api_client_for: Any, rep: Any) -> None:
    api = api_client_for(rep)
    bid = make_bid(rep)
    Bid.objects.filter(pk=bid.pk).update(status="opened")
    base = f"/api/v1/bids/{bid.pk}"
    assert api.post(f"{base}/lose", {"our_rank": 2}, content_type="application/json").status_code == 200
    r = api.post(
        f"{base}/recovery-actions",
        {"action": "Follow-up visit", "owner_id": rep.pk},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = api.patch(
        f"{base}/recovery-actions/{r.json()['id']}", {"status": "done"}, content_type="application/json"
    )
    assert r.json()["status"] == "done"
    r = api.post(f"{base}/close", {}, content_type="application/json")
    assert r.status_code == 409
    assert "post-bid review" in r.json()["message"]
    assert (
        api.put(
            f"{base}/post-bid-review",
            {"reasons": "Price", "lessons": "Cost"},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert api.post(f"{base}/close", {}, content_type="application/json").json()["status"] == "closed"
    rates = api.get("/api/v1/bids/rates").json()
    assert (rates["total"], rates["lost"], rates["win_rate"]) == (1, 1, "0.0")


def test_questions_and_answer(api_client_for: Any, rep: Any) -> None:
    api = api_client_for(rep)
    bid = make_bid(rep)
    r = api.post(
        f"/api/v1/bids/{bid.pk}/questions",
        {"question": "Joint bid?", "asked_by": "Us"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = api.post(
        f"/api/v1/bids/{bid.pk}/questions/{r.json()['id']}/answer",
        {"answer": "No"},
        content_type="application/json",
    )
    assert r.json()["answer"] == "No"


def test_other_region_gets_404(api_client_for: Any, rep: Any, other_rep: Any) -> None:
    bid = make_bid(rep)
    api = api_client_for(other_rep)
    assert api.get(f"/api/v1/bids/{bid.pk}").status_code == 404
    assert (
        api.post(
            f"/api/v1/bids/{bid.pk}/cancel", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/bids/negotiations/{bid.opportunity.pk}").status_code == 404
    assert api.get("/api/v1/bids").json()["count"] == 0


def test_view_only_role_gets_403(api_client_for: Any, rep: Any, finance: Any) -> None:
    bid = make_bid(rep)
    r = api_client_for(finance).post(
        f"/api/v1/bids/{bid.pk}/cancel", {"reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 403


def test_negotiation_via_api(api_client_for: Any, rep: Any, teammate: Any) -> None:
    api = api_client_for(rep)
    opp = graded_opportunity(rep)
    base = f"/api/v1/bids/negotiations/{opp.pk}"
    r = api.post(
        f"{base}/team", {"user_id": teammate.pk, "role": "technical"}, content_type="application/json"
    )
    assert r.status_code == 201
    member_id = r.json()["id"]
    assert (
        api.post(
            f"{base}/concessions", {"given": "a", "received": "b"}, content_type="application/json"
        ).status_code
        == 201
    )
    r = api.post(
        f"{base}/terms",
        {"reason": "Scope", "new_amount": "1200000.00", "lock_version": 1},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    data = api.get(base).json()
    assert data["amount"] == "1200000.00"
    assert len(data["members"]) == 1
    assert api.delete(f"{base}/team/{member_id}").status_code == 204
    r = api.post(
        f"{base}/terms",
        {"reason": "x", "new_amount": "1.00", "lock_version": 1},
        content_type="application/json",
    )
    assert r.status_code == 409


def test_agreement_via_api(api_client_for: Any, rep: Any) -> None:
    opp = graded_opportunity(rep)
    today = timezone.localdate().isoformat()
    r = api_client_for(rep).post(
        f"/api/v1/bids/negotiations/{opp.pk}/agreement",
        {"agreed_on": today, "note": "ok"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["agreed_on"] == today
