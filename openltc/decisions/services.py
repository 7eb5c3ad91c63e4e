"""Writes of the decision engine. Every service locks the case, asks ``workflow`` whether the
action is allowed for this actor, writes, records one audit event in the same transaction and
sends its notifications after commit."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openltc.core.audit import record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound
from openltc.core.notifications import notify
from openltc.core.selectors import lock_for_update
from openltc.core.services import check_version, validate
from openltc.core.uploads import check_upload
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.decisions import routing, selectors, workflow
from openltc.decisions.choices import (
    ATTACHMENT_EXTENSIONS,
    CAUTION_ORDER,
    OPEN_CASE_STATUSES,
    CaseStatus,
    ConditionStatus,
    Gate,
    Outcome,
    QuorumRule,
    ReviewFunction,
    Verdict,
)
from openltc.decisions.models import (
    CaseAttachment,
    CaseChecklistItem,
    Decision,
    DecisionCase,
    DecisionCondition,
    DecisionVote,
    Deputy,
    ReviewOpinion,
)
from openltc.decisions.subjects import attributes_of, participants_of
from openltc.org.models import User
from openltc.org.roles import DecisionLevel, Role

CASE_FIELDS = [
    "status",
    "outcome",
    "round",
    "review_round",
    "routed_level",
    "decision_body",
    "routing_rule",
    "submitted_by",
    "submitted_at",
    "revisit_on",
    "lock_version",
]


@dataclass(frozen=True)
class ConditionInput:
    text: str
    owner: Any
    due_date: datetime.date


def _lock(case: DecisionCase) -> DecisionCase:
    return _lock_pk(case.pk)


def _lock_pk(pk: Any) -> DecisionCase:
    """Locks the case row only (``of=self``: PostgreSQL cannot lock the nullable side of a join)."""
    try:
        return (
            DecisionCase.objects.select_related("org_unit", "decision_body__org_unit")
            .select_for_update(of=("self",))
            .get(pk=pk)
        )
    except (DecisionCase.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound(_("Not found.")) from None


def _save(case: DecisionCase, fields: Iterable[str]) -> None:
    case.lock_version += 1
    case.save(update_fields=[*fields, "lock_version", "updated_at"])


def _audit(actor: Any, action: str, case: DecisionCase, before: dict[str, Any], message: str = "") -> None:
    after = snapshot(case, CASE_FIELDS)
    changed = {k for k in after if before.get(k) != after.get(k)}
    record_event(
        actor=actor,
        action=action,
        subject=case,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        message=message,
    )


def _notify(recipients: Iterable[Any], subject: str, case: DecisionCase, message: str, actor: Any) -> None:
    people = {
        u.pk: u for u in recipients if u is not None and getattr(u, "pk", None) != getattr(actor, "pk", None)
    }
    notify(
        recipients=people.values(),
        subject=subject,
        template="decisions/email/case_event.txt",
        context={"case": case, "message": message, "actor": str(actor) if actor else "OpenLTC"},
    )


def _require_visible(actor: Any, case: DecisionCase) -> None:
    try:
        selectors.case_get(user=actor, pk=case.pk, action=VIEW)
    except NotFound:
        raise NotFound(_("Not found.")) from None


def _required_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field_errors={field: [message]})
    return text


# --- opening and preparing ------------------------------------------------------------------------


@transaction.atomic
def case_open(*, actor: Any, subject: Any, gate: str, title: str = "", summary: str = "") -> DecisionCase:
    """Opens a draft case for ``subject`` at ``gate`` with the gate's material checklist."""
    if not can_access(actor, subject, VIEW):
        raise NotFound(_("Not found."))
    if not can_access(actor, subject, CHANGE):
        raise Forbidden(_("Only the team of the record may prepare its decision case."))
    if gate not in Gate.values:
        raise DomainError(_("Unknown gate."), field_errors={"gate": [_("Unknown gate.")]})
    subject_type = ContentType.objects.get_for_model(type(subject))
    existing = (
        DecisionCase.objects.select_for_update()
        .filter(
            subject_type=subject_type,
            subject_id=str(subject.pk),
            gate=gate,
            status__in=[*OPEN_CASE_STATUSES, CaseStatus.DRAFT, CaseStatus.RETURNED],
        )
        .first()
    )
    if existing is not None:
        raise Conflict(
            _("This record already has an open %(gate)s case.") % {"gate": gate},
            extra={"case_id": str(existing.pk)},
        )
    attrs = attributes_of(subject)
    if attrs.org_unit is None:
        raise DomainError(_("The record has no org unit, so the case cannot be routed."))
    case = DecisionCase(
        gate=gate,
        subject_type=subject_type,
        subject_id=str(subject.pk),
        subject_repr=str(subject)[:200],
        title=(title or "").strip()[:200] or f"{gate} · {subject}"[:200],
        summary=summary or "",
        org_unit=attrs.org_unit,
        amount=attrs.amount,
        currency=attrs.currency,
        grade=attrs.grade or "",
        margin_pct=attrs.margin_pct,
        payment_risk=attrs.payment_risk or "",
        created_by=actor,
    )
    validate(case)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise Conflict(_("This record already has an open %(gate)s case.") % {"gate": gate}) from None
    case.participants.set([p for p in participants_of(subject) if p is not None])
    _sync_checklist(case)
    record_event(
        actor=actor,
        action="decision_case.opened",
        subject=case,
        after={"gate": gate, "subject": case.subject_repr, "status": case.status},
    )
    return case


