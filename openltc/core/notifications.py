"""Notifications go out only after the transaction that caused them commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def notify(*, recipients: Iterable[Any], subject: str, template: str, context: dict[str, Any]) -> None:
    """Queues one e-mail per recipient, in the recipient's language, once the caller commits."""
    people = [u for u in recipients if getattr(u, "email", "") and getattr(u, "is_active", True)]
    if not people:
        return

    def _enqueue() -> None:
        from django.conf import settings

        from openltc.core.tasks import send_notification_email

        for person in people:
            with translation.override(getattr(person, "preferred_language", "") or settings.LANGUAGE_CODE):
                body = render_to_string(
                    template, {**context, "recipient": person, "base_url": settings.OPENLTC_BASE_URL}
                )
                rendered_subject = str(translation.gettext(subject))
            send_notification_email.enqueue(recipients=[person.email], subject=rendered_subject, body=body)

    transaction.on_commit(_enqueue)
