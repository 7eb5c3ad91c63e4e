"""The `openltc` command: Django's management commands under one name.

openltc serve     production web server (gunicorn, several workers) plus a task worker
openltc worker    background task worker (django-tasks database backend)
openltc demo      load the deterministic demo organisation and data (idempotent)
openltc check-integrity   verify cross-record invariants (exit status 1 on violations)
openltc fetch-lead-mail   capture leads from the lead mailbox (Maildir or IMAP; see docs/leads.md)
openltc backup [--output PATH] / openltc restore PATH [--force]   database backup and restore
openltc <any>     any other management command (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import os
import sys

# Command names people type, mapped to Django command modules (which cannot contain "-").
ALIASES = {"check-integrity": "check_integrity", "fetch-lead-mail": "fetch_lead_mail"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openltc.config.settings.local")
    from django.core.management import execute_from_command_line

    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__)
        if not args:
            return
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    execute_from_command_line(["openltc", *args])


if __name__ == "__main__":
    main()
