"""Leads sent to the company's lead e-mail address (线索邮箱).

Two ways in, one path: the mail fetcher (``openltc fetch_lead_mail``, or the ``fetch_lead_mail``
task on the worker) reads a Maildir or an IMAP mailbox, and a mail gateway may post the raw message
to ``POST /api/v1/leads/inbound-mail``. Both call :func:`lead_capture_from_mail`, which reads the
message (``leads.mail``), creates the lead through ``services.lead_create`` (source "e-mail", in the
configured unit's pool), runs the distribution rules, and remembers the Message-ID so the same
message never makes two leads. A message that cannot become a lead is reported and remembered as
failed; nothing of it is written. Mailbox settings come from the environment (see docs/leads.md);
the password is never logged or shown.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openltc.core.audit import record_event
from openltc.core.errors import DomainError
from openltc.core.imports import ImportValueError, phone
from openltc.leads.choices import InboundMailStatus, LeadSource
from openltc.leads.mail import LeadMail, MailRefused, parse_lead_mail
from openltc.leads.models import InboundLeadMail, Lead, LeadSettings

logger = logging.getLogger(__name__)

CAPTURED = "captured"
DUPLICATE = "duplicate"
FAILED = "failed"


@dataclass
class MailOutcome:
    """What became of one message."""

    status: str  # captured, duplicate or failed
    message_id: str
    subject: str = ""
    lead: Lead | None = None
    error: str = ""


def _refused_id(raw: bytes) -> str:
    return f"<sha256-{hashlib.sha256(raw or b'').hexdigest()}@openltc.invalid>"


def _remember_failure(*, message_id: str, channel: str, sender: str, subject: str, error: str) -> None:
    try:
        with transaction.atomic():
            InboundLeadMail.objects.update_or_create(
                message_id=message_id,
                status=InboundMailStatus.FAILED,
                defaults={
                    "channel": channel,
                    "sender": sender[:320],
                    "subject": subject[:300],
                    "error": error,
                },
            )
    except IntegrityError:  # captured meanwhile by another run; nothing to remember
        pass


def _error_text(exc: DomainError) -> str:
    details = [f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in exc.field_errors.items()]
    return " ".join([exc.message, *details]) if details else exc.message


def _lead_data(mail: LeadMail, org_unit: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": mail.subject,
        "source": LeadSource.EMAIL,
        "source_detail": (mail.recipient or mail.sender)[:200],
        "company_name": mail.company,
        "contact_name": mail.sender_name,
        "contact_email": mail.sender_email,
        "pain_text": mail.body,
        "org_unit": org_unit,
    }
    if mail.phone:
        try:
            data["contact_phone"] = phone()(mail.phone)
        except ImportValueError:
            mail.warnings.append(_("“%(value)s” is not a valid phone number.") % {"value": mail.phone})
    return data


def lead_capture_from_mail(*, actor: Any, raw: bytes, channel: str) -> MailOutcome:
    """Captures the lead one raw message describes; never raises for a bad message.

    ``actor`` is None for the mail fetcher (the system) or the gateway's API user. The lead goes to
    the unit set in the lead settings (else the actor's home unit) and is distributed by the rules
    when the settings say so; the lead, its distribution, its audit events and the remembered
    Message-ID commit together or not at all.
    """
    try:
        mail = parse_lead_mail(raw)
    except MailRefused as exc:
        _remember_failure(message_id=_refused_id(raw), channel=channel, sender="", subject="", error=str(exc))
        return MailOutcome(FAILED, _refused_id(raw), error=str(exc))
    known = InboundLeadMail.objects.filter(message_id=mail.message_id, status=InboundMailStatus.CAPTURED)
    seen = known.select_related("lead").first()
    if seen is not None:
        return MailOutcome(DUPLICATE, mail.message_id, mail.subject, lead=seen.lead)
    settings = LeadSettings.current()
    unit = settings.inbound_mail_org_unit or getattr(actor, "home_unit", None)
    failure = {
        "message_id": mail.message_id,
        "channel": channel,
        "sender": mail.sender,
        "subject": mail.subject,
    }
    if unit is None:
        error = _("No org unit is set for e-mailed leads; set it in the lead settings.")
        _remember_failure(**failure, error=error)
        return MailOutcome(FAILED, mail.message_id, mail.subject, error=error)
    from openltc.leads.services import lead_auto_distribute, lead_create

    try:
        with transaction.atomic():
            lead = lead_create(actor=actor, data=_lead_data(mail, unit))
            InboundLeadMail.objects.update_or_create(
                message_id=mail.message_id,
                defaults={
                    "channel": channel,
                    "sender": mail.sender[:320],
                    "subject": mail.subject[:300],
                    "status": InboundMailStatus.CAPTURED,
                    "error": " ".join(mail.warnings),
                    "lead": lead,
                },
            )
            record_event(
                actor=actor,
                action="lead.captured_from_mail",
                subject=lead,
                after={"message_id": mail.message_id, "sender": mail.sender, "channel": channel},
            )
            if settings.distribute_inbound_mail:
                lead = lead_auto_distribute(lead=lead)
    except IntegrityError:  # the same message captured at the same moment by another run
        return MailOutcome(DUPLICATE, mail.message_id, mail.subject)
    except DomainError as exc:
        _remember_failure(**failure, error=_error_text(exc))
        return MailOutcome(FAILED, mail.message_id, mail.subject, error=_error_text(exc))
    return MailOutcome(CAPTURED, mail.message_id, mail.subject, lead=lead)


# --- mailboxes -----------------------------------------------------------------------------------


class MailSource(Protocol):
    channel: str

    def messages(self) -> Iterator[tuple[Any, bytes]]: ...

    def done(self, key: Any, *, ok: bool) -> None: ...

    def close(self) -> None: ...


class MaildirSource:
    """A local Maildir (delivered by the MTA, fetchmail or getmail). Messages not yet marked seen
    are read; afterwards they are marked seen (S), failed ones also flagged (F), and processed ones
    moved to the ``done_folder`` sub-folder when one is named."""

    channel = "maildir"

    def __init__(self, path: str | Path, *, done_folder: str = "") -> None:
        if not (Path(path) / "cur").is_dir() or not (Path(path) / "new").is_dir():
            raise DomainError(_("“%(path)s” is not a Maildir (it needs cur/ and new/).") % {"path": path})
        self.box = mailbox.Maildir(str(path), factory=None, create=False)
        self.done_folder = done_folder

    def messages(self) -> Iterator[tuple[Any, bytes]]:
        for key in sorted(self.box.keys()):
            try:
                message = self.box.get_message(key)
            except (KeyError, FileNotFoundError):
                continue  # moved away by another run meanwhile
            if "S" in message.get_flags():
                continue
            yield key, self.box.get_bytes(key)

    def done(self, key: Any, *, ok: bool) -> None:
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S" if ok else "SF")
        if ok and self.done_folder:
            try:
                folder = self.box.get_folder(self.done_folder)
            except mailbox.NoSuchMailboxError:
                folder = self.box.add_folder(self.done_folder)
            folder.add(message)
            self.box.remove(key)
            return
        self.box[key] = message

    def close(self) -> None:
        self.box.close()


class ImapSource:
    """An IMAP mailbox. Unseen messages are read without marking them; afterwards they are marked
    seen, failed ones also flagged, and processed ones moved to ``done_folder`` when one is named."""

    channel = "imap"

    def __init__(
        self,
        *,
        host: str,
        user: str,
        password: str,
        port: int = 993,
        ssl: bool = True,
        folder: str = "INBOX",
        done_folder: str = "",
        connect: Any = None,
    ) -> None:
        self.host, self.user, self.folder, self.done_folder = host, user, folder, done_folder
        factory = connect or (imaplib.IMAP4_SSL if ssl else imaplib.IMAP4)
        try:
            self.conn = factory(host, port)
            self.conn.login(user, password)
        except (OSError, imaplib.IMAP4.error) as exc:
            # The password is not part of the message, whatever the server answered.
            raise DomainError(
                _("Could not sign in to the IMAP server %(host)s as %(user)s: %(error)s")
                % {
                    "host": host,
                    "user": user,
                    "error": str(exc).replace(password, "***") if password else exc,
                }
            ) from None
        status, _data = self.conn.select(folder)
        if status != "OK":
            raise DomainError(_("The IMAP folder “%(folder)s” cannot be opened.") % {"folder": folder})
        self.moved = False

    def messages(self) -> Iterator[tuple[Any, bytes]]:
        status, data = self.conn.uid("SEARCH", "UNSEEN")
        if status != "OK" or not data or not data[0]:
            return
        for uid in data[0].split():
            status, parts = self.conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
            if status == "OK" and isinstance(raw, bytes):
                yield uid, raw

    def done(self, key: Any, *, ok: bool) -> None:
        if ok and self.done_folder:
            status, _data = self.conn.uid("COPY", key, self.done_folder)
            if status == "OK":
                self.conn.uid("STORE", key, "+FLAGS", "(\\Seen \\Deleted)")
                self.moved = True
                return
        self.conn.uid("STORE", key, "+FLAGS", "(\\Seen)" if ok else "(\\Seen \\Flagged)")

    def close(self) -> None:
        try:
            if self.moved:
                self.conn.expunge()
            self.conn.close()
            self.conn.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.warning("closing the IMAP connection to %s failed", self.host)


def _env_port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ImproperlyConfigured(f"OPENLTC_LEAD_MAIL_IMAP_PORT={raw!r} is not a port number.")
    return port


def source_from_env(environ: Any = None) -> MailSource | None:
    """The mailbox the environment configures, or None when none is.

    OPENLTC_LEAD_MAIL_MAILDIR (a path), or OPENLTC_LEAD_MAIL_IMAP_HOST with _IMAP_USER,
    _IMAP_PASSWORD, _IMAP_PORT (993), _IMAP_SSL (true), _IMAP_FOLDER (INBOX); and
    OPENLTC_LEAD_MAIL_DONE_FOLDER to move processed messages.
    """
    env = os.environ if environ is None else environ
    done = env.get("OPENLTC_LEAD_MAIL_DONE_FOLDER", "")
    if env.get("OPENLTC_LEAD_MAIL_MAILDIR"):
        return MaildirSource(env["OPENLTC_LEAD_MAIL_MAILDIR"], done_folder=done)
    if env.get("OPENLTC_LEAD_MAIL_IMAP_HOST"):
        return ImapSource(
            host=env["OPENLTC_LEAD_MAIL_IMAP_HOST"],
            user=env.get("OPENLTC_LEAD_MAIL_IMAP_USER", ""),
            password=env.get("OPENLTC_LEAD_MAIL_IMAP_PASSWORD", ""),
            port=_env_port(env.get("OPENLTC_LEAD_MAIL_IMAP_PORT", "993")),
            ssl=env.get("OPENLTC_LEAD_MAIL_IMAP_SSL", "true").strip().lower()
            not in ("0", "false", "no", "off"),
            folder=env.get("OPENLTC_LEAD_MAIL_IMAP_FOLDER", "INBOX"),
            done_folder=done,
        )
    return None


@dataclass
class FetchReport:
    captured: int = 0
    duplicates: int = 0
    failed: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (message, why)

    def as_dict(self) -> dict[str, Any]:
        return {
            "captured": self.captured,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "problems": [list(p) for p in self.problems],
        }


def fetch_lead_mail(*, source: MailSource, limit: int | None = None) -> FetchReport:
    """Captures a lead from each new message of ``source``. A bad message is reported and marked;
    an unexpected error is reported and the message left for the next run; the run goes on."""
    report = FetchReport()
    try:
        for count, (key, raw) in enumerate(source.messages()):
            if limit is not None and count >= limit:
                break
            try:
                outcome = lead_capture_from_mail(actor=None, raw=raw, channel=source.channel)
            except Exception as exc:  # noqa: BLE001 - one message must not stop the run
                logger.exception("capturing a lead from message %s failed", key)
                report.problems.append((str(key), _("Unexpected error: %(error)s") % {"error": exc}))
                continue
            if outcome.status == FAILED:
                report.failed += 1
                report.problems.append((outcome.subject or outcome.message_id, outcome.error))
            elif outcome.status == DUPLICATE:
                report.duplicates += 1
            else:
                report.captured += 1
            source.done(key, ok=outcome.status != FAILED)
    finally:
        source.close()
    logger.info(
        "lead mail: %d captured, %d duplicates, %d failed", report.captured, report.duplicates, report.failed
    )
    return report
