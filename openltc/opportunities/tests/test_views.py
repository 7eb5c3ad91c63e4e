from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from openltc.opportunities import services
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_customer, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def test_list_shows_only_visible_opportunities(client_for, rep, other_rep):
    mine = make_opportunity(rep, title="Mine")
    theirs = make_opportunity(other_rep, title="Theirs")
    response = client_for(rep).get(reverse("opportunities:list"))
    assert response.status_code == 200
    assert mine.number.encode() in response.content
    assert theirs.number.encode() not in response.content


def test_list_search_and_filters(client_for, rep):
    a = make_opportunity(rep, title="Alpha router", expected_close_date=datetime.date(2027, 5, 3))
    b = make_opportunity(rep, title="Beta cloud")
    services.opportunity_abandon(actor=rep, opportunity=b, reason_code="low_value")
    client = client_for(rep)
    body = client.get(reverse("opportunities:list"), {"q": "alpha"}).content
    assert a.number.encode() in body
    assert b.number.encode() not in body
    body = client.get(reverse("opportunities:list"), {"stage": "abandoned"}).content
    assert b.number.encode() in body
    assert a.number.encode() not in body
    body = client.get(reverse("opportunities:list"), {"close_month": "2027-05"}).content
    assert a.number.encode() in body
    assert b.number.encode() not in body
    body = client.get(reverse("opportunities:list"), {"close_month": "garbage"}).content
    assert a.number.encode() in body


