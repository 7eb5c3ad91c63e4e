"""The bulk capture path (``leads.bulk.lead_bulk_create``, the import's writer) against the
one-lead path (``services.lead_create``): the same leads, history rows and audit snapshots for
good rows, the same errors for bad ones."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.validators import validate_email
from django.db import transaction

from openltc.core.errors import DomainError
from openltc.core.models import AuditEvent
from openltc.leads import bulk
from openltc.leads.bulk import lead_bulk_create, new_uuid4
from openltc.leads.choices import DistributionKind, LeadSource
from openltc.leads.distribution import BatchDistributor
from openltc.leads.models import DistributionRule, Lead, LeadScoringRule, RepCapacity
from openltc.leads.services import lead_create
from openltc.org.models import Country, ProductLine

# Set by the database or the moment of writing, so they differ between the two paths.
VOLATILE = {"id", "created_at", "updated_at", "assigned_at", "first_contact_due_at"}


@pytest.fixture
def catalog(db: Any) -> dict[str, Any]:
    LeadScoringRule.objects.create(factor="product_line", value="NET", points=7)
    LeadScoringRule.objects.create(factor="country", value="CN", points=3)
    return {
        "line": ProductLine.objects.create(code="NET", name="Network"),
        "country": Country.objects.create(code="CN", name="China"),
    }


def good_rows(catalog: dict[str, Any], rep: Any) -> list[dict[str, Any]]:
    """Rows as the importer hands them over: every kind of value the file can give."""
    return [
        {
            "title": "园区网络升级",
            "company_name": "上海电力股份有限公司",
            "contact_name": "王工",
            "contact_phone": "13800138000",
            "contact_email": "wang@sp.example",
            "source": LeadSource.EXHIBITION,
            "product_line": catalog["line"],
            "country": catalog["country"],
            "estimated_value": Decimal("1200000.00"),
            "currency": "CNY",
            "expected_date": datetime.date(2026, 9, 30),
            "maturity": "hot",
            "pain_text": "旧网络需要升级",
            "owner": rep,
        },
        {"title": "Data centre", "company_name": "East Bank", "source": "web", "maturity": "warm"},
        {
            "title": "Referral",
            "company_name": "North Grid",
            "contact_name": "Li",
            "contact_email": "li@north.example",
            "source": LeadSource.REFERRAL,
            "estimated_value": Decimal("0.00"),
            "currency": "USD",
        },
    ]


def stored(lead: Lead) -> dict[str, Any]:
    row = Lead.objects.filter(pk=lead.pk).values().get()
    return {k: v for k, v in row.items() if k not in VOLATILE}


def history(lead: Lead) -> dict[str, Any]:
    """The history row without its own key and moment, and without its user: the one-lead path
    takes that from the request (none here), the bulk path names the importing actor."""
    row = Lead.history.filter(id=lead.pk).values().get()  # type: ignore[attr-defined]
    return {
        k: v for k, v in row.items() if k not in VOLATILE | {"history_id", "history_date", "history_user_id"}
    }


def created_event(lead: Lead) -> tuple[Any, ...]:
    event = AuditEvent.objects.get(action="lead.created", subject_id=str(lead.pk))
    return (event.actor_id, event.actor_name, event.subject_repr, event.before, event.after, event.message)


def test_bulk_rows_store_what_lead_create_stores(manager: Any, rep: Any, catalog: dict[str, Any]) -> None:
    rows = good_rows(catalog, rep)
    one_by_one = [lead_create(actor=manager, data=dict(data)) for data in rows]
    with transaction.atomic():
        bulk = lead_bulk_create(actor=manager, rows=[dict(data) for data in rows])
    assert len(bulk) == len(rows)
    for single, many in zip(one_by_one, bulk, strict=True):
        assert stored(many) == stored(single)
        assert history(many) == history(single)
        assert created_event(many) == created_event(single)
    owned = Lead.objects.get(pk=bulk[0].pk)
    assert owned.owner == rep
    assert owned.assigned_at
    assert owned.first_contact_due_at
    assert owned.score == 30 + 7 + 3 + 10 + 5  # hot, product line, country, value ≥ 1M, contact known


BAD_ROWS = [
    {"title": "No company", "contact_phone": "13800138000", "source": "web"},
    {"title": "x" * 201, "company_name": "Long title Ltd", "source": "web"},
    {"title": "Bad mail", "company_name": "Mail Ltd", "contact_email": "bad@", "source": "web"},
    {"title": "Negative", "company_name": "Minus Ltd", "estimated_value": Decimal("-5"), "source": "web"},
    {"title": "Lukewarm", "company_name": "Temp Ltd", "maturity": "lukewarm", "source": "tv"},
    {"title": "Currency", "company_name": "Money Ltd", "currency": "RMB1", "source": "web"},
    {"title": "Nul\x00", "company_name": "Nul Ltd", "source": "web"},
    {"title": "Unknown field", "company_name": "Extra Ltd", "source": "web", "status": "won"},
    {"title": "", "company_name": "No title Ltd", "source": "web"},
    {"title": "Long phone", "company_name": "Phone Ltd", "contact_phone": "1" * 41, "source": "web"},
]


@pytest.mark.parametrize("data", BAD_ROWS, ids=lambda d: d["title"][:14])
def test_bad_rows_fail_with_the_same_errors_on_both_paths(manager: Any, data: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as single:
        lead_create(actor=manager, data=dict(data))
    with pytest.raises(DomainError) as bulk, transaction.atomic():
        lead_bulk_create(actor=manager, rows=[dict(data)])
    assert (bulk.value.message, bulk.value.field_errors) == (single.value.message, single.value.field_errors)
    assert not Lead.objects.exists()


def test_a_bad_row_in_a_batch_writes_nothing_of_it(manager: Any) -> None:
    rows = [
        {"title": "Fine", "company_name": "Fine Ltd", "source": "web"},
        {"title": "Broken", "source": "web"},  # no company name
    ]
    with pytest.raises(DomainError), transaction.atomic():
        lead_bulk_create(actor=manager, rows=rows)
    assert not Lead.objects.exists()
    assert not AuditEvent.objects.filter(action="lead.created").exists()


def test_a_value_of_the_wrong_type_for_a_relation_is_refused(manager: Any, rep: Any) -> None:
    with pytest.raises(ValueError, match="must be a"), transaction.atomic():
        lead_bulk_create(
            actor=manager, rows=[{"title": "T", "company_name": "C", "source": "web", "owner": "rep"}]
        )
    with pytest.raises(ValueError, match="must be a"):
        lead_create(actor=manager, data={"title": "T", "company_name": "C", "source": "web", "owner": "rep"})


def test_prevalidated_e_mail_still_gets_the_length_check(manager: Any) -> None:
    """The importer has run ``validate_email``; the model field's length limit still applies."""
    address = "a" * 250 + "@x.example"  # a valid address, longer than the field's 254
    data = {"title": "Long mail", "company_name": "Mail Ltd", "contact_email": address, "source": "web"}
    with pytest.raises(DomainError) as single:
        lead_create(actor=manager, data=dict(data))
    with pytest.raises(DomainError) as many, transaction.atomic():
        lead_bulk_create(actor=manager, rows=[dict(data)], prevalidated={"contact_email": (validate_email,)})
    assert many.value.field_errors == single.value.field_errors
    assert "contact_email" in many.value.field_errors


