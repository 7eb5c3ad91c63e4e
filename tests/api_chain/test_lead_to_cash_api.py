"""The contract-to-cash chain through the REST API only (the API twin of
tests/browser/test_lead_to_cash_journey.py): a won opportunity becomes a signed contract
(review, ATC, countersign, seal, archive, receipt check), is changed once through ATAC,
delivered with two accepted milestones, invoiced, paid in two receipts (one partial) and closed
through ATCC — each step by the person whose job it is, each calling ``/api/v1/...`` with their
own token — and every figure reconciles at the end.

The opportunity phase is prepared through the services (as in the browser journey).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_user
from openltc.decisions import services as decisions
from openltc.decisions.tests.factories import fill_checklist
from openltc.opportunities import services as opportunities
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True)]

API = "/api/v1"


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%api chain\n", content_type="application/pdf")


@pytest.fixture
def people(org: Any, rep: Any, teammate: Any, manager: Any, region_vp: Any, executive: Any) -> dict[str, Any]:
    return {
        "rep": rep,
        "teammate": teammate,
        "fr": make_user("fr.sh", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team),
        "cm": make_user("cm.sh", (Role.CONTRACT_MANAGER, org.sh, None), home=org.sh),
        "finance": make_user("fin.sh", (Role.FINANCE, org.sh, None), home=org.sh),
        "legal": make_user("legal.sh", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": make_user("delivery.sh", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh),
        "manager": manager,
        "region_vp": region_vp,
        "executive": executive,
    }


def won_opportunity(people: dict[str, Any]) -> Opportunity:
    """The opportunity phase through the services (its own journeys test it): ATI, ATB, ATC, won."""
    rep = people["rep"]
    o = make_opportunity(rep, title="API chain 全链路", amount=Decimal("1000000.00"))
    Opportunity.objects.filter(pk=o.pk).update(grade="C")
    opportunities.team_member_add(actor=rep, opportunity=o, user=people["teammate"], role=TeamRole.SR)
    opportunities.team_member_add(actor=rep, opportunity=o, user=people["fr"], role=TeamRole.FR)
    for gate, stages in (
        ("ATI", [Stage.INITIATED, Stage.GUIDING, Stage.BIDDING]),
        ("ATB", [Stage.NEGOTIATING]),
        ("ATC", [Stage.WON]),
    ):
        case = decisions.case_open(actor=rep, subject=Opportunity.objects.get(pk=o.pk), gate=gate)
        fill_checklist(rep, case)
        case = decisions.case_submit(actor=rep, case=case)
        for function in case.required_reviews:
            decisions.opinion_record(
                actor=people[function], case=case, function=function, verdict="agree", reasons="ok"
            )
        case.refresh_from_db()
        decisions.decision_record(actor=people["manager"], case=case, outcome="approved", rationale="ok")
        for stage in stages:
            opportunities.opportunity_advance(
                actor=rep, opportunity=Opportunity.objects.get(pk=o.pk), to_stage=stage
            )
    return Opportunity.objects.get(pk=o.pk)


class Api:
    """One API client per person (a fresh token each); every call states the status it expects."""

    def __init__(self, people: dict[str, Any], client_for: Any) -> None:
        self.people = people
        self.client_for = client_for
        self.clients: dict[str, Any] = {}

    def client(self, who: str) -> Any:
        if who not in self.clients:
            self.clients[who] = self.client_for(self.people[who])
        return self.clients[who]

    def call(
        self,
        who: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        expect: int = 200,
        files: dict[str, Any] | None = None,
    ) -> Any:
        c = self.client(who)
        url = API + path
        if method == "get":
            response = c.get(url)
        elif files is not None:  # multipart: the files and the form fields together
            response = c.post(url, data={**(body or {}), **files})
        else:
            response = getattr(c, method)(url, data=body or {}, content_type="application/json")
        assert response.status_code == expect, (
            f"{who} {method.upper()} {path}: {response.status_code} {response.content[:2000]!r}"
        )
        return response.json() if response.content else None

    def get(self, who: str, path: str, expect: int = 200) -> Any:
        return self.call(who, "get", path, expect=expect)

    def post(self, who: str, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.call(who, "post", path, body, **kw)

    def decision(self, case_id: str, preparer: str, decider: str) -> None:
        """Material, reviews and the decision of a gate case, each by its own person."""
        case = self.get(preparer, f"/decisions/cases/{case_id}")
        for item in case["checklist"]:
            self.post(
                preparer,
                f"/decisions/cases/{case_id}/checklist/{item['id']}",
                {"answer": f"{item['label']}: 见附件 / attached."},
            )
            if item["needs_attachment"]:
                self.post(
                    preparer,
                    f"/decisions/cases/{case_id}/attachments?item_id={item['id']}",
                    files={"file": pdf("material.pdf")},
                    expect=201,
                )
        case = self.post(preparer, f"/decisions/cases/{case_id}/submit", {})
        assert case["submitted_at"] is not None
        for function in case["required_reviews"]:
            self.post(
                function,
                f"/decisions/cases/{case_id}/opinions",
                {"function": function, "verdict": "agree", "reasons": "同意 / agreed."},
                expect=201,
            )
        case = self.post(
            decider,
            f"/decisions/cases/{case_id}/decide",
            {"outcome": "approved", "rationale": "同意 / approved."},
        )
        assert case["outcome"] == "approved", case


def sign_contract(api: Api, o: Opportunity) -> str:
    """Draft → contract review → ATC → countersign → seal → signed → archived → executing."""
    today = timezone.localdate().isoformat()
    contract = api.post(
        "cm",
        "/contracts",
        {
            "opportunity_id": str(o.pk),
            "title": "全链路合同 API chain contract",
            "signing_entity": "OpenLTC Shanghai Ltd.",
            "contract_manager_id": api.people["cm"].pk,
            "lines": [
                {
                    "description": "Core router 核心路由器",
                    "quantity": "10",
                    "unit_price": "100000",
                    "tax_rate": "0",
                }
            ],
            "milestones": [
                {"kind": kind, "percentage": "50", "trigger_event": kind, "due_days": 30}
                for kind in ("preliminary_acceptance", "final_acceptance")
            ],
        },
        expect=201,
    )
    cid = contract["id"]
    assert Decimal(contract["total_gross"]) == Decimal("1000000.00")
    assert [Decimal(m["amount"]) for m in contract["milestones"]] == [Decimal("500000.00")] * 2

    api.post("cm", f"/contracts/{cid}/submit", {})
    # The contract review: each function by its reviewer (recommendation only).
    for function, who in (
        ("legal", "legal"),
        ("finance", "finance"),
        ("delivery", "delivery"),
        ("credit", "finance"),
    ):
        api.post(
            who,
            f"/contracts/{cid}/opinions",
            {"function": function, "verdict": "agree", "reasons": "同意 / agreed"},
            expect=201,
        )
    api.post("cm", f"/contracts/{cid}/complete-review", {})
    case_id = api.post("cm", f"/contracts/{cid}/atc-case", expect=201)["case_id"]
    api.decision(case_id, "cm", "manager")

    api.post("cm", f"/contracts/{cid}/countersign", {})
    for who in ("legal", "finance", "delivery", "cm"):
        # Each department's person signs the step of their department (the one they may sign).
        c = api.client(who)
        steps = api.get(who, f"/contracts/{cid}/countersign/steps")
        signed = False
        for step in steps:
            if step["status"] == "signed":
                continue
            response = c.post(
                f"{API}/contracts/{cid}/countersign/{step['id']}/sign-off",
                data={"comment": f"{who} 同意"},
                content_type="application/json",
            )
            if response.status_code == 200:
                signed = True
                break
            # Another department's step: refused with the reason, nothing written.
            assert response.status_code in (403, 409), response.content
        assert signed, f"{who} signed no countersign step: {steps}"
    steps = api.get("cm", f"/contracts/{cid}/countersign/steps")
    assert all(s["status"] == "signed" for s in steps), steps

    api.post(
        "cm",
        f"/contracts/{cid}/seal-request",
        {"signatory_id": api.people["manager"].pk, "seal_kind": "contract_seal", "copies": 2},
    )
    api.post("cm", f"/contracts/{cid}/seal", {"signed_on": today, "seal_reference": "SEAL-001"})
    api.post(
        "cm",
        f"/contracts/{cid}/archive",
        {"archive_number": "AR-2026-001", "original_location": "上海档案室 cabinet 3"},
        files={"scan": pdf()},
    )
    check = api.post(
        "cm",
        f"/contracts/{cid}/receipt-checks",
        {
            "received_amount": "1000000.00",
            "received_currency": "CNY",
            "milestones_match": True,
            "obligations_match": True,
        },
        expect=201,
    )
    assert check["mismatches"] == [], check
    contract = api.post("cm", f"/contracts/{cid}/execute", {})
    assert contract["status"] == "executing"
    return cid


def change_through_atac(api: Api, cid: str) -> None:
    """One change: an eleventh router, +100,000; change review and ATAC; signed and filed."""
    today = timezone.localdate().isoformat()
    change = api.post(
        "cm",
        f"/contracts/{cid}/changes",
        {
            "reason": "客户追加一台设备 / the customer adds one router.",
            "scope_impact": "+1 core router",
            "margin_percent": "30",
            "lines": [
                {
                    "description": "Core router 核心路由器",
                    "quantity": "11",
                    "unit_price": "100000",
                    "tax_rate": "0",
                }
            ],
        },
        expect=201,
    )
    assert Decimal(change["amendment_total"]) == Decimal("1100000.00")
    path = f"/contracts/{cid}/changes/{change['id']}"
    submitted = api.post("cm", f"{path}/submit", {})
    api.decision(submitted["case_id"], "cm", "executive")
    api.post("cm", f"{path}/sign", {"signed_on": today, "agreement_reference": "CHG-001"})
    api.post(
        "cm",
        f"{path}/archive",
        {"archive_number": "AR-2026-002", "original_location": "上海档案室 cabinet 3"},
        files={"scan": pdf("change.pdf")},
    )
    contract = api.get("cm", f"/contracts/{cid}")
    assert contract["current_version"] == 2
    assert Decimal(contract["total_gross"]) == Decimal("1100000.00")


def deliver_and_collect(api: Api, cid: str, customer_id: str) -> None:
    """Delivery project with two accepted milestones; two invoices; two receipts, one partial."""
    today = timezone.localdate().isoformat()
    plan = api.get("delivery", f"/contracts/{cid}/plan")
    assert [Decimal(p["planned_amount"]) for p in plan] == [Decimal("550000.00")] * 2
    assert [p["billable"] for p in plan] == [False, False]

    fr = api.people["fr"].pk
    project = api.post(
        "delivery",
        "/delivery",
        {"contract_id": cid, "fr_id": fr, "planned_start": today, "planned_finish": today},
        expect=201,
    )
    pid = project["id"]
    assert project["fr_id"] == fr
    milestones = [
        api.post(
            "delivery",
            f"/delivery/{pid}/items",
            {
                "stream": "engineering",
                "kind": "milestone",
                "name": name,
                "owner_id": fr,
                "planned_start": today,
                "planned_finish": today,
                "plan_line_id": line["id"],
            },
            expect=201,
        )
        for name, line in zip(("初验 Preliminary acceptance", "终验 Final acceptance"), plan, strict=True)
    ]
    api.post("delivery", f"/delivery/{pid}/start", {})

    def accept(item: dict[str, Any], certificate: str) -> None:
        api.post(
            "delivery",
            f"/delivery/items/{item['id']}/acceptance",
            {"accepted_on": today, "certificate_reference": certificate},
            files={"evidence": pdf("acceptance.pdf")},
            expect=201,
        )

    def invoice(line: dict[str, Any]) -> dict[str, Any]:
        return api.post(
            "finance",
            "/cash/invoices",
            {"contract_id": cid, "lines": [{"plan_line_id": line["id"]}], "issue_date": today},
            expect=201,
        )

    def receive(amount: str, allocations: list[tuple[dict[str, Any], str]]) -> None:
        receipt = api.post(
            "finance",
            "/cash/receipts",
            {
                "customer_id": customer_id,
                "received_on": today,
                "amount": amount,
                "currency": "CNY",
                "payer": "客户财务部",
            },
            expect=201,
        )
        receipt = api.post(
            "finance",
            f"/cash/receipts/{receipt['id']}/allocate",
            {"allocations": [{"invoice_id": inv["id"], "amount": value} for inv, value in allocations]},
        )
        assert Decimal(receipt["unapplied_amount"]) == Decimal("0.00"), receipt

    accept(milestones[0], "CERT-001")
    billable = api.get("finance", f"/cash/billable?contract={cid}")
    assert [b["id"] for b in billable["items"]] == [plan[0]["id"]], billable
    first = invoice(plan[0])
    assert Decimal(first["gross_amount"]) == Decimal("550000.00")
    receive("200000.00", [(first, "200000.00")])  # a partial payment
    assert Decimal(api.get("finance", f"/cash/invoices/{first['id']}")["open_amount"]) == Decimal("350000.00")
    accept(milestones[1], "CERT-002")
    second = invoice(plan[1])
    receive("900000.00", [(first, "350000.00"), (second, "550000.00")])
    for inv in (first, second):
        assert Decimal(api.get("finance", f"/cash/invoices/{inv['id']}")["open_amount"]) == Decimal("0.00")

    # Final accounts and the project summary close the delivery project.
    api.post(
        "delivery",
        f"/delivery/{pid}/costs",
        {"stage": "final", "category": "equipment", "amount": "700000.00", "entry_date": today},
        expect=201,
    )
    project = api.post(
        "delivery",
        f"/delivery/{pid}/close",
        {
            "summary": "按期交付，两次验收 / delivered on time, two acceptances.",
            "lessons_learned": "提前备货",
        },
    )
    assert project["status"] == "closed"


def close_through_atcc(api: Api, cid: str) -> None:
    # Refused: closing before the ATCC decision gives 4xx with the reason, and changes nothing.
    refused = api.client("cm").post(f"{API}/contracts/{cid}/close", data={}, content_type="application/json")
    assert 400 <= refused.status_code < 500, refused.content
    assert refused.json()["code"] == "transition_refused", refused.json()
    assert "ATCC" in refused.json()["message"], refused.json()
    assert api.get("cm", f"/contracts/{cid}")["status"] == "executing"

    conditions = api.get("cm", f"/contracts/{cid}/closure-conditions")
    assert all(c["met"] for c in conditions), conditions
    assert api.get("cm", f"/delivery/contracts/{cid}/closure")["unmet"] == []
    case_id = api.post("cm", f"/contracts/{cid}/atcc-case", expect=201)["case_id"]
    api.decision(case_id, "cm", "manager")
    contract = api.post("cm", f"/contracts/{cid}/close", {})
    assert contract["status"] == "closed"


def test_won_opportunity_to_cash_and_closure_through_the_api(
    people: dict[str, Any], other_rep: Any, api_client_for: Any
) -> None:
    o = won_opportunity(people)
    api = Api({**people, "other_rep": other_rep}, api_client_for)
    cid = sign_contract(api, o)
    change_through_atac(api, cid)
    contract = api.get("cm", f"/contracts/{cid}")
    deliver_and_collect(api, cid, contract["customer_id"])
    close_through_atcc(api, cid)

    # Every figure reconciles: total = billable = billed = collected; nothing receivable.
    summary = api.get("finance", f"/cash/contracts/{cid}/summary")
    assert [Decimal(summary[k]) for k in ("total", "billable", "billed", "collected")] == [
        Decimal("1100000.00")
    ] * 4, summary
    assert [Decimal(summary[k]) for k in ("receivable", "overdue", "unbilled")] == [Decimal("0.00")] * 3, (
        summary
    )
    invoices = api.get("finance", f"/cash/invoices?contract={cid}")["items"]
    assert len(invoices) == 2
    assert sum(Decimal(i["gross_amount"]) for i in invoices) == Decimal("1100000.00")
    assert all(i["status"] == "settled" for i in invoices), invoices

    # Another region's rep sees nothing of it: the same 404 as a missing contract.
    api.get("other_rep", f"/contracts/{cid}", expect=404)
    api.get("other_rep", f"/cash/contracts/{cid}/summary", expect=404)
