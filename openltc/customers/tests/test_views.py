import datetime
import json

import pytest
from django.urls import reverse

from openltc.core.models import AuditEvent
from openltc.customers import services
from openltc.customers.models import Contact, ContactRelationship, Customer
from openltc.customers.tests.factories import make_contact, make_customer

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(org, rep):
    customer = make_customer(
        actor=rep, org_unit=org.sh_team, name="Acme Shanghai", tax_id="91310000MA1FL4XX3T"
    )
    boss = make_contact(
        customer=customer, name="Boss", management_level="decision", influence="high", stance=2
    )
    make_contact(customer=customer, name="Eng", reports_to=boss, is_coach=True, coach_functions=["tip_off"])
    return customer


def test_list_requires_login(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302


def test_list_shows_only_visible(client, org, rep, other_rep, acme):
    make_customer(actor=other_rep, org_unit=org.gz_team, name="Canton Power")
    client.force_login(other_rep)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    assert "Canton Power" in response.text
    assert "Acme Shanghai" not in response.text
    client.force_login(rep)
    response = client.get(reverse("customers:list"), {"q": "acme"})
    assert "Acme Shanghai" in response.text
    assert "Canton Power" not in response.text


def test_list_htmx_returns_results_fragment(client, rep, acme):
    client.force_login(rep)
    response = client.get(reverse("customers:list"), {"q": "acme"}, **HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Acme Shanghai" in response.text


def test_list_query_count_is_constant(client, org, rep, django_assert_max_num_queries):
    client.force_login(rep)
    for i in range(3):
        make_customer(actor=rep, org_unit=org.sh_team, name=f"C{i}")
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("customers:list"))
    for i in range(3, 30):
        make_customer(actor=rep, org_unit=org.sh_team, name=f"C{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("customers:list"))
    assert response.status_code == 200


def test_list_csv_export_follows_filters_and_visibility(client, org, rep, other_rep, acme):
    make_customer(actor=rep, org_unit=org.sh_team, name="Beta", lifecycle_status="active")
    make_customer(actor=other_rep, org_unit=org.gz_team, name="Canton Power")
    client.force_login(rep)
    response = client.get(reverse("customers:list"), {"export": "csv", "status": "prospect"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Acme Shanghai" in body
    assert "Beta" not in body
    assert "Canton Power" not in body


def test_detail_visibility(client, rep, other_rep, manager, acme):
    url = reverse("customers:detail", args=[acme.pk])
    client.force_login(other_rep)
    assert client.get(url).status_code == 404
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    data = json.loads(response.context["map_data"] and json.dumps(response.context["map_data"]))
    names = {n["name"] for n in data["nodes"] if not n.get("frame")}
    assert names == {"Boss", "Eng ★"}
    assert any(link["kind"] == "reports_line" for link in data["links"])
    assert 'id="org-map-data"' in response.text
    assert "<script>" not in response.text.replace('<script id="org-map-data" type="application/json">', "")


def test_detail_query_count(client, rep, acme, django_assert_max_num_queries):
    client.force_login(rep)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("customers:detail", args=[acme.pk])).status_code == 200


def test_create_customer_and_duplicate_warning(client, org, rep, acme):
    client.force_login(rep)
    url = reverse("customers:create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Acme Shanghai Co., Ltd.",
            "org_unit": org.sh_team.pk,
            "owner": rep.pk,
            "lifecycle_status": "prospect",
            "tax_id": "91310000MA1FL4XX3T",
        },
    )
    assert response.status_code == 200
    assert "Another customer already has this tax id." in response.text
    assert "Possible duplicates" in response.text
    response = client.post(
        url, {"name": "Gamma", "org_unit": org.sh_team.pk, "owner": rep.pk, "lifecycle_status": "active"}
    )
    gamma = Customer.objects.get(name="Gamma")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[gamma.pk])


def test_create_refuses_foreign_unit_as_form_error(client, org, rep, other_rep):
    client.force_login(rep)
    response = client.post(
        reverse("customers:create"),
        {"name": "X", "org_unit": org.sh_team.pk, "owner": other_rep.pk, "lifecycle_status": "active"},
    )
    assert response.status_code == 200
    assert "You may not create customers for this org unit and owner." in response.text
    assert not Customer.objects.filter(name="X").exists()


def test_edit_customer_and_stale_version(client, rep, other_rep, acme):
    url = reverse("customers:edit", args=[acme.pk])
    client.force_login(other_rep)
    assert client.get(url).status_code == 404
    client.force_login(rep)
    data = {
        "name": "Acme SH",
        "org_unit": acme.org_unit_id,
        "owner": rep.pk,
        "lifecycle_status": "active",
        "tax_id": acme.tax_id,
        "lock_version": 1,
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "name": "Again"})
    assert "changed by someone else" in response.text


def test_htmx_contact_create_and_errors(client, rep, acme):
    client.force_login(rep)
    url = reverse("customers:contact_create", args=[acme.pk])
    form = client.get(url, **HX)
    assert form.status_code == 200
    assert "<html" not in form.text
    bad = client.post(
        url,
        {
            "name": "Zed",
            "management_level": "operation",
            "stance": 0,
            "influence": "low",
            "coach_functions": ["tip_off"],
            "is_active": "on",
        },
        **HX,
    )
    assert "Only a coach has coach functions." in bad.text
    assert "HX-Retarget" not in bad
    ok = client.post(
        url,
        {
            "name": "Zed",
            "management_level": "operation",
            "stance": -1,
            "influence": "low",
            "buying_roles": ["user", "gatekeeper"],
            "is_active": "on",
        },
        **HX,
    )
    assert ok.status_code == 200
    assert ok["HX-Retarget"] == "#org-section"
    assert 'id="org-section"' in ok.text
    assert "Zed" in ok.text
    assert Contact.objects.get(name="Zed").buying_roles == ["user", "gatekeeper"]


