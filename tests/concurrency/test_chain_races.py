"""Races along the chain on PostgreSQL (issue 7, item 5): threads on their own connections,
released together by a barrier. The apps' own concurrency tests cover deciding one decision,
allocating one receipt, billing one milestone and opportunity numbers; these add converting one
lead twice, two editors of one contract version, and invoice numbers taken at the same moment."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from openltc.cash import services as cash
from openltc.cash.models import Invoice, IssuingEntity
from openltc.cash.tests.factories import plan_lines, signed_contract
from openltc.contracts import services as contracts
from openltc.contracts.models import Contract
from openltc.contracts.tests.factories import make_contract
from openltc.core.errors import Conflict, DomainError
from openltc.leads import services as leads
from openltc.leads.models import Lead
from openltc.leads.tests.factories import qualified_lead
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.test_concurrency import ON_POSTGRES, run_at_once

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL row locks (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def test_one_lead_converted_twice_at_once_gives_one_opportunity(rep: Any) -> None:
    assert connection.vendor == "postgresql"
    lead = qualified_lead(owner=rep, title="Race lead", company_name="Race Customer")
    outcomes: list[str] = []

    def convert() -> None:
        try:
            leads.lead_convert(actor=rep, lead=Lead.objects.get(pk=lead.pk), amount=Decimal("5000"))
            outcomes.append("converted")
        except DomainError as exc:
            outcomes.append(type(exc).__name__)

    run_at_once(convert, convert, convert)
    assert outcomes.count("converted") == 1, outcomes
    assert len(outcomes) == 3
    assert Opportunity.objects.filter(origin_lead=lead).count() == 1


def test_two_editors_of_one_contract_version_one_conflict(rep: Any) -> None:
    contract = make_contract(rep)
    version = contract.lock_version
    results: dict[str, str] = {}

    def edit(title: str) -> None:
        stale = Contract.objects.get(pk=contract.pk)
        try:
            contracts.contract_update(
                actor=rep, contract=stale, data={"title": title}, expected_version=version
            )
            results[title] = "ok"
        except Conflict:
            results[title] = "conflict"

    run_at_once(lambda: edit("Edited by A"), lambda: edit("Edited by B"))
    assert sorted(results.values()) == ["conflict", "ok"]
    winner = next(t for t, r in results.items() if r == "ok")
    fresh = Contract.objects.get(pk=contract.pk)
    assert (fresh.title, fresh.lock_version) == (winner, version + 1)


def test_invoice_numbers_taken_at_once_stay_gap_free(rep: Any, finance: Any) -> None:
    entity = IssuingEntity.objects.get_or_create(code="RACE", defaults={"name": "Race entity"})[0]
    contract = signed_contract(rep, trigger=3)
    lines = plan_lines(contract)
    errors: list[BaseException] = []

    def bill(line: Any) -> None:
        try:
            cash.invoice_issue(
                actor=finance,
                contract=contract,
                lines=[{"plan_line": line.pk, "amount": "1000.00"}],
                issuing_entity=entity,
                issue_date=datetime.date(2026, 2, 1),
            )
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    run_at_once(
        *[lambda line=line: bill(line) for line in lines], *[lambda line=line: bill(line) for line in lines]
    )
    assert errors == []
    numbers = sorted(Invoice.objects.filter(issuing_entity=entity).values_list("number", flat=True))
    assert len(numbers) == 2 * len(lines)
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, len(numbers) + 1))
