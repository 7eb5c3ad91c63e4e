"""The finance clerk's main flow in a browser: invoice a billable milestone, record the
customer's payment and allocate it; the invoice is settled and the rest stays unapplied."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from openltc.cash.models import AgingBucket, CashPolicy, Invoice, IssuingEntity, Receipt
from openltc.cash.tests.factories import plan_lines, signed_contract

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _defaults() -> None:
    """Transactional tests flush the rows the data migration wrote; restore what the pages need."""
    IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "开放网络科技有限公司"})
    CashPolicy.objects.get_or_create(pk=1)
    for position, label, low, high in [(10, "Not due", None, 0), (20, "1–30", 1, 30), (70, ">30", 31, None)]:
        AgingBucket.objects.get_or_create(
            position=position, defaults={"label": label, "min_days": low, "max_days": high}
        )


def test_invoice_then_receipt_then_allocation(journey, rep, finance):
    _defaults()
    contract = signed_contract(rep)
    advance = plan_lines(contract)[0]
    j = journey()
    j.login("finance@example.test")
    j.goto("/cash/")
    assert j.page.locator("h1").inner_text() == "Finance workspace"
    assert contract.number in j.page.content()
    j.shot("workspace")

    j.goto(f"/cash/contracts/{contract.pk}/invoice/")
    j.page.check(f"#line-{advance.pk}")
    j.page.fill(f"input[name='amount-{advance.pk}']", "83700.00")
    j.shot("invoice-form")
    j.page.click("button.primary")
    j.page.wait_for_url(re.compile(r".*/cash/invoices/[0-9a-f-]+/$"))
    invoice = Invoice.objects.get()
    assert invoice.number in j.page.locator("h1").inner_text()
    assert j.page.locator("#invoice-open").inner_text() == "83,700.00"
    j.shot("invoice")

    j.goto("/cash/receipts/new/")
    j.page.select_option("#id_customer", str(contract.customer_id))
    j.page.fill("#id_amount", "90000.00")
    j.page.fill("#id_payer", "Acme 甲方")
    j.page.fill("#id_bank_reference", "ICBC-0001")
    j.page.click("button.primary")
    j.page.wait_for_url(re.compile(r".*/cash/receipts/[0-9a-f-]+/$"))
    j.shot("receipt")

    j.page.fill(f"input[name='alloc-{invoice.pk}']", "83700.00")
    j.page.click("form[action$='/allocate/'] button.primary")
    j.page.wait_for_url(re.compile(r".*/cash/receipts/[0-9a-f-]+/$"))
    assert j.page.locator("#receipt-unapplied").inner_text() == "6,300.00"
    j.shot("allocated")
    invoice.refresh_from_db()
    assert invoice.status == "settled"
    assert Receipt.objects.get().allocated_amount == Decimal("83700.00")
    assert not j.console_errors
