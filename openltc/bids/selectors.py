"""Reads of bids and negotiations, always narrowed to what the user may see; the bid facts the
workflow guards need; and the bid rates for analytics (中标率, 废标率)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from openltc.bids import workflow
from openltc.bids.choices import OPEN_BID_STATUSES, BidResult, ItemStatus
from openltc.bids.models import Bid, Negotiation
from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access

FILTER_KEYS = ("q", "status", "result", "owner", "opportunity", "deadline_before")


def bid_get(*, user: Any, pk: Any, action: str = VIEW) -> Bid:
    return get_for_user(
        Bid.objects.select_related("opportunity", "opportunity__customer", "owner"),
        user=user,
        pk=pk,
        action=action,
    )


def can_change(user: Any, bid: Bid) -> bool:
    return can_access(user, bid, CHANGE)


def bid_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Bid]:
    filters = filters or {}
    qs = Bid.objects.restrict(user).select_related("opportunity", "opportunity__customer", "owner")
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(title__icontains=q)
            | Q(tender_number__icontains=q)
            | Q(issuer__icontains=q)
            | Q(opportunity__customer__name__icontains=q)
        )
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_BID_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("result"):
        qs = qs.filter(result=filters["result"])
    owner = filters.get("owner")
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner and str(owner).isdigit():
        qs = qs.filter(owner_id=int(owner))
    if filters.get("opportunity"):
        try:
            qs = qs.filter(opportunity_id=filters["opportunity"])
        except Exception:  # a malformed id finds nothing  # noqa: BLE001
            qs = qs.none()
    before = filters.get("deadline_before")
    if before:
        try:
            day = before if isinstance(before, datetime.date) else datetime.date.fromisoformat(str(before))
        except ValueError:
            day = None
        if day is not None:
            qs = qs.filter(submission_deadline__date__lte=day)
    return qs.order_by("-created_at")


def bids_for_opportunity(*, user: Any, opportunity: Any) -> QuerySet[Bid]:
    return Bid.objects.restrict(user).filter(opportunity=opportunity).select_related("owner")


def atb_approved(opportunity: Any) -> bool:
    from openltc.decisions.selectors import approved_decision

    return approved_decision(opportunity, "ATB") is not None


def bid_facts(bid: Bid, user: Any = None, **inputs: Any) -> workflow.Facts:
    items = list(bid.items.values_list("title", "status", "prevents_disqualification"))
    blocking = tuple(t for t, s, p in items if p and s == ItemStatus.OPEN)
    return workflow.Facts(
        item_count=len(items),
        blocking_items=blocking,
        atb_approved=atb_approved(bid.opportunity),
        has_review=_has_review(bid),
        can_change=can_change(user, bid) if user is not None else True,
        **inputs,
    )


def _has_review(bid: Bid) -> bool:
    from openltc.bids.models import PostBidReview

    return PostBidReview.objects.filter(bid=bid).exists()


def atb_case_url(opportunity: Any) -> str | None:
    """The opportunity's latest ATB case (its bid review), or None."""
    from openltc.decisions.selectors import latest_case

    case = latest_case(opportunity, "ATB")
    if case is None:
        return None
    from django.urls import reverse

    return reverse("decisions:case", args=[case.pk])


def negotiation_for(opportunity: Any) -> Negotiation | None:
    return Negotiation.objects.filter(opportunity=opportunity).first()


# --- analytics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidRates:
    """Bids with a result recorded in the period: awarded, lost, disqualified, and the rates."""

    total: int
    awarded: int
    lost: int
    disqualified: int

    @property
    def win_rate(self) -> Decimal | None:
        """中标率: awarded / bids with a result, in %."""
        return _pct(self.awarded, self.total)

    @property
    def disqualification_rate(self) -> Decimal | None:
        """废标率: disqualified / bids with a result, in %."""
        return _pct(self.disqualified, self.total)


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def bid_rates(
    *,
    user: Any,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    opportunities: QuerySet[Any] | None = None,
) -> BidRates:
    """One SQL aggregation over the user's visible bids whose result was recorded between
    ``start`` and ``end`` (inclusive, local dates); ``opportunities`` (a queryset) narrows them
    to the bids of those opportunities (the analytics filters)."""
    qs = Bid.objects.restrict(user).exclude(result="")
    if opportunities is not None:
        qs = qs.filter(opportunity__in=opportunities.values("pk"))
    if start is not None:
        qs = qs.filter(result_at__gte=_day_start(start))
    if end is not None:
        qs = qs.filter(result_at__lt=_day_start(end + datetime.timedelta(days=1)))
    row = qs.order_by().aggregate(
        total=Count("pk"),
        awarded=Count("pk", filter=Q(result=BidResult.AWARDED)),
        lost=Count("pk", filter=Q(result=BidResult.LOST)),
        disqualified=Count("pk", filter=Q(result=BidResult.DISQUALIFIED)),
    )
    return BidRates(
        total=row["total"], awarded=row["awarded"], lost=row["lost"], disqualified=row["disqualified"]
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
