"""A tiny typed reader for the environment that fails loudly on bad values.

Settings are read once, when the settings module loads; a wrong value stops the process with a
message naming the variable instead of surfacing later as odd behaviour.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum {maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def database_config(url: str | None, *, data_dir: Path, pool: bool) -> dict[str, object]:
    """Return Django's DATABASES['default'] for a DATABASE_URL, or the embedded SQLite file."""
    if not url:
        return sqlite_config(data_dir / "openltc.sqlite3")
    import dj_database_url

    try:
        config: dict[str, object] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not understood: {exc}") from None
    engine = str(config.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return sqlite_config(Path(str(config["NAME"])))
    if engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must name a PostgreSQL (postgres://) or SQLite (sqlite:///) database."
        )
    options: dict[str, object] = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
    # PostgreSQL's JIT compiles the expressions of any query whose estimated cost passes
    # jit_above_cost; for the reports' wide conditional aggregates that compilation took 10 of the
    # 11 s of the funnel at 10^5 rows (docs/performance.md). The reports are short queries, so JIT
    # is off for the application's sessions unless the URL sets its own ``options``.
    options.setdefault("options", "-c jit=off")
    if pool:
        # psycopg 3's pool keeps warm connections per worker process; CONN_MAX_AGE must then be 0.
        options["pool"] = {"min_size": 1, "max_size": 8, "timeout": 10}
        config["CONN_MAX_AGE"] = 0
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    config["OPTIONS"] = options
    return config


def sqlite_config(path: Path) -> dict[str, object]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at the
            # start of a transaction so two writers queue on the busy timeout instead of deadlocking.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
