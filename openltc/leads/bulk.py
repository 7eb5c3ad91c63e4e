"""Capturing many leads at once (the import) by ``lead_create``'s rules, with a fixed number of
queries per batch and as little Python per row as the rules allow.

What ``lead_create`` does for one lead, this does for each row of a batch: the unknown-field check,
the org unit defaulting to the actor's home unit, the capture permission (answered once per unit),
the SLA of an owned lead, the score by the active scoring rules, the model's field validation
(``Field.clean`` of every field the row gives, the same validators and messages as ``full_clean``)
and the model's own ``clean``; then, for rows without an owner, distribution by the ordered rules;
then one insert (COPY on PostgreSQL) each for the leads, their history rows and their audit events.

Why not ``Lead(**data)``: ``Model.__init__`` walks all fifty fields and their descriptors per row,
which costs more than the checks themselves. A row's lead here is a real ``Lead`` whose attributes
are filled from a per-run template of the model defaults and whose related objects (already
looked up by the caller) are put in its relation cache, so the scoring rules, the distribution
rules, ``Field.clean`` and ``Lead.clean`` read it like any other lead.
"""

from __future__ import annotations

import datetime
import functools
import os
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.core.audit import _jsonable
from openltc.core.bulk import BulkRows
from openltc.core.errors import DomainError, Forbidden, from_validation_error
from openltc.core.models import AuditEvent
from openltc.core.request_context import current_request_id
from openltc.leads.distribution import BatchDistributor
from openltc.leads.models import Lead, LeadScoringRule, LeadSettings
from openltc.leads.scoring import score_lead

# What a caller may give per row: the fields of ``lead_create``.
from openltc.leads.services import CREATE_FIELDS, _sla_deadline, capture_refusal

# Foreign keys a bulk caller has already resolved to existing rows (its lookup tables): they are
# not fetched or cleaned again; the database's foreign keys still stand behind the insert.
BULK_RESOLVED_FIELDS = frozenset(
    {"org_unit", "owner", "product_line", "country", "customer", "contact", "created_by"}
)
# The audit snapshot of a created lead (as ``lead_create`` records it), and of a distribution.
CREATED_AUDIT_FIELDS = ["status", *CREATE_FIELDS]
DISTRIBUTED_AUDIT_FIELDS = ["owner", "org_unit"]

_PASS_THROUGH = (str, int, bool, type(None))
_PASSED_MAX = 1024  # distinct text values remembered per field as having passed ``Field.clean``
_NO_LIMIT = 1 << 62
_CHUNK = 250  # leads built per part of the streamed insert


@dataclass(frozen=True)
class _Plan:
    """What the model's fields say once, instead of once per row."""

    constants: dict[str, Any]  # attname → default, for fields whose default is a plain value
    factories: tuple[tuple[str, Callable[[], Any]], ...]  # attname → callable default (uuid4, list)
    relations: dict[str, tuple[str, type[models.Model]]]  # field name → (attname, related model)
    checked: tuple[tuple[str, str, models.Field[Any, Any]], ...]  # fields ``clean`` may run on, in order
    text_limits: dict[str, int]  # text fields whose only checks are their length: name → max length
    allowed: frozenset[str]
    created_snapshot: tuple[tuple[str, str], ...]  # (name, attname)
    distributed_snapshot: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    history_columns: tuple[str, ...]
    audit_columns: tuple[str, ...]


@functools.cache
def _plan() -> _Plan:
    meta = Lead._meta
    constants: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for field in meta.concrete_fields:
        if field.has_default() and callable(field.default):
            factories.append((field.attname, field.default))
        else:
            constants[field.attname] = field.get_default()
    relations: dict[str, tuple[str, type[models.Model]]] = {
        f.name: (f.attname, f.related_model)  # type: ignore[misc]
        for f in meta.concrete_fields
        if f.is_relation
    }
    checked = tuple(
        (f.name, f.attname, f)
        for f in meta.fields
        if f.name not in BULK_RESOLVED_FIELDS and not f.generated  # type: ignore[attr-defined]
    )

    # A plain text field (no choices, no validator but its length) passes ``Field.clean`` unchanged
    # whenever its value is a non-empty text within the length: no need to call it then.
    text_limits = {
        f.name: f.max_length or _NO_LIMIT
        for f in meta.fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and all(isinstance(v, MaxLengthValidator) for v in f.validators)
    }

    def attnames(names: list[str]) -> tuple[tuple[str, str], ...]:
        return tuple((name, meta.get_field(name).attname) for name in names)  # type: ignore[union-attr]

    history_model = Lead.history.model  # type: ignore[attr-defined]
    return _Plan(
        constants=constants,
        factories=tuple(factories),
        relations=relations,
        checked=checked,
        text_limits=text_limits,
        allowed=frozenset(CREATE_FIELDS),
        created_snapshot=attnames(CREATED_AUDIT_FIELDS),
        distributed_snapshot=attnames(DISTRIBUTED_AUDIT_FIELDS),
        columns=tuple(f.name for f in meta.concrete_fields),
        history_columns=tuple(f.name for f in history_model._meta.concrete_fields if f.name != "history_id"),
        audit_columns=tuple(f.name for f in AuditEvent._meta.concrete_fields if f.name != "id"),
    )


