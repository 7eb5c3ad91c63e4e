"""Lead scoring: a configurable scorecard whose every point is explained.

``score_lead`` is pure (rules and lead in, score and explanation out); the service stores both on
the lead, and the page renders the explanation with ``describe``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from openltc.leads.choices import ElementStatus, LeadSource, Maturity, ScoringFactor, StrategicFit

if TYPE_CHECKING:
    from openltc.leads.models import Lead, LeadScoringRule

ELEMENT_KEYS = ("pain", "solution", "relationship", "budget")

# The default scorecard, created by a data migration; admins edit it afterwards.
DEFAULT_RULES: tuple[tuple[str, str, int], ...] = (
    (ScoringFactor.MATURITY, Maturity.HOT, 30),
    (ScoringFactor.MATURITY, Maturity.WARM, 15),
    (ScoringFactor.STRATEGIC_FIT, "", 20),
    (ScoringFactor.EXISTING_CUSTOMER, "", 10),
    (ScoringFactor.ESTIMATED_VALUE, "1000000", 10),
    (ScoringFactor.ESTIMATED_VALUE, "10000000", 10),
    (ScoringFactor.SOURCE, LeadSource.REFERRAL, 10),
    (ScoringFactor.SOURCE, LeadSource.TENDER_NOTICE, 10),
    (ScoringFactor.CONTACT_KNOWN, "", 5),
    (ScoringFactor.ELEMENT_CONFIRMED, "pain", 5),
    (ScoringFactor.ELEMENT_CONFIRMED, "budget", 10),
)


# --- the active rules, kept per process ---------------------------------------------------------
#
# Every capture scores the lead; reading the rules was one query per capture. The active rules are
# kept per process for ``OPENLTC_SCORING_RULES_CACHE_SECONDS`` (default 5; 0 turns the copy off).
# The copy is read, kept and used only outside a transaction (what is kept was committed; inside a
# transaction, as in edits, imports and most tests, the rules are always read), and this process
# drops it when a rule is saved or deleted (at once and again at commit) and after a flush or a
# migration. Any other change (another gunicorn worker's save, ``QuerySet.update``, SQL) reaches a
# process when its copy expires: every capture scores by rules at most that many seconds old.

_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"rules": None, "until": 0.0, "generation": 0}


def _cache_seconds() -> float:
    return float(settings.OPENLTC_SCORING_RULES_CACHE_SECONDS)


def _read_rules() -> tuple[LeadScoringRule, ...]:
    from openltc.leads.models import LeadScoringRule

    return tuple(LeadScoringRule.objects.filter(is_active=True))


def active_rules() -> tuple[LeadScoringRule, ...]:
    """The active scoring rules in their order; from the per-process copy when it is fresh and the
    caller is not inside a transaction, else from the database."""
    seconds = _cache_seconds()
    if seconds <= 0 or connection.in_atomic_block:
        return _read_rules()
    now = time.monotonic()
    with _cache_lock:
        rules, until, generation = _cache["rules"], _cache["until"], _cache["generation"]
    if rules is not None and now < until:
        return rules  # type: ignore[no-any-return]
    rules = _read_rules()
    with _cache_lock:
        # A rule saved while this read ran bumped the generation: keep nothing, read next time.
        if _cache["generation"] == generation:
            _cache.update(rules=rules, until=now + seconds)
    return rules


def forget_rules(**_kwargs: Any) -> None:
    """Drops this process's copy of the rules (a rule was saved or deleted): now, and again when
    the transaction commits, so that no read between the two keeps the old set."""

    def _drop() -> None:
        with _cache_lock:
            _cache.update(rules=None, until=0.0, generation=_cache["generation"] + 1)

    _drop()
    transaction.on_commit(_drop)


def _matches(rule: LeadScoringRule, lead: Lead) -> bool:
    factor, value = rule.factor, rule.value
    if factor == ScoringFactor.SOURCE:
        return lead.source == value
    if factor == ScoringFactor.MATURITY:
        return lead.maturity == value
    if factor == ScoringFactor.ESTIMATED_VALUE:
        try:
            threshold = Decimal(value)
        except (InvalidOperation, ValueError):
            return False
        return lead.estimated_value is not None and lead.estimated_value >= threshold
    if factor == ScoringFactor.EXISTING_CUSTOMER:
        return lead.customer_id is not None
    if factor == ScoringFactor.STRATEGIC_FIT:
        return lead.strategic_fit == StrategicFit.FIT
    if factor == ScoringFactor.PRODUCT_LINE:
        return lead.product_line_id is not None and lead.product_line.code == value  # type: ignore[union-attr]
    if factor == ScoringFactor.COUNTRY:
        return lead.country_id is not None and lead.country.code == value  # type: ignore[union-attr]
    if factor == ScoringFactor.ELEMENT_CONFIRMED:
        return value in ELEMENT_KEYS and getattr(lead, f"{value}_status") == ElementStatus.CONFIRMED
    if factor == ScoringFactor.CONTACT_KNOWN:
        return bool(lead.contact_id or (lead.contact_name and (lead.contact_phone or lead.contact_email)))
    return False


def score_lead(lead: Lead, rules: Iterable[LeadScoringRule]) -> tuple[int, list[dict[str, Any]]]:
    """The total and one explanation row per rule that gave points."""
    total = 0
    explanation: list[dict[str, Any]] = []
    for rule in rules:
        if not rule.is_active or not _matches(rule, lead):
            continue
        total += rule.points
        explanation.append(
            {"rule_id": rule.pk, "factor": rule.factor, "value": rule.value, "points": rule.points}
        )
    return total, explanation


def describe(item: dict[str, Any]) -> str:
    """A readable, translated sentence for one explanation row ("Maturity is Hot")."""
    factor, value = item.get("factor", ""), item.get("value", "")
    if factor == ScoringFactor.SOURCE:
        label = LeadSource(value).label if value in LeadSource.values else value
        return _("Source channel is %(value)s") % {"value": label}
    if factor == ScoringFactor.MATURITY:
        label = Maturity(value).label if value in Maturity.values else value
        return _("Maturity is %(value)s") % {"value": label}
    if factor == ScoringFactor.ESTIMATED_VALUE:
        return _("Estimated value is at least %(value)s") % {"value": value}
    if factor == ScoringFactor.EXISTING_CUSTOMER:
        return _("The customer is an existing account")
    if factor == ScoringFactor.STRATEGIC_FIT:
        return _("The lead fits our strategy")
    if factor == ScoringFactor.PRODUCT_LINE:
        return _("Product line is %(value)s") % {"value": value}
    if factor == ScoringFactor.COUNTRY:
        return _("Country or region is %(value)s") % {"value": value}
    if factor == ScoringFactor.ELEMENT_CONFIRMED:
        from openltc.leads.models import ELEMENTS

        labels = dict(ELEMENTS)
        return _("Element confirmed: %(value)s") % {"value": labels.get(value, value)}
    if factor == ScoringFactor.CONTACT_KNOWN:
        return _("A contact with phone or e-mail is known")
    return str(factor)


def explain(lead: Lead) -> list[dict[str, Any]]:
    return [{**item, "text": describe(item)} for item in lead.score_explanation or []]
