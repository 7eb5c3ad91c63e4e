"""Data for the buying-organisation map (客户采购组织内部关系分析图), drawn by ECharts in
``static/openltc/js/customers.js``. Contacts are laid out in three rows by management level;
colour shows stance, size shows influence, a ★ marks coaches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from openltc.customers.choices import ManagementLevel, RelationshipKind
from openltc.customers.models import Contact, ContactRelationship

# Stance −3 … +3: red (opponent) through grey (neutral) to green (supporter).
STANCE_COLOURS = {
    -3: "#b71c1c",
    -2: "#e53935",
    -1: "#ef9a9a",
    0: "#9e9e9e",
    1: "#a5d6a7",
    2: "#43a047",
    3: "#1b5e20",
}
INFLUENCE_SIZES = {"high": 64, "medium": 46, "low": 32}
EDGE_STYLES = {
    "reports_line": {"type": "solid", "color": "#37474f", "width": 2, "curveness": 0},
    RelationshipKind.REPORTS_TO: {"type": "dashed", "color": "#37474f", "width": 1.5, "curveness": 0.1},
    RelationshipKind.INFLUENCES: {"type": "dotted", "color": "#1565c0", "width": 2, "curveness": 0.25},
    RelationshipKind.ALLIED: {"type": "solid", "color": "#2e7d32", "width": 1.5, "curveness": -0.25},
    RelationshipKind.RIVAL: {"type": "solid", "color": "#c62828", "width": 2.5, "curveness": 0.4},
}
LEVELS = [ManagementLevel.DECISION, ManagementLevel.MANAGEMENT, ManagementLevel.OPERATION]
WIDTH = 900
LABEL_WIDTH = 120
ROW_HEIGHT = 160


def _stance_label(stance: int) -> str:
    return f"{stance:+d}" if stance else "0"


def _frame_node(node_id: str, label: str, x: int, y: int) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": label,
        "x": x,
        "y": y,
        "frame": True,
        "symbolSize": 0,
        "tooltip": {"show": False},
        "label": {"show": bool(label), "position": "right", "fontWeight": "bold", "color": "#455a64"},
    }


def org_map_data(contacts: Iterable[Contact], edges: Iterable[ContactRelationship]) -> dict[str, Any]:
    people = [c for c in contacts if c.merged_into_id is None]
    ids = {str(c.pk) for c in people}
    by_level: dict[str, list[Contact]] = {level: [] for level in LEVELS}
    for contact in people:
        by_level.setdefault(contact.management_level, []).append(contact)
    nodes: list[dict[str, Any]] = []
    for row, level in enumerate(LEVELS):
        # A fixed row title at the left and an invisible point at the right keep the three rows
        # and the chart's extent stable however few people a row has.
        nodes.append(_frame_node(f"row-{row}", str(ManagementLevel(level).label), 0, row * ROW_HEIGHT))
        nodes.append(_frame_node(f"edge-{row}", "", WIDTH + LABEL_WIDTH, row * ROW_HEIGHT))
        row_people = by_level.get(level, [])
        step = WIDTH / (len(row_people) + 1)
        for i, contact in enumerate(row_people, start=1):
            nodes.append(
                {
                    "id": str(contact.pk),
                    "name": contact.name + (" ★" if contact.is_coach else ""),
                    "category": row,
                    "x": LABEL_WIDTH + round(step * i),
                    "y": row * ROW_HEIGHT,
                    "symbolSize": INFLUENCE_SIZES.get(contact.influence, 46),
                    "itemStyle": {
                        "color": STANCE_COLOURS.get(contact.stance, "#9e9e9e"),
                        "borderColor": "#f9a825" if contact.is_coach else "#ffffff",
                        "borderWidth": 4 if contact.is_coach else 1,
                    },
                    "title": contact.title,
                    "stance": _stance_label(contact.stance),
                    "influence": str(contact.get_influence_display()),
                    "roles": ", ".join(contact.buying_role_labels()),
                    "coach": ", ".join(contact.coach_function_labels()) if contact.is_coach else "",
                    "editUrl": reverse("customers:contact_stance", args=[contact.pk]),
                }
            )
    links: list[dict[str, Any]] = []
    for contact in people:
        if contact.reports_to_id and str(contact.reports_to_id) in ids:
            links.append(
                {
                    "source": str(contact.pk),
                    "target": str(contact.reports_to_id),
                    "kind": "reports_line",
                    "label": _("reports to"),
                    "lineStyle": EDGE_STYLES["reports_line"],
                }
            )
    kind_labels = dict(RelationshipKind.choices)
    for edge in edges:
        if str(edge.source_id) in ids and str(edge.target_id) in ids:
            links.append(
                {
                    "source": str(edge.source_id),
                    "target": str(edge.target_id),
                    "kind": edge.kind,
                    "label": str(kind_labels.get(edge.kind, edge.kind)),
                    "lineStyle": EDGE_STYLES.get(edge.kind, EDGE_STYLES[RelationshipKind.INFLUENCES]),
                }
            )
    return {
        "categories": [{"name": str(ManagementLevel(level).label)} for level in LEVELS],
        "nodes": nodes,
        "links": links,
        "labels": {
            "stance": _("Stance"),
            "influence": _("Influence"),
            "roles": _("Buying roles"),
            "coach": _("Coach"),
            "edit": _("Click a person to edit stance and influence."),
        },
    }
