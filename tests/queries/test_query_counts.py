"""Query counts: every list, detail, board and dashboard page runs a constant number of queries,
however many rows it shows.

The pages come from the URL configuration (the permission contract's discovery) and each one is
classified in ``pages.py``: counted, with the grower that adds rows under it, or excluded with a
reason. The data set is the demo; each counted page is asked as the administrator (and lists,
boards and dashboards also as the rep, whose visibility filter differs), the data grows (every
list 3x its rows, every detail record 3x its child rows, two levels deep), and the page is asked
again: it must not run more queries than before, and never more than ``CEILING``.

Set OPENLTC_QUERY_FIGURES=path to write the counts as JSON lines.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.contract import discovery
from tests.contract.expectations import PAGES as CONTRACT_PAGES
from tests.contract.harness import E405, Context, lookup, page_url
from tests.queries.growth import Growth
from tests.queries.pages import BOARD, DETAIL, PAGES, Counted, Excluded

# No page may run more queries than this, with the small or the grown data.
CEILING = 60


def _post_only(key: str) -> bool:
    entry = lookup(CONTRACT_PAGES, key)
    return entry is not None and entry.expect.get("admin") == E405


def classified() -> tuple[dict[str, Counted], list[str]]:
    """The counted pages by key, and the keys of GET pages nobody classified."""
    counted: dict[str, Counted] = {}
    missing: list[str] = []
    for key in sorted(discovery.pages()):
        choice = lookup(PAGES, key)
        if isinstance(choice, Counted):
            counted[key] = choice
        elif choice is None and not _post_only(key):
            missing.append(key)
    return counted, missing


def test_every_get_page_is_counted_or_excluded_with_a_reason():
    _counted, missing = classified()
    assert not missing, (
        f"{len(missing)} GET page(s) without an entry in tests/queries/pages.py: count them "
        "(list, detail, board or dashboard, with a grower) or exclude them with a reason:\n  "
        + "\n  ".join(missing)
    )
    assert all(entry.reason for entry in PAGES.values() if isinstance(entry, Excluded))


def test_the_table_has_no_entries_for_pages_that_are_gone():
    keys = set(discovery.pages())
    stale = sorted(k for k in PAGES if not any(c in k for c in "*?[") and k not in keys)
    assert not stale, "entries in tests/queries/pages.py that match no page:\n  " + "\n  ".join(stale)


def test_no_post_only_page_is_listed_as_counted():
    counted, _missing = classified()
    assert not [key for key in counted if _post_only(key)]


# --- counting ------------------------------------------------------------------------------------


@dataclass
class Measure:
    status: int
    queries: list[str]
    size: int

    @property
    def count(self) -> int:
        return len(self.queries)


def measure(ctx: Context, url: str, role: str) -> Measure:
    client = ctx.page_client(role)
    client.get(url)  # warm the per-process caches (content types, configuration)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Measure(response.status_code, [q["sql"] for q in captured.captured_queries], len(body))


def _shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\bIN \([^)]*\)", "IN (...)", sql)


# The list's COUNT (core.pagination.paginate): skipped while the list fits on one page, run once
# when it does not. One such query more after the growth is the paginator, not an N+1.
LIST_COUNT = re.compile(r"^SELECT COUNT\(\*\) FROM \(SELECT .+ LIMIT \d+\) subquery$", re.S)


def list_count_added(before: Measure, after: Measure) -> int:
    def counts(m: Measure) -> int:
        return sum(1 for q in m.queries if LIST_COUNT.match(q))

    return 1 if counts(after) == counts(before) + 1 == 1 else 0


def extra_queries(before: Measure, after: Measure) -> list[str]:
    """The query shapes that ran more often after the growth (the N+1 suspects)."""
    grown = Counter(_shape(q) for q in after.queries) - Counter(_shape(q) for q in before.queries)
    return [f"{n}x {shape[:300]}" for shape, n in grown.most_common(5)]


def url_args(key: str, ctx: Context) -> tuple[str | None, dict[str, Any]]:
    page = discovery.pages()[key]
    entry = lookup(CONTRACT_PAGES, key)
    assert entry is not None, f"{key}: no entry in the permission contract"
    url = page_url(key, page.route, page.params, entry, ctx)
    return url, {name: ctx.resolve(entry.args[name]) for name in page.params}


def count_pages(ctx: Context) -> tuple[list[str], list[dict[str, Any]]]:
    """Counts, grows, counts again: the problems found and the figures per page and role."""
    counted, _missing = classified()
    problems: list[str] = []
    asked: dict[tuple[str, str], tuple[str, Measure]] = {}
    targets: dict[str, tuple[str, dict[str, Any]]] = {}

    def grow(counted: dict[str, Counted], targets: dict[str, tuple[str, dict[str, Any]]]) -> list[str]:
        growth = Growth(ctx)
        for key, (_url, args) in targets.items():
            grower = counted[key].grow
            if grower is not None:
                grower(growth, args)
        return growth.refused

    # given the demo data set grown once, so every section of every page has rows
    for key in counted:
        url, args = url_args(key, ctx)
        if url is None:
            problems.append(f"{key}: no record to put into the URL")
            continue
        targets[key] = (url, args)
    refused = grow(counted, targets)
    for key, (url, _args) in targets.items():
        for role in ("admin", "rep") if counted[key].as_rep else ("admin",):
            before = measure(ctx, url, role)
            if before.status != 200:
                problems.append(f"{key} as {role}: answered {before.status}")
                continue
            asked[(key, role)] = (url, before)

    # when every list and detail record grows again (3x the rows it has)
    refused += grow(counted, targets)

    # then no page runs more queries than it did
    figures = []
    sizes: dict[str, list[int]] = defaultdict(list)
    for (key, role), (url, before) in sorted(asked.items()):
        after = measure(ctx, url, role)
        figures.append({"page": key, "role": role, "before": before.count, "after": after.count})
        if after.status != 200:
            problems.append(f"{key} as {role}: answered {after.status} after the growth")
        elif after.count - list_count_added(before, after) > before.count:
            problems.append(
                f"{key} as {role} ({url}): {before.count} queries, {after.count} after the growth:\n      "
                + "\n      ".join(extra_queries(before, after))
            )
        elif max(before.count, after.count) > CEILING:
            problems.append(f"{key} as {role}: {max(before.count, after.count)} queries (ceiling {CEILING})")
        entry = counted[key]
        if entry.kind in (DETAIL, BOARD) and not entry.fixed and entry.grow is not None:
            sizes[key].append(after.size - before.size)

    # a record page whose rows did not grow proves nothing: its grower must reach it (lists are
    # paged, so a full page does not grow; their growers report when they find nothing to copy)
    for key, deltas in sorted(sizes.items()):
        if max(deltas) <= 0:
            problems.append(f"{key}: the page shows no more after the growth ({deltas} bytes)")
    problems.extend(sorted({line for line in refused if "no row the rep sees" in line}))
    if len({key for key, _role in asked}) != len(counted):
        problems.append("not every counted page was asked")
    return problems, figures


@pytest.mark.django_db
def test_pages_run_a_constant_number_of_queries_as_the_data_grows():
    call_command("demo", "--quiet-logins", stdout=io.StringIO())
    problems, figures = count_pages(Context())
    if os.environ.get("OPENLTC_QUERY_FIGURES"):
        with open(os.environ["OPENLTC_QUERY_FIGURES"], "a", encoding="utf-8") as handle:
            for line in figures:
                handle.write(json.dumps(line) + "\n")
    assert not problems, "\n  ".join(["query counts:", *problems])
