"""The delegation matrix routes a case to the LOWEST level whose rule covers all its attributes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openltc.core.errors import DomainError
from openltc.decisions.models import DelegationRule
from openltc.decisions.routing import pick_rule, route, rule_covers
from openltc.decisions.subjects import DecisionAttributes
from openltc.org.roles import DecisionLevel

OFFICE, REGION, COMPANY = DecisionLevel.OFFICE, DecisionLevel.REGION, DecisionLevel.COMPANY


def attrs(
    amount: str | None = "1000000",
    currency: str = "CNY",
    grade: str | None = "C",
    margin: str | None = None,
    risk: str | None = None,
    unit=None,
) -> DecisionAttributes:  # noqa: ANN001
    return DecisionAttributes(
        amount=Decimal(amount) if amount is not None else None,
        currency=currency,
        grade=grade,
        margin_pct=Decimal(margin) if margin is not None else None,
        payment_risk=risk,
        org_unit=unit,
    )


# --- pure coverage -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "case", "covered"),
    [
        ({}, {}, True),
        ({"grade": "C"}, {"grade": "C"}, True),
        ({"grade": "C"}, {"grade": "B"}, False),
        ({"grade": "C"}, {"grade": None}, False),
        ({"amount_max": Decimal("100")}, {"amount": "100"}, True),
        ({"amount_max": Decimal("100")}, {"amount": "100.01"}, False),
        ({"amount_min": Decimal("100")}, {"amount": "99"}, False),
        ({"amount_max": Decimal("100")}, {"amount": None}, False),
        ({"margin_min": Decimal("20")}, {"margin": "25"}, True),
        ({"margin_min": Decimal("20")}, {"margin": "19.99"}, False),
        ({"margin_min": Decimal("20")}, {"margin": None}, False),
        ({"margin_max": Decimal("10")}, {"margin": "12"}, False),
        ({"payment_risk": "medium"}, {"risk": "low"}, True),
        ({"payment_risk": "medium"}, {"risk": "medium"}, True),
        ({"payment_risk": "medium"}, {"risk": "high"}, False),
        ({"payment_risk": "low"}, {"risk": None}, False),
        ({"gate": "ATB"}, {}, False),
        ({"is_active": False}, {}, False),
    ],
)
def test_rule_covers_every_attribute(rule: dict, case: dict, covered: bool) -> None:
    # given a rule for ATI with the bounds under test
    candidate = DelegationRule(**{"gate": "ATI", "level": OFFICE, **rule})
    # then it covers the case only when every attribute is inside its bounds
    amount = case.pop("amount", "50")
    assert (
        rule_covers(
            candidate,
            gate="ATI",
            attrs=attrs(**case),
            amount_reporting=Decimal(amount) if amount else None,
            unit_path="/HQ/",
        )
        is covered
    )


def test_pick_rule_takes_the_lowest_level_then_the_order() -> None:
    rules = [
        DelegationRule(gate="ATI", level=COMPANY, order=1),
        DelegationRule(gate="ATI", level=REGION, order=5, note="region"),
        DelegationRule(gate="ATI", level=REGION, order=2, note="region first"),
        DelegationRule(gate="ATI", level=OFFICE, order=1, amount_max=Decimal("10")),
    ]
    picked = pick_rule(rules, gate="ATI", attrs=attrs(), amount_reporting=Decimal("50"), unit_path="/HQ/")
    assert picked is not None
    assert picked.note == "region first"
    assert (
        pick_rule(rules, gate="ATI", attrs=attrs(), amount_reporting=Decimal("5"), unit_path="/HQ/").level
        == OFFICE
    )


# --- the default matrix (data migration) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "case", "level"),
    [
        ("ATI", {"grade": "C", "amount": "5000000"}, OFFICE),
        ("ATI", {"grade": "C", "amount": "10000000"}, OFFICE),
        ("ATI", {"grade": "C", "amount": "10000000.01"}, REGION),
        ("ATI", {"grade": "B", "amount": "5000000"}, REGION),
        ("ATI", {"grade": "B", "amount": "60000000"}, COMPANY),
        ("ATI", {"grade": "A", "amount": "1000"}, COMPANY),
        ("ATI", {"grade": None, "amount": "1000"}, COMPANY),
        ("ATI", {"grade": "C", "amount": "1000000", "currency": "USD"}, OFFICE),
        ("ATI", {"grade": "C", "amount": "2000000", "currency": "USD"}, REGION),
        ("ATC", {"grade": "B", "amount": "5000000", "margin": "30", "risk": "low"}, OFFICE),
        ("ATC", {"grade": "B", "amount": "5000000", "margin": "20", "risk": "low"}, REGION),
        ("ATC", {"grade": "B", "amount": "5000000", "margin": "30", "risk": "medium"}, REGION),
        ("ATC", {"grade": "A", "amount": "5000000", "margin": "30", "risk": "low"}, OFFICE),
        ("ATC", {"grade": "A", "amount": "5000000", "margin": None, "risk": None}, COMPANY),
        ("ATAC", {"grade": None, "amount": "800000", "margin": "16", "risk": "medium"}, OFFICE),
        ("ATAC", {"grade": None, "amount": "800000", "margin": "16", "risk": "high"}, REGION),
        ("ATAC", {"grade": None, "amount": "800000", "margin": "5", "risk": "low"}, COMPANY),
        ("ATCC", {"grade": None, "amount": "99000000"}, OFFICE),
    ],
)
def test_default_matrix_routes_to_the_lowest_covering_level(
    db, org, gate: str, case: dict, level: int
) -> None:  # noqa: ANN001
    result = route(gate, attrs(unit=org.sh_team, **case))
    assert result.level == level


def test_rule_scoped_to_a_region_covers_only_its_subtree(db, org) -> None:  # noqa: ANN001
    DelegationRule.objects.create(
        gate="ATI", grade="A", org_unit=org.east, level=REGION, order=1, note="east A"
    )
    assert route("ATI", attrs(grade="A", unit=org.sh_team)).level == REGION
    assert route("ATI", attrs(grade="A", unit=org.gz_team)).level == COMPANY


def test_no_covering_rule_goes_to_the_company_level(db, org) -> None:  # noqa: ANN001
    DelegationRule.objects.all().delete()
    result = route("ATI", attrs(unit=org.sh_team))
    assert result.level == COMPANY
    assert result.rule is None
    assert result.note == "No delegation rule covers this case; it goes to the company level."


def test_missing_exchange_rate_is_refused(db, org) -> None:  # noqa: ANN001
    with pytest.raises(
        DomainError, match="No exchange rate from XYZ to CNY is configured; ask an administrator to add one."
    ):
        route("ATI", attrs(currency="XYZ", unit=org.sh_team))


@settings(max_examples=60, deadline=None)
@given(
    a=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    b=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    grade=st.sampled_from(["A", "B", "C", None]),
    gate=st.sampled_from(["ATI", "ATB", "ATC", "ATAC", "ATCC"]),
)
def test_routing_is_monotonic_in_amount(a: Decimal, b: Decimal, grade: str | None, gate: str) -> None:
    # The default matrix: a larger amount never goes to a lower level (pure, no database).
    from openltc.decisions.migrations import __name__ as _pkg  # noqa: F401

    rules = _default_rules()
    low, high = sorted([a, b])

    def level(amount: Decimal) -> int:
        rule = pick_rule(
            rules,
            gate=gate,
            attrs=attrs(grade=grade, margin="20", risk="medium"),
            amount_reporting=amount,
            unit_path="/HQ/",
        )
        return rule.level if rule else COMPANY

    assert level(low) <= level(high)


def _default_rules() -> list[DelegationRule]:
    import importlib

    migration = importlib.import_module("openltc.decisions.migrations.0002_default_configuration")
    return [
        DelegationRule(
            gate=g, grade=gr, amount_max=amax, margin_min=mmin, payment_risk=risk, level=lvl, order=o, note=n
        )
        for g, gr, amax, mmin, risk, lvl, o, n in migration.RULES
    ]
