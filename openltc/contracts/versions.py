"""The content of a contract version as structured JSON, and the comparison of two versions
field by field and line by line. ``versions_diff`` is pure: it compares two snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from openltc.contracts.choices import ContractKind, LineKind, MilestoneKind, TriggerEvent

if TYPE_CHECKING:
    from openltc.contracts.models import Contract, ContractVersion

HEADER_FIELDS: dict[str, Promise] = {
    "title": _("Title"),
    "kind": _("Kind"),
    "parent": _("Frame contract"),
    "customer": _("Customer"),
    "opportunity": _("Opportunity"),
    "signing_entity": _("Signing entity"),
    "currency": _("Currency"),
    "org_unit": _("Org unit"),
    "owner": _("Owner (AR)"),
    "contract_manager": _("Contract manager"),
    "delivery_obligations": _("Delivery obligations"),
    "warranty_months": _("Warranty (months)"),
    "warranty_terms": _("Warranty terms"),
    "governing_terms": _("Governing terms"),
    "margin_percent": _("Estimated gross margin (%)"),
}
LINE_FIELDS: dict[str, Promise] = {
    "kind": _("Kind"),
    "description": _("Product or service"),
    "product_line": _("Product line"),
    "quantity": _("Quantity"),
    "unit": _("Unit"),
    "unit_price": _("Unit price"),
    "tax_rate": _("Tax rate (%)"),
    "net_amount": _("Net amount"),
    "tax_amount": _("Tax"),
    "gross_amount": _("Amount"),
}
MILESTONE_FIELDS: dict[str, Promise] = {
    "kind": _("Kind"),
    "name": _("Name"),
    "percentage": _("Percentage"),
    "fixed_amount": _("Fixed amount"),
    "amount": _("Amount"),
    "trigger_event": _("Trigger event"),
    "due_days": _("Due days"),
}
TOTAL_FIELDS: dict[str, Promise] = {"net": _("Total net"), "tax": _("Total tax"), "gross": _("Total")}
_CHOICES: dict[tuple[str, str], Any] = {
    ("header", "kind"): ContractKind,
    ("lines", "kind"): LineKind,
    ("milestones", "kind"): MilestoneKind,
    ("milestones", "trigger_event"): TriggerEvent,
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def header_content(contract: Contract) -> dict[str, str | None]:
    """The contract's header as display values (foreign keys by their name)."""
    return {
        "title": contract.title,
        "kind": contract.kind,
        "parent": contract.parent.number if contract.parent_id else None,  # type: ignore[union-attr]
        "customer": contract.customer.name,
        "opportunity": contract.opportunity.number if contract.opportunity_id else None,  # type: ignore[union-attr]
        "signing_entity": contract.signing_entity,
        "currency": contract.currency,
        "org_unit": contract.org_unit.name,
        "owner": str(contract.owner),
        "contract_manager": str(contract.contract_manager) if contract.contract_manager_id else None,
        "delivery_obligations": contract.delivery_obligations,
        "warranty_months": _text(contract.warranty_months),
        "warranty_terms": contract.warranty_terms,
        "governing_terms": contract.governing_terms,
        "margin_percent": _text(contract.margin_percent),
    }


def version_content(version: ContractVersion, contract: Contract | None = None) -> dict[str, Any]:
    """The structured content of a version: frozen versions from their snapshot, the draft live."""
    if version.is_frozen and version.snapshot:
        return dict(version.snapshot)
    contract = contract or version.contract
    lines = [
        {
            "position": line.position,
            "kind": line.kind,
            "description": line.description,
            "product_line": line.product_line.name if line.product_line_id else None,  # type: ignore[union-attr]
            "quantity": _text(line.quantity),
            "unit": line.unit,
            "unit_price": _text(line.unit_price),
            "tax_rate": _text(line.tax_rate),
            "net_amount": _text(line.net_amount),
            "tax_amount": _text(line.tax_amount),
            "gross_amount": _text(line.gross_amount),
        }
        for line in version.lines.select_related("product_line").order_by("position")
    ]
    milestones = [
        {
            "position": m.position,
            "kind": m.kind,
            "name": m.name,
            "percentage": _text(m.percentage),
            "fixed_amount": _text(m.fixed_amount),
            "amount": _text(m.amount),
            "trigger_event": m.trigger_event,
            "due_days": _text(m.due_days),
        }
        for m in version.milestones.order_by("position")
    ]
    return {
        "number": version.number,
        "header": header_content(contract),
        "lines": lines,
        "milestones": milestones,
        "totals": {
            "net": _text(version.total_net),
            "tax": _text(version.total_tax),
            "gross": _text(version.total_gross),
        },
    }


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str | Promise
    before: Any
    after: Any


