"""Backing up and restoring the whole database, on SQLite and on PostgreSQL.

SQLite: SQLite's online backup API copies a consistent snapshot page by page while the server
keeps running (WAL readers and writers are not blocked); restore copies the file's pages back
into the live database the same way, in one step.

PostgreSQL: ``pg_dump --format=custom`` writes a consistent snapshot (one repeatable-read
transaction); restore runs ``pg_restore --clean --if-exists --single-transaction``, so a failed
restore leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def vendor(using: str = "default") -> str:
    return str(connections[using].vendor)


def default_backup_path(using: str = "default") -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if vendor(using) == "sqlite" else "dump"
    return Path(settings.DATA_DIR) / "backups" / f"openltc-{stamp}.{suffix}"


def backup(output: Path | str | None = None, *, using: str = "default") -> Path:
    """Writes a consistent copy of the database to ``output`` (a new file) and returns its path."""
    path = Path(output) if output else default_backup_path(using)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    kind = vendor(using)
    if kind == "sqlite":
        _sqlite_backup(tmp, using)
    elif kind == "postgresql":
        _pg_dump(tmp, using)
    else:  # pragma: no cover — settings only allow the two
        raise BackupError(f"Backups are not supported for the {kind} database.")
    os.replace(tmp, path)  # a half-written backup never carries the final name
    return path


def restore(source: Path | str, *, using: str = "default", force: bool = False) -> None:
    """Replaces the whole database with the backup at ``source``.

    Without ``force`` a database that already holds users is refused, so a restore is never
    run over live data by accident.
    """
    path = Path(source)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    kind = vendor(using)
    with path.open("rb") as handle:
        head = handle.read(16)
    if kind == "sqlite" and not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{path} is not a SQLite backup; this server uses SQLite.")
    if kind == "postgresql" and not head.startswith(PGDUMP_MAGIC):
        raise BackupError(f"{path} is not a pg_dump custom-format backup; this server uses PostgreSQL.")
    if not force and _holds_data(using):
        raise BackupError(
            "The database already holds data. Restoring replaces all of it; run again with --force "
            "to do so (take a backup first)."
        )
    if kind == "sqlite":
        _sqlite_restore(path, using)
    else:
        _pg_restore(path, using)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _holds_data(using: str) -> bool:
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    from django.contrib.auth import get_user_model

    table = get_user_model()._meta.db_table
    if table not in tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


# --- SQLite -------------------------------------------------------------------------------------


def _raw_sqlite(using: str) -> sqlite3.Connection:
    connection = connections[using]
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("Backup and restore cannot run inside a transaction.")
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _sqlite_backup(target: Path, using: str) -> None:
    source = _raw_sqlite(using)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=1024)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        destination.close()


def _sqlite_restore(path: Path, using: str) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (result,) = source.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise BackupError(f"{path} is damaged ({result}); it was not restored.")
        destination = _raw_sqlite(using)
        source.backup(destination)
    finally:
        source.close()
    # Every other connection re-reads the schema on its next statement; Django's own is reset.
    connections[using].close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(e.g. apt-get install postgresql-client) and retry."
        )
    return found


def _pg_env(using: str) -> tuple[dict[str, str], str]:
    params = connections[using].settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if params.get(key):
            env[var] = str(params[key])
    return env, str(params["NAME"])


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else 'exit code ' + str(result.returncode)}")


def _pg_dump(target: Path, using: str) -> None:
    env, name = _pg_env(using)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), name], env, "pg_dump")


def _pg_restore(path: Path, using: str) -> None:
    env, name = _pg_env(using)
    connections[using].close()  # our own idle connection must not hold locks on the tables
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(path),
        ],
        env,
        "pg_restore",
    )
