"""Test data helpers for opportunities (customers and contacts are made directly: their own
services belong to the customers app and are tested there)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openltc.opportunities import services
from openltc.opportunities.models import Opportunity


def make_customer(owner: Any, org_unit: Any, name: str = "Acme 甲方") -> Any:
    from openltc.customers.models import Customer

    return Customer.objects.create(name=name, org_unit=org_unit, owner=owner)


def make_contact(customer: Any, name: str = "Zhang San") -> Any:
    from openltc.customers.models import Contact

    return Contact.objects.create(customer=customer, name=name)


def make_opportunity(actor: Any, customer: Any = None, **overrides: Any) -> Opportunity:
    """Created by ``actor``, who is also the owner unless ``owner`` is given."""
    customer = customer or make_customer(actor, actor.home_unit)
    fields: dict[str, Any] = {
        "actor": actor,
        "customer": customer,
        "title": "Core network upgrade",
        "amount": Decimal("1000000.00"),
        "currency": "CNY",
        "owner": actor,
        "org_unit": actor.home_unit,
    }
    fields.update(overrides)
    return services.opportunity_create(**fields)
