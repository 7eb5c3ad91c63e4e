from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from openltc.core.audit import record_event
from openltc.org.models import User

pytestmark = pytest.mark.django_db


def test_admin_values_with_uploads_and_querysets_are_stored_json_safe(rep):
    # The admin records cleaned form data: uploads and many-to-many querysets must not break it.
    with transaction.atomic():
        event = record_event(
            actor=rep,
            action="test.uploaded",
            subject=rep,
            after={"file": SimpleUploadedFile("合同.pdf", b"%PDF"), "people": User.objects.filter(pk=rep.pk)},
        )
    event.refresh_from_db()
    assert event.after == {"file": "合同.pdf", "people": [str(rep.pk)]}
