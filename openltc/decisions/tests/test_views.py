"""Pages of the Decisions area: status codes, visibility, the same refusals as the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from openltc.decisions import selectors
from openltc.decisions.models import Decision, DecisionCase
from openltc.decisions.tests.factories import make_subject, open_case, submitted_case, upload


@pytest.fixture
def subject(rep: Any) -> Any:
    return make_subject(rep, grade="C")


def test_inbox_and_list_render_in_a_constant_number_of_queries(
    client: Any, rep: Any, manager: Any, subject: Any, django_assert_max_num_queries: Any
) -> None:
    for _i in range(3):
        submitted_case(rep, make_subject(rep))
    client.force_login(manager)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("decisions:inbox"))
    assert response.status_code == 200
    assert response.content.decode().count("/decisions/cases/") >= 3
    with django_assert_max_num_queries(15):
        assert client.get(reverse("decisions:list")).status_code == 200


def test_open_from_the_subject_page_then_submit(client: Any, rep: Any, subject: Any) -> None:
    client.force_login(rep)
    response = client.post(
        reverse("decisions:open"),
        {"subject_type": "opportunities.opportunity", "subject_id": str(subject.pk), "gate": "ATI"},
    )
    case = DecisionCase.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("decisions:case", args=[case.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Initiation application (立项申请)" in page.content.decode()
    response = client.post(reverse("decisions:submit", args=[case.pk]), follow=True)
    assert "Complete the required material first" in response.content.decode()
    for item in case.checklist.all():
        client.post(reverse("decisions:answer", args=[case.pk, item.pk]), {"answer": "Done"})
    client.post(reverse("decisions:submit", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == "awaiting_decision"


def test_other_region_rep_gets_404(client: Any, rep: Any, other_rep: Any, subject: Any) -> None:
    case = open_case(rep, subject)
    client.force_login(other_rep)
    assert client.get(reverse("decisions:case", args=[case.pk])).status_code == 404
    assert client.get(reverse("decisions:minutes", args=[case.pk])).status_code == 404
    assert client.post(reverse("decisions:submit", args=[case.pk])).status_code == 404


def test_decider_sees_the_form_and_decides(client: Any, rep: Any, manager: Any, subject: Any) -> None:
    case = submitted_case(rep, subject)
    client.force_login(manager)
    page = client.get(reverse("decisions:case", args=[case.pk])).content.decode()
    assert f'action="/decisions/cases/{case.pk}/decide/"' in page
    response = client.post(
        reverse("decisions:decide", args=[case.pk]),
        {
            "outcome": "approved",
            "rationale": "Good fit",
            "lock_version": case.lock_version,
            "cond-TOTAL_FORMS": "0",
            "cond-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert selectors.approved_decision(subject, "ATI") is not None
    minutes = client.get(reverse("decisions:minutes", args=[case.pk]))
    assert minutes.status_code == 200
    assert "Good fit" in minutes.content.decode()


def test_submitter_gets_no_decision_form_and_a_refused_post(client: Any, manager: Any) -> None:
    subject = make_subject(manager)
    case = submitted_case(manager, subject)
    client.force_login(manager)
    page = client.get(reverse("decisions:case", args=[case.pk])).content.decode()
    assert "The submitter of a case cannot decide it." in page
    assert "data-decision-form" not in page
    response = client.post(
        reverse("decisions:decide", args=[case.pk]),
        {"outcome": "approved", "rationale": "Mine", "cond-TOTAL_FORMS": "0", "cond-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 409
    assert "The submitter of a case cannot decide it." in response.content.decode()
    assert not Decision.objects.exists()


def test_deferral_without_a_revisit_date_is_shown_as_a_field_error(
    client: Any, rep: Any, manager: Any, subject: Any
) -> None:
    case = submitted_case(rep, subject)
    client.force_login(manager)
    response = client.post(
        reverse("decisions:decide", args=[case.pk]),
        {"outcome": "deferred", "rationale": "Later", "cond-TOTAL_FORMS": "0", "cond-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 422
    assert "A deferral needs a revisit date." in response.content.decode()


def test_bad_upload_is_a_form_error(client: Any, rep: Any, subject: Any) -> None:
    case = open_case(rep, subject)
    client.force_login(rep)
    response = client.post(reverse("decisions:attach", args=[case.pk]), {"file": upload("evil.exe")})
    assert response.status_code == 422
    assert "Files of type .exe are not accepted" in response.content.decode()


def test_attachment_download_respects_visibility(client: Any, rep: Any, other_rep: Any, subject: Any) -> None:
    from openltc.decisions import services

    case = open_case(rep, subject)
    attachment = services.attachment_add(actor=rep, case=case, upload=upload("plan.pdf"))
    client.force_login(rep)
    assert client.get(reverse("decisions:attachment", args=[case.pk, attachment.pk])).status_code == 200
    client.force_login(other_rep)
    assert client.get(reverse("decisions:attachment", args=[case.pk, attachment.pk])).status_code == 404


def test_deputies_page_appoints(client: Any, manager: Any, teammate: Any) -> None:
    import datetime

    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        reverse("decisions:deputies"),
        {
            "deputy": teammate.pk,
            "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=3)).isoformat(),
            "reason": "Trip",
        },
    )
    assert response.status_code == 302
    assert manager.deputies_appointed.get().deputy == teammate


def test_checklist_answer_as_htmx_partial(client: Any, rep: Any, subject: Any) -> None:
    case = open_case(rep, subject)
    item = case.checklist.first()
    client.force_login(rep)
    response = client.post(
        reverse("decisions:answer", args=[case.pk, item.pk]),
        {"answer": "Updated answer"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<li")
    assert "Updated answer" in body
    item.refresh_from_db()
    assert item.answer == "Updated answer"
    # The actions card comes along out of band: the material is complete, so submit is enabled.
    actions = body[body.index('id="case-actions"') :]
    assert 'hx-swap-oob="true"' in actions
    assert "Submit for decision" in actions
    assert 'disabled aria-describedby="why-submit"' not in actions


def test_pages_render_in_chinese(client: Any, rep: Any, manager: Any, subject: Any) -> None:
    case = submitted_case(rep, subject)
    manager.preferred_language = "zh-hans"
    manager.save()
    client.force_login(manager)
    inbox = client.get(reverse("decisions:inbox")).content.decode()
    assert "等待我决策" in inbox
    page = client.get(reverse("decisions:case", args=[case.pk])).content.decode()
    assert "记录决策" in page
    minutes = client.get(reverse("decisions:minutes", args=[case.pk])).content.decode()
    assert "决策纪要" in minutes
