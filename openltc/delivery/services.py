"""Writes about delivery projects. Every write locks the project row, checks the caller's rights
(change rights on the project: its org unit's managers, the FR, the contract's AR and contract
manager, and the team), refuses changes to a closed project, validates, saves and records one
audit event in the same transaction.

Acceptance of a delivery milestone calls ``contracts.services.receivable_trigger_on_acceptance`` for the
linked receivable plan line, in the same transaction: the payment milestone becomes billable.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.core.audit import record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound
from openltc.core.selectors import lock_for_update
from openltc.core.sequences import next_value
from openltc.core.services import check_version, validate
from openltc.core.uploads import check_upload
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.delivery import estimation, selectors, workflow
from openltc.delivery.choices import (
    DelphiStatus,
    ItemKind,
    ItemStatus,
    ProjectStatus,
    ReviewConclusion,
    RiskStatus,
    TeamRole,
)
from openltc.delivery.models import (
    Acceptance,
    ActionItem,
    AnalogyEstimate,
    CostEntry,
    DeliveryProject,
    DelphiEstimate,
    DelphiSession,
    EvidenceFileType,
    Meeting,
    PlanItem,
    ProjectMember,
    QualityReview,
    ReviewFinding,
    Risk,
    WorkLogEntry,
)

PROJECT_FIELDS = ("name", "fr", "planned_start", "planned_finish")
ITEM_FIELDS = (
    "stream",
    "kind",
    "name",
    "owner",
    "planned_start",
    "planned_finish",
    "status",
    "progress",
    "plan_line",
    "planned_value",
)
RISK_FIELDS = (
    "title",
    "category",
    "description",
    "probability",
    "impact",
    "owner",
    "response",
    "response_plan",
    "trigger",
    "status",
)
SIGNED_STATUSES = ("signed", "archived", "executing")


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _lock(actor: Any, project: DeliveryProject, *, expected_version: int | None = None) -> DeliveryProject:
    locked = lock_for_update(DeliveryProject.objects.select_related("contract"), pk=project.pk)
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if not can_access(actor, locked, CHANGE):
        raise Forbidden(_("You may not change this delivery project."))
    check_version(locked, expected_version)
    if locked.status == ProjectStatus.CLOSED:
        raise Conflict(_("The delivery project is closed; its records cannot be changed."))
    return locked


def _bump(project: DeliveryProject) -> None:
    project.lock_version += 1
    project.save(update_fields=["lock_version", "updated_at"])


def _person(user: Any, field: str) -> Any:
    if user is None or not getattr(user, "is_active", False):
        raise _invalid(field, _("Choose an active person."))
    return user


def _not_future(day: datetime.date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise _invalid(field, _("The date cannot be in the future."))


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


def _apply(obj: Any, data: Mapping[str, Any], fields: Iterable[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        old = getattr(obj, name)
        new = data[name]
        if old != new:
            before[name] = _plain(old)
            after[name] = _plain(new)
            setattr(obj, name, new)
    return before, after


# --- projects and team --------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    actor: Any,
    contract: Any,
    fr: Any,
    name: str = "",
    planned_start: datetime.date | None = None,
    planned_finish: datetime.date | None = None,
) -> DeliveryProject:
    """Sets up the delivery of a signed contract (or of a PO under a frame contract)."""
    from openltc.contracts.models import Contract

    locked = lock_for_update(Contract.objects.select_related("customer"), pk=contract.pk)
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if not can_access(actor, locked, CHANGE):
        raise Forbidden(_("Only the people who manage the contract set up its delivery project."))
    if locked.kind == "frame":
        raise Conflict(_("A frame contract is delivered per purchase order: set up the project on each PO."))
    if locked.status not in SIGNED_STATUSES:
        raise Conflict(_("A delivery project is set up once the contract is signed."))
    if DeliveryProject.objects.filter(contract=locked).exists():
        raise Conflict(_("This contract already has a delivery project."))
    _person(fr, "fr")
    year = timezone.localdate().year
    project = DeliveryProject(
        number=f"DP-{year}-{next_value(f'DP-{year}'):05d}",
        name=(name or "").strip() or locked.title,
        contract=locked,
        org_unit=locked.org_unit,
        fr=fr,
        planned_start=planned_start,
        planned_finish=planned_finish,
        currency=locked.currency,
    )
    validate(project)
    project.save()
    ProjectMember.objects.create(project=project, user=fr, role=TeamRole.FR)
    if locked.owner_id != fr.pk:
        ProjectMember.objects.create(project=project, user=locked.owner, role=TeamRole.SALES)
    record_event(
        actor=actor,
        action="delivery.project_created",
        subject=project,
        after={"number": project.number, "contract": locked.number, "fr": str(fr)},
    )
    return project


@transaction.atomic
def project_update(
    *, actor: Any, project: DeliveryProject, data: Mapping[str, Any], expected_version: int | None = None
) -> DeliveryProject:
    locked = _lock(actor, project, expected_version=expected_version)
    if "fr" in data:
        _person(data["fr"], "fr")
    before, after = _apply(locked, data, PROJECT_FIELDS)
    if not after:
        return locked
    validate(locked)
    locked.lock_version += 1
    locked.save()
    if "fr" in after:
        ProjectMember.objects.get_or_create(project=locked, user=locked.fr, role=TeamRole.FR)
    record_event(actor=actor, action="delivery.project_updated", subject=locked, before=before, after=after)
    return locked


@transaction.atomic
def member_add(*, actor: Any, project: DeliveryProject, user: Any, role: str) -> ProjectMember:
    locked = _lock(actor, project)
    _person(user, "user")
    if ProjectMember.objects.filter(project=locked, user=user, role=role).exists():
        raise _invalid("role", _("This person already holds this role on the project."))
    member = ProjectMember(project=locked, user=user, role=role)
    validate(member)
    member.save()
    _bump(locked)
    record_event(
        actor=actor, action="delivery.member_added", subject=locked, after={"user": str(user), "role": role}
    )
    return member


@transaction.atomic
def member_remove(*, actor: Any, project: DeliveryProject, member_id: Any) -> None:
    locked = _lock(actor, project)
    member = ProjectMember.objects.filter(project=locked, pk=member_id).select_related("user").first()
    if member is None:
        raise NotFound(_("Not found."))
    if member.role == TeamRole.FR and member.user_id == locked.fr_id:
        raise Conflict(_("The FR in charge stays on the team; hand the project to another FR first."))
    member.delete()
    _bump(locked)
    record_event(
        actor=actor,
        action="delivery.member_removed",
        subject=locked,
        before={"user": str(member.user), "role": member.role},
    )


@transaction.atomic
def project_start(
    *, actor: Any, project: DeliveryProject, expected_version: int | None = None
) -> DeliveryProject:
    """The integrated plan is baselined: execution starts."""
    locked = _lock(actor, project, expected_version=expected_version)
    workflow.check_transition(locked, ProjectStatus.EXECUTING, selectors.facts_for(locked))
    locked.status = ProjectStatus.EXECUTING
    locked.lock_version += 1
    locked.save(update_fields=["status", "lock_version", "updated_at"])
    record_event(
        actor=actor,
        action="delivery.project_started",
        subject=locked,
        before={"status": ProjectStatus.PLANNING},
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def project_close(
    *,
    actor: Any,
    project: DeliveryProject,
    summary: str,
    lessons_learned: str = "",
    customer_satisfaction: int | None = None,
    expected_version: int | None = None,
) -> DeliveryProject:
    """Closes the project (项目关闭) with its summary and lessons learned."""
    locked = _lock(actor, project, expected_version=expected_version)
    locked.summary = (summary or "").strip()
    locked.lessons_learned = (lessons_learned or "").strip()
    locked.customer_satisfaction = customer_satisfaction
    reasons = workflow.blocking_reasons(locked, ProjectStatus.CLOSED, selectors.facts_for(locked))
    if reasons:
        if not locked.summary:
            raise DomainError(reasons[0], field_errors={"summary": [reasons[-1]]}, extra={"reasons": reasons})
        workflow.check_transition(locked, ProjectStatus.CLOSED, selectors.facts_for(locked))
    locked.status = ProjectStatus.CLOSED
    locked.closed_at = timezone.now()
    validate(locked)
    locked.lock_version += 1
    locked.save()
    record_event(
        actor=actor,
        action="delivery.project_closed",
        subject=locked,
        before={"status": ProjectStatus.EXECUTING},
        after={"status": locked.status, "summary": locked.summary[:200]},
    )
    return locked


# --- the integrated plan -------------------------------------------------------------------------


def _check_item(project: DeliveryProject, item: PlanItem) -> None:
    _person(item.owner, "owner")
    if item.plan_line_id is not None:
        if item.kind != ItemKind.MILESTONE:
            raise _invalid("plan_line", _("Only a delivery milestone can be linked to a payment milestone."))
        if item.plan_line is None or item.plan_line.contract_id != project.contract_id:
            raise _invalid("plan_line", _("Choose a payment milestone of this project's contract."))
    if item.kind == ItemKind.MILESTONE and item.status == ItemStatus.DONE and not hasattr(item, "acceptance"):
        raise _invalid(
            "status", _("A delivery milestone is done when the customer's acceptance is recorded.")
        )


def _dependencies(project: DeliveryProject, item: PlanItem, depends_on: Sequence[Any]) -> list[PlanItem]:
    wanted = {str(getattr(d, "pk", d)) for d in depends_on}
    found = list(PlanItem.objects.filter(project=project, pk__in=wanted))
    if len(found) != len(wanted):
        raise _invalid("depends_on", _("Choose items of the same project."))
    if item.pk is not None and str(item.pk) in wanted:
        raise _invalid("depends_on", _("An item cannot depend on itself."))
    edges: dict[Any, list[Any]] = {}
    for source, target in PlanItem.depends_on.through.objects.filter(
        from_planitem__project=project
    ).values_list("from_planitem_id", "to_planitem_id"):
        if source != item.pk:
            edges.setdefault(source, []).append(target)
    if item.pk is not None and estimation.creates_cycle(edges, item.pk, [d.pk for d in found]):
        raise _invalid("depends_on", _("These dependencies would form a cycle."))
    return found


@transaction.atomic
def item_create(
    *, actor: Any, project: DeliveryProject, data: Mapping[str, Any], depends_on: Sequence[Any] = ()
) -> PlanItem:
    locked = _lock(actor, project)
    values = {k: v for k, v in data.items() if k in ITEM_FIELDS}
    item = PlanItem(project=locked, **values)
    if item.status == ItemStatus.DONE and item.kind == ItemKind.MILESTONE:
        raise _invalid(
            "status", _("A delivery milestone is done when the customer's acceptance is recorded.")
        )
    _check_item(locked, item)
    validate(item, exclude=["project"])
    prerequisites = _dependencies(locked, item, depends_on)
    item.save()
    item.depends_on.set(prerequisites)
    _bump(locked)
    record_event(
        actor=actor,
        action="delivery.item_created",
        subject=locked,
        after={"item": item.name, "kind": item.kind, "stream": item.stream},
    )
    return item


def _lock_item(
    actor: Any, item: PlanItem, expected_version: int | None = None
) -> tuple[DeliveryProject, PlanItem]:
    project = _lock(actor, item.project)
    locked = lock_for_update(PlanItem.objects.filter(project=project), pk=item.pk)
    check_version(locked, expected_version)
    return project, locked


@transaction.atomic
def item_update(
    *,
    actor: Any,
    item: PlanItem,
    data: Mapping[str, Any],
    depends_on: Sequence[Any] | None = None,
    expected_version: int | None = None,
) -> PlanItem:
    project, locked = _lock_item(actor, item, expected_version)
    if hasattr(locked, "acceptance") and any(k in data for k in ("kind", "plan_line", "status")):
        if (
            data.get("kind", locked.kind) != locked.kind
            or data.get("plan_line", locked.plan_line) != locked.plan_line
        ):
            raise Conflict(_("The milestone is accepted; its kind and payment milestone cannot change."))
        data = {k: v for k, v in data.items() if k != "status"}
    before, after = _apply(locked, data, ITEM_FIELDS)
    if locked.status == ItemStatus.DONE and "status" in after:
        locked.progress = 100
        locked.actual_finish = locked.actual_finish or timezone.localdate()
    _check_item(project, locked)
    validate(locked)
    if depends_on is not None:
        prerequisites = _dependencies(project, locked, depends_on)
        locked.depends_on.set(prerequisites)
        after["depends_on"] = [p.name for p in prerequisites]
    locked.lock_version += 1
    locked.save()
    _bump(project)
    record_event(
        actor=actor,
        action="delivery.item_updated",
        subject=project,
        before=before,
        after={"item": locked.name, **after},
    )
    return locked


@transaction.atomic
def item_estimate(
    *,
    actor: Any,
    item: PlanItem,
    optimistic: Decimal | None,
    most_likely: Decimal | None,
    pessimistic: Decimal | None,
) -> PlanItem:
    """Records the three-point estimate (days): O ≤ M ≤ P, none negative."""
    project, locked = _lock_item(actor, item)
    problem = estimation.three_point_error(optimistic, most_likely, pessimistic)
    messages = {
        "incomplete": _("Give all three estimates, or none."),
        "negative": _("Estimates cannot be negative."),
        "order": _("The estimates must satisfy optimistic ≤ most likely ≤ pessimistic."),
    }
    if problem:
        raise _invalid("most_likely", messages[problem])
    before = snapshot(locked, ["optimistic", "most_likely", "pessimistic"])
    locked.optimistic, locked.most_likely, locked.pessimistic = optimistic, most_likely, pessimistic
    validate(locked)
    locked.lock_version += 1
    locked.save()
    record_event(
        actor=actor,
        action="delivery.item_estimated",
        subject=project,
        before=before,
        after={"item": locked.name, **snapshot(locked, ["optimistic", "most_likely", "pessimistic"])},
    )
    return locked


# --- acceptance -----------------------------------------------------------------------------------


def check_evidence(upload: Any) -> str:
    """The cleaned file name, or a field error: a name with an accepted extension (admin-maintained
    evidence file types), not empty, not over the upload limit."""
    if upload is None:
        raise _invalid("evidence", _("Attach the acceptance evidence."))
    allowed = EvidenceFileType.objects.filter(is_active=True).values_list("extension", flat=True)
    return check_upload(upload, field="evidence", extensions=allowed)


@transaction.atomic
def acceptance_record(
    *,
    actor: Any,
    item: PlanItem,
    accepted_on: datetime.date,
    certificate_reference: str,
    evidence: Any,
    notes: str = "",
) -> Acceptance:
    """The customer accepted the delivery milestone. The linked receivable plan line gets its
    trigger date (the acceptance date) through the contracts service, so it becomes billable."""
    project, locked = _lock_item(actor, item)
    if locked.kind != ItemKind.MILESTONE:
        raise Conflict(_("Only a delivery milestone is accepted by the customer."))
    if project.status != ProjectStatus.EXECUTING:
        raise Conflict(_("Acceptance is recorded while the project is executing."))
    if Acceptance.objects.filter(item=locked).exists():
        raise Conflict(_("This milestone's acceptance is already recorded."))
    if accepted_on is None:
        raise _invalid("accepted_on", _("Give the acceptance date."))
    _not_future(accepted_on, "accepted_on")
    if not (certificate_reference or "").strip():
        raise _invalid("certificate_reference", _("Give the reference of the signed acceptance certificate."))
    name = check_evidence(evidence)
    evidence.name = name
    acceptance = Acceptance(
        item=locked,
        accepted_on=accepted_on,
        certificate_reference=certificate_reference.strip(),
        evidence=evidence,
        evidence_name=name,
        notes=notes or "",
        recorded_by=actor,
    )
    validate(acceptance, exclude=["evidence"])
    acceptance.save()
    locked.status = ItemStatus.DONE
    locked.progress = 100
    locked.actual_finish = accepted_on
    locked.lock_version += 1
    locked.save(update_fields=["status", "progress", "actual_finish", "lock_version", "updated_at"])
    triggered = None
    if locked.plan_line_id is not None:
        from openltc.contracts import services as contract_services

        line = contract_services.receivable_trigger_on_acceptance(
            actor=actor,
            contract=project.contract,
            plan_line_id=locked.plan_line_id,
            trigger_date=accepted_on,
            acceptance=acceptance.certificate_reference,
        )
        triggered = str(line.pk)
    _bump(project)
    record_event(
        actor=actor,
        action="delivery.milestone_accepted",
        subject=project,
        after={
            "item": locked.name,
            "accepted_on": str(accepted_on),
            "certificate": acceptance.certificate_reference,
            "evidence": name,
            "plan_line": triggered,
        },
    )
    return acceptance


# --- risks -----------------------------------------------------------------------------------------


@transaction.atomic
def risk_create(*, actor: Any, project: DeliveryProject, data: Mapping[str, Any]) -> Risk:
    locked = _lock(actor, project)
    risk = Risk(project=locked, **{k: v for k, v in data.items() if k in RISK_FIELDS})
    _person(risk.owner if risk.owner_id else None, "owner")
    if risk.status == RiskStatus.CLOSED:
        risk.closed_at = timezone.now()
    validate(risk, exclude=["project"])
    risk.save()
    _bump(locked)
    record_event(
        actor=actor,
        action="delivery.risk_created",
        subject=locked,
        after={"risk": risk.title, "exposure": risk.exposure, "response": risk.response},
    )
    return risk


@transaction.atomic
def risk_update(
    *, actor: Any, risk: Risk, data: Mapping[str, Any], expected_version: int | None = None
) -> Risk:
    project = _lock(actor, risk.project)
    locked = lock_for_update(Risk.objects.filter(project=project), pk=risk.pk)
    check_version(locked, expected_version)
    if "owner" in data:
        _person(data["owner"], "owner")
    before, after = _apply(locked, data, RISK_FIELDS)
    if "status" in after:
        locked.closed_at = timezone.now() if locked.status == RiskStatus.CLOSED else None
    validate(locked)
    locked.lock_version += 1
    locked.save()
    _bump(project)
    record_event(
        actor=actor,
        action="delivery.risk_updated",
        subject=project,
        before=before,
        after={"risk": locked.title, **after},
    )
    return locked


# --- estimation: Wideband Delphi and analogy ---------------------------------------------------------


@transaction.atomic
def delphi_start(
    *,
    actor: Any,
    project: DeliveryProject,
    topic: str,
    estimators: Sequence[Any],
    unit: str = "person-days",
    item: PlanItem | None = None,
) -> DelphiSession:
    """The actor moderates; 3–7 estimators give anonymous estimates round by round."""
    locked = _lock(actor, project)
    people = {p.pk: p for p in estimators if getattr(p, "is_active", False)}
    if not 3 <= len(people) <= 7 or len(people) != len(list(estimators)):
        raise _invalid("estimators", _("Choose 3 to 7 different active estimators."))
    if item is not None and item.project_id != locked.pk:
        raise _invalid("item", _("Choose items of the same project."))
    session = DelphiSession(
        project=locked, topic=(topic or "").strip(), unit=unit or "person-days", item=item, moderator=actor
    )
    validate(session, exclude=["project"])
    session.save()
    session.estimators.set(people.values())
    record_event(
        actor=actor,
        action="delivery.delphi_started",
        subject=locked,
        after={"topic": session.topic, "estimators": len(people)},
    )
    return session


def _lock_session(actor: Any, session: DelphiSession) -> tuple[DeliveryProject, DelphiSession]:
    project = _lock(actor, session.project)
    locked = lock_for_update(DelphiSession.objects.filter(project=project), pk=session.pk)
    if locked.status != DelphiStatus.OPEN:
        raise Conflict(_("This estimation is closed."))
    return project, locked


@transaction.atomic
def delphi_estimate(
    *, actor: Any, session: DelphiSession, value: Decimal, assumptions: str = ""
) -> DelphiEstimate:
    project, locked = _lock_session(actor, session)
    if not locked.estimators.filter(pk=actor.pk).exists():
        raise Forbidden(_("Only the estimators of this session give estimates."))
    if DelphiEstimate.objects.filter(session=locked, round=locked.current_round, estimator=actor).exists():
        raise _invalid("value", _("You already gave your estimate for this round."))
    estimate = DelphiEstimate(
        session=locked,
        round=locked.current_round,
        estimator=actor,
        value=value,
        assumptions=assumptions or "",
    )
    validate(estimate, exclude=["session", "estimator"])
    estimate.save()
    # The audit names the round only: the estimate stays anonymous.
    record_event(
        actor=actor,
        action="delivery.delphi_estimated",
        subject=project,
        after={"topic": locked.topic, "round": locked.current_round},
    )
    return estimate


def _require_moderator(actor: Any, session: DelphiSession) -> None:
    if actor.pk != session.moderator_id and not getattr(actor, "is_superuser", False):
        raise Forbidden(_("Only the moderator runs the rounds."))


@transaction.atomic
def delphi_next_round(*, actor: Any, session: DelphiSession) -> DelphiSession:
    """The moderator shares the summary and opens the next round (steps 4–6)."""
    project, locked = _lock_session(actor, session)
    _require_moderator(actor, locked)
    if not locked.estimates.filter(round=locked.current_round).exists():
        raise Conflict(_("No estimate was given in this round yet."))
    locked.current_round += 1
    locked.save(update_fields=["current_round", "updated_at"])
    record_event(
        actor=actor,
        action="delivery.delphi_round_opened",
        subject=project,
        after={"round": locked.current_round},
    )
    return locked


@transaction.atomic
def delphi_finish(
    *, actor: Any, session: DelphiSession, final_estimate: Decimal, note: str = ""
) -> DelphiSession:
    project, locked = _lock_session(actor, session)
    _require_moderator(actor, locked)
    if final_estimate is None or final_estimate < 0:
        raise _invalid("final_estimate", _("Give the final estimate (zero or more)."))
    locked.final_estimate = final_estimate
    locked.final_note = note or ""
    locked.status = DelphiStatus.CLOSED
    validate(locked)
    locked.save()
    record_event(
        actor=actor,
        action="delivery.delphi_finished",
        subject=project,
        after={"topic": locked.topic, "final_estimate": str(final_estimate), "rounds": locked.current_round},
    )
    return locked


@transaction.atomic
def analogy_create(
    *, actor: Any, project: DeliveryProject, reference: DeliveryProject, factor: Decimal, rationale: str = ""
) -> AnalogyEstimate:
    """Estimates from a past project's recorded cost (决算, else 核算) times the adjustment factor."""
    locked = _lock(actor, project)
    if reference is None or reference.pk == locked.pk or not can_access(actor, reference, VIEW):
        raise _invalid("reference", _("Choose another project you can see."))
    value = selectors.recorded_cost(reference)
    if value <= 0:
        raise _invalid("reference", _("The reference project has no recorded actual or final cost."))
    analogy = AnalogyEstimate(
        project=locked,
        reference=reference,
        reference_value=value,
        factor=factor,
        estimate=estimation.q2(value * (factor or 0)),
        rationale=rationale or "",
        created_by=actor,
    )
    validate(analogy, exclude=["project", "created_by"])
    analogy.save()
    record_event(
        actor=actor,
        action="delivery.analogy_estimated",
        subject=locked,
        after={"reference": reference.number, "factor": str(factor), "estimate": str(analogy.estimate)},
    )
    return analogy