def test_contact_edit_404_for_other_rep(client, rep, other_rep, acme):
    contact = acme.contacts.get(name="Boss")
    client.force_login(other_rep)
    assert client.get(reverse("customers:contact_edit", args=[contact.pk])).status_code == 404
    assert (
        client.post(reverse("customers:contact_stance", args=[contact.pk]), {"stance": 3}).status_code == 404
    )


def test_stance_quick_edit_from_map(client, rep, acme):
    contact = acme.contacts.get(name="Boss")
    client.force_login(rep)
    url = reverse("customers:contact_stance", args=[contact.pk])
    assert client.get(url, **HX).status_code == 200
    response = client.post(url, {"stance": -3, "influence": "low", "management_level": "decision"}, **HX)
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.stance == -3
    assert contact.influence == "low"
    assert AuditEvent.objects.filter(action="contact.updated", subject_id=str(contact.pk)).exists()


def test_relationship_add_and_remove(client, rep, other_rep, acme):
    boss, eng = acme.contacts.get(name="Boss"), acme.contacts.get(name="Eng")
    client.force_login(rep)
    url = reverse("customers:relationship_create", args=[acme.pk])
    response = client.post(url, {"source": eng.pk, "target": boss.pk, "kind": "influences"}, **HX)
    assert response.status_code == 200
    edge = ContactRelationship.objects.get()
    dup = client.post(url, {"source": eng.pk, "target": boss.pk, "kind": "influences"}, **HX)
    assert "This relationship is already on the map." in dup.text
    client.force_login(other_rep)
    assert client.post(reverse("customers:relationship_delete", args=[edge.pk])).status_code == 404
    client.force_login(rep)
    response = client.post(reverse("customers:relationship_delete", args=[edge.pk]), **HX)
    assert response.status_code == 200
    assert not ContactRelationship.objects.exists()


def test_plan_action_and_survey_forms(client, rep, acme):
    boss = acme.contacts.get(name="Boss")
    client.force_login(rep)
    response = client.post(
        reverse("customers:plan_create", args=[acme.pk]), {"contact": boss.pk, "objective": "Trust"}
    )
    assert response.status_code == 302
    plan = boss.relationship_plans.get()
    response = client.post(
        reverse("customers:action_create", args=[plan.pk]), {"title": "Visit", "due_date": "2026-01-05"}
    )
    assert response.status_code == 302
    action = plan.actions.get()
    client.post(reverse("customers:action_complete", args=[action.pk]), {"outcome": "ok"})
    action.refresh_from_db()
    assert action.status == "done"
    client.post(reverse("customers:plan_status", args=[plan.pk]), {"status": "achieved"})
    plan.refresh_from_db()
    assert plan.status == "achieved"
    bad = client.post(
        reverse("customers:survey_create", args=[acme.pk]), {"surveyed_on": "2026-02-01", "score": 0}
    )
    assert bad.status_code == 422
    ok = client.post(
        reverse("customers:survey_create", args=[acme.pk]), {"surveyed_on": "2026-02-01", "score": 9}
    )
    assert ok.status_code == 302
    assert acme.satisfaction_surveys.get().score == 9


def test_duplicates_page_and_merge(client, org, rep, manager, other_rep, acme):
    twin = make_customer(actor=rep, org_unit=org.sh_team, name="ACME Shanghai Co., Ltd.")
    client.force_login(manager)
    response = client.get(reverse("customers:duplicates"), {"name": "acme shanghai"})
    assert response.status_code == 200
    assert "ACME Shanghai Co., Ltd." in response.text
    merge_url = reverse("customers:merge", args=[acme.pk, twin.pk])
    client.force_login(other_rep)
    assert client.get(merge_url).status_code == 404
    client.force_login(manager)
    assert client.get(merge_url).status_code == 200
    response = client.post(merge_url)
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into == acme
    # The merged record's page leads to the survivor.
    response = client.get(reverse("customers:detail", args=[twin.pk]))
    assert response.status_code == 302


def test_duplicates_page_counts_hidden_matches(client, org, rep, other_rep, acme):
    make_customer(actor=other_rep, org_unit=org.gz_team, name="Acme Shanghai Ltd")
    client.force_login(rep)
    response = client.get(reverse("customers:duplicates"), {"name": "Acme Shanghai"})
    assert response.context["hidden"] == 1


def test_contact_merge_form(client, rep, acme):
    boss, eng = acme.contacts.get(name="Boss"), acme.contacts.get(name="Eng")
    client.force_login(rep)
    response = client.post(
        reverse("customers:contact_merge", args=[acme.pk]), {"keep": boss.pk, "merge": eng.pk}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["The contacts were merged into “Boss”."]
    eng.refresh_from_db()
    assert eng.merged_into == boss


def test_my_actions_page_and_work_items(client, rep, acme):
    from openltc.core.mywork import work_for

    plan = services.relationship_plan_create(
        actor=rep, contact=acme.contacts.first(), data={"objective": "T"}
    )
    services.relationship_action_create(
        actor=rep, plan=plan, data={"title": "Overdue call", "due_date": datetime.date(2020, 1, 1)}
    )
    client.force_login(rep)
    response = client.get(reverse("customers:actions"))
    assert "Overdue call" in response.text
    labels = [str(item.label) for item in work_for(rep)]
    assert "Overdue relationship actions" in labels
