"""Lead list text search at scale: the list view's queryset, page of 50, narrow and broad terms.

    python -m bench.lead_search --scale 100000 --database sqlite|postgres [--runs 15] [--label NAME]

Runs on a data set of ``bench.generate`` (built first when missing). For each viewer (the
executive ``ceo``, company-wide, and the rep owning the most leads) and each search term, builds
the queryset exactly as the lead list view does (``leads.selectors.lead_list`` with the ``q``
filter, default sort) and pages it with ``core.pagination.paginate`` (page 1 of 50: one COUNT and
one LIMIT query), ``--runs`` times after a warm-up; p50/p95 in milliseconds and the match count.

Terms (from the generator's data): narrow = one lead's e-mail local part (one match); broad =
a mail-domain fragment (about 11 % of the leads); a company fragment in Chinese (about 3 %).

Results go to ``bench/results/lead-search-<db>-<N>[-<label>].json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench.common import machine, percentile, save

TERMS = {
    "narrow": "lead0024826",
    "broad": "mail8",
    "company_cn": "鸿运",
    # The two-character terms bench.api_load searches (PostgreSQL: the bigram index, leads 0007).
    "word_cn": "网络",
    "city_cn": "上海",
}
PAGE_SIZE = 50


def run(runs: int) -> dict[str, Any]:
    from django.db.models import Count

    from openltc.core.pagination import paginate
    from openltc.leads.models import Lead
    from openltc.leads.selectors import LeadFilters, lead_list
    from openltc.org.models import User

    ceo = User.objects.get(username="ceo")
    rep_id = (
        Lead.objects.exclude(owner=None)
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("owner", flat=True)
        .first()
    )
    rep = User.objects.get(pk=rep_id)
    out: dict[str, Any] = {}
    for who, user in (("executive", ceo), ("rep", rep)):
        for name, term in TERMS.items():

            def page(user: Any = user, term: str = term) -> Any:
                return paginate(
                    lead_list(user=user, filters=LeadFilters(q=term)), page=1, page_size=PAGE_SIZE
                )

            first = page()  # warm-up; also the figures
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                page()
                times.append((time.perf_counter() - started) * 1000)
            entry = {
                "viewer": f"{who} ({user.username})",
                "term": term,
                "matches": first.count,
                "p50_ms": statistics.median(times),
                "p95_ms": percentile(times, 95),
                "runs": runs,
            }
            out[f"{who}/{name}"] = entry
            print(
                f"  {who:<9} {name:<10} {term!r:<16} matches {first.count:>7,}  "
                f"p50 {entry['p50_ms']:8.1f} ms  p95 {entry['p95_ms']:8.1f} ms",
                flush=True,
            )
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.generate import add_data_set_arguments, open_data_set

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_set_arguments(parser, runs=15)
    parser.add_argument("--label", default="", help="suffix of the result file (e.g. before, after)")
    args = parser.parse_args(argv)
    open_data_set(args)
    print(f"lead search at scale {args.scale:,} on {args.database} ({args.runs} runs each)", flush=True)
    started = time.perf_counter()
    searches = run(args.runs)
    suffix = f"-{args.label}" if args.label else ""
    save(
        f"lead-search-{args.database}-{args.scale}{suffix}",
        {
            "machine": machine(),
            "scale": args.scale,
            "database": args.database,
            "page_size": PAGE_SIZE,
            "searches": searches,
            "seconds": time.perf_counter() - started,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
