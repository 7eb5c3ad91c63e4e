"""Process properties of the opportunity gates (issue 7, item 4).

Hypothesis drives random sequences of service calls by random actors — create, staff, open and
submit gate cases, give opinions, decide with every outcome, close conditions, advance to any
stage, close as lost — and after every step checks, from the stored rows alone:

- no opportunity stands past a gate (ATI → initiated, ATB → negotiating, ATC → won) without an
  approved decision for that gate on one of its cases;
- every recorded decision was taken by an SDT member at or above the routed level over the
  case's unit, who neither submitted the case nor gave an opinion on it (separation of duties);
- every stage change has its audit event, and the stored stage is the last change's target.

Refusals (DomainError, Forbidden, Conflict, NotFound, TransitionRefused) are the expected answer
to most random calls; anything else fails the test.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import make_user
from openltc.core.errors import DomainError
from openltc.core.models import AuditEvent
from openltc.decisions import services as decisions
from openltc.decisions.choices import Outcome
from openltc.decisions.models import Decision, DecisionCase, DecisionCondition, ReviewOpinion
from openltc.decisions.tests.factories import fill_checklist
from openltc.opportunities import services as opportunities
from openltc.opportunities.assessment import required_roles
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_customer
from openltc.org.models import RoleAssignment
from openltc.org.roles import Role

pytestmark = [pytest.mark.django_db]

# Refusals are errors the services raise on purpose; all derive from DomainError.
REFUSED = (DomainError,)
GATE_OF_STAGE = {Stage.INITIATED: "ATI", Stage.NEGOTIATING: "ATB", Stage.WON: "ATC"}
STAGE_ORDER = [Stage.VALIDATING, Stage.INITIATED, Stage.GUIDING, Stage.BIDDING, Stage.NEGOTIATING, Stage.WON]
APPROVALS = (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS)


def furthest_stage(opportunity: Opportunity) -> str:
    """The furthest forward stage the opportunity ever reached (lost/abandoned keep their past)."""
    reached = set(opportunity.stage_changes.values_list("to_stage", flat=True))
    return max((s for s in STAGE_ORDER if s in reached), key=STAGE_ORDER.index)


def authorised_at_level(user_id: Any, case: DecisionCase) -> bool:
    unit_path = case.org_unit.path
    levels = RoleAssignment.objects.current().filter(
        user_id=user_id, role=Role.SDT_MEMBER, decision_level__gte=case.routed_level or 3
    )
    return any(unit_path.startswith(path) for path in levels.values_list("org_unit__path", flat=True))


class GateProcess(RuleBasedStateMachine):
    people: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.opportunities: list[Any] = []
        self.cases: list[Any] = []
        self.steps = 0

    # --- actions --------------------------------------------------------------------------------

    def _try(self, call: Any) -> Any:
        self.steps += 1
        try:
            with transaction.atomic():
                return call()
        except REFUSED:
            return None

    def person(self, data: st.DataObject) -> Any:
        return self.people[data.draw(st.sampled_from(sorted(self.people)))]

    @rule(grade=st.sampled_from(["A", "B", "C"]), amount=st.sampled_from(["50000", "3000000", "80000000"]))
    def create(self, grade: str, amount: str) -> None:
        rep = self.people["rep"]
        o = opportunities.opportunity_create(
            actor=rep,
            customer=self.customer,
            title="Property deal",
            amount=Decimal(amount),
            currency="CNY",
            owner=rep,
            org_unit=rep.home_unit,
        )
        # The grade is set directly: grading has its own tests; here it only feeds the routing.
        Opportunity.objects.filter(pk=o.pk).update(grade=grade)
        self.opportunities.append(o.pk)

    @precondition(lambda self: self.opportunities)
    @rule(data=st.data())
    def staff(self, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(self.opportunities))
        who, role = data.draw(st.sampled_from([("teammate", TeamRole.SR), ("fr", TeamRole.FR)]))
        actor = self.person(data)
        self._try(
            lambda: opportunities.team_member_add(
                actor=actor, opportunity=Opportunity.objects.get(pk=pk), user=self.people[who], role=role
            )
        )

    @precondition(lambda self: self.opportunities)
    @rule(data=st.data(), gate=st.sampled_from(["ATI", "ATB", "ATC"]))
    def open_and_submit(self, data: st.DataObject, gate: str) -> None:
        pk = data.draw(st.sampled_from(self.opportunities))
        actor = self.person(data)

        def call() -> DecisionCase:
            case = decisions.case_open(actor=actor, subject=Opportunity.objects.get(pk=pk), gate=gate)
            fill_checklist(actor, case)
            return decisions.case_submit(actor=actor, case=case)

        case = self._try(call)
        if case is not None:
            self.cases.append(case.pk)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), verdict=st.sampled_from(["agree", "agree_with_conditions", "disagree"]))
    def give_opinion(self, data: st.DataObject, verdict: str) -> None:
        case = DecisionCase.objects.get(pk=data.draw(st.sampled_from(self.cases)))
        actor = self.person(data)
        function = data.draw(st.sampled_from(case.required_reviews or ["finance"]))
        self._try(
            lambda: decisions.opinion_record(
                actor=actor, case=case, function=function, verdict=verdict, reasons="property step"
            )
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), outcome=st.sampled_from(Outcome.values))
    def decide(self, data: st.DataObject, outcome: str) -> None:
        case = DecisionCase.objects.get(pk=data.draw(st.sampled_from(self.cases)))
        actor = self.person(data)
        today = timezone.localdate()
        extra: dict[str, Any] = {}
        if outcome == Outcome.DEFERRED:
            extra["revisit_on"] = today + datetime.timedelta(days=7)
        if outcome == Outcome.APPROVED_WITH_CONDITIONS:
            extra["conditions"] = [
                decisions.ConditionInput(
                    text="Confirm the budget",
                    owner=self.people["rep"],
                    due_date=today + datetime.timedelta(days=5),
                )
            ]
        self._try(
            lambda: decisions.decision_record(
                actor=actor, case=case, outcome=outcome, rationale="property step", **extra
            )
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def close_condition(self, data: st.DataObject) -> None:
        conditions = list(
            DecisionCondition.objects.filter(case_id__in=self.cases).values_list("pk", flat=True)
        )
        if not conditions:
            return
        condition = DecisionCondition.objects.get(pk=data.draw(st.sampled_from(conditions)))
        actor = self.person(data)
        self._try(lambda: decisions.condition_close(actor=actor, condition=condition, note="done"))

    @precondition(lambda self: self.opportunities)
    @rule(data=st.data(), to_stage=st.sampled_from(STAGE_ORDER))
    def advance(self, data: st.DataObject, to_stage: str) -> None:
        pk = data.draw(st.sampled_from(self.opportunities))
        actor = self.person(data)
        self._try(
            lambda: opportunities.opportunity_advance(
                actor=actor, opportunity=Opportunity.objects.get(pk=pk), to_stage=to_stage
            )
        )

    @precondition(lambda self: self.opportunities)
    @rule(
        data=st.data(),
        decider=st.sampled_from(["manager", "region_vp", "executive", "rep", "finance"]),
        outcome=st.sampled_from([Outcome.APPROVED, Outcome.APPROVED, Outcome.REJECTED]),
    )
    def work_towards_the_next_gate(self, data: st.DataObject, decider: str, outcome: str) -> None:
        """The purposeful path (staff, prepare, review, decide, advance) with a random decider, so
        the walk gets past the gates often enough for the properties to bite."""
        pk = data.draw(st.sampled_from(self.opportunities))
        rep = self.people["rep"]
        o = Opportunity.objects.get(pk=pk)
        if not o.is_open:
            return
        # The iron triangle plus the extended roles the grade requires (the real, configured rule:
        # opportunities.assessment.required_roles; A: project executive and leader, B: leader).
        extended = {TeamRole.PROJECT_EXECUTIVE: "manager", TeamRole.PROJECT_LEADER: "rep"}
        staffing = [("teammate", TeamRole.SR), ("fr", TeamRole.FR)] + [
            (extended.get(role, "teammate"), role) for role in sorted(required_roles(o.grade))
        ]
        for who, role in staffing:
            if not o.team_members.filter(role=role).exists():
                self._try(
                    lambda who=who, role=role: opportunities.team_member_add(
                        actor=rep, opportunity=o, user=self.people[who], role=role
                    )
                )
        gate = {
            Stage.VALIDATING: "ATI",
            Stage.GUIDING: "ATB",
            Stage.BIDDING: "ATB",
            Stage.NEGOTIATING: "ATC",
        }.get(o.stage)
        if gate is None:
            self._try(
                lambda: opportunities.opportunity_advance(
                    actor=rep, opportunity=Opportunity.objects.get(pk=pk), to_stage=Stage.GUIDING
                )
            )
            return

        def prepare_and_decide() -> DecisionCase:
            case = decisions.case_open(actor=rep, subject=Opportunity.objects.get(pk=pk), gate=gate)
            fill_checklist(rep, case)
            case = decisions.case_submit(actor=rep, case=case)
            for function in case.required_reviews:
                decisions.opinion_record(
                    actor=self.people[function], case=case, function=function, verdict="agree", reasons="ok"
                )
            case.refresh_from_db()
            return decisions.decision_record(
                actor=self.people[decider], case=case, outcome=outcome, rationale="property step"
            )

        case = self._try(prepare_and_decide)
        if case is not None:
            self.cases.append(case.pk)
        for stage in STAGE_ORDER[STAGE_ORDER.index(o.stage) + 1 :]:
            if (
                self._try(
                    lambda stage=stage: opportunities.opportunity_advance(
                        actor=rep, opportunity=Opportunity.objects.get(pk=pk), to_stage=stage
                    )
                )
                is None
            ):
                break

    @precondition(lambda self: self.opportunities)
    @rule(data=st.data())
    def lose(self, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(self.opportunities))
        actor = self.person(data)
        self._try(
            lambda: opportunities.opportunity_close_lost(
                actor=actor,
                opportunity=Opportunity.objects.get(pk=pk),
                reason_code="price",
                competitor="Rival",
            )
        )

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def no_stage_past_a_gate_without_an_approved_decision(self) -> None:
        for o in Opportunity.objects.filter(pk__in=self.opportunities):
            reached = STAGE_ORDER.index(furthest_stage(o))
            for stage, gate in GATE_OF_STAGE.items():
                if reached < STAGE_ORDER.index(stage):
                    continue
                approved = Decision.objects.filter(
                    case__gate=gate, case__subject_id=str(o.pk), outcome__in=APPROVALS
                )
                assert approved.exists(), f"{o.number} reached {o.stage} without an approved {gate}"

    @invariant()
    def decisions_respect_level_and_separation_of_duties(self) -> None:
        for decision in Decision.objects.filter(case_id__in=self.cases).select_related("case__org_unit"):
            case = decision.case
            principal = decision.on_behalf_of_id or decision.decided_by_id
            assert principal != case.submitted_by_id, "the submitter decided"
            reviewers = set(ReviewOpinion.objects.filter(case=case).values_list("reviewer_id", flat=True))
            assert principal not in reviewers, "a reviewer decided"
            assert decision.decided_by_id not in reviewers, "a reviewer decided for someone"
            assert authorised_at_level(principal, case), "a decider below the routed level decided"

    @invariant()
    def every_stage_change_is_audited_and_the_stage_is_the_last_change(self) -> None:
        for o in Opportunity.objects.filter(pk__in=self.opportunities):
            changes = list(o.stage_changes.order_by("changed_at", "id"))
            assert changes
            assert changes[-1].to_stage == o.stage
            audited = AuditEvent.objects.filter(
                subject_id=str(o.pk),
                action__in=["opportunity.created", "opportunity.advanced", "opportunity.lost"],
            ).count()
            assert audited == len(changes)


def test_gate_process_properties(
    org: Any, rep: Any, teammate: Any, other_rep: Any, manager: Any, region_vp: Any, executive: Any
) -> None:
    fr = make_user("fr.prop", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team)
    reviewers = {
        "finance": make_user("fin.prop", (Role.FINANCE, org.sh, None), home=org.sh),
        "legal": make_user("legal.prop", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": make_user("delivery.prop", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh),
    }
    people = {
        "rep": rep,
        "teammate": teammate,
        "fr": fr,
        "other_rep": other_rep,
        "manager": manager,
        "region_vp": region_vp,
        "executive": executive,
        **reviewers,
        # An A-grade gets every functional review at ATB and ATC (review depth by grade).
        "credit": reviewers["finance"],
        "supply_chain": reviewers["delivery"],
    }
    customer = make_customer(rep, rep.home_unit)
    steps: list[int] = []
    reached: dict[str, int] = {}

    class Machine(GateProcess):
        def __init__(self) -> None:
            super().__init__()
            self.people = people
            self.customer = customer

        def teardown(self) -> None:
            steps.append(self.steps)
            for o in Opportunity.objects.filter(pk__in=self.opportunities):
                reached[furthest_stage(o)] = reached.get(furthest_stage(o), 0) + 1

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=40,
            deadline=None,
            # Derandomized (a fixed seed, no example database): the same walks on every run, so
            # the coverage assertion below cannot flake.
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print(f"steps={sum(steps)} reached={reached}")  # noqa: T201  (shown with -s; reliability.md)
    _record_figure(steps=sum(steps), examples=len(steps), reached=reached)
    # The random walk must get past the gates, or the properties would hold vacuously. The
    # purposeful step staffs the grade's required extended roles, so walks pass ATI (and further).
    past_ati = sum(
        n for stage, n in reached.items() if STAGE_ORDER.index(stage) >= STAGE_ORDER.index(Stage.INITIATED)
    )
    assert past_ati >= 1, f"no walk passed ATI: {reached}"
    assert sum(steps) > 0


def _record_figure(**values: Any) -> None:
    import json
    import os

    target = os.environ.get("OPENLTC_RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"figure": "gate_properties", **values}) + "\n")
