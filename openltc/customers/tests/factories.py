"""Small builders for customer-side records, going through the services like real callers."""

from __future__ import annotations

from typing import Any

from openltc.customers.models import Contact, Customer
from openltc.customers.services import contact_create, customer_create


def make_customer(*, actor: Any, org_unit: Any, owner: Any = None, **data: Any) -> Customer:
    data.setdefault("name", "Acme")
    return customer_create(actor=None, data={"org_unit": org_unit, "owner": owner or actor, **data})


def make_contact(*, customer: Customer, **data: Any) -> Contact:
    data.setdefault("name", "Zhang San")
    return contact_create(actor=None, customer=customer, data=data)
