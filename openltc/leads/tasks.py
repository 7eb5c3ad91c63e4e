"""Background jobs of the leads app, run by `openltc worker` (django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def remind_overdue_first_contacts() -> int:
    """Sends the first-contact SLA reminders for leads whose deadline has passed (once each)."""
    from openltc.leads.services import remind_overdue_first_contacts as remind

    count = remind()
    logger.info("first-contact reminders sent for %d lead(s)", count)
    return count


@task()
def fetch_lead_mail() -> dict[str, object]:
    """Captures leads from the mailbox the environment configures (see docs/leads.md)."""
    from openltc.leads.inbound import fetch_lead_mail as fetch
    from openltc.leads.inbound import source_from_env

    source = source_from_env()
    if source is None:
        logger.warning("lead mail: no mailbox configured (OPENLTC_LEAD_MAIL_MAILDIR or _IMAP_HOST)")
        return {"captured": 0, "duplicates": 0, "failed": 0, "problems": [], "configured": False}
    return fetch(source=source).as_dict()
