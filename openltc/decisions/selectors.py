"""Reads of the decision engine, including the public query API the subject workflows call:
``approved_decision(subject, gate)`` and ``open_conditions(subject)``."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.decisions.choices import (
    APPROVING_OUTCOMES,
    GATE_ORDER,
    OPEN_CASE_STATUSES,
    REVIEW_ROLES,
    CaseStatus,
    ConditionStatus,
    QuorumRule,
)
from openltc.decisions.models import (
    Decision,
    DecisionBody,
    DecisionCase,
    DecisionCondition,
    Deputy,
    GateRequirement,
    GateSetting,
)
from openltc.decisions.workflow import Facts
from openltc.org.models import OrgUnit, RoleAssignment, User
from openltc.org.roles import Role

# --- public query API for subjects --------------------------------------------------------------


def _subject_filter(subject: Any) -> Q:
    return Q(
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=str(subject.pk),
    )


def approved_decision(subject: Any, gate: str) -> Decision | None:
    """The approving decision of the subject's latest decided case for ``gate``, when it was made
    by an authorised decider at or above the routed level; otherwise None.

    A later rejection (or a later case still open after a rejection) means there is no approval.
    """
    case = (
        DecisionCase.objects.filter(_subject_filter(subject), gate=gate, status=CaseStatus.DECIDED)
        .order_by("-decided_at", "-created_at")
        .first()
    )
    if case is None or case.outcome not in APPROVING_OUTCOMES:
        return None
    decision = (
        Decision.objects.filter(case=case, round=case.round, outcome__in=APPROVING_OUTCOMES)
        .select_related("decided_by", "on_behalf_of", "case")
        .first()
    )
    if decision is None or decision.decider_level < decision.routed_level:
        return None
    return decision


def approved_subject_ids(model: Any, gate: str) -> set[str]:
    """The ids (as stored on decision cases) of every ``model`` row that has an approving decision
    at ``gate``, in one query: for set-based checks (``openltc check-integrity``)."""
    return set(
        Decision.objects.filter(
            outcome__in=APPROVING_OUTCOMES,
            case__gate=gate,
            case__subject_type=ContentType.objects.get_for_model(model),
        ).values_list("case__subject_id", flat=True)
    )


def open_conditions(subject: Any) -> QuerySet[DecisionCondition]:
    """The subject's conditions still open, from any of its decisions."""
    return (
        DecisionCondition.objects.filter(status=ConditionStatus.OPEN)
        .filter(
            case__subject_type=ContentType.objects.get_for_model(type(subject)),
            case__subject_id=str(subject.pk),
        )
        .select_related("owner", "case")
        .order_by("due_date", "created_at")
    )


@dataclass(frozen=True)
class GateFacts:
    """What a subject's workflow guards need from the decision engine, loaded in one place."""

    approved: frozenset[str] = frozenset()
    open_conditions: tuple[tuple[str, str], ...] = ()  # (gate of the decision, condition text)
    latest: dict[str, DecisionCase] = field(default_factory=dict)


def gate_facts(subject: Any, gates: Sequence[str] = GATE_ORDER) -> GateFacts:
    """The gates the subject has an authorised approval for, its open conditions and its latest
    case per gate."""
    if subject is None or subject.pk is None:
        return GateFacts()
    approved = frozenset(g for g in gates if approved_decision(subject, g) is not None)
    conditions = tuple((c.case.gate, c.text) for c in open_conditions(subject))
    latest: dict[str, DecisionCase] = {}
    for case in cases_for_subject(subject).filter(gate__in=list(gates)):
        latest.setdefault(case.gate, case)
    return GateFacts(approved=approved, open_conditions=conditions, latest=latest)


def latest_case(subject: Any, gate: str) -> DecisionCase | None:
    return DecisionCase.objects.filter(_subject_filter(subject), gate=gate).order_by("-created_at").first()


def cases_for_subject(subject: Any) -> QuerySet[DecisionCase]:
    return (
        DecisionCase.objects.filter(_subject_filter(subject))
        .select_related("submitted_by", "decision_body")
        .order_by("-created_at")
    )


# --- who may do what --------------------------------------------------------------------------


def decider_level(user: Any, unit: OrgUnit | None, on: datetime.date | None = None) -> int | None:
    """The user's highest SDT decision level over ``unit`` (assigned there or at an ancestor)."""
    if user is None or unit is None or not getattr(user, "is_active", False):
        return None
    level = (
        RoleAssignment.objects.current()
        .filter(user=user, role=Role.SDT_MEMBER, org_unit__path__in=unit.ancestors_paths())
        .aggregate(level=Max("decision_level"))["level"]
    )
    return int(level) if level is not None else None


def valid_deputyship(*, deputy: Any, principal: Any, on: datetime.date | None = None) -> bool:
    day = on or timezone.localdate()
    return Deputy.objects.filter(
        deputy=deputy,
        principal=principal,
        revoked_at__isnull=True,
        valid_from__lte=day,
        valid_until__gte=day,
    ).exists()


