"""The lead list's text search (``q``) and how each database serves it.

A term matches a lead when it is a case-insensitive substring (Django's ``icontains``) of the
title, company, contact name, phone or e-mail, or of the customer's name. PostgreSQL serves the
``icontains`` conditions from ``pg_trgm`` GIN indexes (leads 0005, customers 0004). SQLite's
``LIKE '%…%'`` cannot use an index, so on SQLite the five lead columns are also indexed by an
FTS5 table with the ``trigram`` tokenizer (``leads_lead_fts``, leads 0006): an external-content
table over ``leads_lead`` keyed by its rowid, kept in step by triggers. A term of three or more
characters first finds the candidate leads in it; the ``icontains`` conditions are then checked
on those candidates only, so the results are exactly those of ``icontains`` (FTS5 folds the case
of non-ASCII letters too, SQLite's ``LIKE`` only of ASCII ones). Shorter terms, which give no
trigram, scan as before.

A migration that rebuilds ``leads_lead`` on SQLite (Django's table remake) drops the triggers
and renumbers the rowids: :func:`ensure_sqlite_fts` runs after every ``migrate`` and recreates
them and rebuilds the index when they are missing.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet

from openltc.core.pagination import scanning
from openltc.customers.models import Customer

FTS_TABLE = "leads_lead_fts"
COLUMNS = ("title", "company_name", "contact_name", "contact_phone", "contact_email")
MIN_FTS_LENGTH = 3  # the trigram tokenizer (and pg_trgm's LIKE support) finds nothing for shorter terms
_TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")


def _trigger_sql() -> list[str]:
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    delete_old = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    insert_new = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.rowid, {new});"
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COLUMNS)
    ai, ad, au = _TRIGGERS
    return [
        f"CREATE TRIGGER IF NOT EXISTS {ai} AFTER INSERT ON leads_lead BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS {ad} AFTER DELETE ON leads_lead BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS {au} AFTER UPDATE OF {cols} ON leads_lead "
        f"WHEN {changed} BEGIN {delete_old} {insert_new} END",
    ]


def install_sqlite_fts(connection: Any) -> None:
    """Creates the FTS5 table and its triggers and indexes the existing leads (SQLite only)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({', '.join(COLUMNS)}, "
            "content='leads_lead', content_rowid='rowid', tokenize='trigram')"
        )
        for sql in _trigger_sql():
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_sqlite_fts(connection: Any) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in _TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def ensure_sqlite_fts(using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: when the FTS table is there but a trigger is not (a migration rebuilt
    ``leads_lead``), recreates the triggers and rebuilds the index."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE (type = 'table' AND name = %s) "
            "OR (type = 'trigger' AND tbl_name = 'leads_lead' AND name LIKE %s ESCAPE '\\')",
            [FTS_TABLE, FTS_TABLE.replace("_", "\\_") + "\\_%"],
        )
        names = {name for _type, name in cursor.fetchall()}
    if FTS_TABLE not in names or names.issuperset(_TRIGGERS):
        return
    install_sqlite_fts(connection)


def fts_literal(term: str) -> str:
    """The term as one FTS5 string (a phrase): operators, quotes and brackets in it are text."""
    return '"' + term.replace('"', '""') + '"'


def uses_fts(term: str, vendor: str) -> bool:
    """Whether a search for ``term`` goes through the FTS5 table: on SQLite, three characters or
    more, and text SQLite can take as a query (no NUL, no lone surrogate)."""
    if vendor != "sqlite" or len(term) < MIN_FTS_LENGTH or "\x00" in term:
        return False
    try:
        term.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def lead_search_condition(term: str, *, fts: bool) -> Q:
    """The leads matching ``term``; ``fts`` narrows the lead columns' conditions to the
    candidates of the FTS5 table first (SQLite only, see :func:`uses_fts`)."""
    from openltc.leads.selectors import InSubquery

    # The customer's name as a subquery (not through the join): every condition then reads one
    # table, and on PostgreSQL each is served by a trigram index combined by a BitmapOr.
    customers = Customer.objects.filter(name__icontains=term).order_by().values("pk")
    if len(term) >= MIN_FTS_LENGTH:
        customer = Q(InSubquery(F("customer_id"), customers))
    else:
        # No trigram, so no index serves the lead columns and the leads are scanned: a hashed
        # IN (subquery) is one probe per row, where ANY(ARRAY(…)) compares each row with every
        # matching customer (15,000 for a city name at 10^6 leads: seconds).
        customer = Q(customer_id__in=customers)
    title, company, *contact = (Q(**{f"{c}__icontains": term}) for c in COLUMNS)
    if not fts:
        return title | company | customer | contact[0] | contact[1] | contact[2]
    candidates = Q(FtsCandidates(term))
    return (candidates & (title | company | contact[0] | contact[1] | contact[2])) | customer


class FtsCandidates(Func):
    """``<lead>.rowid IN (SELECT rowid FROM leads_lead_fts WHERE leads_lead_fts MATCH '"term"')``:
    the leads whose indexed columns hold every trigram of the term in order (SQLite only). On the
    rowid, not the primary key: one B-tree lookup per candidate instead of three."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, term: str) -> None:
        super().__init__(F("pk"))
        self.term = term

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, *args: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        (column,) = self.get_source_expressions()
        table = compiler.quote_name_unless_alias(column.alias)
        sql = f"{table}.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        return sql, (fts_literal(self.term),)


def lead_search(qs: QuerySet[Any], term: str) -> QuerySet[Any]:
    """``qs`` (leads) narrowed to those matching ``term``; marked as a scanning list for the
    paginator when no index serves the term (fewer than three characters), so a term that
    matches few leads or none costs one scan instead of a walk of the whole table in list order."""
    vendor = connections[qs.db].vendor
    fts = uses_fts(term, vendor)
    qs = qs.filter(lead_search_condition(term, fts=fts))
    return scanning(qs) if len(term) < MIN_FTS_LENGTH else qs
