"""Lead services: every transition allowed and refused, with the exact refusal message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from openltc.core.errors import DomainError, Forbidden, TransitionRefused
from openltc.core.models import AuditEvent
from openltc.leads import services
from openltc.leads.choices import DisqualifyReason, LeadStatus, StrategicFit
from openltc.leads.models import Lead, LeadSettings, NurturingCriterion
from openltc.leads.tests.factories import (
    check_all,
    confirm_elements,
    make_lead,
    nurturing_lead,
    qualified_lead,
)


def events(lead: Lead) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_id=str(lead.pk)).order_by("id").values_list("action", flat=True)
    )


# --- capture ------------------------------------------------------------------------------------


def test_create_owned_lead_sets_sla_and_audits(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep, contact_name="Li", contact_email="li@acme.test")
    assert lead.status == LeadStatus.NEW
    assert lead.org_unit == rep.home_unit
    assert lead.first_contact_due_at == lead.assigned_at + datetime.timedelta(hours=24)
    assert events(lead) == ["lead.created"]
    assert lead.score == 5  # contact known


def test_create_without_owner_goes_to_pool(rep: Any) -> None:
    lead = make_lead(actor=rep)
    assert lead.owner is None
    assert lead.in_pool
    assert lead.first_contact_due_at is None


def test_rep_cannot_capture_for_someone_else(rep: Any, teammate: Any) -> None:
    with pytest.raises(Forbidden) as exc:
        make_lead(actor=rep, owner=teammate)
    assert (
        exc.value.message
        == "Only a lead manager or sales manager of this unit may capture leads for someone else."
    )


def test_create_needs_company_or_customer(rep: Any) -> None:
    with pytest.raises(DomainError) as exc:
        make_lead(actor=rep, owner=rep, company_name="")
    assert exc.value.field_errors["company_name"] == [
        "Choose an existing customer or give the prospect's company name."
    ]
    assert not Lead.objects.exists()


def test_confirmed_element_needs_evidence(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(DomainError) as exc:
        services.lead_update(actor=rep, lead=lead, data={"budget_status": "confirmed"})
    assert exc.value.field_errors["budget_evidence"] == ["Say what confirms this element (the evidence)."]


def test_update_refuses_stale_version(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    services.lead_update(actor=rep, lead=lead, data={"title": "New title"})
    with pytest.raises(DomainError) as exc:
        services.lead_update(actor=rep, lead=lead, data={"title": "Other"}, expected_version=1)
    assert exc.value.code == "conflict"


# --- validate / accept --------------------------------------------------------------------------


def test_validate_moves_new_to_validating_and_checks_duplicates(rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Older", contact_email="dup@acme.test")
    lead = make_lead(actor=rep, owner=rep, contact_email="DUP@acme.test")
    lead = services.lead_validate(actor=rep, lead=lead, strategic_fit=StrategicFit.FIT, maturity="hot")
    assert lead.status == LeadStatus.VALIDATING
    assert lead.duplicates_checked_at is not None
    assert [h["label"] for h in lead.duplicate_hits if h["kind"] == "lead"] == ["Older"]
    assert lead.score == 30 + 20  # hot + strategic fit
    assert events(lead)[-1] == "lead.validate"


def test_validate_again_while_validating_records_assessment(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    lead = services.lead_validate(actor=rep, lead=lead, strategic_fit=StrategicFit.UNKNOWN, maturity="cold")
    lead = services.lead_validate(actor=rep, lead=lead, strategic_fit=StrategicFit.FIT, maturity="warm")
    assert lead.status == LeadStatus.VALIDATING
    assert lead.maturity == "warm"
    assert events(lead)[-1] == "lead.validation_recorded"


def test_validate_refused_when_nurturing(rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_validate(actor=rep, lead=lead, strategic_fit=StrategicFit.FIT, maturity="hot")
    assert exc.value.message == "“Start validation” is not possible while the lead is nurturing."


def test_accept_refused_lists_every_unmet_guard(manager: Any, org: Any) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh)
    lead = services.lead_validate(
        actor=manager, lead=lead, strategic_fit=StrategicFit.NO_FIT, maturity="cold"
    )
    with pytest.raises(TransitionRefused) as exc:
        services.lead_accept(actor=manager, lead=lead)
    assert exc.value.message == "Assign an owner first. The strategic fit must be assessed as fitting."
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.VALIDATING


def test_accept_refused_from_new(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_accept(actor=rep, lead=lead)
    assert exc.value.message == "“Accept for nurturing” is not possible while the lead is new."


def test_accept_allowed(rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    assert lead.status == LeadStatus.NURTURING
    assert events(lead)[-1] == "lead.accept"


# --- qualify ------------------------------------------------------------------------------------


def test_qualify_refused_until_checklist_and_elements(rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_qualify(actor=rep, lead=lead)
    assert exc.value.message == (
        "5 of the nurturing checklist criteria are not met yet. These elements are not confirmed yet: "
        "Customer pain / expectation, Solution concept, Customer relationship, Investment plan and budget."
    )
    check_all(lead, actor=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_qualify(actor=rep, lead=lead)
    assert exc.value.message.startswith("These elements are not confirmed yet:")


def test_qualify_allowed(rep: Any) -> None:
    lead = qualified_lead(owner=rep)
    assert lead.status == LeadStatus.QUALIFIED
    assert events(lead)[-1] == "lead.qualify"


def test_qualify_refused_from_validating(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    lead = services.lead_validate(actor=rep, lead=lead, strategic_fit=StrategicFit.FIT, maturity="hot")
    with pytest.raises(TransitionRefused) as exc:
        services.lead_qualify(actor=rep, lead=lead)
    assert exc.value.message == "“Qualify” is not possible while the lead is validating."


def test_only_owner_or_manager_may_transition(rep: Any, teammate: Any, manager: Any) -> None:
    lead = nurturing_lead(owner=rep)
    with pytest.raises(Forbidden) as exc:
        services.lead_disqualify(actor=teammate, lead=lead, reason=DisqualifyReason.NO_BUDGET)
    assert exc.value.message == "Only the lead's owner or a manager of its unit may do this."
    services.lead_disqualify(actor=manager, lead=lead, reason=DisqualifyReason.NO_BUDGET)


# --- disqualify / return to pool ----------------------------------------------------------------


def test_disqualify_needs_reason(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_disqualify(actor=rep, lead=lead, reason="")
    assert exc.value.message == "Choose a reason for disqualifying the lead."
    with pytest.raises(TransitionRefused) as exc:
        services.lead_disqualify(actor=rep, lead=lead, reason=DisqualifyReason.OTHER)
    assert exc.value.message == "Explain the reason in the note when you choose “Other”."
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_disqualify_with_seed_cause(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    lead = services.lead_disqualify(actor=rep, lead=lead, reason=DisqualifyReason.NO_FOLLOW_UP_MECHANISM)
    assert lead.status == LeadStatus.DISQUALIFIED
    event = AuditEvent.objects.filter(action="lead.disqualify").get()
    assert event.after["status"] == "disqualified"
    with pytest.raises(TransitionRefused) as exc:
        services.lead_disqualify(actor=rep, lead=lead, reason=DisqualifyReason.DUPLICATE)
    assert exc.value.message == "“Disqualify” is not possible while the lead is disqualified."


def test_return_to_pool_needs_reason_and_clears_owner(rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_return_to_pool(actor=rep, lead=lead, reason=" ")
    assert exc.value.message == "Give a reason for returning the lead to the pool."
    lead = services.lead_return_to_pool(actor=rep, lead=lead, reason="Customer is in another territory")
    assert lead.status == LeadStatus.NEW
    assert lead.owner is None
    assert lead.first_contact_due_at is None
    assert lead.pool_reason == "Customer is in another territory"
    assert events(lead)[-1] == "lead.return_to_pool"


def test_return_to_pool_refused_for_pool_lead_and_qualified(manager: Any, org: Any, rep: Any) -> None:
    pool = make_lead(actor=manager, org_unit=org.sh)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_return_to_pool(actor=manager, lead=pool, reason="x")
    assert exc.value.message == "Assign an owner first."
    lead = qualified_lead(owner=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_return_to_pool(actor=rep, lead=lead, reason="x")
    assert exc.value.message == "“Return to pool” is not possible while the lead is qualified."


# --- nurturing ----------------------------------------------------------------------------------


def test_activity_sets_first_contact_and_last_activity(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    when = timezone.now() - datetime.timedelta(hours=2)
    services.lead_activity_add(
        actor=rep, lead=lead, data={"kind": "call", "occurred_at": when, "summary": "Intro call"}
    )
    lead.refresh_from_db()
    assert lead.first_contacted_at == when
    assert lead.last_activity_at == when
    assert events(lead)[-1] == "lead.activity_logged"


def test_activity_refused_on_closed_lead(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    services.lead_disqualify(actor=rep, lead=lead, reason=DisqualifyReason.POOR_DATA)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_activity_add(actor=rep, lead=lead, data={"kind": "call", "summary": "x"})
    assert exc.value.message == "The lead is disqualified; it can no longer be changed."


def test_activity_in_future_refused(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(DomainError) as exc:
        services.lead_activity_add(
            actor=rep,
            lead=lead,
            data={
                "kind": "visit",
                "summary": "x",
                "occurred_at": timezone.now() + datetime.timedelta(days=2),
            },
        )
    assert exc.value.message == "An activity cannot be in the future; plan it as the next step instead."


def test_checklist_only_while_validating_or_nurturing(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    criterion = NurturingCriterion.objects.first()
    with pytest.raises(TransitionRefused) as exc:
        services.lead_criterion_set(actor=rep, lead=lead, criterion=criterion, checked=True)
    assert exc.value.message == "The checklist can be changed only while the lead is validating or nurturing."


def test_checklist_records_who_and_when(rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    criterion = NurturingCriterion.objects.first()
    check = services.lead_criterion_set(
        actor=rep, lead=lead, criterion=criterion, checked=True, note="CTO said so"
    )
    assert check.checked
    assert check.checked_by == rep
    assert check.checked_at is not None
    check = services.lead_criterion_set(actor=rep, lead=lead, criterion=criterion, checked=False)
    assert not check.checked
    assert events(lead)[-2:] == ["lead.criterion_checked", "lead.criterion_unchecked"]


def test_five_default_criteria_in_two_languages(db: Any) -> None:
    from django.utils import translation

    criteria = list(NurturingCriterion.objects.all())
    assert len(criteria) == 5
    with translation.override("zh-hans"):
        assert criteria[0].text == "客户痛点/期望已由客户决策相关人员确认"
    with translation.override("en"):
        assert criteria[0].text.startswith("Pain / expectation confirmed")


def test_stale_and_overdue_querysets(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    now = timezone.now()
    assert not Lead.objects.overdue(now).exists()
    assert Lead.objects.overdue(now + datetime.timedelta(hours=25)).get() == lead
    days = LeadSettings.current().stale_after_days
    assert not Lead.objects.stale(days, now).exists()
    assert Lead.objects.stale(days, now + datetime.timedelta(days=days + 1)).get() == lead


# --- assignment ---------------------------------------------------------------------------------


def test_manager_assigns_pool_lead_and_owner_is_notified(
    manager: Any, rep: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh)
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_assign(actor=manager, lead=lead, owner=rep)
    assert lead.owner == rep
    assert lead.org_unit == org.sh_team
    assert lead.first_contact_due_at is not None
    assert events(lead)[-1] == "lead.assigned"
    assert [m.to for m in mail.outbox] == [[rep.email]]


def test_reassign_needs_reason(manager: Any, rep: Any, teammate: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(DomainError) as exc:
        services.lead_assign(actor=manager, lead=lead, owner=teammate)
    assert exc.value.message == "Give a reason for reassigning the lead."
    lead = services.lead_assign(actor=manager, lead=lead, owner=teammate, reason="Rep on leave")
    assert lead.owner == teammate
    event = AuditEvent.objects.filter(action="lead.reassigned").get()
    assert event.message == "Rep on leave"


def test_manager_cannot_assign_outside_their_units(manager: Any, rep: Any, other_rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(Forbidden) as exc:
        services.lead_assign(actor=manager, lead=lead, owner=other_rep, reason="x")
    assert exc.value.message == "You may assign leads only to people in the units you manage."


def test_rep_cannot_assign(rep: Any, teammate: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(Forbidden) as exc:
        services.lead_assign(actor=rep, lead=lead, owner=teammate, reason="x")
    assert exc.value.message == "Only a lead manager or sales manager of this unit may assign leads."


def test_rep_claims_pool_lead(rep: Any, manager: Any, org: Any) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh)
    lead = services.lead_claim(actor=rep, lead=lead)
    assert lead.owner == rep
    with pytest.raises(Forbidden) as exc:
        services.lead_claim(actor=manager, lead=lead)
    assert exc.value.message == "Only pool leads can be claimed."


def test_bulk_assign_is_all_or_nothing(manager: Any, rep: Any, teammate: Any, org: Any) -> None:
    pool = make_lead(actor=manager, org_unit=org.sh, title="Pool lead")
    owned = make_lead(actor=rep, owner=rep, title="Owned lead")
    with pytest.raises(DomainError) as exc:
        services.lead_bulk_assign(actor=manager, leads=[pool, owned], owner=teammate)
    assert exc.value.message == "No lead was changed: 1 of 2 leads could not be assigned."
    assert exc.value.extra["errors"] == [
        {"id": str(owned.pk), "title": "Owned lead", "message": "Give a reason for reassigning the lead."}
    ]
    assert Lead.objects.get(pk=pool.pk).owner is None
    done = services.lead_bulk_assign(actor=manager, leads=[pool, owned], owner=teammate, reason="Rebalance")
    assert {lead.owner for lead in done} == {teammate}


def test_bulk_disqualify(manager: Any, rep: Any) -> None:
    leads = [make_lead(actor=rep, owner=rep, title=f"L{i}") for i in range(3)]
    services.lead_bulk_disqualify(actor=manager, leads=leads, reason=DisqualifyReason.UNCLEAR_TARGET)
    assert set(Lead.objects.values_list("status", flat=True)) == {LeadStatus.DISQUALIFIED}


def test_overdue_reminder_task_sends_once(
    rep: Any, manager: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from openltc.leads.tasks import remind_overdue_first_contacts

    org.sh_team.manager = manager
    org.sh_team.save()
    lead = make_lead(actor=rep, owner=rep)
    Lead.objects.filter(pk=lead.pk).update(first_contact_due_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        result = remind_overdue_first_contacts.enqueue()
    assert result.return_value == 1
    assert sorted(m.to[0] for m in mail.outbox) == [manager.email, rep.email]
    assert "First contact overdue" in mail.outbox[0].subject
    assert services.remind_overdue_first_contacts() == 0
    assert events(lead)[-1] == "lead.first_contact_overdue"


def test_reminder_command_queues_the_task(rep: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    lead = make_lead(actor=rep, owner=rep)
    Lead.objects.filter(pk=lead.pk).update(first_contact_due_at=timezone.now() - datetime.timedelta(hours=1))
    out = StringIO()
    call_command("leads_remind_overdue", stdout=out)
    assert "queued" in out.getvalue()
    assert Lead.objects.get(pk=lead.pk).first_contact_reminded_at is not None


# --- conversion ---------------------------------------------------------------------------------


def test_convert_creates_customer_contact_and_opportunity(rep: Any) -> None:
    lead = qualified_lead(
        owner=rep, contact_name="Wang Wei", contact_email="wang@acme.test", estimated_value=Decimal("500000")
    )
    lead, opportunity = services.lead_convert(actor=rep, lead=lead)
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_by == rep
    assert lead.converted_at is not None
    assert lead.customer is not None
    assert lead.customer.name == "Acme Shanghai"
    assert lead.contact is not None
    assert lead.contact.email == "wang@acme.test"
    assert opportunity.origin_lead_id == lead.pk
    assert opportunity.customer_id == lead.customer_id
    assert opportunity.amount == Decimal("500000")
    assert events(lead)[-1] == "lead.convert"
    assert AuditEvent.objects.filter(action="customer.created").exists()


def test_convert_existing_customer_creates_no_customer(rep: Any) -> None:
    from openltc.customers.models import Customer
    from openltc.customers.tests.factories import make_customer

    customer = make_customer(actor=rep, org_unit=rep.home_unit, name="Existing Co")
    lead = qualified_lead(owner=rep, customer=customer, company_name="")
    lead, opportunity = services.lead_convert(actor=rep, lead=lead, title="Bigger deal", amount=Decimal("10"))
    assert Customer.objects.count() == 1
    assert opportunity.customer == customer
    assert opportunity.title == "Bigger deal"


def test_convert_twice_refused(rep: Any) -> None:
    lead = qualified_lead(owner=rep)
    services.lead_convert(actor=rep, lead=lead)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_convert(actor=rep, lead=lead)
    assert exc.value.message == "“Convert to opportunity” is not possible while the lead is converted."
    assert lead.opportunities.count() == 1


def test_convert_refused_before_qualified(rep: Any) -> None:
    lead = nurturing_lead(owner=rep)
    confirm_elements(lead, actor=rep)
    with pytest.raises(TransitionRefused) as exc:
        services.lead_convert(actor=rep, lead=lead)
    assert exc.value.message == "“Convert to opportunity” is not possible while the lead is nurturing."


# --- merge --------------------------------------------------------------------------------------


def test_merge_moves_links_and_disqualifies_the_duplicate(rep: Any) -> None:
    keep = nurturing_lead(owner=rep, title="Keep")
    duplicate = nurturing_lead(owner=rep, title="Dup", contact_name="Sun", contact_phone="139")
    services.lead_activity_add(actor=rep, lead=duplicate, data={"kind": "call", "summary": "Met Sun"})
    criterion = NurturingCriterion.objects.first()
    services.lead_criterion_set(actor=rep, lead=duplicate, criterion=criterion, checked=True)
    keep = services.lead_merge(actor=rep, keep=keep, merge=duplicate)
    assert keep.contact_name == "Sun"
    assert [a.summary for a in keep.activities.all()] == ["Met Sun"]
    assert keep.checks.get(criterion=criterion).checked
    duplicate.refresh_from_db()
    assert duplicate.status == LeadStatus.DISQUALIFIED
    assert duplicate.disqualify_reason == DisqualifyReason.DUPLICATE
    assert events(keep)[-1] == "lead.merged"
    with pytest.raises(TransitionRefused) as exc:
        services.lead_merge(actor=rep, keep=keep, merge=duplicate)
    assert exc.value.message == "The lead is disqualified; it can no longer be changed."
    with pytest.raises(DomainError) as exc2:
        services.lead_merge(actor=rep, keep=keep, merge=keep)
    assert exc2.value.message == "A lead cannot be merged into itself."
