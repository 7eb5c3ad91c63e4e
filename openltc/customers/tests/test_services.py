import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from openltc.core.errors import Conflict, DomainError, Forbidden
from openltc.core.models import AuditEvent
from openltc.customers import services
from openltc.customers.choices import PlanStatus, RelationshipKind
from openltc.customers.models import (
    Contact,
    ContactRelationship,
    CreditRating,
    Customer,
    CustomerTier,
    RelationshipAction,
    RelationshipPlan,
    RelationshipStage,
    SatisfactionSurvey,
)
from openltc.customers.normalize import normalize_company_name, phone_digits
from openltc.customers.tests.factories import make_contact, make_customer

pytestmark = pytest.mark.django_db

USCC = "91310000MA1FL4XX3T"


def events(obj, action):
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(type(obj)), subject_id=str(obj.pk), action=action
    )


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("上海电力股份有限公司", "上海电力"),
        ("上海 电力 集团", "上海电力"),
        ("ACME Co., Ltd.", "acme"),
        ("Acme Inc.", "acme"),
        ("Zinc", "zinc"),
        ("  Foo-Bar  GmbH ", "foobar"),
        ("集团", "集团"),
    ],
)
def test_normalize_company_name(raw, expected):
    assert normalize_company_name(raw) == expected


def test_phone_digits_drops_china_country_code():
    assert phone_digits("+86 138-0000-1111") == "13800001111"
    assert phone_digits("(021) 5555 1234") == "02155551234"


# ---------------------------------------------------------------- create / update


def test_customer_create_defaults_owner_and_unit_and_audits(org, rep):
    customer = services.customer_create(
        actor=rep, data={"name": "上海电力股份有限公司", "tax_id": USCC.lower(), "phone": "+86 21 5555 0001"}
    )
    assert customer.owner == rep
    assert customer.org_unit == org.sh_team
    assert customer.normalized_name == "上海电力"
    assert customer.tax_id == USCC
    assert customer.phone_digits == "2155550001"
    event = events(customer, "customer.created").get()
    assert event.actor == rep
    assert event.after["tax_id"] == USCC


def test_customer_blank_tax_id_is_stored_as_null(org, rep):
    a = services.customer_create(actor=rep, data={"name": "A", "tax_id": "  "})
    b = services.customer_create(actor=rep, data={"name": "B", "tax_id": ""})
    assert a.tax_id is None
    assert b.tax_id is None


@pytest.mark.parametrize("bad", ["91310000MA1FL4XXOT", "12", "ab!cd#ef"])
def test_customer_refuses_invalid_tax_id(org, rep, bad):
    with pytest.raises(DomainError) as exc:
        services.customer_create(actor=rep, data={"name": "A", "tax_id": bad})
    assert "tax_id" in exc.value.field_errors
    assert not Customer.objects.exists()


def test_customer_accepts_generic_tax_id(org, rep):
    customer = services.customer_create(actor=rep, data={"name": "A", "tax_id": "DE 123456789"})
    assert customer.tax_id == "DE 123456789"


def test_customer_refuses_duplicate_tax_id(org, rep):
    services.customer_create(actor=rep, data={"name": "A", "tax_id": USCC})
    with pytest.raises(DomainError) as exc:
        services.customer_create(actor=rep, data={"name": "B", "tax_id": USCC})
    assert exc.value.message == (
        "Another customer already has this tax id. Open the duplicate check to merge them."
    )
    assert Customer.objects.count() == 1


def test_customer_create_refuses_foreign_unit_for_rep(org, rep, other_rep):
    with pytest.raises(Forbidden, match="You may not create customers for this org unit and owner."):
        services.customer_create(actor=rep, data={"name": "A", "org_unit": org.gz, "owner": other_rep})
    assert not Customer.objects.exists()


