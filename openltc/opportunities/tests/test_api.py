from __future__ import annotations

import json

import pytest

from openltc.opportunities import services
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_customer, make_opportunity

pytestmark = pytest.mark.django_db
BASE = "/api/v1/opportunities"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def test_list_and_get_respect_visibility(api_client_for, rep, other_rep):
    o = make_opportunity(rep)
    make_opportunity(other_rep)
    client = api_client_for(rep)
    body = client.get(BASE).json()
    assert body["count"] == 1
    assert body["items"][0]["number"] == o.number
    assert body["items"][0]["stage"] == "validating"
    assert client.get(f"{BASE}/{o.pk}").json()["customer_name"] == o.customer.name
    response = api_client_for(other_rep).get(f"{BASE}/{o.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "errors": [], "extra": {}}


def test_list_filters_and_pagination(api_client_for, rep):
    customer = make_customer(rep, rep.home_unit)
    for i in range(3):
        make_opportunity(rep, customer, title=f"Deal {i}")
    client = api_client_for(rep)
    body = client.get(BASE, {"page_size": 2, "page": 2}).json()
    assert (body["count"], body["pages"], len(body["items"])) == (3, 2, 1)
    assert client.get(BASE, {"q": "Deal 1"}).json()["count"] == 1
    assert client.get(BASE, {"stage": "lost"}).json()["count"] == 0


def test_list_query_count_is_constant(api_client_for, rep, django_assert_max_num_queries):
    customer = make_customer(rep, rep.home_unit)
    make_opportunity(rep, customer)
    client = api_client_for(rep)
    client.get(BASE)
    with django_assert_max_num_queries(12) as few:
        client.get(BASE)
    for i in range(10):
        make_opportunity(rep, customer, title=f"Deal {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE).json()["count"] == 11


def test_create(api_client_for, rep):
    customer = make_customer(rep, rep.home_unit)
    response = post(
        api_client_for(rep),
        BASE,
        {"customer_id": str(customer.pk), "title": "API deal", "amount": "1000.50", "currency": "usd"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "validating"
    assert body["probability"] == 10
    assert body["currency"] == "USD"
    assert body["owner_id"] == rep.pk
    assert body["org_unit_id"] == rep.home_unit_id
    assert body["lock_version"] == 1


def test_create_for_an_invisible_customer_is_refused_with_the_envelope(api_client_for, rep, other_rep):
    customer = make_customer(other_rep, other_rep.home_unit)
    response = post(api_client_for(rep), BASE, {"customer_id": str(customer.pk), "title": "X", "amount": "1"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "customer", "message": "Choose a customer you can see."}]


def test_create_with_bad_input_is_422(api_client_for, rep):
    response = post(api_client_for(rep), BASE, {"title": "", "amount": "-1"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_patch_with_stale_lock_version_is_409(api_client_for, rep):
    o = make_opportunity(rep)
    client = api_client_for(rep)
    ok = patch(client, f"{BASE}/{o.pk}", {"lock_version": 1, "title": "First"})
    assert ok.status_code == 200
    assert ok.json()["lock_version"] == 2
    stale = patch(client, f"{BASE}/{o.pk}", {"lock_version": 1, "title": "Second"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["extra"] == {"current_version": 2}
    assert Opportunity.objects.get(pk=o.pk).title == "First"


def test_patch_needs_lock_version(api_client_for, rep):
    o = make_opportunity(rep)
    response = patch(api_client_for(rep), f"{BASE}/{o.pk}", {"title": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lock_version"


def test_probability_and_forecast(api_client_for, rep):
    o = make_opportunity(rep)
    client = api_client_for(rep)
    response = post(client, f"{BASE}/{o.pk}/probability", {"probability": 50, "reason": "hope"})
    assert response.status_code == 422
    assert response.json()["message"] == (
        "In the stage “Validating (机会点验证)” the probability must stay between 0% and 20%."
    )
    assert (
        post(client, f"{BASE}/{o.pk}/probability", {"probability": 15, "reason": "ok"}).json()["probability"]
        == 15
    )
    body = post(client, f"{BASE}/{o.pk}/forecast-category", {"category": "best_case"}).json()
    assert body["forecast_category"] == "best_case"


def test_close_lost_and_abandon(api_client_for, rep):
    a = make_opportunity(rep)
    b = make_opportunity(rep, customer=a.customer)
    client = api_client_for(rep)
    refused = post(client, f"{BASE}/{a.pk}/close-lost", {"reason_code": "price"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "transition_refused"
    assert refused.json()["message"] == "Name the competitor who won."
    lost = post(client, f"{BASE}/{a.pk}/close-lost", {"reason_code": "price", "competitor": "Rival"})
    assert lost.json()["stage"] == "lost"
    assert post(client, f"{BASE}/{b.pk}/abandon", {"reason_code": "no_budget"}).json()["stage"] == "abandoned"


def test_advance_is_refused_until_gate_decisions_exist(api_client_for, rep):
    o = make_opportunity(rep)
    response = post(api_client_for(rep), f"{BASE}/{o.pk}/advance", {"to_stage": "initiated"})
    assert response.status_code == 409
    assert response.json()["message"] == ("This step needs an approved ATI decision.")
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING


def test_team_add_list_remove(api_client_for, rep, teammate):
    o = make_opportunity(rep)
    client = api_client_for(rep)
    added = post(client, f"{BASE}/{o.pk}/team", {"user_id": teammate.pk, "role": "fr"})
    assert added.status_code == 201
    member_id = added.json()["id"]
    assert {m["role"] for m in client.get(f"{BASE}/{o.pk}/team").json()} == {"ar", "fr"}
    assert api_client_for(teammate).get(f"{BASE}/{o.pk}").status_code == 200
    ar_id = o.team_members.get(role=TeamRole.AR).pk
    refused = client.delete(f"{BASE}/{o.pk}/team/{ar_id}")
    assert refused.status_code == 422
    assert refused.json()["message"] == "The AR cannot be removed while they own the opportunity."
    assert client.delete(f"{BASE}/{o.pk}/team/{member_id}").status_code == 204


def test_other_rep_cannot_write(api_client_for, rep, other_rep):
    o = make_opportunity(rep)
    client = api_client_for(other_rep)
    assert post(client, f"{BASE}/{o.pk}/abandon", {"reason_code": "price"}).status_code == 404
    assert patch(client, f"{BASE}/{o.pk}", {"lock_version": 1, "title": "x"}).status_code == 404


def test_pipeline_summary(api_client_for, rep):
    customer = make_customer(rep, rep.home_unit)
    make_opportunity(rep, customer, amount="100")
    make_opportunity(rep, customer, amount="50")
    make_opportunity(rep, customer, amount="7", currency="USD")
    lost = make_opportunity(rep, customer, amount="30")
    services.opportunity_close_lost(actor=rep, opportunity=lost, reason_code="price", competitor="X")
    rows = {r["stage"]: r for r in api_client_for(rep).get(f"{BASE}/pipeline").json()}
    assert rows["validating"]["count"] == 3
    assert rows["validating"]["amounts"] == [
        {"currency": "CNY", "total": "150.00"},
        {"currency": "USD", "total": "7.00"},
    ]
    assert rows["lost"]["count"] == 1
    assert rows["won"] == {"stage": "won", "label": "Won (赢单)", "count": 0, "amounts": []}
