"""Lists count up to a limit and then say "more than N": the pages still hold every row once."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from openltc.core import pagination
from openltc.core.pagination import paginate, scanning
from openltc.leads.tests.factories import make_lead


def _rows(n: int) -> Any:
    ids = list(ContentType.objects.order_by("pk").values_list("pk", flat=True)[:n])
    return ContentType.objects.filter(pk__in=ids).order_by("pk")


class WalkingThePages(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(
        n=st.integers(min_value=0, max_value=25),
        limit=st.integers(min_value=0, max_value=12),
        size=st.integers(min_value=1, max_value=7),
    )
    def test_following_next_gives_every_row_once(self, n: int, limit: int, size: int) -> None:
        qs = _rows(n)
        everything = list(qs)
        assert len(everything) == n
        seen: list[Any] = []
        number = 1
        with override_settings(OPENLTC_COUNT_LIMIT=limit):
            while True:
                page = paginate(qs, page=number, page_size=size)
                assert page.page == number
                assert page.items == everything[(number - 1) * size : number * size]
                if page.count_exact:
                    assert page.count == n
                else:
                    assert 0 < limit < n
                    assert page.count == limit
                    assert page.pages * size > limit
                seen.extend(page.items)
                if not page.has_next:
                    break
                number += 1
        assert seen == everything

    @settings(max_examples=40, deadline=None)
    @given(
        n=st.integers(min_value=1, max_value=25),
        limit=st.integers(min_value=1, max_value=12),
        size=st.integers(min_value=1, max_value=7),
        number=st.integers(min_value=-2, max_value=40),
    )
    def test_any_page_number_lands_on_a_real_page(self, n: int, limit: int, size: int, number: int) -> None:
        qs = _rows(n)
        everything = list(qs)
        last = -(-n // size)
        with override_settings(OPENLTC_COUNT_LIMIT=limit):
            page = paginate(qs, page=number, page_size=size)
        assert 1 <= page.page <= last
        assert page.items == everything[(page.page - 1) * size : page.page * size]
        assert page.items


class WalkingAScanningList(TestCase):
    """A list marked :func:`scanning` reads the keys of its matches first; with few matches the
    page is read by key, with many the ordinary path runs. Either way: every row once, in order."""

    @settings(max_examples=60, deadline=None)
    @given(
        n=st.integers(min_value=0, max_value=25),
        few=st.integers(min_value=0, max_value=12),
        limit=st.integers(min_value=0, max_value=12),
        size=st.integers(min_value=1, max_value=7),
        number=st.integers(min_value=-2, max_value=40),
    )
    def test_pages_hold_every_row_once(self, n: int, few: int, limit: int, size: int, number: int) -> None:
        qs = scanning(_rows(n)).order_by("-pk")  # the mark survives later clones
        everything = list(qs)
        seen: list[Any] = []
        with mock.patch.object(pagination, "FEW_MATCHES", few), override_settings(OPENLTC_COUNT_LIMIT=limit):
            page = paginate(qs, page=number, page_size=size)
            assert 1 <= page.page <= max(1, -(-n // size))
            assert page.items == everything[(page.page - 1) * size : page.page * size]
            if n <= few:
                assert (page.count, page.count_exact) == (n, True)
            current = 1
            while True:
                page = paginate(qs, page=current, page_size=size)
                assert page.page == current
                seen.extend(page.items)
                if not page.has_next:
                    break
                current += 1
        assert seen == everything


@pytest.mark.django_db
def test_a_scanning_list_with_few_matches_is_read_by_key(django_assert_num_queries: Any) -> None:
    none = scanning(ContentType.objects.filter(pk__lt=0).order_by("pk"))
    with django_assert_num_queries(1):
        page = paginate(none, page=3, page_size=3)
    assert (page.items, page.count, page.page, page.pages) == ([], 0, 1, 1)
    eight = scanning(_rows(8))
    with django_assert_num_queries(2):
        page = paginate(eight, page=2, page_size=3)
    assert (len(page.items), page.count, page.count_exact, page.pages) == (3, 8, True, 3)
    # The keys, the page, the capped COUNT:
    few, limit = mock.patch.object(pagination, "FEW_MATCHES", 5), override_settings(OPENLTC_COUNT_LIMIT=6)
    with few, limit, django_assert_num_queries(3):
        page = paginate(eight, page=1, page_size=3)
    assert (page.count, page.count_exact, page.pages) == (6, False, 3)


@pytest.mark.django_db
def test_a_long_list_costs_two_queries(django_assert_num_queries: Any) -> None:
    qs = _rows(20)
    with override_settings(OPENLTC_COUNT_LIMIT=5), django_assert_num_queries(2):
        page = paginate(qs, page=2, page_size=3)
    assert (page.count, page.count_exact, page.has_next, page.pages) == (5, False, True, 3)
    with override_settings(OPENLTC_COUNT_LIMIT=0), django_assert_num_queries(2):
        page = paginate(qs, page=2, page_size=3)
    assert (page.count, page.count_exact, page.pages) == (20, True, 7)


@pytest.mark.django_db
def test_the_last_page_needs_no_count(django_assert_num_queries: Any) -> None:
    two, eight = _rows(2), _rows(8)
    none = ContentType.objects.filter(pk__lt=0).order_by("pk")
    with django_assert_num_queries(1):
        page = paginate(two, page=1, page_size=3)
    assert (page.count, page.count_exact, page.pages, page.has_next) == (2, True, 1, False)
    with django_assert_num_queries(1):
        page = paginate(eight, page=3, page_size=3)
    assert (page.count, page.pages, len(page.items), page.has_previous) == (8, 3, 2, True)
    with django_assert_num_queries(1):
        page = paginate(none, page=1, page_size=3)
    assert (page.count, page.pages, page.items) == (0, 1, [])


def test_lists_of_rows_are_paged_too() -> None:
    page = paginate(list(range(7)), page=9, page_size=3)
    assert (page.items, page.count, page.page, page.pages) == ([6], 7, 3, 3)


@pytest.mark.django_db
def test_page_garbage_is_the_first_page() -> None:
    qs = _rows(20)
    with override_settings(OPENLTC_COUNT_LIMIT=5):
        assert paginate(qs, page="abc", page_size=3).page == 1
        assert paginate(qs, page=None, page_size=3).page == 1


def test_the_lead_list_says_more_than(rep: Any, api_client_for: Any) -> None:
    for i in range(4):
        make_lead(actor=rep, owner=rep, title=f"L{i}")
    client = Client()
    client.force_login(rep)
    with override_settings(OPENLTC_COUNT_LIMIT=2):
        html = client.get(reverse("leads:list") + "?page_size=1").text
        body = api_client_for(rep).get("/api/v1/leads?page_size=3").json()
        last = api_client_for(rep).get("/api/v1/leads?page_size=3&page=2").json()
    assert "more than 2 records" in html
    assert (body["count"], body["count_exact"], body["pages"], len(body["items"])) == (2, False, 2, 3)
    # The last page knows the count from its own rows.
    assert (last["count"], last["count_exact"], last["pages"], len(last["items"])) == (4, True, 2, 1)
    with override_settings(OPENLTC_COUNT_LIMIT=10):
        body = api_client_for(rep).get("/api/v1/leads?page_size=3").json()
    assert (body["count"], body["count_exact"], body["pages"]) == (4, True, 2)
