"""`make load`: a bounded load and soak run against a production server on 127.0.0.1.

    python -m bench.load [--leads N] [--users U] [--seconds S] [--database sqlite|postgres]

1. builds a fresh database (SQLite file under var/load/, or a new PostgreSQL database) with the
   demo data plus N generated leads;
2. starts ``openltc serve`` (gunicorn, production settings, several workers) on 127.0.0.1;
3. runs locust headless (``bench/locustfile.py``: searches, record pages, boards, lead capture
   and activities through the API) with U users for S seconds;
4. stops the server, runs ``openltc check-integrity`` on the database, and writes throughput,
   p50/p95/p99 per operation and errors to ``bench/results/load-<database>.json`` and to the
   "Load and soak" section of docs/reliability.md.

Exits non-zero when any request failed or the integrity check found violations.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import PG_ADMIN_URL, ROOT, machine, save

PYTHON = sys.executable
MARK_BEGIN = "<!-- load:begin -->"
MARK_END = "<!-- load:end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, check=True, text=True, **kw)


def prepare_database(kind: str, base: str = "") -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openltc.config.settings.production",
        "SECRET_KEY": "load-run-" + os.urandom(32).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        # The load run speaks plain HTTP on the loopback; production keeps these on.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    if kind == "postgres":
        name = f"openltc_load_{os.getpid()}"
        subprocess.run(["psql", PG_ADMIN_URL, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", PG_ADMIN_URL, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    else:
        data = ROOT / "var" / "load"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        if base:  # a migrated SQLite file to start from (migrating from nothing takes minutes)
            shutil.copyfile(base, data / "openltc.sqlite3")
        env.pop("DATABASE_URL", None)
        env["OPENLTC_DATA_DIR"] = str(data)
    return env


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f}s")


def read_stats(prefix: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    total: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            entry = {
                "operation": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": int(float(row["50%"] or 0)),
                "p95_ms": int(float(row["95%"] or 0)),
                "p99_ms": int(float(row["99%"] or 0)),
                "max_ms": int(float(row["Max Response Time"] or 0)),
            }
            if row["Name"] == "Aggregated":
                total = entry
            else:
                rows.append(entry)
    return rows, total


def write_section(result: dict[str, Any]) -> Path:
    path = ROOT / "docs" / "reliability.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Reliability\n"
    m = result["machine"]
    lines = [
        MARK_BEGIN,
        f"Latest `make load` run: {m['date']}, {m['cores']} cores, {m['memory_gib']} GiB, load average "
        f"{m['load_average_1min_at_start']} at start; {result['database']}, {result['leads']:,} generated "
        f"leads on top of the demo, {result['workers']} gunicorn workers, {result['users']} simulated users "
        f"for {result['seconds']} s.",
        "",
        f"**Total: {result['total']['requests']:,} requests, {result['total']['rps']} requests/s, "
        f"{result['total']['failures']} failed; p50 {result['total']['p50_ms']} ms, p95 "
        f"{result['total']['p95_ms']} ms, p99 {result['total']['p99_ms']} ms. Integrity check after the run: "
        f"{result['integrity']}.**",
        "",
        "| operation | requests | failed | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(result["operations"], key=lambda r: -r["requests"]):
        lines.append(
            f"| {r['method']} {r['operation']} | {r['requests']:,} | {r['failures']} | {r['rps']} | "
            f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} |"
        )
    lines.append(MARK_END)
    section = "\n".join(lines)
    if MARK_BEGIN in text and MARK_END in text:
        head, rest = text.split(MARK_BEGIN, 1)
        text = head + section + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Load and soak (`make load`, on demand)\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--base", default="", help="SQLite only: a migrated database file to start from")
    args = parser.parse_args(argv)
    if not (0 <= args.leads <= 1_000_000 and 1 <= args.users <= 200 and 5 <= args.seconds <= 1800):
        print("bounds: --leads 0..1,000,000, --users 1..200, --seconds 5..1800", file=sys.stderr)
        return 2
    info = machine()
    env = prepare_database(args.database, args.base)
    run([PYTHON, "-m", "openltc", "migrate", "--noinput", "-v", "0"], env)
    run([PYTHON, "-m", "openltc", "demo", "--scale", str(args.leads), "--quiet-logins"], env)
    run([PYTHON, "-m", "openltc", "collectstatic", "--noinput", "-v", "0"], env)
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "openltc",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        start_new_session=True,
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / f"locust-{args.database}"
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 300)
        subprocess.run(
            [
                PYTHON,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 4)),
                "--run-time",
                f"{args.seconds}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": "openltc.config.settings.production"},
            check=False,
            timeout=args.seconds + 120,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    integrity = subprocess.run(
        [PYTHON, "-m", "openltc", "check-integrity"], env=env, text=True, capture_output=True, check=False
    )
    print(integrity.stdout[-2000:], integrity.stderr[-2000:])
    operations, total = read_stats(prefix)
    result = {
        "machine": info,
        "database": "PostgreSQL" if args.database == "postgres" else "SQLite (WAL)",
        "leads": args.leads,
        "users": args.users,
        "seconds": args.seconds,
        "workers": args.workers,
        "operations": operations,
        "total": total,
        "integrity": "passed" if integrity.returncode == 0 else "VIOLATIONS (see the run's output)",
    }
    save(f"load-{args.database}", result)
    print(f"written {write_section(result)}")
    return 0 if total.get("failures", 1) == 0 and integrity.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
