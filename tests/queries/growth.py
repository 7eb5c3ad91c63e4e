"""Growing the data under a page: more rows in a list, more child rows on a detail record.

The base data set is the demo (each app's demo builder, through the services). Growth then has
to add rows to records whose state the services no longer allow to change (lines of a signed
contract, opinions on a decided case), so it copies the rows that are already there: every copy
is a valid row of the same shape as one the services wrote, with its unique fields made unique.
List pages grow with rows visible to the rep (so the rep's and the administrator's lists both
get longer); the new top-level records come from the apps' test factories where one exists.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DatabaseError, models, transaction

from tests.contract.harness import creation_order

# How many copies of each row: the page then shows at least 3x the rows it showed before.
COPIES = 2

_serial = itertools.count(1)


def _unique_fields(model: type[models.Model]) -> set[str]:
    """Fields under an unconditional uniqueness rule. A conditional rule (one open case per
    gate) is a business rule: a copy that breaks it is refused, never disguised."""
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for group in model._meta.unique_together:
        names.update(group)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None:
            names.update(constraint.fields)
    return names


def _uniquify(row: models.Model, names: Iterable[str]) -> None:
    """New values for the unique fields that are not foreign keys (those keep their parent)."""
    model = type(row)
    for name in names:
        fld = model._meta.get_field(name)
        if fld.is_relation or fld.choices:
            continue
        value = getattr(row, fld.attname)
        serial = next(_serial)
        if isinstance(fld, models.UUIDField):
            setattr(row, fld.attname, uuid.uuid4())
        elif isinstance(fld, models.IntegerField):
            top = model._base_manager.aggregate(top=models.Max(fld.attname))["top"] or 0
            setattr(row, fld.attname, top + 1)
        elif isinstance(fld, models.CharField | models.TextField) and value is not None:
            suffix = f"~{serial}"
            limit = getattr(fld, "max_length", None) or 255
            if limit - len(suffix) >= 1:
                setattr(row, fld.attname, str(value)[: limit - len(suffix)] + suffix)


def copy_row(row: models.Model, **changes: Any) -> models.Model | None:
    """A copy of ``row`` (new key, unique fields made unique, ``changes`` applied), saved in a
    savepoint; None when a constraint refuses it (a conditional unique rule, say)."""
    model = type(row)
    new = copy.copy(row)
    new._state = copy.copy(row._state)
    new._state.adding = True
    new._state.fields_cache = {}
    new.pk = None
    if isinstance(model._meta.pk, models.UUIDField):
        new.pk = uuid.uuid4()
    for name, value in changes.items():
        setattr(new, name, value)
    _uniquify(new, _unique_fields(model) - set(changes))
    try:
        with transaction.atomic():
            new.save(force_insert=True)
    except (DatabaseError, ValueError, TypeError):
        return None
    return new


def _is_history(model: type[models.Model]) -> bool:
    return model.__name__.startswith("Historical") or model._meta.label in ("core.AuditEvent",)


def child_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Reverse one-to-many relations (the rows a detail page lists), history excluded."""
    return [
        rel
        for rel in model._meta.related_objects
        if rel.one_to_many and not _is_history(rel.related_model) and rel.field.concrete
    ]


def copy_children(record: models.Model, *, depth: int = 2, report: list[str] | None = None) -> int:
    """Copies every child row of ``record`` COPIES times; with depth 2 also the children of the
    rows that were already there (an opportunity's cases' opinions, a contract version's lines).
    Returns the number of rows added."""
    added = 0
    if depth > 1:  # a one-to-one record hanging off this one (an opportunity's negotiation)
        for rel in type(record)._meta.related_objects:
            if rel.one_to_one and not _is_history(rel.related_model):
                owned = rel.related_model._base_manager.filter(**{rel.field.name: record}).first()
                if owned is not None:
                    added += copy_children(owned, depth=depth - 1, report=report)
    for rel in child_relations(type(record)):
        model = rel.related_model
        existing = list(
            model._base_manager.filter(**{rel.field.name: record}).order_by(*creation_order(model))[:20]
        )
        for row in existing:
            for _ in range(COPIES):
                if copy_row(row) is not None:
                    added += 1
                elif report is not None:
                    report.append(f"{model._meta.label} under {type(record)._meta.label}: copy refused")
                    break
            if depth > 1:
                added += copy_children(row, depth=depth - 1, report=report)
    return added


