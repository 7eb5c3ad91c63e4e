"""Bad input found by the generated bad-input tests (tests/fuzz), each refused with a field error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openltc.core.audit import AuditEvent
from openltc.core.errors import DomainError
from openltc.opportunities import services
from openltc.opportunities.forms import CompetitorsField
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity


def test_competitor_names_with_a_nul_byte_are_a_field_error() -> None:
    field = CompetitorsField(required=False)
    assert field.clean("Acme, 华为 ") == ["Acme", "华为"]
    with pytest.raises(ValidationError, match="Null characters are not allowed."):
        field.clean("Acme, Be\x00ta")


@pytest.mark.parametrize("grade", ["A", ""])
def test_a_nul_byte_in_the_grade_override_reason_is_refused(rep, manager, grade) -> None:
    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    with pytest.raises(DomainError) as exc:
        services.opportunity_grade_override(actor=manager, opportunity=o, grade=grade, reason="a\x00b")
    assert exc.value.field_errors == {"reason": ["Null characters are not allowed."]}
    assert Opportunity.objects.get(pk=o.pk).grade == "C"
    assert not AuditEvent.objects.filter(action__startswith="opportunity.grade_override").exists()