# --- cost ---------------------------------------------------------------------------------------------


@transaction.atomic
def cost_record(*, actor: Any, project: DeliveryProject, data: Mapping[str, Any]) -> CostEntry:
    locked = _lock(actor, project)
    fields = ("stage", "category", "quality_cost", "amount", "entry_date", "description")
    entry = CostEntry(project=locked, recorded_by=actor, **{k: v for k, v in data.items() if k in fields})
    entry.quality_cost = entry.quality_cost or ""
    validate(entry, exclude=["project", "recorded_by"])
    entry.save()
    _bump(locked)
    record_event(
        actor=actor,
        action="delivery.cost_recorded",
        subject=locked,
        after={"stage": entry.stage, "category": entry.category, "amount": str(entry.amount)},
    )
    return entry


# --- quality reviews, meetings, work log -------------------------------------------------------------


@transaction.atomic
def review_create(
    *,
    actor: Any,
    project: DeliveryProject,
    kind: str,
    title: str,
    review_date: datetime.date,
    checklist: Sequence[str] = (),
    item: PlanItem | None = None,
) -> QualityReview:
    locked = _lock(actor, project)
    if item is not None and item.project_id != locked.pk:
        raise _invalid("item", _("Choose items of the same project."))
    if any("\x00" in str(text) or len(str(text)) > 300 for text in checklist):
        raise _invalid("checklist", _("Each check is plain text of at most 300 characters."))
    review = QualityReview(
        project=locked,
        kind=kind,
        title=(title or "").strip(),
        review_date=review_date,
        item=item,
        checklist=[{"item": str(text).strip(), "ok": None} for text in checklist if str(text).strip()],
        moderator=actor,
    )
    validate(review, exclude=["project", "moderator"])
    review.save()
    record_event(
        actor=actor, action="delivery.review_created", subject=locked, after={"review": review.title}
    )
    return review