@dataclass
class Growth:
    """What the growers need: the contract context (users, records) and a log of refusals."""

    ctx: Any
    refused: list[str] = field(default_factory=list)
    done: set[Any] = field(default_factory=set)

    def user(self, role: str) -> Any:
        return self.ctx.user(role)

    def once(self, key: Any) -> bool:
        if key in self.done:
            return False
        self.done.add(key)
        return True


Grower = Callable[[Growth, dict[str, Any]], None]


def children_of(label: str, arg: str = "pk", *also: str) -> Grower:
    """Grows the detail record named by the URL argument ``arg`` (and the records its fields
    ``also`` point to, e.g. a contract's current version)."""

    def grow(growth: Growth, args: dict[str, Any]) -> None:
        model = apps.get_model(label)
        record = model._base_manager.get(pk=args[arg])
        targets = [record] + [getattr(record, name) for name in also]
        for target in targets:
            if target is not None and growth.once(("children", type(target), target.pk)):
                copy_children(target, report=growth.refused)

    grow.__qualname__ = f"children_of({label})"
    return grow


def rows_of(label: str, *, limit: int = 10, restricted: bool = True, **filters: Any) -> Grower:
    """Grows a list: copies of the rows of ``label`` the rep sees (so both the rep's and the
    administrator's lists get longer)."""

    def grow(growth: Growth, _args: dict[str, Any]) -> None:
        if not growth.once(("rows", label, tuple(sorted(filters.items())))):
            return
        model = apps.get_model(label)
        qs = model._default_manager.all()
        if restricted and hasattr(qs, "restrict"):
            qs = qs.restrict(growth.user("rep"), "view")
        rows = list(qs.filter(**filters).order_by(*creation_order(model))[:limit])
        if not rows:
            growth.refused.append(f"{label}: no row the rep sees to copy")
        for row in rows:
            for _ in range(COPIES):
                if copy_row(row) is None:
                    growth.refused.append(f"{label}: copy refused")
                    break

    grow.__qualname__ = f"rows_of({label})"
    return grow


def history_of(label: str, arg: str = "pk") -> Grower:
    """Grows a record's history: copies of its historical rows (django-simple-history)."""

    def grow(growth: Growth, args: dict[str, Any]) -> None:
        history = apps.get_model(label).history.model
        for row in list(history.objects.filter(id=args[arg]).order_by("history_id")):
            for _ in range(COPIES):
                copy_row(row)

    return grow


def both(*growers: Grower) -> Grower:
    def grow(growth: Growth, args: dict[str, Any]) -> None:
        for grower in growers:
            grower(growth, args)

    return grow


def audit_of(label: str, arg: str = "pk") -> Grower:
    """Grows a record's audit trail: events written the way every service writes them."""

    def grow(growth: Growth, args: dict[str, Any]) -> None:
        from openltc.core.audit import record_event

        record = apps.get_model(label)._base_manager.get(pk=args[arg])
        for index in range(3 * COPIES):
            with transaction.atomic():
                record_event(
                    actor=growth.user("admin" if index % 2 else "rep"),
                    action="customers.customer_updated",
                    subject=record,
                    before={"note": str(index)},
                    after={"note": str(index + 1)},
                )

    return grow


