"""Bad input found by the generated bad-input tests (tests/fuzz), each refused with a field error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openltc.core.errors import DomainError
from openltc.core.models import AuditEvent
from openltc.leads import services
from openltc.leads.choices import DisqualifyReason, LeadStatus
from openltc.leads.models import Lead, LeadCriterionCheck, NurturingCriterion
from openltc.leads.tests.factories import make_lead

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_nul_byte_in_the_reason_for_assigning_is_refused(manager: Any, rep: Any, teammate: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    with pytest.raises(DomainError) as exc:
        services.lead_assign(actor=manager, lead=lead, owner=teammate, reason="a\x00b")
    assert exc.value.field_errors == {"reason": ["Null characters are not allowed."]}
    assert Lead.objects.get(pk=lead.pk).owner == rep
    assert not AuditEvent.objects.filter(action="lead.reassigned").exists()


@pytest.mark.parametrize("ids", ["no-such-choice", "<script>alert(1)</script>"])
def test_bulk_action_with_ids_that_are_not_lead_ids_is_refused(manager: Any, rep: Any, ids: str) -> None:
    lead = make_lead(actor=rep, owner=rep)
    response = client_for(manager).post(
        reverse("leads:bulk"), {"action": "disqualify", "ids": [ids, str(lead.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert "Choose the leads and the action." in response.text
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"reason": DisqualifyReason.NO_FOLLOW_UP_MECHANISM, "note": "a\x00b"},
            "Null characters are not allowed.",
        ),
        ({"reason": DisqualifyReason.NO_FOLLOW_UP_MECHANISM, "note": "Budget frozen"}, None),
    ],
)
def test_disqualify_with_a_bad_note_is_refused_not_done_without_it(
    rep: Any, data: dict[str, str], message: str | None
) -> None:
    lead = make_lead(actor=rep, owner=rep)
    response = client_for(rep).post(reverse("leads:action", args=[lead.pk, "disqualify"]), data, **HTMX)
    assert response.status_code == 200
    lead.refresh_from_db()
    if message is None:  # the control: a clean note disqualifies
        assert lead.status == LeadStatus.DISQUALIFIED
    else:
        assert message in response.text
        assert lead.status == LeadStatus.NEW
        assert lead.disqualify_note == ""


def test_return_to_pool_with_a_reason_too_long_is_refused(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    response = client_for(rep).post(
        reverse("leads:action", args=[lead.pk, "return_to_pool"]), {"reason": "x" * 501}, **HTMX
    )
    assert "Ensure this value has at most 500 characters" in response.text
    assert Lead.objects.get(pk=lead.pk).owner == rep


def test_a_criterion_note_with_a_nul_byte_is_refused(rep: Any) -> None:
    lead = make_lead(actor=rep, owner=rep)
    criterion = NurturingCriterion.objects.first()
    assert criterion is not None
    response = client_for(rep).post(
        reverse("leads:criterion", args=[lead.pk, criterion.pk]), {"checked": "on", "note": "a\x00b"}, **HTMX
    )
    assert "Null characters are not allowed." in response.text
    assert not LeadCriterionCheck.objects.filter(lead=lead).exists()
