"""Leads API: the same rules and refusal messages as the pages, in the error envelope."""

from __future__ import annotations

import json
from typing import Any

from openltc.leads.choices import LeadStatus
from openltc.leads.models import Lead, NurturingCriterion
from openltc.leads.tests.factories import confirm_elements, make_lead, nurturing_lead

BASE = "/api/v1/leads"


def post(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_list_only_visible(api_client_for: Any, rep: Any, other_rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Mine")
    make_lead(actor=other_rep, owner=other_rep, title="Theirs")
    body = api_client_for(rep).get(BASE + "?page_size=10").json()
    assert body["count"] == 1
    assert [item["title"] for item in body["items"]] == ["Mine"]
    assert body["items"][0]["company"] == "Acme Shanghai"


def test_list_query_count_constant(api_client_for: Any, rep: Any, django_assert_max_num_queries: Any) -> None:
    client = api_client_for(rep)
    make_lead(actor=rep, owner=rep)
    client.get(BASE)
    with django_assert_max_num_queries(20) as few:
        client.get(BASE)
    for i in range(15):
        make_lead(actor=rep, owner=rep, title=f"L{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE).json()["count"] == 16


def test_get_other_region_is_404(api_client_for: Any, rep: Any, other_rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    response = api_client_for(other_rep).get(f"{BASE}/{lead.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_create_update_and_delete(api_client_for: Any, rep: Any) -> None:
    client = api_client_for(rep)
    response = post(
        client,
        BASE,
        {
            "title": "API lead",
            "source": "web",
            "company_name": "Api Co",
            "owner_id": rep.pk,
            "maturity": "warm",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "new"
    assert body["owner_id"] == rep.pk
    assert {"code": "validate", "label": "Start validation", "allowed": True, "reasons": []} in body[
        "available_actions"
    ]
    lead_id = body["id"]
    response = client.patch(
        f"{BASE}/{lead_id}",
        json.dumps({"title": "Renamed", "lock_version": 1}),
        content_type="application/json",
    )
    assert response.json()["title"] == "Renamed"
    response = client.patch(
        f"{BASE}/{lead_id}",
        json.dumps({"title": "Stale", "lock_version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert client.delete(f"{BASE}/{lead_id}").status_code == 204
    assert not Lead.objects.exists()


def test_create_with_unknown_customer_is_field_error(api_client_for: Any, rep: Any) -> None:
    response = post(
        api_client_for(rep),
        BASE,
        {"title": "x", "source": "web", "customer_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "customer_id", "message": "Unknown or not visible to you."}
    ]


def test_refusals_match_the_ui_messages(api_client_for: Any, rep: Any, teammate: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    client = api_client_for(rep)
    response = post(client, f"{BASE}/{lead.pk}/disqualify", {"reason": ""})
    assert response.status_code == 409
    assert response.json()["code"] == "transition_refused"
    assert response.json()["message"] == "Choose a reason for disqualifying the lead."
    response = post(client, f"{BASE}/{lead.pk}/qualify")
    assert response.json()["message"] == "“Qualify” is not possible while the lead is new."
    response = post(api_client_for(teammate), f"{BASE}/{lead.pk}/assign", {"owner_id": teammate.pk})
    assert response.status_code == 404  # the teammate (SR) cannot see the rep's own lead


def test_full_lifecycle_through_the_api(api_client_for: Any, rep: Any) -> None:
    client = api_client_for(rep)
    lead = make_lead(actor=rep, owner=rep, contact_name="Zhao")
    url = f"{BASE}/{lead.pk}"
    assert (
        post(client, url + "/validate", {"strategic_fit": "fit", "maturity": "hot"}).json()["status"]
        == "validating"
    )
    assert post(client, url + "/accept").json()["status"] == "nurturing"
    response = post(
        client, url + "/activities", {"kind": "visit", "summary": "Site visit", "outcome": "positive"}
    )
    assert response.status_code == 201
    assert len(client.get(url + "/activities").json()) == 1
    response = post(client, url + "/qualify")
    assert response.status_code == 409
    assert response.json()["extra"]["reasons"][0] == "5 of the nurturing checklist criteria are not met yet."
    for criterion in NurturingCriterion.objects.all():
        rows = post(client, f"{url}/criteria/{criterion.pk}", {"checked": True}).json()
    assert all(row["checked"] for row in rows)
    confirm_elements(Lead.objects.get(pk=lead.pk), actor=rep)
    assert post(client, url + "/qualify").json()["status"] == "qualified"
    response = post(client, url + "/convert", {"title": "API opportunity"})
    assert response.status_code == 200
    body = response.json()
    assert body["lead"]["status"] == "converted"
    lead.refresh_from_db()
    assert str(lead.opportunities.get().pk) == body["opportunity_id"]
    response = post(client, url + "/convert")
    assert response.status_code == 409
    assert (
        response.json()["message"] == "“Convert to opportunity” is not possible while the lead is converted."
    )


def test_pool_claim_assign_and_return(
    api_client_for: Any, rep: Any, manager: Any, teammate: Any, org: Any
) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh)
    url = f"{BASE}/{lead.pk}"
    response = post(api_client_for(rep), url + "/assign", {"owner_id": rep.pk})
    assert response.status_code == 403
    assert response.json()["message"] == "Only a lead manager or sales manager of this unit may assign leads."
    assert post(api_client_for(rep), url + "/claim").json()["owner_id"] == rep.pk
    response = post(api_client_for(manager), url + "/assign", {"owner_id": teammate.pk})
    assert response.json()["message"] == "Give a reason for reassigning the lead."
    response = post(api_client_for(rep), url + "/return-to-pool", {"reason": "wrong territory"})
    assert response.json()["owner_id"] is None
    assert response.json()["status"] == LeadStatus.NEW
    response = post(api_client_for(manager), url + "/distribute")
    assert response.status_code == 422
    assert response.json()["message"] == "No distribution rule matched this lead; assign it by hand."


def test_nurturing_detail_lists_blocked_qualify(api_client_for: Any, rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    actions = {a["code"]: a for a in api_client_for(rep).get(f"{BASE}/{lead.pk}").json()["available_actions"]}
    assert actions["qualify"]["allowed"] is False
    assert actions["disqualify"]["allowed"] is True
    assert "validate" not in actions


def test_merge_through_the_api(api_client_for: Any, rep: Any, other_rep: Any) -> None:
    keep = make_lead(actor=rep, owner=rep, title="Keep")
    dup = make_lead(actor=rep, owner=rep, title="Dup", contact_email="d@x.test")
    theirs = make_lead(actor=other_rep, owner=other_rep, title="Theirs")
    client = api_client_for(rep)
    assert post(client, f"{BASE}/{keep.pk}/merge", {"merge_id": str(theirs.pk)}).status_code == 404
    body = post(client, f"{BASE}/{keep.pk}/merge", {"merge_id": str(dup.pk)}).json()
    assert body["contact_email"] == "d@x.test"
    assert Lead.objects.get(pk=dup.pk).status == LeadStatus.DISQUALIFIED