def _sync_checklist(case: DecisionCase) -> None:
    """Adds the items the gate (and the case's current grade) requires and the case lacks."""
    have = set(case.checklist.exclude(requirement=None).values_list("requirement_id", flat=True))
    new = [
        CaseChecklistItem(
            case=case,
            requirement=req,
            label=req.label,
            help_text=req.help_text,
            is_required=req.is_required,
            needs_attachment=req.needs_attachment,
            order=req.order,
        )
        for req in selectors.requirements_for(case.gate, case.grade or None)
        if req.pk not in have
    ]
    CaseChecklistItem.objects.bulk_create(new)


def _require_preparer(actor: Any, case: DecisionCase) -> None:
    _require_visible(actor, case)
    if not selectors.can_prepare(actor, case):
        raise Forbidden(_("Only the team of the record may prepare its decision case."))
    if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        raise Conflict(
            _("The material can be changed only while the case is a draft or returned for rework.")
        )


@transaction.atomic
def case_update(
    *, actor: Any, case: DecisionCase, title: str, summary: str, expected_version: int | None = None
) -> DecisionCase:
    locked = _lock(case)
    _require_preparer(actor, locked)
    check_version(locked, expected_version)
    before = {"title": locked.title, "summary": locked.summary}
    locked.title = _required_text(title, "title", _("Give the case a title."))[:200]
    locked.summary = summary or ""
    validate(locked)
    _save(locked, ["title", "summary"])
    record_event(
        actor=actor,
        action="decision_case.updated",
        subject=locked,
        before=before,
        after={"title": locked.title, "summary": locked.summary},
    )
    return locked


@transaction.atomic
def checklist_answer(*, actor: Any, item: CaseChecklistItem, answer: str) -> CaseChecklistItem:
    case = _lock(item.case)
    _require_preparer(actor, case)
    locked = CaseChecklistItem.objects.select_for_update().get(pk=item.pk)
    before = locked.answer
    locked.answer = (answer or "").strip()
    validate(locked)
    locked.save(update_fields=["answer", "updated_at"])
    record_event(
        actor=actor,
        action="decision_case.material_answered",
        subject=case,
        before={"item": locked.label, "answer": before},
        after={"item": locked.label, "answer": locked.answer},
    )
    return locked


def _check_upload(upload: UploadedFile) -> str:
    return check_upload(upload, field="file", extensions=ATTACHMENT_EXTENSIONS)


@transaction.atomic
def attachment_add(
    *, actor: Any, case: DecisionCase, upload: UploadedFile, item: CaseChecklistItem | None = None
) -> CaseAttachment:
    locked = _lock(case)
    _require_preparer(actor, locked)
    name = _check_upload(upload)
    if item is not None and item.case_id != locked.pk:
        raise DomainError(_("The checklist item belongs to another case."))
    upload.name = name
    attachment = CaseAttachment(
        case=locked, item=item, file=upload, original_name=name, size=upload.size or 0, uploaded_by=actor
    )
    attachment.save()
    record_event(
        actor=actor,
        action="decision_case.attachment_added",
        subject=locked,
        after={"file": name, "size": attachment.size, "item": item.label if item else ""},
    )
    return attachment


# --- submitting and routing -----------------------------------------------------------------------