def new_uuid4(batch: int = 2048) -> Callable[[], uuid.UUID]:
    """``uuid.uuid4`` for many keys: the random bytes are read ``batch`` keys at a time and each
    UUID is made without ``UUID.__init__``'s argument checks (a tenth of a lead's build). The value
    is ``uuid4``'s: 122 random bits, the version 4 and the RFC 4122 variant bits."""
    pending: list[int] = []
    make, put, unknown = object.__new__, object.__setattr__, uuid.SafeUUID.unknown
    clear = ~((0xC000 << 48) | (0xF000 << 64))
    marks = (0x8000 << 48) | (4 << 76)

    def uuid4() -> uuid.UUID:
        if not pending:
            raw = os.urandom(16 * batch)
            pending.extend(int.from_bytes(raw[i : i + 16]) & clear | marks for i in range(0, len(raw), 16))
        value = make(uuid.UUID)
        put(value, "int", pending.pop())
        put(value, "is_safe", unknown)
        return value

    return uuid4


def _snapshot(lead: Lead, fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``audit.snapshot`` with the attnames looked up once per run and plain values passed as
    they are (``_jsonable`` would return them unchanged)."""
    values = lead.__dict__
    data = {}
    for name, attname in fields:
        value = values[attname]
        data[name] = value if isinstance(value, _PASS_THROUGH) else _jsonable(value)
    return data


def _unknown(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(unknown)},
            field_errors={name: [_("This field cannot be set here.")] for name in unknown},
        )


class _Builder:
    """Builds and checks one batch's leads; the permission answers and lookups live per batch."""

    def __init__(
        self,
        actor: Any,
        allowed: dict[tuple[int, bool], str],
        now: datetime.datetime,
        prevalidated: Mapping[str, Collection[Callable[[Any], None]]] | None = None,
    ) -> None:
        self.plan = _plan()
        self.factories = [
            (attname, new_uuid4() if factory is uuid.uuid4 else factory)
            for attname, factory in self.plan.factories
        ]
        self.explanations: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self.text_limits = dict(self.plan.text_limits)
        for name, done in (prevalidated or {}).items():
            field = Lead._meta.get_field(name)
            if (
                isinstance(field, models.CharField | models.TextField)
                and not field.choices
                and all(isinstance(v, MaxLengthValidator) or v in done for v in field.validators)
            ):
                self.text_limits[name] = field.max_length or _NO_LIMIT
        self.actor = actor
        self.allowed = allowed
        self.now = now
        self.rules = list(LeadScoringRule.objects.filter(is_active=True))
        self.sla_hours = LeadSettings.current().first_contact_sla_hours
        self.creator = actor if getattr(actor, "is_authenticated", False) else None
        self.home_unit = actor.home_unit if getattr(actor, "home_unit_id", None) else None
        self.passed: dict[str, set[str]] = {name: set() for name, _attname, _field in self.plan.checked}
        self.checked_for: dict[tuple[str, ...], list[tuple[str, str, models.Field[Any, Any]]]] = {}

    def build(self, data: dict[str, Any]) -> Lead:
        plan = self.plan
        if not plan.allowed.issuperset(data):
            _unknown(data, plan.allowed)
        lead = Lead.__new__(Lead)
        state = ModelState()
        state.db = DEFAULT_DB_ALIAS
        lead._state = state
        values = lead.__dict__
        values.update(plan.constants)
        for attname, factory in self.factories:
            values[attname] = factory()
        cache = state.fields_cache
        related = dict(data)
        if related.get("org_unit") is None and self.home_unit is not None:
            related["org_unit"] = self.home_unit
        related["created_by"] = self.creator
        relations = plan.relations
        for name, value in related.items():
            relation = relations.get(name)
            if relation is None:
                if value is not None:  # as ``_build_lead``: None keeps the model default
                    values[name] = value
                continue
            attname, model = relation
            if value is not None and not isinstance(value, model):
                # What the relation's descriptor says when ``Lead(**data)`` is given the wrong type.
                raise ValueError(
                    f'Cannot assign "{value!r}": "Lead.{name}" must be a "{model._meta.object_name}" instance.'
                )
            values[attname] = None if value is None else value.pk
            cache[name] = value
        if lead.org_unit_id is None:
            message = _("Choose the org unit the lead belongs to.")
            raise DomainError(message, field_errors={"org_unit": [message]})
        self._check_permission(lead)
        if lead.owner_id is not None:
            lead.assigned_at = self.now
            lead.first_contact_due_at = _sla_deadline(self.now, self.sla_hours)
        lead.score, explanation = score_lead(lead, self.rules)
        # The batch's leads share one list per combination of rules that gave points, so the
        # insert encodes each combination once (``core.bulk`` encodes a JSON value once per object).
        key = tuple(item["rule_id"] for item in explanation)
        lead.score_explanation = self.explanations.setdefault(key, explanation)
        self._validate(lead, data)
        return lead

    def prepare(self, rows: list[dict[str, Any]]) -> dict[int, Lead]:
        """Does what building ``rows`` would ask the database for, so that the rows can then be
        built while an insert streams: the capture permission of each (unit, for someone else)
        not yet answered is answered by building the first row that asks it (those leads are
        returned by row index), and a given customer's owner is read for the distribution rules."""
        built: dict[int, Lead] = {}
        if self.actor is None:
            return built
        actor_pk = self.actor.pk
        for index, data in enumerate(rows):
            unit = data.get("org_unit") or self.home_unit
            owner_pk = getattr(data.get("owner"), "pk", None)
            key = (getattr(unit, "pk", None), owner_pk is not None and owner_pk != actor_pk)
            if key not in self.allowed:
                built[index] = self.build(data)
            customer = data.get("customer")
            if customer is not None and getattr(customer, "owner_id", None) is not None:
                customer.owner  # noqa: B018 - read now, cached on the customer
        return built

    def _check_permission(self, lead: Lead) -> None:
        if self.actor is None:
            return
        refusal = capture_refusal(self.actor, lead, self.allowed)
        if refusal:
            raise Forbidden(refusal)

    def _validate(self, lead: Lead, given: dict[str, Any]) -> None:
        """``full_clean`` restricted as ``lead_create``'s bulk twin always was: only the given
        fields are cleaned (every other field holds its model default or a value computed above),
        resolved foreign keys are not fetched again, the model's own ``clean`` runs, and the check
        constraints (which a new lead meets by construction) are left to the database."""
        values = lead.__dict__
        nul = []
        for name in given:
            value = getattr(lead, name, "") if name in self.plan.relations else values.get(name)
            if value and "\x00" in (value if isinstance(value, str) else str(value)):
                nul.append(name)
        if nul:
            raise from_validation_error(
                ValidationError(dict.fromkeys(nul, _("Null characters are not allowed.")))
            )
        errors: dict[str, Any] = {}
        field_errors: dict[str, Any] = {}
        passed = self.passed
        shape = tuple(given)
        checked = self.checked_for.get(shape)
        if checked is None:  # the fields this shape of row gives, in the model's order
            checked = self.checked_for[shape] = [entry for entry in self.plan.checked if entry[0] in given]
        limits = self.text_limits
        for name, attname, field in checked:
            raw = values[attname]
            if field.blank and raw in field.empty_values:
                continue
            limit = limits.get(name)
            if limit is not None and raw.__class__ is str and raw and len(raw) <= limit:
                continue
            if isinstance(raw, str):
                # ``Field.clean`` of a text value depends on the value alone (these fields are not
                # relations), so a value that passed once passes again: the columns of choices and
                # codes (source, maturity, currency) are checked once per distinct value.
                known = passed[name]
                if raw in known:
                    continue
            try:
                values[attname] = cleaned = field.clean(raw, lead)
            except ValidationError as exc:
                field_errors[name] = exc.error_list
            else:
                if isinstance(raw, str) and cleaned == raw and len(known) < _PASSED_MAX:
                    known.add(raw)
        if field_errors:
            errors = ValidationError(field_errors).update_error_dict(errors)
        try:
            lead.clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise from_validation_error(ValidationError(errors)) from None


def lead_bulk_create(
    *,
    actor: Any,
    rows: list[dict[str, Any]],
    allowed: dict[tuple[int, bool], str] | None = None,
    distributor: BatchDistributor | None = None,
    prevalidated: Mapping[str, Collection[Callable[[Any], None]]] | None = None,
) -> list[Lead]:
    """Captures many leads by the same rules as ``lead_create`` with a fixed number of queries:
    one insert (COPY on PostgreSQL) each for the leads, their history rows and their audit events.
    Foreign keys must be existing rows (the importer's lookup tables), so they are not fetched
    again; the database constraints still stand behind the insert. The first bad row raises its
    DomainError (the import engine then retries the batch row by row to report each).
    ``prevalidated`` names validators the caller has already run on a field's values (the
    importer checks every e-mail address with ``validate_email``), which are not run again.

    With a ``distributor``, leads captured without an owner are distributed by the ordered rules
    as ``lead_auto_distribute`` would (owner, unit, SLA of the rule, a ``lead.distributed`` event
    naming the rule); leads no rule places stay in the pool.

    The leads are built part by part while their insert streams (PostgreSQL works on one part
    while the next is built), and each part's history rows and audit events are made ready
    meanwhile; those two inserts follow."""
    if not rows:
        return []
    now = timezone.now()
    builder = _Builder(actor, allowed if allowed is not None else {}, now, prevalidated)
    plan = builder.plan
    user = builder.creator
    user_pk = getattr(user, "pk", None)
    request_id = current_request_id()
    actor_name = (user.get_username() if user else "system")[:150]
    subject_type_pk = ContentType.objects.get_for_model(Lead, for_concrete_model=False).pk
    history_model = Lead.history.model  # type: ignore[attr-defined]
    lead_rows = BulkRows(Lead, plan.columns)
    history_rows = BulkRows(history_model, plan.history_columns)
    audit_rows = BulkRows(AuditEvent, plan.audit_columns)
    extra = {
        "history_date": now,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": user_pk,
    }

    def event(
        lead: Lead, action: str, before: dict[str, Any], after: dict[str, Any], message: str = ""
    ) -> dict[str, Any]:
        by_user = action == "lead.created"  # distribution is the system's act, as in lead_auto_distribute
        return {
            "occurred_at": now,
            "actor_id": user_pk if by_user else None,
            "actor_name": actor_name if by_user else "system",
            "action": action,
            "subject_type_id": subject_type_pk,
            "subject_id": str(lead.pk),
            "subject_repr": lead.title[:200],
            "before": before,
            "after": after,
            "message": message[:500],
            "request_id": request_id,
        }

    # Everything that queries comes before the lead insert opens (nothing may query while it
    # streams): the permission answers, the customers' owners, the distribution's batch data.
    prebuilt = builder.prepare(rows)
    if distributor is not None and any(data.get("owner") is None for data in rows):
        distributor.begin()
    else:
        distributor = None
    messages: dict[Any, str] = {}
    for rule in distributor.rules if distributor is not None else ():
        messages[rule.pk] = _("Rule “%(rule)s”") % {"rule": rule.name}
    leads: list[Lead] = []
    history_parts = []
    audit_parts = []
    distributed: list[dict[str, Any]] = []
    with lead_rows.writer() as write:
        for start in range(0, len(rows), _CHUNK):
            part = [
                prebuilt.pop(index) if index in prebuilt else builder.build(rows[index])
                for index in range(start, min(start + _CHUNK, len(rows)))
            ]
            for lead in part:
                if distributor is None or lead.owner_id is not None:
                    continue
                match = distributor.match(lead)
                if match is None:
                    continue
                before = _snapshot(lead, plan.distributed_snapshot)
                lead.owner = match.user
                if match.user.home_unit_id:
                    lead.org_unit_id = match.user.home_unit_id
                lead.assigned_at = now
                lead.first_contact_due_at = _sla_deadline(
                    now, match.rule.first_contact_sla_hours or builder.sla_hours
                )
                after = _snapshot(lead, plan.distributed_snapshot)
                distributed.append(event(lead, "lead.distributed", before, after, messages[match.rule.pk]))
            for lead in part:
                lead.created_at = lead.updated_at = now
            write(lead_rows.encode([lead.__dict__ for lead in part]))
            history_parts.append(history_rows.encode([{**lead.__dict__, **extra} for lead in part]))
            audit_parts.append(
                audit_rows.encode(
                    [event(lead, "lead.created", {}, _snapshot(lead, plan.created_snapshot)) for lead in part]
                )
            )
            leads.extend(part)
    audit_parts.append(audit_rows.encode(distributed))
    with history_rows.writer() as write:
        for encoded in history_parts:
            write(encoded)
    with audit_rows.writer() as write:
        for encoded in audit_parts:
            write(encoded)
    for lead in leads:
        lead._state.adding = False
    if distributor is not None:
        distributor.commit()
    return leads