def reviewer_functions(user: Any, unit: OrgUnit | None) -> set[str]:
    """The review functions the user may give an opinion for over ``unit``."""
    if user is None or unit is None:
        return set()
    if getattr(user, "is_superuser", False):
        return set(REVIEW_ROLES)
    roles = set(
        RoleAssignment.objects.current()
        .filter(user=user, org_unit__path__in=unit.ancestors_paths())
        .values_list("role", flat=True)
    )
    return {function for function, allowed in REVIEW_ROLES.items() if roles & set(allowed)}


def body_members(body: DecisionBody) -> QuerySet[User]:
    """The body's members: SDT members at its level, assigned at its unit or an ancestor."""
    ids = (
        RoleAssignment.objects.current()
        .filter(
            role=Role.SDT_MEMBER,
            decision_level=body.level,
            org_unit__path__in=body.org_unit.ancestors_paths(),
        )
        .values("user_id")
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def eligible_deciders(case: DecisionCase) -> QuerySet[User]:
    """Everyone who may decide the case: SDT members at the routed level or above over its unit."""
    ids = (
        RoleAssignment.objects.current()
        .filter(
            role=Role.SDT_MEMBER,
            decision_level__gte=case.routed_level or 3,
            org_unit__path__in=case.org_unit.ancestors_paths(),
        )
        .values("user_id")
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def eligible_reviewers(case: DecisionCase) -> QuerySet[User]:
    roles = {role for f in case.required_reviews for role in REVIEW_ROLES.get(f, ())}
    ids = (
        RoleAssignment.objects.current()
        .filter(role__in=roles, org_unit__path__in=case.org_unit.ancestors_paths())
        .values("user_id")
    )
    qs = User.objects.filter(pk__in=ids, is_active=True)
    return qs.exclude(pk=case.submitted_by_id) if case.submitted_by_id else qs


def quorum_rule(case: DecisionCase) -> str:
    body = case.decision_body
    return body.quorum_rule if body is not None and body.is_active else QuorumRule.SINGLE


def gate_setting(gate: str) -> GateSetting:
    found = GateSetting.objects.filter(gate=gate).first()
    return found if found is not None else GateSetting(gate=gate)


def requirements_for(gate: str, grade: str | None) -> QuerySet[GateRequirement]:
    qs = GateRequirement.objects.filter(gate=gate, is_active=True)
    grade_q = Q(grade__isnull=True) | Q(grade="")
    if grade:
        grade_q |= Q(grade=grade)
    return qs.filter(grade_q).order_by("order", "label")


def missing_reviews(case: DecisionCase) -> tuple[str, ...]:
    given = set(case.opinions.filter(round__gte=review_round(case)).values_list("function", flat=True))
    return tuple(f for f in case.required_reviews if f not in given)


def review_round(case: DecisionCase) -> int:
    """Opinions count from the round in which the case was last submitted (a reopened deferral
    keeps them; a resubmission after rework needs them again)."""
    return int(case.review_round)


def missing_items(case: DecisionCase) -> tuple[str, ...]:
    missing = []
    for item in case.checklist.prefetch_related("attachments"):
        if not item.is_required:
            continue
        has_answer = bool(item.answer.strip())
        has_file = any(True for _a in item.attachments.all())
        if (item.needs_attachment and not has_file) or (
            not item.needs_attachment and not (has_answer or has_file)
        ):
            missing.append(item.label)
    return tuple(missing)


def blocking_conditions(case: DecisionCase) -> tuple[str, ...]:
    """Open conditions of the subject's earlier gates: they block this (later) gate."""
    earlier = GATE_ORDER[: GATE_ORDER.index(case.gate)] if case.gate in GATE_ORDER else ()
    qs = DecisionCondition.objects.filter(
        status=ConditionStatus.OPEN,
        case__subject_type_id=case.subject_type_id,
        case__subject_id=case.subject_id,
        case__gate__in=earlier,
    ).exclude(case=case)
    return tuple(c.text for c in qs.order_by("due_date"))


def can_prepare(user: Any, case: DecisionCase) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if case.created_by_id == user.pk:
        return True
    subject = case.subject
    return subject is not None and can_access(user, subject, CHANGE)


def case_facts(case: DecisionCase, *, actor: Any, action: str, on_behalf_of: Any = None) -> Facts:
    """Everything the workflow guards need for ``actor`` doing ``action`` on ``case``."""
    principal = on_behalf_of or actor
    base: dict[str, Any] = {"actor_id": actor.pk, "principal_id": principal.pk}
    if action == "submit":
        return Facts(
            **base,
            can_prepare=can_prepare(actor, case),
            missing_items=missing_items(case),
            blocking_conditions=blocking_conditions(case),
        )
    voters = frozenset(case.votes.filter(round=case.round).values_list("principal_id", flat=True))
    if action == "review":
        return Facts(**base, voter_ids=voters)
    if action == "reopen":
        return Facts(**base)
    reviewers = frozenset(case.opinions.values_list("reviewer_id", flat=True))
    acting_for_other = on_behalf_of is not None and on_behalf_of.pk != actor.pk
    deputy_ok = acting_for_other and valid_deputyship(deputy=actor, principal=on_behalf_of)
    return Facts(
        **base,
        acting_for_other=acting_for_other,
        deputy_valid=deputy_ok,
        principal_level=decider_level(principal, case.org_unit),
        reviewer_ids=reviewers,
        voter_ids=voters,
        missing_reviews=missing_reviews(case) if action == "decide" else (),
    )


def principals_for(user: Any) -> list[User]:
    """The people ``user`` may decide for today: themself and those who appointed them deputy."""
    day = timezone.localdate()
    others = User.objects.filter(
        deputies_appointed__deputy=user,
        deputies_appointed__revoked_at__isnull=True,
        deputies_appointed__valid_from__lte=day,
        deputies_appointed__valid_until__gte=day,
    ).distinct()
    return [user, *others]


# --- lists and single records --------------------------------------------------------------------


def case_get(*, user: Any, pk: Any, action: str = VIEW) -> DecisionCase:
    qs = DecisionCase.objects.select_related(
        "org_unit",
        "decision_body",
        "routing_rule",
        "submitted_by",
        "created_by",
        "subject_type",
        "escalated_to",
    )
    if action == VIEW and _decides_or_reviews(user, pk):
        try:
            return qs.get(pk=pk)
        except (DecisionCase.DoesNotExist, ValueError):
            pass
    return get_for_user(qs, user=user, pk=pk, action=action)


def _decides_or_reviews(user: Any, pk: Any) -> bool:
    """Reviewers who gave an opinion, and deputies of a decider, see a case even outside their
    own org-unit sight (deciders and functional reviewers already see their subtree)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    try:
        case = DecisionCase.objects.select_related("org_unit").get(pk=pk)
    except (DecisionCase.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        return False
    if case.opinions.filter(reviewer=user).exists():
        return True
    return any(decider_level(p, case.org_unit) is not None for p in principals_for(user)[1:])


def _base_list() -> Any:
    return DecisionCase.objects.select_related(
        "org_unit", "decision_body", "submitted_by", "subject_type", "escalated_to"
    )


def waiting_for_my_decision(user: Any) -> Any:
    """Cases awaiting a decision that ``user`` (or a principal they deputise for) may decide and
    has not yet voted on, excluding their own submissions and cases they reviewed."""
    condition = Q(pk__in=[])
    principals = principals_for(user)
    for person in principals:
        for path, level in (
            RoleAssignment.objects.current()
            .filter(user=person, role=Role.SDT_MEMBER)
            .values_list("org_unit__path", "decision_level")
        ):
            condition |= Q(org_unit__path__startswith=path, routed_level__lte=level)
    return (
        _base_list()
        .filter(condition, status=CaseStatus.AWAITING_DECISION)
        .exclude(submitted_by=user)
        .exclude(opinions__reviewer=user)
        .exclude(votes__principal=user, votes__round=F("round"))
        .distinct()
        .order_by("submitted_at")
    )


def waiting_for_my_opinion(user: Any) -> list[DecisionCase]:
    """Open cases in the user's reach that need a function the user can review and lack it."""
    assignments = list(
        RoleAssignment.objects.current().filter(user=user).values_list("role", "org_unit__path")
    )
    condition = Q(pk__in=[])
    for _role, path in assignments:
        condition |= Q(org_unit__path__startswith=path)
    candidates = (
        _base_list()
        .filter(condition, status__in=OPEN_CASE_STATUSES)
        .exclude(submitted_by=user)
        .prefetch_related("opinions")
        .order_by("submitted_at")[:200]
    )
    result = []
    for case in candidates:
        paths = case.org_unit.ancestors_paths()
        roles = {role for role, path in assignments if path in paths}
        functions = {f for f, allowed in REVIEW_ROLES.items() if roles & set(allowed)}
        rr = review_round(case)
        given = {o.function for o in case.opinions.all() if o.round >= rr}
        mine = {o.function for o in case.opinions.all() if o.round >= rr and o.reviewer_id == user.pk}
        needed = (set(case.required_reviews) & functions) - given - mine
        if needed:
            result.append(case)
    return result


def my_submissions(user: Any) -> Any:
    return _base_list().filter(Q(submitted_by=user) | Q(created_by=user)).order_by("-created_at")


def decision_history(user: Any) -> Any:
    return _base_list().restrict(user).filter(status=CaseStatus.DECIDED).order_by("-decided_at")


def escalated_to_me(user: Any) -> Any:
    return _base_list().filter(escalated_to=user, status__in=OPEN_CASE_STATUSES).order_by("submitted_at")


def case_list(*, user: Any, filters: dict[str, Any] | None = None) -> Any:
    filters = filters or {}
    if filters.get("waiting_for_me"):
        qs = waiting_for_my_decision(user)
    else:
        qs = _base_list().restrict(user)
    if filters.get("gate"):
        qs = qs.filter(gate=filters["gate"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("-created_at")
