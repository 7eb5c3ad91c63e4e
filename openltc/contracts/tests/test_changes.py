"""Change requests through ATAC, the receivable plan as the stable billing anchor, and closure
through ATCC: every move allowed and refused with its message, services, API and pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction

from openltc.contracts import billing, closure, conditions, services
from openltc.contracts.choices import ChangeStatus, ContractStatus, VersionStatus
from openltc.contracts.models import ContractChange, ContractLine, ContractVersion, ReceivablePlanLine
from openltc.contracts.tests.factories import LINES, MILESTONES, make_contract, reload
from openltc.contracts.tests.test_services import approve_gates, drive, events
from openltc.core.errors import Conflict, DomainError, NotFound, TransitionRefused

pytestmark = pytest.mark.django_db
BASE = "/api/v1/contracts"

# Price up: one more router (net +100000, tax +13000): total 279000 → 392000.
MORE_LINES = [{**LINES[0], "quantity": "3"}, LINES[1]]


def scan(name: str = "agreement.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def executing(rep: Any, admin: Any, executive: Any, monkeypatch: Any) -> Any:
    """A contract signed, archived, checked and executing (gates patched)."""
    approve_gates(monkeypatch)
    contract = drive(make_contract(rep), ContractStatus.ARCHIVED, actor=rep, admin=admin, signatory=executive)
    services.contract_confirm_receipt(
        actor=rep,
        contract=contract,
        received_amount=contract.total_gross,
        received_currency="CNY",
        milestones_match=True,
        obligations_match=True,
    )
    return services.contract_start_execution(actor=rep, contract=contract)


def only_contract_conditions(monkeypatch: Any) -> None:
    """Closure conditions of other apps are theirs to test; keep the contract's own here."""
    monkeypatch.setattr(closure, "_REGISTRY", {})
    conditions.register()


def plan_lines(contract: Any) -> list[ReceivablePlanLine]:
    return list(
        ReceivablePlanLine.objects.filter(contract=contract)
        .select_related("milestone__version")
        .order_by("milestone__position")
    )


# --- raising and editing a change request -------------------------------------------------------


def test_change_refused_before_signature(rep):
    contract = make_contract(rep)
    with pytest.raises(Conflict) as exc:
        services.change_request(actor=rep, contract=contract, data={"reason": "More routers"})
    assert exc.value.message == "Changes are requested on a signed, archived or executing contract."


def test_change_request_drafts_an_amendment_version(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    with pytest.raises(DomainError, match="Give the reason for the change."):
        services.change_request(actor=rep, contract=contract, data={"reason": "  "})
    change = services.change_request(
        actor=rep,
        contract=contract,
        data={"reason": "Customer orders a third router", "scope_impact": "One more router"},
        lines=MORE_LINES,
        milestones=MILESTONES,
    )
    contract = reload(contract)
    assert change.status == ChangeStatus.DRAFT
    assert change.number == f"{contract.number}-A1"
    assert change.amendment.number == 2
    assert change.amendment.status == VersionStatus.DRAFT
    assert change.amendment.total_gross == Decimal("392000.00")
    assert change.price_impact == Decimal("113000.00")
    # The contract, its current version and its plan are untouched until the agreement is signed.
    assert contract.current_version.number == 1
    assert contract.total_gross == Decimal("279000.00")
    assert [p.planned_amount for p in plan_lines(contract)] == [
        Decimal("83700.00"),
        Decimal("167400.00"),
        Decimal("27900.00"),
    ]
    assert events(contract, "contract.change_requested") == 1


def test_one_open_change_at_a_time(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "First"})
    with pytest.raises(Conflict) as exc:
        services.change_request(actor=rep, contract=contract, data={"reason": "Second"})
    assert exc.value.message == f"Change request {change.number} is still open; finish or withdraw it first."


def test_other_region_cannot_see_or_change(rep, other_rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    with pytest.raises(NotFound):
        services.change_request(actor=other_rep, contract=contract, data={"reason": "x"})
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Mine"})
    with pytest.raises(NotFound):
        services.change_withdraw(actor=other_rep, change=change, reason="not mine")


def test_submit_refused_when_nothing_changes(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "No idea yet"})
    with pytest.raises(TransitionRefused) as exc:
        services.change_submit(actor=rep, change=change)
    assert exc.value.message.startswith("Nothing changes: edit the lines or payment milestones")
    assert reload(contract).changes.get().status == ChangeStatus.DRAFT


