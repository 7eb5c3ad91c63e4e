"""The delegation matrix (授权): which decision level, and which body, decides a case.

A rule covers a case when every attribute of the case falls inside the rule's bounds (an empty
bound means "any"; an attribute the case does not know is covered only by a rule that does not
bound it). The case goes to the LOWEST level among the covering rules; ``order`` breaks ties.
When no rule covers the case it goes to the company level, and the routing note says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from openltc.core.errors import DomainError
from openltc.decisions.choices import PAYMENT_RISK_RANK
from openltc.decisions.models import DecisionBody, DelegationRule, ExchangeRate
from openltc.decisions.subjects import DecisionAttributes
from openltc.org.roles import DecisionLevel


def reporting_currency() -> str:
    return str(getattr(settings, "OPENLTC_REPORTING_CURRENCY", "CNY"))


def to_reporting(amount: Decimal | None, currency: str) -> Decimal | None:
    """The amount in the reporting currency; refuses when no rate is configured."""
    if amount is None:
        return None
    target = reporting_currency()
    if not currency or currency == target:
        return Decimal(amount).quantize(Decimal("0.01"))
    rate = ExchangeRate.objects.filter(currency=currency).values_list("rate", flat=True).first()
    if rate is None:
        raise DomainError(
            _(
                "No exchange rate from %(currency)s to %(target)s is configured; ask an administrator to add one."
            )
            % {"currency": currency, "target": target}
        )
    return (Decimal(amount) * rate).quantize(Decimal("0.01"))


def rule_covers(
    rule: DelegationRule,
    *,
    gate: str,
    attrs: DecisionAttributes,
    amount_reporting: Decimal | None,
    unit_path: str,
) -> bool:
    """Whether ``rule`` covers every attribute of the case (pure: reads the rule's fields only;
    ``rule.org_unit`` must be loaded when set)."""
    if not rule.is_active or rule.gate != gate:
        return False
    if rule.grade and rule.grade != (attrs.grade or ""):
        return False
    if rule.amount_min is not None or rule.amount_max is not None:
        if amount_reporting is None:
            return False
        if rule.amount_min is not None and amount_reporting < rule.amount_min:
            return False
        if rule.amount_max is not None and amount_reporting > rule.amount_max:
            return False
    if rule.margin_min is not None or rule.margin_max is not None:
        if attrs.margin_pct is None:
            return False
        if rule.margin_min is not None and attrs.margin_pct < rule.margin_min:
            return False
        if rule.margin_max is not None and attrs.margin_pct > rule.margin_max:
            return False
    if rule.payment_risk:
        if not attrs.payment_risk:
            return False
        if PAYMENT_RISK_RANK.get(attrs.payment_risk, 99) > PAYMENT_RISK_RANK[rule.payment_risk]:
            return False
    if rule.org_unit_id is not None:
        rule_path = rule.org_unit.path if rule.org_unit else ""
        if not unit_path or not unit_path.startswith(rule_path):
            return False
    return True


def pick_rule(
    rules: Iterable[DelegationRule],
    *,
    gate: str,
    attrs: DecisionAttributes,
    amount_reporting: Decimal | None,
    unit_path: str,
) -> DelegationRule | None:
    """The covering rule with the lowest level (then the lowest order), or None."""
    covering = [
        r
        for r in rules
        if rule_covers(r, gate=gate, attrs=attrs, amount_reporting=amount_reporting, unit_path=unit_path)
    ]
    if not covering:
        return None
    return min(covering, key=lambda r: (r.level, r.order, str(r.pk)))


@dataclass(frozen=True)
class Routing:
    level: int
    rule: DelegationRule | None
    body: DecisionBody | None
    amount_reporting: Decimal | None
    note: str


def body_for(level: int, unit: Any) -> DecisionBody | None:
    """The active body at ``level`` whose unit is the nearest ancestor of (or is) ``unit``."""
    if unit is None:
        return None
    bodies = DecisionBody.objects.filter(
        level=level, is_active=True, org_unit__path__in=unit.ancestors_paths()
    ).select_related("org_unit")
    return max(bodies, key=lambda b: len(b.org_unit.path), default=None)


def route(gate: str, attrs: DecisionAttributes) -> Routing:
    unit = attrs.org_unit
    unit_path = getattr(unit, "path", "") or ""
    amount_reporting = to_reporting(attrs.amount, attrs.currency)
    rules = DelegationRule.objects.filter(gate=gate, is_active=True).select_related("org_unit")
    rule = pick_rule(rules, gate=gate, attrs=attrs, amount_reporting=amount_reporting, unit_path=unit_path)
    if rule is None:
        level = int(DecisionLevel.COMPANY)
        note = _("No delegation rule covers this case; it goes to the company level.")
    else:
        level = rule.level
        note = _("Routed by delegation rule “%(rule)s”.") % {"rule": rule.note or str(rule)}
    body = body_for(level, unit)
    return Routing(level=level, rule=rule, body=body, amount_reporting=amount_reporting, note=note)
