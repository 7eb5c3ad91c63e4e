"""The API under load: requests/s and p50/p95/p99 per operation with 1, 8 and 32 clients, and the
create-lead throughput as a share of a bare endpoint on the same server.

    python -m bench.api_load [--database postgres|sqlite] [--scale 1000000] [--clients 1 8 32]
                             [--seconds 10] [--workers 4] [--keep]

1. finds or builds the data set with the generator (``bench.generate.ensure``; database
   ``bench_load_api`` unless ``--db-name``), adds the bare endpoint's table ``bench_bare`` and an
   API token for a company-wide user (the CEO: every report covers the whole data set);
2. starts ``openltc serve`` (gunicorn, production settings, ``--workers`` workers) on 127.0.0.1
   with ``OPENLTC_BENCH_ENDPOINTS=1``, which mounts ``POST /api/v1/bench/bare`` (one INSERT, no
   application logic, same authentication) — never set in a normal deployment;
3. for each number of clients, runs each operation alone for ``--seconds`` seconds: that many
   threads, each with its own keep-alive connection, send the request again as soon as the
   answer arrives (a closed loop); a client waits up to ``--request-timeout`` seconds for an
   answer, and the next operation starts only when the server's worker threads are free again
   (health probes, one per thread, all answered within a second);
4. writes ``bench/results/api_load-<database>.json`` and the API section of docs/performance.md,
   and drops the database unless ``--keep``.

Operations: create lead, read lead, list leads with a text filter (page of 50), pipeline board,
opportunity page, funnel, forecast, receivables aging, a gate decision case (read), and the bare
endpoint. All traffic goes to 127.0.0.1, bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.common import ROOT, machine, percentile, save
from bench.lead_import import place_section
from bench.load import free_port, wait_for

PYTHON = sys.executable
MARK_BEGIN = "<!-- api:begin -->"
MARK_END = "<!-- api:end -->"
USER = "ceo"
SEARCHES = ["华为", "网络", "上海", "数据", "Campus", "升级"]

SETUP = r"""
import json, sys
import django
django.setup()
from django.db import connection
from openltc.api.bench import CREATE_TABLE
from openltc.org.models import User
from openltc.org.services import api_token_create
from openltc.leads.models import Lead
from openltc.opportunities.models import Opportunity
from openltc.decisions.models import DecisionCase
with connection.cursor() as cursor:
    cursor.execute(CREATE_TABLE)
