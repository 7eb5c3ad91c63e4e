"""Demo data of the decision engine: a decision body per office, region and company, and gate
cases of every outcome on the demo opportunities, all made through the services (so routing,
separation of duties and the audit trail are real). Approved gates move their opportunity on."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from openltc.core.errors import DomainError

# index of the demo opportunity (by number) → (grade, script)
PLAN: list[tuple[str, str]] = [
    ("C", "won"),  # ATI, ATB (bid review), ATC approved: won
    ("C", "conditions"),  # ATI approved with an open condition
    ("B", "rejected"),  # ATI rejected at the region
    ("C", "deferred"),  # ATI deferred with a revisit date
    ("C", "returned"),  # ATI returned for rework
    ("A", "atb_review"),  # A-grade: ATI by the company, ATB in bid review
    ("C", "awaiting"),  # ATI submitted, waiting for the office
    ("B", "negotiating"),  # ATI and ATB approved: in negotiation, ATC awaiting
    ("C", "guiding"),  # ATI approved: guiding the customer
]


MOVING = {"won", "conditions", "atb_review", "negotiating", "guiding"}


def _bodies(stdout: Any) -> None:
    from openltc.decisions.models import DecisionBody
    from openltc.org.models import OrgUnit
    from openltc.org.roles import DecisionLevel

    if DecisionBody.objects.exists():
        return
    kinds: dict[str, int] = {
        OrgUnit.Kind.OFFICE: DecisionLevel.OFFICE,
        OrgUnit.Kind.REGION: DecisionLevel.REGION,
        OrgUnit.Kind.COMPANY: DecisionLevel.COMPANY,
    }
    bodies = [
        DecisionBody(name=f"{unit.name} SDT", level=kinds[unit.kind], org_unit=unit)
        for unit in OrgUnit.objects.filter(kind__in=list(kinds), is_active=True).order_by("path")
    ]
    DecisionBody.objects.bulk_create(bodies)
    if stdout is not None:
        stdout.write(f"demo: {len(bodies)} decision bodies\n")


def _prepare(owner: Any, opportunity: Any, gate: str) -> Any:
    from openltc.decisions import services

    case = services.case_open(actor=owner, subject=opportunity, gate=gate)
    for item in case.checklist.all():
        if item.needs_attachment:
            upload = SimpleUploadedFile(f"{gate}-{item.order}.txt", f"{item.label}\n".encode())
            services.attachment_add(actor=owner, case=case, upload=upload, item=item)
        else:
            services.checklist_answer(
                actor=owner, item=item, answer=f"{item.label}: 见附件与评估表 (see evaluation sheet)."
            )
    return services.case_submit(actor=owner, case=case)


def _complete_team(owner: Any, opportunity: Any) -> None:
    """Puts an SR and an FR from the owner's region on the team when they are missing."""
    from openltc.opportunities import services as opp_services
    from openltc.org.models import RoleAssignment
    from openltc.org.roles import Role

    have = set(opportunity.team_members.values_list("role", flat=True))
    paths = opportunity.org_unit.ancestors_paths()
    region = paths[1] if len(paths) > 1 else paths[0]
    for role, team_role in ((Role.SOLUTION, "sr"), (Role.FULFILMENT, "fr")):
        if team_role in have:
            continue
        ra = (
            RoleAssignment.objects.filter(role=role, org_unit__path__startswith=region)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if ra is not None:
            opp_services.team_member_add(actor=owner, opportunity=opportunity, user=ra.user, role=team_role)


def _decider(case: Any) -> Any:
    from openltc.decisions import selectors

    decider = selectors.eligible_deciders(case).exclude(pk=case.submitted_by_id).order_by("username").first()
    if decider is None:
        raise DomainError("no decider for the demo case")
    return decider


def _review(case: Any, reviewers: dict[str, Any], functions: list[str] | None = None) -> None:
    from openltc.decisions import services

    for function in functions or case.required_reviews:
        services.opinion_record(
            actor=reviewers[function],
            case=case,
            function=function,
            verdict="agree" if function != "legal" else "agree_with_conditions",
            reasons="评审通过 Reviewed: acceptable.",
            conditions="" if function != "legal" else "违约金上限 10% Cap liquidated damages at 10%.",
        )


def _advance(owner: Any, opportunity: Any, *stages: str) -> Any:
    from openltc.opportunities import services as opp_services

    for stage in stages:
        opportunity = opp_services.opportunity_advance(actor=owner, opportunity=opportunity, to_stage=stage)
    return opportunity


def _gate(
    owner: Any, opportunity: Any, gate: str, reviewers: dict[str, Any], outcome: str = "approved"
) -> Any:
    from openltc.decisions import services

    case = _prepare(owner, opportunity, gate)
    _review(case, reviewers)
    case.refresh_from_db()
    return services.decision_record(
        actor=_decider(case), case=case, outcome=outcome, rationale=f"{gate}: 同意 Agreed by the SDT."
    )


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    from openltc.decisions import services
    from openltc.decisions.models import DecisionCase
    from openltc.opportunities.models import Opportunity
    from openltc.org.models import User

    _bodies(stdout)
    if DecisionCase.objects.exists():
        return
    reviewers_by_name = {
        u.username: u for u in User.objects.filter(username__in=["finance", "legal", "delivery"])
    }
    if len(reviewers_by_name) < 3:
        return
    reviewers = {
        "finance": reviewers_by_name["finance"],
        "credit": reviewers_by_name["finance"],
        "legal": reviewers_by_name["legal"],
        "delivery": reviewers_by_name["delivery"],
        "supply_chain": reviewers_by_name["delivery"],
    }
    candidates = list(
        Opportunity.objects.filter(stage="validating")
        .select_related("owner", "org_unit")
        .prefetch_related("team_members")
        .order_by("number")
    )
    # Scripts that move the opportunity on need the iron triangle on its team.
    full = [o for o in candidates if {"ar", "sr", "fr"} <= {m.role for m in o.team_members.all()}]
    rest = [o for o in candidates if o not in full]
    assigned: list[tuple[str, str, Any]] = []
    for grade, script in PLAN:
        pool = full if script in MOVING and full else rest or full
        if pool:
            assigned.append((grade, script, pool.pop(0)))
    today = timezone.localdate()
    made = 0
    for grade, script, opportunity in assigned:
        owner = opportunity.owner
        # Demo shortcut: grading has no service yet; the grade is set directly on the demo record.
        Opportunity.objects.filter(pk=opportunity.pk).update(grade=grade)
        opportunity.refresh_from_db()
        try:
            if script == "awaiting":
                _prepare(owner, opportunity, "ATI")
            elif script == "returned":
                case = _prepare(owner, opportunity, "ATI")
                services.case_return_for_rework(
                    actor=_decider(case),
                    case=case,
                    reason="缺少客户付款能力分析 Payment-ability analysis missing.",
                )
            elif script in ("rejected", "deferred"):
                case = _prepare(owner, opportunity, "ATI")
                services.decision_record(
                    actor=_decider(case),
                    case=case,
                    outcome=script,
                    rationale="预算未落实 Budget not confirmed."
                    if script == "deferred"
                    else "不具备赢单条件 Not winnable.",
                    revisit_on=today + datetime.timedelta(days=30) if script == "deferred" else None,
                )
            elif script == "conditions":
                case = _prepare(owner, opportunity, "ATI")
                services.decision_record(
                    actor=_decider(case),
                    case=case,
                    outcome="approved_with_conditions",
                    rationale="有条件立项 Initiate once the coach is confirmed.",
                    conditions=[
                        services.ConditionInput(
                            text="确认教练 Confirm a coach in the customer's decision chain",
                            owner=owner,
                            due_date=today + datetime.timedelta(days=14),
                        )
                    ],
                )
                _advance(owner, opportunity, "initiated")
            else:
                _complete_team(owner, opportunity)
                _gate(owner, opportunity, "ATI", reviewers)
                if script == "guiding":
                    _advance(owner, opportunity, "initiated", "guiding")
                    made += 1
                    continue
                opportunity = _advance(owner, opportunity, "initiated", "guiding", "bidding")
                if script == "atb_review":
                    case = _prepare(owner, opportunity, "ATB")
                    _review(case, reviewers, ["finance"])
                else:
                    _gate(owner, opportunity, "ATB", reviewers)
                    opportunity = _advance(owner, opportunity, "negotiating")
                    if script == "won":
                        _gate(owner, opportunity, "ATC", reviewers)
                        _advance(owner, opportunity, "won")
                    else:
                        case = _prepare(owner, opportunity, "ATC")
                        _review(case, reviewers)
            made += 1
        except DomainError as exc:  # the demo never forces a record past a rule
            if stdout is not None:
                stdout.write(f"demo: decision script {script} stopped: {exc.message}\n")
    if stdout is not None:
        stdout.write(f"demo: decision cases on {made} opportunities\n")
