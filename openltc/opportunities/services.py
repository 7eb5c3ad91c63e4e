"""Writes about opportunities. Every write locks the row, checks the workflow and the caller's
rights, validates, saves and records one audit event in the same transaction.

The stage changes only here, and only through ``workflow.check_transition``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.core.audit import diff, record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound
from openltc.core.notifications import notify
from openltc.core.selectors import lock_for_update
from openltc.core.sequences import next_value
from openltc.core.services import check_version, validate
from openltc.core.visibility import CHANGE, VIEW, can_access, user_scope
from openltc.opportunities import workflow
from openltc.opportunities.choices import (
    OPEN_STAGES,
    ForecastCategory,
    Stage,
    TeamRole,
)
from openltc.opportunities.models import (
    STAGE_DEFAULTS,
    Opportunity,
    OpportunityStageChange,
    OpportunityTeamMember,
    StageSetting,
)

UPDATABLE_FIELDS = [
    "title",
    "contact",
    "amount",
    "currency",
    "expected_close_date",
    "competitors",
    "margin_pct",
    "payment_risk",
    "competition",
    "complexity",
    "solution_preference",
    "price_position",
    "competitor_status",
]
# Inputs of the grade: a change recomputes it. Inputs of the delegation matrix: a change re-routes
# undecided gate cases.
GRADING_FIELDS = {"amount", "currency", "margin_pct", "payment_risk", "competition", "complexity"}
ROUTING_FIELDS = {"amount", "currency", "margin_pct", "payment_risk"}
SNAPSHOT_FIELDS = [
    "number",
    "title",
    "customer",
    "contact",
    "amount",
    "currency",
    "expected_close_date",
    "stage",
    "probability",
    "forecast_category",
    "owner",
    "org_unit",
    "origin_lead",
]


def stage_setting(stage: str) -> StageSetting:
    """The admin's settings of a stage, or the built-in defaults when the row is missing."""
    found = StageSetting.objects.filter(stage=stage).first()
    if found is not None:
        return found
    d = STAGE_DEFAULTS[stage]
    return StageSetting(
        stage=stage,
        order=d.order,
        default_probability=d.probability,
        default_forecast_category=d.forecast_category,
        probability_band=d.band,
        norm_days=d.norm_days,
        is_open=d.is_open,
    )


def _issue_number(today: datetime.date) -> str:
    """The next number of the year. The sequence row stays locked until the caller commits, so
    a rolled-back create gives its number back and numbers are gap-free."""
    return f"OPP-{today.year}-{next_value(f'OPP-{today.year}'):06d}"


def _normalise_competitors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("\n", ",").split(",")
    names: list[str] = []
    for item in value:
        name = str(item).strip()
        if name and name not in names:
            names.append(name[:200])
    return names


def _check_contact(opportunity: Opportunity) -> None:
    contact = opportunity.contact
    if contact is not None and contact.customer_id != opportunity.customer_id:
        raise DomainError(
            _("The contact must work for the opportunity's customer."),
            field_errors={"contact": [_("The contact must work for the opportunity's customer.")]},
        )


def _lock_for_change(
    actor: Any, opportunity: Opportunity, expected_version: int | None = None
) -> Opportunity:
    locked = lock_for_update(Opportunity.objects.all(), pk=opportunity.pk)
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if not can_access(actor, locked, CHANGE):
        raise Forbidden(_("You may not change this opportunity."))
    check_version(locked, expected_version)
    return locked


def _require_open(opportunity: Opportunity) -> None:
    if opportunity.stage not in OPEN_STAGES:
        raise Conflict(_("This opportunity is already closed."))


def _record_stage_change(opportunity: Opportunity, from_stage: str, actor: Any) -> None:
    OpportunityStageChange.objects.create(
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage=opportunity.stage,
        changed_at=opportunity.stage_entered_at,
        changed_by=actor if getattr(actor, "pk", None) else None,
        amount=opportunity.amount,
        currency=opportunity.currency,
        probability=opportunity.probability,
    )