@transaction.atomic
def review_conclude(
    *, actor: Any, review: QualityReview, conclusion: str, notes: str = "", passed_items: Sequence[int] = ()
) -> QualityReview:
    """Records the checklist answers and the conclusion: pass, pass with conditions, or fail."""
    project = _lock(actor, review.project)
    locked = lock_for_update(QualityReview.objects.filter(project=project), pk=review.pk)
    if locked.conclusion:
        raise Conflict(_("This review is already concluded."))
    if conclusion not in (ReviewConclusion.PASS, ReviewConclusion.CONDITIONAL, ReviewConclusion.FAIL):
        raise _invalid("conclusion", _("Choose the conclusion."))
    if conclusion != ReviewConclusion.PASS and not (notes or "").strip():
        raise _invalid("conclusion_notes", _("Give the conditions or the reasons for the failure."))
    passed = set(passed_items)
    locked.checklist = [{**row, "ok": index in passed} for index, row in enumerate(locked.checklist)]
    locked.conclusion = conclusion
    locked.conclusion_notes = notes or ""
    validate(locked)
    locked.save()
    record_event(
        actor=actor,
        action="delivery.review_concluded",
        subject=project,
        after={"review": locked.title, "conclusion": conclusion},
    )
    return locked


@transaction.atomic
def finding_add(
    *, actor: Any, review: QualityReview, description: str, severity: str, owner: Any, due: datetime.date
) -> ReviewFinding:
    project = _lock(actor, review.project)
    _person(owner, "owner")
    finding = ReviewFinding(
        review=review, description=(description or "").strip(), severity=severity, owner=owner, due=due
    )
    validate(finding, exclude=["review"])
    finding.save()
    record_event(
        actor=actor,
        action="delivery.finding_added",
        subject=project,
        after={"review": review.title, "finding": finding.description},
    )
    return finding


