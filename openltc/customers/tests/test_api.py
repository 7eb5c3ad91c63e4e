import json

import pytest

from openltc.customers.models import ContactRelationship, Customer
from openltc.customers.tests.factories import make_contact, make_customer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customers"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def acme(org, rep):
    customer = make_customer(
        actor=rep, org_unit=org.sh_team, name="Acme Shanghai", tax_id="91310000MA1FL4XX3T"
    )
    make_contact(customer=customer, name="Boss", management_level="decision", email="boss@acme.cn")
    make_contact(customer=customer, name="Eng", phone="13800001111")
    return customer


def test_list_paginated_and_restricted(api_client_for, org, rep, other_rep, acme):
    make_customer(actor=other_rep, org_unit=org.gz_team, name="Canton Power")
    response = api_client_for(rep).get(BASE, {"page_size": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [c["name"] for c in body["items"]] == ["Acme Shanghai"]
    assert api_client_for(rep).get(BASE, {"q": "13800001111"}).json()["count"] == 1
    assert api_client_for(rep).get(BASE, {"status": "active"}).json()["count"] == 0


def test_list_query_count(api_client_for, org, rep, django_assert_max_num_queries):
    client = api_client_for(rep)
    for i in range(25):
        make_customer(actor=rep, org_unit=org.sh_team, name=f"C{i}")
    with django_assert_max_num_queries(8):
        assert client.get(BASE, {"page_size": 20}).status_code == 200


def test_get_404_for_other_rep(api_client_for, other_rep, acme):
    response = api_client_for(other_rep).get(f"{BASE}/{acme.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_create_and_validation_envelope(api_client_for, org, rep, acme):
    client = api_client_for(rep)
    response = post(client, BASE, {"name": "Gamma", "lifecycle_status": "active"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_id"] == rep.pk
    assert body["org_unit_id"] == org.sh_team.pk
    dup = post(client, BASE, {"name": "Delta", "tax_id": "91310000MA1FL4XX3T"})
    assert dup.status_code == 422
    assert dup.json()["errors"][0]["field"] == "tax_id"
    bad = post(client, BASE, {"name": "Eps", "tax_id": "!!"})
    assert bad.status_code == 422
    unknown = post(client, BASE, {"name": "Eps", "tier_id": 99999})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "tier", "message": "No such record."}]
    assert not Customer.objects.filter(name__in=["Delta", "Eps"]).exists()


def test_patch_rules(api_client_for, rep, other_rep, finance, acme):
    client = api_client_for(rep)
    response = patch(client, f"{BASE}/{acme.pk}", {"name": "Acme SH", "lock_version": 1})
    assert response.status_code == 200
    assert response.json()["lock_version"] == 2
    stale = patch(client, f"{BASE}/{acme.pk}", {"name": "Again", "lock_version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert patch(api_client_for(other_rep), f"{BASE}/{acme.pk}", {"name": "X"}).status_code == 404
    assert api_client_for(finance).get(f"{BASE}/{acme.pk}").status_code == 200
    view_only = patch(api_client_for(finance), f"{BASE}/{acme.pk}", {"name": "X"})
    assert view_only.status_code == 404


def test_contacts_and_relationships(api_client_for, rep, other_rep, acme):
    client = api_client_for(rep)
    listing = client.get(f"{BASE}/{acme.pk}/contacts").json()
    assert listing["count"] == 2
    boss = next(c for c in listing["items"] if c["name"] == "Boss")
    created = post(
        client,
        f"{BASE}/{acme.pk}/contacts",
        {
            "name": "Wu",
            "reports_to_id": boss["id"],
            "buying_roles": ["technical"],
            "stance": 2,
            "is_coach": True,
            "coach_functions": ["quiet_support"],
        },
    )
    assert created.status_code == 201, created.content
    wu = created.json()
    bad = post(client, f"{BASE}/{acme.pk}/contacts", {"name": "Bad", "stance": 5})
    assert bad.status_code == 422
    updated = patch(client, f"{BASE}/contacts/{wu['id']}", {"stance": -1})
    assert updated.json()["stance"] == -1
    edge = post(
        client,
        f"{BASE}/{acme.pk}/relationships",
        {"source_id": wu["id"], "target_id": boss["id"], "kind": "rival"},
    )
    assert edge.status_code == 201, edge.content
    again = post(
        client,
        f"{BASE}/{acme.pk}/relationships",
        {"source_id": wu["id"], "target_id": boss["id"], "kind": "rival"},
    )
    assert again.status_code == 422
    assert again.json()["message"] == "This relationship is already on the map."
    assert len(client.get(f"{BASE}/{acme.pk}/relationships").json()) == 1
    other = api_client_for(other_rep)
    assert other.delete(f"{BASE}/relationships/{edge.json()['id']}").status_code == 404
    assert client.delete(f"{BASE}/relationships/{edge.json()['id']}").status_code == 204
    assert not ContactRelationship.objects.exists()
    assert other.get(f"{BASE}/{acme.pk}/contacts").status_code == 404


def test_duplicates_and_merge(api_client_for, org, rep, manager, other_rep, acme):
    twin = make_customer(actor=rep, org_unit=org.sh_team, name="ACME Shanghai Co., Ltd.")
    make_customer(actor=other_rep, org_unit=org.gz_team, name="Acme Shanghai Inc")
    client = api_client_for(manager)
    found = client.get(f"{BASE}/duplicates", {"name": "acme shanghai", "exclude_id": str(acme.pk)}).json()
    assert [c["name"] for c in found["items"]] == ["ACME Shanghai Co., Ltd."]
    assert found["hidden_count"] == 1
    itself = post(client, f"{BASE}/{acme.pk}/merge", {"merge_id": str(acme.pk)})
    assert itself.status_code == 422
    assert itself.json()["message"] == "A customer cannot be merged into itself."
    assert (
        post(api_client_for(other_rep), f"{BASE}/{acme.pk}/merge", {"merge_id": str(twin.pk)}).status_code
        == 404
    )
    merged = post(client, f"{BASE}/{acme.pk}/merge", {"merge_id": str(twin.pk)})
    assert merged.status_code == 200
    assert client.get(f"{BASE}/{twin.pk}").json()["merged_into_id"] == str(acme.pk)


def test_contact_merge(api_client_for, rep, acme):
    client = api_client_for(rep)
    boss, eng = acme.contacts.get(name="Boss"), acme.contacts.get(name="Eng")
    response = post(
        client, f"{BASE}/{acme.pk}/contacts/merge", {"keep_id": str(boss.pk), "merge_id": str(eng.pk)}
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "13800001111"
    again = post(
        client, f"{BASE}/{acme.pk}/contacts/merge", {"keep_id": str(boss.pk), "merge_id": str(eng.pk)}
    )
    assert again.status_code == 409
