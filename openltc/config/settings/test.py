"""Settings for the test suite. DATABASE_URL picks PostgreSQL; without it tests run on SQLite."""

from __future__ import annotations

from openltc.config.settings.base import *  # noqa: F403
from openltc.config.settings.base import DATABASES, REPO_DIR

SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789abcdef"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; argon2 is tested explicitly
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "en"
MEDIA_ROOT = REPO_DIR / "var" / "test-media"

if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
    # In-memory SQLite for unit tests; live-server and browser tests get a shared-cache database.
    DATABASES["default"]["TEST"] = {"NAME": ""}
else:
    # A test database is thrown away: its commits (every transactional test's, and the flush
    # after it) need not wait for the WAL to reach the disk.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    assert isinstance(_options, dict)
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"]},
}
