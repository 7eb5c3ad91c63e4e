"""Demo data of the decision engine: decision bodies for the demo organisation."""

from __future__ import annotations

from typing import Any


def build(*, stdout: Any) -> None:
    from openltc.decisions.models import DecisionBody
    from openltc.org.models import OrgUnit
    from openltc.org.roles import DecisionLevel

    if DecisionBody.objects.exists():
        return
    kinds: dict[str, int] = {
        OrgUnit.Kind.OFFICE: DecisionLevel.OFFICE,
        OrgUnit.Kind.REGION: DecisionLevel.REGION,
        OrgUnit.Kind.COMPANY: DecisionLevel.COMPANY,
    }
    bodies = []
    for unit in OrgUnit.objects.filter(kind__in=list(kinds), is_active=True):
        level = kinds[unit.kind]
        bodies.append(
            DecisionBody(
                name=f"{unit.name} SDT", level=level, org_unit=unit, quorum_rule="single", min_votes=1
            )
        )
    DecisionBody.objects.bulk_create(bodies)
    stdout.write(f"decisions: {len(bodies)} decision bodies\n")
