"""Test data helpers for contracts, going through the services like real callers. Customers
and opportunities are made directly (their services belong to their own apps)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openltc.contracts import services
from openltc.contracts.models import Contract

LINES = [
    {
        "kind": "product",
        "description": "Core router",
        "quantity": "2",
        "unit": "set",
        "unit_price": "100000.00",
        "tax_rate": "13",
    },
    {
        "kind": "service",
        "description": "Installation",
        "quantity": "1",
        "unit": "lot",
        "unit_price": "50000.00",
        "tax_rate": "6",
    },
]
# Lines total: net 250000.00, tax 26000.00 + 3000.00 = 29000.00, gross 279000.00
MILESTONES = [
    {"kind": "advance", "name": "Advance", "percentage": "30", "trigger_event": "signature", "due_days": 30},
    {
        "kind": "preliminary_acceptance",
        "name": "PAC",
        "percentage": "60",
        "trigger_event": "preliminary_acceptance",
        "due_days": 45,
    },
    {
        "kind": "retention",
        "name": "Retention",
        "percentage": "10",
        "trigger_event": "warranty_end",
        "due_days": 30,
    },
]


def make_customer(owner: Any, org_unit: Any, name: str = "Acme 甲方") -> Any:
    from openltc.customers.models import Customer

    return Customer.objects.create(name=name, org_unit=org_unit, owner=owner)


def make_contract(
    actor: Any, customer: Any = None, *, lines: Any = LINES, milestones: Any = MILESTONES, **data: Any
) -> Contract:
    customer = customer or make_customer(actor, actor.home_unit)
    values = {
        "title": "Backbone upgrade",
        "customer": customer,
        "signing_entity": "OpenLTC Networks Co., Ltd.",
        "currency": "CNY",
        "org_unit": actor.home_unit,
        "owner": actor,
        "contract_manager": actor,
        "delivery_obligations": "Deliver and install 2 routers within 90 days.",
    }
    values.update(data)
    return services.contract_create(actor=actor, data=values, lines=lines, milestones=milestones)


def reload(contract: Contract) -> Contract:
    return Contract.objects.select_related("current_version").get(pk=contract.pk)


def total(contract: Contract) -> Decimal:
    return reload(contract).total_gross
