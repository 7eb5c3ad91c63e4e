"""The contract's own ATCC closure conditions (registered in ``apps.py`` through ``closure.py``):
the current version is archived, no change request is open, and no condition of a decision on
the contract or its change requests (ATC, ATAC) is still open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.contracts import closure
from openltc.contracts.choices import OPEN_CHANGE_STATUSES, VersionStatus

if TYPE_CHECKING:
    from openltc.contracts.models import Contract


def version_archived(contract: Contract) -> list[str]:
    version = contract.current_version
    if version is None or version.status != VersionStatus.ARCHIVED:
        number = version.number if version is not None else "—"
        return [
            _("The current version %(number)s is not archived; file the signed original first.")
            % {"number": number}
        ]
    return []


def no_open_change(contract: Contract) -> list[str]:
    return [
        _("Change request %(number)s is still open (%(status)s).")
        % {"number": change.number, "status": change.get_status_display()}
        for change in contract.changes.filter(status__in=OPEN_CHANGE_STATUSES)
    ]


def decision_conditions_closed(contract: Contract) -> list[str]:
    try:
        from openltc.decisions.selectors import open_conditions
    except (ImportError, RuntimeError, LookupError):
        return []
    reasons = []
    for subject in [contract, *contract.changes.all()]:
        for condition in open_conditions(subject):
            reasons.append(
                _("The %(gate)s condition “%(text)s” (owner %(owner)s) is still open.")
                % {"gate": condition.case.gate, "text": condition.text, "owner": condition.owner}
            )
    return reasons


def register() -> None:
    closure.register(
        "contracts.version_archived",
        gettext_lazy("The current version is archived"),
        version_archived,
        order=10,
    )
    closure.register(
        "contracts.no_open_change", gettext_lazy("No change request is open"), no_open_change, order=20
    )
    closure.register(
        "contracts.decision_conditions",
        gettext_lazy("The conditions of the ATC and ATAC decisions are closed"),
        decision_conditions_closed,
        order=30,
    )
