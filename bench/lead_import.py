"""Lead import at scale: rows/s and peak memory of the real import path, against the raw floor.

    python -m bench.lead_import [--rows 100000 1000000] [--databases sqlite postgres]
                                [--mode valid_rows|all_or_nothing] [--keep]

For each database a fresh data set is made with the generator (``bench.generate.ensure`` at scale
100: the migrated demo with its users, units and four distribution rules; database
``bench_load_import``). For each size a CSV file is written row by row, then a child process
(fresh, so its peak RSS is the import's own) imports it through the same engine and task as the
web page — mapping, parsing and validation, duplicate checks against open leads and earlier rows,
per-batch distribution of the rows without an owner, one COPY/executemany per batch for the leads,
their history rows and their audit events — and then writes the same file's rows into a bare
table of text columns with no application logic (``executemany`` in one transaction on SQLite,
``COPY`` on PostgreSQL): the floor. Memory must stay flat as the file grows, so two sizes are run.

Results go to ``bench/results/import-<database>.json`` and the import section of
docs/performance.md. The database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT, machine, save

PYTHON = sys.executable
DB_NAME = "bench_load_import"
IMPORTER_USER = "leads.east"  # the demo's lead manager of the East region
MARK_BEGIN = "<!-- import:begin -->"
MARK_END = "<!-- import:end -->"


def child(csv_path: Path, rows: int, mode: str) -> dict[str, Any]:
    """Runs inside the fresh process (DATABASE_URL set): the import, then the floor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openltc.config.settings.local")
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    import django

    django.setup()
    from django.db import connection

    from openltc.core.models import AuditEvent, ImportJob
    from openltc.leads.models import Lead
    from openltc.leads.tests.test_import_scale import import_file
    from openltc.org.models import User

    user = User.objects.get(username=IMPORTER_USER)
    leads_before = Lead.objects.count()
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    job = import_file(csv_path, user, ImportJob.Mode(mode))
    elapsed = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    distributed = AuditEvent.objects.filter(action="lead.distributed").count()
    created = Lead.objects.count() - leads_before

    # The floor: the same rows, read from the same file, written with no application logic.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_floor")
        cursor.execute(
            "CREATE TABLE bench_import_floor (title TEXT, company TEXT, contact TEXT, phone TEXT, "
            "email TEXT, source TEXT, amount TEXT, rating TEXT, owner TEXT)"
        )
    started = time.perf_counter()
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        raw = connection.connection  # the driver's own connection, below Django
        if connection.vendor == "postgresql":
            with raw.cursor() as cur, cur.copy("COPY bench_import_floor FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
            raw.commit()
        else:
            raw.execute("BEGIN")
            raw.executemany("INSERT INTO bench_import_floor VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", reader)
            raw.execute("COMMIT")
    floor_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_import_floor")
    return {
        "rows": rows,
        "mode": mode,
        "status": job.status,
        "created": job.created_rows,
        "created_counted": created,
        "errors": job.error_rows,
        "skipped": job.skipped_rows,
        "distributed": distributed,
        "import_s": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "rss_start_mib": round(rss_start / 1024),
        "rss_peak_mib": round(rss_peak / 1024),
        "floor_s": round(floor_s, 2),
        "floor_rows_per_s": round(rows / floor_s),
        "ratio_to_floor": round(floor_s / elapsed, 4),
        "load_average_end": round(os.getloadavg()[0], 1),
    }


HEADER = ["Lead name", "Company", "Contact", "Phone", "Email", "Lead source", "Amount", "Rating", "Owner"]


def write_csv(path: Path, rows: int) -> Path:
    """The layout of the import tests (openltc/leads/tests/test_import_scale.py), without owners so
    every row goes through distribution; written row by row, never held in memory."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    f"Campus network {i}",
                    f"Company {i} Ltd",
                    f"Buyer {i}",
                    f"+86 21 {i:08d}",
                    f"buyer{i}@example.test",
                    "Trade Show" if i % 2 else "官网",
                    f"{(i % 97) * 10000}",
                    "Hot" if i % 3 == 0 else "warm",
                    "",
                ]
            )
    return path


def place_section(text: str, section: str, begin: str, end: str) -> str:
    """Replaces the marked section, or adds it inside the notes block that ``bench/report.py``
    keeps when it renders the file (so ``make bench`` does not drop it), or at the end."""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + section + rest.split(end, 1)[1]
    notes_end = "<!-- notes:end -->"
    if notes_end in text:
        head, rest = text.split(notes_end, 1)
        return head.rstrip() + "\n\n" + section + "\n" + notes_end + rest
    return text.rstrip() + "\n\n" + section + "\n"


def import_findings(results: list[dict[str, Any]]) -> list[str]:
    """The targets of the benchmark issue against this run, and what the profile says."""
    lines = []
    pg = next((r for r in results if r["database"] == "PostgreSQL"), None)
    if pg and pg["runs"]:
        best = max(pg["runs"], key=lambda r: r["rows"])
        rss = max(r["rss_peak_mib"] for r in pg["runs"])
        lines.append(
            f"**Targets (PostgreSQL): ≥ 25,000 rows/s — measured {best['rows_per_s']:,} rows/s at "
            f"{best['rows']:,} rows, {25_000 / max(best['rows_per_s'], 1):,.0f}× short, "
            f"{best['ratio_to_floor']:.1%} of the COPY floor (target ≥ 30 % of executemany); peak RSS < 500 MB — "
            f"{rss} MiB, {'met' if rss < 500 else 'missed'}.**"
        )
    sizes = [r for result in results for r in result["runs"]]
    for result in results:
        runs = sorted(result["runs"], key=lambda r: r["rows"])
        if len(runs) >= 2:
            lines.append(
                f"- Memory as the file grows ({result['database']}): {runs[0]['rows']:,} rows peak "
                f"{runs[0]['rss_peak_mib']} MiB, {runs[-1]['rows']:,} rows peak {runs[-1]['rss_peak_mib']} MiB."
            )
    if sizes:
        lines.append(
            f"- Load average at the end of the runs: {', '.join(str(r['load_average_end']) for r in sizes)} "
            "(2 cores): absolute rows/s are a fraction of what an idle machine gives; the floor shares the load."
        )
    return lines


def write_section(results: list[dict[str, Any]]) -> Path:
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    m = results[0]["machine"]
    lines = [
        MARK_BEGIN,
        "## Lead import (`python -m bench.lead_import`)",
        "",
        f"Run {m['date']}: {m['cores']} cores, {m['memory_gib']} GiB, load average "
        f"{m['load_average_1min_at_start']} at start (shared machine: other suites ran meanwhile; the "
        "ratio to the floor is measured in the same process right after the import); "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + ". CSV files of nine columns, no owners (every row goes through the demo's four distribution "
        "rules), imported by the demo's lead manager through the real engine in “valid rows” mode.",
        "",
        "| database | rows | status | created | distributed | import s | rows/s | floor rows/s | import ÷ floor | peak RSS MiB |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for r in result["runs"]:
            lines.append(
                f"| {result['database']} | {r['rows']:,} | {r['status']} | {r['created']:,} | {r['distributed']:,} | "
                f"{r['import_s']:,} | {r['rows_per_s']:,} | {r['floor_rows_per_s']:,} | "
                f"{r['ratio_to_floor']:.1%} | {r['rss_peak_mib']} |"
            )
    lines += ["", *import_findings(results), MARK_END]
    section = "\n".join(lines)
    path.write_text(place_section(text, section, MARK_BEGIN, MARK_END), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--databases", nargs="*", default=["sqlite", "postgres"], choices=("sqlite", "postgres")
    )
    parser.add_argument("--mode", default="valid_rows", choices=("all_or_nothing", "valid_rows"))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the docs section from the results"
    )
    parser.add_argument(
        "--sqlite-base",
        default="",
        help="a migrated SQLite file with the demo loaded, copied fresh for each size (else the generator)",
    )
    parser.add_argument("--child", nargs=3, metavar=("CSV", "ROWS", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render:
        print(f"written {render()}")
        return 0
    if args.child:
        result = child(Path(args.child[0]), int(args.child[1]), args.child[2])
        print("RESULT" + json.dumps(result))
        return 0
    if not all(1_000 <= n <= 5_000_000 for n in args.rows):
        print("--rows must be between 1,000 and 5,000,000", file=sys.stderr)
        return 2
    from bench.generate import drop, ensure

    results = []
    marker = RESULTS / "generate-{}-100.json"
    with tempfile.TemporaryDirectory() as tmp:
        files = {n: write_csv(Path(tmp) / f"leads-{n}.csv", n) for n in args.rows}
        for database in args.databases:
            info = machine()
            runs = []
            for n in args.rows:
                had = Path(str(marker).format(database)).exists()
                drop(database, DB_NAME)
                if database == "sqlite" and args.sqlite_base:
                    import shutil

                    from bench.generate import BENCH_DIR, database_url

                    BENCH_DIR.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(args.sqlite_base, BENCH_DIR / f"{DB_NAME}.sqlite3")
                    url = database_url(database, DB_NAME)
                else:
                    url = ensure(100, database, DB_NAME)
                if not had:  # the generator's own result file for this helper data set
                    Path(str(marker).format(database)).unlink(missing_ok=True)
                # A 10^6-row file (112 MB) is over the default upload limit of 50 MB; the bench
                # measures the import, so the limit is raised for its child only.
                limit = max(2 * files[n].stat().st_size, 50 * 1024 * 1024)
                env = {**os.environ, "DATABASE_URL": url, "OPENLTC_MAX_UPLOAD_BYTES": str(limit)}
                out = subprocess.run(
                    [PYTHON, "-m", "bench.lead_import", "--child", str(files[n]), str(n), args.mode],
                    env=env,
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    check=False,
                )
                if "RESULT" not in out.stdout:
                    print(out.stdout[-3000:], out.stderr[-3000:], file=sys.stderr)
                    return 1
                run = json.loads(out.stdout.split("RESULT", 1)[1])
                print(f"{database} {run}", flush=True)
                runs.append(run)
            if not args.keep:
                drop(database, DB_NAME)
            result = {
                "machine": info,
                "database": "PostgreSQL" if database == "postgres" else "SQLite (WAL)",
                "runs": runs,
            }
            save(f"import-{database}", result)
            results.append(result)
    print(f"written {render()}")
    return 0


def render() -> Path:
    """The section from the latest results of every database (a run may cover one of them)."""
    from bench.common import load

    found = [r for r in (load("import-postgres"), load("import-sqlite")) if r]
    return write_section(found)


if __name__ == "__main__":
    raise SystemExit(main())
