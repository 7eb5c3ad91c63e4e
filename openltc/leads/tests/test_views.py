"""Lead pages: visibility, the actions through the browser, HTMX fragments, export, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openltc.leads.choices import LeadStatus
from openltc.leads.models import Lead, NurturingCriterion
from openltc.leads.tests.factories import make_lead, nurturing_lead, qualified_lead

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_visible_leads_only(rep: Any, other_rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Mine")
    make_lead(actor=other_rep, owner=other_rep, title="Theirs")
    response = client_for(rep).get(reverse("leads:list"))
    assert response.status_code == 200
    assert "Mine" in response.text
    assert "Theirs" not in response.text


def test_list_query_count_is_constant(rep: Any, django_assert_max_num_queries: Any) -> None:
    client = client_for(rep)
    for i in range(3):
        make_lead(actor=rep, owner=rep, title=f"L{i}")
    client.get(reverse("leads:list"))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("leads:list"))
    for i in range(20):
        make_lead(actor=rep, owner=rep, title=f"M{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("leads:list"))
    assert "M19" in response.text


def test_list_htmx_returns_table_fragment(rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Alpha")
    response = client_for(rep).get(reverse("leads:list") + "?q=alp", **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Alpha" in response.text


def test_export_csv_and_xlsx(rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Exported", contact_email="x@y.test")
    response = client_for(rep).get(reverse("leads:list") + "?export=csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    assert "Exported" in body
    assert "x@y.test" in body
    response = client_for(rep).get(reverse("leads:list") + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_board(rep: Any, django_assert_max_num_queries: Any) -> None:
    nurturing_lead(owner=rep, title="On the board")
    for i in range(3):
        make_lead(actor=rep, owner=rep, title=f"New {i}")
    client = client_for(rep)
    client.get(reverse("leads:board"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("leads:board"))
    assert response.status_code == 200
    assert "On the board" in response.text
    assert '<span class="badge">3</span>' in response.text


def test_detail_visibility(rep: Any, other_rep: Any, manager: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    assert client_for(rep).get(reverse("leads:detail", args=[lead.pk])).status_code == 200
    assert client_for(manager).get(reverse("leads:detail", args=[lead.pk])).status_code == 200
    assert client_for(other_rep).get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    assert client_for(other_rep).post(reverse("leads:action", args=[lead.pk, "qualify"])).status_code == 404


def test_detail_shows_score_explanation_checklist_and_actions(rep: Any) -> None:
    lead = nurturing_lead(owner=rep, title="Detailed")
    response = client_for(rep).get(reverse("leads:detail", args=[lead.pk]))
    text = response.text
    assert "The lead fits our strategy" in text
    assert NurturingCriterion.objects.first().text_en in text
    assert "Qualify" in text
    assert "disabled" in text
    assert "5 of the nurturing checklist criteria are not met yet." in text


def test_create_and_edit(rep: Any) -> None:
    client = client_for(rep)
    response = client.post(
        reverse("leads:create"),
        {
            "title": "From the form",
            "source": "visit",
            "company_name": "Form Co",
            "currency": "CNY",
            "owner": rep.pk,
        },
    )
    lead = Lead.objects.get(title="From the form")
    assert response.status_code == 302
    assert lead.owner == rep
    assert lead.org_unit == rep.home_unit
    response = client.post(
        reverse("leads:edit", args=[lead.pk]),
        {
            "title": "Renamed",
            "source": "visit",
            "company_name": "Form Co",
            "currency": "CNY",
            "lock_version": lead.lock_version,
            **{f"{k}_status": "unconfirmed" for k in ("pain", "solution", "relationship", "budget")},
        },
    )
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).title == "Renamed"


def test_create_form_shows_domain_error(rep: Any) -> None:
    response = client_for(rep).post(
        reverse("leads:create"), {"title": "No company", "source": "visit", "currency": "CNY"}
    )
    assert response.status_code == 200
    assert "Choose an existing customer or give the prospect&#x27;s company name." in response.text


def test_htmx_disqualify_without_reason_shows_refusal(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    response = client_for(rep).post(
        reverse("leads:action", args=[lead.pk, "disqualify"]), {"reason": ""}, **HTMX
    )
    assert response.status_code == 200
    assert "Choose a reason for disqualifying the lead." in response.text
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_browser_flow_validate_accept_check_activity(rep: Any) -> None:
    client = client_for(rep)
    lead = make_lead(actor=rep, owner=rep)
    client.post(reverse("leads:validate", args=[lead.pk]), {"strategic_fit": "fit", "maturity": "warm"})
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.VALIDATING
    response = client.post(reverse("leads:action", args=[lead.pk, "accept"]), **HTMX)
    assert response.status_code == 200
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NURTURING
    criterion = NurturingCriterion.objects.first()
    client.post(reverse("leads:criterion", args=[lead.pk, criterion.pk]), {"checked": "on"}, **HTMX)
    assert lead.checks.get(criterion=criterion).checked
    client.post(
        reverse("leads:activity", args=[lead.pk]),
        {"kind": "call", "occurred_at": "2026-01-05T10:00", "summary": "Intro", "outcome": "positive"},
    )
    assert lead.activities.count() == 1


def test_convert_redirects_to_the_opportunity(rep: Any) -> None:
    lead = qualified_lead(owner=rep)
    response = client_for(rep).post(reverse("leads:convert", args=[lead.pk]), {"title": "", "currency": ""})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    opportunity = lead.opportunities.get()
    assert response["Location"] == reverse("opportunities:detail", args=[opportunity.pk])


def test_bulk_assign_all_or_nothing(manager: Any, rep: Any, teammate: Any, org: Any) -> None:
    pool = make_lead(actor=manager, org_unit=org.sh, title="Pool")
    owned = make_lead(actor=rep, owner=rep, title="Owned")
    client = client_for(manager)
    response = client.post(
        reverse("leads:bulk"),
        {"action": "assign", "ids": [pool.pk, owned.pk], "owner": teammate.pk},
        follow=True,
    )
    assert "No lead was changed: 1 of 2 leads could not be assigned." in response.text
    assert "Owned: Give a reason for reassigning the lead." in response.text
    assert Lead.objects.get(pk=pool.pk).owner is None
    client.post(
        reverse("leads:bulk"),
        {"action": "assign", "ids": [pool.pk, owned.pk], "owner": teammate.pk, "reason": "rebalance"},
    )
    assert set(Lead.objects.values_list("owner", flat=True)) == {teammate.pk}


@pytest.mark.parametrize("action", ["claim", "distribute"])
def test_pool_actions(action: str, rep: Any, manager: Any, org: Any) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh)
    user = rep if action == "claim" else manager
    response = client_for(user).post(reverse("leads:action", args=[lead.pk, action]), follow=True)
    assert response.status_code == 200
    if action == "claim":
        assert Lead.objects.get(pk=lead.pk).owner == rep
    else:
        assert "No distribution rule matched this lead; assign it by hand." in response.text


def test_my_work_on_home_page(rep: Any) -> None:
    make_lead(actor=rep, owner=rep)
    response = client_for(rep).get(reverse("home"))
    assert "Leads awaiting first contact" in response.text


def test_pages_render_in_chinese(rep: Any) -> None:
    lead = nurturing_lead(owner=rep, title="中文页面")
    client = client_for(rep)
    client.cookies["django_language"] = "zh-hans"
    detail = client.get(reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "线索四要素" in detail.text
    assert "培育中" in detail.text
    listing = client.get(reverse("leads:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "录入线索" in listing.text
    assert client.get(reverse("leads:board"), HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200


def test_saved_view_round_trip(rep: Any) -> None:
    client = client_for(rep)
    client.post(
        reverse("saved_views:save"),
        {"list_key": "leads", "name": "Hot ones", "query_string": "maturity=hot&page=3&bogus=1"},
    )
    response = client.get(reverse("leads:list"))
    assert "Hot ones" in response.text
    assert "?maturity=hot" in response.text


def test_date_pickers_render_iso_values_in_chinese(rep: Any) -> None:
    """The Chinese locale's default formats (2026/05/31) are not values a date picker accepts; the
    edit page would show empty dates and saving would clear them."""
    import datetime

    from django.utils import timezone, translation

    from openltc.leads.forms import LeadActivityForm

    lead = make_lead(actor=rep, owner=rep, title="Dated", expected_date=datetime.date(2026, 5, 31))
    with translation.override("zh-hans"):
        page = client_for(rep).get(reverse("leads:edit", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        at = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=timezone.get_current_timezone())
        form = LeadActivityForm(initial={"occurred_at": at})
        rendered = str(form["occurred_at"])
    assert 'value="2026-05-31"' in page.text
    assert 'value="2026-05-01T09:30"' in rendered
