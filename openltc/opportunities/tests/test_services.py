from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.models import AuditEvent
from openltc.opportunities import services
from openltc.opportunities.choices import ForecastCategory, Stage, TeamRole
from openltc.opportunities.models import Opportunity, OpportunityTeamMember
from openltc.opportunities.tests.factories import make_contact, make_customer, make_opportunity

pytestmark = pytest.mark.django_db


def events(opportunity, action):
    return AuditEvent.objects.filter(subject_id=str(opportunity.pk), action=action)


def test_create_starts_in_validating_with_stage_defaults_and_owner_as_ar(rep):
    # when
    o = make_opportunity(rep, competitors="Alpha, Beta，Alpha")
    # then
    year = timezone.localdate().year
    assert o.number == f"OPP-{year}-000001"
    assert (o.stage, o.probability, o.forecast_category) == (Stage.VALIDATING, 10, ForecastCategory.PIPELINE)
    assert o.competitors == ["Alpha", "Beta"]
    assert o.closed_at is None
    assert o.lock_version == 1
    assert list(o.team_members.values_list("user", "role")) == [(rep.pk, TeamRole.AR)]
    event = events(o, "opportunity.created").get()
    assert event.actor == rep
    assert event.after["number"] == o.number
    assert event.after["stage"] == "validating"


def test_numbers_are_gap_free_even_when_a_create_rolls_back(rep):
    year = timezone.localdate().year
    customer = make_customer(rep, rep.home_unit)
    first = make_opportunity(rep, customer)

    def create_then_fail():
        with transaction.atomic():
            make_opportunity(rep, customer)
            raise RuntimeError("the caller's transaction fails after the number was issued")

    with pytest.raises(RuntimeError):
        create_then_fail()
    with pytest.raises(DomainError):
        make_opportunity(rep, customer, amount=Decimal("-1"))
    second = make_opportunity(rep, customer)
    assert [first.number, second.number] == [f"OPP-{year}-000001", f"OPP-{year}-000002"]


def test_create_refuses_a_customer_the_actor_cannot_see(rep, other_rep):
    customer = make_customer(rep, rep.home_unit)
    with pytest.raises(DomainError) as exc:
        make_opportunity(other_rep, customer)
    assert exc.value.message == "Choose a customer you can see."
    assert exc.value.field_errors == {"customer": ["Choose a customer you can see."]}
    assert not Opportunity.objects.exists()


def test_create_refuses_a_contact_of_another_customer(rep):
    mine = make_customer(rep, rep.home_unit, "Mine")
    elsewhere = make_contact(make_customer(rep, rep.home_unit, "Other"))
    with pytest.raises(DomainError, match="The contact must work for the opportunity's customer."):
        make_opportunity(rep, mine, contact=elsewhere)


def test_create_refuses_giving_the_opportunity_to_someone_outside_my_management(rep, other_rep):
    with pytest.raises(Forbidden) as exc:
        make_opportunity(rep, owner=other_rep, org_unit=other_rep.home_unit)
    assert exc.value.message == "You may give an opportunity to someone else only in an org unit you manage."


def test_manager_may_create_for_a_rep_in_their_subtree(rep, manager, org):
    customer = make_customer(rep, org.sh_team)
    o = make_opportunity(manager, customer, owner=rep, org_unit=org.sh_team)
    assert o.owner == rep
    assert events(o, "opportunity.created").get().actor == manager


def test_create_with_bad_values_gives_field_errors_and_writes_nothing(rep):
    with pytest.raises(DomainError) as exc:
        make_opportunity(rep, currency="yuan", amount=Decimal("-5"))
    assert set(exc.value.field_errors) >= {"currency"}
    assert not Opportunity.objects.exists()
    assert not AuditEvent.objects.filter(action="opportunity.created").exists()


def test_update_changes_fields_bumps_version_and_audits(rep):
    o = make_opportunity(rep)
    close = datetime.date(2027, 3, 31)
    updated = services.opportunity_update(
        actor=rep,
        opportunity=o,
        data={"title": "New title", "expected_close_date": close, "currency": "usd", "stage": "won"},
        expected_version=1,
    )
    assert (updated.title, updated.expected_close_date, updated.currency) == ("New title", close, "USD")
    assert updated.stage == Stage.VALIDATING  # stage is not an updatable field
    assert updated.lock_version == 2
    event = events(o, "opportunity.updated").get()
    assert event.before["title"] == "Core network upgrade"
    assert event.after["title"] == "New title"
    assert "stage" not in event.after