def _save(opportunity: Opportunity, fields: Iterable[str]) -> None:
    opportunity.lock_version += 1
    opportunity.save(update_fields=[*fields, "lock_version", "updated_at"])


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    customer: Any,
    title: str,
    amount: Decimal | int | str,
    currency: str,
    owner: Any,
    org_unit: Any,
    expected_close_date: datetime.date | None = None,
    product_lines: Iterable[Any] = (),
    origin_lead: Any = None,
    contact: Any = None,
    competitors: Iterable[str] | str | None = None,
) -> Opportunity:
    """A new opportunity in "validating", its owner on the team as AR. Leads call this on conversion."""
    if customer is None or not can_access(actor, customer, VIEW):
        message = _("Choose a customer you can see.")
        raise DomainError(message, field_errors={"customer": [message]})
    if getattr(customer, "merged_into_id", None):
        message = _("This customer was merged into another; choose the surviving customer.")
        raise DomainError(message, field_errors={"customer": [message]})
    if owner is None or not getattr(owner, "is_active", False):
        message = _("Choose an active owner.")
        raise DomainError(message, field_errors={"owner": [message]})
    if owner.pk != getattr(actor, "pk", None) and not user_scope(actor).covers(org_unit.path, CHANGE):
        message = _("You may give an opportunity to someone else only in an org unit you manage.")
        raise Forbidden(message, field_errors={"owner": [message]})
    setting = stage_setting(Stage.VALIDATING)
    now = timezone.now()
    opportunity = Opportunity(
        number="",
        title=(title or "").strip(),
        customer=customer,
        contact=contact,
        origin_lead=origin_lead,
        amount=amount,
        currency=(currency or "").strip().upper(),
        expected_close_date=expected_close_date,
        stage=Stage.VALIDATING,
        stage_entered_at=now,
        probability=setting.default_probability,
        forecast_category=setting.default_forecast_category,
        competitors=_normalise_competitors(competitors),
        owner=owner,
        org_unit=org_unit,
    )
    validate(opportunity, exclude=["number"])
    _check_contact(opportunity)
    opportunity.number = _issue_number(timezone.localdate())
    opportunity.save()
    lines = list(product_lines)
    if lines:
        opportunity.product_lines.set(lines)
    OpportunityTeamMember.objects.create(opportunity=opportunity, user=owner, role=TeamRole.AR, joined_at=now)
    _record_stage_change(opportunity, "", actor)
    if not can_access(actor, opportunity, CHANGE):
        raise Forbidden(
            _("You would not be able to work on this opportunity; choose an org unit you belong to.")
        )
    record_event(
        actor=actor,
        action="opportunity.created",
        subject=opportunity,
        after={**snapshot(opportunity, SNAPSHOT_FIELDS), "product_lines": sorted(str(p.pk) for p in lines)},
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor: Any, opportunity: Opportunity, data: dict[str, Any], expected_version: int | None
) -> Opportunity:
    """Edits the descriptive fields. Stage, probability and forecast have their own services."""
    locked = _lock_for_change(actor, opportunity, expected_version)
    _require_open(locked)
    allowed = [f for f in UPDATABLE_FIELDS if f in data]
    before = snapshot(locked, allowed)
    for name in allowed:
        value = data[name]
        if name == "currency":
            value = (value or "").strip().upper()
        elif name == "competitors":
            value = _normalise_competitors(value)
        elif name == "title":
            value = (value or "").strip()
        setattr(locked, name, value)
    changed_before, changed_after = diff(before, snapshot(locked, allowed))
    if "product_lines" in data:
        old_lines = sorted(str(pk) for pk in locked.product_lines.values_list("pk", flat=True))
        new_lines = sorted(str(p.pk) for p in data["product_lines"])
        if old_lines != new_lines:
            changed_before["product_lines"], changed_after["product_lines"] = old_lines, new_lines
    if not changed_after:
        return locked
    validate(locked)
    _check_contact(locked)
    _save(locked, [k for k in changed_after if k != "product_lines"])
    if "product_lines" in changed_after:
        locked.product_lines.set(data["product_lines"])
    record_event(
        actor=actor, action="opportunity.updated", subject=locked, before=changed_before, after=changed_after
    )
    regraded = False
    if GRADING_FIELDS & set(changed_after) and locked.grade_computed_at is not None:
        regraded = _apply_grading(actor, locked)
    if ROUTING_FIELDS & set(changed_after) or regraded:
        # A price, margin, payment-term or grade change may move an undecided gate case to
        # another decision level.
        _reroute(actor, locked)
    return locked


