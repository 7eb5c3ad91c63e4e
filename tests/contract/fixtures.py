"""Rows for the models the demo leaves empty, so that every admin page of the permission contract
is asked with a record (its "no fixture" list must stay empty).

Each row is made the way the application makes it: a failed sign-in (axes), the deputy and
forecast services, an e-mailed lead, a task enqueued on the database task backend, and the
admin's own add page for a permission group (the only place groups are made).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.contract.harness import Context


def fill_models_the_demo_leaves_empty(ctx: Context) -> None:
    _group(ctx)
    _failed_sign_in(ctx)
    _deputy(ctx)
    _inbound_mail(ctx)
    _forecast_adjustment(ctx)
    _task_result()


def _group(ctx: Context) -> None:
    from django.contrib.auth.models import Group

    if Group.objects.exists():
        return
    client = Client(raise_request_exception=True)
    client.force_login(ctx.user("admin"))
    response = client.post(reverse("admin:auth_group_add"), {"name": "Contract reviewers", "_save": "Save"})
    assert response.status_code == 302, response.content[:500]


def _failed_sign_in(ctx: Context) -> None:
    """A wrong password: axes records the attempt (and, with its failure log on, the failure)."""
    with override_settings(AXES_ENABLE_ACCESS_FAILURE_LOG=True):
        response = Client(raise_request_exception=True).post(
            reverse("login"), {"username": ctx.user("other_rep").username, "password": "not-the-password"}
        )
    assert response.status_code == 200, response.status_code


def _deputy(ctx: Context) -> None:
    from openltc.decisions.services import deputy_appoint

    today = timezone.localdate()
    deputy_appoint(
        actor=ctx.user("sdt"),
        principal=ctx.user("sdt"),
        deputy=ctx.user("manager"),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=14),
        reason="Contract fixture: away at a customer workshop.",
    )


def _inbound_mail(ctx: Context) -> None:
    from openltc.leads.inbound import lead_capture_from_mail

    raw = (
        b"From: Wang Lei <wang.lei@contract-fixture.example>\r\n"
        b"To: leads@openltc.example\r\n"
        b"Subject: Core network upgrade enquiry\r\n"
        b"Message-ID: <contract-fixture-1@contract-fixture.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Company: Contract Fixture Telecom\r\nWe plan to upgrade our core network next year.\r\n"
    )
    lead_capture_from_mail(actor=ctx.user("admin"), raw=raw, channel="api")


def _forecast_adjustment(ctx: Context) -> None:
    from openltc.analytics.services import forecast_adjust

    manager = ctx.user("manager")
    month = timezone.localdate().replace(day=1)
    forecast_adjust(
        actor=manager,
        org_unit_id=manager.home_unit_id,
        month=month,
        category="commit",
        amount="1200000",
        reason="Contract fixture: one large order slips to next quarter.",
    )


def _task_result() -> None:
    """The tests run tasks at once (no queue); the admin's task results need the database backend."""
    from openltc.cash.tasks import send_overdue_alerts

    database_backend: dict[str, Any] = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with override_settings(TASKS=database_backend):
        send_overdue_alerts.enqueue()
