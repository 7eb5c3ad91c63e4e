"""Who sees which leads; the list filters and search; duplicates; scoring explanations; my work."""

from __future__ import annotations

from typing import Any

import pytest

from openltc.core.errors import NotFound
from openltc.leads import selectors, services
from openltc.leads.choices import StrategicFit
from openltc.leads.models import LeadScoringRule
from openltc.leads.scoring import explain
from openltc.leads.selectors import LeadFilters
from openltc.leads.tests.factories import make_lead


def visible(user: Any) -> set[str]:
    return set(selectors.leads_visible(user).values_list("title", flat=True))


def test_visibility_by_role(
    rep: Any, other_rep: Any, manager: Any, region_vp: Any, teammate: Any, org: Any
) -> None:
    make_lead(actor=rep, owner=rep, title="rep's")
    make_lead(actor=other_rep, owner=other_rep, title="other's")
    make_lead(actor=manager, org_unit=org.sh, title="SH pool")
    make_lead(actor=manager, org_unit=org.sh_team, title="SH team pool")
    make_lead(actor=None, org_unit=org.gz, title="GZ pool")
    assert visible(rep) == {"rep's", "SH pool", "SH team pool"}
    assert visible(other_rep) == {"other's", "GZ pool"}
    assert visible(manager) == {"rep's", "SH pool", "SH team pool"}
    assert visible(region_vp) == {"rep's", "SH pool", "SH team pool"}
    # a teammate (SR) sees the pool of the team, not the rep's own lead
    assert visible(teammate) == {"SH pool", "SH team pool"}


def test_get_for_user_hides_other_regions(rep: Any, other_rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    assert selectors.lead_get_for_user(user=rep, pk=lead.pk) == lead
    with pytest.raises(NotFound):
        selectors.lead_get_for_user(user=other_rep, pk=lead.pk)
    with pytest.raises(NotFound):
        selectors.lead_get_for_user(user=rep, pk="not-a-uuid")


def test_pool_leads_visible_but_not_changeable_by_rep(rep: Any, manager: Any, org: Any) -> None:
    lead = make_lead(actor=manager, org_unit=org.sh)
    assert selectors.leads_visible(rep).filter(pk=lead.pk).exists()
    assert not selectors.leads_visible(rep, "change").filter(pk=lead.pk).exists()
    assert selectors.leads_visible(manager, "change").filter(pk=lead.pk).exists()


def test_search_and_filters(rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Alpha", contact_phone="+86 138 0000 1111", maturity="hot")
    make_lead(actor=rep, owner=rep, title="Beta", contact_email="zhang@beta.test", company_name="Beta Corp")
    make_lead(actor=rep, title="Gamma")

    def titles(**kw: Any) -> list[str]:
        return sorted(lead.title for lead in selectors.lead_list(user=rep, filters=LeadFilters(**kw)))

    assert titles(q="0000 11") == ["Alpha"]
    assert titles(q="zhang@") == ["Beta"]
    assert titles(q="beta corp") == ["Beta"]
    assert titles(maturity="hot") == ["Alpha"]
    assert titles(owner="none") == ["Gamma"]
    assert titles(owner="me") == ["Alpha", "Beta"]
    assert [lead.title for lead in selectors.lead_list(user=rep, filters=LeadFilters(sort="title"))] == [
        "Alpha",
        "Beta",
        "Gamma",
    ]


def test_scoring_explanation_lists_rule_points(rep: Any) -> None:
    LeadScoringRule.objects.create(factor="source", value="exhibition", points=7, order=99)
    lead = make_lead(actor=rep, owner=rep, source="exhibition", estimated_value=2_000_000)
    lead = services.lead_validate(actor=rep, lead=lead, strategic_fit=StrategicFit.FIT, maturity="hot")
    rows = [(row["text"], row["points"]) for row in explain(lead)]
    assert rows == [
        ("Maturity is Hot", 30),
        ("The lead fits our strategy", 20),
        ("Estimated value is at least 1000000", 10),
        ("Source channel is Exhibition", 7),
    ]
    assert lead.score == 67


def test_inactive_scoring_rule_gives_nothing(rep: Any) -> None:
    LeadScoringRule.objects.filter(factor="maturity").update(is_active=False)
    lead = make_lead(actor=rep, owner=rep, maturity="hot")
    assert lead.score == 0
    assert lead.score_explanation == []


def test_duplicates_found_by_customer_contact_and_lead(rep: Any, org: Any) -> None:
    from openltc.customers.tests.factories import make_contact, make_customer

    customer = make_customer(actor=rep, org_unit=org.sh_team, name="Acme Shanghai Co., Ltd.")
    make_contact(customer=customer, name="Li", phone="138-0000-2222")
    make_lead(actor=rep, owner=rep, title="Earlier", contact_email="li@acme.test")
    lead = make_lead(
        actor=rep,
        owner=rep,
        company_name="ACME Shanghai",
        contact_phone="+86 13800002222",
        contact_email="li@acme.test",
    )
    hits = {(h["kind"], h["match"]) for h in selectors.lead_find_duplicates(lead)}
    assert ("customer", "company") in hits
    assert ("lead", "email") in hits


def test_my_work_items(rep: Any, manager: Any, org: Any) -> None:
    import datetime

    from django.utils import timezone

    from openltc.leads.models import Lead

    lead = make_lead(actor=rep, owner=rep)
    Lead.objects.filter(pk=lead.pk).update(first_contact_due_at=timezone.now() - datetime.timedelta(hours=1))
    make_lead(actor=manager, org_unit=org.sh)
    items = {str(i.label): (i.count, i.urgent) for i in selectors.my_work(rep)}
    assert items["Leads awaiting first contact"] == (1, True)
    assert items["Leads overdue for first contact"] == (1, True)
    manager_items = {str(i.label): i.count for i in selectors.my_work(manager)}
    assert manager_items["Leads to distribute"] == 1
