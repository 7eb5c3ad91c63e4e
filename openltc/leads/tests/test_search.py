"""The lead text search: on SQLite through the FTS5 trigram table (same results as ``icontains``),
the table kept in step by its triggers, rebuilt after a table remake; unchanged on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openltc.core.bulk import bulk_insert
from openltc.customers.tests.factories import make_customer
from openltc.leads import search
from openltc.leads.models import Lead
from openltc.leads.tests.factories import make_lead

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's")

LEADS = [
    {
        "title": "Campus NETWORK upgrade",
        "company_name": "Acme Shanghai",
        "contact_email": "Zhang.Wei@Example.COM",
    },
    {"title": "鸿运科技 数据中心扩容", "company_name": "鸿运科技有限公司", "contact_name": "王小明"},
    {"title": 'He said "quote" AND left', "contact_phone": "+86 138-0000-1111", "company_name": "A*B Ltd"},
    {
        "title": "NEAR(alpha beta) OR NOT gamma",
        "contact_email": "near@or.not.test",
        "contact_name": "Ärger Öl",
    },
    {"title": "straße ÄRGER ärger", "company_name": "ΣΊΣΥΦΟΣ σίσυφος", "contact_phone": "021 6666 8888"},
    {
        "title": "Plain",
        "company_name": "Q.E.D. 100%",
        "contact_name": "a_b%c\\d",
        "contact_email": "x@mail8.test",
    },
]
CUSTOMERS = ["Lucky 鸿运 Holdings", "Zeta *Quote* Co"]
VALUES = sorted(
    {v for row in LEADS for v in row.values() if v}
    | set(CUSTOMERS)
    | {"Campus network upgrade", "Acme Shanghai"}
)
SPECIALS = [
    '"',
    '""',
    "AND",
    " AND ",
    "*",
    "NEAR(",
    "NEAR(a b)",
    "OR",
    "NOT",
    "^",
    "(",
    ")",
    ":",
    "title:",
    "-",
    "+",
]


@pytest.fixture
def varied_leads(org: Any, rep: Any) -> list[Lead]:
    customers = [make_customer(actor=rep, org_unit=org.sh_team, name=name) for name in CUSTOMERS]
    leads = [make_lead(actor=rep, owner=rep, **row) for row in LEADS]
    leads += [make_lead(actor=rep, owner=rep, title=f"For {c.name}", customer=c) for c in customers]
    leads.append(make_lead(actor=rep, owner=rep, title="Campus network upgrade"))
    return leads


def matches(term: str, *, fts: bool) -> set[Any]:
    return set(Lead.objects.filter(search.lead_search_condition(term, fts=fts)).values_list("pk", flat=True))


@st.composite
def terms(draw: Any) -> str:
    kind = draw(st.sampled_from(["fragment", "fragment", "special", "text"]))
    if kind == "fragment":  # a piece of a stored value, its letters' case flipped at random
        value = draw(st.sampled_from(VALUES))
        start = draw(st.integers(0, len(value)))
        piece = value[start : draw(st.integers(start, len(value)))]
        return "".join(c.swapcase() if draw(st.booleans()) else c for c in piece)
    if kind == "special":
        return "".join(draw(st.lists(st.sampled_from([*SPECIALS, *VALUES]), min_size=1, max_size=3)))
    return draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8))


@sqlite_only
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=terms())
@example(term="ZHANG.wei@example")
@example(term="138-0000")
@example(term="鸿运科")
@example(term='"quote" AND')
@example(term='e said "')
@example(term="A*B")
@example(term="NEAR(alpha")
@example(term="ärger")  # FTS5 folds Ä/ä, SQLite's LIKE does not: still the LIKE results
@example(term="ΣΊΣ")
@example(term="a_b%c\\")
@example(term="ab\x00c")
@example(term="mail8")
def test_fts_path_finds_the_same_leads_as_icontains(varied_leads: list[Lead], term: str) -> None:
    # given leads with Chinese, mixed case, e-mails, phones, quotes and FTS operators in them
    # when the term is searched through the FTS5 table and through icontains alone
    # then both find the same leads
    assert matches(term, fts=search.uses_fts(term, connection.vendor)) == matches(term, fts=False)


@sqlite_only
def test_search_goes_through_fts_for_three_characters_or_more(varied_leads: list[Lead]) -> None:
    def sql(term: str) -> str:
        return str(search.lead_search(Lead.objects.all(), term).query)

    assert search.FTS_TABLE in sql("鸿运科")
    assert search.FTS_TABLE in sql('x" OR "y')
    assert search.FTS_TABLE not in sql("鸿运")
    assert search.FTS_TABLE not in sql("ab\x00c")
    assert list(search.lead_search(Lead.objects.all(), "鸿运\x00科")) == []
    assert {lead.title for lead in search.lead_search(Lead.objects.all(), "鸿运科")} == {
        "鸿运科技 数据中心扩容",
    }
    assert {lead.title for lead in search.lead_search(Lead.objects.all(), "LUCKY 鸿运")} == {
        "For Lucky 鸿运 Holdings",
    }
    assert {lead.title for lead in search.lead_search(Lead.objects.all(), '"quote" and')} == {
        'He said "quote" AND left'
    }


def test_postgresql_keeps_the_icontains_conditions() -> None:
    assert not search.uses_fts("network", "postgresql")
    assert search.uses_fts("network", "sqlite")
    assert not search.uses_fts("ne", "sqlite")
    assert not search.uses_fts("net\ud800", "sqlite")
    assert search.fts_literal('a "b" NEAR(') == '"a ""b"" NEAR("'


def fts_titles(term: str) -> set[str]:
    return set(
        Lead.objects.filter(search.lead_search_condition(term, fts=True)).values_list("title", flat=True)
    )


@sqlite_only
def test_triggers_keep_the_index_in_step(rep: Any) -> None:
    # given a lead created through the service
    lead = make_lead(actor=rep, owner=rep, title="Wireless survey", contact_email="li@ocean.test")
    assert fts_titles("survey") == {"Wireless survey"}
    # when it is edited, updated in bulk, inserted in bulk and deleted, then the index follows
    lead.title = "Wired audit"
    lead.save()
    assert fts_titles("survey") == set()
    assert fts_titles("ocean") == fts_titles("audit") == {"Wired audit"}
    Lead.objects.filter(pk=lead.pk).update(contact_email="li@river.test")
    assert fts_titles("ocean") == set()
    assert fts_titles("river") == {"Wired audit"}
    row = {f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields}
    import uuid

    row.update(id=uuid.uuid4(), title="Bulk fibre")
    assert bulk_insert(Lead, list(row), [row]) == 1
    assert fts_titles("fibre") == {"Bulk fibre"}
    Lead.objects.filter(pk=lead.pk).delete()
    assert fts_titles("river") == set()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('integrity-check')")


@sqlite_only
def test_missing_triggers_are_recreated_and_the_index_rebuilt_after_migrate(rep: Any) -> None:
    # given the triggers dropped (as a table remake does) and a lead written meanwhile
    with connection.cursor() as cursor:
        for name in search._TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    make_lead(actor=rep, owner=rep, title="Written without triggers")
    assert fts_titles("without") == set()
    # when the post-migrate check runs, then the triggers are back and the index complete
    search.ensure_sqlite_fts(using="default")
    assert fts_titles("without") == {"Written without triggers"}
    make_lead(actor=rep, owner=rep, title="Written with triggers")
    assert fts_titles("written") == {"Written without triggers", "Written with triggers"}


@sqlite_only
def test_migration_is_reversible(rep: Any) -> None:
    make_lead(actor=rep, owner=rep, title="Kept across the round trip")

    def tables() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'leads_lead_fts%'")
            return {name for (name,) in cursor.fetchall()}

    search.drop_sqlite_fts(connection)
    assert tables() == set()
    search.ensure_sqlite_fts(using="default")  # without the table (before 0006): nothing
    assert tables() == set()
    search.install_sqlite_fts(connection)
    assert {search.FTS_TABLE, *search._TRIGGERS} <= tables()
    assert fts_titles("round trip") == {"Kept across the round trip"}


@pytest.mark.parametrize("term", ["鸿", "鸿运", "Lu", "lucky 鸿", "HOLDINGS"])
def test_short_and_long_terms_find_customers_as_the_join_does(varied_leads: list[Lead], term: str) -> None:
    # Two characters or fewer take the customer's name through IN (subquery), longer terms through
    # the indexable form: both must find what a condition through the join finds.
    through_join = Q(customer__name__icontains=term)
    for column in search.COLUMNS:
        through_join |= Q(**{f"{column}__icontains": term})
    expected = set(Lead.objects.filter(through_join).values_list("pk", flat=True))
    assert expected
    assert matches(term, fts=False) == expected


@pytest.mark.parametrize("term", ["鸿运", "zz", "Lu", "鸿运科"])
def test_the_list_pages_short_terms_by_key_and_finds_the_same_leads(
    varied_leads: list[Lead], rep: Any, term: str, django_assert_max_num_queries: Any
) -> None:
    # No index serves a term under three characters, so the paginator reads the matching keys in
    # one scan first; the page must be the one the ordinary path gives, and a term that matches
    # nothing costs that single query.
    from openltc.core import pagination
    from openltc.leads.selectors import LeadFilters, lead_list

    qs = lead_list(user=rep, filters=LeadFilters(q=term))
    assert getattr(qs.query, pagination._SCANS, False) == (len(term) < search.MIN_FTS_LENGTH)
    expected = list(lead_list(user=rep, filters=LeadFilters()).filter(pk__in=qs.order_by().values("pk")))
    with django_assert_max_num_queries(1 if not expected else 2):
        page = pagination.paginate(qs, page=1, page_size=50)
    assert page.items == expected
    assert (page.count, page.count_exact) == (len(expected), True)
