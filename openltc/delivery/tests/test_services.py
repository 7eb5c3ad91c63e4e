"""Delivery services: projects, plan, acceptance → receivable trigger, risks, estimation, cost,
reviews, meetings, closure and the ATCC condition."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from openltc.contracts import closure
from openltc.contracts.models import ReceivablePlanLine
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.models import AuditEvent
from openltc.delivery import selectors, services
from openltc.delivery.models import Acceptance, DeliveryProject, PlanItem
from openltc.delivery.tests.factories import (
    ensure_defaults,
    make_item,
    make_project,
    pdf,
    plan_line,
    signed_contract,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db):
    ensure_defaults()


def _accept(actor, item, **kw):
    values = {
        "accepted_on": timezone.localdate(),
        "certificate_reference": "AC-1",
        "evidence": pdf(),
    }
    values.update(kw)
    return services.acceptance_record(actor=actor, item=item, **values)


# --- projects ---------------------------------------------------------------------------------


def test_project_from_signed_contract_with_team_and_audit(rep, teammate):
    project = make_project(rep, fr=teammate)
    assert project.number.startswith("DP-")
    assert project.org_unit == project.contract.org_unit
    assert project.currency == "CNY"
    roles = set(project.team.values_list("user__username", "role"))
    assert roles == {("teammate", "fr"), ("rep", "sales")}
    assert AuditEvent.objects.filter(action="delivery.project_created").count() == 1


def test_project_needs_signed_contract_and_only_one(rep):
    from openltc.contracts.tests.factories import make_contract

    draft = make_contract(rep)
    with pytest.raises(Conflict, match="A delivery project is set up once the contract is signed."):
        services.project_create(actor=rep, contract=draft, fr=rep)
    project = make_project(rep)
    with pytest.raises(Conflict, match="This contract already has a delivery project."):
        services.project_create(actor=rep, contract=project.contract, fr=rep)


def test_frame_contract_is_delivered_per_po(rep):
    frame = signed_contract(rep, status="signed", kind="frame", lines=None, milestones=None)
    with pytest.raises(Conflict, match="A frame contract is delivered per purchase order"):
        services.project_create(actor=rep, contract=frame, fr=rep)
    po = signed_contract(rep, customer=frame.customer, kind="purchase_order", parent=frame)
    project = services.project_create(actor=rep, contract=po, fr=rep)
    assert project.contract == po


def test_other_region_cannot_see_or_create(rep, other_rep, finance):
    contract = signed_contract(rep)
    with pytest.raises(NotFound):
        services.project_create(actor=other_rep, contract=contract, fr=other_rep)
    with pytest.raises(Forbidden):
        services.project_create(actor=finance, contract=contract, fr=finance)
    assert not DeliveryProject.objects.exists()


def test_visibility_org_unit_owners_and_team(rep, teammate, other_rep, manager, finance):
    project = make_project(rep)
    assert selectors.project_list(user=other_rep).count() == 0
    assert selectors.project_list(user=teammate).count() == 0
    services.member_add(actor=rep, project=project, user=other_rep, role="technical")
    assert list(selectors.project_list(user=other_rep)) == [project]
    assert selectors.project_list(user=manager).count() == 1
    assert selectors.project_list(user=finance).count() == 1
    with pytest.raises(Forbidden):
        services.project_update(actor=finance, project=project, data={"name": "x"})


def test_fr_stays_on_team(rep, teammate):
    project = make_project(rep, fr=teammate)
    member = project.team.get(role="fr")
    with pytest.raises(Conflict, match="The FR in charge stays on the team"):
        services.member_remove(actor=rep, project=project, member_id=member.pk)


def test_stale_version_conflicts(rep):
    project = make_project(rep)
    with pytest.raises(Conflict):
        services.project_update(actor=rep, project=project, data={"name": "New"}, expected_version=99)


# --- plan ------------------------------------------------------------------------------------------


def test_dependencies_refuse_cycles_and_other_projects(rep):
    project = make_project(rep)
    a = make_item(rep, project, "A")
    b = make_item(rep, project, "B", depends_on=[a])
    c = make_item(rep, project, "C", depends_on=[b])
    with pytest.raises(DomainError, match="These dependencies would form a cycle."):
        services.item_update(actor=rep, item=a, data={}, depends_on=[c])
    with pytest.raises(DomainError, match="An item cannot depend on itself."):
        services.item_update(actor=rep, item=a, data={}, depends_on=[a])
    other = make_project(rep)
    foreign = make_item(rep, other, "X")
    with pytest.raises(DomainError, match="Choose items of the same project."):
        services.item_update(actor=rep, item=a, data={}, depends_on=[foreign])
    assert list(PlanItem.objects.get(pk=a.pk).depends_on.all()) == []


def test_plan_line_only_on_milestone_of_same_contract(rep):
    project = make_project(rep)
    other = make_project(rep)
    with pytest.raises(DomainError, match="Only a delivery milestone can be linked"):
        make_item(rep, project, plan_line=plan_line(project))
    with pytest.raises(DomainError, match="Choose a payment milestone of this project's contract."):
        make_item(rep, project, kind="milestone", plan_line=plan_line(other))
    with pytest.raises(DomainError, match="The planned finish cannot be before the planned start."):
        make_item(rep, project, planned_finish=timezone.localdate() - datetime.timedelta(days=1))
    assert project.items.count() == 0


def test_milestone_done_only_through_acceptance(rep):
    project = make_project(rep)
    m = make_item(rep, project, kind="milestone")
    with pytest.raises(
        DomainError, match="A delivery milestone is done when the customer's acceptance is recorded."
    ):
        services.item_update(actor=rep, item=m, data={"status": "done"})


# --- lifecycle and acceptance --------------------------------------------------------------------


def test_start_needs_a_milestone(rep):
    project = make_project(rep)
    with pytest.raises(
        TransitionRefused, match="Plan at least one delivery milestone before execution starts."
    ):
        services.project_start(actor=rep, project=project)
    make_item(rep, project, kind="milestone", name="PAC")
    project = services.project_start(actor=rep, project=project)
    assert project.status == "executing"


def test_acceptance_triggers_the_receivable_plan_line(rep):
    project = make_project(rep)
    line = plan_line(project)
    m = make_item(rep, project, kind="milestone", name="PAC", plan_line=line)
    with pytest.raises(Conflict, match="Acceptance is recorded while the project is executing."):
        _accept(rep, m)
    services.project_start(actor=rep, project=project)
    day = timezone.localdate() - datetime.timedelta(days=2)
    acceptance = _accept(rep, m, accepted_on=day)
    line = ReceivablePlanLine.objects.get(pk=line.pk)
    assert line.trigger_date == day
    assert line.planned_due_date == day + datetime.timedelta(days=45)
    m.refresh_from_db()
    assert (m.status, m.progress, m.actual_finish) == ("done", 100, day)
    assert acceptance.evidence_name == "certificate.pdf"
    assert AuditEvent.objects.filter(action="contract.receivable_trigger_recorded").count() == 1
    with pytest.raises(Conflict, match="This milestone's acceptance is already recorded."):
        _accept(rep, m)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: pdf("virus.exe"), "Files of type .exe are not accepted"),
        (lambda: pdf("noextension"), "The file needs a name with an extension."),
        (lambda: pdf("empty.pdf", b""), "The file is empty."),
    ],
)
def test_acceptance_evidence_validated_nothing_written(rep, upload, message):
    project = make_project(rep)
    line = plan_line(project)
    m = make_item(rep, project, kind="milestone", plan_line=line)
    services.project_start(actor=rep, project=project)
    with pytest.raises(DomainError, match=message):
        _accept(rep, m, evidence=upload())
    assert not Acceptance.objects.exists()
    assert ReceivablePlanLine.objects.get(pk=line.pk).trigger_date is None


def test_acceptance_size_limit_and_future_date(rep, settings):
    project = make_project(rep)
    m = make_item(rep, project, kind="milestone")
    services.project_start(actor=rep, project=project)
    settings.OPENLTC_MAX_UPLOAD_BYTES = 10
    with pytest.raises(DomainError, match="The file is larger than the limit"):
        _accept(rep, m)
    settings.OPENLTC_MAX_UPLOAD_BYTES = 1024 * 1024
    with pytest.raises(DomainError, match="The date cannot be in the future."):
        _accept(rep, m, accepted_on=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="Give the reference of the signed acceptance certificate."):
        _accept(rep, m, certificate_reference=" ")


# --- risks -------------------------------------------------------------------------------------------


def test_risk_exposure_and_closing(rep):
    project = make_project(rep)
    risk = services.risk_create(
        actor=rep,
        project=project,
        data={
            "title": "Late site",
            "category": "customer",
            "probability": 4,
            "impact": 5,
            "owner": rep,
            "response": "mitigate",
        },
    )
    assert risk.exposure == 20
    assert selectors.risk_heatmap(project) == {"cells": [[4, 3, 1]]}
    with pytest.raises(DomainError):
        services.risk_create(
            actor=rep,
            project=project,
            data={
                "title": "x",
                "category": "customer",
                "probability": 6,
                "impact": 1,
                "owner": rep,
                "response": "avoid",
            },
        )
    risk = services.risk_update(actor=rep, risk=risk, data={"status": "closed"})
    assert risk.closed_at is not None
    assert selectors.risk_heatmap(project) == {"cells": []}


# --- estimation -----------------------------------------------------------------------------------------


def test_three_point_estimate_and_pert_summary(rep):
    project = make_project(rep, planned_start=timezone.localdate())
    a = make_item(rep, project, "A")
    b = make_item(rep, project, "B", depends_on=[a])
    make_item(rep, project, "C")
    services.item_estimate(
        actor=rep, item=a, optimistic=Decimal(4), most_likely=Decimal(6), pessimistic=Decimal(14)
    )
    services.item_estimate(
        actor=rep, item=b, optimistic=Decimal(2), most_likely=Decimal(4), pessimistic=Decimal(6)
    )
    with pytest.raises(DomainError, match="optimistic ≤ most likely ≤ pessimistic"):
        services.item_estimate(
            actor=rep, item=b, optimistic=Decimal(5), most_likely=Decimal(4), pessimistic=Decimal(6)
        )
    with pytest.raises(DomainError, match="Give all three estimates, or none."):
        services.item_estimate(
            actor=rep, item=b, optimistic=Decimal(5), most_likely=None, pessimistic=Decimal(6)
        )
    summary = selectors.pert_summary(project, timezone.localdate() + datetime.timedelta(days=11))
    # A: E = (4 + 24 + 14) / 6 = 7.00, σ = 10/6 = 1.67; B: E = 4.00, σ = 0.67
    assert summary["critical_names"] == ["A", "B"]
    assert summary["critical"].expected == Decimal("11.00")
    assert summary["probability"] == Decimal("50.0")


def test_delphi_rounds_anonymous_and_moderated(rep, teammate, manager, other_rep):
    project = make_project(rep)
    for person in (teammate, manager, other_rep):
        services.member_add(actor=rep, project=project, user=person, role="member")
    with pytest.raises(DomainError, match="Choose 3 to 7 different active estimators."):
        services.delphi_start(actor=rep, project=project, topic="Install", estimators=[teammate, manager])
    session = services.delphi_start(
        actor=rep, project=project, topic="Install", estimators=[teammate, manager, other_rep]
    )
    with pytest.raises(Forbidden, match="Only the estimators of this session give estimates."):
        services.delphi_estimate(actor=rep, session=session, value=Decimal(5))
    for person, value in ((teammate, 10), (manager, 20), (other_rep, 30)):
        services.delphi_estimate(actor=person, session=session, value=Decimal(value))
    with pytest.raises(DomainError, match="You already gave your estimate for this round."):
        services.delphi_estimate(actor=teammate, session=session, value=Decimal(1))
    moderator_view = selectors.delphi_view(session, rep)
    assert moderator_view["rounds"][0].spread_pct == Decimal("100.00")
    assert moderator_view["converged"] is False
    assert selectors.delphi_view(session, teammate)["rounds"] == []  # round still open
    with pytest.raises(Forbidden, match="Only the moderator runs the rounds."):
        services.delphi_next_round(actor=teammate, session=session)
    session = services.delphi_next_round(actor=rep, session=session)
    for person, value in ((teammate, 19), (manager, 20), (other_rep, 21)):
        services.delphi_estimate(actor=person, session=session, value=Decimal(value))
    view = selectors.delphi_view(session, rep)
    assert view["converged"] is True
    assert len(selectors.delphi_view(session, teammate)["rounds"]) == 1
    session = services.delphi_finish(actor=rep, session=session, final_estimate=Decimal(20))
    assert session.status == "closed"
    with pytest.raises(Conflict, match="This estimation is closed."):
        services.delphi_estimate(actor=teammate, session=session, value=Decimal(1))
    # the audit trail never names a value
    assert all("value" not in e.after for e in AuditEvent.objects.filter(action="delivery.delphi_estimated"))


def test_analogy_from_recorded_cost(rep):
    past = make_project(rep)
    current = make_project(rep)
    with pytest.raises(DomainError, match="The reference project has no recorded actual or final cost."):
        services.analogy_create(actor=rep, project=current, reference=past, factor=Decimal("1.2"))
    services.cost_record(
        actor=rep,
        project=past,
        data={
            "stage": "final",
            "category": "equipment",
            "amount": Decimal("1000.00"),
            "entry_date": timezone.localdate(),
        },
    )
    analogy = services.analogy_create(actor=rep, project=current, reference=past, factor=Decimal("1.2"))
    assert analogy.estimate == Decimal("1200.00")


# --- cost -------------------------------------------------------------------------------------------------


def test_cost_table_variance_quality_and_earned_value(rep):
    project = make_project(rep)
    today = timezone.localdate()
    item = make_item(
        rep,
        project,
        planned_start=today - datetime.timedelta(days=10),
        planned_finish=today + datetime.timedelta(days=10),
        planned_value=Decimal("1000"),
    )
    services.item_update(actor=rep, item=item, data={"progress": 40})
    for stage, amount, quality in (
        ("budget", 1000, ""),
        ("actual", 500, "appraisal"),
        ("actual", 100, "internal_failure"),
    ):
        services.cost_record(
            actor=rep,
            project=project,
            data={
                "stage": stage,
                "category": "labour",
                "amount": Decimal(amount),
                "quality_cost": quality,
                "entry_date": today,
            },
        )
    table = selectors.cost_table(project)
    labour = next(r for r in table["rows"] if str(r["label"]) == "Labour")
    assert labour["values"] == [Decimal(0), Decimal(1000), Decimal(600), Decimal(0)]
    assert labour["actual_variance"] == Decimal(-400)
    assert table["conformance"] == Decimal(500)
    assert table["failure"] == Decimal(100)
    ev = selectors.earned_value(project, today)
    assert (ev.pv, ev.ev, ev.ac) == (Decimal("500.00"), Decimal("400.00"), Decimal("600.00"))
    assert (ev.spi, ev.cpi) == (Decimal("0.80"), Decimal("0.67"))
    with pytest.raises(DomainError):
        services.cost_record(
            actor=rep,
            project=project,
            data={"stage": "budget", "category": "labour", "amount": Decimal(-1), "entry_date": today},
        )


# --- reviews and meetings ----------------------------------------------------------------------------------


def test_review_conclusion_and_findings(rep):
    project = make_project(rep)
    review = services.review_create(
        actor=rep,
        project=project,
        kind="technical",
        title="Design",
        review_date=timezone.localdate(),
        checklist=["A", "B"],
    )
    with pytest.raises(DomainError, match="Give the conditions or the reasons for the failure."):
        services.review_conclude(actor=rep, review=review, conclusion="fail")
    finding = services.finding_add(
        actor=rep, review=review, description="Fix", severity="major", owner=rep, due=timezone.localdate()
    )
    review = services.review_conclude(actor=rep, review=review, conclusion="pass", passed_items=[0])
    assert [row["ok"] for row in review.checklist] == [True, False]
    services.finding_close(actor=rep, finding=finding)
    with pytest.raises(Conflict, match="This finding is already closed."):
        services.finding_close(actor=rep, finding=finding)


def test_meeting_actions_and_my_work(rep):
    from openltc.delivery.mywork import delivery_work

    project = make_project(rep)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    meeting = services.meeting_record(
        actor=rep,
        project=project,
        kind="regular",
        title="Weekly",
        held_on=yesterday,
        actions=[{"description": "Call", "owner": rep, "due": yesterday}],
    )
    make_item(rep, project, planned_start=yesterday - datetime.timedelta(days=5), planned_finish=yesterday)
    labels = {str(w.label): w.count for w in delivery_work(rep)}
    assert labels == {"Overdue delivery tasks and milestones": 1, "Overdue meeting actions": 1}
    services.action_done(actor=rep, action=meeting.actions.get())
    assert "Overdue meeting actions" not in {str(w.label) for w in delivery_work(rep)}


# --- closure and ATCC --------------------------------------------------------------------------------


def test_closure_conditions_and_atcc(rep):
    contract = signed_contract(rep)
    assert [s.reasons for s in closure.evaluate(contract) if s.code == "delivery"] == [
        ("No delivery project was set up for this contract.",)
    ]
    project = make_project(rep, contract=contract)
    m = make_item(rep, project, kind="milestone", name="PAC", plan_line=plan_line(project))
    services.project_start(actor=rep, project=project)
    risk = services.risk_create(
        actor=rep,
        project=project,
        data={
            "title": "R",
            "category": "cost",
            "probability": 1,
            "impact": 1,
            "owner": rep,
            "response": "accept",
        },
    )
    reasons = next(s.reasons for s in closure.evaluate(contract) if s.code == "delivery")
    assert reasons == (
        "Delivery milestones not accepted by the customer yet: PAC.",
        "1 risk is still open.",
        "The final accounts (决算) are not recorded.",
        f"The delivery project {project.number} is not closed with its summary.",
    )
    with pytest.raises(TransitionRefused, match="Delivery milestones not accepted by the customer yet: PAC."):
        services.project_close(actor=rep, project=project, summary="Done")
    _accept(rep, m)
    services.risk_update(actor=rep, risk=risk, data={"status": "closed"})
    services.cost_record(
        actor=rep,
        project=project,
        data={
            "stage": "final",
            "category": "labour",
            "amount": Decimal(10),
            "entry_date": timezone.localdate(),
        },
    )
    with pytest.raises(DomainError, match="Write the project summary"):
        services.project_close(actor=rep, project=project, summary=" ")
    project = services.project_close(
        actor=rep, project=project, summary="Delivered", lessons_learned="Plan earlier"
    )
    assert project.status == "closed"
    assert next(s for s in closure.evaluate(contract) if s.code == "delivery").met
    with pytest.raises(Conflict, match="The delivery project is closed"):
        make_item(rep, project)


def test_the_fr_in_charge_records_acceptance_without_rights_on_the_contract(rep, org):
    # The FR works on the delivery project, not on the contract: the acceptance still makes the
    # linked payment milestone billable (the delivery service is the one that checks the rights).
    from conftest import make_user
    from openltc.core.visibility import CHANGE, can_access
    from openltc.org.roles import Role

    fr = make_user("fr.only", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team)
    project = make_project(rep, fr=fr)
    assert not can_access(fr, project.contract, CHANGE)
    line = plan_line(project)
    m = make_item(rep, project, kind="milestone", name="PAC", plan_line=line)
    services.project_start(actor=rep, project=project)
    _accept(fr, m)
    assert ReceivablePlanLine.objects.get(pk=line.pk).trigger_date == timezone.localdate()
    event = AuditEvent.objects.get(action="contract.receivable_trigger_recorded")
    assert (event.actor_id, event.after["via"]) == (fr.pk, "acceptance AC-1")