@dataclass(frozen=True)
class RowChange:
    change: str  # "added" | "removed" | "changed" | "same"
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        row = self.after or self.before or {}
        return str(row.get("description") or row.get("name") or row.get("kind") or "")


@dataclass(frozen=True)
class VersionDiff:
    header: list[FieldChange]
    lines: list[RowChange]
    milestones: list[RowChange]
    totals: list[FieldChange]

    @property
    def has_changes(self) -> bool:
        return bool(
            self.header
            or self.totals
            or any(r.change != "same" for r in self.lines)
            or any(r.change != "same" for r in self.milestones)
        )


def display(section: str, name: str, value: Any) -> Any:
    """A stored code shown with its label (kinds, trigger events); other values unchanged."""
    choices = _CHOICES.get((section, name))
    if choices is not None and value in choices.values:
        return choices(value).label
    return value


def _fields(
    section: str, labels: dict[str, Promise], before: dict[str, Any], after: dict[str, Any]
) -> list[FieldChange]:
    return [
        FieldChange(
            name, label, display(section, name, before.get(name)), display(section, name, after.get(name))
        )
        for name, label in labels.items()
        if before.get(name) != after.get(name)
    ]


def _pair_rows(
    section: str, labels: dict[str, Promise], old: list[dict[str, Any]], new: list[dict[str, Any]], key: str
) -> list[RowChange]:
    """Rows paired by the same ``key`` value (description or name); rows without one pair by
    position. A row whose description changed shows as removed and added."""
    remaining_old = list(old)
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    unmatched_new: list[dict[str, Any]] = []
    for row in new:
        match = next((o for o in remaining_old if row.get(key) and o.get(key) == row.get(key)), None)
        if match is None:
            unmatched_new.append(row)
        else:
            remaining_old.remove(match)
            pairs.append((match, row))
    for row in unmatched_new:
        match = next(
            (
                o
                for o in remaining_old
                if o.get("position") == row.get("position") and not (o.get(key) and row.get(key))
            ),
            None,
        )
        if match is not None:
            remaining_old.remove(match)
        pairs.append((match, row))
    pairs.extend((o, None) for o in remaining_old)
    result: list[RowChange] = []
    for before, after in pairs:
        if before is None:
            result.append(RowChange("added", None, after))
        elif after is None:
            result.append(RowChange("removed", before, None))
        else:
            changes = _fields(section, labels, before, after)
            result.append(RowChange("changed" if changes else "same", before, after, changes))
    result.sort(key=lambda r: ((r.after or r.before or {}).get("position") or 0, r.change == "removed"))
    return result


def versions_diff(a: dict[str, Any], b: dict[str, Any]) -> VersionDiff:
    """What changed from content ``a`` to content ``b`` (both from :func:`version_content`)."""
    return VersionDiff(
        header=_fields("header", HEADER_FIELDS, a.get("header", {}), b.get("header", {})),
        lines=_pair_rows("lines", LINE_FIELDS, a.get("lines", []), b.get("lines", []), "description"),
        milestones=_pair_rows(
            "milestones", MILESTONE_FIELDS, a.get("milestones", []), b.get("milestones", []), "name"
        ),
        totals=_fields("totals", TOTAL_FIELDS, a.get("totals", {}), b.get("totals", {})),
    )
