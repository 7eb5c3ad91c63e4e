"""Demo builder (idempotent) and the admin's template upload checks."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from openltc.guidance import demo
from openltc.guidance.models import (
    ActionItem,
    Activity,
    AppealsAnalysis,
    DocumentTemplate,
    Playbook,
    ValueMessage,
)
from openltc.guidance.tests.factories import opportunity_in

pytestmark = pytest.mark.django_db


def test_demo_builds_guidance_once(rep):
    opportunity = opportunity_in("validating", rep)
    demo.build()
    demo.build()
    assert AppealsAnalysis.objects.filter(opportunity=opportunity).count() == 1
    assert ValueMessage.objects.filter(opportunity=opportunity).count() == 2
    assert Activity.objects.filter(opportunity=opportunity).count() == 1
    assert ActionItem.objects.filter(opportunity=opportunity).count() == 3
    assert ActionItem.objects.overdue().count() == 1
    analysis = AppealsAnalysis.objects.get(opportunity=opportunity)
    assert sum(r.customer_weight for r in analysis.ratings.all()) == 100


def test_admin_refuses_a_bad_template_file(admin_user):
    client = Client()
    client.force_login(admin_user)
    playbook = Playbook.objects.get(stage="guiding")
    before = DocumentTemplate.objects.count()
    response = client.post(
        "/admin/guidance/documenttemplate/add/",
        {
            "playbook": str(playbook.pk),
            "position": "5",
            "name": "Virus",
            "file": SimpleUploadedFile("virus.exe", b"MZ"),
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Files of type .exe are not accepted" in response.content.decode()
    assert DocumentTemplate.objects.count() == before
    response = client.post(
        "/admin/guidance/documenttemplate/add/",
        {
            "playbook": str(playbook.pk),
            "position": "5",
            "name": "Plan",
            "file": SimpleUploadedFile("plan.docx", b"PK docx"),
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(name="Plan")
    assert template.original_name.endswith(".docx")
    assert template.size == 7
