import datetime

import pytest
from django.utils import timezone

from openltc.customers import selectors, services
from openltc.customers.tests.factories import make_contact, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(org, rep):
    customer = make_customer(
        actor=rep,
        org_unit=org.sh_team,
        name="上海艾克米科技股份有限公司",
        tax_id="91310000MA1FL4XX3T",
        phone="021-5555 0001",
        email="info@acme.cn",
    )
    make_contact(customer=customer, name="Li Si", email="li.si@acme.cn", phone="+86 138 0000 1111")
    return customer


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "上海艾克米科技有限公司"},
        {"name": "上海 艾克米科技 集团"},
        {"tax_id": "91310000ma1fl4xx3t"},
        {"email": "INFO@acme.cn"},
        {"email": "li.si@ACME.cn"},
        {"phone": "138-0000-1111"},
        {"phone": "(021) 55550001"},
    ],
)
def test_customer_find_duplicates_matches(acme, kwargs):
    assert list(selectors.customer_find_duplicates(**kwargs)) == [acme]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "上海艾克米"},
        {"tax_id": "91310000MA1FL4XX4T"},
        {"email": "li@acme.cn"},
        {"phone": "1111"},
        {},
    ],
)
def test_customer_find_duplicates_does_not_match(acme, kwargs):
    assert not selectors.customer_find_duplicates(**kwargs).exists()


def test_customer_find_duplicates_excludes_self_and_merged(org, rep, acme):
    assert not selectors.customer_find_duplicates(name=acme.name, exclude_pk=acme.pk).exists()
    twin = make_customer(actor=rep, org_unit=org.sh_team, name="上海艾克米科技")
    services.customer_merge(actor=rep, keep=acme, merge=twin)
    assert list(selectors.customer_find_duplicates(name="上海艾克米科技")) == [acme]


def test_contact_find_duplicates(org, rep, acme):
    li = acme.contacts.get()
    other = make_customer(actor=rep, org_unit=org.sh_team, name="Other")
    make_contact(customer=other, name="Li Si")
    assert list(selectors.contact_find_duplicates(customer=acme, name="li  si")) == [li]
    assert selectors.contact_find_duplicates(name="LI SI").count() == 2
    assert list(selectors.contact_find_duplicates(phone="13800001111")) == [li]
    assert list(selectors.contact_find_duplicates(email="Li.Si@acme.cn", exclude_pk=None)) == [li]
    assert not selectors.contact_find_duplicates(email="Li.Si@acme.cn", exclude_pk=li.pk).exists()


def test_customer_list_visibility_and_search(org, rep, other_rep, manager, finance, acme):
    gz = make_customer(actor=other_rep, org_unit=org.gz_team, name="Canton Power")
    assert list(selectors.customer_list(user=rep)) == [acme]
    assert list(selectors.customer_list(user=other_rep)) == [gz]
    assert list(selectors.customer_list(user=manager)) == [acme]
    assert set(selectors.customer_list(user=finance)) == {acme, gz}
    for q in ("艾克米", "91310000", "li.si@", "1380000", "info@acme"):
        assert list(selectors.customer_list(user=finance, filters={"q": q})) == [acme], q
    assert not selectors.customer_list(user=other_rep, filters={"q": "艾克米"}).exists()


def test_customer_list_filters_and_sort(org, rep, acme):
    b = make_customer(
        actor=rep, org_unit=org.sh_team, name="Beta", lifecycle_status="active", is_strategic=True
    )
    assert list(selectors.customer_list(user=rep, filters={"status": "active"})) == [b]
    assert list(selectors.customer_list(user=rep, filters={"strategic": "1"})) == [b]
    assert list(selectors.customer_list(user=rep, filters={"strategic": "0"})) == [acme]
    assert list(selectors.customer_list(user=rep, filters={"org_unit": org.sh})) == [b, acme]
    assert list(selectors.customer_list(user=rep, filters={"org_unit": org.gz})) == []
    assert list(selectors.customer_list(user=rep, filters={"sort": "-name"})) == [acme, b]


def test_actions_due_for(org, rep, acme):
    plan = services.relationship_plan_create(
        actor=rep, contact=acme.contacts.get(), data={"objective": "Trust"}
    )
    today = timezone.localdate()
    overdue = services.relationship_action_create(
        actor=rep, plan=plan, data={"title": "Late", "due_date": today - datetime.timedelta(days=2)}
    )
    services.relationship_action_create(
        actor=rep, plan=plan, data={"title": "Far", "due_date": today + datetime.timedelta(days=30)}
    )
    assert list(selectors.actions_due_for(rep)) == [overdue]