def _apply_routing(case: DecisionCase, subject: Any) -> None:
    attrs = attributes_of(subject) if subject is not None else None
    if attrs is not None:
        case.org_unit = attrs.org_unit or case.org_unit
        case.amount = attrs.amount
        case.currency = attrs.currency
        case.grade = attrs.grade or ""
        case.margin_pct = attrs.margin_pct
        case.payment_risk = attrs.payment_risk or ""
        case.subject_repr = str(subject)[:200]
    else:
        from openltc.decisions.subjects import DecisionAttributes

        attrs = DecisionAttributes(
            amount=case.amount,
            currency=case.currency,
            grade=case.grade or None,
            margin_pct=case.margin_pct,
            payment_risk=case.payment_risk or None,
            org_unit=case.org_unit,
        )
    result = routing.route(case.gate, attrs)
    case.amount_reporting = result.amount_reporting
    case.routed_level = result.level
    case.decision_body = result.body
    case.routing_rule = result.rule
    case.routing_note = result.note[:500]


ROUTING_FIELDS = [
    "org_unit",
    "amount",
    "currency",
    "grade",
    "margin_pct",
    "payment_risk",
    "subject_repr",
    "amount_reporting",
    "routed_level",
    "decision_body",
    "routing_rule",
    "routing_note",
]


@transaction.atomic
def case_submit(*, actor: Any, case: DecisionCase, expected_version: int | None = None) -> DecisionCase:
    """Submits the material: checks the checklist and earlier conditions, routes the case through
    the delegation matrix and hands it to the reviewers (or straight to the deciders)."""
    locked = _lock(case)
    _require_visible(actor, locked)
    check_version(locked, expected_version)
    before = snapshot(locked, CASE_FIELDS)
    subject = locked.subject
    if subject is not None:
        locked.grade = attributes_of(subject).grade or ""
        _sync_checklist(locked)
    workflow.check(locked, "submit", selectors.case_facts(locked, actor=actor, action="submit"))
    resubmission = locked.status == CaseStatus.RETURNED
    _apply_routing(locked, subject)
    if resubmission:
        locked.round += 1
        locked.review_round = locked.round
    setting = selectors.gate_setting(locked.gate)
    # Review depth: a subject may ask for more (or fewer) functional reviews at this gate than the
    # gate's default, e.g. an A-grade opportunity gets every functional review at ATB and ATC.
    depth = getattr(subject, "decision_review_functions", None) if subject is not None else None
    functions = depth(locked.gate) if callable(depth) else None
    if functions is None:
        functions = setting.required_reviews
    locked.required_reviews = [f for f in functions if f in ReviewFunction.values]
    locked.status = CaseStatus.AWAITING_DECISION if not locked.required_reviews else CaseStatus.SUBMITTED
    locked.submitted_by = actor
    locked.submitted_at = timezone.now()
    locked.return_reason = ""
    locked.escalated_at = None
    locked.escalated_to = None
    validate(locked)
    _save(
        locked,
        [
            *ROUTING_FIELDS,
            "round",
            "review_round",
            "required_reviews",
            "status",
            "submitted_by",
            "submitted_at",
            "return_reason",
            "escalated_at",
            "escalated_to",
        ],
    )
    _audit(actor, "decision_case.submitted", locked, before, message=locked.routing_note)
    if locked.status == CaseStatus.AWAITING_DECISION:
        _notify(
            selectors.eligible_deciders(locked),
            gettext_noop("A decision waits for you"),
            locked,
            gettext_noop("A case was submitted for your decision."),
            actor,
        )
    else:
        _notify(
            selectors.eligible_reviewers(locked),
            gettext_noop("A review opinion is requested"),
            locked,
            gettext_noop("A case was submitted for review; your function's opinion is requested."),
            actor,
        )
    return locked


@transaction.atomic
def case_route(*, actor: Any, case: DecisionCase) -> DecisionCase:
    """Routes an undecided case again, e.g. after a price or payment-term change moved the deal
    to another level. Votes of the current round are void if the level changes."""
    locked = _lock(case)
    _require_visible(actor, locked)
    if locked.status not in OPEN_CASE_STATUSES:
        raise Conflict(_("Only a submitted, undecided case can be routed again."))
    if not (selectors.can_prepare(actor, locked) or selectors.decider_level(actor, locked.org_unit)):
        raise Forbidden(_("Only the team of the record or a decider may route the case again."))
    before = snapshot(locked, CASE_FIELDS)
    old_level = locked.routed_level
    _apply_routing(locked, locked.subject)
    validate(locked)
    fields = list(ROUTING_FIELDS)
    if old_level != locked.routed_level:
        DecisionVote.objects.filter(case=locked, round=locked.round).delete()
    _save(locked, fields)
    _audit(actor, "decision_case.routed", locked, before, message=locked.routing_note)
    return locked


