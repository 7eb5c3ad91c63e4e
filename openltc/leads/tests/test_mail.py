"""Leads sent to the lead e-mail address: the parser, the capture service, the Maildir and IMAP
fetchers, the management command and the mail-gateway API."""

from __future__ import annotations

import base64
import logging
import mailbox
from email.header import Header
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from openltc.core.errors import DomainError
from openltc.core.models import AuditEvent
from openltc.leads import inbound
from openltc.leads.choices import DistributionKind, InboundMailStatus, LeadSource
from openltc.leads.inbound import ImapSource, MaildirSource, fetch_lead_mail, lead_capture_from_mail
from openltc.leads.mail import MailRefused, html_to_text, parse_lead_mail
from openltc.leads.models import DistributionRule, InboundLeadMail, Lead, LeadSettings


def b64(text: str, charset: str = "utf-8") -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def plain_mail(
    *,
    subject: str = "Campus network upgrade",
    sender: str = "Li Lei <li.lei@acme.example>",
    body: str = "We need a new campus network.\nCompany: Acme Shanghai\nPhone: +86 21 5555 0100",
    message_id: str | None = "<m1@acme.example>",
    extra: str = "",
) -> bytes:
    headers = [f"From: {sender}"] if sender else []
    headers += ["To: leads@openltc.example", f"Subject: {subject}"]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    headers += ["Content-Transfer-Encoding: base64"]
    if extra:
        headers.append(extra)
    return ("\r\n".join(headers) + "\r\n\r\n" + b64(body) + "\r\n").encode("ascii")


CHINESE_UTF8 = plain_mail(
    subject=f"=?UTF-8?B?{b64('华东园区网络改造项目')}?=",
    sender=f"=?UTF-8?B?{b64('张伟')}?= <zhang.wei@huadong.example>",
    body="您好，我们计划明年改造园区网络。\n公司：上海华东科技有限公司\n电话：13800138000\n",
    message_id="<cn-utf8@huadong.example>",
)

# GBK text declared as GB2312 (what many Chinese clients send); 镕 is outside GB2312.
GB_SUBJECT = "朱镕基大厦机房扩容"
CHINESE_GB = (
    "From: =?gb2312?B?"
    + b64("王芳", "gb18030")
    + "?= <wang.fang@example.cn>\r\n"
    + "To: leads@openltc.example\r\n"
    + f"Subject: =?gb2312?B?{b64(GB_SUBJECT, 'gb18030')}?=\r\n"
    + "Message-ID: <cn-gb@example.cn>\r\n"
    + "MIME-Version: 1.0\r\n"
    + "Content-Type: text/plain; charset=gb2312\r\n"
    + "Content-Transfer-Encoding: 8bit\r\n\r\n"
).encode("ascii") + "机房需要扩容，预算约两百万。\r\n单位：北京某某数据有限公司\r\n".encode("gb18030")

# An old client writing the subject as raw GB18030 bytes, without encoded words.
RAW_8BIT_GB = (
    b"From: sales@example.cn\r\nSubject: "
    + "政务云采购意向".encode("gb18030")
    + b"\r\nMessage-ID: <raw8@example.cn>\r\nContent-Type: text/plain; charset=gb18030\r\n\r\n"
    + "请联系我们。".encode("gb18030")
)

MULTIPART = b"""From: "Chen Jie" <chen.jie@bank.example>
To: leads@openltc.example
Subject: Core banking network refresh
Message-ID: <multi@bank.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="OUTER"

--OUTER
Content-Type: multipart/alternative; boundary="INNER"

--INNER
Content-Type: text/plain; charset=utf-8

Plain text wins.
Company: First Bank

--INNER
Content-Type: text/html; charset=utf-8

<p>HTML loses.</p>

--INNER--
--OUTER
Content-Type: application/pdf
Content-Disposition: attachment; filename="rfp.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--OUTER--
"""

HTML_ONLY = b"""From: Web form <noreply@www.example>
Reply-To: Zhao Min <zhao.min@visitor.example>
To: leads@openltc.example
Subject: Contact form: data centre
Message-ID: <html@www.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style><script>alert(1)</script></head>
<body><p>Name: Zhao Min</p><p>Company: Visitor Group</p><p>We&nbsp;need&nbsp;racks &amp; cooling.</p></body></html>
"""