def _reroute(actor: Any, opportunity: Opportunity) -> None:
    from openltc.decisions.services import cases_reroute_for_subject

    cases_reroute_for_subject(actor=actor, subject=opportunity)


@transaction.atomic
def opportunity_adjust_probability(
    *,
    actor: Any,
    opportunity: Opportunity,
    probability: int,
    reason: str,
    expected_version: int | None = None,
) -> Opportunity:
    """The owner's own estimate, kept within the stage's band around the default, with a reason."""
    locked = _lock_for_change(actor, opportunity, expected_version)
    _require_open(locked)
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason for the probability.")
        raise DomainError(message, field_errors={"reason": [message]})
    setting = stage_setting(locked.stage)
    low, high = setting.probability_range()
    if not low <= int(probability) <= high:
        message = _(
            "In the stage “%(stage)s” the probability must stay between %(low)s%% and %(high)s%%."
        ) % {
            "stage": Stage(locked.stage).label,
            "low": low,
            "high": high,
        }
        raise DomainError(message, field_errors={"probability": [message]})
    before = snapshot(locked, ["probability", "probability_reason"])
    locked.probability = int(probability)
    locked.probability_reason = reason[:500]
    validate(locked)
    _save(locked, ["probability", "probability_reason"])
    record_event(
        actor=actor,
        action="opportunity.probability_adjusted",
        subject=locked,
        before=before,
        after=snapshot(locked, ["probability", "probability_reason"]),
        message=reason,
    )
    return locked


@transaction.atomic
def opportunity_set_forecast_category(
    *, actor: Any, opportunity: Opportunity, category: str, expected_version: int | None = None
) -> Opportunity:
    """The owner's forecast call; "closed" is kept for won opportunities."""
    locked = _lock_for_change(actor, opportunity, expected_version)
    _require_open(locked)
    if category not in ForecastCategory.values:
        message = _("Choose a valid forecast category.")
        raise DomainError(message, field_errors={"category": [message]})
    if category == ForecastCategory.CLOSED:
        message = _("Only a won opportunity is in the “Closed” forecast category.")
        raise DomainError(message, field_errors={"category": [message]})
    if category == locked.forecast_category:
        return locked
    before = snapshot(locked, ["forecast_category"])
    locked.forecast_category = category
    _save(locked, ["forecast_category"])
    record_event(
        actor=actor,
        action="opportunity.forecast_category_set",
        subject=locked,
        before=before,
        after=snapshot(locked, ["forecast_category"]),
    )
    return locked


