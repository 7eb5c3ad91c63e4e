"""Writes about customers and their people. Every write checks the actor may change the record,
validates, saves and records an audit event in the same transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.core.audit import diff, record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden
from openltc.core.services import check_version, validate
from openltc.core.visibility import CHANGE, can_access
from openltc.customers.choices import ActionStatus, PlanStatus
from openltc.customers.models import (
    Contact,
    ContactRelationship,
    Customer,
    RelationshipAction,
    RelationshipPlan,
    SatisfactionSurvey,
)
from openltc.customers.normalize import (
    normalize_company_name,
    normalize_email,
    normalize_person_name,
    phone_digits,
)

CUSTOMER_FIELDS = [
    "name",
    "legal_name",
    "tax_id",
    "industry",
    "country",
    "region",
    "province",
    "city",
    "address",
    "website",
    "phone",
    "email",
    "size",
    "parent",
    "org_unit",
    "owner",
    "lifecycle_status",
    "tier",
    "is_strategic",
    "credit_rating",
    "credit_limit",
    "credit_currency",
    "notes",
]
CONTACT_FIELDS = [
    "name",
    "title",
    "department",
    "phone",
    "email",
    "reports_to",
    "management_level",
    "buying_roles",
    "stance",
    "influence",
    "personality",
    "relationship_stage",
    "is_coach",
    "coach_functions",
    "personal_needs",
    "org_needs",
    "notes",
    "relationship_owner",
    "is_active",
]
PLAN_FIELDS = ["objective", "target_stage", "owner", "due_date", "status"]
ACTION_FIELDS = ["title", "owner", "due_date", "status", "outcome"]
# Empty fields of the kept customer are filled from the merged one.
CUSTOMER_FILL_FIELDS = [
    "legal_name",
    "tax_id",
    "industry",
    "country",
    "region",
    "province",
    "city",
    "address",
    "website",
    "phone",
    "email",
    "size",
    "tier",
    "credit_rating",
    "credit_limit",
    "credit_currency",
]
CONTACT_FILL_FIELDS = [
    "title",
    "department",
    "phone",
    "email",
    "reports_to",
    "personality",
    "relationship_stage",
    "personal_needs",
    "org_needs",
    "relationship_owner",
]


def _unknown_fields(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(unknown)},
            field_errors={name: [_("This field cannot be set here.")] for name in unknown},
        )


def _require_change(actor: Any, obj: models.Model, message: str) -> None:
    if actor is not None and not can_access(actor, obj, CHANGE):
        raise Forbidden(message)


def _refuse_merged(obj: Customer | Contact) -> None:
    if obj.merged_into_id is not None:
        raise Conflict(
            _("“%(name)s” was merged into another record and can no longer be changed.") % {"name": obj}
        )


def _customer_derive(customer: Customer) -> None:
    customer.tax_id = (customer.tax_id or "").strip().upper() or None
    customer.credit_currency = (customer.credit_currency or "").strip().upper()
    customer.email = normalize_email(customer.email)
    customer.normalized_name = normalize_company_name(customer.name)
    customer.phone_digits = phone_digits(customer.phone)


def _contact_derive(contact: Contact) -> None:
    contact.email = normalize_email(contact.email)
    contact.normalized_name = normalize_person_name(contact.name)
    contact.phone_digits = phone_digits(contact.phone)


def _check_tax_id_free(customer: Customer) -> None:
    if customer.tax_id and Customer.objects.filter(tax_id=customer.tax_id).exclude(pk=customer.pk).exists():
        message = _("Another customer already has this tax id. Open the duplicate check to merge them.")
        raise DomainError(message, field_errors={"tax_id": [message]})


def _check_parent(customer: Customer) -> None:
    seen = {customer.pk}
    parent = customer.parent
    while parent is not None:
        if parent.pk in seen:
            message = _("The parent company cannot be this customer or one of its subsidiaries.")
            raise DomainError(message, field_errors={"parent": [message]})
        seen.add(parent.pk)
        parent = parent.parent


def _save_changes(
    instance: Customer | Contact,
    *,
    fields: list[str],
    data: dict[str, Any],
    derive: Any,
    extra_check: Any = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    allowed = [f for f in fields if f in data]
    before = snapshot(instance, allowed)
    for name in allowed:
        setattr(instance, name, data[name])
    derive(instance)
    changed_before, changed_after = diff(before, snapshot(instance, allowed))
    if not changed_after:
        return {}, {}
    if extra_check is not None:
        extra_check(instance)
    validate(instance)
    instance.lock_version += 1
    instance.save()
    return changed_before, changed_after


# ---------------------------------------------------------------- customers


@transaction.atomic
def customer_create(*, actor: Any, data: dict[str, Any]) -> Customer:
    """Creates a customer. The AR defaults to the actor and the org unit to the actor's home unit;
    the actor must be allowed to change the result (own it, or manage its org unit)."""
    _unknown_fields(data, CUSTOMER_FIELDS)
    values = dict(data)
    if actor is not None:
        values.setdefault("owner", actor)
        if values.get("org_unit") is None and getattr(actor, "home_unit_id", None):
            values["org_unit"] = actor.home_unit
    customer = Customer(**values)
    _customer_derive(customer)
    _check_tax_id_free(customer)
    validate(customer)
    _check_parent(customer)
    _require_change(actor, customer, _("You may not create customers for this org unit and owner."))
    customer.save()
    record_event(
        actor=actor,
        action="customer.created",
        subject=customer,
        after=snapshot(customer, [f for f in CUSTOMER_FIELDS if f != "notes"]),
    )
    return customer


@transaction.atomic
def customer_update(
    *, actor: Any, customer: Customer, data: dict[str, Any], expected_version: int | None = None
) -> Customer:
    _unknown_fields(data, CUSTOMER_FIELDS)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    _require_change(actor, locked, _("You may not change this customer."))
    _refuse_merged(locked)
    check_version(locked, expected_version)

    def _checks(obj: Customer) -> None:
        _check_tax_id_free(obj)
        _check_parent(obj)

    before, after = _save_changes(
        locked, fields=CUSTOMER_FIELDS, data=data, derive=_customer_derive, extra_check=_checks
    )
    if after:
        _require_change(actor, locked, _("After this change you could no longer manage the customer."))
        record_event(actor=actor, action="customer.updated", subject=locked, before=before, after=after)
    return locked


def _move_links(
    *, model: type[models.Model], keep: models.Model, merge: models.Model, skip: set[str]
) -> dict[str, int]:
    """Points every foreign key (and many-to-many row) that refers to ``merge`` at ``keep``.

    Relations are found by introspection, so links added later by other apps move too. A row
    that cannot move because the kept record already has the same link stays on the merged
    record (it is a duplicate link) and is counted as ``<relation>.duplicates``.
    """
    moved: dict[str, int] = {}
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through  # type: ignore[attr-defined]
            source_name = rel.field.m2m_reverse_field_name()  # type: ignore[union-attr,attr-defined]
            other_name = rel.field.m2m_field_name()  # type: ignore[union-attr,attr-defined]
            label = f"{rel.related_model._meta.label}.{rel.field.name}"  # type: ignore[union-attr]
            existing = through._default_manager.filter(**{source_name: keep}).values(other_name)
            rows = through._default_manager.filter(**{source_name: merge})
            dup = rows.filter(**{f"{other_name}__in": existing})
            dup_count = dup.count()
            dup.delete()
            count = rows.update(**{source_name: keep})
            if count or dup_count:
                moved[label] = count
            continue
        field = rel.field  # type: ignore[union-attr]
        related_model = rel.related_model
        label = f"{related_model._meta.label}.{field.name}"  # type: ignore[union-attr]
        if label in skip:
            continue
        manager = related_model._base_manager  # type: ignore[union-attr]
        rows = manager.filter(**{field.name: merge})
        if related_model is model:
            rows = rows.exclude(pk=keep.pk)
        try:
            with transaction.atomic():
                count = rows.update(**{field.name: keep})
        except IntegrityError:
            count = 0
            duplicates = 0
            for pk in list(rows.values_list("pk", flat=True)):
                try:
                    with transaction.atomic():
                        count += manager.filter(pk=pk).update(**{field.name: keep})
                except IntegrityError:
                    duplicates += 1
            moved[f"{label}.duplicates"] = duplicates
        if count:
            moved[label] = count
    return moved


def _fill_blanks(keep: models.Model, merge: models.Model, fields: list[str]) -> dict[str, Any]:
    filled: dict[str, Any] = {}
    for name in fields:
        field = keep._meta.get_field(name)
        attname = getattr(field, "attname", name)
        if getattr(keep, attname) in (None, "") and getattr(merge, attname) not in (None, ""):
            setattr(keep, attname, getattr(merge, attname))
            filled[name] = getattr(merge, attname)
    return filled


def _lock_pair(model: type[Customer] | type[Contact], a: Any, b: Any) -> dict[Any, Any]:
    rows = model.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk")
    return {row.pk: row for row in rows}


@transaction.atomic
def customer_merge(*, actor: Any, keep: Customer, merge: Customer) -> Customer:
    """Merges duplicate ``merge`` into ``keep``: every link moves to ``keep``, blank fields of
    ``keep`` are filled from ``merge``, and ``merge`` stays (with its history) marked as merged."""
    if keep.pk == merge.pk:
        raise DomainError(_("A customer cannot be merged into itself."))
    rows = _lock_pair(Customer, keep, merge)
    kept, merged = rows[keep.pk], rows[merge.pk]
    for obj in (kept, merged):
        _require_change(actor, obj, _("You may not merge customers you cannot manage."))
        _refuse_merged(obj)
    if kept.parent_id == merged.pk:
        kept.parent_id = merged.parent_id if merged.parent_id != kept.pk else None
    filled = _fill_blanks(kept, merged, CUSTOMER_FILL_FIELDS)
    if "tax_id" in filled:
        # The tax id is unique: it leaves the merged record before the kept one takes it.
        merged.tax_id = None
        merged.save(update_fields=["tax_id"])
    moved = _move_links(model=Customer, keep=kept, merge=merged, skip=set())
    kept.lock_version += 1
    kept.save()
    merged.merged_into = kept
    merged.merged_at = timezone.now()
    merged.lock_version += 1
    merged.save(update_fields=["merged_into", "merged_at", "lock_version", "updated_at"])
    record_event(
        actor=actor,
        action="customer.merged",
        subject=kept,
        after={"merged": str(merged.pk), "merged_name": merged.name, "filled": filled, "moved": moved},
        message=_("Merged “%(name)s” into this customer.") % {"name": merged.name},
    )
    record_event(
        actor=actor,
        action="customer.merged_into",
        subject=merged,
        before={"merged_into": None},
        after={"merged_into": str(kept.pk), "moved": moved},
        message=_("Merged into “%(name)s”.") % {"name": kept.name},
    )
    return kept


# ---------------------------------------------------------------- contacts


@transaction.atomic
def contact_create(*, actor: Any, customer: Customer, data: dict[str, Any]) -> Contact:
    _unknown_fields(data, CONTACT_FIELDS)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    _require_change(actor, locked, _("You may not add contacts to this customer."))
    _refuse_merged(locked)
    contact = Contact(customer=locked, **data)
    _contact_derive(contact)
    validate(contact)
    contact.save()
    record_event(
        actor=actor,
        action="contact.created",
        subject=contact,
        after=snapshot(contact, ["customer", *CONTACT_FIELDS]),
    )
    return contact


@transaction.atomic
def contact_update(
    *, actor: Any, contact: Contact, data: dict[str, Any], expected_version: int | None = None
) -> Contact:
    _unknown_fields(data, CONTACT_FIELDS)
    locked = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    _require_change(actor, locked, _("You may not change this contact."))
    _refuse_merged(locked)
    check_version(locked, expected_version)

    def _no_cycle(obj: Contact) -> None:
        seen = {obj.pk}
        boss = obj.reports_to
        while boss is not None:
            if boss.pk in seen:
                message = _("This would make a reporting loop.")
                raise DomainError(message, field_errors={"reports_to": [message]})
            seen.add(boss.pk)
            boss = boss.reports_to

    before, after = _save_changes(
        locked, fields=CONTACT_FIELDS, data=data, derive=_contact_derive, extra_check=_no_cycle
    )
    if after:
        record_event(actor=actor, action="contact.updated", subject=locked, before=before, after=after)
    return locked


@transaction.atomic
def contact_merge(*, actor: Any, keep: Contact, merge: Contact) -> Contact:
    """Merges duplicate contact ``merge`` into ``keep`` (same customer only)."""
    if keep.pk == merge.pk:
        raise DomainError(_("A contact cannot be merged into themselves."))
    rows = _lock_pair(Contact, keep, merge)
    kept, merged = rows[keep.pk], rows[merge.pk]
    if kept.customer_id != merged.customer_id:
        raise DomainError(_("Only contacts of the same customer can be merged."))
    for obj in (kept, merged):
        _require_change(actor, obj, _("You may not merge contacts you cannot manage."))
        _refuse_merged(obj)
    # Edges between the two would become loops; the merged person's line goes to their boss.
    removed_edges = ContactRelationship.objects.filter(
        models.Q(source=kept, target=merged) | models.Q(source=merged, target=kept)
    ).delete()[0]
    if kept.reports_to_id == merged.pk:
        kept.reports_to_id = merged.reports_to_id if merged.reports_to_id != kept.pk else None
    filled = _fill_blanks(kept, merged, CONTACT_FILL_FIELDS)
    if kept.reports_to_id == kept.pk:  # the merged person reported to the kept one
        kept.reports_to_id = None
        filled.pop("reports_to", None)
    kept.buying_roles = sorted(set(kept.buying_roles or []) | set(merged.buying_roles or []))
    if merged.is_coach:
        kept.is_coach = True
        kept.coach_functions = sorted(set(kept.coach_functions or []) | set(merged.coach_functions or []))
    moved = _move_links(model=Contact, keep=kept, merge=merged, skip=set())
    # Edges that could not move duplicate edges the kept contact already has.
    ContactRelationship.objects.filter(models.Q(source=merged) | models.Q(target=merged)).delete()
    _contact_derive(kept)
    validate(kept)
    kept.lock_version += 1
    kept.save()
    merged.merged_into = kept
    merged.merged_at = timezone.now()
    merged.is_active = False
    merged.lock_version += 1
    merged.save(update_fields=["merged_into", "merged_at", "is_active", "lock_version", "updated_at"])
    record_event(
        actor=actor,
        action="contact.merged",
        subject=kept,
        after={
            "merged": str(merged.pk),
            "merged_name": merged.name,
            "filled": filled,
            "moved": moved,
            "removed_edges": removed_edges,
        },
        message=_("Merged “%(name)s” into this contact.") % {"name": merged.name},
    )
    record_event(
        actor=actor,
        action="contact.merged_into",
        subject=merged,
        before={"merged_into": None},
        after={"merged_into": str(kept.pk), "moved": moved},
        message=_("Merged into “%(name)s”.") % {"name": kept.name},
    )
    return kept


# ---------------------------------------------------------------- buying-organisation map


@transaction.atomic
def contact_relationship_create(
    *, actor: Any, customer: Customer, source: Contact, target: Contact, kind: str, note: str = ""
) -> ContactRelationship:
    _require_change(actor, customer, _("You may not change this customer's organisation map."))
    _refuse_merged(customer)
    if source.merged_into_id or target.merged_into_id:
        raise DomainError(_("Merged contacts cannot be linked."))
    edge = ContactRelationship(customer=customer, source=source, target=target, kind=kind, note=note)
    validate(edge)
    edge.save()
    record_event(
        actor=actor,
        action="contact_relationship.created",
        subject=customer,
        after={"source": source.name, "target": target.name, "kind": kind, "id": str(edge.pk)},
    )
    return edge


@transaction.atomic
def contact_relationship_delete(*, actor: Any, relationship: ContactRelationship) -> None:
    customer = relationship.customer
    _require_change(actor, customer, _("You may not change this customer's organisation map."))
    record_event(
        actor=actor,
        action="contact_relationship.deleted",
        subject=customer,
        before={
            "source": relationship.source.name,
            "target": relationship.target.name,
            "kind": relationship.kind,
            "id": str(relationship.pk),
        },
    )
    relationship.delete()


# ---------------------------------------------------------------- relationship plans


@transaction.atomic
def relationship_plan_create(*, actor: Any, contact: Contact, data: dict[str, Any]) -> RelationshipPlan:
    _unknown_fields(data, PLAN_FIELDS)
    _require_change(actor, contact.customer, _("You may not plan relationships for this customer."))
    _refuse_merged(contact)
    values = dict(data)
    values.setdefault("owner", actor)
    plan = RelationshipPlan(contact=contact, **values)
    validate(plan)
    plan.save()
    record_event(
        actor=actor,
        action="relationship_plan.created",
        subject=plan,
        after=snapshot(plan, ["contact", *PLAN_FIELDS]),
    )
    return plan


@transaction.atomic
def relationship_plan_update(*, actor: Any, plan: RelationshipPlan, data: dict[str, Any]) -> RelationshipPlan:
    _unknown_fields(data, PLAN_FIELDS)
    locked = RelationshipPlan.objects.select_for_update().get(pk=plan.pk)
    _require_change(actor, locked, _("You may not change this relationship plan."))
    before = snapshot(locked, [f for f in PLAN_FIELDS if f in data])
    for name in PLAN_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    changed_before, changed_after = diff(before, snapshot(locked, list(before)))
    if changed_after:
        validate(locked)
        locked.save()
        record_event(
            actor=actor,
            action="relationship_plan.updated",
            subject=locked,
            before=changed_before,
            after=changed_after,
        )
    return locked


@transaction.atomic
def relationship_action_create(
    *, actor: Any, plan: RelationshipPlan, data: dict[str, Any]
) -> RelationshipAction:
    _unknown_fields(data, ACTION_FIELDS)
    plan = RelationshipPlan.objects.select_for_update().select_related("contact__customer").get(pk=plan.pk)
    _require_change(actor, plan, _("You may not change this relationship plan."))
    if plan.status in (PlanStatus.ACHIEVED, PlanStatus.CANCELLED):
        raise Conflict(_("This plan is closed; reopen it before adding actions."))
    values = dict(data)
    values.setdefault("owner", actor)
    action = RelationshipAction(plan=plan, **values)
    validate(action)
    action.save()
    if plan.status == PlanStatus.PLANNED:
        plan.status = PlanStatus.IN_PROGRESS
        plan.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="relationship_action.created",
        subject=plan,
        after={"action": action.title, "due_date": action.due_date, "owner": action.owner_id},
    )
    return action


@transaction.atomic
def relationship_action_complete(
    *, actor: Any, action: RelationshipAction, outcome: str = ""
) -> RelationshipAction:
    locked = RelationshipAction.objects.select_for_update().get(pk=action.pk)
    _require_change(actor, locked, _("You may not change this action."))
    if locked.status != ActionStatus.OPEN:
        raise Conflict(_("This action is already closed."))
    if "\x00" in (outcome or ""):  # saved without full_clean: PostgreSQL cannot store it
        message = _("Null characters are not allowed.")
        raise DomainError(message, field_errors={"outcome": [message]})
    locked.status = ActionStatus.DONE
    locked.done_at = timezone.now()
    locked.outcome = outcome or locked.outcome
    locked.save(update_fields=["status", "done_at", "outcome", "updated_at"])
    record_event(
        actor=actor,
        action="relationship_action.completed",
        subject=locked,
        before={"status": ActionStatus.OPEN},
        after={"status": ActionStatus.DONE, "outcome": locked.outcome},
    )
    return locked


# ---------------------------------------------------------------- satisfaction


@transaction.atomic
def satisfaction_survey_create(
    *,
    actor: Any,
    customer: Customer,
    surveyed_on: datetime.date,
    score: int,
    comments: str = "",
) -> SatisfactionSurvey:
    _require_change(actor, customer, _("You may not record surveys for this customer."))
    _refuse_merged(customer)
    survey = SatisfactionSurvey(
        customer=customer,
        surveyed_on=surveyed_on,
        score=score,
        comments=comments,
        surveyed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    validate(survey)
    survey.save()
    record_event(
        actor=actor,
        action="satisfaction_survey.created",
        subject=customer,
        after={"surveyed_on": surveyed_on, "score": score},
    )
    return survey
