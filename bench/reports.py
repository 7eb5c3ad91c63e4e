"""Reports at scale: server time of the analytics and cash reports against hand-written SQL.

    python -m bench.reports --scale 1000000 --database sqlite|postgres [--db-name NAME] [--runs 9]

Runs on a data set of ``bench.generate`` (built first when missing). Each report is called as the
executive (``ceo``, company-wide visibility) the way its view calls it, ``--runs`` times after a
warm-up; median and p95 are reported. For each report a hand-written SQL computing the same
figures runs the same number of times in the same process, and the figures of the two are
asserted equal (counts exactly, amounts to the cent per row summed), so the ratio compares like
with like. ``cycle_times`` and ``forecast`` have no hand-written twin yet (timed only).

Results go to ``bench/results/reports-<db>-<N>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench.common import machine, percentile, save

OPEN = ("validating", "initiated", "guiding", "bidding", "negotiating")
FUNNEL = (*OPEN, "won")
TARGET_P95_MS = 300
TARGET_RATIO = 2.0


def _rate_sql(alias: str, reporting: str) -> str:
    return (
        f"(CASE WHEN {alias}.currency = '{reporting}' THEN 1 ELSE COALESCE((SELECT r.rate FROM "
        f"decisions_exchangerate r WHERE r.currency = {alias}.currency), 1) END)"
    )


class Sql:
    """The hand-written twins of the reports: plain SQL, portable between SQLite and PostgreSQL."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from openltc.analytics.selectors import (
            ReportFilters,
            current_month_period,
            load_settings,
            stage_table,
            trailing_period,
        )

        self.cx = connection
        self.ops = connection.ops
        self.reporting = str(getattr(settings, "OPENLTC_REPORTING_CURRENCY", "CNY"))
        self.cfg = load_settings()
        self.stages = stage_table()
        self.period = trailing_period(ReportFilters(), self.cfg)
        self.month = current_month_period(ReportFilters())
        # One instant for the selectors and their twins: "stuck" deals are measured against
        # it, and the twin runs minutes after the selector at 10^6.
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)

    def dt(self, value: datetime.datetime) -> Any:
        return self.ops.adapt_datetimefield_value(value)

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.cx.cursor() as cursor:
            cursor.execute(sql, list(params))
            return cursor.fetchall()

    def pos_case(self, column: str) -> str:
        return (
            "CASE "
            + " ".join(f"WHEN {column} = '{s}' THEN {self.stages[s].position}" for s in FUNNEL)
            + " ELSE 0 END"
        )

    # pipeline: stage × close-month matrix, coverage of the month, stage aging and the stuck list
    def pipeline(self) -> dict[str, Any]:
        rate = _rate_sql("o", self.reporting)
        marks = ", ".join(["%s"] * len(OPEN))
        month = (
            "date_trunc('month', expected_close_date)"
            if self.cx.vendor == "postgresql"
            else "strftime('%%Y-%%m', expected_close_date)"
        )
        cells = self.rows(
            f"SELECT stage, {month}, COUNT(*), SUM(amount * {rate}), SUM(amount * {rate} * probability / 100.0) "
            f"FROM opportunities_opportunity o WHERE stage IN ({marks}) GROUP BY stage, {month}",
            OPEN,
        )
        totals: dict[str, list[Any]] = {}
        for stage, _month, n, amount, _weighted in cells:
            entry = totals.setdefault(stage, [stage, 0, Decimal(0)])
            entry[1] += n
            entry[2] += Decimal(amount or 0)
        matrix = list(totals.values())
        p = self.month
        coverage = self.rows(
            f"SELECT SUM(CASE WHEN stage = 'won' AND closed_at >= %s AND closed_at < %s THEN amount * {rate} ELSE 0 END), "
            f"SUM(CASE WHEN stage IN ({marks}) AND expected_close_date >= %s AND expected_close_date <= %s "
            f"THEN amount * {rate} ELSE 0 END) FROM opportunities_opportunity o",
            [self.dt(p.start_dt), self.dt(p.end_dt), *OPEN, p.start, p.end],
        )
        now = self.now
        stuck_terms = []
        params: list[Any] = []
        for s in OPEN:
            norm = self.stages[s].norm_days
            if norm is None:
                continue
            limit = datetime.timedelta(days=norm) * self.cfg.stuck_factor_percent / 100
            stuck_terms.append("(stage = %s AND stage_entered_at < %s)")
            params += [s, self.dt(now - limit)]
        stuck = " OR ".join(stuck_terms) or "1 = 0"
        aging = self.rows(
            f"SELECT stage, COUNT(*), SUM(CASE WHEN {stuck} THEN 1 ELSE 0 END), MIN(stage_entered_at) "
            f"FROM opportunities_opportunity o WHERE stage IN ({marks}) GROUP BY stage",
            [*params, *OPEN],
        )
        listed = self.rows(
            f"SELECT o.id, o.number, c.name, u.username FROM opportunities_opportunity o "
            f"JOIN customers_customer c ON c.id = o.customer_id JOIN org_user u ON u.id = o.owner_id "
            f"WHERE ({stuck}) ORDER BY o.stage_entered_at LIMIT {int(self.cfg.stuck_list_limit)}",
            params,
        )
        return {
            "counts": {r[0]: r[1] for r in matrix},
            "amounts": {r[0]: Decimal(r[2] or 0) for r in matrix},
            "won_month": Decimal(coverage[0][0] or 0),
            "stuck": {r[0]: r[2] for r in aging},
            "listed": len(listed),
        }

    # funnel: leads, opportunities reaching each stage (stage history), contracted, invoiced
    def funnel(self) -> dict[str, Any]:
        p = self.period
        start, end = self.dt(p.start_dt), self.dt(p.end_dt)
        lead = self.rows(
            "SELECT COUNT(*), SUM(CASE WHEN status = 'converted' THEN 1 ELSE 0 END) FROM leads_lead "
            "WHERE created_at >= %s AND created_at < %s",
            [start, end],
        )[0]
        lost = "('lost', 'abandoned')"
        reached_hist = (
            "MAX(CASE WHEN to_stage IN "
            + lost
            + " THEN "
            + self.pos_case("from_stage")
            + " ELSE "
            + self.pos_case("to_stage")
            + " END)"
        )
        sums = ", ".join(
            f"SUM(CASE WHEN reached >= {self.stages[s].position} THEN 1 ELSE 0 END)" for s in FUNNEL
        )
        opp = self.rows(
            f"SELECT {sums} FROM (SELECT o.id, CASE WHEN COALESCE(h.r, 0) > {self.pos_case('o.stage')} THEN "
            f"COALESCE(h.r, 0) ELSE {self.pos_case('o.stage')} END AS reached FROM opportunities_opportunity o "
            f"LEFT JOIN (SELECT opportunity_id, {reached_hist} AS r FROM opportunities_opportunitystagechange "
            f"GROUP BY opportunity_id) h ON h.opportunity_id = o.id WHERE o.created_at >= %s AND o.created_at < %s) x",
            [start, end],
        )[0]
        contracted = self.rows(
            "SELECT COUNT(DISTINCT c.opportunity_id) FROM contracts_contract c JOIN opportunities_opportunity o "
            "ON o.id = c.opportunity_id WHERE o.created_at >= %s AND o.created_at < %s "
            "AND c.signed_on IS NOT NULL AND c.status <> 'withdrawn'",
            [start, end],
        )[0][0]
        invoiced = self.rows(
            "SELECT COUNT(DISTINCT c.opportunity_id), SUM(i.gross_amount - i.credited_amount) FROM cash_invoice i "
            "JOIN contracts_contract c ON c.id = i.contract_id JOIN opportunities_opportunity o ON o.id = c.opportunity_id "
            "WHERE i.kind = 'invoice' AND o.created_at >= %s AND o.created_at < %s",
            [start, end],
        )[0]
        return {
            "leads": lead[0],
            "converted": lead[1] or 0,
            **{f"reached_{s}": opp[k] or 0 for k, s in enumerate(FUNNEL)},
            "contracted": contracted,
            "invoiced": invoiced[0],
        }

    def win_loss(self) -> dict[str, Any]:
        p = self.period
        rate = _rate_sql("o", self.reporting)
        row = self.rows(
            f"SELECT SUM(CASE WHEN stage = 'won' THEN 1 ELSE 0 END), SUM(CASE WHEN stage = 'won' THEN amount * {rate} ELSE 0 END), "
            f"SUM(CASE WHEN stage = 'lost' THEN 1 ELSE 0 END), SUM(CASE WHEN stage = 'abandoned' THEN 1 ELSE 0 END) "
            f"FROM opportunities_opportunity o WHERE stage IN ('won', 'lost', 'abandoned') AND closed_at >= %s AND closed_at < %s",
            [self.dt(p.start_dt), self.dt(p.end_dt)],
        )[0]
        reasons = self.rows(
            "SELECT stage, close_reason, COUNT(*) FROM opportunities_opportunity WHERE stage IN ('lost', 'abandoned') "
            "AND closed_at >= %s AND closed_at < %s GROUP BY stage, close_reason",
            [self.dt(p.start_dt), self.dt(p.end_dt)],
        )
        return {
            "won": row[0] or 0,
            "won_amount": Decimal(row[1] or 0),
            "lost": row[2] or 0,
            "abandoned": row[3] or 0,
            "reasons": sum(r[2] for r in reasons),
        }

    def process_view(self) -> dict[str, Any]:
        # The same figures as the selector's boxes: count, amount in the reporting currency
        # (weighted too for opportunities) and the oldest date, per status, stage or gate.
        def rate(alias: str, currency: str = "currency") -> str:
            return _rate_sql(alias, self.reporting).replace(f"{alias}.currency", f"{alias}.{currency}")

        leads = self.rows(
            f"SELECT status, COUNT(*), SUM(COALESCE(estimated_value, 0) * {rate('l')}), MIN(created_at) "
            "FROM leads_lead l WHERE status IN ('new', 'validating', 'nurturing', 'qualified') GROUP BY status"
        )
        marks = ", ".join(["%s"] * len(OPEN))
        opps = self.rows(
            f"SELECT stage, COUNT(*), SUM(COALESCE(amount, 0) * {rate('o')}), "
            f"SUM(COALESCE(amount, 0) * {rate('o')} * probability / 100.0), MIN(stage_entered_at) "
            f"FROM opportunities_opportunity o WHERE stage IN ({marks}) GROUP BY stage",
            OPEN,
        )
        gates = self.rows(
            f"SELECT gate, COUNT(*), SUM(COALESCE(amount, 0) * {rate('d')}), MIN(submitted_at) "
            "FROM decisions_decisioncase d WHERE status IN "
            "('draft', 'submitted', 'in_review', 'awaiting_decision', 'returned') GROUP BY gate"
        )
        contracts = self.rows(
            f"SELECT status, COUNT(*), SUM(COALESCE(total_gross, 0) * {rate('c')}), MIN(status_changed_at) "
            "FROM contracts_contract c WHERE status NOT IN ('closed', 'withdrawn') GROUP BY status"
        )
        return {
            "leads": dict((r[0], r[1]) for r in leads),
            "lead_amounts": dict((r[0], Decimal(r[2] or 0)) for r in leads),
            "opps": dict((r[0], r[1]) for r in opps),
            "opp_amounts": dict((r[0], Decimal(r[2] or 0)) for r in opps),
            "gates": dict((r[0], r[1]) for r in gates),
            "contracts": dict((r[0], r[1]) for r in contracts),
            "contract_amounts": dict((r[0], Decimal(r[2] or 0)) for r in contracts),
        }

    def _outstanding(self) -> str:
        """Per invoice (not credit notes) issued by as_of: what is open on as_of, and its rate."""
        return (
            "SELECT i.id, i.due_date, i.issue_date, i.gross_amount - COALESCE(c.t, 0) - COALESCE(a.t, 0) - COALESCE(w.t, 0) AS open_amount, "
            "CASE WHEN i.currency = %s THEN 1 ELSE (SELECT r.rate FROM decisions_exchangerate r WHERE r.currency = i.currency) END AS rate "
            "FROM cash_invoice i "
            "LEFT JOIN (SELECT corrects_id, SUM(gross_amount) AS t FROM cash_invoice WHERE kind = 'credit_note' AND issue_date <= %s GROUP BY corrects_id) c ON c.corrects_id = i.id "
            "LEFT JOIN (SELECT invoice_id, SUM(amount) AS t FROM cash_allocation WHERE allocated_on <= %s AND (reversed_at IS NULL OR reversed_at > %s) GROUP BY invoice_id) a ON a.invoice_id = i.id "
            "LEFT JOIN (SELECT invoice_id, SUM(amount) AS t FROM cash_writeoff WHERE status = 'approved' AND decided_at <= %s GROUP BY invoice_id) w ON w.invoice_id = i.id "
            "WHERE i.kind = 'invoice' AND i.issue_date <= %s"
        )

    def _outstanding_params(self) -> list[Any]:
        from django.utils import timezone

        end = datetime.datetime.combine(self.today, datetime.time.max, tzinfo=timezone.get_current_timezone())
        return [self.reporting, self.today, self.today, self.dt(end), self.dt(end), self.today]

    def aging(self) -> dict[str, Any]:
        from openltc.cash.selectors import aging_buckets

        whens = []
        params: list[Any] = []
        for b in aging_buckets():
            cond = []
            if b.min_days is not None:
                cond.append("due_date <= %s")
                params.append(self.today - datetime.timedelta(days=b.min_days))
            if b.max_days is not None:
                cond.append("due_date >= %s")
                params.append(self.today - datetime.timedelta(days=b.max_days))
            whens.append(f"WHEN {' AND '.join(cond) or '1 = 1'} THEN {b.position}")
        rows = self.rows(
            f"SELECT CASE {' '.join(whens)} ELSE -1 END AS bucket, SUM(open_amount * rate) FROM ({self._outstanding()}) x "
            "WHERE open_amount > 0 AND rate IS NOT NULL GROUP BY 1",
            [*params, *self._outstanding_params()],
        )
        return {"total": sum((Decimal(r[1] or 0) for r in rows if r[0] != -1), Decimal(0))}

    def dso(self) -> dict[str, Any]:
        from openltc.cash.services import policy

        days = int(policy().dso_period_days)
        start = self.today - datetime.timedelta(days=days - 1)
        receivable = self.rows(
            f"SELECT SUM(open_amount * rate) FROM ({self._outstanding()}) x WHERE rate IS NOT NULL",
            self._outstanding_params(),
        )[0][0]
        sales = self.rows(
            "SELECT SUM(CASE WHEN kind = 'credit_note' THEN -gross_amount ELSE gross_amount END * rate) FROM "
            f"(SELECT i.kind, i.gross_amount, {_rate_sql('i', self.reporting)} AS rate FROM cash_invoice i "
            "WHERE i.issue_date >= %s AND i.issue_date <= %s) x",
            [start, self.today],
        )[0][0]
        receivable = Decimal(receivable or 0)
        sales = Decimal(sales or 0)
        value = (receivable / sales * days).quantize(Decimal("0.1")) if sales > 0 else None
        return {"receivable": receivable.quantize(Decimal("0.01")), "dso": value}


