"""Reads about leads. Everything starts from ``leads_visible``: the usual org-unit/owner
visibility, plus the pool (公海): unassigned open leads in the units a rep belongs to (their unit,
the units below it and the units above it) are visible to that rep so they can claim them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Func, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.core.audit import events_for
from openltc.core.errors import NotFound
from openltc.core.mywork import WorkItem
from openltc.core.visibility import VIEW, user_scope
from openltc.leads.choices import OPEN_STATUSES, LeadStatus
from openltc.leads.models import Lead, LeadActivity, LeadCriterionCheck, LeadSettings, NurturingCriterion
from openltc.leads.search import lead_search


def pool_paths_for(user: Any) -> list[str]:
    """The org-unit paths of the units the user belongs to (role assignments and home unit)."""
    cached: list[str] | None = getattr(user, "_openltc_lead_pool_paths", None)
    if cached is not None:
        return cached
    from openltc.org.models import OrgUnit, RoleAssignment, User

    home_id = getattr(user, "home_unit_id", None)
    if not home_id or User.home_unit.is_cached(user):  # type: ignore[attr-defined]
        # The user's scope (which callers need anyway) read the units of their current roles.
        assigned = user_scope(user).unit_paths
        if assigned is not None:
            paths = sorted({*assigned, *([user.home_unit.path] if home_id else [])})
            user._openltc_lead_pool_paths = paths
            return paths
    units = Q(pk__in=RoleAssignment.objects.current().filter(user=user).values("org_unit_id"))
    if home_id:
        units |= Q(pk=home_id)
    paths = sorted(OrgUnit.objects.filter(units).values_list("path", flat=True))  # one query
    user._openltc_lead_pool_paths = paths
    return paths


def _pool_q(user: Any) -> Q:
    condition = Q(pk__in=[])
    ancestors: set[str] = set()
    for path in pool_paths_for(user):
        condition |= Q(org_unit__path__startswith=path)
        parts = [p for p in path.split("/") if p]
        ancestors.update("/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    if ancestors:
        condition |= Q(org_unit__path__in=sorted(ancestors))
    return Q(owner__isnull=True, status__in=OPEN_STATUSES) & condition


def leads_visible(user: Any, action: str = VIEW) -> QuerySet[Lead]:
    """The leads ``user`` may see (or change, for ``action="change"``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Lead.objects.none()
    scope = user_scope(user)
    if scope.everything:
        return Lead.objects.all()
    assert Lead.visibility is not None
    condition = Lead.visibility.q_for(user, scope, action)
    if action == VIEW:
        condition |= _pool_q(user)
    return Lead.objects.filter(condition)


def lead_get_for_user(*, user: Any, pk: Any, action: str = VIEW) -> Lead:
    """One lead, or NotFound whether it is missing or not visible."""
    try:
        return (
            leads_visible(user, action)
            .select_related(
                "org_unit",
                "owner",
                "customer",
                "contact",
                "product_line",
                "country",
                "converted_by",
                "created_by",
            )
            .get(pk=pk)
        )
    except (Lead.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None


SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "title": "title",
    "-title": "-title",
    "score": "score",
    "-score": "-score",
    "value": "estimated_value",
    "-value": "-estimated_value",
    "expected": "expected_date",
    "-expected": "-expected_date",
    "activity": "last_activity_at",
    "-activity": "-last_activity_at",
    "status": "status",
    "-status": "-status",
}


@dataclass
class LeadFilters:
    q: str = ""
    status: str = ""
    maturity: str = ""
    source: str = ""
    owner: str = ""  # a user id, "me" or "none" (the pool)
    product_line: str = ""
    org_unit: str = ""
    stale: bool = False
    overdue: bool = False
    sort: str = "-created"

    @classmethod
    def from_mapping(cls, data: Any) -> LeadFilters:
        def flag(name: str) -> bool:
            return str(data.get(name, "")).lower() in ("1", "true", "on", "yes")

        return cls(
            q=str(data.get("q", "") or "").strip()[:100],
            status=str(data.get("status", "") or ""),
            maturity=str(data.get("maturity", "") or ""),
            source=str(data.get("source", "") or ""),
            owner=str(data.get("owner", "") or ""),
            product_line=str(data.get("product_line", "") or ""),
            org_unit=str(data.get("org_unit", "") or ""),
            stale=flag("stale"),
            overdue=flag("overdue"),
            sort=str(data.get("sort", "") or "-created"),
        )


class InSubquery(Func):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``: the subquery runs
    once (an InitPlan) and the condition stays indexable, so an OR of it with trigram-indexed
    conditions becomes a BitmapOr instead of a scan filtering each row through a hashed subplan."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: Any, queryset: QuerySet[Any]) -> None:
        super().__init__(column, Subquery(queryset))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, *args: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        sub_sql, sub_params = compiler.compile(subquery)
        if connection.vendor == "postgresql":
            return f"{column_sql} = ANY(ARRAY{sub_sql})", (*column_params, *sub_params)
        return f"{column_sql} IN {sub_sql}", (*column_params, *sub_params)


def lead_list(*, user: Any, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    """The visible leads, filtered, searched and sorted, with what a list row shows joined in."""
    f = filters or LeadFilters()
    qs = leads_visible(user).select_related("owner", "org_unit", "product_line", "customer", "country")
    if f.q:
        qs = lead_search(qs, f.q)  # trigram indexes on PostgreSQL, the FTS5 table on SQLite
    if f.status in LeadStatus.values:
        qs = qs.filter(status=f.status)
    elif f.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.maturity:
        qs = qs.filter(maturity=f.maturity)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.owner == "me":
        qs = qs.filter(owner=user)
    elif f.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif f.owner.isdigit():
        qs = qs.filter(owner_id=int(f.owner))
    if f.product_line.isdigit():
        qs = qs.filter(product_line_id=int(f.product_line))
    if f.org_unit.isdigit():
        from openltc.org.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=int(f.org_unit)).first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    if f.stale:
        qs = qs.filter(pk__in=Lead.objects.stale(LeadSettings.current().stale_after_days).values("pk"))
    if f.overdue:
        qs = qs.filter(pk__in=Lead.objects.overdue().values("pk"))
    return qs.order_by(SORTS.get(f.sort, "-created_at"), "-id")


def lead_activities(lead: Lead) -> QuerySet[LeadActivity]:
    return lead.activities.select_related("created_by").order_by("-occurred_at")


@dataclass
class ChecklistRow:
    criterion: NurturingCriterion
    check: LeadCriterionCheck | None

    @property
    def checked(self) -> bool:
        return bool(self.check and self.check.checked)


def lead_checklist(lead: Lead) -> list[ChecklistRow]:
    checks = {
        c.criterion_id: c for c in LeadCriterionCheck.objects.filter(lead=lead).select_related("checked_by")
    }
    return [ChecklistRow(c, checks.get(c.pk)) for c in NurturingCriterion.objects.filter(is_active=True)]


EVENT_LABELS: dict[str, Any] = {
    "lead.created": gettext_lazy("Lead captured"),
    "lead.updated": gettext_lazy("Lead edited"),
    "lead.validate": gettext_lazy("Validation started"),
    "lead.validation_recorded": gettext_lazy("Validation recorded"),
    "lead.accept": gettext_lazy("Accepted for nurturing"),
    "lead.qualify": gettext_lazy("Qualified"),
    "lead.convert": gettext_lazy("Converted to an opportunity"),
    "lead.disqualify": gettext_lazy("Disqualified"),
    "lead.return_to_pool": gettext_lazy("Returned to the pool"),
    "lead.assigned": gettext_lazy("Assigned"),
    "lead.reassigned": gettext_lazy("Reassigned"),
    "lead.claimed": gettext_lazy("Claimed from the pool"),
    "lead.distributed": gettext_lazy("Distributed by rule"),
    "lead.activity_logged": gettext_lazy("Activity logged"),
    "lead.criterion_checked": gettext_lazy("Checklist criterion met"),
    "lead.criterion_unchecked": gettext_lazy("Checklist criterion unmet"),
    "lead.first_contact_overdue": gettext_lazy("First-contact reminder sent"),
    "lead.merged": gettext_lazy("Lead merged"),
}


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "activity" or "event"
    item: Any

    @property
    def label(self) -> str:
        if self.kind != "event":
            return ""
        return str(EVENT_LABELS.get(self.item.action, self.item.action))


def lead_timeline(lead: Lead, limit: int = 100) -> list[TimelineEntry]:
    """Activities and audit events of the lead, newest first."""
    entries = [TimelineEntry(a.occurred_at, "activity", a) for a in lead_activities(lead)[:limit]]
    entries += [TimelineEntry(e.occurred_at, "event", e) for e in events_for(lead)[:limit]]
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]