def cases_reroute_for_subject(*, actor: Any, subject: Any) -> int:
    """Routes the subject's undecided cases again after its attributes changed (a price or
    payment-term change can move the deal to another level). Runs in the caller's transaction."""
    ids = list(
        DecisionCase.objects.for_subject(subject)
        .filter(status__in=OPEN_CASE_STATUSES)
        .values_list("pk", flat=True)
    )
    changed = 0
    for pk in ids:
        locked = _lock_pk(pk)
        before = snapshot(locked, CASE_FIELDS)
        old_level = locked.routed_level
        _apply_routing(locked, subject)
        if locked.routed_level != old_level:
            DecisionVote.objects.filter(case=locked, round=locked.round).delete()
            changed += 1
        _save(locked, ROUTING_FIELDS)
        _audit(actor, "decision_case.routed", locked, before, message=locked.routing_note)
    return changed


# --- reviews ------------------------------------------------------------------------------------------


@transaction.atomic
def opinion_record(
    *,
    actor: Any,
    case: DecisionCase,
    function: str,
    verdict: str,
    reasons: str,
    conditions: str = "",
) -> ReviewOpinion:
    """A functional reviewer's recommendation (建议权). Once every required function has spoken,
    the case waits for the decision."""
    locked = _lock(case)
    _require_visible(actor, locked)
    if function not in ReviewFunction.values:
        raise DomainError(
            _("Unknown review function."), field_errors={"function": [_("Unknown review function.")]}
        )
    if verdict not in Verdict.values:
        raise DomainError(_("Unknown verdict."), field_errors={"verdict": [_("Unknown verdict.")]})
    workflow.check(locked, "review", selectors.case_facts(locked, actor=actor, action="review"))
    if function not in selectors.reviewer_functions(actor, locked.org_unit):
        raise Forbidden(
            _("You hold no role that may give a %(function)s opinion on this case.")
            % {"function": ReviewFunction(function).label}
        )
    reasons = _required_text(reasons, "reasons", _("Give the reasons for your opinion."))
    if verdict == Verdict.AGREE_WITH_CONDITIONS and not (conditions or "").strip():
        raise DomainError(
            _("State the conditions of your agreement."),
            field_errors={"conditions": [_("State the conditions of your agreement.")]},
        )
    if ReviewOpinion.objects.filter(
        case=locked, round=locked.round, reviewer=actor, function=function
    ).exists():
        raise Conflict(_("You already gave an opinion for this function in this round."))
    before = snapshot(locked, CASE_FIELDS)
    opinion = ReviewOpinion(
        case=locked,
        round=locked.round,
        reviewer=actor,
        function=function,
        verdict=verdict,
        reasons=reasons,
        conditions=(conditions or "").strip(),
    )
    validate(opinion)
    opinion.save()
    was_waiting = locked.status == CaseStatus.AWAITING_DECISION
    if not was_waiting:
        locked.status = (
            CaseStatus.AWAITING_DECISION if not selectors.missing_reviews(locked) else CaseStatus.IN_REVIEW
        )
        _save(locked, ["status"])
    record_event(
        actor=actor,
        action="decision_case.opinion_recorded",
        subject=locked,
        before={"status": before["status"]},
        after={"status": locked.status, "function": function, "verdict": verdict, "reasons": reasons},
    )
    if locked.status == CaseStatus.AWAITING_DECISION and not was_waiting:
        _notify(
            selectors.eligible_deciders(locked),
            gettext_noop("A decision waits for you"),
            locked,
            gettext_noop("The reviews are complete; the case waits for your decision."),
            actor,
        )
    _notify(
        [locked.submitted_by],
        gettext_noop("A review opinion was recorded"),
        locked,
        gettext_noop("A reviewer recorded an opinion on your case."),
        actor,
    )
    return opinion


# --- deciding ---------------------------------------------------------------------------------------


