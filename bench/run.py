"""`make bench`: run the benchmarks and write docs/performance.md.

    python -m bench.run [--rows N] [--scale N] [--databases sqlite postgres] [--skip generate reports]
                        [--extra lead_import api_load ...]

1. the database floor (``bench.floor``) with ``--rows`` rows;
2. the data generator (``bench.generate``) at ``--scale`` on each database (a fresh data set);
3. the reports at scale (``bench.reports``) on those data sets;
4. optionally other benchmark modules named with ``--extra`` (each run as ``python -m bench.<name>``).

Benchmarks are on demand (never part of `make test`) and bounded in rows and time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from bench import floor
from bench.common import machine, save
from bench.report import write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows for the database floor (default 100,000)"
    )
    parser.add_argument(
        "--scale", type=int, default=100_000, help="generated data set size (default 100,000)"
    )
    parser.add_argument(
        "--databases", nargs="*", default=["sqlite", "postgres"], choices=("sqlite", "postgres")
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=("floor", "generate", "reports"))
    parser.add_argument("--runs", type=int, default=9, help="runs per report (default 9)")
    parser.add_argument("--extra", nargs="*", default=[], help="more bench modules to run, e.g. lead_import")
    args = parser.parse_args(argv)
    if not 1_000 <= args.rows <= 5_000_000:
        print("--rows must be between 1,000 and 5,000,000", file=sys.stderr)
        return 2
    info = machine()
    print(f"machine: {info['cores']} cores, {info['memory_gib']} GiB, {info['versions']}")
    if "floor" not in args.skip:
        print(f"database floor with {args.rows:,} rows …")
        floor_result = floor.run(args.rows)
        save("floor", {"machine": info, "floor": floor_result})
    # Each step runs in its own process: Django is set up once per database.
    for database in args.databases:
        common = ["--scale", str(args.scale), "--database", database]
        if "generate" not in args.skip:
            subprocess.run([sys.executable, "-m", "bench.generate", *common, "--check"], check=False)
        if "reports" not in args.skip:
            subprocess.run(
                [sys.executable, "-m", "bench.reports", *common, "--runs", str(args.runs)], check=False
            )
    for name in args.extra:
        subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
    path = write_report()
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