@transaction.atomic
def finding_close(*, actor: Any, finding: ReviewFinding) -> ReviewFinding:
    project = _lock(actor, finding.review.project)
    locked = lock_for_update(ReviewFinding.objects.filter(review__project=project), pk=finding.pk)
    if locked.closed_at is not None:
        raise Conflict(_("This finding is already closed."))
    locked.closed_at = timezone.now()
    locked.save(update_fields=["closed_at", "updated_at"])
    record_event(
        actor=actor, action="delivery.finding_closed", subject=project, after={"finding": locked.description}
    )
    return locked


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    project: DeliveryProject,
    kind: str,
    title: str,
    held_on: datetime.date,
    minutes: str = "",
    actions: Sequence[Mapping[str, Any]] = (),
) -> Meeting:
    """A meeting with its minutes and the actions agreed (who, what, by when)."""
    locked = _lock(actor, project)
    _not_future(held_on, "held_on")
    meeting = Meeting(
        project=locked,
        kind=kind,
        title=(title or "").strip(),
        held_on=held_on,
        minutes=minutes or "",
        recorded_by=actor,
    )
    validate(meeting, exclude=["project", "recorded_by"])
    meeting.save()
    for row in actions:
        _person(row.get("owner"), "actions")
        if not isinstance(row.get("due"), datetime.date):
            raise _invalid("actions", _("An action needs an owner and a due date."))
        action = ActionItem(
            meeting=meeting,
            description=str(row.get("description") or "").strip(),
            owner=row["owner"],
            due=row["due"],
        )
        validate(action, exclude=["meeting"])
        action.save()
    record_event(
        actor=actor,
        action="delivery.meeting_recorded",
        subject=locked,
        after={"meeting": meeting.title, "actions": len(actions)},
    )
    return meeting


