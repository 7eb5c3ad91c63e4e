"""Reading a lead out of an e-mail (RFC 822 / MIME) with the standard library's ``email`` package.

``parse_lead_mail`` is pure: raw bytes in, a :class:`LeadMail` out (or :class:`MailRefused` with a
reason a person can act on). The subject becomes the lead's title, the sender (or the Reply-To a
web form sets) the contact, and the body text the customer's pain or expectation. Lines such as
``Company: …`` / ``公司：…`` or ``Phone: …`` / ``电话：…`` in the body fill the company and the
phone, as web forms write them. Chinese mail arrives as GB2312/GBK/GB18030 or UTF-8, in encoded
words or (from older clients) as raw 8-bit headers; every one is decoded.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_BODY_CHARS = 20_000
MAX_MESSAGE_ID = 255

# Charsets mail clients declare for Chinese text; GB18030 is a superset of both.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}

FIELD_LINE = re.compile(r"^\s*(?P<label>[^:：\n]{1,20}?)\s*[:：]\s*(?P<value>.+?)\s*$", re.MULTILINE)
LABELS = {
    "company": {
        "company",
        "company name",
        "organisation",
        "organization",
        "account",
        "公司",
        "公司名称",
        "单位",
        "单位名称",
        "客户名称",
    },
    "phone": {"phone", "telephone", "tel", "mobile", "电话", "手机", "手机号", "联系电话"},
    "name": {"name", "contact", "contact name", "full name", "姓名", "联系人"},
}


class MailRefused(Exception):
    """The message cannot become a lead; the message says why."""


@dataclass
class LeadMail:
    """What a message says about a lead."""

    message_id: str
    subject: str
    sender_name: str
    sender_email: str
    recipient: str
    body: str
    company: str = ""
    phone: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def sender(self) -> str:
        if self.sender_name and self.sender_email:
            return f"{self.sender_name} <{self.sender_email}>"
        return self.sender_email or self.sender_name


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Text of a body part: the declared charset first, then UTF-8, then GB18030."""
    tried: list[str] = []
    for candidate in (charset, "utf-8", "gb18030"):
        if not candidate:
            continue
        name = CHARSET_ALIASES.get(candidate.lower(), candidate.lower())
        if name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _header(message: Message, name: str) -> str:
    """A header as text, decoded here rather than by the policy so that mislabelled charsets
    (GBK text declared GB2312) and raw 8-bit headers (which the parser keeps as surrogate escapes)
    are read as UTF-8 or else GB18030."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return ""
    text = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = _decode_bytes(text.encode("ascii", "surrogateescape"), None)
    text = re.sub(r"\r?\n[ \t]", " ", text)
    try:
        parts = decode_header(text)
    except (HeaderParseError, ValueError):
        parts = [(text, None)]
    decoded = "".join(
        _decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in parts
    )
    return " ".join(decoded.replace("\x00", "").split())


class _HTMLText(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode_bytes(payload, part.get_content_charset())


def body_text(message: Message) -> str:
    """The message's text: the first text/plain part that is not an attachment, else the first
    text/html part turned into text."""
    plain = html = None
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        if disposition.startswith("attachment"):
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _part_text(part)
        elif kind == "text/html" and html is None:
            html = html_to_text(_part_text(part))
    text = plain if plain and plain.strip() else (html or plain or "")
    text = text.replace("\r\n", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())[:MAX_BODY_CHARS]


def _address(message: Message, name: str) -> tuple[str, str]:
    raw = _header(message, name)
    if not raw:
        return "", ""
    pairs = getaddresses([raw])
    display, address = pairs[0] if pairs else parseaddr(raw)
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        address = ""
    if len(address) > 254:  # longer than a lead's e-mail field holds: keep the lead, drop the address
        address = ""
    return " ".join(display.split()).strip("\"' "), address


def _fields(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in FIELD_LINE.finditer(body[:5000]):
        label = " ".join(match.group("label").lower().split())
        for key, labels in LABELS.items():
            if label in labels and key not in found:
                found[key] = match.group("value")[:200]
    return found


def message_id_of(message: Message, raw: bytes) -> str:
    """The Message-ID, or a stable stand-in derived from the content when a sender left it out."""
    value = _header(message, "Message-ID").strip()
    if not value:
        return f"<sha256-{hashlib.sha256(raw).hexdigest()}@openltc.invalid>"
    if len(value) > MAX_MESSAGE_ID:
        return f"<sha256-{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}@openltc.invalid>"
    return value


def parse_lead_mail(raw: bytes) -> LeadMail:
    """Reads one raw message; raises MailRefused when it cannot become a lead."""
    if not raw or not raw.strip():
        raise MailRefused(_("The message is empty."))
    try:
        message: EmailMessage | Message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable message
        raise MailRefused(_("The message could not be read: %(error)s") % {"error": exc}) from None
    if not message.keys():
        raise MailRefused(_("The message has no headers; it is not an e-mail."))
    sender_name, sender_email = _address(message, "From")
    reply_name, reply_email = _address(message, "Reply-To")
    if reply_email:
        sender_name, sender_email = reply_name or sender_name, reply_email
    try:
        body = body_text(message)
    except Exception:  # noqa: BLE001 - a broken MIME structure leaves the body unreadable
        body = ""
    found = _fields(body)
    subject = _header(message, "Subject")[:200].strip()
    if not subject:
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        who = found.get("company") or sender_name or sender_email
        subject = (_("E-mail from %(sender)s") % {"sender": who})[:200] if who else first[:200]
    if not subject:
        raise MailRefused(_("The message has no subject, no sender and no text."))
    company = found.get("company", "")
    if not company and sender_email:
        company = sender_email.rsplit("@", 1)[1]
    if not company:
        raise MailRefused(
            _("The message has no sender address and names no company (write “Company: …” in the text).")
        )
    _to_name, recipient = _address(message, "To")
    return LeadMail(
        message_id=message_id_of(message, raw),
        subject=subject,
        sender_name=(found.get("name") or sender_name)[:120],
        sender_email=sender_email,
        recipient=recipient,
        body=body,
        company=company[:200],
        phone=found.get("phone", "")[:40],
    )
