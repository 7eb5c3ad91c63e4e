"""Importing leads from CSV or XLSX (trade-fair lists, exports from Salesforce, HubSpot, Odoo...).

The generic engine (``openltc.core.imports``) reads, maps and reports; this importer says which
columns a lead has, how to read them, which rows repeat an open lead, and creates each lead
through ``bulk.lead_bulk_create`` (``lead_create``'s rules, one insert per batch) so every lead
gets the same checks and its audit event.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.core.imports import (
    Importer,
    ImportField,
    ImportRow,
    choice,
    code,
    date,
    decimal_number,
    email,
    phone,
    text,
)
from openltc.leads.bulk import lead_bulk_create
from openltc.leads.choices import OPEN_STATUSES, LeadSource, Maturity
from openltc.leads.distribution import BatchDistributor
from openltc.leads.models import COMPANY_NEEDED, Lead
from openltc.org.models import Country, ProductLine

# Values other CRMs and Chinese spreadsheets use for our sources and maturities.
SOURCE_SYNONYMS = {
    "Trade Show": LeadSource.EXHIBITION,
    "Tradeshow": LeadSource.EXHIBITION,
    "Seminar": LeadSource.CAMPAIGN,
    "Seminar - Internal": LeadSource.CAMPAIGN,
    "Webinar": LeadSource.CAMPAIGN,
    "Advertisement": LeadSource.CAMPAIGN,
    "Email Marketing": LeadSource.CAMPAIGN,
    "Paid Search": LeadSource.CAMPAIGN,
    "Social Media": LeadSource.CAMPAIGN,
    "Website": LeadSource.WEB,
    "Web": LeadSource.WEB,
    "Organic Search": LeadSource.WEB,
    "Direct Traffic": LeadSource.WEB,
    "Partner": LeadSource.PARTNER,
    "Partner Referral": LeadSource.PARTNER,
    "Employee Referral": LeadSource.REFERRAL,
    "External Referral": LeadSource.REFERRAL,
    "Word of mouth": LeadSource.REFERRAL,
    "Cold Call": LeadSource.OTHER,
    "Phone Inquiry": LeadSource.WEB,
    "Purchased List": LeadSource.OTHER,
    "市场活动": LeadSource.CAMPAIGN,
    "展会": LeadSource.EXHIBITION,
    "展览会": LeadSource.EXHIBITION,
    "官网": LeadSource.WEB,
    "网站": LeadSource.WEB,
    "客户拜访": LeadSource.VISIT,
    "拜访": LeadSource.VISIT,
    "交付项目": LeadSource.EXISTING_PROJECT,
    "合作伙伴": LeadSource.PARTNER,
    "渠道": LeadSource.PARTNER,
    "技术交流": LeadSource.TECHNICAL_EXCHANGE,
    "看网讲网": LeadSource.TECHNICAL_EXCHANGE,
    "转介绍": LeadSource.REFERRAL,
    "推荐": LeadSource.REFERRAL,
    "招标公告": LeadSource.TENDER_NOTICE,
    "招标": LeadSource.TENDER_NOTICE,
    "其他": LeadSource.OTHER,
}
MATURITY_SYNONYMS = {
    "冷": Maturity.COLD,
    "冷线索": Maturity.COLD,
    "温": Maturity.WARM,
    "温线索": Maturity.WARM,
    "热": Maturity.HOT,
    "热线索": Maturity.HOT,
}

LEAD_FIELDS = (
    ImportField(
        "title",
        gettext_lazy("Title"),
        required=True,
        synonyms=(
            "Lead",
            "Lead name",
            "Subject",
            "Opportunity",
            "Deal name",
            "线索",
            "线索名称",
            "线索标题",
            "标题",
            "项目名称",
        ),
        parser=text(200),
    ),
    ImportField(
        "company_name",
        gettext_lazy("Company or customer name"),
        synonyms=(
            "Company",
            "Company name",
            "Account",
            "Account name",
            "Customer",
            "Customer name",
            "Organization",
            "公司",
            "公司名称",
            "客户",
            "客户名称",
            "单位名称",
        ),
        parser=text(200),
    ),
    ImportField(
        "contact_name",
        gettext_lazy("Contact name"),
        synonyms=("Contact", "Contact name", "Full name", "Name", "联系人", "联系人姓名", "姓名"),
        parser=text(120),
    ),
    ImportField(
        "contact_phone",
        gettext_lazy("Phone"),
        synonyms=(
            "Phone",
            "Phone number",
            "Mobile",
            "Mobile phone",
            "Telephone",
            "电话",
            "手机",
            "手机号",
            "联系电话",
        ),
        parser=phone(),
    ),
    ImportField(
        "contact_email",
        gettext_lazy("E-mail"),
        synonyms=("Email", "Email address", "Contact email", "邮箱", "电子邮件", "电子邮箱"),
        parser=email(),
    ),
    ImportField(
        "source",
        gettext_lazy("Source"),
        synonyms=("Lead source", "Source", "Original source", "Channel", "来源", "线索来源", "渠道来源"),
        parser=choice(LeadSource.choices, synonyms=SOURCE_SYNONYMS),
        help_text=gettext_lazy("Empty means “Other”."),
    ),
    ImportField(
        "product_line",
        gettext_lazy("Product line code"),
        synonyms=("Product line", "Product", "Product family", "产品线", "产品线编码", "产品"),
        parser=code(r"[A-Z0-9][A-Z0-9_.-]{0,31}", gettext_lazy("“%(value)s” is not a product line code.")),
    ),
    ImportField(
        "country",
        gettext_lazy("Country code"),
        synonyms=("Country", "Country code", "Country/Region", "国家", "国家代码", "国家或地区"),
        parser=code(r"[A-Z]{2}", gettext_lazy("“%(value)s” is not a two-letter country code (ISO 3166).")),
    ),
    ImportField(
        "estimated_value",
        gettext_lazy("Estimated value"),
        synonyms=(
            "Expected revenue",
            "Amount",
            "Value",
            "Estimated amount",
            "Budget",
            "预计金额",
            "预估金额",
            "金额",
            "预算",
        ),
        parser=decimal_number(),
    ),
    ImportField(
        "currency",
        gettext_lazy("Currency"),
        synonyms=("Currency", "Currency code", "Opportunity currency", "币种", "货币"),
        parser=code(r"[A-Z]{3}", gettext_lazy("“%(value)s” is not a three-letter currency code (ISO 4217).")),
        help_text=gettext_lazy("Empty means CNY."),
    ),
    ImportField(
        "expected_date",
        gettext_lazy("Expected date"),
        synonyms=(
            "Expected closing",
            "Close date",
            "Expected close date",
            "Deadline",
            "预计时间",
            "预计日期",
            "预计成交日期",
        ),
        parser=date(),
    ),
    ImportField(
        "maturity",
        gettext_lazy("Maturity"),
        synonyms=("Rating", "Lead rating", "Temperature", "成熟度", "线索成熟度", "冷热"),
        parser=choice(Maturity.choices, synonyms=MATURITY_SYNONYMS),
    ),
    ImportField(
        "description",
        gettext_lazy("Description"),
        synonyms=(
            "Description",
            "Notes",
            "Internal notes",
            "Comments",
            "客户痛点",
            "需求描述",
            "描述",
            "备注",
        ),
        parser=text(5000),
        help_text=gettext_lazy("Stored as the customer's pain or expectation."),
    ),
    ImportField(
        "owner",
        gettext_lazy("Owner username"),
        synonyms=(
            "Owner",
            "Lead owner",
            "Salesperson",
            "Contact owner",
            "HubSpot owner",
            "负责人",
            "所有人",
            "销售",
            "销售人员",
        ),
        parser=text(150),
        help_text=gettext_lazy(
            "Empty: the distribution rules choose the owner; a lead no rule places goes to the pool."
        ),
    ),
)


class SeenKeys:
    """The duplicate keys of the rows read so far, kept on disk (a private SQLite file, never the
    application database) so memory stays flat however long the file is: each batch asks for its
    keys in one query and adds its new ones in one ``executemany``. Only 64-bit hashes of the keys
    are kept; collisions of 64-bit hashes within one file are negligible."""

    def __init__(self) -> None:
        import sqlite3
        import tempfile

        self._file = tempfile.NamedTemporaryFile(prefix="openltc-import-keys-", suffix=".sqlite3")  # noqa: SIM115
        self._db = sqlite3.connect(self._file.name)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (key INTEGER PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")

    def lookup(self, keys: set[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        items = list(keys)
        for start in range(0, len(items), 900):  # SQLite's bound on parameters per statement
            chunk = items[start : start + 900]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({marks})", chunk))  # noqa: S608
        return found

    def add(self, pairs: dict[int, int]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO seen (key, row) VALUES (?, ?)", pairs.items())

    def close(self) -> None:
        self._db.close()
        self._file.close()


class LeadImporter(Importer):
    """Leads, one per row; rows repeating an open lead (same e-mail, phone or company) are skipped.
    Rows without an owner are distributed by the distribution rules, batch by batch; those no rule
    places go to the pool."""

    kind = "leads"
    label = gettext_lazy("leads")
    fields = LEAD_FIELDS
    batch_size = 2000

    def prepare(self) -> None:
        self.product_lines = {p.code: p for p in ProductLine.objects.filter(is_active=True)}
        self.countries = {c.code: c for c in Country.objects.all()}
        self.owners: dict[str, Any] = {}
        self.seen_store = SeenKeys()
        self.seen: dict[int, int] = {}  # this batch's keys: hash of an e-mail/phone/company key → row
        self.earlier: dict[int, int] = {}  # earlier batches' rows holding this batch's keys
        self.existing: dict[str, str] = {}
        self.allowed: dict[tuple[int, bool], str] = {}  # capture permission per (unit, for someone else)
        self.distributor: BatchDistributor | None = None

    def __del__(self) -> None:
        store = getattr(self, "seen_store", None)
        if store is not None:
            store.close()

    def validate_row(self, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
        errors = []
        line = cleaned.get("product_line")
        if line is not None:
            if line not in self.product_lines:
                errors.append(
                    ("product_line", _("There is no active product line “%(code)s”.") % {"code": line})
                )
            else:
                cleaned["product_line"] = self.product_lines[line]
        country = cleaned.get("country")
        if country is not None:
            if country not in self.countries:
                errors.append(("country", _("There is no country or region “%(code)s”.") % {"code": country}))
            else:
                cleaned["country"] = self.countries[country]
        if not any(cleaned.get(k) for k in ("company_name", "contact_phone", "contact_email")):
            errors.append(("", _("Give at least a company name, a phone number or an e-mail address.")))
        elif not cleaned.get("company_name"):
            # An imported lead has no customer, so capture (Lead.clean) needs the company name. Said
            # here, the row fails in the check instead of failing its whole batch at capture, which
            # sent every row of the batch through the row-by-row retry.
            errors.append(("company_name", str(COMPANY_NEEDED)))
        return errors

    def before_batch(self, rows: list[ImportRow]) -> None:
        names = {r.values["owner"] for r in rows if r.values.get("owner")} - set(self.owners)
        if names:
            users = get_user_model().objects.filter(username__in=names, is_active=True)
            self.owners.update({u.get_username(): u for u in users})
        for row in rows:
            name = row.values.get("owner")
            if name and name not in self.owners:
                row.errors.append(("owner", _("There is no active user “%(name)s”.") % {"name": name}))
        self.existing = self._open_lead_keys(rows)
        # The previous batch's new keys go to disk; this batch's keys are looked up in one query.
        if self.seen:
            self.seen_store.add(self.seen)
            self.seen = {}
        keys = {hash(key) for row in rows for key, _what in self._keys(row.values)}
        self.earlier = self.seen_store.lookup(keys) if keys else {}

    def _open_lead_keys(self, rows: list[ImportRow]) -> dict[str, str]:
        emails = {r.values["contact_email"].lower() for r in rows if r.values.get("contact_email")}
        phones = {r.values["contact_phone"] for r in rows if r.values.get("contact_phone")}
        companies = {r.values["company_name"].lower() for r in rows if r.values.get("company_name")}
        if not (emails or phones or companies):
            return {}
        found: dict[str, str] = {}
        # One query per batch against the normalised keys (indexed: leads_email_lower_idx,
        # leads_contact_phone_idx, leads_company_lower_idx).
        # Open leads only, but the status is checked here rather than in SQL: given the status
        # condition, SQLite walks every open lead by the status index (quadratic over a long
        # import, every row being a new open lead) instead of looking the keys up.
        query = Lead.objects.annotate(email_key=Lower("contact_email"), company_key=Lower("company_name"))
        if connection.vendor == "postgresql":
            # Three array parameters instead of thousands of placeholders, which the driver would
            # otherwise split and bind one by one; the same indexes serve ``= ANY``.
            table, quote = Lead._meta.db_table, connection.ops.quote_name
            email_col, phone_col, company_col = (
                f"{quote(table)}.{quote(name)}" for name in ("contact_email", "contact_phone", "company_name")
            )
            condition = RawSQL(
                f"LOWER({email_col}) = ANY(%s) OR {phone_col} = ANY(%s) OR LOWER({company_col}) = ANY(%s)",
                (sorted(emails), sorted(phones), sorted(companies)),
                output_field=BooleanField(),
            )
            query = query.filter(condition)
        else:
            query = query.filter(
                Q(email_key__in=emails) | Q(contact_phone__in=phones) | Q(company_key__in=companies)
            )
        leads = query.values_list("title", "email_key", "contact_phone", "company_key", "status")
        read = self._by_index(leads) if connection.vendor == "postgresql" else leads
        for title, email_key, phone_key, company_key, status in read:
            if status not in OPEN_STATUSES:
                continue
            for key in (f"email:{email_key}", f"phone:{phone_key}", f"company:{company_key}"):
                found.setdefault(key, title)
        return found

    @staticmethod
    def _by_index(query: Any) -> list[Any]:
        """The open-lead lookup on PostgreSQL, read through the key indexes. Given some 6,000
        keys the planner prefers a scan of the whole table (and a parallel one once the table is
        analysed), whose cost grows with the table: an import of n rows into it then costs the
        square of n (150 ms per batch at 10^5 leads, 17 ms by the indexes, measured). The
        indexes answer each key directly, so sequential scans are turned off for this one query
        and the setting restored at once (``set_config`` local to the transaction)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan')")
            (previous,) = cursor.fetchone()
            cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
            rows = list(query)
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])
        return rows

    @staticmethod
    def _keys(cleaned: dict[str, Any]) -> list[tuple[str, str]]:
        """The row's duplicate keys with what each is (``email``, ``phone``, ``company``; named in
        the reader's language only when a duplicate is reported)."""
        keys = []
        if cleaned.get("contact_email"):
            keys.append((f"email:{cleaned['contact_email']}", "email"))
        if cleaned.get("contact_phone"):
            keys.append((f"phone:{cleaned['contact_phone']}", "phone"))
        if cleaned.get("company_name"):
            keys.append((f"company:{cleaned['company_name'].lower()}", "company"))
        return keys

    @staticmethod
    def _what(kind: str) -> str:
        return {"email": _("e-mail"), "phone": _("phone"), "company": _("company")}[kind]

    def duplicate_check(self, cleaned: dict[str, Any]) -> str:
        keys = self._keys(cleaned)
        for key, kind in keys:
            if key in self.existing:
                return _("Same %(what)s as the open lead “%(title)s”; skipped.") % {
                    "what": self._what(kind),
                    "title": self.existing[key],
                }
            digest = hash(key)
            row = self.earlier.get(digest) or self.seen.get(digest)
            if row:
                return _("Same %(what)s as row %(row)d of this file; skipped.") % {
                    "what": self._what(kind),
                    "row": row,
                }
        number = cleaned.get("_row", 0)
        for key, _kind in keys:
            self.seen.setdefault(hash(key), number)
        return ""

    def parse_row(self, number: int, cells: Any, mapping: dict[str, int]) -> ImportRow:
        row = super().parse_row(number, cells, mapping)
        row.values["_row"] = number
        return row

    def create_rows(self, batch: list[ImportRow], *, actor: Any) -> int:
        """One bulk insert per batch (leads, history, audit events) by lead_create's rules; a bad row
        raises, and the engine then retries the batch row by row to report it."""
        if self.distributor is None:
            self.distributor = BatchDistributor()
        leads = lead_bulk_create(
            actor=actor,
            rows=[self.lead_data(row.values) for row in batch],
            allowed=self.allowed,
            distributor=self.distributor,
            # The e-mail column's parser (``core.imports.email``) has run ``validate_email``.
            prevalidated={"contact_email": (validate_email,)},
        )
        return len(leads)

    def lead_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        data = {
            name: cleaned[name]
            for name in (
                "title",
                "company_name",
                "contact_name",
                "contact_phone",
                "contact_email",
                "product_line",
                "country",
                "estimated_value",
                "currency",
                "expected_date",
                "maturity",
            )
            if cleaned.get(name) not in (None, "")
        }
        data["source"] = cleaned.get("source") or LeadSource.OTHER
        if cleaned.get("description"):
            data["pain_text"] = cleaned["description"]
        if cleaned.get("owner"):
            data["owner"] = self.owners[cleaned["owner"]]
        return data
