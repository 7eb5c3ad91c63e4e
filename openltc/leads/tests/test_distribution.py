"""Distribution rules (分发线索): each rule type, order, capacity, round-robin."""

from __future__ import annotations

from typing import Any

import pytest

from openltc.core.errors import DomainError
from openltc.core.models import AuditEvent
from openltc.leads import services
from openltc.leads.choices import DistributionKind
from openltc.leads.distribution import find_assignee
from openltc.leads.models import DistributionRule, RepCapacity
from openltc.leads.tests.factories import make_lead
from openltc.org.models import Country, Market, ProductLine


@pytest.fixture
def geo(db: Any) -> dict[str, Any]:
    apac = Market.objects.create(code="APAC", name="Asia Pacific")
    return {
        "apac": apac,
        "sg": Country.objects.create(code="SG", name="Singapore", market=apac),
        "cn": Country.objects.create(code="CN", name="China"),
        "cloud": ProductLine.objects.create(code="CLOUD", name="Cloud"),
        "net": ProductLine.objects.create(code="NET", name="Network"),
    }


def pool_lead(manager: Any, org: Any, **data: Any) -> Any:
    return make_lead(actor=manager, org_unit=org.sh, **data)


def test_region_rule_by_market(manager: Any, org: Any, rep: Any, geo: dict[str, Any]) -> None:
    rule = DistributionRule.objects.create(name="APAC", order=1, kind=DistributionKind.REGION)
    rule.markets.add(geo["apac"])
    rule.candidates.add(rep)
    assert find_assignee(pool_lead(manager, org, country=geo["cn"])) is None
    match = find_assignee(pool_lead(manager, org, country=geo["sg"]))
    assert match is not None
    assert (match.rule, match.user) == (rule, rep)


def test_region_rule_by_country(manager: Any, org: Any, rep: Any, geo: dict[str, Any]) -> None:
    rule = DistributionRule.objects.create(name="China", order=1, kind=DistributionKind.REGION)
    rule.countries.add(geo["cn"])
    rule.candidates.add(rep)
    match = find_assignee(pool_lead(manager, org, country=geo["cn"]))
    assert match is not None
    assert match.user == rep


def test_product_line_rule_round_robin(
    manager: Any, org: Any, rep: Any, teammate: Any, geo: dict[str, Any]
) -> None:
    rule = DistributionRule.objects.create(name="Cloud", order=1, kind=DistributionKind.PRODUCT_LINE)
    rule.product_lines.add(geo["cloud"])
    rule.candidates.add(rep, teammate)
    for user in (rep, teammate):
        RepCapacity.objects.create(user=user, capacity=10)
    owners = [
        services.lead_distribute(actor=manager, lead=pool_lead(manager, org, product_line=geo["cloud"])).owner
        for _ in range(4)
    ]
    assert owners == [rep, teammate, rep, teammate]
    assert find_assignee(pool_lead(manager, org, product_line=geo["net"])) is None


def test_existing_customer_goes_to_its_ar(manager: Any, org: Any, other_rep: Any, rep: Any) -> None:
    from openltc.customers.tests.factories import make_customer

    customer = make_customer(actor=rep, org_unit=org.sh_team, owner=rep, name="Old friend")
    DistributionRule.objects.create(name="Existing", order=1, kind=DistributionKind.EXISTING_CUSTOMER)
    match = find_assignee(pool_lead(manager, org, customer=customer, company_name=""))
    assert match is not None
    assert match.user == rep
    assert find_assignee(pool_lead(manager, org)) is None


def test_capability_rule_skills_capacity_and_turns(
    manager: Any, org: Any, rep: Any, teammate: Any, geo: dict[str, Any]
) -> None:
    DistributionRule.objects.create(name="Capability", order=1, kind=DistributionKind.CAPABILITY)
    skilled = RepCapacity.objects.create(user=rep, capacity=1)
    skilled.skills.add(geo["cloud"])
    other = RepCapacity.objects.create(user=teammate, capacity=5)
    other.skills.add(geo["net"])
    first = services.lead_distribute(actor=manager, lead=pool_lead(manager, org, product_line=geo["cloud"]))
    assert first.owner == rep
    # rep is now at capacity (1 open lead): nobody else has the cloud skill
    assert find_assignee(pool_lead(manager, org, product_line=geo["cloud"])) is None
    match = find_assignee(pool_lead(manager, org, product_line=geo["net"]))
    assert match is not None
    assert match.user == teammate


def test_first_matching_rule_wins_and_sla_override(
    manager: Any, org: Any, rep: Any, teammate: Any, geo: dict[str, Any]
) -> None:
    first = DistributionRule.objects.create(
        name="First", order=1, kind=DistributionKind.REGION, first_contact_sla_hours=4
    )
    first.countries.add(geo["cn"])
    first.candidates.add(teammate)
    second = DistributionRule.objects.create(name="Second", order=2, kind=DistributionKind.PRODUCT_LINE)
    second.product_lines.add(geo["cloud"])
    second.candidates.add(rep)
    lead = services.lead_distribute(
        actor=manager, lead=pool_lead(manager, org, country=geo["cn"], product_line=geo["cloud"])
    )
    assert lead.owner == teammate
    assert (lead.first_contact_due_at - lead.assigned_at).total_seconds() == 4 * 3600
    assert AuditEvent.objects.filter(action="lead.distributed").get().message == "Rule “First”"
    first.is_active = False
    first.save()
    lead2 = services.lead_distribute(
        actor=manager, lead=pool_lead(manager, org, country=geo["cn"], product_line=geo["cloud"])
    )
    assert lead2.owner == rep


def test_scope_unit_limits_rule(manager: Any, org: Any, rep: Any, geo: dict[str, Any]) -> None:
    rule = DistributionRule.objects.create(
        name="South only", order=1, kind=DistributionKind.REGION, scope_unit=org.south
    )
    rule.countries.add(geo["cn"])
    rule.candidates.add(rep)
    assert find_assignee(pool_lead(manager, org, country=geo["cn"])) is None


def test_no_rule_matches_message(manager: Any, org: Any) -> None:
    with pytest.raises(DomainError) as exc:
        services.lead_distribute(actor=manager, lead=pool_lead(manager, org))
    assert exc.value.message == "No distribution rule matched this lead; assign it by hand."
