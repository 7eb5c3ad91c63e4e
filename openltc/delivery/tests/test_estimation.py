"""The estimation arithmetic and the workflow guards, without the database."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from openltc.delivery import estimation, workflow

D = Decimal


def test_pert_expected_sigma_and_path():
    a = estimation.pert(D(4), D(6), D(14))
    assert (a.expected, a.sigma) == (D("7.00"), D("1.67"))
    b = estimation.pert(D(2), D(4), D(6))
    total = estimation.path_total([a, b])
    assert total.expected == D("11.00")
    assert total.sigma == D("1.80")  # √(100/36 + 16/36)
    assert estimation.probability_within(total, D(11)) == D("50.0")
    assert estimation.probability_within(total, D("14.53")) == D("97.5")
    assert estimation.probability_within(estimation.path_total([]), D(0)) == D("100.0")


def test_three_point_rules():
    assert estimation.three_point_error(None, None, None) is None
    assert estimation.three_point_error(D(1), None, D(2)) == "incomplete"
    assert estimation.three_point_error(D(-1), D(1), D(2)) == "negative"
    assert estimation.three_point_error(D(3), D(2), D(4)) == "order"
    assert estimation.three_point_error(D(1), D(2), D(4)) is None


def test_cycles_and_longest_path():
    edges = {"b": ["a"], "c": ["b"]}  # b depends on a, c on b
    assert estimation.creates_cycle(edges, "a", ["c"]) is True
    assert estimation.creates_cycle(edges, "a", ["a"]) is True
    assert estimation.creates_cycle(edges, "d", ["c"]) is False
    durations = {"a": D(5), "b": D(1), "c": D(1), "x": D(6)}
    assert estimation.longest_path(durations, edges) == ["a", "b", "c"]


def test_delphi_round_and_convergence():
    first = estimation.delphi_round(1, [D(10), D(20), D(30)])
    assert first is not None
    assert (first.low, first.median, first.mean, first.high, first.spread_pct) == (
        D("10.00"),
        D("20.00"),
        D("20.00"),
        D("30.00"),
        D("100.00"),
    )
    second = estimation.delphi_round(2, [D(19), D(20), D(21)])
    assert estimation.converged(first, second, D(15)) is True
    wider = estimation.delphi_round(2, [D(5), D(20), D(40)])
    assert estimation.converged(first, wider, D(15)) is True  # no longer narrowing
    assert estimation.delphi_round(1, []) is None


def test_earned_value():
    today = datetime.date(2026, 1, 11)
    item = SimpleNamespace(
        planned_value=D(1000),
        progress=40,
        planned_start=datetime.date(2026, 1, 1),
        planned_finish=datetime.date(2026, 1, 21),
    )
    ev = estimation.earned_value([item], D(600), today)
    assert (ev.bac, ev.pv, ev.ev, ev.ac, ev.spi, ev.cpi, ev.eac) == (
        D("1000.00"),
        D("500.00"),
        D("400.00"),
        D("600.00"),
        D("0.80"),
        D("0.67"),
        D("1492.54"),
    )


def test_closure_guards_name_what_is_missing():
    project = SimpleNamespace(status="executing", number="DP-1")
    facts = workflow.Facts(milestones=2, unaccepted_milestones=("PAC", "FAC"), open_risks=2)
    assert workflow.closure_reasons(project, facts) == [  # type: ignore[arg-type]
        "Delivery milestones not accepted by the customer yet: PAC, FAC.",
        "2 risks are still open.",
        "The final accounts (决算) are not recorded.",
        "The delivery project DP-1 is not closed with its summary.",
    ]
    assert workflow.closure_reasons(None, None) == ["No delivery project was set up for this contract."]
    done = workflow.Facts(milestones=1, has_final_accounts=True, summary="ok")
    assert workflow.closure_reasons(SimpleNamespace(status="closed", number="DP-1"), done) == []  # type: ignore[arg-type]