def _close(
    *,
    actor: Any,
    opportunity: Opportunity,
    target: str,
    reason_code: str,
    competitor: str,
    note: str,
    expected_version: int | None,
) -> Opportunity:
    locked = _lock_for_change(actor, opportunity, expected_version)
    facts = workflow.Facts(reason_code=reason_code or "", competitor=competitor or "", note=note or "")
    workflow.check_transition(locked, target, facts)
    fields = [
        "stage",
        "stage_entered_at",
        "closed_at",
        "probability",
        "forecast_category",
        "close_reason",
        "close_competitor",
        "close_note",
    ]
    before = snapshot(locked, fields)
    from_stage = locked.stage
    setting = stage_setting(target)
    now = timezone.now()
    locked.stage = target
    locked.stage_entered_at = now
    locked.closed_at = now
    locked.probability = setting.default_probability
    locked.forecast_category = setting.default_forecast_category
    locked.close_reason = reason_code
    locked.close_competitor = (competitor or "").strip()[:200]
    locked.close_note = (note or "").strip()
    validate(locked)
    _save(locked, fields)
    _record_stage_change(locked, from_stage, actor)
    action = "opportunity.lost" if target == Stage.LOST else "opportunity.abandoned"
    record_event(actor=actor, action=action, subject=locked, before=before, after=snapshot(locked, fields))
    recipients = [
        m.user for m in locked.team_members.select_related("user") if m.user_id != getattr(actor, "pk", None)
    ]
    notify(
        recipients=recipients,
        subject=_("Opportunity closed"),
        template="opportunities/email/closed.txt",
        context={"opportunity": locked, "actor": str(actor)},
    )
    return locked


