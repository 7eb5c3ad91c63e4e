"""Renders docs/performance.md from the latest results in bench/results/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT, load

NOTES_BEGIN = "<!-- notes:begin -->"
NOTES_END = "<!-- notes:end -->"

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
    lines += _generator_section() + _reports_section()
    lines += [
        "## Other benchmarks",
        "",
        "The lead import through the real import path (`bench/lead_import.py`), the API under 1/8/32",
        "clients against a bare endpoint (`bench/api_load.py`) and the load run (`bench/load.py`) write",
        "their own sections below (`python -m bench.run --extra lead_import api_load` runs them).",
        "",
        f"Odoo reference figures they are compared with: {ODOO}.",
        "",
    ]
    path = ROOT / "docs" / "performance.md"
    notes = ""
    if path.exists():
        text = path.read_text()
        if NOTES_BEGIN in text and NOTES_END in text:
            notes = NOTES_BEGIN + text.split(NOTES_BEGIN, 1)[1].split(NOTES_END, 1)[0] + NOTES_END
    if notes:
        lines += ["", notes, ""]
    path.write_text("\n".join(lines))
    return path


def _results(prefix: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(RESULTS.glob(f"{prefix}-*.json")):
        found.append(json.loads(path.read_text()))
    return sorted(found, key=lambda r: (r.get("scale", 0), r.get("database", "")))


def _generator_section() -> list[str]:
    runs = _results("generate")
    if not runs:
        return []
    lines = [
        "## Data generator (`python -m bench.generate --scale N --database sqlite|postgres`)",
        "",
        "| scale | database | rows | bulk time | rows/s | total (with template copy, ANALYZE) | size | integrity | date, load average |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in runs:
        violations = r.get("integrity_violations")
        own = [v for v in violations or [] if "-2026-" not in v]
        integrity = (
            "—"
            if violations is None
            else (
                "clean"
                if not violations
                else f"{len(own)} on generated rows, {len(violations) - len(own)} on demo rows"
            )
        )
        m = r["machine"]
        lines.append(
            f"| {r['scale']:,} | {r['database']} | {r['rows']:,} | {r['bulk_s']:,.0f} s | {r['rows'] / r['bulk_s']:,.0f} | "
            f"{r['total_s']:,.0f} s | {r.get('file_mib', '—')} MiB | {integrity} | {m['date']}, {m['load_average_1min_at_start']} |"
        )
    largest = runs[-1]
    lines += [
        "",
        f"Rows per table at scale {largest['scale']:,} ({largest['database']}):",
        "",
        "| table | rows | rows/s |",
        "| --- | ---: | ---: |",
    ]
    for table, t in largest["tables"].items():
        rate = t["rows"] / t["seconds"] if t["seconds"] else 0
        lines.append(f"| {table} | {int(t['rows']):,} | {rate:,.0f} |")
    return [*lines, ""]


def _reports_section() -> list[str]:
    runs = _results("reports")
    if not runs:
        return []
    lines = [
        "## Reports at scale (`python -m bench.reports`), as the executive (company-wide)",
        "",
        "Server time of the selector (median / p95 over the runs, after one warm-up) and of hand-written",
        "SQL computing the same figures in the same process; the figures are asserted equal. Targets:",
        "p95 < 300 ms and ≤ 2× the SQL.",
        "",
        "| scale | database | report | median ms | p95 ms | SQL median ms | ratio | p95 target | ratio target |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in runs:
        for name, e in r["reports"].items():
            ratio = e.get("ratio")
            lines.append(
                f"| {r['scale']:,} | {r['database']} | {name} | {e['median_ms']:,.0f} | {e['p95_ms']:,.0f} | "
                f"{_fmt(e.get('sql_median_ms'))} | {_fmt(ratio, 1)} | {'met' if e['p95_ms'] < 300 else 'missed'} | "
                f"{'—' if ratio is None else ('met' if ratio <= 2 else 'missed')} |"
            )
    return [*lines, ""]
