"""Bad input found by the generated bad-input tests (tests/fuzz), each refused with a field error."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import make_user
from openltc.core.audit import AuditEvent
from openltc.core.errors import DomainError
from openltc.opportunities import services
from openltc.opportunities.forms import CompetitorsField
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.roles import Role


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


@pytest.fixture
def fr(org: Any) -> Any:
    return make_user("fr", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team)


@pytest.mark.django_db
def test_the_appointment_note_is_on_the_page_and_a_bad_one_refuses_the_appointment(
    client: Any, rep: Any, teammate: Any, fr: Any
) -> None:
    """The page offered no note (the form's only field), and a note the form refused (a NUL byte)
    was dropped and the team appointed without it."""
    from django.urls import reverse

    from openltc.opportunities.choices import TeamRole
    from openltc.opportunities.models import TeamAppointment

    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    services.team_member_add(actor=rep, opportunity=o, user=fr, role=TeamRole.FR)
    client.force_login(rep)
    page = client.get(reverse("opportunities:detail", args=[o.pk])).content.decode()
    assert (
        'name="note"' in page.split(reverse("opportunities:appoint", args=[o.pk]), 1)[1].split("</form>")[0]
    )
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("opportunities:appoint", args=[o.pk]), {"note": "Effective\x00 today"}, follow=True
    )
    assert "Null characters are not allowed." in response.content.decode()
    assert not TeamAppointment.objects.filter(opportunity=o).exists()
    assert AuditEvent.objects.count() == before
    client.post(reverse("opportunities:appoint", args=[o.pk]), {"note": "Effective today"})
    assert TeamAppointment.objects.get(opportunity=o).note == "Effective today"
