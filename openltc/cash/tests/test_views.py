"""Cash pages: workspace, lists with filters and export, invoice creation, receipt allocation,
refusals shown as form errors, and the 404 for the other region."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from openltc.cash import services
from openltc.cash.models import Invoice, IssuingEntity, Receipt
from openltc.cash.tests.factories import plan_lines, signed_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ"})[0]


@pytest.fixture
def contract(rep):
    return signed_contract(rep)


@pytest.fixture
def invoice(finance, contract, entity):
    return services.invoice_issue(
        actor=finance,
        contract=contract,
        lines=[{"plan_line": plan_lines(contract)[0].pk, "amount": "83700.00"}],
    )


def test_workspace_shows_billable_and_aging(client, finance, contract, entity):
    client.force_login(finance)
    response = client.get(reverse("cash:workspace"))
    assert response.status_code == 200
    assert contract.number in response.content.decode()


def test_invoice_created_from_the_page(client, finance, contract, entity):
    client.force_login(finance)
    url = reverse("cash:invoice_create", args=[contract.pk])
    assert client.get(url).status_code == 200
    line = plan_lines(contract)[0]
    response = client.post(
        url,
        {
            "issuing_entity": entity.pk,
            "issue_date": "2026-02-01",
            f"line-{line.pk}": "1",
            f"amount-{line.pk}": "1000.00",
        },
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.gross_amount == Decimal("1000.00")


def test_invoice_page_refusal_changes_nothing(client, finance, contract, entity):
    client.force_login(finance)
    line = plan_lines(contract)[0]
    response = client.post(
        reverse("cash:invoice_create", args=[contract.pk]),
        {
            "issuing_entity": entity.pk,
            "issue_date": "2026-02-01",
            f"line-{line.pk}": "1",
            f"amount-{line.pk}": "999999",
        },
    )
    assert response.status_code == 422
    assert "exceeds what is left to bill" in response.content.decode()
    assert not Invoice.objects.exists()


def test_rep_cannot_open_the_invoice_form(client, rep, contract):
    client.force_login(rep)
    assert client.get(reverse("cash:invoice_create", args=[contract.pk])).status_code == 404


def test_lists_filter_and_export(client, finance, invoice):
    client.force_login(finance)
    response = client.get(reverse("cash:invoices"), {"q": invoice.number})
    assert invoice.number in response.content.decode()
    assert (
        invoice.number not in client.get(reverse("cash:invoices"), {"q": "nothing-like-it"}).content.decode()
    )
    export = client.get(reverse("cash:invoices"), {"export": "csv"})
    assert export.status_code == 200
    assert invoice.number in b"".join(export.streaming_content).decode()
    assert client.get(reverse("cash:receipts"), {"status": "unapplied"}).status_code == 200


def test_invoice_detail_print_and_pdf(client, rep, other_rep, invoice):
    client.force_login(rep)
    assert client.get(reverse("cash:invoice_detail", args=[invoice.pk])).status_code == 200
    assert client.get(reverse("cash:invoice_print", args=[invoice.pk])).status_code == 200
    pdf = client.get(reverse("cash:invoice_pdf", args=[invoice.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    client.force_login(other_rep)
    assert client.get(reverse("cash:invoice_detail", args=[invoice.pk])).status_code == 404


def test_receipt_recorded_and_allocated_from_pages(client, finance, contract, invoice):
    client.force_login(finance)
    response = client.post(
        reverse("cash:receipt_create"),
        {
            "customer": contract.customer.pk,
            "received_on": "2026-02-10",
            "amount": "100000.00",
            "currency": "CNY",
            "payer": "Acme",
            "bank_reference": "BR-1",
        },
    )
    assert response.status_code == 302
    receipt = Receipt.objects.get()
    bad = client.post(reverse("cash:receipt_allocate", args=[receipt.pk]), {f"alloc-{invoice.pk}": "90000"})
    assert bad.status_code == 422
    assert "exceeds what is open" in bad.content.decode()
    ok = client.post(reverse("cash:receipt_allocate", args=[receipt.pk]), {f"alloc-{invoice.pk}": "83700"})
    assert ok.status_code == 302
    receipt.refresh_from_db()
    assert receipt.unapplied_amount == Decimal("16300.00")


def test_collection_dispute_and_write_off_from_the_invoice_page(client, rep, invoice):
    client.force_login(rep)
    url = reverse("cash:collection_log", args=[invoice.pk])
    today = timezone.localdate().isoformat()
    assert (
        client.post(url, {"level": 1, "channel": "call", "occurred_on": today, "note": "Called"}).status_code
        == 302
    )
    response = client.post(
        reverse("cash:dispute_open", args=[invoice.pk]),
        {"reason": "quality", "amount": "0", "description": "x"},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("cash:write_off_request", args=[invoice.pk]), {"amount": "100", "reason": "Insolvent"}
    )
    assert response.status_code == 302


def test_contract_page_shows_the_cash_panel(client, rep, invoice):
    client.force_login(rep)
    response = client.get(reverse("contracts:detail", args=[invoice.contract_id]))
    assert response.status_code == 200
    assert "Invoicing and collection" in response.content.decode()


def test_receivables_page(client, finance, invoice):
    client.force_login(finance)
    response = client.get(reverse("cash:receivables"), {"group_by": "customer"})
    assert response.status_code == 200
    assert "DSO" in response.content.decode()


def test_my_work_lists_cash_items(finance, rep, invoice):
    from openltc.cash.mywork import cash_work

    services.write_off_request(actor=rep, invoice=invoice, amount="10", reason="x")
    labels = [str(item.label) for item in cash_work(finance)]
    assert "Write-offs to decide" in labels
    assert "Milestones waiting for an invoice" in labels
    assert cash_work(rep) == [] or all(item.count for item in cash_work(rep))
