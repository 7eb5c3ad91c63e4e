"""The database's own floor: the same rows written and grouped with no application logic.

Every application figure in docs/performance.md is reported as a ratio to these, measured in the
same run on the same machine, because shared machines are noisy.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PG_ADMIN_URL, median_ms

STAGES = ["validating", "initiated", "guiding", "bidding", "negotiating", "won", "lost", "abandoned"]


def make_rows(n: int, seed: int = 7) -> list[tuple[Any, ...]]:
    rnd = random.Random(seed)
    return [
        (
            f"线索 Lead {i}",
            f"客户公司 Company {rnd.randrange(n // 3 + 1)}",
            f"person{i}@example.test",
            f"138{rnd.randrange(10**8):08d}",
            round(rnd.uniform(1_000, 5_000_000), 2),
            rnd.choice(STAGES),
        )
        for i in range(n)
    ]


DDL = "CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, title TEXT, company TEXT, email TEXT, phone TEXT, amount NUMERIC(18,2), stage TEXT)"
INSERT = "INSERT INTO bench_floor (title, company, email, phone, amount, stage) VALUES (?, ?, ?, ?, ?, ?)"
GROUP = "SELECT stage, COUNT(*), SUM(amount) FROM bench_floor GROUP BY stage"


def sqlite_floor(rows: list[tuple[Any, ...]], per_row_sample: int = 2000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.sqlite3"
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(DDL)
        started = time.perf_counter()
        con.execute("BEGIN")
        con.executemany(INSERT, rows)
        con.execute("COMMIT")
        bulk_s = time.perf_counter() - started
        con.execute("CREATE INDEX bench_floor_stage ON bench_floor(stage)")
        group_ms = median_ms(lambda: con.execute(GROUP).fetchall())
        sample = rows[:per_row_sample]
        started = time.perf_counter()
        for row in sample:
            con.execute("BEGIN")
            con.execute(INSERT, row)
            con.execute("COMMIT")
        per_row_rate = len(sample) / (time.perf_counter() - started)
        con.close()
    return {
        "rows": len(rows),
        "executemany_s": bulk_s,
        "executemany_rows_per_s": len(rows) / bulk_s,
        "txn_per_row_rows_per_s": per_row_rate,
        "group_by_stage_ms": group_ms,
    }


def postgres_floor(rows: list[tuple[Any, ...]], per_row_sample: int = 2000) -> dict[str, float] | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError:
        return None
    db = "openltc_bench_floor"
    admin.execute(f"DROP DATABASE IF EXISTS {db}")
    admin.execute(f"CREATE DATABASE {db}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db
    pg_ddl = DDL.replace("id INTEGER PRIMARY KEY", "id BIGSERIAL PRIMARY KEY")
    pg_insert = INSERT.replace("?", "%s")
    result: dict[str, float] = {"rows": len(rows)}
    try:
        with psycopg.connect(url) as con:
            con.execute(pg_ddl)
            con.commit()
            started = time.perf_counter()
            with (
                con.cursor() as cur,
                cur.copy("COPY bench_floor (title, company, email, phone, amount, stage) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            con.commit()
            copy_s = time.perf_counter() - started
            result.update(copy_s=copy_s, copy_rows_per_s=len(rows) / copy_s)
            con.execute("TRUNCATE bench_floor")
            con.commit()
            started = time.perf_counter()
            with con.cursor() as cur:
                cur.executemany(pg_insert, rows)
            con.commit()
            many_s = time.perf_counter() - started
            result.update(executemany_s=many_s, executemany_rows_per_s=len(rows) / many_s)
            con.execute("CREATE INDEX bench_floor_stage ON bench_floor(stage)")
            con.execute("ANALYZE bench_floor")
            con.commit()
            result["group_by_stage_ms"] = median_ms(lambda: con.execute(GROUP).fetchall())
            con.commit()
            sample = rows[:per_row_sample]
            con.autocommit = True
            started = time.perf_counter()
            for row in sample:
                con.execute(pg_insert, row)
            result["txn_per_row_rows_per_s"] = len(sample) / (time.perf_counter() - started)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
        admin.close()
    return result


def run(n: int) -> dict[str, Any]:
    rows = make_rows(n)
    return {"sqlite": sqlite_floor(rows), "postgresql": postgres_floor(rows)}
