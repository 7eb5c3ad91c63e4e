"""Cash test data: a signed contract with triggered plan lines, made through the contract
services; the signature is set directly (driving it through ATC is the contracts app's test)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from openltc.contracts import services as contract_services
from openltc.contracts.models import Contract, ReceivablePlanLine
from openltc.contracts.tests.factories import make_contract, make_customer

SIGNED_ON = datetime.date(2026, 1, 5)


def signed_contract(actor: Any, customer: Any = None, *, trigger: int = 2, **data: Any) -> Contract:
    """An executing contract (total 279000.00: 83700 / 167400 / 27900) with the first
    ``trigger`` plan lines triggered."""
    customer = customer or make_customer(actor, actor.home_unit)
    contract = make_contract(actor, customer, **data)
    Contract.objects.filter(pk=contract.pk).update(status="executing", signed_on=SIGNED_ON)
    contract.refresh_from_db()
    for line in plan_lines(contract)[:trigger]:
        contract_services.receivable_trigger_record(
            actor=actor, contract=contract, plan_line_id=line.pk, trigger_date=SIGNED_ON
        )
    contract.refresh_from_db()
    return contract


def plan_lines(contract: Contract) -> list[ReceivablePlanLine]:
    return list(ReceivablePlanLine.objects.filter(contract=contract).order_by("milestone__position"))


def amounts(contract: Contract) -> list[Decimal]:
    return [p.planned_amount for p in plan_lines(contract)]