@transaction.atomic
def action_done(*, actor: Any, action: ActionItem) -> ActionItem:
    project = _lock(actor, action.meeting.project)
    locked = lock_for_update(ActionItem.objects.filter(meeting__project=project), pk=action.pk)
    if locked.done_at is not None:
        raise Conflict(_("This action is already done."))
    locked.done_at = timezone.now()
    locked.save(update_fields=["done_at", "updated_at"])
    record_event(
        actor=actor, action="delivery.action_done", subject=project, after={"action": locked.description}
    )
    return locked


@transaction.atomic
def worklog_add(
    *,
    actor: Any,
    project: DeliveryProject,
    day: datetime.date,
    hours: Decimal,
    note: str,
    item: PlanItem | None = None,
) -> WorkLogEntry:
    locked = _lock(actor, project)
    _not_future(day, "day")
    if item is not None and item.project_id != locked.pk:
        raise _invalid("item", _("Choose items of the same project."))
    entry = WorkLogEntry(
        project=locked, author=actor, day=day, hours=hours, note=(note or "").strip(), item=item
    )
    validate(entry, exclude=["project", "author"])
    entry.save()
    record_event(
        actor=actor,
        action="delivery.work_logged",
        subject=locked,
        after={"day": str(day), "hours": str(hours)},
    )
    return entry
