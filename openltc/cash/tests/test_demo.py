"""Demo builder: built through the services on signed contracts, idempotent, skips without."""

from __future__ import annotations

import io

import pytest

from openltc.cash import demo
from openltc.cash.models import Dispute, Invoice, IssuingEntity, Receipt
from openltc.cash.tests.factories import signed_contract

pytestmark = pytest.mark.django_db


def test_skips_without_signed_contracts(finance):
    out = io.StringIO()
    demo.build(stdout=out)
    assert "skipped" in out.getvalue()


def test_builds_invoices_receipts_partial_payment_and_dispute_once(rep, finance):
    IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ"})
    signed_contract(rep, trigger=0)
    out = io.StringIO()
    demo.build(stdout=out)
    assert "cash data on 1 contract" in out.getvalue()
    assert Invoice.objects.count() == 2
    assert Invoice.objects.filter(status="settled").count() == 1
    assert Receipt.objects.count() == 2
    assert any(r.unapplied_amount > 0 for r in Receipt.objects.all())
    assert Dispute.objects.count() == 1
    demo.build(stdout=io.StringIO())
    assert Invoice.objects.count() == 2