@transaction.atomic
def opportunity_close_lost(
    *,
    actor: Any,
    opportunity: Opportunity,
    reason_code: str,
    competitor: str,
    note: str = "",
    expected_version: int | None = None,
) -> Opportunity:
    """The customer chose someone else: reason code and the winning competitor are required."""
    return _close(
        actor=actor,
        opportunity=opportunity,
        target=Stage.LOST,
        reason_code=reason_code,
        competitor=competitor,
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def opportunity_abandon(
    *,
    actor: Any,
    opportunity: Opportunity,
    reason_code: str,
    note: str = "",
    competitor: str = "",
    expected_version: int | None = None,
) -> Opportunity:
    """We stop pursuing the opportunity: a reason code is required."""
    return _close(
        actor=actor,
        opportunity=opportunity,
        target=Stage.ABANDONED,
        reason_code=reason_code,
        competitor=competitor,
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def opportunity_advance(
    *, actor: Any, opportunity: Opportunity, to_stage: str, expected_version: int | None = None
) -> Opportunity:
    """Moves the opportunity forward: the only code that assigns ``stage`` on a forward move.

    Every forward edge needs an approved gate decision (read from the decisions app after the
    row is locked) and the workflow's other guards; a refusal carries the reason."""
    if to_stage in (Stage.LOST, Stage.ABANDONED):
        raise DomainError(
            _("Close an opportunity as lost or abandoned with its own action, which records the reason.")
        )
    if to_stage not in Stage.values:
        raise DomainError(_("Choose a valid stage."), field_errors={"to_stage": [_("Choose a valid stage.")]})
    locked = _lock_for_change(actor, opportunity, expected_version)
    workflow.check_transition(locked, to_stage, _facts_for(locked))
    fields = ["stage", "stage_entered_at", "probability", "forecast_category"]
    if to_stage == Stage.WON:
        fields.append("closed_at")
    before = snapshot(locked, fields)
    from_stage = locked.stage
    setting = stage_setting(to_stage)
    locked.stage = to_stage
    locked.stage_entered_at = timezone.now()
    if to_stage == Stage.WON:
        locked.closed_at = locked.stage_entered_at
    locked.probability = setting.default_probability
    locked.forecast_category = setting.default_forecast_category
    validate(locked)
    _save(locked, fields)
    _record_stage_change(locked, from_stage, actor)
    record_event(
        actor=actor,
        action="opportunity.advanced",
        subject=locked,
        before=before,
        after=snapshot(locked, fields),
    )
    return locked


def _facts_for(opportunity: Opportunity) -> workflow.Facts:
    from openltc.opportunities.assessment import required_roles

    gates = gate_facts(opportunity)
    return workflow.Facts(
        team_roles=frozenset(opportunity.team_members.values_list("role", flat=True)),
        required_roles=required_roles(opportunity.grade),
        has_product_lines=opportunity.product_lines.exists(),
        approved_gates=gates.approved,
        open_conditions=gates.open_conditions,
    )


def gate_facts(opportunity: Opportunity) -> Any:
    """The opportunity's approved gates and open conditions, from the decision engine."""
    from openltc.decisions.selectors import gate_facts as decision_gate_facts

    return decision_gate_facts(opportunity, workflow.GATE_SEQUENCE)


@transaction.atomic
def team_member_add(*, actor: Any, opportunity: Opportunity, user: Any, role: str) -> OpportunityTeamMember:
    """Puts a person on the sales project team; they then see and work on the opportunity."""
    locked = _lock_for_change(actor, opportunity)
    _require_open(locked)
    if role == TeamRole.AR:
        message = _("The AR is always the opportunity's owner and is already on the team.")
        raise DomainError(message, field_errors={"role": [message]})
    if user is None or not user.is_active:
        message = _("Choose an active person.")
        raise DomainError(message, field_errors={"user": [message]})
    member = OpportunityTeamMember(opportunity=locked, user=user, role=role, joined_at=timezone.now())
    validate(member)
    member.save()
    record_event(
        actor=actor,
        action="opportunity.team_member_added",
        subject=locked,
        after={"user": str(user.pk), "user_name": str(user), "role": role},
    )
    if user.pk != getattr(actor, "pk", None):
        notify(
            recipients=[user],
            subject=_("You joined an opportunity team"),
            template="opportunities/email/team_added.txt",
            context={"opportunity": locked, "role": TeamRole(role).label, "actor": str(actor)},
        )
    return member


@transaction.atomic
def team_member_remove(*, actor: Any, opportunity: Opportunity, member_id: Any) -> None:
    """Takes a person off the team. The AR stays while they own the opportunity."""
    locked = _lock_for_change(actor, opportunity)
    _require_open(locked)
    member = lock_for_update(OpportunityTeamMember.objects.filter(opportunity=locked), pk=member_id)
    if member.role == TeamRole.AR and member.user_id == locked.owner_id:
        raise DomainError(_("The AR cannot be removed while they own the opportunity."))
    before = {"user": str(member.user_id), "user_name": str(member.user), "role": member.role}
    member.delete()
    record_event(actor=actor, action="opportunity.team_member_removed", subject=locked, before=before)


# --- grading (项目分级) ---------------------------------------------------------------------------

GRADE_FIELDS = [
    "grade",
    "grade_computed",
    "grade_score",
    "grade_computed_at",
    "grade_override_reason",
    "grade_overridden_by",
    "grade_overridden_at",
]


def _apply_grading(actor: Any, opportunity: Opportunity) -> bool:
    """Computes the grade from the factors and stores it with its explanation; the effective grade
    follows unless overridden. Records the event; returns whether the effective grade changed."""
    from openltc.opportunities.assessment import compute_grading

    grading = compute_grading(opportunity)
    before = snapshot(opportunity, GRADE_FIELDS)
    old_grade = opportunity.grade
    opportunity.grade_computed = grading.grade
    opportunity.grade_score = grading.result.score
    opportunity.grade_explanation = grading.as_json()
    opportunity.grade_computed_at = timezone.now()
    if not opportunity.grade_is_overridden:
        opportunity.grade = grading.grade or None
    validate(opportunity)
    _save(opportunity, [*GRADE_FIELDS, "grade_explanation"])
    record_event(
        actor=actor,
        action="opportunity.graded",
        subject=opportunity,
        before=before,
        after=snapshot(opportunity, GRADE_FIELDS),
        message="; ".join(grading.lines),
    )
    return (old_grade or "") != (opportunity.grade or "")


@transaction.atomic
def opportunity_grade(
    *, actor: Any, opportunity: Opportunity, expected_version: int | None = None
) -> Opportunity:
    """(Re)computes the grade from the configured factors and thresholds (ltc-domain §5.1)."""
    locked = _lock_for_change(actor, opportunity, expected_version)
    _require_open(locked)
    if _apply_grading(actor, locked):
        _reroute(actor, locked)
    return locked


@transaction.atomic
def opportunity_grade_override(
    *,
    actor: Any,
    opportunity: Opportunity,
    grade: str,
    reason: str,
    expected_version: int | None = None,
) -> Opportunity:
    """A manager sets the grade by hand with a reason (or clears the override with an empty grade,
    back to the computed grade). Managers only: the grade decides the decision level."""
    from openltc.opportunities.choices import Grade

    locked = _lock_for_change(actor, opportunity, expected_version)
    _require_open(locked)
    if not user_scope(actor).covers(locked.org_unit.path, CHANGE):
        raise Forbidden(_("Only a manager of the opportunity's org unit may override its grade."))
    grade = (grade or "").strip().upper()
    reason = (reason or "").strip()
    if grade and grade not in Grade.values:
        message = _("Choose grade A, B or C.")
        raise DomainError(message, field_errors={"grade": [message]})
    if grade and not reason:
        message = _("Give the reason for overriding the grade.")
        raise DomainError(message, field_errors={"reason": [message]})
    if "\x00" in reason:  # it goes to the audit event even when the override is cleared
        message = _("Null characters are not allowed.")
        raise DomainError(message, field_errors={"reason": [message]})
    before = snapshot(locked, GRADE_FIELDS)
    old_grade = locked.grade
    if grade:
        locked.grade = grade
        locked.grade_override_reason = reason[:500]
        locked.grade_overridden_by = actor
        locked.grade_overridden_at = timezone.now()
    else:
        locked.grade = locked.grade_computed or None
        locked.grade_override_reason = ""
        locked.grade_overridden_by = None
        locked.grade_overridden_at = None
    validate(locked)
    _save(locked, GRADE_FIELDS)
    record_event(
        actor=actor,
        action="opportunity.grade_overridden" if grade else "opportunity.grade_override_cleared",
        subject=locked,
        before=before,
        after=snapshot(locked, GRADE_FIELDS),
        message=reason,
    )
    if (old_grade or "") != (locked.grade or ""):
        _reroute(actor, locked)
    return locked


# --- evaluation (机会点评估) -----------------------------------------------------------------------


@transaction.atomic
def evaluation_save(
    *, actor: Any, opportunity: Opportunity, scores: dict[str, tuple[int | None, str]]
) -> Opportunity:
    """Scores the ten criteria: ``scores`` maps a criterion code to (score 1–5 or None to clear,
    note). Unknown codes and scores outside 1–5 are refused; nothing is written then."""
    from openltc.opportunities.models import EvaluationCriterion, EvaluationScore

    locked = _lock_for_change(actor, opportunity)
    _require_open(locked)
    criteria = {c.code: c for c in EvaluationCriterion.objects.filter(is_active=True)}
    errors: dict[str, list[str]] = {}
    for code, (value, note) in scores.items():
        if code not in criteria:
            errors[code] = [_("Unknown evaluation criterion.")]
        elif value is not None and not (isinstance(value, int) and 1 <= value <= 5):
            errors[code] = [_("The score must be between 1 and 5.")]
        elif len(note or "") > 500:
            errors[code] = [_("Keep the note under 500 characters.")]
    if errors:
        raise DomainError(_("Check the scores."), field_errors=errors)
    existing = {
        s.criterion.code: s
        for s in EvaluationScore.objects.filter(opportunity=locked).select_related("criterion")
    }
    before = {code: [s.score, s.note] for code, s in existing.items()}
    for code, (value, note) in scores.items():
        row = existing.get(code)
        note = (note or "").strip()
        if value is None:
            if row is not None:
                row.delete()
            continue
        if row is None:
            row = EvaluationScore(
                opportunity=locked, criterion=criteria[code], score=value, note=note, scored_by=actor
            )
        elif row.score == value and row.note == note:
            continue
        else:
            row.score, row.note, row.scored_by = value, note, actor
        validate(row)
        row.save()
    after = {
        s.criterion.code: [s.score, s.note]
        for s in EvaluationScore.objects.filter(opportunity=locked).select_related("criterion")
    }
    changed_before, changed_after = diff(before, after)
    if changed_before or changed_after:
        record_event(
            actor=actor,
            action="opportunity.evaluated",
            subject=locked,
            before=changed_before,
            after=changed_after,
        )
    return locked


# --- initiation (立项): charter and team appointment ------------------------------------------------

CHARTER_FIELDS = ["background", "goals", "scope", "milestones", "resources", "risks"]


@transaction.atomic
def charter_save(
    *,
    actor: Any,
    opportunity: Opportunity,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Any:
    """The initiation application (project type, lead department) and the project charter."""
    from openltc.opportunities.choices import ProjectType
    from openltc.opportunities.models import ProjectCharter

    locked = _lock_for_change(actor, opportunity)
    _require_open(locked)
    if "project_type" in data and data["project_type"] and data["project_type"] not in ProjectType.values:
        message = _("Choose a valid project type.")
        raise DomainError(message, field_errors={"project_type": [message]})
    department = data.get("lead_department", locked.lead_department)
    if department is not None and not getattr(department, "is_active", False):
        message = _("Choose an active department.")
        raise DomainError(message, field_errors={"lead_department": [message]})
    charter = ProjectCharter.objects.select_for_update().filter(opportunity=locked).first()
    created = charter is None
    if charter is None:
        charter = ProjectCharter(opportunity=locked)
    else:
        check_version(charter, expected_version)
    before = {
        **snapshot(charter, CHARTER_FIELDS),
        **snapshot(locked, ["project_type", "lead_department"]),
    }
    for name in CHARTER_FIELDS:
        if name in data:
            setattr(charter, name, str(data[name] or "").strip())
    if "project_type" in data:
        locked.project_type = data["project_type"] or ""
    if "lead_department" in data:
        locked.lead_department = department
    validate(charter, exclude=["opportunity"])
    validate(locked)
    after = {**snapshot(charter, CHARTER_FIELDS), **snapshot(locked, ["project_type", "lead_department"])}
    changed_before, changed_after = diff(before, after)
    if not changed_after and not created:
        return charter
    if not created:
        charter.lock_version += 1
    charter.save()
    if {"project_type", "lead_department"} & set(changed_after):
        _save(locked, ["project_type", "lead_department"])
    record_event(
        actor=actor,
        action="opportunity.charter_saved",
        subject=locked,
        before=changed_before,
        after=changed_after,
    )
    return charter


@transaction.atomic
def team_appoint(*, actor: Any, opportunity: Opportunity, note: str = "") -> Any:
    """Appoints the sales project team (项目组任命): the team as it stands, numbered, once the
    iron triangle and the roles the grade requires are on it."""
    from openltc.opportunities.assessment import required_roles
    from openltc.opportunities.models import TeamAppointment

    locked = _lock_for_change(actor, opportunity)
    _require_open(locked)
    members = list(locked.team_members.select_related("user").order_by("joined_at"))
    facts = workflow.Facts(
        team_roles=frozenset(m.role for m in members), required_roles=required_roles(locked.grade)
    )
    for guard in (workflow.grade_unmet, workflow.iron_triangle_unmet, workflow.grade_roles_unmet):
        reason = guard(locked, facts)
        if reason:
            raise DomainError(reason)
    year = timezone.localdate().year
    appointment = TeamAppointment(
        opportunity=locked,
        number=f"APT-{year}-{next_value(f'APT-{year}'):05d}",
        appointed_by=actor,
        appointed_at=timezone.now(),
        grade=locked.grade or "",
        members=[
            {
                "user_id": m.user_id,
                "name": m.user.get_full_name() or m.user.username,
                "role": m.role,
                "role_label": str(TeamRole(m.role).label),
            }
            for m in members
        ],
        note=(note or "").strip(),
    )
    validate(appointment)
    appointment.save()
    record_event(
        actor=actor,
        action="opportunity.team_appointed",
        subject=locked,
        after={"number": appointment.number, "grade": appointment.grade, "members": appointment.members},
    )
    return appointment