def test_new_uuid4_makes_version_4_keys() -> None:
    make = new_uuid4(batch=3)
    keys = [make() for _ in range(10)]
    assert len(set(keys)) == 10
    for key in keys:
        parsed = uuid.UUID(str(key))
        assert parsed == key
        assert hash(parsed) == hash(key)
        assert (key.version, key.variant) == (4, uuid.RFC_4122)


def many_rows(count: int) -> list[dict[str, Any]]:
    return [{"title": f"Lead {i}", "company_name": f"Company {i}", "source": "web"} for i in range(count)]


def test_a_bad_row_in_a_later_part_writes_nothing(manager: Any) -> None:
    rows = many_rows(bulk._CHUNK * 2 + 5)
    rows[bulk._CHUNK + 3] = {"title": "Broken", "source": "web"}  # no company name, second part
    with pytest.raises(DomainError), transaction.atomic():
        lead_bulk_create(actor=manager, rows=rows)
    assert not Lead.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not Lead.history.exists()  # type: ignore[attr-defined]


def test_several_parts_one_history_row_and_events_per_lead(manager: Any, rep: Any, teammate: Any) -> None:
    rule = DistributionRule.objects.create(name="Inside sales", order=1, kind=DistributionKind.CAPABILITY)
    rule.candidates.add(rep, teammate)
    for user in (rep, teammate):
        RepCapacity.objects.create(user=user, capacity=bulk._CHUNK)  # full before the rows run out
    count = bulk._CHUNK * 3 + 7
    with transaction.atomic():
        leads = lead_bulk_create(actor=manager, rows=many_rows(count), distributor=BatchDistributor())
    assert len(leads) == Lead.objects.count() == count
    assert Lead.history.count() == count  # type: ignore[attr-defined]
    created = AuditEvent.objects.filter(action="lead.created")
    distributed = AuditEvent.objects.filter(action="lead.distributed")
    assert created.count() == count
    assert distributed.count() == 2 * bulk._CHUNK
    assert set(created.values_list("subject_id", flat=True)) == {str(lead.pk) for lead in leads}
    # The created events come first, in row order; the distributions follow in row order.
    events = list(AuditEvent.objects.filter(action__startswith="lead.").order_by("id"))
    assert [e.subject_id for e in events[:count]] == [str(lead.pk) for lead in leads]
    assert [e.subject_id for e in events[count:]] == [str(lead.pk) for lead in leads[: 2 * bulk._CHUNK]]
    owners = [lead.owner_id for lead in leads]
    assert owners[0] != owners[1]
    assert owners[: 2 * bulk._CHUNK : 2] == [owners[0]] * bulk._CHUNK  # round robin across parts
    assert owners[2 * bulk._CHUNK :] == [None] * (count - 2 * bulk._CHUNK)
    stored = dict(Lead.objects.values_list("pk", "owner_id"))
    assert [stored[lead.pk] for lead in leads] == owners
