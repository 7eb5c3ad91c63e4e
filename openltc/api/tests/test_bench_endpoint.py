"""The benchmark's bare endpoint exists only when OPENLTC_BENCH_ENDPOINTS is on, and then sits
behind the same authentication as every other API write."""

import pytest
from django.db import connection
from ninja import NinjaAPI
from ninja.testing import TestClient

from openltc.api.auth import SessionAuth, TokenAuth
from openltc.api.bench import CREATE_TABLE, TABLE, bench_router
from openltc.org.services import api_token_create


@pytest.mark.django_db
def test_off_by_default_so_not_in_the_api_nor_the_permission_contract(client, settings):
    assert settings.OPENLTC_BENCH_ENDPOINTS is False
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/api/v1/bench")]
    assert (
        client.post("/api/v1/bench/bare", {"title": "x"}, content_type="application/json").status_code == 404
    )


@pytest.mark.django_db
def test_when_on_it_inserts_one_row_for_an_authenticated_caller(rep):
    api = NinjaAPI(auth=[TokenAuth(), SessionAuth()], urls_namespace="bench_endpoint_test")
    api.add_router("/bench", bench_router())
    client = TestClient(api)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
    assert client.post("/bench/bare", json={"title": "x"}).status_code == 401
    _token, secret = api_token_create(user=rep, name="bench")
    response = client.post(
        "/bench/bare", json={"title": "负载"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT title FROM {TABLE} WHERE id = %s", [response.json()["id"]])  # noqa: S608
        assert cursor.fetchone() == ("负载",)
