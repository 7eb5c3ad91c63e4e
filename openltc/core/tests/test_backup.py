"""Backup and restore round-trip the whole demo data set; a server killed mid-write loses nothing
it acknowledged and leaves no half-written record. Runs on whichever database DATABASE_URL selects."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from openltc.core import integrity
from openltc.core.backup import BackupError, backup, restore

REPO = Path(__file__).resolve().parents[3]


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of all its rows (order-independent)."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_every_table_of_the_demo_data(tmp_path):
    call_command("demo", "--quiet-logins", stdout=io.StringIO())
    before = table_fingerprints()
    populated = [t for t, (count, _digest) in before.items() if count]
    assert len(populated) >= 10, populated
    # Every app along the chain has rows in the round trip (their tables are found by introspection).
    chain = (
        "customers",
        "leads",
        "opportunities",
        "decisions",
        "guidance",
        "bids",
        "contracts",
        "delivery",
        "cash",
    )
    empty = [app for app in chain if not any(t.startswith(f"{app}_") for t in populated)]
    assert empty == [], f"apps without demo rows in the backup round trip: {empty}"

    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "demo.backup"), stdout=out)
    assert "Backup written to" in out.getvalue()
    from openltc.org.models import User

    # Wipe everything and write something new, so a restore that did nothing would be caught.
    call_command("flush", "--noinput")
    User.objects.create_user(username="after-backup", password="pw-Secret-123")
    assert table_fingerprints() != before

    call_command("restore", str(tmp_path / "demo.backup"), "--force", stdout=io.StringIO())

    after = table_fingerprints()
    differing = sorted(t for t in before if before[t] != after.get(t))
    assert differing == [], f"tables differ after restore: {differing}"
    assert set(after) == set(before)
    assert not User.objects.filter(username="after-backup").exists()
    assert integrity.run_checks() == []
    _record_figure("backup_round_trip_tables", len(before), populated=len(populated))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_data_unless_forced(tmp_path, rep):
    path = backup(tmp_path / "one.backup")

    with pytest.raises(CommandError, match="already holds data.*--force"):
        call_command("restore", str(path))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup_of_this_kind_of_database(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("SELECT 1; -- not a backup")

    with pytest.raises(BackupError, match="is not a"):
        restore(bogus, force=True)
    with pytest.raises(CommandError, match="No backup file at"):
        call_command("restore", str(tmp_path / "missing.backup"), "--force")


@pytest.mark.django_db(transaction=True)
def test_backup_never_leaves_a_partial_file_under_the_final_name(tmp_path, monkeypatch):
    import openltc.core.backup as module

    def fail(target, using):
        Path(target).write_bytes(b"half")
        raise BackupError("disk full")

    monkeypatch.setattr(module, "_sqlite_backup", fail)
    monkeypatch.setattr(module, "_pg_dump", fail)

    with pytest.raises(BackupError, match="disk full"):
        backup(tmp_path / "final.backup")
    assert not (tmp_path / "final.backup").exists()


# --- crash test ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        db_file = tmp_path / "crash.sqlite3"
        if not db_file.exists():
            backup(db_file)  # the migrated test database with the test's user, as a real file
        env["DATABASE_URL"] = f"sqlite:///{db_file}"
    else:
        auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    env.update(
        DJANGO_SETTINGS_MODULE="openltc.config.settings.local",
        SECRET_KEY="crash-test-" + "x" * 50,
        OPENLTC_DATA_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    return env


def _start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "gunicorn", "openltc.config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "30"]
    proc = subprocess.Popen(  # noqa: S603
        cmd, env=env, cwd=REPO, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"server did not start: {log.read_text()[-2000:]}")


def _post_json(url: str, secret: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _get_json(url: str, secret: str) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


CHECK_SCRIPT = """
import json
from openltc.core import integrity
from openltc.core.models import AuditEvent
from openltc.org.models import ApiToken
tokens = {str(pk): name for pk, name in ApiToken.objects.values_list("pk", "name")}
events = list(AuditEvent.objects.filter(action="api_token.created").values_list("subject_id", flat=True))
violations = [str(v) for v in integrity.run_checks()]
print(json.dumps({"tokens": tokens, "events": events, "violations": violations}))
"""


@pytest.mark.django_db(transaction=True)
def test_server_killed_mid_write_keeps_every_acknowledged_write(tmp_path, rep):
    from openltc.org.services import api_token_create

    _token, secret = api_token_create(user=rep, name="crash-driver")
    env = _server_env(tmp_path)
    connection.close()  # the server owns the database now
    log = tmp_path / "server.log"
    server, base = _start_server(env, log)

    acknowledged: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        for i in range(10_000):
            if stop.is_set():
                return
            name = f"crash-{n}-{i}"
            try:
                status, body = _post_json(base + "/api/v1/org/tokens", secret, {"name": name})
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server is gone: an unacknowledged write may or may not be there
            if status == 201:
                acknowledged.append(body["name"])
            elif status >= 500:
                failures.append(f"{name}: {status}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-stream
    server.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert len(acknowledged) >= 10, f"too few writes before the kill: {log.read_text()[-2000:]}"
    assert failures == []

    server, base = _start_server(env, log)
    try:
        listed = {t["name"] for t in _get_json(base + "/api/v1/org/tokens", secret)}  # type: ignore[union-attr]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    lost = sorted(set(acknowledged) - listed)
    assert lost == [], f"acknowledged writes lost after the crash: {lost}"
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "openltc", "shell", "-c", CHECK_SCRIPT],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    state = json.loads(checked.stdout.strip().splitlines()[-1])
    # No half-written record: every token has its audit event and no event lacks its token.
    assert sorted(state["events"]) == sorted(state["tokens"])
    assert state["violations"] == []
    if connection.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(tmp_path / "crash.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    _record_figure("crash_acknowledged_writes", len(acknowledged), in_database=len(state["tokens"]) - 1)


def _record_figure(name: str, value: int, **extra: int) -> None:
    """Appends a figure for docs/reliability.md when OPENLTC_RELIABILITY_FIGURES names a file."""
    target = os.environ.get("OPENLTC_RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(
                json.dumps({"figure": name, "value": value, "vendor": connection.vendor, **extra}) + "\n"
            )