def test_submit_refused_when_milestones_do_not_add_up(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Price"})
    with pytest.raises(DomainError, match="The payment milestones add up to"):
        services.change_update(
            actor=rep, change=change, data={}, milestones=[{**MILESTONES[0], "percentage": "50"}]
        )


def test_edit_only_while_drafting_and_sign_needs_atac(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    monkeypatch.setattr("openltc.contracts.selectors.gate_approved", lambda subject, gate: False)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Price"}, lines=MORE_LINES)
    case = services.change_submit(actor=rep, change=change)
    assert case.gate == "ATAC"
    change.refresh_from_db()
    assert change.status == ChangeStatus.IN_DECISION
    assert change.amendment.status == VersionStatus.LOCKED
    with pytest.raises(Conflict, match="Only a change request being drafted can be edited."):
        services.change_update(actor=rep, change=change, data={"reason": "Other"})
    with pytest.raises(TransitionRefused, match="Needs an approved ATAC decision."):
        services.change_sign(actor=rep, change=change, signed_on=datetime.date(2026, 11, 20))
    # The frozen amendment cannot be edited through the contract services either.
    with pytest.raises(Conflict, match="is locked for review and signing"):
        services.contract_lines_replace(actor=rep, contract=contract, lines=LINES, version=change.amendment)


def test_withdraw_needs_reason_and_discards_the_amendment(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Price"}, lines=MORE_LINES)
    with pytest.raises(TransitionRefused, match="Give the reason."):
        services.change_withdraw(actor=rep, change=change, reason=" ")
    change = services.change_withdraw(actor=rep, change=change, reason="Customer dropped it")
    assert change.status == ChangeStatus.WITHDRAWN
    amendment = ContractVersion.objects.get(pk=change.amendment_id)
    assert amendment.status == VersionStatus.DISCARDED
    with pytest.raises(TransitionRefused, match="cannot move from"):
        services.change_withdraw(actor=rep, change=change, reason="again")
    # The discarded amendment is immutable in the database.
    with pytest.raises(DatabaseError), transaction.atomic():
        ContractVersion.objects.filter(pk=amendment.pk).update(total_gross=Decimal("1.00"))
    # A new change request may follow.
    second = services.change_request(actor=rep, contract=contract, data={"reason": "Second try"})
    assert second.sequence == 2
    assert second.amendment.number == 3
    assert events(contract, "contract.change_withdrawn") == 1


# --- end to end through the decision engine -----------------------------------------------------


def test_atac_end_to_end(rep, finance, executive, admin_user, org, monkeypatch):
    """Change request → change review (opinions in the ATAC case) → ATAC decision → signed
    change agreement → the amendment is the current version; the plan lines stay the anchors."""
    from conftest import make_user
    from openltc.decisions import services as decisions
    from openltc.decisions.tests.factories import fill_checklist, make_body
    from openltc.org.roles import DecisionLevel, Role

    contract = executing(rep, admin_user, executive, monkeypatch)
    monkeypatch.undo()  # from here the real decision engine answers
    make_body(org.hq, DecisionLevel.COMPANY)
    before_plan = plan_lines(contract)
    services.receivable_trigger_record(
        actor=rep, contract=contract, plan_line_id=before_plan[1].pk, trigger_date=datetime.date(2026, 11, 10)
    )
    change = services.change_request(
        actor=rep,
        contract=contract,
        data={"reason": "Third router", "cash_impact": "Same terms", "margin_percent": Decimal("20")},
        lines=MORE_LINES,
    )
    case = services.change_submit(actor=rep, change=change)
    assert case.amount == Decimal("113000.00")  # routed on the size of the change
    assert "Third router" in case.summary
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    delivery = make_user("delivery1", (Role.DELIVERY_MANAGER, org.hq, None), home=org.hq)
    for reviewer, function in ((finance, "finance"), (delivery, "delivery")):
        decisions.opinion_record(actor=reviewer, case=case, function=function, verdict="agree", reasons="OK")
    with pytest.raises(TransitionRefused, match="Needs an approved ATAC decision."):
        services.change_sign(actor=rep, change=change, signed_on=datetime.date(2026, 11, 20))
    decisions.decision_record(actor=executive, case=case, outcome="approved", rationale="Worth it.")
    with pytest.raises(TransitionRefused, match="Give the date the change agreement was signed."):
        services.change_sign(actor=rep, change=change, signed_on=None)
    change = services.change_sign(
        actor=rep, change=change, signed_on=datetime.date(2026, 11, 20), agreement_reference="CA-1"
    )
    contract = reload(contract)
    assert change.status == ChangeStatus.SIGNED
    assert contract.current_version_id == change.amendment_id
    assert contract.current_version.status == VersionStatus.SIGNED
    assert contract.total_gross == Decimal("392000.00")
    assert contract.margin_percent == Decimal("20.00")
    old = ContractVersion.objects.get(pk=change.base_version_id)
    assert old.status == VersionStatus.SUPERSEDED
    after_plan = plan_lines(contract)
    # Same plan lines (the billing anchors), re-pointed to the amendment's milestones.
    assert [p.pk for p in after_plan] == [p.pk for p in before_plan]
    assert {p.milestone.version_id for p in after_plan} == {change.amendment_id}
    assert [p.planned_amount for p in after_plan] == [
        Decimal("117600.00"),
        Decimal("235200.00"),
        Decimal("39200.00"),
    ]
    assert after_plan[0].trigger_date == datetime.date(2026, 11, 2)  # signature of the contract
    assert after_plan[1].trigger_date == datetime.date(2026, 11, 10)  # kept
    assert events(contract, "contract.change_signed") == 1
    # The superseded version is immutable in the database.
    with pytest.raises(DatabaseError), transaction.atomic():
        ContractLine.objects.filter(version=old).update(description="tampered")
    # Version compare works on the amendment.
    from openltc.contracts.versions import version_content, versions_diff

    result = versions_diff(
        version_content(old, contract), version_content(contract.current_version, contract)
    )
    assert [r.change for r in result.lines] == ["changed", "same"]
    # The agreement is filed; the change is complete and a next one may be raised.
    with pytest.raises(TransitionRefused, match="Upload the scan of the signed change agreement."):
        services.change_archive(
            actor=rep, change=change, scan=None, archive_number="X", original_location="Safe"
        )
    change = services.change_archive(
        actor=rep, change=change, scan=scan(), archive_number="AR-CA-1", original_location="Safe"
    )
    assert change.status == ChangeStatus.ARCHIVED
    assert reload(contract).current_version.status == VersionStatus.ARCHIVED


# --- the receivable plan as the billing anchor --------------------------------------------------


def billed(amounts: dict[int, str]) -> Any:
    """A fake cash provider: billed amounts by plan-line position."""

    def provider(ids: Any) -> dict[Any, Decimal]:
        lines = ReceivablePlanLine.objects.filter(pk__in=list(ids)).select_related("milestone")
        return {
            line.pk: Decimal(amounts[line.milestone.position])
            for line in lines
            if line.milestone.position in amounts
        }

    return provider


def test_amendment_cannot_go_below_billed(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    monkeypatch.setattr(billing, "_provider", billed({1: "83700.00"}))
    cheaper = [{**LINES[0], "unit_price": "90000.00"}, LINES[1]]
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Discount"}, lines=cheaper)
    message = (
        "Milestone “1. Advance” has 83700.00 CNY billed; the amendment cannot bring it down to 76920.00."
    )
    with pytest.raises(TransitionRefused) as exc:
        services.change_submit(actor=rep, change=change)
    assert exc.value.message == message
    # Even if billing happens after the ATAC decision, signing is refused with the same reason.
    monkeypatch.setattr(billing, "_provider", None)
    monkeypatch.setattr("openltc.contracts.selectors.gate_approved", lambda subject, gate: True)
    services.change_submit(actor=rep, change=change)
    monkeypatch.setattr(billing, "_provider", billed({1: "83700.00"}))
    with pytest.raises(TransitionRefused) as exc:
        services.change_sign(actor=rep, change=change, signed_on=datetime.date(2026, 11, 20))
    assert exc.value.message == message
    assert reload(contract).current_version.number == 1


def test_amendment_cannot_remove_a_billed_line(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    monkeypatch.setattr(billing, "_provider", billed({3: "100.00"}))
    two = [MILESTONES[0], {**MILESTONES[1], "percentage": "70"}]
    change = services.change_request(actor=rep, contract=contract, data={"reason": "No retention"})
    services.change_update(actor=rep, change=change, data={}, milestones=two)
    with pytest.raises(TransitionRefused) as exc:
        services.change_submit(actor=rep, change=change)
    assert exc.value.message == (
        "Milestone “3. Retention” has 100.00 CNY billed; the amendment cannot remove it."
    )


def test_amendment_adds_and_removes_unbilled_lines(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    before = plan_lines(contract)
    four = [
        MILESTONES[0],
        {
            "kind": "shipment",
            "name": "Shipment",
            "percentage": "20",
            "trigger_event": "shipment",
            "due_days": 30,
        },
        {**MILESTONES[1], "percentage": "40"},
        MILESTONES[2],
    ]
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Shipment payment"})
    services.change_update(actor=rep, change=change, data={}, milestones=four)
    services.change_submit(actor=rep, change=change)
    services.change_sign(actor=rep, change=change, signed_on=datetime.date(2026, 11, 20))
    after = plan_lines(contract)
    assert len(after) == 4
    # Matched by kind: the acceptance and retention lines keep their ids; shipment is new.
    by_kind = {p.milestone.kind: p for p in after}
    assert by_kind["advance"].pk == before[0].pk
    assert by_kind["preliminary_acceptance"].pk == before[1].pk
    assert by_kind["retention"].pk == before[2].pk
    assert by_kind["shipment"].pk not in {p.pk for p in before}
    assert by_kind["preliminary_acceptance"].planned_amount == Decimal("111600.00")


def test_draft_edits_keep_plan_lines_in_place(rep):
    contract = make_contract(rep)
    before = [p.pk for p in plan_lines(contract)]
    services.contract_lines_replace(actor=rep, contract=contract, lines=MORE_LINES)
    assert [p.pk for p in plan_lines(contract)] == before
    assert plan_lines(contract)[0].planned_amount == Decimal("117600.00")


# --- closure through ATCC -----------------------------------------------------------------------


def test_atcc_refused_with_reasons_then_allowed(rep, admin_user, executive, finance, org, monkeypatch):
    from openltc.decisions import services as decisions
    from openltc.decisions.tests.factories import fill_checklist, make_body
    from openltc.org.roles import DecisionLevel

    contract = executing(rep, admin_user, executive, monkeypatch)
    monkeypatch.undo()
    only_contract_conditions(monkeypatch)
    make_body(org.hq, DecisionLevel.COMPANY)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "Open change"})
    with pytest.raises(Conflict) as exc:
        services.contract_open_atcc_case(actor=rep, contract=contract)
    assert exc.value.message == (
        f"Closure conditions are not met: Change request {change.number} is still open (Change being drafted)."
    )
    with pytest.raises(TransitionRefused, match="Closure conditions are not met"):
        services.contract_close(actor=rep, contract=contract)
    services.change_withdraw(actor=rep, change=change, reason="Not needed")
    case = services.contract_open_atcc_case(actor=rep, contract=contract)
    assert case.gate == "ATCC"
    with pytest.raises(TransitionRefused, match="Needs an approved ATCC decision."):
        services.contract_close(actor=rep, contract=contract)
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    assert case.required_reviews == ["finance"]
    decisions.opinion_record(actor=finance, case=case, function="finance", verdict="agree", reasons="ok")
    decisions.decision_record(actor=executive, case=case, outcome="approved", rationale="Done.")
    contract = services.contract_close(actor=rep, contract=contract)
    assert contract.status == ContractStatus.CLOSED
    assert events(contract, "contract.closed") == 1


def test_closure_conditions_name_the_unarchived_version(rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    only_contract_conditions(monkeypatch)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "x"}, lines=MORE_LINES)
    services.change_submit(actor=rep, change=change)
    services.change_sign(actor=rep, change=change, signed_on=datetime.date(2026, 11, 20))
    states = {s.code: s for s in closure.evaluate(reload(contract))}
    assert states["contracts.version_archived"].reasons == (
        "The current version 2 is not archived; file the signed original first.",
    )
    assert states["contracts.no_open_change"].reasons == (
        f"Change request {change.number} is still open (Change agreement signed (变更协议)).",
    )
    assert states["contracts.decision_conditions"].met


# --- API -----------------------------------------------------------------------------------------


def test_api_change_path(rep, other_rep, admin_user, executive, api_client_for, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    client = api_client_for(rep)
    url = f"{BASE}/{contract.pk}/changes"
    refused = client.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 422
    created = client.post(
        url, {"reason": "Third router", "lines": MORE_LINES}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amendment_version"] == 2
    assert body["price_impact"] == "113000.00"
    second = client.post(url, {"reason": "Another"}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["message"].startswith("Change request")
    assert api_client_for(other_rep).get(f"{url}/{body['id']}").status_code == 404
    patched = client.patch(
        f"{url}/{body['id']}", {"schedule_impact": "+2 weeks"}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert patched.json()["schedule_impact"] == "+2 weeks"
    submitted = client.post(f"{url}/{body['id']}/submit", {}, content_type="application/json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["change"]["status"] == "in_decision"
    signed = client.post(
        f"{url}/{body['id']}/sign", {"signed_on": "2026-11-20"}, content_type="application/json"
    )
    assert signed.status_code == 200, signed.content  # gates patched: ATAC approved
    assert client.get(f"{BASE}/{contract.pk}").json()["current_version"] == 2
    archived = client.post(
        f"{url}/{body['id']}/archive",
        {"scan": scan(), "archive_number": "AR-CA-1", "original_location": "Safe"},
    )
    assert archived.status_code == 200, archived.content
    assert archived.json()["status"] == "archived"
    assert len(client.get(f"{BASE}/{contract.pk}/plan").json()) == 3
    diff = client.get(f"{BASE}/{contract.pk}/diff?a=1&b=2").json()
    assert diff["has_changes"] is True


def test_api_closure_conditions_and_atcc(rep, admin_user, executive, api_client_for, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    only_contract_conditions(monkeypatch)
    client = api_client_for(rep)
    services.change_request(actor=rep, contract=contract, data={"reason": "Open"})
    states = client.get(f"{BASE}/{contract.pk}/closure-conditions").json()
    assert [s["met"] for s in states] == [True, False, True]
    refused = client.post(f"{BASE}/{contract.pk}/atcc-case", {}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["message"].startswith("Closure conditions are not met")
    closed = client.post(f"{BASE}/{contract.pk}/close", {}, content_type="application/json")
    assert closed.status_code == 409


# --- pages ---------------------------------------------------------------------------------------


def test_pages_change_path(client, rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    only_contract_conditions(monkeypatch)
    client.force_login(rep)
    page = client.get(f"/contracts/{contract.pk}/")
    assert page.status_code == 200
    assert "Request a change (ATAC)" in page.content.decode()
    assert "Closure conditions (ATCC)" in page.content.decode()
    form = client.get(f"/contracts/{contract.pk}/changes/new/")
    assert form.status_code == 200
    data = {
        "op": "save",
        "reason": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "milestones-TOTAL_FORMS": "3",
        "milestones-INITIAL_FORMS": "0",
    }
    for i, line in enumerate(MORE_LINES):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value
    for i, m in enumerate(MILESTONES):
        for key, value in m.items():
            data[f"milestones-{i}-{key}"] = value
    bad = client.post(f"/contracts/{contract.pk}/changes/new/", data)
    assert bad.status_code == 200
    assert ContractChange.objects.count() == 0
    data["reason"] = "Third router"
    ok = client.post(f"/contracts/{contract.pk}/changes/new/", data)
    change = ContractChange.objects.get()
    assert ok.status_code == 302
    assert ok["Location"] == f"/contracts/{contract.pk}/changes/{change.pk}/"
    detail = client.get(ok["Location"]).content.decode()
    assert "Third router" in detail
    assert "Submit for change review and the ATAC decision" in detail
    submitted = client.post(f"/contracts/{contract.pk}/changes/{change.pk}/submit_change/", {})
    assert submitted.status_code == 302
    assert "/decisions/" in submitted["Location"]
    signed = client.post(
        f"/contracts/{contract.pk}/changes/{change.pk}/sign_change/", {"signed_on": "2026-11-20"}
    )
    assert signed.status_code == 302
    assert reload(contract).current_version.number == 2
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f"{contract.number}-A1" in page
    assert "The current version 2 is not archived" in page
    refused = client.post(f"/contracts/{contract.pk}/atcc-case/")
    assert refused.status_code == 302
    assert refused["Location"] == f"/contracts/{contract.pk}/"


def test_change_pages_hidden_from_other_region(client, rep, other_rep, admin_user, executive, monkeypatch):
    contract = executing(rep, admin_user, executive, monkeypatch)
    change = services.change_request(actor=rep, contract=contract, data={"reason": "x"})
    client.force_login(other_rep)
    assert client.get(f"/contracts/{contract.pk}/changes/{change.pk}/").status_code == 404
    assert client.get(f"/contracts/{contract.pk}/changes/new/").status_code == 404


def test_a_change_on_a_contract_whose_version_is_still_a_draft_is_refused_not_a_server_error(rep):
    from openltc.contracts.models import Contract

    contract = make_contract(rep)
    Contract.objects.filter(pk=contract.pk).update(status="executing")
    contract.refresh_from_db()
    with pytest.raises(Conflict, match="still has a draft version"):
        services.change_request(actor=rep, contract=contract, data={"reason": "more routers"})
    assert not contract.changes.exists()
