"""Captures leads from the lead mailbox (Maildir or IMAP, configured by the environment).

Run it from cron (``*/5 * * * * openltc fetch_lead_mail``), or queue it for the worker with
``--enqueue``. ``--maildir PATH`` reads that Maildir instead of the configured mailbox.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openltc.core.errors import DomainError


class Command(BaseCommand):
    help = "Capture leads from the messages sent to the lead e-mail address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--maildir", help="Read this Maildir instead of the configured mailbox.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many messages.")
        parser.add_argument("--enqueue", action="store_true", help="Queue the job for the worker instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        from openltc.leads.inbound import MaildirSource, fetch_lead_mail, source_from_env
        from openltc.leads.tasks import fetch_lead_mail as fetch_task

        if options["enqueue"]:
            result = fetch_task.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        try:
            source = MaildirSource(options["maildir"]) if options["maildir"] else source_from_env()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if source is None:
            raise CommandError(
                "No lead mailbox is configured: set OPENLTC_LEAD_MAIL_MAILDIR or OPENLTC_LEAD_MAIL_IMAP_HOST "
                "(see docs/leads.md), or pass --maildir."
            )
        report = fetch_lead_mail(source=source, limit=options["limit"])
        self.stdout.write(
            f"{report.captured} captured, {report.duplicates} duplicates, {report.failed} failed"
        )
        for message, problem in report.problems:
            self.stderr.write(f"  {message}: {problem}")
