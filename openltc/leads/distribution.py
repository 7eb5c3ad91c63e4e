"""Lead distribution (分发线索): the ordered rule list decides who gets a lead.

``find_assignee`` walks the active rules in order; the first rule that matches the lead and finds
an eligible rep wins. Reps with a capacity record are eligible only while their open leads are
below their capacity; among the eligible, the one who received a lead longest ago goes first
(round-robin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count

from openltc.leads.choices import DistributionKind
from openltc.leads.models import DistributionRule, Lead, RepCapacity

if TYPE_CHECKING:
    from openltc.org.models import User


@dataclass(frozen=True)
class Match:
    rule: DistributionRule
    user: User


def rule_matches(rule: DistributionRule, lead: Lead) -> bool:
    """Whether the rule's criteria cover the lead (not yet whether someone can take it)."""
    if rule.scope_unit_id and not lead.org_unit.path.startswith(rule.scope_unit.path):  # type: ignore[union-attr]
        return False
    if rule.kind == DistributionKind.REGION:
        country_ids = {c.pk for c in rule.countries.all()}
        market_ids = {m.pk for m in rule.markets.all()}
        if lead.country_id is None:
            return False
        return lead.country_id in country_ids or (
            lead.country.market_id is not None and lead.country.market_id in market_ids  # type: ignore[union-attr,operator]
        )
    if rule.kind == DistributionKind.PRODUCT_LINE:
        if lead.product_line_id is None:
            return False
        line_ids = {p.pk for p in rule.product_lines.all()}
        return lead.product_line_id in line_ids or lead.product_line.parent_id in line_ids  # type: ignore[union-attr,operator]
    if rule.kind == DistributionKind.EXISTING_CUSTOMER:
        return lead.customer_id is not None and lead.customer.owner_id is not None  # type: ignore[union-attr]
    return rule.kind == DistributionKind.CAPABILITY


def _eligible(rule: DistributionRule, lead: Lead) -> list[Any]:
    from openltc.org.models import User

    if rule.kind == DistributionKind.EXISTING_CUSTOMER:
        owner = lead.customer.owner  # type: ignore[union-attr]
        return [owner] if owner is not None and owner.is_active else []
    candidates = list(rule.candidates.filter(is_active=True))
    capacities = {
        c.user_id: c for c in RepCapacity.objects.filter(user__is_active=True).prefetch_related("skills")
    }
    if rule.kind == DistributionKind.CAPABILITY:
        if not candidates:
            candidates = list(User.objects.filter(pk__in=list(capacities), is_active=True))
        # The capability rule only knows reps it has a capacity record for.
        candidates = [u for u in candidates if u.pk in capacities]
        if lead.product_line_id is not None:
            candidates = [
                u
                for u in candidates
                if any(s.pk == lead.product_line_id for s in capacities[u.pk].skills.all())
            ]
    loads = dict(
        Lead.objects.open()
        .filter(owner__in=[u.pk for u in candidates])
        .values_list("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    eligible = []
    for user in candidates:
        capacity = capacities.get(user.pk)
        if capacity is not None and (not capacity.is_available or loads.get(user.pk, 0) >= capacity.capacity):
            continue
        eligible.append(user)

    def turn(user: Any) -> tuple[int, str, str]:
        capacity = capacities.get(user.pk)
        last = capacity.last_assigned_at if capacity else None
        return (0 if last is None else 1, last.isoformat() if last else "", user.username)

    return sorted(eligible, key=turn)


def find_assignee(lead: Lead) -> Match | None:
    """The first active rule that matches and has an eligible rep, with that rep."""
    rules = DistributionRule.objects.filter(is_active=True).select_related("scope_unit")
    for rule in rules.prefetch_related("countries", "markets", "product_lines"):
        if not rule_matches(rule, lead):
            continue
        eligible = _eligible(rule, lead)
        if eligible:
            return Match(rule=rule, user=eligible[0])
    return None