def test_customer_create_refuses_unknown_fields(org, rep):
    with pytest.raises(DomainError, match="These fields cannot be set here: merged_into."):
        services.customer_create(actor=rep, data={"name": "A", "merged_into": None})


def test_credit_limit_needs_currency(org, rep):
    with pytest.raises(DomainError) as exc:
        services.customer_create(actor=rep, data={"name": "A", "credit_limit": Decimal("1000")})
    assert exc.value.field_errors["credit_currency"] == ["Give the currency of the credit limit."]


def test_customer_update_changes_audits_and_bumps_version(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    tier = CustomerTier.objects.get(code="vip")
    rating = CreditRating.objects.get(code="AA")
    updated = services.customer_update(
        actor=rep,
        customer=customer,
        data={
            "name": "Acme Group",
            "tier": tier,
            "credit_rating": rating,
            "credit_limit": Decimal("5e6"),
            "credit_currency": "cny",
        },
        expected_version=1,
    )
    assert updated.lock_version == 2
    assert updated.credit_currency == "CNY"
    assert updated.normalized_name == "acme"
    event = events(customer, "customer.updated").get()
    assert event.before["name"] == "Acme"
    assert event.after["tier"] == tier.pk


def test_customer_update_without_change_writes_nothing(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    services.customer_update(actor=rep, customer=customer, data={"name": "Acme"})
    assert not events(customer, "customer.updated").exists()
    customer.refresh_from_db()
    assert customer.lock_version == 1


def test_customer_update_refuses_stale_version(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    services.customer_update(actor=rep, customer=customer, data={"name": "B"})
    with pytest.raises(Conflict, match="changed by someone else"):
        services.customer_update(actor=rep, customer=customer, data={"name": "C"}, expected_version=1)


def test_customer_update_refused_for_other_rep(org, rep, other_rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    with pytest.raises(Forbidden, match="You may not change this customer."):
        services.customer_update(actor=other_rep, customer=customer, data={"name": "X"})


def test_customer_parent_cycle_refused(org, rep):
    group = make_customer(actor=rep, org_unit=org.sh_team, name="Group")
    sub = make_customer(actor=rep, org_unit=org.sh_team, name="Sub", parent=group)
    with pytest.raises(DomainError) as exc:
        services.customer_update(actor=rep, customer=group, data={"parent": sub})
    assert exc.value.field_errors["parent"] == [
        "The parent company cannot be this customer or one of its subsidiaries."
    ]


def test_contact_create_validates_roles_and_coach(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    contact = services.contact_create(
        actor=rep,
        customer=customer,
        data={
            "name": "Li Si",
            "email": "Li.Si@Acme.CN",
            "phone": "+86 138 0000 1111",
            "buying_roles": ["technical", "economic"],
            "is_coach": True,
            "coach_functions": ["strategy_advice", "tip_off"],
            "stance": 2,
        },
    )
    assert contact.email == "li.si@acme.cn"
    assert contact.phone_digits == "13800001111"
    assert contact.buying_roles == ["economic", "technical"]
    assert contact.coach_functions == ["tip_off", "strategy_advice"]
    assert events(contact, "contact.created").exists()

    with pytest.raises(DomainError) as exc:
        services.contact_create(actor=rep, customer=customer, data={"name": "X", "buying_roles": ["boss"]})
    assert exc.value.field_errors["buying_roles"] == ["Unknown buying role."]
    with pytest.raises(DomainError) as exc:
        services.contact_create(
            actor=rep, customer=customer, data={"name": "X", "coach_functions": ["tip_off"]}
        )
    assert exc.value.field_errors["coach_functions"] == ["Only a coach has coach functions."]
    with pytest.raises(DomainError) as exc:
        services.contact_create(actor=rep, customer=customer, data={"name": "X", "stance": 4})
    assert "stance" in exc.value.field_errors


def test_contact_reports_to_must_be_same_customer_and_acyclic(org, rep):
    a = make_customer(actor=rep, org_unit=org.sh_team, name="A")
    b = make_customer(actor=rep, org_unit=org.sh_team, name="B")
    boss = make_contact(customer=a, name="Boss")
    stranger = make_contact(customer=b, name="Stranger")
    with pytest.raises(DomainError) as exc:
        services.contact_create(actor=rep, customer=a, data={"name": "X", "reports_to": stranger})
    assert exc.value.field_errors["reports_to"] == ["The manager must be a contact of the same customer."]
    worker = services.contact_create(actor=rep, customer=a, data={"name": "W", "reports_to": boss})
    with pytest.raises(DomainError, match="This would make a reporting loop."):
        services.contact_update(actor=rep, contact=boss, data={"reports_to": worker})


def test_contact_update_audits(org, rep):
    contact = make_contact(customer=make_customer(actor=rep, org_unit=org.sh_team))
    services.contact_update(actor=rep, contact=contact, data={"stance": -2, "influence": "high"})
    event = events(contact, "contact.updated").get()
    assert event.before == {"stance": 0, "influence": "medium"}
    assert event.after == {"stance": -2, "influence": "high"}


def test_contact_update_refused_for_other_rep(org, rep, other_rep):
    contact = make_contact(customer=make_customer(actor=rep, org_unit=org.sh_team))
    with pytest.raises(Forbidden, match="You may not change this contact."):
        services.contact_update(actor=other_rep, contact=contact, data={"stance": 3})


# ---------------------------------------------------------------- map, plans, surveys


def test_relationship_edges(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    other = make_customer(actor=rep, org_unit=org.sh_team, name="Other")
    a, b = make_contact(customer=customer, name="A"), make_contact(customer=customer, name="B")
    edge = services.contact_relationship_create(
        actor=rep, customer=customer, source=a, target=b, kind=RelationshipKind.INFLUENCES
    )
    assert events(customer, "contact_relationship.created").exists()
    with pytest.raises(DomainError, match="This relationship is already on the map."):
        services.contact_relationship_create(
            actor=rep, customer=customer, source=a, target=b, kind=RelationshipKind.INFLUENCES
        )
    with pytest.raises(DomainError, match="A relationship needs two different people."):
        services.contact_relationship_create(actor=rep, customer=customer, source=a, target=a, kind="allied")
    with pytest.raises(DomainError, match="Both people must be contacts of this customer."):
        services.contact_relationship_create(
            actor=rep, customer=customer, source=a, target=make_contact(customer=other), kind="allied"
        )
    services.contact_relationship_delete(actor=rep, relationship=edge)
    assert not ContactRelationship.objects.exists()
    assert events(customer, "contact_relationship.deleted").exists()


def test_relationship_plan_and_actions(org, rep):
    contact = make_contact(customer=make_customer(actor=rep, org_unit=org.sh_team))
    stage = RelationshipStage.objects.get(code="trusted")
    plan = services.relationship_plan_create(
        actor=rep, contact=contact, data={"objective": "Win trust", "target_stage": stage}
    )
    assert plan.owner == rep
    assert plan.status == PlanStatus.PLANNED
    action = services.relationship_action_create(
        actor=rep, plan=plan, data={"title": "Site visit", "due_date": datetime.date(2026, 1, 1)}
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.IN_PROGRESS
    services.relationship_action_complete(actor=rep, action=action, outcome="Went well")
    assert RelationshipAction.objects.get().status == "done"
    with pytest.raises(Conflict, match="This action is already closed."):
        services.relationship_action_complete(actor=rep, action=action)
    services.relationship_plan_update(actor=rep, plan=plan, data={"status": PlanStatus.ACHIEVED})
    with pytest.raises(Conflict, match="This plan is closed; reopen it before adding actions."):
        services.relationship_action_create(actor=rep, plan=plan, data={"title": "More"})
    assert events(plan, "relationship_plan.updated").exists()


def test_satisfaction_survey_score_range(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    services.satisfaction_survey_create(
        actor=rep, customer=customer, surveyed_on=datetime.date(2026, 5, 1), score=8
    )
    with pytest.raises(DomainError) as exc:
        services.satisfaction_survey_create(
            actor=rep, customer=customer, surveyed_on=datetime.date(2026, 5, 1), score=11
        )
    assert "score" in exc.value.field_errors
    assert SatisfactionSurvey.objects.count() == 1


# ---------------------------------------------------------------- merge


def test_customer_merge_moves_every_link_and_keeps_history(org, rep, manager):
    keep = make_customer(actor=rep, org_unit=org.sh_team, name="Acme Ltd")
    merge = make_customer(
        actor=rep, org_unit=org.sh_team, name="ACME Co., Ltd.", tax_id=USCC, website="https://acme.example"
    )
    sub = make_customer(actor=rep, org_unit=org.sh_team, name="Acme Sub", parent=merge)
    a = make_contact(customer=merge, name="A")
    b = make_contact(customer=merge, name="B")
    services.contact_relationship_create(actor=rep, customer=merge, source=a, target=b, kind="allied")
    services.satisfaction_survey_create(
        actor=rep, customer=merge, surveyed_on=datetime.date(2026, 1, 1), score=7
    )

    kept = services.customer_merge(actor=manager, keep=keep, merge=merge)

    merge.refresh_from_db()
    sub.refresh_from_db()
    assert merge.merged_into == kept
    assert merge.merged_at is not None
    assert kept.tax_id == USCC
    assert merge.tax_id is None
    assert kept.website == "https://acme.example"
    assert set(kept.contacts.values_list("name", flat=True)) == {"A", "B"}
    assert kept.contact_relationships.count() == 1
    assert kept.satisfaction_surveys.count() == 1
    assert sub.parent == kept
    event = events(kept, "customer.merged").get()
    assert event.actor == manager
    assert event.after["moved"]["customers.Contact.customer"] == 2
    assert events(merge, "customer.merged_into").exists()
    assert events(merge, "customer.created").exists()  # the merged record's history stays
    assert merge.history.count() >= 2


def test_customer_merge_refusals(org, rep, other_rep, manager):
    keep = make_customer(actor=rep, org_unit=org.sh_team, name="A")
    merge = make_customer(actor=rep, org_unit=org.sh_team, name="B")
    with pytest.raises(DomainError, match="A customer cannot be merged into itself."):
        services.customer_merge(actor=manager, keep=keep, merge=keep)
    with pytest.raises(Forbidden, match="You may not merge customers you cannot manage."):
        services.customer_merge(actor=other_rep, keep=keep, merge=merge)
    services.customer_merge(actor=manager, keep=keep, merge=merge)
    with pytest.raises(Conflict, match="was merged into another record and can no longer be changed."):
        services.customer_merge(actor=manager, keep=keep, merge=merge)
    with pytest.raises(Conflict):
        services.customer_update(actor=manager, customer=merge, data={"name": "Z"})


def test_customer_merge_when_keep_is_subsidiary_of_merge(org, rep):
    merge = make_customer(actor=rep, org_unit=org.sh_team, name="Group")
    keep = make_customer(actor=rep, org_unit=org.sh_team, name="Sub", parent=merge)
    kept = services.customer_merge(actor=rep, keep=keep, merge=merge)
    kept.refresh_from_db()
    assert kept.parent is None


def test_contact_merge_moves_links_and_drops_loops(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    boss = make_contact(customer=customer, name="Boss")
    keep = make_contact(customer=customer, name="Wang Wu", buying_roles=["user"])
    merge = make_contact(
        customer=customer,
        name="wang wu",
        email="wang@acme.cn",
        buying_roles=["influencer"],
        is_coach=True,
        coach_functions=["tip_off"],
    )
    worker = make_contact(customer=customer, name="Worker", reports_to=merge)
    services.contact_relationship_create(
        actor=rep, customer=customer, source=keep, target=merge, kind="allied"
    )
    services.contact_relationship_create(
        actor=rep, customer=customer, source=merge, target=boss, kind="influences"
    )
    services.contact_relationship_create(
        actor=rep, customer=customer, source=keep, target=boss, kind="allied"
    )
    services.contact_relationship_create(
        actor=rep, customer=customer, source=merge, target=boss, kind="allied"
    )
    plan = services.relationship_plan_create(actor=rep, contact=merge, data={"objective": "Trust"})

    kept = services.contact_merge(actor=rep, keep=keep, merge=merge)

    worker.refresh_from_db()
    merge.refresh_from_db()
    assert worker.reports_to == kept
    assert RelationshipPlan.objects.get(pk=plan.pk).contact == kept
    assert kept.email == "wang@acme.cn"
    assert kept.buying_roles == ["user", "influencer"]
    assert kept.is_coach
    assert kept.coach_functions == ["tip_off"]
    assert merge.merged_into == kept
    assert not merge.is_active
    edges = set(ContactRelationship.objects.values_list("source__name", "target__name", "kind"))
    assert edges == {("Wang Wu", "Boss", "influences"), ("Wang Wu", "Boss", "allied")}
    assert events(kept, "contact.merged").exists()
    assert events(merge, "contact.merged_into").exists()


def test_contact_merge_refusals(org, rep):
    a = make_customer(actor=rep, org_unit=org.sh_team, name="A")
    b = make_customer(actor=rep, org_unit=org.sh_team, name="B")
    x, y = make_contact(customer=a), make_contact(customer=b)
    with pytest.raises(DomainError, match="A contact cannot be merged into themselves."):
        services.contact_merge(actor=rep, keep=x, merge=x)
    with pytest.raises(DomainError, match="Only contacts of the same customer can be merged."):
        services.contact_merge(actor=rep, keep=x, merge=y)
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0


def test_contact_merge_when_merged_reports_to_kept(org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    boss = make_contact(customer=customer, name="Boss")
    worker = make_contact(customer=customer, name="Worker", reports_to=boss)
    kept = services.contact_merge(actor=rep, keep=boss, merge=worker)
    kept.refresh_from_db()
    assert kept.reports_to is None


def test_rep_cannot_hand_a_customer_out_of_reach_but_manager_can(org, rep, teammate, manager):
    customer = make_customer(actor=rep, org_unit=org.sh_team)
    with pytest.raises(Forbidden, match="After this change you could no longer manage the customer."):
        services.customer_update(actor=rep, customer=customer, data={"owner": teammate})
    customer.refresh_from_db()
    assert customer.owner == rep
    assert not events(customer, "customer.updated").exists()
    services.customer_update(actor=manager, customer=customer, data={"owner": teammate})
    customer.refresh_from_db()
    assert customer.owner == teammate


def test_completing_an_action_with_a_nul_byte_in_the_outcome_is_refused(org, rep):
    # Found by the generated bad-input tests: the outcome was saved without validation.
    contact = make_contact(customer=make_customer(actor=rep, org_unit=org.sh_team))
    stage = RelationshipStage.objects.get(code="trusted")
    plan = services.relationship_plan_create(
        actor=rep, contact=contact, data={"objective": "Win trust", "target_stage": stage}
    )
    action = services.relationship_action_create(
        actor=rep, plan=plan, data={"title": "Site visit", "due_date": datetime.date(2026, 1, 1)}
    )
    with pytest.raises(DomainError) as exc:
        services.relationship_action_complete(actor=rep, action=action, outcome="a\x00b")
    assert exc.value.field_errors == {"outcome": ["Null characters are not allowed."]}
    assert RelationshipAction.objects.get().status == "open"
    assert not AuditEvent.objects.filter(action="relationship_action.completed").exists()
