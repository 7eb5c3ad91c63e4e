"""Builders for lead tests, going through the services like real callers."""

from __future__ import annotations

from typing import Any

from openltc.leads import services
from openltc.leads.choices import ElementStatus, LeadSource, StrategicFit
from openltc.leads.models import Lead, NurturingCriterion


def make_lead(*, actor: Any = None, org_unit: Any = None, owner: Any = None, **data: Any) -> Lead:
    data.setdefault("title", "Campus network upgrade")
    data.setdefault("source", LeadSource.WEB)
    data.setdefault("company_name", "Acme Shanghai")
    if org_unit is None and owner is not None:
        org_unit = owner.home_unit
    return services.lead_create(actor=actor, data={"org_unit": org_unit, "owner": owner, **data})


def confirm_elements(lead: Lead, *, actor: Any) -> Lead:
    data: dict[str, Any] = {}
    for key in ("pain", "solution", "relationship", "budget"):
        data[f"{key}_status"] = ElementStatus.CONFIRMED
        data[f"{key}_evidence"] = f"{key} confirmed in a meeting"
    return services.lead_update(actor=actor, lead=lead, data=data)


def check_all(lead: Lead, *, actor: Any) -> None:
    for criterion in NurturingCriterion.objects.filter(is_active=True):
        services.lead_criterion_set(actor=actor, lead=lead, criterion=criterion, checked=True)


def nurturing_lead(*, owner: Any, **data: Any) -> Lead:
    lead = make_lead(owner=owner, actor=owner, **data)
    lead = services.lead_validate(actor=owner, lead=lead, strategic_fit=StrategicFit.FIT, maturity="warm")
    return services.lead_accept(actor=owner, lead=lead)


def qualified_lead(*, owner: Any, **data: Any) -> Lead:
    lead = nurturing_lead(owner=owner, **data)
    lead = confirm_elements(lead, actor=owner)
    check_all(lead, actor=owner)
    return services.lead_qualify(actor=owner, lead=lead)
