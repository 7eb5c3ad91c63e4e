"""The API follows the same rules and errors as the services and pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from openltc.decisions.models import Decision, DecisionCase
from openltc.decisions.tests.factories import fill_checklist, make_subject, submitted_case

API = "/api/v1/decisions"


@pytest.fixture
def subject(rep: Any) -> Any:
    return make_subject(rep, grade="C")


def test_open_fill_submit_and_decide_through_the_api(
    api_client_for: Any, rep: Any, manager: Any, subject: Any
) -> None:
    client = api_client_for(rep)
    response = client.post(
        f"{API}/cases",
        {"subject_type": "opportunities.opportunity", "subject_id": str(subject.pk), "gate": "ATI"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case_id = body["id"]
    assert body["status"] == "draft"
    refused = client.post(f"{API}/cases/{case_id}/submit", {}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "transition_refused"
    assert refused.json()["message"].startswith("Complete the required material first:")
    for item in body["checklist"]:
        r = client.post(
            f"{API}/cases/{case_id}/checklist/{item['id']}", {"answer": "ok"}, content_type="application/json"
        )
        assert r.status_code == 200
    submitted = client.post(f"{API}/cases/{case_id}/submit", {}, content_type="application/json")
    assert submitted.status_code == 200
    assert submitted.json()["routed_level"] == 1
    decider = api_client_for(manager)
    listed = decider.get(f"{API}/cases", {"waiting_for_me": "true"})
    assert [c["id"] for c in listed.json()["items"]] == [case_id]
    decided = decider.post(
        f"{API}/cases/{case_id}/decide",
        {"outcome": "approved", "rationale": "Go"},
        content_type="application/json",
    )
    assert decided.status_code == 200
    assert decided.json()["outcome"] == "approved"
    assert decided.json()["decisions"][0]["decided_by"] == "manager"
    minutes = decider.get(f"{API}/cases/{case_id}/minutes")
    assert minutes.status_code == 200


def test_submitter_decide_is_refused_with_the_same_message(api_client_for: Any, manager: Any) -> None:
    case = submitted_case(manager, make_subject(manager))
    response = api_client_for(manager).post(
        f"{API}/cases/{case.pk}/decide",
        {"outcome": "approved", "rationale": "x"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "transition_refused",
        "message": "The submitter of a case cannot decide it.",
        "errors": [],
        "extra": response.json()["extra"],
    }


def test_second_decider_gets_409_naming_the_first(
    api_client_for: Any, rep: Any, manager: Any, executive: Any, subject: Any
) -> None:
    case = submitted_case(rep, subject)
    first = api_client_for(manager).post(
        f"{API}/cases/{case.pk}/decide",
        {"outcome": "approved", "rationale": "Go"},
        content_type="application/json",
    )
    assert first.status_code == 200
    second = api_client_for(executive).post(
        f"{API}/cases/{case.pk}/decide",
        {"outcome": "rejected", "rationale": "No"},
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["message"] == "This case was already decided by manager."
    assert Decision.objects.count() == 1


def test_deferral_without_a_date_is_422_with_a_field(
    api_client_for: Any, rep: Any, manager: Any, subject: Any
) -> None:
    case = submitted_case(rep, subject)
    response = api_client_for(manager).post(
        f"{API}/cases/{case.pk}/decide",
        {"outcome": "deferred", "rationale": "Later"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "revisit_on", "message": "A deferral needs a revisit date."}
    ]


def test_conditions_through_the_api(
    api_client_for: Any, rep: Any, manager: Any, teammate: Any, subject: Any
) -> None:
    case = submitted_case(rep, subject)
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = api_client_for(manager).post(
        f"{API}/cases/{case.pk}/decide",
        {
            "outcome": "approved_with_conditions",
            "rationale": "If",
            "conditions": [{"text": "Coach", "owner_id": teammate.pk, "due_date": due}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    condition = response.json()["conditions"][0]
    refused = api_client_for(rep).post(
        f"{API}/conditions/{condition['id']}/close", {"note": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    closed = api_client_for(teammate).post(
        f"{API}/conditions/{condition['id']}/close", {"note": "Met"}, content_type="application/json"
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


def test_outsider_gets_404_everywhere(api_client_for: Any, rep: Any, other_rep: Any, subject: Any) -> None:
    case = submitted_case(rep, subject)
    client = api_client_for(other_rep)
    assert client.get(f"{API}/cases/{case.pk}").status_code == 404
    assert (
        client.post(
            f"{API}/cases/{case.pk}/decide",
            {"outcome": "approved", "rationale": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    opened = client.post(
        f"{API}/cases",
        {"subject_type": "opportunities.opportunity", "subject_id": str(make_subject(rep).pk), "gate": "ATI"},
        content_type="application/json",
    )
    assert opened.status_code == 404
    assert client.get(f"{API}/cases").json()["count"] == 0


def test_unknown_subject_type_and_bad_ids(api_client_for: Any, rep: Any) -> None:
    client = api_client_for(rep)
    r = client.post(
        f"{API}/cases",
        {"subject_type": "org.user", "subject_id": "1", "gate": "ATI"},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = client.post(
        f"{API}/cases",
        {"subject_type": "opportunities.opportunity", "subject_id": "not-a-uuid", "gate": "ATI"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_attachment_upload_via_api(api_client_for: Any, rep: Any, subject: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_client_for(rep)
    from openltc.decisions import services

    case = services.case_open(actor=rep, subject=subject, gate="ATI")
    r = client.post(
        f"{API}/cases/{case.pk}/attachments", {"file": SimpleUploadedFile("../x/plan.pdf", b"%PDF")}
    )
    assert r.status_code == 201, r.content
    assert r.json()["original_name"] == "plan.pdf"
    r = client.post(f"{API}/cases/{case.pk}/attachments", {"file": SimpleUploadedFile("plan.bat", b"x")})
    assert r.status_code == 422
    fill_checklist(rep, case)
    assert DecisionCase.objects.get(pk=case.pk).attachments.count() == 1