def _check_outcome_inputs(
    outcome: str,
    rationale: str,
    conditions: Sequence[ConditionInput],
    revisit_on: datetime.date | None,
) -> str:
    if outcome not in Outcome.values:
        raise DomainError(_("Unknown outcome."), field_errors={"outcome": [_("Unknown outcome.")]})
    rationale = _required_text(rationale, "rationale", _("Give the rationale of the decision."))
    today = timezone.localdate()
    if outcome == Outcome.DEFERRED:
        if revisit_on is None:
            raise DomainError(
                _("A deferral needs a revisit date."),
                field_errors={"revisit_on": [_("A deferral needs a revisit date.")]},
            )
        if revisit_on <= today:
            raise DomainError(
                _("The revisit date must be in the future."),
                field_errors={"revisit_on": [_("The revisit date must be in the future.")]},
            )
    if outcome == Outcome.APPROVED_WITH_CONDITIONS:
        if not conditions:
            raise DomainError(
                _("An approval with conditions needs at least one condition."),
                field_errors={"conditions": [_("An approval with conditions needs at least one condition.")]},
            )
        for condition in conditions:
            if not (condition.text or "").strip():
                raise DomainError(
                    _("Each condition needs a text."),
                    field_errors={"conditions": [_("Each condition needs a text.")]},
                )
            if condition.owner is None or not getattr(condition.owner, "is_active", False):
                raise DomainError(
                    _("Each condition needs an active owner."),
                    field_errors={"conditions": [_("Each condition needs an active owner.")]},
                )
            if condition.due_date is None or condition.due_date < today:
                raise DomainError(
                    _("A condition's due date must not be in the past."),
                    field_errors={"conditions": [_("A condition's due date must not be in the past.")]},
                )
    elif conditions:
        raise DomainError(
            _("Conditions belong only to an approval with conditions."),
            field_errors={"conditions": [_("Conditions belong only to an approval with conditions.")]},
        )
    return rationale


def _already_decided(case: DecisionCase) -> Conflict:
    decision = (
        Decision.objects.filter(case=case, round=case.round)
        .select_related("decided_by", "on_behalf_of")
        .first()
    )
    who = str(decision.decider) if decision else "?"
    return Conflict(
        _("This case was already decided by %(name)s.") % {"name": who},
        extra={"decided_by": who, "outcome": case.outcome},
    )


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    case: DecisionCase,
    outcome: str,
    rationale: str,
    on_behalf_of: Any = None,
    conditions: Sequence[ConditionInput] = (),
    revisit_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> DecisionCase:
    """Records a decision (single decider) or a vote (voting body; the vote that reaches the
    quorum records the decision). The case row is locked first, so of two deciders acting at
    once one decides and the other gets a conflict naming who decided."""
    locked = _lock(case)
    _require_visible(actor, locked)
    if locked.status == CaseStatus.DECIDED:
        raise _already_decided(locked)
    check_version(locked, expected_version)
    if on_behalf_of is not None and on_behalf_of.pk == actor.pk:
        on_behalf_of = None
    facts = selectors.case_facts(locked, actor=actor, action="decide", on_behalf_of=on_behalf_of)
    workflow.check(locked, "decide", facts)
    rationale = _check_outcome_inputs(outcome, rationale, conditions, revisit_on)
    principal = on_behalf_of or actor
    rule = selectors.quorum_rule(locked)
    if rule == QuorumRule.SINGLE:
        return _finalise(
            actor=actor,
            case=locked,
            outcome=outcome,
            rationale=rationale,
            on_behalf_of=on_behalf_of,
            conditions=conditions,
            revisit_on=revisit_on,
            decider_level=int(facts.principal_level or 0),
            votes=[],
            quorum=rule,
        )
    vote = DecisionVote(
        case=locked,
        round=locked.round,
        voter=actor,
        principal=principal,
        outcome=outcome,
        rationale=rationale,
        conditions=[
            {"text": c.text, "owner_id": c.owner.pk, "due_date": c.due_date.isoformat()} for c in conditions
        ],
        revisit_on=revisit_on,
    )
    validate(vote)
    vote.save()
    record_event(
        actor=actor,
        action="decision_case.vote_cast",
        subject=locked,
        after={"member": str(principal), "outcome": outcome, "rationale": rationale},
    )
    votes = list(
        DecisionVote.objects.filter(case=locked, round=locked.round).select_related("principal", "voter")
    )
    winner = quorum_result(
        rule=rule,
        members=max(selectors.body_members(locked.decision_body).count(), 1) if locked.decision_body else 1,
        min_votes=locked.decision_body.min_votes if locked.decision_body else 1,
        outcomes=[v.outcome for v in votes],
    )
    if winner is None:
        _save(locked, [])
        return locked
    return _finalise(
        actor=actor,
        case=locked,
        outcome=winner,
        rationale="\n".join(f"{v.principal}: {Outcome(v.outcome).label} — {v.rationale}" for v in votes),
        on_behalf_of=on_behalf_of,
        conditions=_conditions_from_votes(votes) if winner == Outcome.APPROVED_WITH_CONDITIONS else [],
        revisit_on=min((v.revisit_on for v in votes if v.revisit_on), default=None)
        if winner == Outcome.DEFERRED
        else None,
        decider_level=int(facts.principal_level or 0),
        votes=[
            {
                "member": str(v.principal),
                "recorded_by": str(v.voter),
                "outcome": v.outcome,
                "rationale": v.rationale,
                "at": v.created_at.isoformat(),
            }
            for v in votes
        ],
        quorum=rule,
    )