NO_FROM_WITH_COMPANY = b"""To: leads@openltc.example
Subject: Tender for campus Wi-Fi
Message-ID: <nofrom@example>
Content-Type: text/plain; charset=utf-8

Company: Tender Office of Pudong
The tender closes next month.
"""

NO_FROM_NO_COMPANY = b"""To: leads@openltc.example
Subject: Hello
Message-ID: <nothing@example>
Content-Type: text/plain; charset=utf-8

Just saying hello.
"""


@pytest.fixture
def mail_unit(org: Any) -> Any:
    settings = LeadSettings.current()
    settings.inbound_mail_org_unit = org.sh
    settings.save()
    return org.sh


# --- the parser ---------------------------------------------------------------------------------


def test_parser_reads_chinese_utf8_encoded_words() -> None:
    mail = parse_lead_mail(CHINESE_UTF8)
    assert mail.subject == "华东园区网络改造项目"
    assert (mail.sender_name, mail.sender_email) == ("张伟", "zhang.wei@huadong.example")
    assert mail.company == "上海华东科技有限公司"
    assert mail.phone == "13800138000"
    assert "改造园区网络" in mail.body
    assert mail.recipient == "leads@openltc.example"


def test_parser_reads_gbk_declared_as_gb2312() -> None:
    mail = parse_lead_mail(CHINESE_GB)
    assert mail.subject == GB_SUBJECT
    assert mail.sender_name == "王芳"
    assert mail.company == "北京某某数据有限公司"
    assert "两百万" in mail.body


def test_parser_reads_raw_8bit_gb18030_headers() -> None:
    mail = parse_lead_mail(RAW_8BIT_GB)
    assert mail.subject == "政务云采购意向"
    assert mail.body == "请联系我们。"
    assert mail.company == "example.cn"  # no company line: the sender's domain


def test_parser_prefers_plain_text_and_skips_attachments() -> None:
    mail = parse_lead_mail(MULTIPART)
    assert mail.body.startswith("Plain text wins.")
    assert "HTML loses" not in mail.body
    assert "JVBER" not in mail.body
    assert (mail.sender_name, mail.company) == ("Chen Jie", "First Bank")


def test_parser_turns_html_only_mail_into_text_and_uses_reply_to() -> None:
    mail = parse_lead_mail(HTML_ONLY)
    assert mail.sender_email == "zhao.min@visitor.example"
    assert mail.sender_name == "Zhao Min"
    assert mail.company == "Visitor Group"
    assert "We need racks & cooling." in mail.body
    assert "alert" not in mail.body
    assert "color" not in mail.body


def test_html_to_text_keeps_blocks_on_lines() -> None:
    assert html_to_text("<div>a</div><div>b<br>c</div>") == "a\nb\nc"


