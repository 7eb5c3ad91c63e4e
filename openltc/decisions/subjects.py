"""The subject protocol: what the decision engine needs to know about the record a case is about.

A subject model (Opportunity, Contract, ContractChange) implements ``decision_attributes()`` and may
implement ``decision_participants()`` (who should see its cases) and ``get_absolute_url()``.
Models that do not implement the protocol are read through their common field names
(amount, currency, grade, gross_margin_pct, payment_risk, org_unit, owner, team_members).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from django.urls import NoReverseMatch

# The models whose records can be put to a gate (app_label.model): opportunities (ATI/ATB/ATC),
# contracts (ATC, ATCC) and contract change requests (ATAC, one case per change).
SUBJECT_MODELS: list[str] = ["opportunities.opportunity", "contracts.contract", "contracts.contractchange"]


@dataclass(frozen=True)
class DecisionAttributes:
    """The attributes the delegation matrix routes on."""

    amount: Decimal | None
    currency: str
    grade: str | None
    margin_pct: Decimal | None
    payment_risk: str | None
    org_unit: Any


@runtime_checkable
class DecisionSubject(Protocol):
    pk: Any

    def decision_attributes(self) -> DecisionAttributes: ...


def attributes_of(subject: Any) -> DecisionAttributes:
    if isinstance(subject, DecisionSubject):
        return subject.decision_attributes()
    amount = getattr(subject, "amount", None)
    margin = getattr(subject, "gross_margin_pct", None)
    return DecisionAttributes(
        amount=Decimal(str(amount)) if amount is not None else None,
        currency=str(getattr(subject, "currency", "") or ""),
        grade=getattr(subject, "grade", None) or None,
        margin_pct=Decimal(str(margin)) if margin is not None else None,
        payment_risk=getattr(subject, "payment_risk", None) or None,
        org_unit=getattr(subject, "org_unit", None),
    )


def participants_of(subject: Any) -> list[Any]:
    """The people who work on the subject and so see its cases."""
    method = getattr(subject, "decision_participants", None)
    if callable(method):
        return list(method())
    people: list[Any] = []
    owner = getattr(subject, "owner", None)
    if owner is not None:
        people.append(owner)
    team = getattr(subject, "team_members", None)
    if team is not None and hasattr(team, "select_related"):
        people.extend(m.user for m in team.select_related("user"))
    return people


def url_of(subject: Any) -> str:
    method = getattr(subject, "get_absolute_url", None)
    if callable(method):
        try:
            return str(method())
        except NoReverseMatch:
            return ""
    from django.urls import reverse

    try:
        return reverse(f"{subject._meta.app_label}:detail", args=[subject.pk])
    except NoReverseMatch:
        return ""