def quorum_result(*, rule: str, members: int, min_votes: int, outcomes: Sequence[str]) -> str | None:
    """The body's outcome once its quorum is reached, else None (pure).

    Majority: an outcome backed by more than half of the members, with at least ``min_votes``
    cast. Unanimity: every member (and at least ``min_votes``) voted the same. When every member
    has voted without reaching that, the most cautious outcome cast wins (reject before defer
    before conditional approval before approval): an approval needs the quorum.
    """
    if rule == QuorumRule.SINGLE:
        return outcomes[0] if outcomes else None
    cast = len(outcomes)
    if cast < min_votes:
        return None
    counts = Counter(outcomes)
    if rule == QuorumRule.MAJORITY:
        top, top_count = counts.most_common(1)[0]
        if top_count * 2 > members:
            return top
    elif rule == QuorumRule.UNANIMITY and len(counts) == 1 and cast >= members:
        return outcomes[0]
    if cast >= members:
        return next(o for o in CAUTION_ORDER if o in counts)
    return None


def _conditions_from_votes(votes: Sequence[DecisionVote]) -> list[ConditionInput]:
    owners = {
        u.pk: u
        for u in User.objects.filter(
            pk__in=[
                c["owner_id"] for v in votes for c in v.conditions if isinstance(c, dict) and "owner_id" in c
            ]
        )
    }
    result = []
    for v in votes:
        for c in v.conditions:
            owner = owners.get(c.get("owner_id"))
            if owner is not None:
                result.append(
                    ConditionInput(
                        text=c["text"], owner=owner, due_date=datetime.date.fromisoformat(c["due_date"])
                    )
                )
    return result


def _finalise(
    *,
    actor: Any,
    case: DecisionCase,
    outcome: str,
    rationale: str,
    on_behalf_of: Any,
    conditions: Sequence[ConditionInput],
    revisit_on: datetime.date | None,
    decider_level: int,
    votes: list[dict[str, Any]],
    quorum: str,
) -> DecisionCase:
    before = snapshot(case, CASE_FIELDS)
    opinions = [
        {
            "reviewer": str(o.reviewer),
            "function": o.function,
            "verdict": o.verdict,
            "reasons": o.reasons,
            "conditions": o.conditions,
            "at": o.created_at.isoformat(),
        }
        for o in case.opinions.filter(round__gte=case.review_round)
        .select_related("reviewer")
        .order_by("created_at")
    ]
    decision = Decision(
        case=case,
        round=case.round,
        decided_by=actor,
        on_behalf_of=on_behalf_of,
        outcome=outcome,
        rationale=rationale,
        revisit_on=revisit_on if outcome == Outcome.DEFERRED else None,
        routed_level=case.routed_level or DecisionLevel.COMPANY,
        decider_level=decider_level,
        quorum_rule=quorum,
        opinions_seen=opinions,
        votes=votes,
    )
    validate(decision)
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:
        raise _already_decided(case) from None
    created = [
        DecisionCondition(
            case=case, decision=decision, text=c.text.strip()[:500], owner=c.owner, due_date=c.due_date
        )
        for c in conditions
    ]
    for condition in created:
        validate(condition, exclude=["decision", "case"])
    DecisionCondition.objects.bulk_create(created)
    if created:
        case.participants.add(*{c.owner for c in created})
    case.status = CaseStatus.DECIDED
    case.outcome = outcome
    case.decided_at = decision.decided_at
    case.revisit_on = decision.revisit_on
    _save(case, ["status", "outcome", "decided_at", "revisit_on"])
    record_event(
        actor=actor,
        action="decision.recorded",
        subject=case,
        before={k: before.get(k) for k in ("status", "outcome")},
        after={
            "status": case.status,
            "outcome": outcome,
            "on_behalf_of": str(on_behalf_of) if on_behalf_of else "",
            "rationale": rationale,
            "conditions": [c.text for c in created],
            "revisit_on": decision.revisit_on,
        },
    )
    _notify(
        [case.submitted_by, *case.participants.all(), *(c.owner for c in created)],
        gettext_noop("A decision was recorded"),
        case,
        gettext_noop("The decision body decided the case."),
        actor,
    )
    return case


