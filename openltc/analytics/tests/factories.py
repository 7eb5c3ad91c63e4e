"""A small known data set: opportunities with a written stage history, set directly in the
tables the reports read (the services that move stages are tested in their own app)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openltc.opportunities.models import Opportunity, OpportunityStageChange
from openltc.opportunities.tests.factories import make_customer, make_opportunity

PATH = ("validating", "initiated", "guiding", "bidding", "negotiating", "won")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour))
    )


def opp(
    actor: Any,
    *,
    amount: str,
    created: str,
    steps: list[tuple[str, str]],
    probability: int = 10,
    category: str = "pipeline",
    expected: str | None = None,
    reason: str = "",
    competitor: str = "",
    entered: datetime.datetime | None = None,
    lead: Any = None,
    customer: Any = None,
) -> Opportunity:
    """``steps``: (to_stage, day) in order, the first being the creation into validating."""
    o = make_opportunity(
        actor, customer=customer or make_customer(actor, actor.home_unit), amount=Decimal(amount)
    )
    OpportunityStageChange.objects.filter(opportunity=o).delete()
    previous = ""
    for to_stage, day in steps:
        OpportunityStageChange.objects.create(
            opportunity=o,
            from_stage=previous,
            to_stage=to_stage,
            changed_at=at(day),
            changed_by=actor,
            amount=Decimal(amount),
            currency="CNY",
            probability=probability,
        )
        previous = to_stage
    final, last_day = steps[-1]
    closed = final in ("won", "lost", "abandoned")
    Opportunity.objects.filter(pk=o.pk).update(
        created_at=at(created),
        stage=final,
        stage_entered_at=entered or at(last_day),
        probability=100 if final == "won" else (0 if closed else probability),
        forecast_category="closed" if final == "won" else ("omitted" if closed else category),
        expected_close_date=datetime.date.fromisoformat(expected) if expected else None,
        closed_at=at(last_day) if closed else None,
        close_reason=reason,
        close_competitor=competitor,
        origin_lead=lead,
    )
    o.refresh_from_db()
    return o


def path_to(stage: str, days: list[str]) -> list[tuple[str, str]]:
    stages = PATH[: PATH.index(stage) + 1]
    return list(zip(stages, days, strict=True))


@dataclass
class DataSet:
    o1: Opportunity
    o2: Opportunity
    o3: Opportunity
    o4: Opportunity
    o5: Opportunity
    o6: Opportunity
    o7: Opportunity


def build(rep: Any, other_rep: Any) -> DataSet:
    """Rep (Shanghai): six opportunities created in September 2026; the other region's rep one.

    funnel (rep): validating 6/2300, initiated 5/2200, guiding 4/2000, bidding 3/1700,
    negotiating 2/1000, won 1/400. Lead → ATI: 2, 4, 6, 8, 10 days.
    """
    now = timezone.now()
    o1 = opp(
        rep,
        amount="100",
        created="2026-09-01",
        steps=[("validating", "2026-09-01")],
        expected="2026-09-15",
        entered=now - datetime.timedelta(days=40),
    )
    o2 = opp(
        rep,
        amount="200",
        created="2026-09-01",
        steps=path_to("initiated", ["2026-09-01", "2026-09-03"]),
        probability=20,
        category="best_case",
        expected="2026-09-20",
        entered=now - datetime.timedelta(days=5),
    )
    o3 = opp(
        rep,
        amount="300",
        created="2026-09-01",
        steps=[*path_to("guiding", ["2026-09-01", "2026-09-05", "2026-09-06"]), ("lost", "2026-09-10")],
        reason="price",
        competitor="Rival",
    )
    o4 = opp(
        rep,
        amount="400",
        created="2026-09-01",
        steps=path_to(
            "won", ["2026-09-01", "2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10", "2026-09-20"]
        ),
    )
    o5 = opp(
        other_rep,
        amount="500",
        created="2026-09-02",
        steps=[("validating", "2026-09-02")],
        expected="2026-09-15",
    )
    o6 = opp(
        rep,
        amount="600",
        created="2026-09-01",
        steps=path_to("negotiating", ["2026-09-01", "2026-09-09", "2026-09-10", "2026-09-11", "2026-09-12"]),
        probability=75,
        category="commit",
        expected="2026-09-25",
        entered=now - datetime.timedelta(days=31),
    )
    o7 = opp(
        rep,
        amount="700",
        created="2026-09-01",
        steps=[
            *path_to("bidding", ["2026-09-01", "2026-09-11", "2026-09-12", "2026-09-13"]),
            ("lost", "2026-09-14"),
        ],
        reason="disqualified",
        competitor="Rival",
    )
    return DataSet(o1, o2, o3, o4, o5, o6, o7)


# --- iron-triangle KPIs: contract, delivery, billing, cash, satisfaction, bids -------------------


@dataclass
class KpiSet:
    data: DataSet
    contract: Any
    project: Any


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def kpi_build(rep: Any, other_rep: Any, teammate: Any) -> KpiSet:
    """``build`` plus, for the won deal o4: teammate as SR (also on o6) and FR; a contract signed
    2026-09-21 (gross 279000, net 250000, estimated margin 30 %) with final accounts of 200000
    recorded 2026-09-28 (final margin 20 %); three delivery milestones due in September (one
    accepted in time, one late, one not accepted) and one due in October; billing milestones due
    2026-09-15 (invoiced 09-10, paid 09-30) and 2026-09-20 (invoiced late, 09-25, unpaid) and one
    due in October; satisfaction surveys of o4's customer (8, 6) and o6's (9) in September, and
    of o3's (4) in August; bids: o4 and o6 awarded, o7 disqualified, o5 (other region) lost."""
    from openltc.bids.models import Bid
    from openltc.cash.models import Allocation, Invoice, InvoiceLine, IssuingEntity, Receipt
    from openltc.contracts.models import Contract, ReceivablePlanLine
    from openltc.contracts.tests.factories import make_contract
    from openltc.customers.models import SatisfactionSurvey
    from openltc.delivery.models import Acceptance, CostEntry, DeliveryProject, PlanItem
    from openltc.opportunities.models import OpportunityTeamMember

    data = build(rep, other_rep)
    o4, o6 = data.o4, data.o6
    OpportunityTeamMember.objects.create(opportunity=o4, user=teammate, role="sr")
    OpportunityTeamMember.objects.create(opportunity=o4, user=teammate, role="fr")
    OpportunityTeamMember.objects.create(opportunity=o6, user=teammate, role="sr")

    contract = make_contract(rep, o4.customer, opportunity=o4)
    Contract.objects.filter(pk=contract.pk).update(
        status="executing", signed_on=day("2026-09-21"), margin_percent=Decimal("30")
    )
    contract.refresh_from_db()
    project = DeliveryProject.objects.create(
        number=f"DP-{o4.number}",
        name="Delivery",
        contract=contract,
        org_unit=contract.org_unit,
        fr=teammate,
        status="executing",
        currency="CNY",
    )
    CostEntry.objects.create(
        project=project,
        stage="final",
        category="equipment",
        amount=Decimal("200000"),
        entry_date=day("2026-09-28"),
        recorded_by=rep,
    )
    CostEntry.objects.create(
        project=project,
        stage="budget",
        category="equipment",
        amount=Decimal("150000"),
        entry_date=day("2026-09-22"),
        recorded_by=rep,
    )
    for name, planned, accepted in (
        ("M1", "2026-09-10", "2026-09-09"),
        ("M2", "2026-09-20", "2026-09-25"),
        ("M3", "2026-09-25", None),
        ("M4", "2026-10-15", None),
    ):
        item = PlanItem.objects.create(
            project=project,
            stream="engineering",
            kind="milestone",
            name=name,
            owner=teammate,
            planned_start=day("2026-09-01"),
            planned_finish=day(planned),
            status="done" if accepted else "in_progress",
        )
        if accepted:
            Acceptance.objects.create(
                item=item,
                accepted_on=day(accepted),
                certificate_reference=f"CERT-{name}",
                evidence="delivery/acceptance/cert.pdf",
                evidence_name="cert.pdf",
                recorded_by=teammate,
            )

    lines = list(ReceivablePlanLine.objects.filter(contract=contract).order_by("milestone__position"))
    for line, trigger, due in zip(
        lines,
        ("2026-09-01", "2026-09-05", "2026-10-01"),
        ("2026-09-15", "2026-09-20", "2026-10-31"),
        strict=True,
    ):
        ReceivablePlanLine.objects.filter(pk=line.pk).update(
            trigger_date=day(trigger), planned_due_date=day(due)
        )
    entity, _ = IssuingEntity.objects.get_or_create(code="SH01", defaults={"name": "Us Shanghai"})
    invoices = []
    for n, (line, issued, paid) in enumerate(
        ((lines[0], "2026-09-10", True), (lines[1], "2026-09-25", False)), start=1
    ):
        gross = line.planned_amount
        invoice = Invoice.objects.create(
            number=f"INV-{o4.number}-{n}",
            kind="invoice",
            issuing_entity=entity,
            contract=contract,
            customer=contract.customer,
            status="settled" if paid else "open",
            issue_date=day(issued),
            due_date=day(issued) + datetime.timedelta(days=30),
            currency="CNY",
            net_amount=gross,
            gross_amount=gross,
            allocated_amount=gross if paid else Decimal("0"),
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            plan_line=line,
            description=str(line),
            tax_rate=Decimal("0"),
            net_amount=gross,
            tax_amount=Decimal("0"),
            gross_amount=gross,
        )
        invoices.append(invoice)
    receipt = Receipt.objects.create(
        number=f"RC-{o4.number}",
        customer=contract.customer,
        contract=contract,
        org_unit=contract.org_unit,
        received_on=day("2026-09-30"),
        amount=invoices[0].gross_amount,
        currency="CNY",
        payer="Customer",
        allocated_amount=invoices[0].gross_amount,
    )
    Allocation.objects.create(
        receipt=receipt, invoice=invoices[0], amount=invoices[0].gross_amount, allocated_on=day("2026-09-30")
    )

    for customer, surveyed, score in (
        (o4.customer, "2026-09-05", 8),
        (o4.customer, "2026-09-20", 6),
        (o6.customer, "2026-09-15", 9),
        (data.o3.customer, "2026-08-01", 4),
    ):
        SatisfactionSurvey.objects.create(customer=customer, surveyed_on=day(surveyed), score=score)

    for n, (o, result, when) in enumerate(
        (
            (o4, "awarded", "2026-09-15"),
            (o6, "awarded", "2026-09-11"),
            (data.o7, "disqualified", "2026-09-14"),
            (data.o5, "lost", "2026-09-16"),
        ),
        start=1,
    ):
        Bid.objects.create(
            number=f"BID-{o.number[-8:]}-{n}",
            opportunity=o,
            title="Tender",
            owner=o.owner,
            status=result,
            result=result,
            result_at=at(when),
        )
    return KpiSet(data=data, contract=contract, project=project)
