"""Security checks: production headers and cookies, login throttling, hashed API tokens, and no
secrets or personal data in the logs. (CSRF on every form is part of the permission contract.)"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

# The manifest of collected static files is not what is probed here.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="openltc.example.com")
secure = client.get("/accounts/login/", secure=True, HTTP_HOST="openltc.example.com")
cookies = {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"]}
           for name, m in secure.cookies.items()}
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "headers": {k: v for k, v in secure.headers.items()},
    "cookies": cookies,
    "settings": {
        "DEBUG": settings.DEBUG,
        "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
        "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
        "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    },
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    data = tmp_path_factory.mktemp("prod")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="openltc.config.settings.production",
        SECRET_KEY="production-probe-" + "k" * 60,
        ALLOWED_HOSTS="openltc.example.com",
        OPENLTC_DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'probe.sqlite3'}",
        PYTHONPATH=str(REPO),
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production):
    assert production["plain_status"] == 301
    assert production["plain_location"].startswith("https://openltc.example.com/")


def test_production_sends_hsts_csp_and_framing_headers(production):
    headers = {k.lower(): v for k, v in production["headers"].items()}
    assert production["secure_status"] == 200
    hsts = headers["strict-transport-security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert "preload" in hsts
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_production_cookies_are_secure_and_debug_is_off(production):
    assert production["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }
    csrf = production["cookies"]["csrftoken"]
    assert csrf["secure"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"


def test_production_refuses_to_start_without_a_strong_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "SECRET_KEY"))}
    env.update(
        DJANGO_SETTINGS_MODULE="openltc.config.settings.production",
        SECRET_KEY="short",
        OPENLTC_DATA_DIR=str(tmp_path),
        PYTHONPATH=str(REPO),
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "rep", "password": "wrong-password"})

    response = client.post("/accounts/login/", {"username": "rep", "password": "pw-Secret-123"})

    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_api_tokens_are_stored_only_as_hashes(rep):
    from openltc.org.models import ApiToken
    from openltc.org.services import api_token_create

    token, secret = api_token_create(user=rep, name="hash check")

    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert secret not in json.dumps(stored, default=str)
    assert secret[len("oltc_") + 6 :] not in json.dumps(stored, default=str)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        extra = {
            k: v
            for k, v in record.__dict__.items()
            if k not in logging.LogRecord("", 0, "", 0, "", (), None).__dict__
        }
        self.lines.append(f"{record.name} {text} {extra!r} {record.exc_text or ''}")


def _logged_during_login_failures_and_token_use(rep):
    from openltc.config.settings import base
    from openltc.org.services import api_token_create

    # The production logging levels (base.LOGGING, LOG_LEVEL=INFO by default), not the test's.
    handler = _Collect()
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in base.LOGGING["loggers"]}
    old_level = root.level
    for name, config in base.LOGGING["loggers"].items():
        logging.getLogger(name).setLevel(config["level"])
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        password = "Wrong-Pass-Phrase-4711"  # noqa: S105
        client = Client()
        for username in ("rep", "rep@example.test", "nobody@example.test"):
            client.post("/accounts/login/", {"username": username, "password": password})
        _token, secret = api_token_create(user=rep, name="log probe")
        token_client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        token_client.get("/api/v1/org/me")
        token_client.get("/api/v1/org/tokens/does-not-exist")
        Client(HTTP_AUTHORIZATION=f"Bearer {secret}x").get("/api/v1/org/me")
        Client().post("/accounts/login/", {"username": "rep", "password": "pw-Secret-123"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)

    return "\n".join(handler.lines), password, secret


@pytest.mark.django_db
def test_no_password_or_token_in_the_logs(rep):
    logged, password, secret = _logged_during_login_failures_and_token_use(rep)

    for value in (password, "pw-Secret-123", secret, secret[5:20]):
        assert value not in logged, f"{value!r} appears in the logs"


@pytest.mark.django_db
def test_no_email_addresses_in_the_logs(rep):
    logged, _password, _secret = _logged_during_login_failures_and_token_use(rep)

    for value in ("rep@example.test", "nobody@example.test"):
        assert value not in logged, f"{value!r} appears in the logs"
