"""Lead distribution (分发线索): the ordered rule list decides who gets a lead.

``find_assignee`` walks the active rules in order; the first rule that matches the lead and finds
an eligible rep wins. Reps with a capacity record are eligible only while their open leads are
below their capacity; among the eligible, the one who received a lead longest ago goes first
(round-robin).
"""

from __future__ import annotations

import datetime
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


@dataclass(frozen=True)
class RuleCriteria:
    """A rule's criteria as sets of ids, read once (from the prefetched relations) for a batch."""

    country_ids: frozenset[Any]
    market_ids: frozenset[Any]
    line_ids: frozenset[Any]

    @classmethod
    def of(cls, rule: DistributionRule) -> RuleCriteria:
        return cls(
            country_ids=frozenset(c.pk for c in rule.countries.all()),
            market_ids=frozenset(m.pk for m in rule.markets.all()),
            line_ids=frozenset(p.pk for p in rule.product_lines.all()),
        )


def rule_matches(rule: DistributionRule, lead: Lead, criteria: RuleCriteria | None = None) -> bool:
    """Whether the rule's criteria cover the lead (not yet whether someone can take it).
    ``criteria`` saves a caller that matches many leads reading the rule's relations per lead."""
    if rule.scope_unit_id and not lead.org_unit.path.startswith(rule.scope_unit.path):  # type: ignore[union-attr]
        return False
    if rule.kind == DistributionKind.REGION:
        if lead.country_id is None:
            return False
        criteria = criteria or RuleCriteria.of(rule)
        return lead.country_id in criteria.country_ids or (
            lead.country.market_id is not None and lead.country.market_id in criteria.market_ids  # type: ignore[union-attr,operator]
        )
    if rule.kind == DistributionKind.PRODUCT_LINE:
        if lead.product_line_id is None:
            return False
        line_ids = (criteria or RuleCriteria.of(rule)).line_ids
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


class BatchDistributor:
    """``find_assignee`` for many new leads at once (an import), with a fixed number of queries
    per batch: the rules with their criteria are read once per run; each batch reads the rules'
    candidates, the capacity records and the candidates' open-lead counts once, and then walks the
    same ordered rules for every lead in memory, counting the leads it hands out so capacities and
    the round-robin turn hold within the batch too. ``commit`` stores each chosen rep's turn."""

    def __init__(self) -> None:
        rules = DistributionRule.objects.filter(is_active=True).select_related("scope_unit")
        self.rules = list(rules.prefetch_related("countries", "markets", "product_lines"))
        self.criteria = {rule.pk: RuleCriteria.of(rule) for rule in self.rules}
        self.turns: dict[Any, Any] = {}  # user pk → the moment of their last lead (this run)

    def assign(self, leads: list[Lead]) -> list[Match | None]:
        """The match for each lead (None: no rule matched or nobody eligible), in order."""
        if not self.rules or not leads:
            return [None] * len(leads)
        self.begin()
        return [self.match(lead) for lead in leads]

    def begin(self) -> None:
        """Reads what a batch needs (candidates, capacity records, open-lead counts); ``match``
        then places the batch's leads one by one, in order, without a query."""
        from django.utils import timezone

        from openltc.org.models import User

        self._index = 0
        if not self.rules:
            return
        candidates: dict[int, list[Any]] = {}
        for rule in self.rules:
            if rule.kind != DistributionKind.EXISTING_CUSTOMER:
                candidates[rule.pk] = list(rule.candidates.filter(is_active=True))
        capacities = {
            c.user_id: c for c in RepCapacity.objects.filter(user__is_active=True).prefetch_related("skills")
        }
        if any(rule.kind == DistributionKind.CAPABILITY and not candidates[rule.pk] for rule in self.rules):
            everyone = list(User.objects.filter(pk__in=list(capacities), is_active=True))
        else:
            everyone = []
        people = {u.pk for users in candidates.values() for u in users} | {u.pk for u in everyone}
        self._loads = dict(
            Lead.objects.open()
            .filter(owner__in=people)
            .values_list("owner")
            .annotate(n=Count("pk"))
            .values_list("owner", "n")
        )
        self._candidates = candidates
        self._capacities = capacities
        self._skills = {uid: {s.pk for s in c.skills.all()} for uid, c in capacities.items()}
        self._everyone = everyone
        self._now = timezone.now()
        # A rule whose reps (before any per-lead filter) are all full stays full for the rest of
        # the batch (loads only grow), so it is passed over without matching the lead against it:
        # the same outcome as matching and finding nobody eligible.
        self._full: set[Any] = set()

    def _open_to(self, user: Any) -> bool:
        capacity = self._capacities.get(user.pk)
        return capacity is None or (capacity.is_available and self._loads.get(user.pk, 0) < capacity.capacity)

    def _turn(self, user: Any) -> tuple[int, str, str]:
        # As in ``_eligible``: a rep without a capacity record has no turn to wait for.
        last = None
        if user.pk in self._capacities:
            last = self.turns.get(user.pk) or self._capacities[user.pk].last_assigned_at
        return (0 if last is None else 1, last.isoformat() if last else "", user.username)

    def match(self, lead: Lead) -> Match | None:
        """The next lead of the batch (after ``begin``): the first rule that matches it and has an
        eligible rep, with that rep; the rep's load and turn move on within the batch."""
        if not self.rules:
            return None
        index = self._index
        self._index += 1
        capacities, full = self._capacities, self._full
        for rule in self.rules:
            if rule.pk in full:
                continue
            if not rule_matches(rule, lead, self.criteria[rule.pk]):
                continue
            if rule.kind == DistributionKind.EXISTING_CUSTOMER:
                owner = lead.customer.owner  # type: ignore[union-attr]
                if owner is not None and owner.is_active:
                    return Match(rule=rule, user=owner)
                continue
            pool = self._candidates[rule.pk]
            if rule.kind == DistributionKind.CAPABILITY:
                pool = [u for u in (pool or self._everyone) if u.pk in capacities]
                if not any(self._open_to(u) for u in pool):
                    full.add(rule.pk)
                    continue
                if lead.product_line_id is not None:
                    pool = [u for u in pool if lead.product_line_id in self._skills[u.pk]]
            eligible = [u for u in pool if self._open_to(u)]
            if not eligible:
                if rule.kind != DistributionKind.CAPABILITY:
                    full.add(rule.pk)
                continue
            user = min(eligible, key=self._turn)
            self._loads[user.pk] = self._loads.get(user.pk, 0) + 1
            # Distinct, increasing moments keep the round robin turning inside the batch.
            self.turns[user.pk] = self._now + datetime.timedelta(microseconds=index)
            return Match(rule=rule, user=user)
        return None

    def commit(self) -> None:
        """Stores the last turn of every rep who received leads (one update per rep, at most the
        number of reps in the rules, not of leads)."""
        for pk, moment in self.turns.items():
            RepCapacity.objects.filter(user_id=pk).update(last_assigned_at=moment)
        self.turns.clear()