def lead_find_duplicates(lead: Lead) -> list[dict[str, Any]]:
    """Customers, contacts and open leads that look like this lead (same e-mail, phone or
    normalised company name). Used by validation; the hits are stored on the lead."""
    from openltc.customers.normalize import normalize_company_name, normalize_email, phone_digits
    from openltc.customers.selectors import contact_find_duplicates, customer_find_duplicates

    hits: list[dict[str, Any]] = []
    email = normalize_email(lead.contact_email)
    digits = phone_digits(lead.contact_phone)
    name = normalize_company_name(lead.company_name) if lead.company_name and lead.customer_id is None else ""
    if name or email or digits:
        customers = customer_find_duplicates(
            name=lead.company_name if name else None,
            email=email or None,
            phone=lead.contact_phone or None,
            exclude_pk=lead.customer_id,
        )
        for c in customers[:5]:
            match = "company" if name and c.normalized_name == name else ("email" if email else "phone")
            hits.append({"kind": "customer", "id": str(c.pk), "label": c.name, "match": match})
    if email or digits:
        contacts = contact_find_duplicates(
            email=email or None, phone=lead.contact_phone or None, exclude_pk=lead.contact_id
        )
        for p in contacts[:5]:
            match = "email" if email and p.email == email else "phone"
            hits.append({"kind": "contact", "id": str(p.pk), "label": p.name, "match": match})
    lead_q = Q(pk__in=[])
    if email:
        lead_q |= Q(contact_email__iexact=email)
    if lead.contact_phone.strip():
        lead_q |= Q(contact_phone=lead.contact_phone.strip())
    if lead.company_name.strip():
        lead_q |= Q(company_name__iexact=lead.company_name.strip())
    if lead.customer_id:
        lead_q |= Q(customer_id=lead.customer_id)
    for other in Lead.objects.open().filter(lead_q).exclude(pk=lead.pk)[:10]:
        if other.contact_email and email and other.contact_email.lower() == email:
            match = "email"
        elif lead.contact_phone.strip() and other.contact_phone == lead.contact_phone.strip():
            match = "phone"
        else:
            match = "company"
        hits.append({"kind": "lead", "id": str(other.pk), "label": other.title, "match": match})
    return hits


