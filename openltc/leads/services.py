"""Writes about leads. Every status change goes through ``lead_transition``, which applies the
workflow table and guards; every write locks the row, validates and records an audit event in the
same transaction. Notifications go out after commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openltc.core.audit import record_event, snapshot
from openltc.core.errors import DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.notifications import notify
from openltc.core.services import check_version, model_update, validate
from openltc.core.visibility import CHANGE, can_access, user_scope
from openltc.leads import workflow
from openltc.leads.choices import DisqualifyReason, LeadStatus
from openltc.leads.distribution import find_assignee
from openltc.leads.models import (
    Lead,
    LeadActivity,
    LeadCriterionCheck,
    LeadScoringRule,
    LeadSettings,
    NurturingCriterion,
    RepCapacity,
)
from openltc.leads.scoring import active_rules, score_lead
from openltc.leads.workflow import Action

# What a user may set when capturing or editing a lead; status, owner and lifecycle timestamps are
# changed only by the dedicated services below.
LEAD_FIELDS = [
    "title",
    "source",
    "source_detail",
    "customer",
    "company_name",
    "contact",
    "contact_name",
    "contact_phone",
    "contact_email",
    "product_line",
    "country",
    "estimated_value",
    "currency",
    "expected_date",
    "maturity",
    "pain_text",
    "pain_status",
    "pain_evidence",
    "solution_text",
    "solution_status",
    "solution_evidence",
    "relationship_text",
    "relationship_status",
    "relationship_evidence",
    "budget_text",
    "budget_status",
    "budget_evidence",
]
CREATE_FIELDS = [*LEAD_FIELDS, "org_unit", "owner"]
TRANSITION_AUDIT_FIELDS = ["status", "owner", "disqualify_reason", "disqualify_note", "pool_reason"]


def _unknown_fields(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(unknown)},
            field_errors={name: [_("This field cannot be set here.")] for name in unknown},
        )


def lock_lead(lead: Lead | Any) -> Lead:
    """Fetches and row-locks the lead (only its own row: PostgreSQL cannot lock outer joins)."""
    pk = lead.pk if isinstance(lead, Lead) else lead
    try:
        return (
            Lead.objects.select_related("org_unit", "owner", "customer")
            .select_for_update(of=("self",))
            .get(pk=pk)
        )
    except (Lead.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None


def _require_permission(lead: Lead, actor: Any, action: Action) -> None:
    refusal = workflow.permission_refusal(lead, actor, action)
    if refusal:
        raise Forbidden(refusal)


def _rescore(lead: Lead) -> None:
    lead.score, lead.score_explanation = score_lead(lead, LeadScoringRule.objects.filter(is_active=True))


def _sla_deadline(start: datetime.datetime, hours: int | None = None) -> datetime.datetime:
    return start + datetime.timedelta(hours=hours or LeadSettings.current().first_contact_sla_hours)


def _save(lead: Lead, fields: Iterable[str]) -> None:
    lead.lock_version += 1
    lead.save(update_fields=sorted({*fields, "lock_version", "updated_at"}))


# --- capture and edit ----------------------------------------------------------------------------


def _build_lead(
    *,
    actor: Any,
    data: dict[str, Any],
    rules: Iterable[LeadScoringRule] | None = None,
    sla_hours: int | None = None,
    allowed: dict[tuple[int, bool], str] | None = None,
) -> Lead:
    """A new lead checked by the capture rules, not yet saved. ``rules``, ``sla_hours`` and the
    ``allowed`` cache (permission answers per unit) let a bulk caller look each up once."""
    _unknown_fields(data, CREATE_FIELDS)
    values = {k: v for k, v in data.items() if v is not None or k in ("owner",)}
    if values.get("org_unit") is None and getattr(actor, "home_unit_id", None):
        values["org_unit"] = actor.home_unit
    lead = Lead(**values, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    if lead.org_unit_id is None:
        message = _("Choose the org unit the lead belongs to.")
        raise DomainError(message, field_errors={"org_unit": [message]})
    if actor is not None:
        refusal = capture_refusal(actor, lead, allowed)
        if refusal:
            raise Forbidden(refusal)
    if lead.owner_id is not None:
        lead.assigned_at = timezone.now()
        lead.first_contact_due_at = _sla_deadline(lead.assigned_at, sla_hours)
    if rules is None:
        _rescore(lead)
    else:
        lead.score, lead.score_explanation = score_lead(lead, rules)
    return lead


def capture_refusal(actor: Any, lead: Lead, allowed: dict[tuple[int, bool], str] | None = None) -> str:
    """Why ``actor`` may not capture ``lead`` ("" when they may): only a lead or sales manager of
    the unit captures for someone else, and anyone captures only into units they belong to or
    see. ``allowed`` keeps the answer per (unit, for someone else) for a bulk caller."""
    for_someone_else = lead.owner_id is not None and lead.owner_id != actor.pk
    key = (lead.org_unit_id, for_someone_else)
    refusal = allowed.get(key) if allowed is not None else None
    if refusal is None:
        refusal = ""
        if for_someone_else and not workflow.is_lead_manager_for(actor, lead):
            refusal = _(
                "Only a lead manager or sales manager of this unit may capture leads for someone else."
            )
        elif not _may_capture_in(actor, lead):
            refusal = _("You may not capture leads for this org unit.")
        if allowed is not None:
            allowed[key] = refusal
    return refusal


def lead_create(*, actor: Any, data: dict[str, Any]) -> Lead:
    """Captures a lead. The org unit defaults to the actor's home unit; without an owner the lead
    goes to the pool (公海). Only a manager of the unit may capture a lead for someone else."""
    # Before the transaction: outside one the active rules may come from the process's copy
    # (``scoring.active_rules``); inside a caller's transaction they are read.
    rules = active_rules()
    with transaction.atomic():
        lead = _build_lead(actor=actor, data=data, rules=rules)
        validate(lead)
        lead.save()
        record_event(
            actor=actor,
            action="lead.created",
            subject=lead,
            after=snapshot(lead, ["status", *CREATE_FIELDS]),
        )
    return lead


def _may_capture_in(actor: Any, lead: Lead) -> bool:
    """Anyone may capture into the units they belong to or see; managers into their subtree."""
    if can_access(actor, lead, CHANGE):
        return True
    from openltc.leads.selectors import pool_paths_for

    path = lead.org_unit.path
    return any(path.startswith(p) or p.startswith(path) for p in pool_paths_for(actor))


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, data: dict[str, Any], expected_version: int | None = None) -> Lead:
    _unknown_fields(data, LEAD_FIELDS)
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.EDIT)
    refusal = workflow.state_refusal(locked, Action.EDIT)
    if refusal:
        raise TransitionRefused(refusal)
    check_version(locked, expected_version)
    locked, changed = model_update(
        instance=locked, fields=LEAD_FIELDS, data=data, actor=actor, action="lead.updated"
    )
    if changed:
        _rescore(locked)
        locked.save(update_fields=["score", "score_explanation"])
    return locked


@transaction.atomic
def lead_delete(*, actor: Any, lead: Lead) -> None:
    """Deletes a lead captured by mistake: only while new and without follow-ups; otherwise the
    lead is disqualified so that its history stays."""
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.EDIT)
    if locked.status != LeadStatus.NEW or locked.activities.exists():
        raise TransitionRefused(_("Only new leads without activities can be deleted; disqualify it instead."))
    record_event(
        actor=actor,
        action="lead.deleted",
        subject=locked,
        before=snapshot(locked, ["status", *CREATE_FIELDS]),
    )
    locked.checks.all().delete()
    locked.delete()


# --- the one place that changes status -----------------------------------------------------------


@transaction.atomic
def lead_transition(
    *,
    actor: Any,
    lead: Lead,
    action: Action,
    inputs: dict[str, Any] | None = None,
    effects: dict[str, Any] | None = None,
    message: str = "",
) -> Lead:
    """Moves the lead along ``workflow.TRANSITIONS[action]``.

    ``inputs`` (a reason, say) are applied before the guards run, so guards can check them;
    ``effects`` are applied after the guards passed (clearing the owner, stamping times).
    """
    transition = workflow.TRANSITIONS[action]
    locked = lock_lead(lead)
    _require_permission(locked, actor, action)
    before = snapshot(locked, TRANSITION_AUDIT_FIELDS)
    for name, value in (inputs or {}).items():
        setattr(locked, name, value)
    reasons = workflow.blocking_reasons(locked, action)
    if reasons:
        raise TransitionRefused(" ".join(reasons), extra={"reasons": reasons, "action": str(action)})
    for name, value in (effects or {}).items():
        setattr(locked, name, value)
    locked.status = transition.target
    _rescore(locked)
    validate(locked)
    _save(locked, ["status", "score", "score_explanation", *(inputs or {}), *(effects or {})])
    after = snapshot(locked, TRANSITION_AUDIT_FIELDS)
    record_event(
        actor=actor,
        action=f"lead.{action}",
        subject=locked,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        message=message,
    )
    return locked


def _duplicates_for(lead: Lead) -> list[dict[str, Any]]:
    from openltc.leads.selectors import lead_find_duplicates

    return lead_find_duplicates(lead)


@transaction.atomic
def lead_validate(*, actor: Any, lead: Lead, strategic_fit: str, maturity: str, note: str = "") -> Lead:
    """Records the validation (验证线索): strategic fit, maturity, a fresh duplicate check and score.
    A new lead moves to validating; a validating lead is re-assessed."""
    locked = lock_lead(lead)
    assessment = {
        "strategic_fit": strategic_fit,
        "maturity": maturity,
        "validation_note": note,
        "duplicates_checked_at": timezone.now(),
        "duplicate_hits": _duplicates_for(locked),
    }
    if locked.status == LeadStatus.NEW:
        return lead_transition(actor=actor, lead=locked, action=Action.VALIDATE, effects=assessment)
    if locked.status != LeadStatus.VALIDATING:
        raise TransitionRefused(workflow.state_refusal(locked, Action.VALIDATE) or "")
    _require_permission(locked, actor, Action.VALIDATE)
    before = snapshot(locked, ["strategic_fit", "maturity", "validation_note"])
    for name, value in assessment.items():
        setattr(locked, name, value)
    _rescore(locked)
    validate(locked)
    _save(locked, [*assessment, "score", "score_explanation"])
    record_event(
        actor=actor,
        action="lead.validation_recorded",
        subject=locked,
        before=before,
        after=snapshot(locked, ["strategic_fit", "maturity", "validation_note", "score"]),
    )
    return locked


def lead_accept(*, actor: Any, lead: Lead) -> Lead:
    """Validation passed: the owner starts nurturing."""
    return lead_transition(actor=actor, lead=lead, action=Action.ACCEPT)


def lead_qualify(*, actor: Any, lead: Lead) -> Lead:
    return lead_transition(actor=actor, lead=lead, action=Action.QUALIFY)


def lead_disqualify(*, actor: Any, lead: Lead, reason: str, note: str = "") -> Lead:
    return lead_transition(
        actor=actor,
        lead=lead,
        action=Action.DISQUALIFY,
        inputs={"disqualify_reason": reason or "", "disqualify_note": note or ""},
        message=note or "",
    )


def lead_return_to_pool(*, actor: Any, lead: Lead, reason: str) -> Lead:
    """The owner gives the lead back to the pool (公海); it starts over as new and unassigned."""
    return lead_transition(
        actor=actor,
        lead=lead,
        action=Action.RETURN_TO_POOL,
        inputs={"pool_reason": (reason or "").strip()},
        effects={
            "owner": None,
            "assigned_at": None,
            "first_contact_due_at": None,
            "first_contacted_at": None,
            "first_contact_reminded_at": None,
        },
        message=reason or "",
    )


# --- distribution -------------------------------------------------------------------------------


def _give_to(
    *, actor: Any, lead: Lead, owner: Any, action: str, message: str = "", sla_hours: int | None = None
) -> Lead:
    if not getattr(owner, "is_active", False):
        raise DomainError(
            _("The new owner is not an active user."), field_errors={"owner": [_("Choose an active user.")]}
        )
    before = snapshot(lead, ["owner", "org_unit"])
    now = timezone.now()
    lead.owner = owner
    if owner.home_unit_id:
        lead.org_unit = owner.home_unit
    lead.assigned_at = now
    lead.first_contact_due_at = _sla_deadline(now, sla_hours)
    lead.first_contacted_at = None
    lead.first_contact_reminded_at = None
    validate(lead)
    _save(
        lead,
        [
            "owner",
            "org_unit",
            "assigned_at",
            "first_contact_due_at",
            "first_contacted_at",
            "first_contact_reminded_at",
        ],
    )
    RepCapacity.objects.filter(user=owner).update(last_assigned_at=now)
    record_event(
        actor=actor,
        action=action,
        subject=lead,
        before=before,
        after=snapshot(lead, ["owner", "org_unit"]),
        message=message,
    )
    if getattr(actor, "pk", None) != owner.pk:
        notify(
            recipients=[owner],
            subject=gettext_noop("A lead was assigned to you"),
            template="leads/email/assigned.txt",
            context={"lead": lead, "due": lead.first_contact_due_at},
        )
    return lead


def _check_open(lead: Lead, action: Action) -> None:
    refusal = workflow.state_refusal(lead, action)
    if refusal:
        raise TransitionRefused(refusal)


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, owner: Any, reason: str = "") -> Lead:
    """Assigns by hand. Taking a lead away from its owner needs a reason."""
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.ASSIGN)
    _check_open(locked, Action.ASSIGN)
    if owner is None:
        message = _("Choose the new owner.")
        raise DomainError(message, field_errors={"owner": [message]})
    if locked.owner_id == owner.pk:
        raise DomainError(_("The lead is already assigned to %(name)s.") % {"name": owner})
    if not _may_receive(actor, owner):
        message = _("You may assign leads only to people in the units you manage.")
        raise Forbidden(message, field_errors={"owner": [message]})
    if "\x00" in reason:  # the reason goes only to the audit event, which is not validated
        message = _("Null characters are not allowed.")
        raise DomainError(message, field_errors={"reason": [message]})
    reassign = locked.owner_id is not None
    if reassign and not reason.strip():
        message = _("Give a reason for reassigning the lead.")
        raise DomainError(message, field_errors={"reason": [message]})
    return _give_to(
        actor=actor,
        lead=locked,
        owner=owner,
        action="lead.reassigned" if reassign else "lead.assigned",
        message=reason,
    )


def _may_receive(actor: Any, owner: Any) -> bool:
    from openltc.leads.selectors import pool_paths_for

    scope = user_scope(actor)
    if scope.everything or owner.pk == getattr(actor, "pk", None):
        return True
    return any(path.startswith(m) for path in pool_paths_for(owner) for m in scope.manage_paths)


@transaction.atomic
def lead_claim(*, actor: Any, lead: Lead) -> Lead:
    """A rep takes a pool lead they can see."""
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.CLAIM)
    _check_open(locked, Action.CLAIM)
    return _give_to(actor=actor, lead=locked, owner=actor, action="lead.claimed")


@transaction.atomic
def lead_distribute(*, actor: Any, lead: Lead) -> Lead:
    """Assigns a pool lead by the ordered distribution rules; the first matching rule wins."""
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.DISTRIBUTE)
    _check_open(locked, Action.DISTRIBUTE)
    if locked.owner_id is not None:
        raise DomainError(_("The lead already has an owner; reassign it by hand."))
    match = find_assignee(locked)
    if match is None:
        raise DomainError(_("No distribution rule matched this lead; assign it by hand."))
    return _give_to(
        actor=actor,
        lead=locked,
        owner=match.user,
        action="lead.distributed",
        message=_("Rule “%(rule)s”") % {"rule": match.rule.name},
        sla_hours=match.rule.first_contact_sla_hours,
    )


@transaction.atomic
def lead_auto_distribute(*, lead: Lead) -> Lead:
    """The system distributes a pool lead it captured (an e-mailed lead, say) by the same ordered
    rules; without a matching rule the lead stays in the pool for a lead manager."""
    locked = lock_lead(lead)
    if locked.owner_id is not None or workflow.state_refusal(locked, Action.DISTRIBUTE):
        return locked
    match = find_assignee(locked)
    if match is None:
        return locked
    return _give_to(
        actor=None,
        lead=locked,
        owner=match.user,
        action="lead.distributed",
        message=_("Rule “%(rule)s”") % {"rule": match.rule.name},
        sla_hours=match.rule.first_contact_sla_hours,
    )


# --- nurturing ----------------------------------------------------------------------------------


ACTIVITY_FIELDS = ["kind", "occurred_at", "summary", "outcome", "next_step", "next_step_date"]


@transaction.atomic
def lead_activity_add(*, actor: Any, lead: Lead, data: dict[str, Any]) -> LeadActivity:
    """Logs a follow-up; the first one counts as the first contact (SLA)."""
    _unknown_fields(data, ACTIVITY_FIELDS)
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.LOG_ACTIVITY)
    _check_open(locked, Action.LOG_ACTIVITY)
    activity = LeadActivity(lead=locked, created_by=actor, **{k: v for k, v in data.items() if v is not None})
    validate(activity, exclude=["lead"])
    if activity.occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        message = _("An activity cannot be in the future; plan it as the next step instead.")
        raise DomainError(message, field_errors={"occurred_at": [message]})
    activity.save()
    fields = []
    if locked.last_activity_at is None or activity.occurred_at > locked.last_activity_at:
        locked.last_activity_at = activity.occurred_at
        fields.append("last_activity_at")
    if locked.first_contacted_at is None and locked.owner_id is not None:
        locked.first_contacted_at = activity.occurred_at
        fields.append("first_contacted_at")
    if fields:
        _save(locked, fields)
    record_event(
        actor=actor,
        action="lead.activity_logged",
        subject=locked,
        after=snapshot(activity, ACTIVITY_FIELDS),
    )
    return activity


@transaction.atomic
def lead_criterion_set(
    *, actor: Any, lead: Lead, criterion: NurturingCriterion, checked: bool, note: str = ""
) -> LeadCriterionCheck:
    """Ticks or unticks one nurturing criterion, recording who and when."""
    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.LOG_ACTIVITY)
    if locked.status not in (LeadStatus.VALIDATING, LeadStatus.NURTURING):
        raise TransitionRefused(
            _("The checklist can be changed only while the lead is validating or nurturing.")
        )
    if not criterion.is_active:
        raise DomainError(_("This criterion is no longer in use."))
    check, _created = LeadCriterionCheck.objects.select_for_update().get_or_create(
        lead=locked, criterion=criterion
    )
    before = {"checked": check.checked, "note": check.note}
    check.checked = bool(checked)
    check.note = (note or "")[:300]
    check.checked_by = actor
    check.checked_at = timezone.now()
    check.save()
    record_event(
        actor=actor,
        action="lead.criterion_checked" if checked else "lead.criterion_unchecked",
        subject=locked,
        before={criterion.code: before},
        after={criterion.code: {"checked": check.checked, "note": check.note}},
    )
    return check


# --- conversion ---------------------------------------------------------------------------------


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    title: str = "",
    amount: Decimal | None = None,
    currency: str = "",
    expected_close_date: datetime.date | None = None,
) -> tuple[Lead, Any]:
    """Converts a qualified lead into an opportunity (线索转机会点), creating the customer and the
    contact first when the lead names a new prospect. The lead keeps the lineage (the opportunity's
    origin_lead) and records when and by whom. The row lock makes a second conversion wait and then
    fail the status check."""
    from openltc.customers.services import contact_create, customer_create
    from openltc.opportunities.services import opportunity_create

    locked = lock_lead(lead)
    _require_permission(locked, actor, Action.CONVERT)
    reasons = workflow.blocking_reasons(locked, Action.CONVERT)
    if reasons:
        raise TransitionRefused(" ".join(reasons), extra={"reasons": reasons, "action": str(Action.CONVERT)})
    customer = locked.customer
    if customer is None:
        customer = customer_create(
            actor=actor,
            data={
                "name": locked.company_name.strip(),
                "country": locked.country,
                "org_unit": locked.org_unit,
                "owner": locked.owner,
            },
        )
    contact = locked.contact
    if contact is None and locked.contact_name.strip():
        contact = contact_create(
            actor=actor,
            customer=customer,
            data={
                "name": locked.contact_name.strip(),
                "phone": locked.contact_phone,
                "email": locked.contact_email,
            },
        )
    opportunity = opportunity_create(
        actor=actor,
        customer=customer,
        title=(title or locked.title).strip(),
        amount=amount if amount is not None else (locked.estimated_value or Decimal("0")),
        currency=(currency or locked.currency).upper(),
        owner=locked.owner,
        org_unit=locked.org_unit,
        expected_close_date=expected_close_date or locked.expected_date,
        product_lines=(locked.product_line,) if locked.product_line_id else (),
        origin_lead=locked,
        contact=contact,
    )
    converted = lead_transition(
        actor=actor,
        lead=locked,
        action=Action.CONVERT,
        effects={
            "customer": customer,
            "contact": contact,
            "converted_at": timezone.now(),
            "converted_by": actor,
        },
        message=str(opportunity.pk),
    )
    return converted, opportunity


# --- duplicates ---------------------------------------------------------------------------------

MERGE_FILL_FIELDS = [
    "customer",
    "contact",
    "company_name",
    "contact_name",
    "contact_phone",
    "contact_email",
    "product_line",
    "country",
    "estimated_value",
    "expected_date",
    "maturity",
    "pain_text",
    "solution_text",
    "relationship_text",
    "budget_text",
]


@transaction.atomic
def lead_merge(*, actor: Any, keep: Lead, merge: Lead) -> Lead:
    """Merges a duplicate into ``keep``: blanks are filled from the duplicate, its activities and
    checklist ticks move over, and the duplicate is disqualified as a duplicate (kept for history)."""
    if keep.pk == merge.pk:
        raise DomainError(_("A lead cannot be merged into itself."))
    rows = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("org_unit")
        .filter(pk__in=[keep.pk, merge.pk])
    )
    locked = {lead.pk: lead for lead in rows.order_by("pk")}
    if len(locked) != 2:
        raise NotFound(_("Not found."))
    target, duplicate = locked[keep.pk], locked[merge.pk]
    for lead in (target, duplicate):
        _require_permission(lead, actor, Action.EDIT)
        _check_open(lead, Action.EDIT)
    filled: dict[str, Any] = {}
    for name in MERGE_FILL_FIELDS:
        field = Lead._meta.get_field(name)
        attname = getattr(field, "attname", name)
        if getattr(target, attname) in (None, "") and getattr(duplicate, attname) not in (None, ""):
            setattr(target, attname, getattr(duplicate, attname))
            filled[name] = getattr(duplicate, attname)
    LeadActivity.objects.filter(lead=duplicate).update(lead=target)
    kept = {c.criterion_id: c for c in LeadCriterionCheck.objects.filter(lead=target)}
    for check in LeadCriterionCheck.objects.filter(lead=duplicate):
        mine = kept.get(check.criterion_id)
        if mine is None:
            check.lead = target
            check.save(update_fields=["lead"])
        else:
            if check.checked and not mine.checked:
                mine.checked, mine.checked_by, mine.checked_at, mine.note = (
                    True,
                    check.checked_by,
                    check.checked_at,
                    check.note,
                )
                mine.save()
            check.delete()
    if duplicate.last_activity_at and (
        target.last_activity_at is None or duplicate.last_activity_at > target.last_activity_at
    ):
        target.last_activity_at = duplicate.last_activity_at
        filled["last_activity_at"] = duplicate.last_activity_at
    validate(target)
    _rescore(target)
    _save(target, [*filled, "score", "score_explanation"])
    record_event(
        actor=actor,
        action="lead.merged",
        subject=target,
        after={"merged_lead": str(duplicate.pk), **filled},
        message=duplicate.title,
    )
    lead_disqualify(
        actor=actor,
        lead=duplicate,
        reason=DisqualifyReason.DUPLICATE,
        note=_("Merged into “%(title)s” (%(id)s).") % {"title": target.title, "id": target.pk},
    )
    return target


# --- bulk actions: all or nothing ----------------------------------------------------------------


def _bulk(actor: Any, leads: Iterable[Lead], apply: Any, verb: str) -> list[Lead]:
    done: list[Lead] = []
    errors: list[dict[str, str]] = []
    for lead in leads:
        try:
            done.append(apply(lead))
        except DomainError as exc:
            errors.append({"id": str(lead.pk), "title": lead.title, "message": exc.message})
    if errors:
        raise DomainError(
            _("No lead was changed: %(failed)d of %(total)d leads could not be %(verb)s.")
            % {"failed": len(errors), "total": len(errors) + len(done), "verb": verb},
            extra={"errors": errors},
        )
    return done


@transaction.atomic
def lead_bulk_assign(*, actor: Any, leads: Iterable[Lead], owner: Any, reason: str = "") -> list[Lead]:
    return _bulk(
        actor,
        leads,
        lambda lead: lead_assign(actor=actor, lead=lead, owner=owner, reason=reason),
        _("assigned"),
    )


@transaction.atomic
def lead_bulk_disqualify(*, actor: Any, leads: Iterable[Lead], reason: str, note: str = "") -> list[Lead]:
    return _bulk(
        actor,
        leads,
        lambda lead: lead_disqualify(actor=actor, lead=lead, reason=reason, note=note),
        _("disqualified"),
    )


# --- SLA reminders ------------------------------------------------------------------------------


@transaction.atomic
def remind_overdue_first_contacts(*, now: datetime.datetime | None = None) -> int:
    """Reminds owners (and the unit's manager) once per assignment of leads they have not contacted
    in time. Returns how many leads were reminded."""
    now = now or timezone.now()
    overdue = list(
        Lead.objects.overdue(now)
        .filter(first_contact_reminded_at__isnull=True)
        .select_related("owner", "org_unit__manager")
        .select_for_update(of=("self",))
    )
    for lead in overdue:
        lead.first_contact_reminded_at = now
        lead.save(update_fields=["first_contact_reminded_at"])
        record_event(
            actor=None,
            action="lead.first_contact_overdue",
            subject=lead,
            after={"due": lead.first_contact_due_at},
        )
        recipients = [lead.owner]
        if lead.org_unit.manager_id and lead.org_unit.manager_id != lead.owner_id:
            recipients.append(lead.org_unit.manager)
        notify(
            recipients=recipients,
            subject=gettext_noop("First contact overdue for a lead"),
            template="leads/email/first_contact_overdue.txt",
            context={"lead": lead, "due": lead.first_contact_due_at},
        )
    return len(overdue)


def manages_any(user: Any) -> bool:
    """Whether the user manages some subtree (lead manager, sales manager, admin)."""
    scope = user_scope(user)
    return scope.everything or bool(scope.manage_paths)