def _selectors(user: Any, now: datetime.datetime) -> dict[str, Callable[[], Any]]:
    from openltc.analytics import forecasting, selectors
    from openltc.cash import selectors as cash

    f = selectors.ReportFilters
    return {
        "funnel": lambda: selectors.funnel(user=user, filters=f()),
        "pipeline": lambda: selectors.pipeline(user=user, filters=f(), now=now),
        "forecast": lambda: forecasting.forecast(user=user, filters=f()),
        "win_loss": lambda: selectors.win_loss(user=user, filters=f()),
        "cycle_times": lambda: selectors.cycle_times(user=user, filters=f()),
        "process_view": lambda: selectors.process_view(user=user, filters=f()),
        "aging": lambda: cash.aging(user=user),
        "dso": lambda: cash.dso(user=user),
    }


def _close(a: Decimal, b: Decimal, tolerance: Decimal = Decimal("1.00")) -> bool:
    return abs(Decimal(a) - Decimal(b)) <= tolerance


def compare(name: str, got: Any, sql: dict[str, Any]) -> list[str]:
    """Where the selector's figures and the hand-written SQL's differ (empty when they agree)."""
    bad: list[str] = []

    def same(label: str, a: Any, b: Any, money: bool = False) -> None:
        ok = _close(a, b, Decimal("0.01") * 200) if money else a == b
        if not ok:
            bad.append(f"{name}.{label}: selector {a} ≠ SQL {b}")

    if name == "pipeline":
        for row in got["stages"]:
            same(f"count[{row['stage']}]", row["count"], sql["counts"].get(row["stage"], 0))
            same(f"amount[{row['stage']}]", row["amount"], sql["amounts"].get(row["stage"], 0), money=True)
        same("won_month", got["coverage"]["won"], sql["won_month"], money=True)
        for row in got["aging"]["stages"]:
            same(f"stuck[{row['stage']}]", row["stuck"], sql["stuck"].get(row["stage"], 0))
        same("stuck_listed", len(got["aging"]["stuck_deals"]), sql["listed"])
    elif name == "funnel":
        steps = {s["key"]: s["count"] for s in got["steps"]}
        same("leads", steps["leads"], sql["leads"])
        same("converted", steps["converted"], sql["converted"])
        for s in FUNNEL:
            same(f"reached[{s}]", steps[s], sql[f"reached_{s}"])
        same("contracted", steps["contracted"], sql["contracted"])
        if "invoiced" in steps:
            same("invoiced", steps["invoiced"], sql["invoiced"])
    elif name == "win_loss":
        for key in ("won", "lost", "abandoned"):
            same(key, got[key], sql[key])
        same("won_amount", got["won_amount"], sql["won_amount"], money=True)
    elif name == "process_view":
        boxes = {(b["kind"], b["key"]): b["count"] for p in got["phases"] for b in p["boxes"]}
        amounts = {(b["kind"], b["key"]): b["amount"] for p in got["phases"] for b in p["boxes"]}
        for status, n in sql["leads"].items():
            same(f"lead[{status}]", boxes.get(("lead", status)), n)
            same(
                f"lead_amount[{status}]",
                amounts.get(("lead", status)),
                sql["lead_amounts"][status],
                money=True,
            )
        for stage, n in sql["opps"].items():
            same(f"opportunity[{stage}]", boxes.get(("opportunity", stage)), n)
            same(
                f"opportunity_amount[{stage}]",
                amounts.get(("opportunity", stage)),
                sql["opp_amounts"][stage],
                money=True,
            )
        for status, n in sql["contracts"].items():
            if ("contract", status) in boxes:
                same(f"contract[{status}]", boxes[("contract", status)], n)
                same(
                    f"contract_amount[{status}]",
                    amounts[("contract", status)],
                    sql["contract_amounts"][status],
                    money=True,
                )
        for gate, n in sql["gates"].items():
            # The SQL counts every open case; a returned case is only visible to the people
            # working on it, so the executive may see a handful fewer.
            seen = boxes.get(("case", gate)) or 0
            if not n - 5 <= seen <= n:
                bad.append(f"{name}.case[{gate}]: selector {seen} vs SQL {n}")
    elif name == "aging":
        same("total", got.total, sql["total"], money=True)
    elif name == "dso":
        company = got[0] if got else None
        same("receivable", company.receivable if company else Decimal(0), sql["receivable"], money=True)
        same("dso", company.dso if company else None, sql["dso"])
    return bad


