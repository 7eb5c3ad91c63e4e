from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import include, path

from openltc.config.urls import urlpatterns as project_urls
from openltc.core.errors import DomainError, NotFound
from openltc.core.models import AuditEvent, SavedView
from openltc.core.saved_views import (
    clean_query_string,
    register_list,
    saved_view_delete,
    saved_view_save,
    saved_views_context,
    saved_views_for,
)


def _list_page(request):
    return HttpResponse("list")


urlpatterns = [
    *project_urls,
    path("views/", include("openltc.core.saved_views_urls")),
    path("things/", _list_page, name="things_list"),
]
pytestmark = pytest.mark.urls(__name__)

KEYS = ("q", "status", "owner")


@pytest.fixture(autouse=True)
def _registered():
    register_list("things", url_name="things_list", keys=KEYS)


def test_clean_query_string_keeps_only_allowed_keys_and_never_the_page():
    assert (
        clean_query_string(
            "?q=acme&page=3&evil=1&status=open&status=won&owner=", allowed_keys=(*KEYS, "page")
        )
        == "q=acme&status=open&status=won"
    )


def test_save_creates_a_view_with_sanitised_query_and_audits(rep):
    view = saved_view_save(
        user=rep,
        list_key="things",
        name="  My  open ",
        query_string="status=open&page=2&x=1",
        allowed_keys=KEYS,
    )

    assert (view.name, view.query_string, view.is_default) == ("My open", "status=open", False)
    event = AuditEvent.objects.get(action="saved_view.saved")
    assert event.after["query_string"] == "status=open"
    assert event.actor == rep


def test_save_with_same_name_replaces_the_filters(rep):
    saved_view_save(user=rep, list_key="things", name="Mine", query_string="q=a", allowed_keys=KEYS)
    saved_view_save(user=rep, list_key="things", name="Mine", query_string="q=b", allowed_keys=KEYS)

    assert list(SavedView.objects.values_list("name", "query_string")) == [("Mine", "q=b")]


def test_only_one_default_per_list(rep):
    first = saved_view_save(
        user=rep, list_key="things", name="A", query_string="q=a", allowed_keys=KEYS, is_default=True
    )
    saved_view_save(
        user=rep, list_key="things", name="B", query_string="q=b", allowed_keys=KEYS, is_default=True
    )

    first.refresh_from_db()
    assert not first.is_default
    assert list(saved_views_for(rep, "things").filter(is_default=True).values_list("name", flat=True)) == [
        "B"
    ]


def test_empty_name_is_refused(rep):
    with pytest.raises(DomainError, match="Give the view a name."):
        saved_view_save(user=rep, list_key="things", name="   ", query_string="q=a", allowed_keys=KEYS)
    assert not SavedView.objects.exists()


def test_views_are_personal(rep, other_rep):
    view = saved_view_save(user=rep, list_key="things", name="A", query_string="q=a", allowed_keys=KEYS)

    assert list(saved_views_for(other_rep, "things")) == []
    with pytest.raises(NotFound):
        saved_view_delete(user=other_rep, pk=view.pk)
    with pytest.raises(NotFound):
        saved_view_delete(user=rep, pk="not-a-uuid")
    saved_view_delete(user=rep, pk=view.pk)
    assert not SavedView.objects.exists()
    assert AuditEvent.objects.filter(action="saved_view.deleted").count() == 1


def test_save_view_endpoint_redirects_to_the_list_with_the_filters(client, rep):
    client.force_login(rep)

    response = client.post(
        "/views/save/", {"list_key": "things", "name": "Open", "query_string": "status=open&page=4&junk=1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/things/?status=open"
    assert SavedView.objects.get(user=rep).query_string == "status=open"


def test_save_view_endpoint_rejects_unknown_lists_and_get(client, rep):
    client.force_login(rep)
    assert client.post("/views/save/", {"list_key": "nope", "name": "x"}).status_code == 404
    assert client.get("/views/save/").status_code == 405


def test_delete_endpoint_404s_for_someone_elses_view(client, rep, other_rep):
    view = saved_view_save(user=rep, list_key="things", name="A", query_string="q=a", allowed_keys=KEYS)
    client.force_login(other_rep)

    assert client.post(f"/views/{view.pk}/delete/", {"list_key": "things"}).status_code == 404

    client.force_login(rep)
    response = client.post(f"/views/{view.pk}/delete/", {"list_key": "things"})
    assert response.status_code == 302
    assert not SavedView.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.post("/views/save/", {"list_key": "things", "name": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_partial_renders_views_and_the_current_filters(rep, django_assert_max_num_queries):
    saved_view_save(
        user=rep, list_key="things", name="Open ones", query_string="status=open", allowed_keys=KEYS
    )
    request = RequestFactory().get("/things/?status=open&page=2&evil=1")
    request.user = rep

    with django_assert_max_num_queries(1):
        context = saved_views_context(request, "things")
    html = render_to_string("core/_saved_views.html", {**context, "list_key": "things"}, request=request)

    assert context["saved_views_current_query"] == "status=open"
    assert context["saved_views_active"].name == "Open ones"
    assert 'href="/things/?status=open"' in html
    assert 'name="query_string" value="status=open"' in html
    assert '<label for="saved-view-name-things">' in html


def test_default_view_redirect_only_without_filters(rep):
    from openltc.core.saved_views import saved_view_default_redirect

    factory = RequestFactory()
    bare = factory.get("/things/")
    bare.user = rep
    assert saved_view_default_redirect(bare, "things") is None
    saved_view_save(
        user=rep, list_key="things", name="Mine", query_string="owner=me", allowed_keys=KEYS, is_default=True
    )

    response = saved_view_default_redirect(bare, "things")
    filtered = factory.get("/things/?status=open")
    filtered.user = rep

    assert response is not None
    assert response["Location"] == "/things/?owner=me"
    assert saved_view_default_redirect(filtered, "things") is None