user = User.objects.get(username=sys.argv[1])
_token, secret = api_token_create(user=user, name="bench api_load")
out = {
    "token": secret,
    "leads": [str(pk) for pk in Lead.objects.order_by("-created_at").values_list("pk", flat=True)[:200]],
    "opportunities": [str(pk) for pk in Opportunity.objects.order_by("-created_at").values_list("pk", flat=True)[:200]],
    "cases": [str(pk) for pk in DecisionCase.objects.order_by("-created_at").values_list("pk", flat=True)[:200]],
    "counts": {"leads": Lead.objects.count(), "opportunities": Opportunity.objects.count()},
}
print("JSON" + json.dumps(out))
"""


def server_env(url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "openltc.config.settings.production",
        "SECRET_KEY": "api-load-" + os.urandom(32).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "OPENLTC_BENCH_ENDPOINTS": "1",
    }
    return env


class Operation:
    def __init__(self, name: str, method: str, path: Any, body: Any = None) -> None:
        self.name, self.method, self.path, self.body = name, method, path, body

    def request(self) -> tuple[str, str, bytes | None]:
        path = self.path() if callable(self.path) else self.path
        body = self.body() if callable(self.body) else self.body
        return self.method, path, (json.dumps(body).encode() if body is not None else None)


def operations(ids: dict[str, Any]) -> list[Operation]:
    counter = iter(range(10**9))

    def lead_body() -> dict[str, Any]:
        n = next(counter)
        return {
            "title": f"负载测试线索 API load {n}",
            "source": random.choice(["campaign", "exhibition", "web", "referral"]),
            "company_name": f"API Load Customer {n}",
            "contact_name": "王经理",
            "contact_email": f"apiload{n}@example.com",
            "estimated_value": str(random.randint(10, 5000) * 1000),
            "currency": "CNY",
        }

    return [
        Operation("create lead", "POST", "/api/v1/leads", lead_body),
        Operation("bare endpoint", "POST", "/api/v1/bench/bare", lambda: {"title": f"bare {next(counter)}"}),
        Operation("read lead", "GET", lambda: f"/api/v1/leads/{random.choice(ids['leads'])}"),
        Operation(
            "list leads, text filter, page of 50",
            "GET",
            lambda: f"/api/v1/leads?q={quote(random.choice(SEARCHES))}&page_size=50",
        ),
        Operation("pipeline board", "GET", "/api/v1/opportunities/pipeline"),
        Operation(
            "opportunity page", "GET", lambda: f"/api/v1/opportunities/{random.choice(ids['opportunities'])}"
        ),
        Operation("funnel", "GET", "/api/v1/analytics/funnel"),
        Operation("forecast", "GET", "/api/v1/analytics/forecast"),
        Operation("receivables aging", "GET", "/api/v1/cash/receivables/aging"),
        Operation(
            "gate decision case", "GET", lambda: f"/api/v1/decisions/cases/{random.choice(ids['cases'])}"
        ),
    ]


def drive(
    port: int, token: str, op: Operation, clients: int, seconds: float, timeout: float = 300
) -> dict[str, Any]:
    """``clients`` threads in a closed loop for ``seconds``; latencies of the answered requests.

    A client waits up to ``timeout`` for an answer: one that gave up would leave its request
    running on the server while the next operation is measured."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[dict[str, int]] = [{} for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Connection": "keep-alive",
    }

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        start.wait()
        while time.perf_counter() < deadline[0]:
            method, path, body = op.request()
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                status = 0
            elapsed = time.perf_counter() - t0
            if 200 <= status < 300:
                latencies[i].append(elapsed * 1000)
            else:
                errors[i][str(status)] = errors[i].get(str(status), 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join(seconds + timeout + 30)
    wall = time.perf_counter() - t0
    flat = [v for lat in latencies for v in lat]
    failed: dict[str, int] = {}
    for e in errors:
        for k, v in e.items():
            failed[k] = failed.get(k, 0) + v
    return {
        "operation": op.name,
        "clients": clients,
        "requests": len(flat),
        "errors": failed,
        "rps": round(len(flat) / wall, 1),
        "p50_ms": round(percentile(flat, 50), 1),
        "p95_ms": round(percentile(flat, 95), 1),
        "p99_ms": round(percentile(flat, 99), 1),
    }


def quiesce(port: int, probes: int, limit: float) -> float:
    """Waits until ``probes`` health requests sent at once all answer within a second: no worker
    thread is still busy with an earlier operation's requests. Returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        slow = [False] * probes

        def probe(i: int, slow: list[bool] = slow) -> None:
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=limit)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
            except (OSError, http.client.HTTPException):
                slow[i] = True
            slow[i] = slow[i] or time.perf_counter() - t0 > 1.0

        threads = [threading.Thread(target=probe, args=(i,), daemon=True) for i in range(probes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(limit)
        if not any(slow):
            break
        time.sleep(1)
    return time.perf_counter() - started


def write_section(result: dict[str, Any]) -> Path:
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    m = result["machine"]
    lines = [
        MARK_BEGIN,
        "## API under load (`python -m bench.api_load`)",
        "",
        f"Run {m['date']}: {m['cores']} cores, {m['memory_gib']} GiB, load average "
        f"{m['load_average_1min_at_start']} at start (the machine is shared; other suites ran meanwhile); "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". {result['database']} with the generator's data set at scale {result['scale']:,} "
        f"({result['counts']['leads']:,} leads, {result['counts']['opportunities']:,} opportunities); "
        f"`openltc serve` (gunicorn gthread, {result['workers']} workers) on 127.0.0.1; the load client "
        f"(threads with keep-alive connections, closed loop) ran on the same 2 cores; each operation alone "
        f"for {result['seconds']} s per level, as the CEO (company-wide scope) with an API token; a "
        f"client waits up to {result.get('request_timeout', 60):.0f} s for an answer and the next "
        "operation starts when every worker thread is free again.",
        "",
        "| operation | clients | requests/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in result["runs"]:
        errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "0"
        lines.append(
            f"| {r['operation']} | {r['clients']} | {r['rps']:,} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {errors} |"
        )
    lines += ["", "Create lead as a share of the bare endpoint (same server, same run):", ""]
    for clients, ratio in result["create_to_bare"].items():
        lines.append(f"- {clients} clients: {ratio:.0%}")
    create8 = next((r for r in result["runs"] if r["operation"] == "create lead" and r["clients"] == 8), None)
    if create8:
        ratio8 = result["create_to_bare"].get("8", 0)
        lines += [
            "",
            f"**Targets (PostgreSQL): create lead ≥ 540 requests/s with 8 clients — measured {create8['rps']} "
            f"({540 / max(create8['rps'], 0.1):,.0f}× short); p99 < 100 ms — {create8['p99_ms']} ms; "
            f"≥ 50 % of the bare endpoint — {ratio8:.0%}.**",
        ]
    lines.append(MARK_END)
    section = "\n".join(lines)
    path.write_text(place_section(text, section, MARK_BEGIN, MARK_END), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--db-name", default="bench_load_api")
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--request-timeout", type=float, default=300, help="seconds a client waits for an answer"
    )
    parser.add_argument("--only", nargs="*", default=[], help="operation names to run (default all)")
    parser.add_argument("--keep", action="store_true", help="keep the data set afterwards")
    args = parser.parse_args(argv)
    if not (
        100 <= args.scale <= 5_000_000
        and 2 <= args.seconds <= 300
        and 10 <= args.request_timeout <= 900
        and all(1 <= c <= 64 for c in args.clients)
    ):
        print(
            "bounds: --scale 100..5,000,000, --seconds 2..300, --clients 1..64, --request-timeout 10..900",
            file=sys.stderr,
        )
        return 2
    from bench.generate import drop, ensure

    info = machine()
    url = ensure(args.scale, args.database, args.db_name)
    env = server_env(url)
    setup = subprocess.run(
        [PYTHON, "-c", SETUP, USER], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    ids = json.loads(setup.stdout.split("JSON", 1)[1])
    port = free_port()
    log = open(ROOT / "bench" / "results" / f"api_load-{args.database}-server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [PYTHON, "-m", "openltc", "serve", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(args.workers), "--no-worker"],
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    runs = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 300)
        ops = [o for o in operations(ids) if not args.only or o.name in args.only]
        for op in ops:  # warm every worker's caches and connections once
            drive(port, ids["token"], op, min(args.workers, 4), 1, args.request_timeout)
        # gthread workers, two threads each (openltc serve's default)
        probes = args.workers * 2
        quiesce(port, probes, args.request_timeout)
        for clients in args.clients:
            for op in ops:
                result = drive(port, ids["token"], op, clients, args.seconds, args.request_timeout)
                result["settle_s"] = round(quiesce(port, probes, args.request_timeout), 1)
                print(
                    f"{clients:>3} clients  {op.name:<38} {result['rps']:>8} req/s  p50 {result['p50_ms']} "
                    f"p95 {result['p95_ms']} p99 {result['p99_ms']} ms  errors {result['errors'] or 0}",
                    flush=True,
                )
                runs.append(result)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    by = {(r["operation"], r["clients"]): r for r in runs}
    ratios = {
        str(c): by[("create lead", c)]["rps"] / by[("bare endpoint", c)]["rps"]
        for c in args.clients
        if ("create lead", c) in by and by.get(("bare endpoint", c), {}).get("rps")
    }
    result = {
        "machine": info,
        "database": "PostgreSQL" if args.database == "postgres" else "SQLite (WAL)",
        "scale": args.scale,
        "counts": ids["counts"],
        "workers": args.workers,
        "seconds": args.seconds,
        "request_timeout": args.request_timeout,
        "runs": runs,
        "create_to_bare": ratios,
    }
    save(f"api_load-{args.database}", result)
    print(f"written {write_section(result)}")
    if not args.keep:
        drop(args.database, args.db_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