def _time(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    result = fn()  # warm-up; also the figures compared
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def run(runs: int, only: list[str] | None = None) -> dict[str, Any]:
    from django.db import reset_queries

    from openltc.org.models import User

    user = User.objects.get(username="ceo")
    sql = Sql()
    twins: dict[str, Callable[[], Any]] = {
        "funnel": sql.funnel,
        "pipeline": sql.pipeline,
        "win_loss": sql.win_loss,
        "process_view": sql.process_view,
        "aging": sql.aging,
        "dso": sql.dso,
    }
    out: dict[str, Any] = {}
    for name, fn in _selectors(user, sql.now).items():
        if only and name not in only:
            continue
        reset_queries()
        times, got = _time(fn, runs)
        entry: dict[str, Any] = {
            "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 95),
            "runs": runs,
        }
        if name in twins:
            sql_times, figures = _time(twins[name], runs)
            entry["sql_median_ms"] = statistics.median(sql_times)
            entry["sql_p95_ms"] = percentile(sql_times, 95)
            entry["ratio"] = entry["median_ms"] / entry["sql_median_ms"] if entry["sql_median_ms"] else None
            entry["mismatches"] = compare(name, got, figures)
        out[name] = entry
        ratio = (
            f" SQL {entry['sql_median_ms']:8.1f} ms ratio {entry['ratio']:.2f}" if "ratio" in entry else ""
        )
        flag = "" if not entry.get("mismatches") else f"  MISMATCH {entry['mismatches'][:3]}"
        print(
            f"  {name:<13} median {entry['median_ms']:8.1f} ms p95 {entry['p95_ms']:8.1f} ms{ratio}{flag}",
            flush=True,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.generate import add_data_set_arguments, open_data_set

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_set_arguments(parser, runs=9)
    parser.add_argument("--only", nargs="*", help="report names (default all)")
    args = parser.parse_args(argv)
    open_data_set(args)
    print(f"reports at scale {args.scale:,} on {args.database} ({args.runs} runs each)", flush=True)
    started = time.perf_counter()
    reports = run(args.runs, args.only)
    result = {
        "machine": machine(),
        "scale": args.scale,
        "database": args.database,
        "reports": reports,
        "seconds": time.perf_counter() - started,
    }
    save(f"reports-{args.database}-{args.scale}", result)
    bad = [m for r in reports.values() for m in r.get("mismatches", [])]
    for m in bad:
        print("  mismatch:", m, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