def opportunity_work(arg: str = "pk") -> Grower:
    """Grows the work on an opportunity through the services: activities with their agreed
    actions, value messages, action items, negotiators and concessions."""

    def grow(growth: Growth, args: dict[str, Any]) -> None:
        import datetime

        from openltc.bids import services as bids
        from openltc.guidance import services as guidance
        from openltc.opportunities.models import Opportunity

        opportunity = Opportunity._base_manager.get(pk=args[arg])
        if not growth.once(("work", opportunity.pk)):
            return
        admin = growth.user("admin")
        people = [growth.user(role) for role in ("rep", "manager", "sdt", "reviewer", "finance", "admin")]
        team = [opportunity.owner, *(m.user for m in opportunity.team_members.select_related("user"))]
        for index in range(3 * COPIES):
            activity = _refusable(
                growth,
                guidance.activity_create,
                actor=admin,
                opportunity=opportunity,
                kind="visit",
                subject=f"Workshop {index}",
                participants="IT director",
                minutes="Agreed next steps",
                actions=[
                    {
                        "title": f"Follow up {index}",
                        "owner": team[index % len(team)],
                        "due_date": datetime.date(2030, 1, 1 + index),
                    }
                ],
            )
            _refusable(
                growth,
                guidance.action_item_create,
                actor=admin,
                opportunity=opportunity,
                title=f"Send the reference list {index}",
                owner=team[(index + 1) % len(team)],
                due_date=datetime.date(2030, 1, 1 + index),
                activity=activity,
            )
            _refusable(
                growth,
                guidance.value_message_create,
                actor=admin,
                opportunity=opportunity,
                data={"need": f"Need {index}", "feature": "Redundant core", "benefit": "No outage"},
            )
        for index, person in enumerate(people):
            _refusable(
                growth,
                bids.negotiation_member_add,
                actor=admin,
                opportunity=opportunity,
                user=person,
                role="finance",
            )
            _refusable(
                growth,
                bids.concession_add,
                actor=admin,
                opportunity=opportunity,
                given=f"Discount {index}",
                received=f"Reference visit {index}",
            )

    return grow


def _refusable(growth: Growth, service: Callable[..., Any], **kwargs: Any) -> Any:
    from openltc.core.errors import Conflict, DomainError

    try:
        with transaction.atomic():
            return service(**kwargs)
    except (DomainError, Conflict) as exc:
        growth.refused.append(f"{service.__name__}: {exc}")
        return None


def deputies(growth: Growth, _args: dict[str, Any]) -> None:
    """More deputy appointments, through the service (each principal appoints for themself)."""
    import datetime

    from django.utils import timezone

    from openltc.decisions.services import deputy_appoint

    today = timezone.localdate()
    for principal, deputy in (("sdt", "manager"), ("manager", "rep"), ("admin", "sdt")) * COPIES:
        _refusable(
            growth,
            deputy_appoint,
            actor=growth.user(principal),
            principal=growth.user(principal),
            deputy=growth.user(deputy),
            valid_from=today,
            valid_until=today + datetime.timedelta(days=7),
            reason="query counts",
        )


def projects(growth: Growth, _args: dict[str, Any]) -> None:
    """More delivery projects the rep sees: one project per contract, so each copy gets a copy
    of its contract."""
    from openltc.delivery.models import DeliveryProject

    for project in list(
        DeliveryProject.objects.restrict(growth.user("rep")).order_by(*creation_order(DeliveryProject))[:10]
    ):
        for _ in range(COPIES):
            contract = copy_row(project.contract)
            if contract is None or copy_row(project, contract=contract) is None:
                growth.refused.append("delivery.DeliveryProject: copy refused")


def _service_or_row(growth: Growth, service: Callable[..., Any], row: models.Model, **kwargs: Any) -> None:
    """Adds a row through the service; where the record's state refuses it (a closed lead, a
    submitted bid), saves the same row directly, as a page must show it either way."""
    if _refusable(growth, service, **kwargs) is None:
        row.save()


def lead_work(growth: Growth, args: dict[str, Any]) -> None:
    """Follow-up activities on the lead, through the service."""
    from openltc.leads.models import Lead, LeadActivity
    from openltc.leads.services import lead_activity_add

    lead = Lead._base_manager.get(pk=args["pk"])
    admin = growth.user("admin")
    for index in range(3 * COPIES):
        data = {"kind": "call", "summary": f"Follow-up call {index}"}
        row = LeadActivity(lead=lead, created_by=admin, **data)
        _service_or_row(growth, lead_activity_add, row, actor=admin, lead=lead, data=data)


def bid_work(growth: Growth, args: dict[str, Any]) -> None:
    """Checklist items on the bid, through the service."""
    from openltc.bids.models import Bid, BidChecklistItem
    from openltc.bids.services import checklist_item_add

    bid = Bid._base_manager.get(pk=args["pk"])
    admin = growth.user("admin")
    people = [growth.user(role) for role in ("rep", "manager", "sdt")]
    for index in range(3 * COPIES):
        data = {"title": f"Seal page {index}", "owner": people[index % len(people)]}
        row = BidChecklistItem(bid=bid, **data)
        _service_or_row(growth, checklist_item_add, row, actor=admin, bid=bid, data=data)
