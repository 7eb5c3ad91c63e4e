"""Shared pieces of the benchmarks: the machine's description, timing, results on disk."""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    versions: dict[str, str] = {"python": platform.python_version()}
    try:
        import sqlite3

        import django

        versions["django"] = django.get_version()
        versions["sqlite"] = sqlite3.sqlite_version
    except ImportError:
        pass
    try:
        out = subprocess.run(
            ["psql", PG_ADMIN_URL, "-Atc", "show server_version"], capture_output=True, text=True, timeout=10
        )
        if out.returncode == 0:
            versions["postgresql"] = out.stdout.strip().split()[0]
    except (OSError, subprocess.TimeoutExpired):
        pass
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "platform": platform.platform(),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "versions": versions,
    }


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_ms(fn: Callable[[], Any], repeats: int = 7) -> float:
    fn()  # warm caches once; the figures describe a running system, not a cold start
    return statistics.median(timed(fn) for _ in range(repeats)) * 1000


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None