def test_parser_without_sender_uses_company_line() -> None:
    mail = parse_lead_mail(NO_FROM_WITH_COMPANY)
    assert (mail.sender_email, mail.company) == ("", "Tender Office of Pudong")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The message is empty."),
        (b"just some text without headers", "The message has no headers; it is not an e-mail."),
        (
            NO_FROM_NO_COMPANY,
            "The message has no sender address and names no company (write “Company: …” in the text).",
        ),
    ],
)
def test_parser_refuses_with_a_reason(raw: bytes, message: str) -> None:
    with pytest.raises(MailRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_lead_mail(raw)


def test_message_id_stand_in_when_missing() -> None:
    first = parse_lead_mail(plain_mail(message_id=None))
    again = parse_lead_mail(plain_mail(message_id=None))
    other = parse_lead_mail(plain_mail(message_id=None, subject="Another"))
    assert first.message_id == again.message_id != other.message_id
    assert first.message_id.endswith("@openltc.invalid>")


# --- the capture service ------------------------------------------------------------------------


def test_capture_creates_email_lead_with_audit(mail_unit: Any) -> None:
    outcome = lead_capture_from_mail(actor=None, raw=CHINESE_UTF8, channel="maildir")
    assert outcome.status == "captured"
    lead = Lead.objects.get()
    assert lead == outcome.lead
    assert lead.source == LeadSource.EMAIL
    assert lead.title == "华东园区网络改造项目"
    assert (lead.contact_name, lead.contact_email, lead.contact_phone) == (
        "张伟",
        "zhang.wei@huadong.example",
        "13800138000",
    )
    assert lead.company_name == "上海华东科技有限公司"
    assert "改造园区网络" in lead.pain_text
    assert lead.org_unit == mail_unit
    assert lead.owner is None
    assert lead.source_detail == "leads@openltc.example"
    actions = set(AuditEvent.objects.filter(subject_id=str(lead.pk)).values_list("action", flat=True))
    assert {"lead.created", "lead.captured_from_mail"} <= actions
    record = InboundLeadMail.objects.get()
    assert (record.message_id, record.status, record.lead) == (
        "<cn-utf8@huadong.example>",
        InboundMailStatus.CAPTURED,
        lead,
    )


def test_same_message_twice_makes_one_lead(mail_unit: Any) -> None:
    assert lead_capture_from_mail(actor=None, raw=MULTIPART, channel="maildir").status == "captured"
    again = lead_capture_from_mail(actor=None, raw=MULTIPART, channel="api")
    assert again.status == "duplicate"
    assert again.lead == Lead.objects.get()
    assert InboundLeadMail.objects.count() == 1


def test_capture_runs_distribution_rules(mail_unit: Any, rep: Any) -> None:
    rule = DistributionRule.objects.create(name="Everyone", order=1, kind=DistributionKind.CAPABILITY)
    from openltc.leads.models import RepCapacity

    RepCapacity.objects.create(user=rep, capacity=5)
    rule.candidates.add(rep)
    lead = lead_capture_from_mail(actor=None, raw=MULTIPART, channel="maildir").lead
    assert lead is not None
    lead.refresh_from_db()
    assert lead.owner == rep
    assert AuditEvent.objects.filter(subject_id=str(lead.pk), action="lead.distributed").exists()


def test_capture_leaves_lead_in_pool_when_distribution_is_off(mail_unit: Any, rep: Any) -> None:
    settings = LeadSettings.current()
    settings.distribute_inbound_mail = False
    settings.save()
    rule = DistributionRule.objects.create(name="Everyone", order=1, kind=DistributionKind.CAPABILITY)
    rule.candidates.add(rep)
    lead = lead_capture_from_mail(actor=None, raw=MULTIPART, channel="maildir").lead
    assert lead is not None
    assert lead.owner is None


def test_capture_without_org_unit_is_reported(org: Any) -> None:
    outcome = lead_capture_from_mail(actor=None, raw=MULTIPART, channel="maildir")
    assert outcome.status == "failed"
    assert outcome.error == "No org unit is set for e-mailed leads; set it in the lead settings."
    assert not Lead.objects.exists()
    assert InboundLeadMail.objects.get().status == InboundMailStatus.FAILED


def test_failure_after_create_writes_nothing(mail_unit: Any) -> None:
    with mock.patch(
        "openltc.leads.services.lead_auto_distribute", side_effect=DomainError("Distribution broke.")
    ):
        outcome = lead_capture_from_mail(actor=None, raw=MULTIPART, channel="maildir")
    assert (outcome.status, outcome.error) == ("failed", "Distribution broke.")
    assert not Lead.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="lead.").exists()
    record = InboundLeadMail.objects.get()
    assert (record.status, record.lead, record.error) == (
        InboundMailStatus.FAILED,
        None,
        "Distribution broke.",
    )
    # sent again once fixed, it is captured and the failure row becomes the captured one
    assert lead_capture_from_mail(actor=None, raw=MULTIPART, channel="maildir").status == "captured"
    assert InboundLeadMail.objects.get().status == InboundMailStatus.CAPTURED


def test_missing_from_with_company_makes_lead_without_contact(mail_unit: Any) -> None:
    lead = lead_capture_from_mail(actor=None, raw=NO_FROM_WITH_COMPANY, channel="maildir").lead
    assert lead is not None
    assert (lead.company_name, lead.contact_email) == ("Tender Office of Pudong", "")


def test_bad_phone_is_dropped_with_a_warning(mail_unit: Any) -> None:
    raw = plain_mail(body="Company: Acme\nPhone: call me")
    lead = lead_capture_from_mail(actor=None, raw=raw, channel="maildir").lead
    assert lead is not None
    assert lead.contact_phone == ""
    assert InboundLeadMail.objects.get().error == "“call me” is not a valid phone number."


# --- Maildir, the command and the task ----------------------------------------------------------


def make_maildir(path: Path, messages: list[bytes]) -> mailbox.Maildir:
    box = mailbox.Maildir(str(path), create=True)
    for raw in messages:
        box.add(raw)
    return box


