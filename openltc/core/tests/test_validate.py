"""``core.services.validate``: every rule of ``full_clean`` with fewer queries (loaded foreign keys
are not fetched again, a fresh UUID key is not looked up, check constraints answered in Python
where they can be and otherwise in one query)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from openltc.core.errors import DomainError
from openltc.core.services import validate
from openltc.leads.choices import LeadStatus
from openltc.leads.models import Lead
from openltc.org.models import OrgUnit


def _lead(org: Any, **values: Any) -> Lead:
    return Lead(title="Campus network", source="web", company_name="Acme", org_unit=org.sh_team, **values)


def test_check_constraints_are_all_reported(org: Any) -> None:
    # given a new lead that breaks two check constraints at once
    lead = _lead(org, status=LeadStatus.DISQUALIFIED, estimated_value=-1)
    # when it is validated, then both messages come back (the value also fails its field validator)
    with pytest.raises(DomainError) as caught:
        validate(lead, exclude=["estimated_value"])
    assert caught.value.field_errors == {"__all__": ["A disqualified lead needs a reason."]}
    with pytest.raises(DomainError) as caught:
        validate(lead)
    assert caught.value.field_errors["__all__"] == ["A disqualified lead needs a reason."]
    assert caught.value.field_errors["estimated_value"] == [
        "Ensure this value is greater than or equal to 0."
    ]


def test_check_constraint_on_an_excluded_field_is_skipped(org: Any) -> None:
    lead = _lead(org, status=LeadStatus.CONVERTED)
    with pytest.raises(DomainError, match="A converted lead records when it was converted."):
        validate(lead)
    validate(lead, exclude=["converted_at"])


def test_valid_lead_takes_no_query(org: Any, django_assert_num_queries: Any) -> None:
    # given a lead whose org unit was read from the database
    lead = _lead(org, estimated_value=10)
    # when validated inside a transaction (as every service runs), then nothing is asked of the
    # database: the lead's check constraints compare fields with constants, which Python answers
    # (openltc.core.checks; was one SELECT in a savepoint, and one per constraint before that)
    with transaction.atomic(), django_assert_num_queries(0):
        validate(lead)


def test_foreign_key_given_by_id_is_still_looked_up(org: Any) -> None:
    # given a lead whose org unit is only an id (not loaded) and does not exist
    lead = Lead(title="Campus network", source="web", company_name="Acme", org_unit_id=987654)
    # then validation reports it as a field error
    with pytest.raises(DomainError) as caught:
        validate(lead)
    assert caught.value.field_errors == {
        "org_unit": ["org unit instance with id 987654 is not a valid choice."]
    }


def test_foreign_key_changed_after_loading_is_looked_up(org: Any) -> None:
    # given a loaded unit, then an id of a unit that does not exist
    unit = OrgUnit.objects.get(pk=org.gz_team.pk)
    lead = Lead(title="Campus network", source="web", company_name="Acme", org_unit=unit)
    lead.org_unit_id = org.gz_team.pk + 10_000
    with pytest.raises(DomainError) as caught:
        validate(lead)
    assert list(caught.value.field_errors) == ["org_unit"]


def test_unique_fields_are_still_checked(org: Any) -> None:
    unit = OrgUnit(code=org.sh.code, name="Copy", kind=OrgUnit.Kind.OFFICE, parent=org.east)
    unit.path = unit.compute_path()
    with pytest.raises(DomainError) as caught:
        validate(unit)
    assert list(caught.value.field_errors) == ["code"]
    assert caught.value.field_errors["code"] == ["Org unit with this Code already exists."]


def test_existing_row_is_not_looked_up_for_its_own_key(org: Any, django_assert_num_queries: Any) -> None:
    # given a saved org unit (no check constraints) with its parent loaded
    unit = OrgUnit.objects.select_related("parent").get(pk=org.sh.pk)
    # then validating it only checks its unique code (against the other rows)
    with django_assert_num_queries(1) as ctx:
        validate(unit)
    assert '"code"' in ctx.captured_queries[0]["sql"]


def test_check_constraint_comparing_two_fields(org: Any, rep: Any) -> None:
    from openltc.customers.tests.factories import make_customer

    # given a customer merged into itself (a condition between two columns, F("id"))
    customer = make_customer(actor=rep, org_unit=org.sh_team, owner=rep)
    customer.merged_into_id = customer.pk
    # then the rule still fails: a condition on a relation is asked of the database, in one query
    with CaptureQueriesContext(connection) as ctx, pytest.raises(DomainError) as caught:
        validate(customer)
    assert sum("_check_" in q["sql"] for q in ctx.captured_queries) == 1
    assert caught.value.field_errors["__all__"] == ["A customer cannot be merged into itself."]
