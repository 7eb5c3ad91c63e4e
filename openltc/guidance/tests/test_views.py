"""Pages: permissions (other region 404), forms with field errors, the panel on the opportunity."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from openltc.guidance import services
from openltc.guidance.models import (
    ActionItem,
    Activity,
    AppealsAnalysis,
    ChecklistItem,
    PlaybookTask,
    ValueMessage,
)
from openltc.guidance.tests.factories import opportunity_in, ratings

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def appeals_post(**overrides) -> dict[str, str]:
    data = {"competitors": "Rival A", "summary": "Performance decides."}
    for row in ratings():
        d = row["dimension"]
        data[f"{d}-weight"] = "12.5"
        data[f"{d}-our"] = "7"
        data[f"{d}-c0"] = "5"
        data[f"{d}-need"] = ""
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["opportunity", "appeals", "fabe", "activities"])
def test_guidance_pages_are_404_for_another_region(rep, other_rep, name):
    opportunity = opportunity_in("guiding", rep)
    url = f"/guidance/opportunity/{opportunity.pk}/" + ("" if name == "opportunity" else f"{name}/")
    assert client_for(rep).get(url).status_code == 200
    assert client_for(other_rep).get(url).status_code == 404


def test_opportunity_page_shows_the_guidance_panel(rep):
    opportunity = opportunity_in("guiding", rep)
    response = client_for(rep).get(f"/opportunities/{opportunity.pk}/")
    body = response.content.decode()
    assert "Customer guidance" in body
    assert "Guide the customer (before the tender)" in body
    assert "Key tasks: 0 of 8 done" in body


def test_ticking_on_the_page_with_htmx(rep):
    opportunity = opportunity_in("guiding", rep)
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    response = client_for(rep).post(
        f"/guidance/opportunity/{opportunity.pk}/tasks/{task.pk}/",
        {"done": "on", "note": "Wang Wu tips us off"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Wang Wu tips us off" in response.content.decode()
    item = ChecklistItem.objects.get(opportunity=opportunity, task=task)
    assert item.is_done
    assert item.done_by == rep


def test_view_only_people_see_no_tick_forms_and_cannot_tick(rep, finance):
    opportunity = opportunity_in("guiding", rep)
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    page = client_for(finance).get(f"/guidance/opportunity/{opportunity.pk}/").content.decode()
    assert f"/tasks/{task.pk}/" not in page
    response = client_for(finance).post(
        f"/guidance/opportunity/{opportunity.pk}/tasks/{task.pk}/", {"done": "on"}
    )
    assert response.status_code == 302
    assert not ChecklistItem.objects.filter(opportunity=opportunity, is_done=True).exists()


def test_appeals_form_saves_and_draws_the_radar(rep):
    opportunity = opportunity_in("guiding", rep)
    client = client_for(rep)
    response = client.post(
        f"/guidance/opportunity/{opportunity.pk}/appeals/",
        appeals_post(**{"performance-key": "on", "performance-need": "Low latency"}),
    )
    assert response.status_code == 302
    analysis = AppealsAnalysis.objects.get(opportunity=opportunity)
    assert analysis.ratings.get(dimension="performance").need == "Low latency"
    page = client.get(f"/guidance/opportunity/{opportunity.pk}/appeals/").content.decode()
    assert 'data-appeals-radar="appeals-radar-data"' in page
    assert "appeals.js" in page
    assert "Low latency" in page


def test_appeals_form_shows_the_weight_error_and_saves_nothing(rep):
    opportunity = opportunity_in("guiding", rep)
    response = client_for(rep).post(
        f"/guidance/opportunity/{opportunity.pk}/appeals/", appeals_post(**{"price-weight": "30"})
    )
    assert response.status_code == 422
    assert "The customer weights must add up to 100 (now 117.5)." in response.content.decode()
    assert not AppealsAnalysis.objects.exists()


def test_appeals_history_version_page(rep):
    opportunity = opportunity_in("guiding", rep)
    services.appeals_save(actor=rep, opportunity=opportunity, ratings=ratings(), competitors=["Rival A"])
    services.appeals_save(actor=rep, opportunity=opportunity, ratings=ratings(), competitors=["Rival A"])
    response = client_for(rep).get(f"/guidance/opportunity/{opportunity.pk}/appeals/1/")
    assert response.status_code == 200
    assert "superseded" in response.content.decode()
    assert client_for(rep).get(f"/guidance/opportunity/{opportunity.pk}/appeals/9/").status_code == 404


def test_fabe_form_adds_edits_and_deletes(rep):
    opportunity = opportunity_in("guiding", rep)
    client = client_for(rep)
    response = client.post(
        f"/guidance/opportunity/{opportunity.pk}/fabe/",
        {"need": "Uptime", "feature": "Dual controllers", "benefit": "No outage", "evidence": "Test report"},
    )
    assert response.status_code == 302
    message = ValueMessage.objects.get()
    response = client.post(
        f"/guidance/fabe/{message.pk}/edit/",
        {"need": "Uptime", "feature": "Dual controllers", "benefit": "No outage", "lock_version": "1"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.evidence == ""
    client.post(f"/guidance/fabe/{message.pk}/delete/")
    assert not ValueMessage.objects.exists()


def test_fabe_form_errors(rep):
    opportunity = opportunity_in("guiding", rep)
    response = client_for(rep).post(f"/guidance/opportunity/{opportunity.pk}/fabe/", {"need": "x"})
    assert response.status_code == 422
    assert not ValueMessage.objects.exists()


def test_meeting_with_actions_and_my_work(rep):
    opportunity = opportunity_in("guiding", rep)
    client = client_for(rep)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        f"/guidance/opportunity/{opportunity.pk}/activities/",
        {
            "kind": "project_meeting",
            "subject": "Weekly meeting",
            "held_at": "2026-11-20T10:00",
            "minutes": "Discussed the coach.",
            "action0-title": "Book the reference visit",
            "action0-owner": str(rep.pk),
            "action0-due": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert item.activity == Activity.objects.get()
    assert item.is_overdue
    from openltc.core.mywork import work_for

    labels = [str(w.label) for w in work_for(rep)]
    assert "My overdue action items" in labels
    listing = client.get("/guidance/actions/").content.decode()
    assert "Book the reference visit" in listing
    assert "overdue" in listing
    export = client.get("/guidance/actions/?owner=me&export=csv")
    assert export.status_code == 200
    response = client.post(f"/guidance/actions/{item.pk}/complete/", {"lock_version": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"


def test_activity_form_errors_change_nothing(rep):
    opportunity = opportunity_in("guiding", rep)
    response = client_for(rep).post(
        f"/guidance/opportunity/{opportunity.pk}/activities/",
        {"kind": "visit", "subject": "", "held_at": "2026-11-20T10:00", "action0-title": "No owner"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose who does it." in body
    assert not Activity.objects.exists()


def test_other_region_cannot_change_actions(rep, other_rep):
    opportunity = opportunity_in("guiding", rep)
    item = services.action_item_create(
        actor=rep, opportunity=opportunity, title="x", owner=rep, due_date=timezone.localdate()
    )
    assert client_for(other_rep).post(f"/guidance/actions/{item.pk}/complete/").status_code == 404


def test_playbooks_and_template_download(rep):
    client = client_for(rep)
    page = client.get("/guidance/playbooks/").content.decode()
    assert "Guide the customer (before the tender)" in page
    from openltc.guidance.models import DocumentTemplate

    template = DocumentTemplate.objects.get(name="Negotiation plan")
    response = client.get(f"/guidance/templates/{template.pk}/")
    assert response.status_code == 200
    assert "walk-away" in response.content.decode()


def test_pages_in_chinese(rep):
    opportunity = opportunity_in("guiding", rep)
    client = client_for(rep)
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    page = client.get(
        f"/guidance/opportunity/{opportunity.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "标前引导" in page
