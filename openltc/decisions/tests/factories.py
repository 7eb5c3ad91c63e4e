"""Test data helpers for the decision engine. Opportunities serve as the subject."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from openltc.decisions import services
from openltc.decisions.models import DecisionBody, DecisionCase
from openltc.opportunities.models import Opportunity


def make_subject(
    actor: Any, *, grade: str | None = "C", amount: str = "1000000.00", currency: str = "CNY"
) -> Opportunity:
    from openltc.opportunities.tests.factories import make_opportunity

    opp = make_opportunity(actor, amount=Decimal(amount), currency=currency)
    Opportunity.objects.filter(pk=opp.pk).update(grade=grade)
    opp.refresh_from_db()
    return opp


def make_body(unit: Any, level: int, *, quorum: str = "single", min_votes: int = 1) -> DecisionBody:
    return DecisionBody.objects.create(
        name=f"{unit.code} SDT", level=level, org_unit=unit, quorum_rule=quorum, min_votes=min_votes
    )


def upload(name: str = "material.pdf", content: bytes = b"%PDF-1.4 test") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fill_checklist(actor: Any, case: DecisionCase) -> None:
    for item in case.checklist.all():
        if item.needs_attachment:
            services.attachment_add(actor=actor, case=case, upload=upload(), item=item)
        else:
            services.checklist_answer(actor=actor, item=item, answer="See the attached analysis.")


def open_case(actor: Any, subject: Any, gate: str = "ATI") -> DecisionCase:
    case = services.case_open(actor=actor, subject=subject, gate=gate)
    fill_checklist(actor, case)
    return case


def submitted_case(actor: Any, subject: Any, gate: str = "ATI") -> DecisionCase:
    case = open_case(actor, subject, gate)
    return services.case_submit(actor=actor, case=case)
