"""Settings for a single machine: `make run`, development, demos. Plain HTTP on 127.0.0.1."""

from __future__ import annotations

import secrets

from openltc.config.settings.base import *  # noqa: F403
from openltc.config.settings.base import DATA_DIR, SECRET_KEY


def _persistent_secret_key() -> str:
    # A key generated once per data directory keeps sessions valid across restarts
    # without ever committing a secret to the repository.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if not SECRET_KEY:
    SECRET_KEY = _persistent_secret_key()
