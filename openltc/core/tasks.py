"""Background jobs of the core app, run by `openltc worker` (django-tasks, database backend)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_notification_email(*, recipients: list[str], subject: str, body: str) -> int:
    """Sends one notification e-mail; the recipients' addresses are not logged."""
    sent = send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    logger.info("notification e-mail sent to %d recipient(s)", len(recipients))
    return sent
