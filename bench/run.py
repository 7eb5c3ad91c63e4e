"""`make bench`: run the benchmarks that exist so far and write docs/performance.md.

    python -m bench.run [--rows N]

Benchmarks are on demand (never part of `make test`) and bounded in rows and time.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)
    if not 1_000 <= args.rows <= 5_000_000:
        print("--rows must be between 1,000 and 5,000,000", file=sys.stderr)
        return 2
    info = machine()
    print(f"machine: {info['cores']} cores, {info['memory_gib']} GiB, {info['versions']}")
    print(f"database floor with {args.rows:,} rows …")
    floor_result = floor.run(args.rows)
    save("floor", {"machine": info, "floor": floor_result})
    path = write_report()
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
