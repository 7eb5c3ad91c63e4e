"""The main delivery flow in a browser: set up the project from the contract page, plan a
delivery milestone linked to a payment milestone, start, record the customer's acceptance with
its evidence file, and see the payment milestone become billable; charts render without errors."""

from __future__ import annotations

import pytest
from django.utils import timezone

from openltc.contracts.models import ReceivablePlanLine
from openltc.delivery.models import DeliveryProject
from openltc.delivery.tests.factories import ensure_defaults, signed_contract

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_set_up_plan_and_accept_a_milestone(journey, rep, tmp_path):
    ensure_defaults()  # transactional tests flush the migration rows
    contract = signed_contract(rep)
    j = journey()
    j.login("rep")
    j.goto(f"/contracts/{contract.pk}/")
    j.page.select_option("#delivery-panel-h ~ form select[name=fr]", str(rep.pk))
    j.shot("contract-panel")
    j.page.click("text=Set up the delivery project")
    j.page.wait_for_url("**/delivery/*/")
    project = DeliveryProject.objects.get(contract=contract)
    assert project.number in j.page.locator("h1").inner_text()

    j.page.click("text=Add a task or delivery milestone")
    today = timezone.localdate().isoformat()
    line = ReceivablePlanLine.objects.get(contract=contract, milestone__position=2)
    j.page.select_option("#id_stream", "engineering")
    j.page.select_option("#id_kind", "milestone")
    j.page.fill("#id_name", "Preliminary acceptance")
    j.page.select_option("#id_owner", str(rep.pk))
    j.page.fill("#id_planned_start", today)
    j.page.fill("#id_planned_finish", today)
    j.page.select_option("#id_plan_line", str(line.pk))
    j.shot("milestone-form")
    j.page.click("button.primary")
    j.page.wait_for_url(f"**/delivery/{project.pk}/")

    j.page.click("a.button-link:has-text('Start execution')")
    j.page.click("button.primary")
    j.page.wait_for_url(f"**/delivery/{project.pk}/")
    j.page.click("text=Record acceptance")
    j.page.fill("#id_accepted_on", today)
    j.page.fill("#id_certificate_reference", "PAC-2026-01")
    evidence = tmp_path / "pac-certificate.pdf"
    evidence.write_bytes(b"%PDF-1.4 signed")
    j.page.set_input_files("#id_evidence", str(evidence))
    j.shot("acceptance-form")
    j.page.click("button.primary")
    j.page.wait_for_url(f"**/delivery/{project.pk}/")
    assert "pac-certificate.pdf" in j.page.content()
    assert j.page.locator("#dl-gantt canvas").count() >= 1  # ECharts drew the timeline
    assert j.page.locator("#dl-heat canvas").count() >= 1  # and the risk heat map
    j.shot("workspace")
    line.refresh_from_db()
    assert line.trigger_date == timezone.localdate()
    assert j.console_errors == []