def my_work(user: Any) -> list[WorkItem]:
    """ "My work" items: new leads awaiting first contact, stale leads, and pool leads to distribute."""
    from django.urls import reverse

    if not getattr(user, "is_authenticated", False):
        return []
    url = reverse("leads:list")
    now = timezone.now()
    items: list[WorkItem] = []
    mine = Lead.objects.filter(owner=user)
    awaiting = mine.open().filter(first_contacted_at__isnull=True).count()
    if awaiting:
        overdue = mine.overdue(now).count()
        items.append(
            WorkItem(
                label=_("Leads awaiting first contact"),
                count=awaiting,
                url=f"{url}?owner=me&status=open",
                urgent=bool(overdue),
            )
        )
        if overdue:
            items.append(
                WorkItem(
                    label=_("Leads overdue for first contact"),
                    count=overdue,
                    url=f"{url}?owner=me&overdue=1",
                    urgent=True,
                )
            )
    stale = mine.stale(LeadSettings.current().stale_after_days, now).count()
    if stale:
        items.append(
            WorkItem(label=_("Stale leads (no recent activity)"), count=stale, url=f"{url}?owner=me&stale=1")
        )
    scope = user_scope(user)
    if scope.everything or scope.manage_paths:
        pool = leads_visible(user, "change").filter(owner__isnull=True, status__in=OPEN_STATUSES).count()
        if pool:
            items.append(
                WorkItem(label=_("Leads to distribute"), count=pool, url=f"{url}?owner=none&status=open")
            )
    return items
