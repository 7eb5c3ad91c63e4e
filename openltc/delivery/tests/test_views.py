"""Pages: list (filters, export), contract panel, workspace, record forms; errors shown, nothing
half-written; other regions get 404."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from openltc.contracts.models import ReceivablePlanLine
from openltc.delivery.models import DeliveryProject, PlanItem
from openltc.delivery.tests.factories import (
    ensure_defaults,
    make_item,
    make_project,
    plan_line,
    signed_contract,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db):
    ensure_defaults()


def test_contract_panel_sets_up_the_project(client, rep):
    contract = signed_contract(rep)
    client.force_login(rep)
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert "Set up the delivery project" in page.content.decode()
    response = client.post(
        reverse("delivery:create"), {"contract": contract.pk, "fr": rep.pk, "name": "Roll-out"}
    )
    project = DeliveryProject.objects.get()
    assert response.url == reverse("delivery:detail", args=[project.pk])
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert project.number in page.content.decode()


def test_list_search_filter_export_and_scope(client, rep, other_rep):
    project = make_project(rep, name="Metro roll-out")
    client.force_login(rep)
    body = client.get(reverse("delivery:list"), {"q": "Metro"}).content.decode()
    assert project.number in body
    assert project.number not in client.get(reverse("delivery:list"), {"status": "closed"}).content.decode()
    export = client.get(reverse("delivery:list"), {"export": "csv"})
    assert export.status_code == 200
    assert project.number in b"".join(export.streaming_content).decode("utf-8-sig")
    client.force_login(other_rep)
    assert project.number not in client.get(reverse("delivery:list")).content.decode()
    assert client.get(reverse("delivery:detail", args=[project.pk])).status_code == 404


def test_workspace_renders_every_section(client, rep):
    project = make_project(rep)
    make_item(rep, project, kind="milestone", name="PAC", plan_line=plan_line(project))
    client.force_login(rep)
    body = client.get(reverse("delivery:detail", args=[project.pk])).content.decode()
    for text in (
        "Integrated plan",
        "dl-gantt-data",
        "dl-heat-data",
        "Three-point (PERT)",
        "Earned value",
        "Quality reviews",
    ):
        assert text in body


def test_item_form_shows_errors_and_writes_nothing(client, rep):
    project = make_project(rep)
    client.force_login(rep)
    url = reverse("delivery:form", args=[project.pk, "item"])
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "stream": "rd",
            "kind": "task",
            "name": "Design",
            "owner": rep.pk,
            "planned_start": today,
            "planned_finish": today - datetime.timedelta(days=3),
            "status": "not_started",
            "progress": 0,
            "planned_value": 0,
            "plan_line": plan_line(project).pk,
        },
    )
    assert response.status_code == 422
    assert "Only a delivery milestone can be linked to a payment milestone." in response.content.decode()
    assert not PlanItem.objects.exists()


def test_acceptance_form_uploads_and_triggers(client, rep):
    project = make_project(rep)
    line = plan_line(project)
    item = make_item(rep, project, kind="milestone", plan_line=line)
    client.force_login(rep)
    client.post(reverse("delivery:form", args=[project.pk, "start"]), {})
    url = reverse("delivery:record_form", args=[project.pk, "accept", item.pk])
    bad = client.post(
        url,
        {
            "accepted_on": timezone.localdate(),
            "certificate_reference": "C-1",
            "evidence": SimpleUploadedFile("x.exe", b"MZ"),
        },
    )
    assert bad.status_code == 422
    assert "Files of type .exe are not accepted" in bad.content.decode()
    good = client.post(
        url,
        {
            "accepted_on": timezone.localdate(),
            "certificate_reference": "C-1",
            "evidence": SimpleUploadedFile("c.pdf", b"%PDF"),
        },
    )
    assert good.status_code == 302
    assert ReceivablePlanLine.objects.get(pk=line.pk).trigger_date == timezone.localdate()
    acceptance = PlanItem.objects.get(pk=item.pk).acceptance
    download = client.get(reverse("delivery:evidence", args=[project.pk, acceptance.pk]))
    assert download.status_code == 200


def test_view_only_roles_cannot_open_forms(client, rep, finance, other_rep):
    project = make_project(rep)
    client.force_login(finance)
    assert client.get(reverse("delivery:detail", args=[project.pk])).status_code == 200
    assert client.get(reverse("delivery:form", args=[project.pk, "risk"])).status_code == 404
    client.force_login(other_rep)
    assert client.get(reverse("delivery:form", args=[project.pk, "risk"])).status_code == 404
    client.force_login(rep)
    assert client.get(reverse("delivery:form", args=[project.pk, "nonsense"])).status_code == 404