def test_update_with_a_stale_version_is_a_conflict(rep):
    o = make_opportunity(rep)
    services.opportunity_update(actor=rep, opportunity=o, data={"title": "A"}, expected_version=1)
    with pytest.raises(Conflict) as exc:
        services.opportunity_update(actor=rep, opportunity=o, data={"title": "B"}, expected_version=1)
    assert exc.value.message == (
        "This record was changed by someone else (now version 2, you edited version 1). "
        "Reload it and apply your change again."
    )
    assert Opportunity.objects.get(pk=o.pk).title == "A"


def test_update_by_someone_who_cannot_see_it_is_not_found(rep, other_rep):
    o = make_opportunity(rep)
    with pytest.raises(NotFound):
        services.opportunity_update(
            actor=other_rep, opportunity=o, data={"title": "X"}, expected_version=None
        )


def test_viewer_without_change_rights_is_forbidden(rep, finance):
    o = make_opportunity(rep)
    with pytest.raises(Forbidden, match="You may not change this opportunity."):
        services.opportunity_update(actor=finance, opportunity=o, data={"title": "X"}, expected_version=None)


def test_team_member_may_update(rep, teammate):
    o = make_opportunity(rep)
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    updated = services.opportunity_update(
        actor=teammate, opportunity=o, data={"title": "By SR"}, expected_version=None
    )
    assert updated.title == "By SR"


def test_update_of_product_lines_is_audited(rep):
    from openltc.org.models import ProductLine

    line = ProductLine.objects.create(code="NET", name="Network")
    o = make_opportunity(rep)
    services.opportunity_update(actor=rep, opportunity=o, data={"product_lines": [line]}, expected_version=1)
    assert list(o.product_lines.all()) == [line]
    assert events(o, "opportunity.updated").get().after == {"product_lines": [str(line.pk)]}


def test_adjust_probability_within_the_band_with_a_reason(rep):
    o = make_opportunity(rep)
    updated = services.opportunity_adjust_probability(
        actor=rep, opportunity=o, probability=18, reason="Coach confirmed budget"
    )
    assert (updated.probability, updated.probability_reason) == (18, "Coach confirmed budget")
    event = events(o, "opportunity.probability_adjusted").get()
    assert event.before["probability"] == 10
    assert event.after["probability"] == 18


def test_adjust_probability_outside_the_band_is_refused(rep):
    o = make_opportunity(rep)
    with pytest.raises(DomainError) as exc:
        services.opportunity_adjust_probability(actor=rep, opportunity=o, probability=21, reason="optimism")
    assert exc.value.message == (
        "In the stage “Validating (机会点验证)” the probability must stay between 0% and 20%."
    )
    with pytest.raises(DomainError, match="Give a reason for the probability."):
        services.opportunity_adjust_probability(actor=rep, opportunity=o, probability=15, reason="  ")
    assert Opportunity.objects.get(pk=o.pk).probability == 10


def test_adjust_probability_follows_the_admin_setting(rep):
    from openltc.opportunities.models import StageSetting

    StageSetting.objects.update_or_create(
        stage="validating",
        defaults={
            "order": 10,
            "default_probability": 30,
            "default_forecast_category": "pipeline",
            "probability_band": 5,
        },
    )
    o = make_opportunity(rep)
    assert o.probability == 30
    with pytest.raises(DomainError, match="between 25% and 35%"):
        services.opportunity_adjust_probability(actor=rep, opportunity=o, probability=40, reason="r")


def test_forecast_category_can_be_overridden_but_not_to_closed(rep):
    o = make_opportunity(rep)
    updated = services.opportunity_set_forecast_category(actor=rep, opportunity=o, category="commit")
    assert updated.forecast_category == "commit"
    assert events(o, "opportunity.forecast_category_set").get().after == {"forecast_category": "commit"}
    with pytest.raises(DomainError) as exc:
        services.opportunity_set_forecast_category(actor=rep, opportunity=o, category="closed")
    assert exc.value.message == "Only a won opportunity is in the “Closed” forecast category."
    with pytest.raises(DomainError, match="Choose a valid forecast category."):
        services.opportunity_set_forecast_category(actor=rep, opportunity=o, category="maybe")


def test_close_lost_records_reason_and_competitor(rep):
    o = make_opportunity(rep)
    lost = services.opportunity_close_lost(
        actor=rep, opportunity=o, reason_code="price", competitor="Competitor A", note="10% cheaper"
    )
    assert lost.stage == Stage.LOST
    assert lost.closed_at is not None
    assert (lost.probability, lost.forecast_category) == (0, ForecastCategory.OMITTED)
    assert (lost.close_reason, lost.close_competitor, lost.close_note) == (
        "price",
        "Competitor A",
        "10% cheaper",
    )
    event = events(o, "opportunity.lost").get()
    assert event.before["stage"] == "validating"
    assert event.after["stage"] == "lost"
    change = o.stage_changes.get(to_stage=Stage.LOST)
    assert (change.from_stage, change.probability, change.amount) == (Stage.VALIDATING, 0, o.amount)


