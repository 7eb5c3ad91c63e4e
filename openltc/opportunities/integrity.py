"""Opportunity invariants for ``openltc check-integrity`` (read-only, a few queries): no open or
won opportunity stands past ATI, ATB or ATC without an approved decision for that gate."""

from __future__ import annotations

from collections.abc import Iterator

from openltc.core.integrity import register
from openltc.decisions.selectors import approved_subject_ids
from openltc.opportunities.choices import Stage
from openltc.opportunities.models import Opportunity

# The gates an opportunity in each stage has crossed (lost and abandoned ones keep their past
# but are not checked here: the stage they were lost from is in their stage history).
GATES_BEHIND: dict[str, tuple[str, ...]] = {
    Stage.INITIATED: ("ATI",),
    Stage.GUIDING: ("ATI",),
    Stage.BIDDING: ("ATI",),
    Stage.NEGOTIATING: ("ATI", "ATB"),
    Stage.WON: ("ATI", "ATB", "ATC"),
}


def check_opportunity_gates() -> Iterator[str]:
    approved = {gate: approved_subject_ids(Opportunity, gate) for gate in ("ATI", "ATB", "ATC")}
    rows = Opportunity.objects.filter(stage__in=list(GATES_BEHIND)).values_list("pk", "number", "stage")
    for pk, number, stage in rows:
        for gate in GATES_BEHIND[stage]:
            if str(pk) not in approved[gate]:
                yield f"opportunity {number}: {stage} without an approved {gate} decision"


register("opportunities.gates_passed", check_opportunity_gates)