def test_command_reads_maildir_and_marks_messages(mail_unit: Any, tmp_path: Path, capsys: Any) -> None:
    box = make_maildir(
        tmp_path / "leads", [CHINESE_UTF8, CHINESE_GB, HTML_ONLY, MULTIPART, MULTIPART, NO_FROM_NO_COMPANY]
    )
    call_command("fetch_lead_mail", maildir=str(tmp_path / "leads"))
    out, err = capsys.readouterr()
    assert "4 captured, 1 duplicates, 1 failed" in out
    assert "names no company" in err
    assert Lead.objects.filter(source=LeadSource.EMAIL).count() == 4
    flags = sorted(box.get_message(key).get_flags() for key in box.iterkeys())
    assert flags == ["FS", "S", "S", "S", "S", "S"]
    # a second run finds nothing new
    call_command("fetch_lead_mail", maildir=str(tmp_path / "leads"))
    assert "0 captured, 0 duplicates, 0 failed" in capsys.readouterr()[0]


def test_maildir_done_folder_moves_processed_messages(mail_unit: Any, tmp_path: Path) -> None:
    box = make_maildir(tmp_path / "leads", [MULTIPART, NO_FROM_NO_COMPANY])
    report = fetch_lead_mail(source=MaildirSource(tmp_path / "leads", done_folder="Processed"))
    assert (report.captured, report.failed) == (1, 1)
    assert len(box.get_folder("Processed")) == 1
    assert len(box) == 1  # the failed one stays, flagged