@transaction.atomic
def case_return_for_rework(
    *, actor: Any, case: DecisionCase, reason: str, on_behalf_of: Any = None
) -> DecisionCase:
    """Sends the case back to the preparer (退回补充); not a decision."""
    locked = _lock(case)
    _require_visible(actor, locked)
    if locked.status == CaseStatus.DECIDED:
        raise _already_decided(locked)
    if on_behalf_of is not None and on_behalf_of.pk == actor.pk:
        on_behalf_of = None
    workflow.check(
        locked,
        "return",
        selectors.case_facts(locked, actor=actor, action="return", on_behalf_of=on_behalf_of),
    )
    reason = _required_text(reason, "reason", _("Say what is missing or must be reworked."))
    before = snapshot(locked, CASE_FIELDS)
    locked.status = CaseStatus.RETURNED
    locked.return_reason = reason
    DecisionVote.objects.filter(case=locked, round=locked.round).delete()
    _save(locked, ["status", "return_reason"])
    _audit(actor, "decision_case.returned", locked, before, message=reason)
    _notify(
        [locked.submitted_by, locked.created_by],
        gettext_noop("Your case was returned for rework"),
        locked,
        gettext_noop("The decision body returned the case for rework."),
        actor,
    )
    return locked


@transaction.atomic
def case_reopen(*, actor: Any, case: DecisionCase) -> DecisionCase:
    """Puts a deferred case back before the deciders (a new decision round; opinions stand)."""
    locked = _lock(case)
    _require_visible(actor, locked)
    workflow.check(locked, "reopen", selectors.case_facts(locked, actor=actor, action="reopen"))
    if not (selectors.can_prepare(actor, locked) or selectors.decider_level(actor, locked.org_unit)):
        raise Forbidden(_("Only the team of the record or a decider may reopen the case."))
    before = snapshot(locked, CASE_FIELDS)
    locked.status = CaseStatus.AWAITING_DECISION
    locked.outcome = ""
    locked.round += 1
    locked.revisit_on = None
    locked.decided_at = None
    locked.submitted_at = timezone.now()
    locked.escalated_at = None
    locked.escalated_to = None
    _save(
        locked,
        [
            "status",
            "outcome",
            "round",
            "revisit_on",
            "decided_at",
            "submitted_at",
            "escalated_at",
            "escalated_to",
        ],
    )
    _audit(actor, "decision_case.reopened", locked, before)
    _notify(
        selectors.eligible_deciders(locked),
        gettext_noop("A decision waits for you"),
        locked,
        gettext_noop("A deferred case was reopened for your decision."),
        actor,
    )
    return locked


# --- conditions and deputies -------------------------------------------------------------------------


@transaction.atomic
def condition_close(*, actor: Any, condition: DecisionCondition, note: str) -> DecisionCondition:
    """Closes a met condition: its owner or the person whose decision imposed it."""
    locked = lock_for_update(
        DecisionCondition.objects.select_related("decision", "case", "case__org_unit"), pk=condition.pk
    )
    _require_visible(actor, locked.case)
    if locked.status != ConditionStatus.OPEN:
        raise Conflict(_("This condition is already closed."))
    decider = locked.decision.on_behalf_of_id or locked.decision.decided_by_id
    if actor.pk not in (locked.owner_id, decider, locked.decision.decided_by_id) and not actor.is_superuser:
        raise Forbidden(_("Only the condition's owner or the decider may close it."))
    note = _required_text(note, "note", _("Say how the condition was met."))
    locked.status = ConditionStatus.CLOSED
    locked.closed_by = actor
    locked.closed_at = timezone.now()
    locked.closing_note = note
    validate(locked)
    locked.save(update_fields=["status", "closed_by", "closed_at", "closing_note", "updated_at"])
    record_event(
        actor=actor,
        action="decision_condition.closed",
        subject=locked,
        before={"status": ConditionStatus.OPEN},
        after={"status": locked.status, "note": note},
    )
    return locked


