import pytest

from openltc.customers import demo
from openltc.customers.models import Contact, ContactRelationship, Customer, RelationshipPlan
from openltc.org import demo as org_demo

pytestmark = pytest.mark.django_db


def test_demo_build_is_idempotent_and_fills_maps():
    org_demo.build()
    demo.build()
    customers = Customer.objects.count()
    contacts = Contact.objects.count()
    assert customers == len(demo.CUSTOMERS)
    assert set(Customer.objects.values_list("org_unit__code", flat=True)) == {"SH-T1", "HZ", "GZ-T1", "SZ"}
    for customer in Customer.objects.all():
        levels = set(customer.contacts.values_list("management_level", flat=True))
        assert levels == {"decision", "management", "operation"}
        assert 4 <= customer.contacts.count() <= 8
        assert customer.contacts.filter(is_coach=True).exists()
    assert ContactRelationship.objects.count() >= len(demo.CUSTOMERS) * 2
    assert RelationshipPlan.objects.count() == len(demo.CUSTOMERS)
    demo.build()
    assert Customer.objects.count() == customers
    assert Contact.objects.count() == contacts


def test_demo_scale_bulk_inserts():
    org_demo.build()
    demo.scale(50)
    assert Customer.objects.filter(name__startswith="规模客户").count() == 5
    assert Contact.objects.filter(customer__name__startswith="规模客户").count() == 15
