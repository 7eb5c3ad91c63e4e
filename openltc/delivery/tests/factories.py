"""Test data for delivery: a contract through the contracts service, then taken as signed (as the
contracts tests do), and projects, items and risks through the delivery services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openltc.contracts.models import Contract
from openltc.contracts.tests.factories import make_contract
from openltc.delivery import services
from openltc.delivery.models import DeliveryProject, DeliverySetting, EvidenceFileType, PlanItem

TODAY = datetime.date(2026, 11, 26)


def ensure_defaults() -> None:
    """Migration rows are flushed by transactional tests; restore the defaults."""
    for ext in ("pdf", "jpg", "png", "docx"):
        EvidenceFileType.objects.get_or_create(extension=ext)
    DeliverySetting.objects.get_or_create(key="delphi_convergence_pct", defaults={"value": Decimal("15")})


def signed_contract(owner: Any, status: str = "executing", **data: Any) -> Contract:
    contract = make_contract(owner, **data)
    Contract.objects.filter(pk=contract.pk).update(status=status, signed_on=timezone.localdate())
    return Contract.objects.get(pk=contract.pk)


def make_project(owner: Any, fr: Any = None, **kwargs: Any) -> DeliveryProject:
    contract = kwargs.pop("contract", None) or signed_contract(owner)
    today = timezone.localdate()
    kwargs.setdefault("planned_start", today - datetime.timedelta(days=10))
    kwargs.setdefault("planned_finish", today + datetime.timedelta(days=90))
    return services.project_create(actor=owner, contract=contract, fr=fr or owner, **kwargs)


def make_item(actor: Any, project: DeliveryProject, name: str = "Install", **data: Any) -> PlanItem:
    today = timezone.localdate()
    values = {
        "stream": "engineering",
        "kind": "task",
        "name": name,
        "owner": actor,
        "planned_start": today,
        "planned_finish": today + datetime.timedelta(days=10),
    }
    depends_on = data.pop("depends_on", [])
    values.update(data)
    return services.item_create(actor=actor, project=project, data=values, depends_on=depends_on)


def plan_line(project: DeliveryProject, position: int = 2) -> Any:
    return project.contract.receivable_plan.get(milestone__position=position)


def pdf(name: str = "certificate.pdf", content: bytes = b"%PDF-1.4 signed") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