def _is_admin(user: Any) -> bool:
    from openltc.org.selectors import has_role

    return bool(user.is_superuser) or has_role(user, Role.SYSTEM_ADMIN)


@transaction.atomic
def deputy_appoint(
    *,
    actor: Any,
    principal: Any,
    deputy: Any,
    valid_from: datetime.date,
    valid_until: datetime.date,
    reason: str,
) -> Deputy:
    """Appoints a deputy who may decide for ``principal`` between the dates (recorded, audited)."""
    if principal.pk != actor.pk and not _is_admin(actor):
        raise Forbidden(_("You may appoint deputies only for yourself."))
    if not getattr(deputy, "is_active", False):
        raise DomainError(
            _("The deputy must be an active user."),
            field_errors={"deputy": [_("The deputy must be an active user.")]},
        )
    if valid_from < timezone.localdate() and principal.pk == actor.pk and not _is_admin(actor):
        raise DomainError(
            _("A deputyship cannot start in the past."),
            field_errors={"valid_from": [_("A deputyship cannot start in the past.")]},
        )
    appointment = Deputy(
        principal=principal,
        deputy=deputy,
        valid_from=valid_from,
        valid_until=valid_until,
        reason=_required_text(reason, "reason", _("Give the reason for the deputyship.")),
        appointed_by=actor,
    )
    validate(appointment)
    appointment.save()
    record_event(
        actor=actor,
        action="deputy.appointed",
        subject=appointment,
        after=snapshot(appointment, ["principal", "deputy", "valid_from", "valid_until", "reason"]),
    )
    notify(
        recipients=[deputy],
        subject=gettext_noop("You were appointed as a deputy decider"),
        template="decisions/email/deputy.txt",
        context={"appointment": appointment},
    )
    return appointment


@transaction.atomic
def deputy_revoke(*, actor: Any, appointment: Deputy) -> Deputy:
    locked = lock_for_update(Deputy.objects.all(), pk=appointment.pk)
    if locked.principal_id != actor.pk and not _is_admin(actor):
        raise Forbidden(_("You may revoke only your own deputies."))
    if locked.revoked_at is not None:
        raise Conflict(_("This deputyship is already revoked."))
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at", "updated_at"])
    record_event(
        actor=actor, action="deputy.revoked", subject=locked, after={"revoked_at": locked.revoked_at}
    )
    return locked


# --- SLA escalation ------------------------------------------------------------------------------------


def superior_for(case: DecisionCase) -> Any:
    """The decider's superior: the manager of the parent of the deciding body's unit (or, without
    a body, of the case's unit's nearest unit at the routed kind), falling back to the unit's own
    manager at the top of the tree."""
    unit = case.decision_body.org_unit if case.decision_body else case.org_unit
    parent = unit.parent
    while parent is not None and parent.manager_id is None:
        parent = parent.parent
    if parent is not None:
        return parent.manager
    return unit.manager


def escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Escalates every undecided case pending longer than its gate's SLA (once per submission)."""
    now = now or timezone.now()
    count = 0
    for gate in Gate.values:
        days = selectors.gate_setting(gate).sla_days
        cutoff = now - datetime.timedelta(days=days)
        ids = list(
            DecisionCase.objects.filter(
                gate=gate, status__in=OPEN_CASE_STATUSES, submitted_at__lt=cutoff, escalated_at__isnull=True
            ).values_list("pk", flat=True)
        )
        for pk in ids:
            if _escalate_one(pk, now=now, days=days):
                count += 1
    return count


@transaction.atomic
def _escalate_one(pk: Any, *, now: datetime.datetime, days: int) -> bool:
    case = _lock_pk(pk)
    if case.status not in OPEN_CASE_STATUSES or case.escalated_at is not None:
        return False
    superior = superior_for(case)
    case.escalated_at = now
    case.escalated_to = superior
    case.save(update_fields=["escalated_at", "escalated_to", "updated_at"])
    record_event(
        actor=None,
        action="decision_case.escalated",
        subject=case,
        after={"escalated_to": str(superior) if superior else "", "sla_days": days},
        message=_("Pending longer than %(days)s days.") % {"days": days},
    )
    if superior is not None:
        _notify(
            [superior],
            gettext_noop("A decision is overdue"),
            case,
            gettext_noop(
                "A case has waited for a decision longer than its service level and was escalated to you."
            ),
            None,
        )
    return True
