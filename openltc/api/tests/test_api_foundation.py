import pytest
from django.test import Client

from openltc.org.services import api_token_create, api_token_revoke


@pytest.mark.django_db
def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "OpenLTC API"
    assert "/api/v1/org/me" in doc["paths"]


@pytest.mark.django_db
def test_anonymous_gets_401_envelope(client):
    response = client.get("/api/v1/org/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"].startswith("Authentication required")
    assert body["errors"] == []


@pytest.mark.django_db
def test_token_authenticates_and_revoked_token_is_refused(rep):
    token, secret = api_token_create(user=rep, name="cli")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/org/me")
    assert response.status_code == 200
    assert response.json()["username"] == "rep"
    assert response.json()["roles"][0]["role"] == "sales_rep"
    api_token_revoke(actor=rep, token_id=token.pk)
    assert api.get("/api/v1/org/me").status_code == 401


@pytest.mark.django_db
def test_garbage_token_is_refused(client):
    response = client.get("/api/v1/org/me", HTTP_AUTHORIZATION="Bearer oltc_not-a-real-token")
    assert response.status_code == 401


@pytest.mark.django_db
def test_session_write_needs_csrf(rep):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rep)
    response = browser.post("/api/v1/org/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert not rep.api_tokens.exists()


@pytest.mark.django_db
def test_session_read_works_without_csrf(rep, client):
    client.force_login(rep)
    assert client.get("/api/v1/org/me").status_code == 200


@pytest.mark.django_db
def test_validation_error_envelope_names_the_field(rep, api_client_for):
    api = api_client_for(rep)
    response = api.post("/api/v1/org/tokens", {"name": ""}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == "name"


@pytest.mark.django_db
def test_malformed_json_is_a_400(rep, api_client_for):
    api = api_client_for(rep)
    response = api.post("/api/v1/org/tokens", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("bad_request", "invalid")


@pytest.mark.django_db
def test_token_created_via_api_shows_secret_once(rep, api_client_for):
    api = api_client_for(rep)
    response = api.post("/api/v1/org/tokens", {"name": "ci"}, content_type="application/json")
    assert response.status_code == 201
    secret = response.json()["secret"]
    listing = api.get("/api/v1/org/tokens").json()
    assert all("secret" not in t for t in listing)
    assert secret not in str(listing)


@pytest.mark.django_db
def test_revoking_unknown_token_is_404_envelope(rep, api_client_for):
    api = api_client_for(rep)
    response = api.post("/api/v1/org/tokens/00000000-0000-0000-0000-000000000000/revoke")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "errors": [], "extra": {}}


@pytest.mark.django_db
def test_preferences_update_validates_time_zone(rep, api_client_for):
    api = api_client_for(rep)
    bad = api.patch(
        "/api/v1/org/me/preferences",
        {"preferred_language": "en", "time_zone": "Mars/Olympus"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "time_zone"
    rep.refresh_from_db()
    assert rep.preferred_language == ""
    good = api.patch(
        "/api/v1/org/me/preferences",
        {"preferred_language": "zh-hans", "time_zone": "Asia/Shanghai"},
        content_type="application/json",
    )
    assert good.status_code == 200
    assert good.json()["preferred_language"] == "zh-hans"


@pytest.mark.django_db
def test_org_units_are_limited_to_what_the_user_sees(manager, api_client_for, org):
    body = api_client_for(manager).get("/api/v1/org/units").json()
    codes = {u["code"] for u in body["items"]}
    assert codes == {"SH", "SH-T1"}
    assert body["count"] == 2
    assert body["page"] == 1


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_413_envelope(rep, api_client_for, settings):
    # Django's own answer to a body over DATA_UPLOAD_MAX_MEMORY_SIZE is an HTML page (found by
    # the generated bad-input tests): API clients get the error envelope instead.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = b'{"name": "' + b"x" * 2048 + b'"}'
    response = api_client_for(rep).post("/api/v1/org/tokens", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "bad_request"
    assert response.json()["message"] == "The request body is too large."
    assert not rep.api_tokens.filter(name__startswith="x").exists()