def test_close_lost_refusals(rep):
    o = make_opportunity(rep)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_close_lost(actor=rep, opportunity=o, reason_code="", competitor="A")
    assert exc.value.message == "Choose the reason code."
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_close_lost(actor=rep, opportunity=o, reason_code="price", competitor=" ")
    assert exc.value.message == "Name the competitor who won."
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING
    services.opportunity_close_lost(actor=rep, opportunity=o, reason_code="price", competitor="A")
    with pytest.raises(TransitionRefused, match="An opportunity cannot move from"):
        services.opportunity_abandon(actor=rep, opportunity=o, reason_code="low_value")
    with pytest.raises(Conflict, match="This opportunity is already closed."):
        services.opportunity_update(actor=rep, opportunity=o, data={"title": "x"}, expected_version=None)


def test_abandon_needs_only_a_reason(rep):
    o = make_opportunity(rep)
    with pytest.raises(TransitionRefused, match="Explain the reason in the note when the reason is “Other”."):
        services.opportunity_abandon(actor=rep, opportunity=o, reason_code="other")
    done = services.opportunity_abandon(actor=rep, opportunity=o, reason_code="low_value")
    assert done.stage == Stage.ABANDONED
    assert done.close_competitor == ""
    assert events(o, "opportunity.abandoned").count() == 1


def test_advance_is_refused_at_every_gate_and_changes_nothing(rep):
    o = make_opportunity(rep)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_advance(actor=rep, opportunity=o, to_stage=Stage.INITIATED)
    assert exc.value.message == ("This step needs an approved ATI decision.")
    for target in (Stage.GUIDING, Stage.BIDDING, Stage.NEGOTIATING, Stage.WON):
        with pytest.raises(TransitionRefused):
            services.opportunity_advance(actor=rep, opportunity=o, to_stage=target)
    with pytest.raises(DomainError) as exc:
        services.opportunity_advance(actor=rep, opportunity=o, to_stage=Stage.LOST)
    assert exc.value.message == (
        "Close an opportunity as lost or abandoned with its own action, which records the reason."
    )
    fresh = Opportunity.objects.get(pk=o.pk)
    assert (fresh.stage, fresh.lock_version) == (Stage.VALIDATING, 1)
    assert not AuditEvent.objects.filter(action="opportunity.advanced").exists()


def test_team_member_add_gives_sight_and_notifies_after_commit(
    rep, teammate, django_capture_on_commit_callbacks
):
    o = make_opportunity(rep)
    assert not Opportunity.objects.restrict(teammate).filter(pk=o.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        member = services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    assert member.role == TeamRole.SR
    assert Opportunity.objects.restrict(teammate).filter(pk=o.pk).exists()
    assert events(o, "opportunity.team_member_added").get().after["role"] == "sr"
    assert [m.to for m in mail.outbox] == [[teammate.email]]


def test_team_member_refusals(rep, teammate):
    o = make_opportunity(rep)
    with pytest.raises(
        DomainError, match="The AR is always the opportunity's owner and is already on the team."
    ):
        services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.AR)
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    with pytest.raises(DomainError, match="This person already holds this role on the team."):
        services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    ar = o.team_members.get(role=TeamRole.AR)
    with pytest.raises(DomainError) as exc:
        services.team_member_remove(actor=rep, opportunity=o, member_id=ar.pk)
    assert exc.value.message == "The AR cannot be removed while they own the opportunity."


def test_team_member_remove(rep, teammate):
    o = make_opportunity(rep)
    member = services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.FR)
    services.team_member_remove(actor=rep, opportunity=o, member_id=member.pk)
    assert not OpportunityTeamMember.objects.filter(pk=member.pk).exists()
    assert events(o, "opportunity.team_member_removed").get().before["role"] == "fr"
    assert not Opportunity.objects.restrict(teammate).filter(pk=o.pk).exists()


def test_default_stage_settings_come_from_the_data_migration():
    from openltc.opportunities.models import StageSetting

    rows = {s.stage: (s.default_probability, s.default_forecast_category) for s in StageSetting.objects.all()}
    assert rows == {
        "validating": (10, "pipeline"),
        "initiated": (20, "pipeline"),
        "guiding": (25, "pipeline"),
        "bidding": (50, "best_case"),
        "negotiating": (75, "commit"),
        "won": (100, "closed"),
        "lost": (0, "omitted"),
        "abandoned": (0, "omitted"),
    }
