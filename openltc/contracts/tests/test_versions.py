"""versions_diff is pure: it compares two contents field by field and line by line."""

from __future__ import annotations

from openltc.contracts.versions import versions_diff


def content(**overrides):
    base = {
        "header": {"title": "A", "currency": "CNY", "kind": "standard"},
        "lines": [
            {"position": 1, "description": "Router", "quantity": "2.0000", "unit_price": "10.00"},
            {"position": 2, "description": "Install", "quantity": "1.0000", "unit_price": "5.00"},
        ],
        "milestones": [{"position": 1, "kind": "advance", "name": "Advance", "percentage": "100.0000"}],
        "totals": {"net": "25.00", "tax": "0.00", "gross": "25.00"},
    }
    base.update(overrides)
    return base


def test_same_content_has_no_changes():
    result = versions_diff(content(), content())
    assert not result.has_changes
    assert [r.change for r in result.lines] == ["same", "same"]


def test_header_fields_and_choice_labels():
    result = versions_diff(content(), content(header={"title": "B", "currency": "CNY", "kind": "frame"}))
    assert [(c.field, c.before, c.after) for c in result.header] == [
        ("title", "A", "B"),
        ("kind", "Standard contract", "Frame contract"),
    ]


def test_lines_added_removed_changed_matched_by_description():
    new_lines = [
        {"position": 1, "description": "Training", "quantity": "1.0000", "unit_price": "3.00"},
        {"position": 2, "description": "Router", "quantity": "3.0000", "unit_price": "10.00"},
    ]
    result = versions_diff(
        content(), content(lines=new_lines, totals={"net": "33.00", "tax": "0.00", "gross": "33.00"})
    )
    changes = sorted((r.label, r.change) for r in result.lines)
    assert changes == [("Install", "removed"), ("Router", "changed"), ("Training", "added")]
    router = next(r for r in result.lines if r.label == "Router")
    assert [(f.field, f.before, f.after) for f in router.fields] == [("quantity", "2.0000", "3.0000")]
    assert [(c.field, c.before, c.after) for c in result.totals] == [
        ("net", "25.00", "33.00"),
        ("gross", "25.00", "33.00"),
    ]


def test_unnamed_rows_pair_by_position():
    old = [{"position": 1, "kind": "advance", "name": "", "percentage": "50.0000"}]
    new = [{"position": 1, "kind": "advance", "name": "", "percentage": "60.0000"}]
    result = versions_diff(content(milestones=old), content(milestones=new))
    assert [r.change for r in result.milestones] == ["changed"]