def test_unexpected_error_does_not_stop_the_run(mail_unit: Any, tmp_path: Path) -> None:
    box = make_maildir(tmp_path / "leads", [MULTIPART, CHINESE_UTF8])
    real = inbound.lead_capture_from_mail
    calls = {"n": 0}

    def flaky(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return real(**kwargs)

    with mock.patch.object(inbound, "lead_capture_from_mail", side_effect=flaky):
        report = fetch_lead_mail(source=MaildirSource(tmp_path / "leads"))
    assert report.captured == 1
    assert report.problems[0][1] == "Unexpected error: database hiccup"
    unread = [k for k in box.iterkeys() if "S" not in box.get_message(k).get_flags()]
    assert len(unread) == 1  # left for the next run


def test_command_without_configuration_explains(db: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("OPENLTC_LEAD_MAIL_MAILDIR", raising=False)
    monkeypatch.delenv("OPENLTC_LEAD_MAIL_IMAP_HOST", raising=False)
    with pytest.raises(CommandError, match="No lead mailbox is configured"):
        call_command("fetch_lead_mail")
    with pytest.raises(CommandError, match="is not a Maildir"):
        call_command("fetch_lead_mail", maildir="/nonexistent")


def test_task_reads_the_configured_maildir(mail_unit: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from openltc.leads.tasks import fetch_lead_mail as task

    make_maildir(tmp_path / "leads", [MULTIPART])
    monkeypatch.setenv("OPENLTC_LEAD_MAIL_MAILDIR", str(tmp_path / "leads"))
    result = task.call()
    assert result["captured"] == 1


# --- IMAP ---------------------------------------------------------------------------------------


class FakeImap:
    """Enough of imaplib.IMAP4 for the fetcher: UID SEARCH/FETCH/STORE/COPY on one folder."""

    instances: list[FakeImap] = []

    def __init__(self, host: str, port: int, messages: dict[bytes, bytes], password: str = "s3cret") -> None:
        self.messages = messages
        self.password = password
        self.flags: dict[bytes, set[str]] = {uid: set() for uid in messages}
        self.copied: list[tuple[bytes, str]] = []
        self.expunged = self.logged_out = False
        FakeImap.instances.append(self)

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        import imaplib

        if password != self.password:
            raise imaplib.IMAP4.error(f"[AUTHENTICATIONFAILED] bad password {password}")
        return "OK", [b"logged in"]

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        return ("OK", [b"1"]) if folder == "INBOX" else ("NO", [b"no such folder"])

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]:
        if command == "SEARCH":
            unseen = [u for u in self.messages if "\\Seen" not in self.flags[u]]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            return "OK", [(b"1 (UID " + args[0] + b" BODY[] {n}", self.messages[args[0]]), b")"]
        if command == "STORE":
            self.flags[args[0]].update(args[2].strip("()").split())
            return "OK", []
        if command == "COPY":
            self.copied.append((args[0], args[1]))
            return "OK", []
        raise AssertionError(command)

    def expunge(self) -> None:
        self.expunged = True

    def close(self) -> None:
        pass

    def logout(self) -> None:
        self.logged_out = True


def imap_factory(messages: dict[bytes, bytes]) -> Any:
    return lambda host, port: FakeImap(host, port, messages)


def test_imap_source_marks_seen_and_flags_failures(mail_unit: Any) -> None:
    messages = {b"1": MULTIPART, b"2": NO_FROM_NO_COMPANY, b"3": CHINESE_UTF8}
    source = ImapSource(host="imap.example", user="leads", password="s3cret", connect=imap_factory(messages))
    report = fetch_lead_mail(source=source)
    assert (report.captured, report.failed) == (2, 1)
    server = FakeImap.instances[-1]
    assert server.flags == {b"1": {"\\Seen"}, b"2": {"\\Seen", "\\Flagged"}, b"3": {"\\Seen"}}
    assert server.logged_out


def test_imap_done_folder_moves_processed(mail_unit: Any) -> None:
    source = ImapSource(
        host="imap.example",
        user="leads",
        password="s3cret",
        done_folder="Processed",
        connect=imap_factory({b"7": MULTIPART}),
    )
    fetch_lead_mail(source=source)
    server = FakeImap.instances[-1]
    assert server.copied == [(b"7", "Processed")]
    assert server.flags[b"7"] == {"\\Seen", "\\Deleted"}
    assert server.expunged


def test_imap_login_failure_never_shows_the_password(db: Any, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DomainError) as exc:
        ImapSource(host="imap.example", user="leads", password="wrong-pw", connect=imap_factory({}))
    assert "wrong-pw" not in exc.value.message
    assert "Could not sign in to the IMAP server imap.example as leads" in exc.value.message
    assert "wrong-pw" not in caplog.text


def test_source_from_env_builds_imap(monkeypatch: Any) -> None:
    created: dict[str, Any] = {}

    def fake_init(self: Any, **kwargs: Any) -> None:
        created.update(kwargs)

    monkeypatch.setattr(ImapSource, "__init__", fake_init)
    env = {
        "OPENLTC_LEAD_MAIL_IMAP_HOST": "imap.example",
        "OPENLTC_LEAD_MAIL_IMAP_USER": "leads",
        "OPENLTC_LEAD_MAIL_IMAP_PASSWORD": "pw",
        "OPENLTC_LEAD_MAIL_IMAP_PORT": "143",
        "OPENLTC_LEAD_MAIL_IMAP_SSL": "false",
    }
    assert isinstance(inbound.source_from_env(env), ImapSource)
    assert (created["port"], created["ssl"], created["folder"]) == (143, False, "INBOX")
    assert inbound.source_from_env({}) is None


# --- the mail-gateway API -----------------------------------------------------------------------

URL = "/api/v1/leads/inbound-mail"


def test_api_captures_raw_message(api_client_for: Any, rep: Any, mail_unit: Any) -> None:
    client = api_client_for(rep)
    response = client.post(URL, data=CHINESE_GB, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get()
    assert body == {"status": "captured", "message_id": "<cn-gb@example.cn>", "lead_id": str(lead.pk)}
    assert lead.created_by == rep
    again = client.post(URL, data=CHINESE_GB, content_type="message/rfc822")
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert Lead.objects.count() == 1


def test_api_without_configured_unit_uses_callers_unit(api_client_for: Any, rep: Any) -> None:
    response = api_client_for(rep).post(URL, data=MULTIPART, content_type="message/rfc822")
    assert response.status_code == 201
    assert Lead.objects.get().org_unit == rep.home_unit


def test_api_refuses_bad_message_with_reason(api_client_for: Any, rep: Any, mail_unit: Any) -> None:
    response = api_client_for(rep).post(URL, data=NO_FROM_NO_COMPANY, content_type="message/rfc822")
    assert response.status_code == 422
    assert "names no company" in response.json()["message"]
    assert not Lead.objects.exists()


def test_api_needs_authentication(client: Any, org: Any) -> None:
    assert client.post(URL, data=MULTIPART, content_type="message/rfc822").status_code == 401
    assert not Lead.objects.exists()


def test_header_helper_roundtrip() -> None:
    """A subject encoded by the stdlib (Header) in GB18030 comes back intact."""
    encoded = Header("线索：智慧园区", "gb18030").encode()
    raw = plain_mail(subject=encoded)
    assert parse_lead_mail(raw).subject == "线索：智慧园区"
