"""Lead import at scale: rows per second and peak memory of the bulk import path.

    python -m bench.lead_import [--rows 100000] [--mode all_or_nothing|valid_rows] [--per-row 200]

Runs in a fresh SQLite database in a temporary directory (or the PostgreSQL database named by
DATABASE_URL, which must be empty or disposable: the benchmark migrates it and adds rows). The CSV
file is generated row by row on disk, imported through the same engine and task as the web page,
and the figures printed: elapsed time, rows/s, peak RSS of the process, and the rows/s of one
``lead_create`` per row for comparison. Figures go to docs/leads.md by hand.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", default="all_or_nothing", choices=("all_or_nothing", "valid_rows"))
    parser.add_argument("--per-row", type=int, default=200, help="rows for the one-by-one comparison")
    args = parser.parse_args(argv)
    if not 1_000 <= args.rows <= 5_000_000:
        print("--rows must be between 1,000 and 5,000,000", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("OPENLTC_DATA_DIR", tmp)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openltc.config.settings.local")
        os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(Path(tmp), args.rows, args.mode, args.per_row)


def run(folder: Path, rows: int, mode: str, per_row: int) -> int:
    from openltc.core.models import ImportJob
    from openltc.leads.models import Lead
    from openltc.leads.services import lead_create
    from openltc.leads.tests.test_import_scale import import_file, write_csv
    from openltc.org.models import OrgUnit, RoleAssignment, User
    from openltc.org.roles import Role

    unit = OrgUnit(code="BENCH", name="Bench unit", kind=OrgUnit.Kind.COMPANY)
    unit.path = unit.compute_path()
    unit.save()
    user = User.objects.create_user(username="bench", password="pw-Secret-123", home_unit=unit)
    RoleAssignment.objects.create(user=user, role=Role.SALES_REP, org_unit=unit)

    started = time.perf_counter()
    for i in range(per_row):
        lead_create(
            actor=user, data={"title": f"One {i}", "source": "web", "company_name": f"S{i}", "owner": user}
        )
    one_by_one = per_row / (time.perf_counter() - started)
    Lead.objects.all().delete()

    path = write_csv(folder / "bench.csv", rows, owner="bench")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    job = import_file(path, user, ImportJob.Mode(mode))
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"status {job.status}: {job.created_rows} created, {job.error_rows} errors, {job.skipped_rows} skipped"
    )
    print(f"{rows:,} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s ({mode})")
    print(f"one lead_create per row: {one_by_one:,.0f} rows/s")
    print(
        f"peak RSS {rss_after / 1024:.0f} MiB (grew {(rss_after - rss_before) / 1024:.0f} MiB during the import)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if job.status == ImportJob.Status.DONE else 1


if __name__ == "__main__":
    raise SystemExit(main())
