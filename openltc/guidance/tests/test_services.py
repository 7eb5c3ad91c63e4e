"""Services: state, audit events, refusals with their exact messages, nothing half-written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.models import AuditEvent
from openltc.guidance import services
from openltc.guidance.models import (
    ActionItem,
    Activity,
    AppealsAnalysis,
    ChecklistItem,
    DocumentTemplate,
    Playbook,
    PlaybookTask,
    ValueMessage,
)
from openltc.guidance.tests.factories import opportunity_in, ratings
from openltc.opportunities.models import Opportunity, OpportunityStageChange
from openltc.opportunities.services import team_member_add

pytestmark = pytest.mark.django_db


# --- playbooks ------------------------------------------------------------------------------------


def test_default_playbooks_come_from_the_method_in_both_languages():
    guiding = Playbook.objects.get(stage="guiding")
    assert "关键人策略" in guiding.guidance_zh
    assert "Key-person strategy" in guiding.guidance
    assert guiding.tasks.filter(code="coach").exists()
    negotiating = Playbook.objects.get(stage="negotiating")
    for tactic in ("让对方先开价", "绝不接受第一次报价", "声东击西", "红白脸", "小恩小惠"):
        assert tactic in negotiating.guidance_zh
    assert negotiating.guidance.count("\n10. ") == 1
    assert DocumentTemplate.objects.filter(playbook__stage="bidding", text__contains="废标").exists() or (
        "废标" in Playbook.objects.get(stage="bidding").guidance
    )


def test_display_follows_the_language():
    from django.utils import translation

    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    assert task.display_title == "Develop a coach inside the customer"
    with translation.override("zh-hans"):
        assert task.display_title == "发展客户内部的教练"


def test_admin_adds_a_file_template_with_a_checked_name(admin_user):
    playbook = Playbook.objects.get(stage="guiding")
    upload = SimpleUploadedFile(
        "../../etc/plan.docx", b"PK\x03\x04 docx", content_type="application/octet-stream"
    )
    template = services.template_create(actor=admin_user, playbook=playbook, name="Plan", upload=upload)
    assert template.original_name == "plan.docx"
    assert template.size == len(b"PK\x03\x04 docx")
    assert AuditEvent.objects.filter(action="guidance.template_created").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ", "Files of type .exe are not accepted; use one of: "),
        ("noextension", b"x", "The file needs a name with an extension."),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_bad_template_files_are_refused(admin_user, name, content, message):
    playbook = Playbook.objects.get(stage="guiding")
    before = DocumentTemplate.objects.count()
    with pytest.raises(DomainError) as exc:
        services.template_create(
            actor=admin_user, playbook=playbook, name="x", upload=SimpleUploadedFile(name, content)
        )
    assert exc.value.message.startswith(message)
    assert DocumentTemplate.objects.count() == before


def test_too_large_template_is_refused(admin_user, settings):
    settings.OPENLTC_MAX_UPLOAD_BYTES = 1024
    playbook = Playbook.objects.get(stage="guiding")
    with pytest.raises(DomainError, match="larger than the limit"):
        services.template_create(
            actor=admin_user, playbook=playbook, name="x", upload=SimpleUploadedFile("a.pdf", b"x" * 2048)
        )


def test_only_admins_add_templates(rep):
    playbook = Playbook.objects.get(stage="guiding")
    with pytest.raises(Forbidden, match="Only administrators maintain the playbooks."):
        services.template_create(actor=rep, playbook=playbook, name="x", text="t")


def test_a_template_is_a_file_or_a_text(admin_user):
    playbook = Playbook.objects.get(stage="guiding")
    with pytest.raises(DomainError, match="Upload a file or write a text template."):
        services.template_create(actor=admin_user, playbook=playbook, name="x")


# --- checklist ------------------------------------------------------------------------------------


def test_entering_a_stage_adds_its_key_tasks_to_the_checklist(rep):
    opportunity = opportunity_in("validating", rep)
    assert ChecklistItem.objects.filter(opportunity=opportunity, stage="validating").count() == 5
    Opportunity.objects.filter(pk=opportunity.pk).update(stage="guiding")
    OpportunityStageChange.objects.create(
        opportunity=opportunity,
        from_stage="initiated",
        to_stage="guiding",
        changed_at=timezone.now(),
        amount=opportunity.amount,
        currency="CNY",
        probability=25,
    )
    assert ChecklistItem.objects.filter(opportunity=opportunity, stage="guiding").count() == 8


def test_ticking_records_who_and_when_and_the_note(rep):
    opportunity = opportunity_in("guiding", rep)
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    item = services.checklist_item_set(actor=rep, opportunity=opportunity, task=task, done=True, note="Li Si")
    assert item.is_done
    assert item.done_by == rep
    assert item.done_at is not None
    assert item.note == "Li Si"
    event = AuditEvent.objects.get(action="guidance.checklist_ticked")
    assert event.after["task"] == "coach"
    item = services.checklist_item_set(actor=rep, opportunity=opportunity, task=task, done=False)
    assert not item.is_done
    assert item.done_by is None
    assert item.done_at is None
    assert item.note == "Li Si"
    assert AuditEvent.objects.filter(action="guidance.checklist_unticked").count() == 1


def test_a_task_of_another_stage_cannot_be_ticked(rep):
    opportunity = opportunity_in("guiding", rep)
    task = PlaybookTask.objects.get(playbook__stage="negotiating", code="team")
    with pytest.raises(DomainError, match="This task is not on the opportunity's checklist."):
        services.checklist_item_set(actor=rep, opportunity=opportunity, task=task, done=True)


def test_ticking_needs_change_rights(rep, other_rep, finance):
    opportunity = opportunity_in("guiding", rep)
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    with pytest.raises(NotFound):
        services.checklist_item_set(actor=other_rep, opportunity=opportunity, task=task, done=True)
    with pytest.raises(Forbidden, match="You may not work on this opportunity."):
        services.checklist_item_set(actor=finance, opportunity=opportunity, task=task, done=True)
    assert not ChecklistItem.objects.filter(opportunity=opportunity, is_done=True).exists()


def test_team_members_tick_too(rep, teammate):
    opportunity = opportunity_in("guiding", rep)
    team_member_add(actor=rep, opportunity=opportunity, user=teammate, role="sr")
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="fabe")
    item = services.checklist_item_set(actor=teammate, opportunity=opportunity, task=task, done=True)
    assert item.done_by == teammate


def test_closed_opportunity_checklist_is_frozen(rep):
    opportunity = opportunity_in("guiding", rep)
    Opportunity.objects.filter(pk=opportunity.pk).update(
        stage="abandoned", closed_at=timezone.now(), close_reason="other"
    )
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    with pytest.raises(Conflict, match="This opportunity is already closed."):
        services.checklist_item_set(actor=rep, opportunity=opportunity, task=task, done=True)


# --- $APPEALS -------------------------------------------------------------------------------------


def test_appeals_saves_a_new_current_version_and_keeps_history(rep):
    opportunity = opportunity_in("guiding", rep)
    first = services.appeals_save(
        actor=rep,
        opportunity=opportunity,
        ratings=ratings(performance={"is_key_need": True, "need": "99.999% uptime"}),
        competitors=["Rival A"],
    )
    assert first.number == 1
    assert first.is_current
    assert first.weighted_score() == Decimal("7.00")
    assert first.weighted_score("Rival A") == Decimal("5.00")
    second = services.appeals_save(
        actor=rep, opportunity=opportunity, ratings=ratings(), competitors=["Rival A"]
    )
    first.refresh_from_db()
    assert second.number == 2
    assert second.is_current
    assert not first.is_current
    assert AuditEvent.objects.filter(action="guidance.appeals_saved").count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"price": {"customer_weight": Decimal("20")}},
            "The customer weights must add up to 100 (now 107.5).",
        ),
        ({"price": {"our_score": 11}}, "Scores run from 0 to 10."),
        (
            {"price": {"competitor_scores": {"Nobody": 3}}},
            "“Nobody” is not among the competitors of this analysis.",
        ),
        (
            {"price": {"is_key_need": True, "need": ""}},
            "Say what the customer needs for the key need “$ Price (价格)”.",
        ),
    ],
)
def test_bad_appeals_input_changes_nothing(rep, overrides, message):
    opportunity = opportunity_in("guiding", rep)
    with pytest.raises(DomainError) as exc:
        services.appeals_save(
            actor=rep, opportunity=opportunity, ratings=ratings(**overrides), competitors=["Rival A"]
        )
    assert exc.value.message == message
    assert not AppealsAnalysis.objects.filter(opportunity=opportunity).exists()


def test_all_eight_dimensions_are_rated(rep):
    opportunity = opportunity_in("guiding", rep)
    with pytest.raises(DomainError, match=r"Rate all eight \$APPEALS dimensions."):
        services.appeals_save(
            actor=rep, opportunity=opportunity, ratings=ratings()[:7], competitors=["Rival A"]
        )


# --- FABE -----------------------------------------------------------------------------------------


def test_value_message_takes_the_key_need_from_appeals(rep):
    opportunity = opportunity_in("guiding", rep)
    services.appeals_save(
        actor=rep,
        opportunity=opportunity,
        ratings=ratings(assurances={"is_key_need": True, "need": "Five-year warranty"}),
        competitors=["Rival A"],
    )
    message = services.value_message_create(
        actor=rep,
        opportunity=opportunity,
        data={"dimension": "assurances", "feature": "Dual power", "benefit": "No outage", "evidence": "TÜV"},
    )
    assert message.need == "Five-year warranty"
    updated = services.value_message_update(
        actor=rep, message=message, data={"advantage": "Rival A has one"}, expected_version=1
    )
    assert updated.lock_version == 2
    with pytest.raises(Conflict):
        services.value_message_update(actor=rep, message=message, data={"advantage": "x"}, expected_version=1)
    services.value_message_delete(actor=rep, message=updated)
    assert not ValueMessage.objects.exists()
    actions = set(
        AuditEvent.objects.filter(action__startswith="guidance.value_message").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "guidance.value_message_created",
        "guidance.value_message_updated",
        "guidance.value_message_deleted",
    }


def test_value_message_needs_need_feature_and_benefit(rep):
    opportunity = opportunity_in("guiding", rep)
    with pytest.raises(DomainError) as exc:
        services.value_message_create(
            actor=rep, opportunity=opportunity, data={"need": "", "feature": "", "benefit": ""}
        )
    assert set(exc.value.field_errors) >= {"need", "feature", "benefit"}
    assert not ValueMessage.objects.exists()


# --- activities and actions -----------------------------------------------------------------------


def test_activity_with_minutes_and_actions(rep, teammate):
    opportunity = opportunity_in("guiding", rep)
    team_member_add(actor=rep, opportunity=opportunity, user=teammate, role="sr")
    due = timezone.localdate() + datetime.timedelta(days=7)
    activity = services.activity_create(
        actor=rep,
        opportunity=opportunity,
        kind="project_meeting",
        subject="Weekly project meeting",
        minutes="Agreed the exchange.",
        actions=[{"title": "Send the agenda", "owner": teammate, "due_date": due}],
    )
    assert activity.actions.get().owner == teammate
    assert AuditEvent.objects.filter(action="guidance.activity_recorded").count() == 1


def test_action_owner_must_see_the_opportunity_and_nothing_is_half_written(rep, other_rep):
    opportunity = opportunity_in("guiding", rep)
    with pytest.raises(DomainError, match="The owner must be able to see the opportunity"):
        services.activity_create(
            actor=rep,
            opportunity=opportunity,
            kind="visit",
            subject="Visit",
            actions=[{"title": "x", "owner": other_rep, "due_date": timezone.localdate()}],
        )
    assert not Activity.objects.exists()
    assert not ActionItem.objects.exists()


def test_action_lifecycle_with_reasons(rep, teammate):
    opportunity = opportunity_in("guiding", rep)
    team_member_add(actor=rep, opportunity=opportunity, user=teammate, role="sr")
    item = services.action_item_create(
        actor=rep,
        opportunity=opportunity,
        title="Reference visit",
        owner=teammate,
        due_date=timezone.localdate(),
    )
    with pytest.raises(TransitionRefused, match="Say why the action is cancelled."):
        services.action_item_transition(actor=rep, item=item, target="cancelled")
    with pytest.raises(TransitionRefused, match="An action that is Open cannot be moved to Open."):
        services.action_item_transition(actor=rep, item=item, target="open")
    done = services.action_item_transition(actor=teammate, item=item, target="done", outcome="Visited")
    assert done.status == "done"
    assert done.completed_at is not None
    reopened = services.action_item_transition(actor=rep, item=done, target="open")
    assert reopened.status == "open"
    assert reopened.completed_at is None
    cancelled = services.action_item_transition(
        actor=rep, item=reopened, target="cancelled", outcome="Not needed"
    )
    assert cancelled.status == "cancelled"
    assert AuditEvent.objects.filter(action__startswith="guidance.action_").count() == 4


def test_overdue_actions(rep):
    opportunity = opportunity_in("guiding", rep)
    services.action_item_create(
        actor=rep,
        opportunity=opportunity,
        title="Late",
        owner=rep,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert ActionItem.objects.overdue().count() == 1
    assert ActionItem.objects.get().is_overdue


def test_other_region_cannot_touch_actions(rep, other_rep):
    opportunity = opportunity_in("guiding", rep)
    item = services.action_item_create(
        actor=rep, opportunity=opportunity, title="x", owner=rep, due_date=timezone.localdate()
    )
    with pytest.raises(NotFound):
        services.action_item_transition(actor=other_rep, item=item, target="done")
    with pytest.raises(NotFound):
        services.activity_create(actor=other_rep, opportunity=opportunity, kind="visit", subject="x")
