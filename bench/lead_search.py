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
    # The two-character terms bench.api_load searches: no trigram, so they scan on PostgreSQL.
    "word_cn": "网络",
    "city_cn": "上海",
    # Two characters matching no lead: the whole table must be read to find that out.
    "none_cn": "华为",
}
PAGE_SIZE = 50


def run(runs: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db.models import Count
    from django.test import override_settings

    from openltc.core import pagination
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
    limit = int(settings.OPENLTC_COUNT_LIMIT)
    # The COUNT stops at the configured limit ("more than N"); the exact COUNT is timed in the
    # same loop, interleaved, so the two compare on this noisy machine.
    modes = {"capped": limit, "exact": 0} if limit else {"exact": 0}
    for who, user in (("executive", ceo), ("rep", rep)):
        for name, term in TERMS.items():

            def page(user: Any = user, term: str = term, limit: int = 0, page_first: bool = False) -> Any:
                qs = lead_list(user=user, filters=LeadFilters(q=term))
                if page_first:  # the path before ad6c699: the page read first, in list order
                    setattr(qs.query, pagination._SCANS, False)
                with override_settings(OPENLTC_COUNT_LIMIT=limit):
                    return paginate(qs, page=1, page_size=PAGE_SIZE)

            term_modes = dict(modes)
            scans = getattr(lead_list(user=user, filters=LeadFilters(q=term)).query, pagination._SCANS, False)
            if scans and limit:
                term_modes["page_first"] = limit
            first = {
                mode: page(limit=value, page_first=mode == "page_first") for mode, value in term_modes.items()
            }
            times: dict[str, list[float]] = {mode: [] for mode in term_modes}
            for _ in range(runs):
                for mode, value in term_modes.items():
                    started = time.perf_counter()
                    page(limit=value, page_first=mode == "page_first")
                    times[mode].append((time.perf_counter() - started) * 1000)
            exact = first["exact"]
            entry: dict[str, Any] = {
                "viewer": f"{who} ({user.username})",
                "term": term,
                "matches": exact.count,
                "runs": runs,
            }
            entry["scans"] = scans
            for mode in term_modes:
                entry[f"{mode}_p50_ms"] = statistics.median(times[mode])
                entry[f"{mode}_p95_ms"] = percentile(times[mode], 95)
            # The figures of the earlier runs: the default mode.
            entry["p50_ms"] = entry[f"{next(iter(modes))}_p50_ms"]
            entry["p95_ms"] = entry[f"{next(iter(modes))}_p95_ms"]
            if "capped" in first:
                assert [r.pk for r in first["capped"].items] == [r.pk for r in exact.items]
                if "page_first" in first:
                    assert [r.pk for r in first["page_first"].items] == [r.pk for r in exact.items]
                entry["count_shown"] = first["capped"].count if first["capped"].count_exact else f"{limit:,}+"
            out[f"{who}/{name}"] = entry
            print(
                f"  {who:<9} {name:<10} {term!r:<16} matches {exact.count:>7,}  "
                + "  ".join(
                    f"{mode} p50 {entry[f'{mode}_p50_ms']:8.1f} ms p95 {entry[f'{mode}_p95_ms']:8.1f} ms"
                    for mode in term_modes
                ),
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
