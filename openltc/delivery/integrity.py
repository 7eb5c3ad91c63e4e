"""Delivery invariants for ``openltc check-integrity`` (read-only, one query each): an accepted
delivery milestone has made its linked payment milestone billable (the plan line has a trigger
date), and a delivery project delivers a contract that has been signed."""

from __future__ import annotations

from collections.abc import Iterator

from openltc.core.integrity import register
from openltc.delivery.models import Acceptance, DeliveryProject

# A contract in one of these statuses has not been signed (the project would deliver an unsigned text).
UNSIGNED = ("draft", "under_review", "awaiting_atc", "countersign", "seal", "withdrawn")


def check_accepted_milestones_billable() -> Iterator[str]:
    rows = Acceptance.objects.filter(
        item__plan_line__isnull=False, item__plan_line__trigger_date__isnull=True
    ).values_list("item__project__contract__number", "item__name", "certificate_reference")
    for number, item, certificate in rows:
        yield (
            f"contract {number}: delivery milestone {item!r} accepted ({certificate}) but its payment "
            "milestone has no trigger date"
        )


def check_projects_deliver_signed_contracts() -> Iterator[str]:
    rows = DeliveryProject.objects.filter(contract__status__in=UNSIGNED).values_list(
        "pk", "contract__number", "contract__status"
    )
    for pk, number, status in rows:
        yield f"delivery project {pk}: its contract {number} is {status}, not signed"


register("delivery.accepted_milestones_billable", check_accepted_milestones_billable)
register("delivery.projects_deliver_signed_contracts", check_projects_deliver_signed_contracts)
