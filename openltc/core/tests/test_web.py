import pytest
from django.test import Client, override_settings

from openltc.org.models import User


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_home_lists_roles(client, manager):
    client.force_login(manager)
    response = client.get("/")
    assert response.status_code == 200
    assert "SDT member" in response.content.decode()


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) >= 16


@pytest.mark.django_db
def test_repeated_bad_logins_are_throttled(client, rep):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "rep", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "rep", "password": "pw-Secret-123"})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_language_switch_is_saved_for_the_user(client, rep):
    client.force_login(rep)
    response = client.post("/org/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.preferred_language == "zh-hans"
    page = client.get("/")
    assert '<html lang="zh-hans">' in page.content.decode()


@pytest.mark.django_db
def test_language_switch_refuses_offsite_redirect(client):
    response = client.post("/org/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_chinese_interface_is_translated(client, rep):
    User.objects.filter(pk=rep.pk).update(preferred_language="zh-hans")
    client.force_login(rep)
    html = client.get("/").content.decode()
    assert "我的工作" in html
    assert "My work" not in html


@pytest.mark.django_db
def test_history_of_unknown_model_is_404(client, rep):
    client.force_login(rep)
    assert client.get("/history/org/orgunit/1/").status_code == 404
    assert client.get("/history/nope/nothing/1/").status_code == 404


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_token_page_shows_secret_once_and_revokes(client, rep):
    client.force_login(rep)
    created = client.post("/org/profile/tokens/", {"name": "laptop"}, follow=True)
    assert created.redirect_chain == [("/org/profile/tokens/", 302)]
    assert created["Cache-Control"] == "no-store"
    secret = created.context["new_secret"]
    assert secret.startswith("oltc_")
    assert secret in created.content.decode()
    listing = client.get("/org/profile/tokens/").content.decode()
    assert secret not in listing
    token = rep.api_tokens.get()
    client.post(f"/org/profile/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_password_change_requires_old_password(client, rep):
    client.force_login(rep)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "N3w-passphrase-ok", "new_password2": "N3w-passphrase-ok"},
    )
    assert response.status_code == 200
    rep.refresh_from_db()
    assert rep.check_password("pw-Secret-123")


@pytest.mark.django_db
def test_password_reset_token_is_single_use(client, rep, mailoutbox):
    import re

    client.post("/accounts/password/reset/", {"email": "rep@example.test"})
    link = re.search(r"(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "An0ther-passphrase", "new_password2": "An0ther-passphrase"}
    )
    assert done.status_code == 302
    reused = Client().get(link, follow=True)
    assert reused.context["validlink"] is False


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(rep):
    rep.set_password("some-Passphrase-1")
    assert rep.password.startswith("argon2$")


def test_base_settings_use_argon2_first():
    from openltc.config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