def test_list_query_count_is_constant(client_for, rep, django_assert_max_num_queries):
    customer = make_customer(rep, rep.home_unit)
    make_opportunity(rep, customer)
    client = client_for(rep)
    client.get(reverse("opportunities:list"))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("opportunities:list"))
    for i in range(15):
        make_opportunity(rep, customer, title=f"Deal {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("opportunities:list"))
    assert response.content.count(b"OPP-") >= 16


def test_board_query_count_is_constant_and_cards_are_draggable(
    client_for, rep, django_assert_max_num_queries
):
    customer = make_customer(rep, rep.home_unit)
    make_opportunity(rep, customer)
    client = client_for(rep)
    client.get(reverse("opportunities:board"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("opportunities:board"))
    for i in range(10):
        make_opportunity(rep, customer, title=f"Deal {i}", currency="USD" if i % 2 else "CNY")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("opportunities:board"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('draggable="true"') == 11  # drag to move; the gates still decide
    assert "ATI" in body
    assert "ATB" in body
    assert "ATC" in body


def test_detail_visibility(client_for, rep, teammate, other_rep, manager):
    o = make_opportunity(rep)
    url = reverse("opportunities:detail", args=[o.pk])
    assert client_for(other_rep).get(url).status_code == 404
    assert client_for(teammate).get(url).status_code == 404
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    assert client_for(teammate).get(url).status_code == 200
    assert client_for(manager).get(url).status_code == 200


def test_detail_shows_stage_path_checklist_and_the_gate_refusal(client_for, rep):
    o = make_opportunity(rep)
    body = client_for(rep).get(reverse("opportunities:detail", args=[o.pk])).content.decode()
    assert "This step needs an approved ATI decision." in body
    assert "Iron triangle on the team (AR, SR, FR)" in body
    assert reverse("opportunities:close_lost", args=[o.pk]) in body
    assert reverse("history", args=["opportunities", "opportunity", o.pk]) in body


def test_create_via_form(client_for, rep):
    customer = make_customer(rep, rep.home_unit)
    response = client_for(rep).post(
        reverse("opportunities:create"),
        {
            "customer": customer.pk,
            "title": "Campus Wi-Fi",
            "amount": "250000",
            "currency": "cny",
            "org_unit": rep.home_unit.pk,
        },
    )
    o = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("opportunities:detail", args=[o.pk])
    assert (o.owner, o.currency, o.stage) == (rep, "CNY", Stage.VALIDATING)


def test_create_form_offers_only_visible_customers(client_for, rep, other_rep):
    theirs = make_customer(other_rep, other_rep.home_unit, "Theirs Ltd")
    make_customer(rep, rep.home_unit, "Mine Ltd")
    client = client_for(rep)
    page = client.get(reverse("opportunities:create")).content.decode()
    assert "Mine Ltd" in page
    assert "Theirs Ltd" not in page
    response = client.post(
        reverse("opportunities:create"),
        {"customer": theirs.pk, "title": "X", "amount": "1", "currency": "CNY", "org_unit": rep.home_unit.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Opportunity.objects.exists()


def test_edit_with_stale_version_shows_the_conflict(client_for, rep):
    o = make_opportunity(rep)
    services.opportunity_update(actor=rep, opportunity=o, data={"title": "Changed"}, expected_version=1)
    response = client_for(rep).post(
        reverse("opportunities:edit", args=[o.pk]),
        {"title": "Mine", "amount": "5", "currency": "CNY", "lock_version": "1"},
    )
    assert response.status_code == 200
    assert "This record was changed by someone else" in response.content.decode()
    assert Opportunity.objects.get(pk=o.pk).title == "Changed"


def test_edit_is_not_found_for_a_viewer_without_change_rights(client_for, rep, finance):
    o = make_opportunity(rep)
    assert client_for(finance).get(reverse("opportunities:detail", args=[o.pk])).status_code == 200
    assert client_for(finance).get(reverse("opportunities:edit", args=[o.pk])).status_code == 404


def test_close_lost_form(client_for, rep):
    o = make_opportunity(rep)
    client = client_for(rep)
    url = reverse("opportunities:close_lost", args=[o.pk])
    response = client.post(url, {"reason_code": "price", "competitor": "", "lock_version": o.lock_version})
    assert response.status_code == 200
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING
    response = client.post(
        url, {"reason_code": "price", "competitor": "Rival", "lock_version": o.lock_version}
    )
    assert response.status_code == 302
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.LOST


def test_abandon_form_shows_workflow_refusal(client_for, rep):
    o = make_opportunity(rep)
    response = client_for(rep).post(
        reverse("opportunities:abandon", args=[o.pk]), {"reason_code": "other", "note": ""}
    )
    assert response.status_code == 200
    assert "Explain the reason in the note when the reason is “Other”." in response.content.decode()


def test_probability_form_refuses_outside_the_band(client_for, rep):
    o = make_opportunity(rep)
    response = client_for(rep).post(
        reverse("opportunities:probability", args=[o.pk]), {"probability": "90", "reason": "hope"}
    )
    assert response.status_code == 200
    assert "the probability must stay between 0% and 20%" in response.content.decode()


def test_team_add_and_remove(client_for, rep, teammate):
    o = make_opportunity(rep)
    client = client_for(rep)
    response = client.post(
        reverse("opportunities:team_add", args=[o.pk]), {"user": teammate.pk, "role": "sr"}
    )
    assert response.status_code == 302
    member = o.team_members.get(user=teammate)
    response = client.post(reverse("opportunities:team_remove", args=[o.pk, member.pk]))
    assert response.status_code == 302
    assert not o.team_members.filter(user=teammate).exists()


def test_other_rep_cannot_post_actions(client_for, rep, other_rep):
    o = make_opportunity(rep)
    client = client_for(other_rep)
    assert (
        client.post(reverse("opportunities:abandon", args=[o.pk]), {"reason_code": "price"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("opportunities:team_add", args=[o.pk]), {"user": other_rep.pk, "role": "sr"}
        ).status_code
        == 404
    )
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING


def test_csv_export_contains_visible_rows_only(client_for, rep, other_rep):
    mine = make_opportunity(rep, title="=HYPERLINK(1)")
    theirs = make_opportunity(other_rep)
    response = client_for(rep).get(reverse("opportunities:list"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert mine.number in body
    assert theirs.number not in body
    assert "'=HYPERLINK(1)" in body


def test_my_work_lists_overdue_and_stuck(client_for, rep):
    o = make_opportunity(rep, expected_close_date=timezone.localdate() - datetime.timedelta(days=3))
    Opportunity.objects.filter(pk=o.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=365))
    body = client_for(rep).get(reverse("home")).content.decode()
    assert "My open opportunities past their expected close date" in body
    assert "My opportunities longer in their stage than the norm" in body
    listed = client_for(rep).get(reverse("opportunities:list"), {"owner": "me", "overdue": "1"}).content
    assert o.number.encode() in listed


def test_amounts_render(client_for, rep):
    make_opportunity(rep, amount=Decimal("1234567.50"))
    assert b"1,234,567.50" in client_for(rep).get(reverse("opportunities:list")).content


def test_xlsx_export(client_for, rep):
    make_opportunity(rep)
    response = client_for(rep).get(reverse("opportunities:list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_admin_edits_stage_settings_but_only_views_opportunities(client_for, admin_user, rep):
    from openltc.opportunities.models import StageSetting

    o = make_opportunity(rep)
    client = client_for(admin_user)
    assert client.get("/admin/opportunities/stagesetting/").status_code == 200
    setting = StageSetting.objects.get(stage="validating")
    assert client.get(f"/admin/opportunities/stagesetting/{setting.pk}/change/").status_code == 200
    assert client.get("/admin/opportunities/opportunity/").status_code == 200
    response = client.post(
        f"/admin/opportunities/opportunity/{o.pk}/change/", {"stage": "won", "title": "forced"}
    )
    assert response.status_code == 403
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING
    assert client.get("/admin/opportunities/opportunity/add/").status_code == 403


def test_probability_form_starts_from_the_current_value(client_for, rep):
    o = make_opportunity(rep)
    body = client_for(rep).get(reverse("opportunities:probability", args=[o.pk])).content.decode()
    assert 'name="probability" value="10"' in body
    assert f'name="lock_version" value="{o.lock_version}"' in body


def test_list_filters_answer_htmx_with_the_table_only(client_for, rep):
    o = make_opportunity(rep, title="Gamma")
    response = client_for(rep).get(reverse("opportunities:list"), {"q": "gamma"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert o.number in body
