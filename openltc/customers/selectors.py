"""Reads about customers and their people, always narrowed to what the user may see."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from openltc.core.selectors import get_for_user
from openltc.core.visibility import VIEW
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

# Sort keys offered by the list page and the API; "-" prefix sorts descending.
CUSTOMER_SORTS: dict[str, list[str]] = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
    "status": ["lifecycle_status", "name", "id"],
    "tier": ["tier__rank", "name", "id"],
    "owner": ["owner__username", "name", "id"],
    "country": ["country__code", "name", "id"],
}


def _truthy(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


def customer_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Customer]:
    """Visible, unmerged customers matching the filters, with what a list row shows joined in."""
    filters = filters or {}
    qs = Customer.objects.restrict(user, VIEW).filter(merged_into__isnull=True)
    q = (filters.get("q") or "").strip()
    if q:
        digits = phone_digits(q)
        contact_match = Q(email__icontains=q)
        if len(digits) >= 4:
            contact_match |= Q(phone_digits__contains=digits)
        match: Any = (
            Q(name__icontains=q)
            | Q(legal_name__icontains=q)
            | Q(tax_id__icontains=q)
            | Q(email__icontains=q)
            | Exists(Contact.objects.filter(contact_match, customer=OuterRef("pk")))
        )
        normalized = normalize_company_name(q)
        if normalized:
            match |= Q(normalized_name__contains=normalized)
        if len(digits) >= 4:
            match |= Q(phone_digits__contains=digits)
        qs = qs.filter(match)
    if filters.get("status"):
        qs = qs.filter(lifecycle_status=filters["status"])
    if filters.get("tier"):
        qs = qs.filter(tier=filters["tier"])
    strategic = _truthy(filters.get("strategic"))
    if strategic is not None:
        qs = qs.filter(is_strategic=strategic)
    if filters.get("owner"):
        qs = qs.filter(owner=filters["owner"])
    if filters.get("country"):
        qs = qs.filter(country=filters["country"])
    if filters.get("org_unit"):
        unit = filters["org_unit"]
        path = getattr(unit, "path", None)
        qs = qs.filter(org_unit__path__startswith=path) if path else qs.filter(org_unit=unit)
    order = CUSTOMER_SORTS.get(filters.get("sort") or "name", CUSTOMER_SORTS["name"])
    return qs.select_related("org_unit", "owner", "country", "tier", "credit_rating").order_by(*order)


def customer_get(*, user: Any, pk: Any, action: str = VIEW) -> Customer:
    return get_for_user(
        Customer.objects.select_related(
            "org_unit", "owner", "country", "tier", "credit_rating", "parent", "merged_into"
        ),
        user=user,
        pk=pk,
        action=action,
    )


def contact_list(*, customer: Customer, include_merged: bool = False) -> QuerySet[Contact]:
    """The contacts of a customer the caller has already been allowed to see."""
    qs = Contact.objects.filter(customer=customer)
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    return qs.select_related(
        "reports_to", "personality", "relationship_stage", "relationship_owner"
    ).order_by("management_level", "name", "id")


def contact_get(*, user: Any, pk: Any, action: str = VIEW) -> Contact:
    return get_for_user(
        Contact.objects.select_related("customer", "customer__org_unit", "customer__owner"),
        user=user,
        pk=pk,
        action=action,
    )


def relationship_get(*, user: Any, pk: Any, action: str = VIEW) -> ContactRelationship:
    return get_for_user(
        ContactRelationship.objects.select_related("customer", "source", "target"),
        user=user,
        pk=pk,
        action=action,
    )


def relationship_list(*, customer: Customer) -> QuerySet[ContactRelationship]:
    return (
        ContactRelationship.objects.filter(
            customer=customer, source__merged_into__isnull=True, target__merged_into__isnull=True
        )
        .select_related("source", "target")
        .order_by("kind", "source__name", "target__name")
    )


def plan_list(*, customer: Customer) -> QuerySet[RelationshipPlan]:
    return (
        RelationshipPlan.objects.filter(contact__customer=customer)
        .select_related("contact", "target_stage", "owner")
        .prefetch_related(
            Prefetch(
                "actions", queryset=RelationshipAction.objects.select_related("owner").order_by("due_date")
            )
        )
        .order_by("status", "due_date", "created_at")
    )


def plan_get(*, user: Any, pk: Any, action: str = VIEW) -> RelationshipPlan:
    return get_for_user(
        RelationshipPlan.objects.select_related(
            "contact", "contact__customer", "contact__customer__org_unit"
        ),
        user=user,
        pk=pk,
        action=action,
    )


def action_get(*, user: Any, pk: Any, action: str = VIEW) -> RelationshipAction:
    return get_for_user(
        RelationshipAction.objects.select_related("plan", "plan__contact", "plan__contact__customer"),
        user=user,
        pk=pk,
        action=action,
    )


def survey_list(*, customer: Customer) -> QuerySet[SatisfactionSurvey]:
    return SatisfactionSurvey.objects.filter(customer=customer).select_related("surveyed_by")


def customer_find_duplicates(
    *,
    name: str | None = None,
    tax_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    exclude_pk: Any = None,
) -> QuerySet[Customer]:
    """Unmerged customers that look like the same organisation: same normalised name, same tax
    id, or the same e-mail or phone on the customer or one of its contacts. Not narrowed to a
    user: callers restrict the result (``.restrict(user)``) before showing it."""
    condition: Any = Q(pk__in=[])
    normalized = normalize_company_name(name or "")
    if normalized:
        condition |= Q(normalized_name=normalized)
    tax = (tax_id or "").strip().upper()
    if tax:
        condition |= Q(tax_id=tax)
    mail = normalize_email(email or "")
    if mail:
        condition |= Q(email=mail) | Exists(
            Contact.objects.filter(customer=OuterRef("pk"), email=mail, merged_into__isnull=True)
        )
    digits = phone_digits(phone or "")
    if len(digits) >= 5:
        condition |= Q(phone_digits=digits) | Exists(
            Contact.objects.filter(customer=OuterRef("pk"), phone_digits=digits, merged_into__isnull=True)
        )
    qs = Customer.objects.filter(condition, merged_into__isnull=True)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("org_unit", "owner").order_by("name", "id")


def contact_find_duplicates(
    *,
    customer: Customer | None = None,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    exclude_pk: Any = None,
) -> QuerySet[Contact]:
    """Unmerged contacts with the same normalised name, e-mail or phone digits (within one
    customer when given)."""
    condition: Any = Q(pk__in=[])
    normalized = normalize_person_name(name or "")
    if normalized:
        condition |= Q(normalized_name=normalized)
    mail = normalize_email(email or "")
    if mail:
        condition |= Q(email=mail)
    digits = phone_digits(phone or "")
    if len(digits) >= 5:
        condition |= Q(phone_digits=digits)
    qs = Contact.objects.filter(condition, merged_into__isnull=True)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("customer").order_by("name", "id")


def customer_duplicate_groups(*, user: Any, limit: int = 50) -> list[list[Customer]]:
    """Groups of visible customers sharing a normalised name (for the duplicates page; tax ids
    are unique, so they cannot repeat)."""
    base = Customer.objects.restrict(user, VIEW).filter(merged_into__isnull=True)
    names = (
        base.exclude(normalized_name="")
        .values("normalized_name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("normalized_name", flat=True)[:limit]
    )
    rows = list(
        base.filter(normalized_name__in=list(names))
        .select_related("org_unit", "owner")
        .order_by("normalized_name", "created_at")
    )
    groups: dict[str, list[Customer]] = {}
    for row in rows:
        groups.setdefault(row.normalized_name, []).append(row)
    return [g for g in groups.values() if len(g) > 1]


def actions_due_for(user: Any, *, within_days: int = 7) -> QuerySet[RelationshipAction]:
    """Open relationship actions the user owns, due within ``within_days`` or overdue."""
    horizon = timezone.localdate() + datetime.timedelta(days=within_days)
    return (
        RelationshipAction.objects.filter(
            owner=user,
            status=ActionStatus.OPEN,
            due_date__lte=horizon,
            plan__status__in=[PlanStatus.PLANNED, PlanStatus.IN_PROGRESS],
            plan__contact__merged_into__isnull=True,
        )
        .select_related("plan", "plan__contact", "plan__contact__customer")
        .order_by("due_date")
    )


def satisfaction_average(*, user: Any, customer: str, start: datetime.date, end: datetime.date) -> Any:
    """Subquery: the mean satisfaction score (1–10) of the customer ``OuterRef(customer)`` over
    the surveys the user sees taken in [start, end]; None when there is none (for analytics)."""
    from django.db.models import Avg, DecimalField, Subquery
    from django.db.models.functions import Cast

    qs = (
        SatisfactionSurvey.objects.restrict(user, VIEW)
        .filter(customer=OuterRef(customer), surveyed_on__gte=start, surveyed_on__lte=end)
        .order_by()
        .values("customer")
        .annotate(mean=Avg(Cast("score", DecimalField(max_digits=6, decimal_places=2))))
        .values("mean")
    )
    return Subquery(qs, output_field=DecimalField(max_digits=8, decimal_places=4))
