"""Renders docs/performance.md from the latest results in bench/results/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import ROOT, load

ODOO = {
    "create_1_client_rps": 32,
    "create_8_clients_rps": 54,
    "bulk_api_leads_per_s": 700,
    "lead_list_narrow_ms": 46,
    "pipeline_group_100k_ms": 77,
}


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def write_report() -> Path:
    floor = load("floor")
    lines = [
        "# Performance",
        "",
        "Benchmarks live in `bench/` and run on demand with `make bench` (never in `make test`).",
        "Machines here are shared and noisy, so application figures are given as ratios to the database's",
        "own floor measured in the same run, with absolute figures alongside.",
        "",
    ]
    if floor:
        m = floor["machine"]
        lines += [
            f"Latest run: {m['date']} · {m['cores']} cores · {m['memory_gib']} GiB · "
            + " · ".join(f"{k} {v}" for k, v in m["versions"].items())
            + f" · load average at start {m.get('load_average_1min_at_start', '—')}",
            "",
            "## Database floor (no application logic)",
            "",
            "| measure | SQLite (WAL) | PostgreSQL |",
            "| --- | ---: | ---: |",
        ]
        s, p = floor["floor"]["sqlite"], floor["floor"]["postgresql"] or {}
        rows = s["rows"]
        lines += [
            f"| {rows:,} rows by COPY | — | {_fmt(p.get('copy_s'), 2)} s ({_fmt(p.get('copy_rows_per_s'), 0)} rows/s) |",
            f"| {rows:,} rows by executemany in one transaction | {_fmt(s['executemany_s'], 2)} s ({_fmt(s['executemany_rows_per_s'], 0)} rows/s) | {_fmt(p.get('executemany_s'), 2)} s ({_fmt(p.get('executemany_rows_per_s'), 0)} rows/s) |",
            f"| one transaction per row | {_fmt(s['txn_per_row_rows_per_s'], 0)} rows/s | {_fmt(p.get('txn_per_row_rows_per_s'), 0)} rows/s |",
            f"| GROUP BY stage over {rows:,} rows (median) | {_fmt(s['group_by_stage_ms'])} ms | {_fmt(p.get('group_by_stage_ms'))} ms |",
            "",
            "Reference (Odoo 18 on PostgreSQL 15, 2 cores, from the benchmark issue): COPY 100k rows 0.21 s,",
            "executemany 1.2 s, one transaction per row about 4,800 rows/s, GROUP BY stage over 100k rows 13 ms",
            "(PostgreSQL) and 20 ms (SQLite).",
            "",
        ]
    lines += [
        "## Not measured yet",
        "",
        "The application benchmarks of the benchmark issue — lead import through the real import path,",
        "the API under 1/8/32 clients against a bare endpoint, reports at 10^6 rows against hand-written SQL,",
        "and the data generator at 10^6 records — are not written yet. They are added to `bench/` as the",
        "features they measure land; until then no application figure is claimed here.",
        "",
        f"Odoo reference figures they will be compared with: {ODOO}.",
        "",
    ]
    path = ROOT / "docs" / "performance.md"
    path.write_text("\n".join(lines))
    return path
