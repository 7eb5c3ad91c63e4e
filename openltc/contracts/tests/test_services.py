"""Contract services: state, audit events, and each refusal with its exact message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction

from openltc.contracts import services
from openltc.contracts.choices import CheckResult, ContractStatus, VersionStatus
from openltc.contracts.models import ContractLine, ContractVersion, CountersignStep, ReceivablePlanLine
from openltc.contracts.tests.factories import LINES, MILESTONES, make_contract, make_customer, reload
from openltc.contracts.versions import version_content, versions_diff
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def events(contract: Any, action: str) -> int:
    return AuditEvent.objects.filter(subject_id=str(contract.pk), action=action).count()


def approve_gates(monkeypatch: Any) -> None:
    monkeypatch.setattr("openltc.contracts.selectors.gate_approved", lambda contract, gate: True)


def review_all(contract: Any, reviewer: Any) -> None:
    for function in ("legal", "finance", "delivery", "credit"):
        services.review_opinion_give(actor=reviewer, contract=contract, function=function, verdict="agree")


def drive(contract: Any, target: str, *, actor: Any, admin: Any, signatory: Any) -> Any:
    """Moves a draft contract along the main path up to ``target`` (gates must be patched)."""
    steps = [
        ContractStatus.UNDER_REVIEW,
        ContractStatus.AWAITING_ATC,
        ContractStatus.COUNTERSIGN,
        ContractStatus.SEAL,
        ContractStatus.SIGNED,
        ContractStatus.ARCHIVED,
    ]
    for step in steps[: steps.index(target) + 1]:
        if step == ContractStatus.UNDER_REVIEW:
            services.contract_submit(actor=actor, contract=contract)
        elif step == ContractStatus.AWAITING_ATC:
            review_all(contract, admin)
            services.contract_complete_review(actor=actor, contract=contract)
        elif step == ContractStatus.COUNTERSIGN:
            services.contract_start_countersign(actor=actor, contract=contract)
        elif step == ContractStatus.SEAL:
            for s in CountersignStep.objects.filter(contract=contract).order_by("sequence"):
                services.countersign_sign_off(actor=admin, contract=contract, step_id=s.pk)
            services.contract_request_seal(actor=actor, contract=contract, signatory=signatory)
        elif step == ContractStatus.SIGNED:
            services.contract_record_seal(
                actor=actor, contract=contract, signed_on=datetime.date(2026, 11, 2)
            )
        elif step == ContractStatus.ARCHIVED:
            services.contract_archive(
                actor=actor,
                contract=contract,
                scan=SimpleUploadedFile("signed.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
                archive_number="AR-2026-001",
                original_location="Shanghai office safe",
            )
    return reload(contract)


# --- create, totals, numbering ------------------------------------------------------------------


def test_create_issues_number_version_and_totals(rep):
    contract = reload(make_contract(rep))
    assert contract.number.startswith("CT-")
    assert contract.number.endswith("-00001")
    assert contract.status == ContractStatus.DRAFT
    assert contract.current_version.number == 1
    assert contract.current_version.status == VersionStatus.DRAFT
    assert (contract.total_net, contract.total_tax, contract.total_gross) == (
        Decimal("250000.00"),
        Decimal("29000.00"),
        Decimal("279000.00"),
    )
    assert events(contract, "contract.created") == 1


def test_line_amounts_round_half_up(rep):
    contract = make_contract(
        rep,
        lines=[
            {"description": "Cable", "quantity": "1.5", "unit_price": "0.67", "tax_rate": "13"},
            {"description": "Fee", "quantity": "1", "unit_price": "2.50", "tax_rate": "5"},
        ],
        milestones=None,
    )
    lines = list(ContractLine.objects.filter(version=reload(contract).current_version).order_by("position"))
    # 1.5 × 0.67 = 1.005 → 1.01; 13% of 1.01 = 0.1313 → 0.13; 5% of 2.50 = 0.125 → 0.13 (half up)
    assert [(x.net_amount, x.tax_amount, x.gross_amount) for x in lines] == [
        (Decimal("1.01"), Decimal("0.13"), Decimal("1.14")),
        (Decimal("2.50"), Decimal("0.13"), Decimal("2.63")),
    ]
    assert reload(contract).total_gross == Decimal("3.77")


def test_numbers_are_gap_free_when_a_create_fails(rep):
    first = make_contract(rep)
    bad = [{"kind": "advance", "percentage": "50", "trigger_event": "signature"}]
    with pytest.raises(DomainError):
        make_contract(rep, milestones=bad)
    second = make_contract(rep)
    assert [first.number[-5:], second.number[-5:]] == ["00001", "00002"]


def test_frame_and_po_have_their_own_sequences(rep):
    frame = make_contract(rep, kind="frame", lines=None, milestones=None)
    assert frame.number.startswith("FC-")
    assert frame.number.endswith("-00001")
    frame.status = ContractStatus.SIGNED
    frame.save(update_fields=["status"])
    po = make_contract(rep, customer=frame.customer, kind="purchase_order", parent=frame)
    assert po.number.startswith("PO-")
    assert po.number.endswith("-00001")
    assert reload(po).parent == frame


def test_po_needs_a_signed_frame_of_the_same_customer(rep):
    frame = make_contract(rep, kind="frame", lines=None, milestones=None)
    with pytest.raises(DomainError, match="POs can be placed only under a signed frame contract."):
        make_contract(rep, customer=frame.customer, kind="purchase_order", parent=frame)
    frame.status = ContractStatus.SIGNED
    frame.save(update_fields=["status"])
    other = make_customer(rep, rep.home_unit, name="Other")
    with pytest.raises(DomainError, match="The frame contract must be with the same customer."):
        make_contract(rep, customer=other, kind="purchase_order", parent=frame)


def test_create_from_opportunity_keeps_lineage(rep):
    from openltc.opportunities.tests.factories import make_opportunity

    opportunity = make_opportunity(rep)
    contract = services.contract_create(
        actor=rep,
        data={"opportunity": opportunity, "signing_entity": "OpenLTC Co.", "contract_manager": rep},
    )
    assert contract.customer == opportunity.customer
    assert contract.title == opportunity.title
    assert contract.opportunity == opportunity
    assert contract.org_unit == opportunity.org_unit


# --- milestones and the receivable plan ---------------------------------------------------------


def test_milestones_must_add_up_exactly(rep):
    contract = make_contract(rep)
    bad = MILESTONES[:2]  # 30% + 60%
    with pytest.raises(DomainError) as exc:
        services.contract_milestones_replace(actor=rep, contract=contract, milestones=bad)
    assert exc.value.message == (
        "The payment milestones add up to 251100.00 CNY but the contract total is 279000.00 CNY "
        "(difference 27900.00)."
    )
    assert exc.value.extra == {"difference": "27900.00"}
    assert reload(contract).current_version.milestones.count() == 3  # nothing written


def test_fixed_amount_milestones_refused_with_difference(rep):
    contract = make_contract(rep)
    with pytest.raises(DomainError) as exc:
        services.contract_milestones_replace(
            actor=rep,
            contract=contract,
            milestones=[{"kind": "advance", "fixed_amount": "279000.01", "trigger_event": "signature"}],
        )
    assert exc.value.message.endswith("(difference -0.01).")


def test_thirds_add_up_with_rounding_on_the_last(rep):
    contract = make_contract(
        rep,
        lines=[{"description": "X", "quantity": "1", "unit_price": "100", "tax_rate": "0"}],
        milestones=None,
    )
    services.contract_milestones_replace(
        actor=rep,
        contract=contract,
        milestones=[
            {"kind": "advance", "percentage": "33.3333", "trigger_event": "signature"},
            {"kind": "shipment", "percentage": "33.3333", "trigger_event": "shipment"},
            {"kind": "final_acceptance", "percentage": "33.3334", "trigger_event": "final_acceptance"},
        ],
    )
    amounts = [
        p.planned_amount
        for p in ReceivablePlanLine.objects.filter(contract=contract).order_by("milestone__position")
    ]
    assert amounts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert events(contract, "contract.milestones_replaced") == 1


def test_milestone_needs_percentage_or_amount(rep):
    contract = make_contract(rep)
    with pytest.raises(DomainError, match="Milestone 1: give either a percentage or an amount, not both."):
        services.contract_milestones_replace(
            actor=rep,
            contract=contract,
            milestones=[
                {"kind": "advance", "percentage": "100", "fixed_amount": "1", "trigger_event": "signature"}
            ],
        )


def test_receivable_plan_follows_milestones_and_lines(rep):
    contract = make_contract(rep)
    plan = list(ReceivablePlanLine.objects.filter(contract=contract).order_by("milestone__position"))
    assert [p.planned_amount for p in plan] == [
        Decimal("83700.00"),
        Decimal("167400.00"),
        Decimal("27900.00"),
    ]
    assert all(p.planned_due_date is None for p in plan)
    services.contract_lines_replace(actor=rep, contract=contract, lines=LINES[:1])
    plan = list(ReceivablePlanLine.objects.filter(contract=contract).order_by("milestone__position"))
    # 2 × 100000 + 13% = 226000.00
    assert [p.planned_amount for p in plan] == [
        Decimal("67800.00"),
        Decimal("135600.00"),
        Decimal("22600.00"),
    ]


# --- optimistic locking and visibility ----------------------------------------------------------


def test_stale_edit_is_a_conflict(rep):
    contract = make_contract(rep)
    services.contract_update(actor=rep, contract=contract, data={"title": "New"}, expected_version=1)
    with pytest.raises(Conflict) as exc:
        services.contract_update(actor=rep, contract=contract, data={"title": "Newer"}, expected_version=1)
    assert exc.value.code.http_status == 409
    assert exc.value.message == (
        "This record was changed by someone else (now version 2, you edited version 1). "
        "Reload it and apply your change again."
    )
    assert reload(contract).title == "New"
    assert events(contract, "contract.updated") == 1


def test_other_region_cannot_see_or_edit(rep, other_rep):
    contract = make_contract(rep)
    with pytest.raises(NotFound):
        services.contract_update(
            actor=other_rep, contract=contract, data={"title": "x"}, expected_version=None
        )


def test_viewer_without_change_right_is_forbidden(rep, finance):
    contract = make_contract(rep)
    with pytest.raises(Forbidden, match="You may not change this contract."):
        services.contract_submit(actor=finance, contract=contract)


# --- lifecycle ----------------------------------------------------------------------------------


def test_submit_freezes_the_version(rep):
    contract = make_contract(rep)
    contract = services.contract_submit(actor=rep, contract=contract)
    version = reload(contract).current_version
    assert contract.status == ContractStatus.UNDER_REVIEW
    assert version.status == VersionStatus.LOCKED
    assert version.snapshot["totals"]["gross"] == "279000.00"
    assert len(version.snapshot["lines"]) == 2
    assert events(contract, "contract.submitted") == 1
    with pytest.raises(Conflict) as exc:
        services.contract_lines_replace(actor=rep, contract=contract, lines=LINES[:1])
    assert exc.value.message == (
        "Version 1 is locked for review and signing; return the contract for rework to change it."
    )


def test_submit_refused_when_milestones_do_not_add_up(rep):
    contract = make_contract(rep, milestones=None)
    with pytest.raises(TransitionRefused, match="Add the payment milestones."):
        services.contract_submit(actor=rep, contract=contract)


def test_rework_makes_a_new_version_and_supersedes_the_old(rep):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    with pytest.raises(TransitionRefused, match="Give the reason."):
        services.contract_return_for_rework(actor=rep, contract=contract, reason=" ")
    contract = services.contract_return_for_rework(actor=rep, contract=contract, reason="Price too high")
    contract = reload(contract)
    assert contract.status == ContractStatus.DRAFT
    assert contract.current_version.number == 2
    v1 = ContractVersion.objects.get(contract=contract, number=1)
    assert v1.status == VersionStatus.SUPERSEDED
    assert contract.current_version.lines.count() == 2
    assert (
        ReceivablePlanLine.objects.filter(
            contract=contract, milestone__version=contract.current_version
        ).count()
        == 3
    )
    with pytest.raises(Conflict) as exc:
        services.contract_lines_replace(actor=rep, contract=contract, lines=LINES[:1], version=v1)
    assert exc.value.message == "Version 1 was superseded by a newer version and cannot be changed."


def test_superseded_version_is_guarded_in_the_database(rep):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    services.contract_return_for_rework(actor=rep, contract=contract, reason="Rework")
    v1 = ContractVersion.objects.get(contract=contract, number=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        ContractLine.objects.filter(version=v1).update(quantity=Decimal("9"))
    with pytest.raises(DatabaseError), transaction.atomic():
        ContractVersion.objects.filter(pk=v1.pk).update(snapshot={})
    assert ContractLine.objects.filter(version=v1, quantity=Decimal("9")).count() == 0


def test_versions_diff_after_rework(rep):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    contract = services.contract_return_for_rework(actor=rep, contract=contract, reason="Renegotiated")
    router = dict(LINES[0], quantity="3")
    training = {
        "kind": "service",
        "description": "Training",
        "quantity": "1",
        "unit_price": "1000",
        "tax_rate": "6",
    }
    services.contract_lines_replace(actor=rep, contract=contract, lines=[router, training])
    services.contract_update(
        actor=rep, contract=contract, data={"title": "Backbone upgrade phase 1"}, expected_version=None
    )
    contract = reload(contract)
    v1 = ContractVersion.objects.get(contract=contract, number=1)
    result = versions_diff(version_content(v1), version_content(contract.current_version, contract))
    assert [(c.field, c.before, c.after) for c in result.header] == [
        ("title", "Backbone upgrade", "Backbone upgrade phase 1")
    ]
    by_change = {r.label: r.change for r in result.lines}
    assert by_change == {"Core router": "changed", "Training": "added", "Installation": "removed"}
    router_change = next(r for r in result.lines if r.label == "Core router")
    assert ("quantity", "2.0000", "3.0000") in [(f.field, f.before, f.after) for f in router_change.fields]
    assert result.has_changes


def test_atc_edge_refused_without_a_decision(rep, admin_user):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    review_all(contract, admin_user)
    contract = services.contract_complete_review(actor=rep, contract=contract)
    with pytest.raises(TransitionRefused) as exc:
        services.contract_start_countersign(actor=rep, contract=contract)
    assert exc.value.message.startswith("Needs an approved ATC decision")
    assert reload(contract).status == ContractStatus.AWAITING_ATC


def test_review_needs_every_function_and_reviewer_roles(rep, finance, admin_user):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    with pytest.raises(Forbidden, match="You do not hold a role that reviews for this function."):
        services.review_opinion_give(actor=rep, contract=contract, function="legal", verdict="agree")
    with pytest.raises(DomainError, match="Give the reasons for a conditional agreement or a disagreement."):
        services.review_opinion_give(actor=finance, contract=contract, function="finance", verdict="disagree")
    services.review_opinion_give(
        actor=finance,
        contract=contract,
        function="finance",
        verdict="disagree",
        reasons="Back-loaded payment",
    )
    with pytest.raises(TransitionRefused) as exc:
        services.contract_complete_review(actor=rep, contract=contract)
    assert exc.value.message == "The contract review still needs opinions from: Legal, Delivery, Credit."
    for function in ("legal", "delivery", "credit"):
        services.review_opinion_give(actor=admin_user, contract=contract, function=function, verdict="agree")
    contract = services.contract_complete_review(actor=rep, contract=contract)
    assert contract.status == ContractStatus.AWAITING_ATC  # a "disagree" does not block by itself
    assert events(contract, "contract.review_opinion_given") == 4


def test_countersign_sequence_and_roles(rep, finance, admin_user, monkeypatch):
    approve_gates(monkeypatch)
    contract = make_contract(rep)
    drive(contract, ContractStatus.COUNTERSIGN, actor=rep, admin=admin_user, signatory=None)
    steps = {s.department_name: s for s in CountersignStep.objects.filter(contract=contract)}
    assert sorted((s.sequence, s.role) for s in steps.values()) == [
        (10, "finance"),
        (10, "legal"),
        (20, "delivery_manager"),
        (30, "contract_manager"),
    ]
    delivery = next(s for s in steps.values() if s.role == "delivery_manager")
    with pytest.raises(Conflict, match="Earlier departments in the sequence have not signed off yet."):
        services.countersign_sign_off(actor=admin_user, contract=contract, step_id=delivery.pk)
    legal = next(s for s in steps.values() if s.role == "legal")
    with pytest.raises(
        Forbidden, match="Only a holder of the department's signing role may sign off for it."
    ):
        services.countersign_sign_off(actor=finance, contract=contract, step_id=legal.pk)
    finance_step = next(s for s in steps.values() if s.role == "finance")
    services.countersign_sign_off(actor=finance, contract=contract, step_id=finance_step.pk, comment="OK")
    with pytest.raises(Conflict, match="This department has already signed off."):
        services.countersign_sign_off(actor=admin_user, contract=contract, step_id=finance_step.pk)
    with pytest.raises(TransitionRefused, match=r"3 countersign step\(s\) are still pending."):
        services.contract_request_seal(actor=rep, contract=contract, signatory=admin_user)


def test_seal_needs_an_authorised_signatory(rep, teammate, executive, admin_user, monkeypatch):
    approve_gates(monkeypatch)
    contract = make_contract(rep)
    drive(contract, ContractStatus.COUNTERSIGN, actor=rep, admin=admin_user, signatory=None)
    for s in CountersignStep.objects.filter(contract=contract).order_by("sequence"):
        services.countersign_sign_off(actor=admin_user, contract=contract, step_id=s.pk)
    with pytest.raises(
        TransitionRefused, match=r"Choose an authorised signatory \(an executive or SDT member\)."
    ):
        services.contract_request_seal(actor=rep, contract=contract, signatory=teammate)
    contract = services.contract_request_seal(actor=rep, contract=contract, signatory=executive)
    assert contract.status == ContractStatus.SEAL
    with pytest.raises(TransitionRefused, match="Give the date of signature."):
        services.contract_record_seal(actor=rep, contract=contract, signed_on=None)
    contract = services.contract_record_seal(
        actor=rep, contract=contract, signed_on=datetime.date(2026, 11, 2)
    )
    assert contract.status == ContractStatus.SIGNED
    assert reload(contract).current_version.status == VersionStatus.SIGNED
    advance = ReceivablePlanLine.objects.get(contract=contract, milestone__position=1)
    assert advance.trigger_date == datetime.date(2026, 11, 2)
    assert advance.planned_due_date == datetime.date(2026, 12, 2)


def test_archived_version_is_immutable(rep, executive, admin_user, monkeypatch):
    approve_gates(monkeypatch)
    contract = drive(
        make_contract(rep), ContractStatus.ARCHIVED, actor=rep, admin=admin_user, signatory=executive
    )
    assert contract.current_version.status == VersionStatus.ARCHIVED
    with pytest.raises(Conflict) as exc:
        services.contract_lines_replace(actor=rep, contract=contract, lines=LINES)
    assert exc.value.message == "Version 1 is archived; archived content cannot be changed."
    with pytest.raises(Conflict, match="Version 1 is archived; archived content cannot be changed."):
        services.contract_update(actor=rep, contract=contract, data={"title": "x"}, expected_version=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        ContractVersion.objects.filter(pk=contract.current_version.pk).update(
            total_gross=Decimal("1"), total_net=Decimal("1"), total_tax=Decimal("0")
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        ContractLine.objects.create(
            version=contract.current_version, position=9, description="x", quantity=1, unit_price=1
        )


def test_receipt_mismatch_blocks_execution(rep, executive, admin_user, monkeypatch):
    approve_gates(monkeypatch)
    contract = drive(
        make_contract(rep), ContractStatus.ARCHIVED, actor=rep, admin=admin_user, signatory=executive
    )
    with pytest.raises(TransitionRefused, match=r"The receipt check \(接收和确认\) has not been recorded."):
        services.contract_start_execution(actor=rep, contract=contract)
    check = services.contract_confirm_receipt(
        actor=rep,
        contract=contract,
        received_amount="270000",
        received_currency="cny",
        milestones_match=True,
        obligations_match=True,
    )
    assert check.result == CheckResult.MISMATCH
    assert check.mismatches == ["Amount: received 270000.00, approved 279000.00."]
    with pytest.raises(TransitionRefused) as exc:
        services.contract_start_execution(actor=rep, contract=contract)
    assert exc.value.message == (
        "The last receipt check found a mismatch with the approved version; record a new check."
    )
    services.contract_confirm_receipt(
        actor=rep,
        contract=contract,
        received_amount="279000.00",
        received_currency="CNY",
        milestones_match=True,
        obligations_match=True,
    )
    contract = services.contract_start_execution(actor=rep, contract=contract)
    assert contract.status == ContractStatus.EXECUTING
    assert events(contract, "contract.receipt_checked") == 2


def test_withdraw_needs_reason_and_is_only_before_signature(rep, executive, admin_user, monkeypatch):
    contract = make_contract(rep)
    with pytest.raises(TransitionRefused, match="Give the reason."):
        services.contract_withdraw(actor=rep, contract=contract, reason="")
    contract = services.contract_withdraw(actor=rep, contract=contract, reason="Customer cancelled")
    assert reload(contract).withdrawal_reason == "Customer cancelled"
    assert not ReceivablePlanLine.objects.filter(contract=contract).exists()
    approve_gates(monkeypatch)
    signed = drive(
        make_contract(rep), ContractStatus.SIGNED, actor=rep, admin=admin_user, signatory=executive
    )
    with pytest.raises(TransitionRefused, match="A contract cannot move from “Signed” to “Withdrawn”."):
        services.contract_withdraw(actor=rep, contract=signed, reason="Too late")


def test_trigger_date_sets_due_date(rep, executive, admin_user, monkeypatch):
    approve_gates(monkeypatch)
    contract = drive(
        make_contract(rep), ContractStatus.SIGNED, actor=rep, admin=admin_user, signatory=executive
    )
    pac = ReceivablePlanLine.objects.get(contract=contract, milestone__position=2)
    line = services.receivable_trigger_record(
        actor=rep, contract=contract, plan_line_id=pac.pk, trigger_date=datetime.date(2027, 1, 10)
    )
    assert line.planned_due_date == datetime.date(2027, 2, 24)


def test_decision_attributes_derive_payment_risk(rep):
    contract = reload(make_contract(rep))
    attributes = contract.decision_attributes()
    assert attributes.amount == Decimal("279000.00")
    assert attributes.payment_risk == "low"  # 10% retention only
    services.contract_milestones_replace(
        actor=rep,
        contract=contract,
        milestones=[
            {"kind": "advance", "percentage": "50", "trigger_event": "signature"},
            {"kind": "final_acceptance", "percentage": "50", "trigger_event": "final_acceptance"},
        ],
    )
    assert reload(contract).decision_attributes().payment_risk == "high"


def test_open_atc_case_in_the_decision_engine(rep, finance, admin_user):
    from openltc.decisions.models import DecisionCase

    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    with pytest.raises(Conflict, match="The ATC case is opened once the contract review is complete."):
        services.contract_open_atc_case(actor=rep, contract=contract)
    services.review_opinion_give(
        actor=finance,
        contract=contract,
        function="finance",
        verdict="disagree",
        reasons="Back-loaded payment",
    )
    for function in ("legal", "delivery", "credit"):
        services.review_opinion_give(actor=admin_user, contract=contract, function=function, verdict="agree")
    contract = services.contract_complete_review(actor=rep, contract=contract)
    case = services.contract_open_atc_case(actor=rep, contract=contract)
    assert DecisionCase.objects.filter(pk=case.pk, gate="ATC", subject_id=str(contract.pk)).exists()
    assert "Finance: Disagree (finance) — Back-loaded payment" in case.summary
    assert case.amount == Decimal("279000.00")
    assert events(contract, "contract.atc_case_opened") == 1


def test_approved_atc_decision_opens_the_countersign(rep, executive, finance, admin_user, org):
    """End to end with the decision engine: review → ATC case → SDT approval → countersign."""
    from conftest import make_user
    from openltc.decisions import services as decisions
    from openltc.decisions.tests.factories import fill_checklist, make_body
    from openltc.org.roles import DecisionLevel, Role

    make_body(org.hq, DecisionLevel.COMPANY)
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    review_all(contract, admin_user)
    contract = services.contract_complete_review(actor=rep, contract=contract)
    case = services.contract_open_atc_case(actor=rep, contract=contract)
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    # The decision engine runs its own review round on the case before the SDT decides.
    legal = make_user("legal1", (Role.LEGAL, org.hq, None), home=org.hq)
    delivery = make_user("delivery1", (Role.DELIVERY_MANAGER, org.hq, None), home=org.hq)
    for reviewer, function in ((finance, "finance"), (legal, "legal"), (delivery, "delivery")):
        decisions.opinion_record(
            actor=reviewer, case=case, function=function, verdict="agree", reasons="Reviewed."
        )
    with pytest.raises(TransitionRefused, match="Needs an approved ATC decision."):
        services.contract_start_countersign(actor=rep, contract=contract)
    decisions.decision_record(actor=executive, case=case, outcome="approved", rationale="Terms acceptable.")
    contract = services.contract_start_countersign(actor=rep, contract=contract)
    assert contract.status == ContractStatus.COUNTERSIGN
