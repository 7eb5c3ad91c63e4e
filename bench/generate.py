"""Bench data generator: a realistic Lead-to-Cash data set at scale N, on SQLite or PostgreSQL.

    python -m bench.generate --scale 1000000 --database sqlite|postgres [--db-name NAME] [--check]
        [--keep-structure]

Builds a fresh database of its own (never the dev database): a SQLite file
``var/bench/<name>.sqlite3`` (WAL) or the PostgreSQL database ``<name>`` on
``BENCH_PG_URL``'s server; ``<name>`` defaults to ``bench_<scale>``. It migrates it, loads the
deterministic demo (organisation, users, configuration, a few hand-made records), then adds by
bulk paths (COPY on PostgreSQL, executemany on SQLite, batches of 20,000 rows):

* N leads (0.3 N of them converted into opportunities), 0.3 N customers with one contact each;
* N opportunities across every stage, with their stage history, the AR team member and, for
  those past a gate, the decided ATI / ATB / ATC case and its decision (some cases still open,
  waiting at the gate);
* 0.1 N signed contracts (one version, one line, three payment milestones and three receivable
  plan lines each), a delivery project with three milestones per contract;
* N invoices (ten per contract, each on one plan line, never beyond it), a receipt with its
  allocation for each paid invoice (older invoices are mostly paid, recent ones mostly open).

Every row satisfies the models' constraints and ``openltc check-integrity`` (``--check`` runs it
at the end). History (django-simple-history) and audit events are not generated for bulk rows.

The bulk tables (:data:`BULK_MODELS`) are loaded without their secondary indexes, and without
their foreign keys on PostgreSQL (``PRAGMA foreign_keys`` off on SQLite) and the lead search's
FTS triggers on SQLite; primary keys, unique constraints (on SQLite: those declared in the table;
a ``CREATE UNIQUE INDEX`` is rebuilt and checks uniqueness then), check constraints and the app's
own triggers stay. All of it is built once after the load, in the same transaction: the indexes
are created again, the foreign keys re-added as Django made them (PostgreSQL validates every row;
``PRAGMA foreign_key_check`` must be empty on SQLite), the FTS index rebuilt, and the schema's
index, constraint and trigger definitions compared with those captured before (any difference,
like any failure, rolls the whole load back). ``--keep-structure`` loads with everything in
place instead (slower; for comparison).

Other benchmarks use :func:`database_url` and :func:`ensure` to find or build a data set:

    from bench.generate import database_url, ensure
    url = ensure(1_000_000, "postgres")   # builds bench_1000000 unless it is there already

The figures (rows and rows/s per table, the load, the index build, the foreign-key validation,
the FTS rebuild, total time) go to ``bench/results/generate-<db>-<N>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from bench.common import PG_ADMIN_URL, ROOT, machine, save

BENCH_DIR = ROOT / "var" / "bench"
BATCH = 20_000
CENT = Decimal("0.01")
#: Number prefixes of the generated records, apart from the ones the app issues itself.
PREFIX = "B"

CITIES = [
    "上海",
    "杭州",
    "广州",
    "深圳",
    "北京",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "重庆",
    "天津",
    "宁波",
    "厦门",
    "青岛",
    "长沙",
    "郑州",
    "合肥",
    "福州",
    "济南",
]
WORDS = [
    "华能",
    "东方",
    "远大",
    "恒信",
    "中科",
    "新元",
    "光明",
    "长城",
    "金桥",
    "海天",
    "安泰",
    "瑞丰",
    "博通",
    "天成",
    "宏达",
    "信达",
    "鼎盛",
    "汇通",
    "永兴",
    "联创",
    "星河",
    "云帆",
    "智联",
    "弘毅",
    "启明",
    "正泰",
    "蓝海",
    "万向",
    "九州",
    "同方",
    "航宇",
    "盛世",
    "和信",
    "德润",
    "众诚",
    "华夏",
    "国泰",
    "凯旋",
    "腾飞",
    "卓越",
    "精工",
    "泰和",
    "明德",
    "宝丰",
    "广源",
    "天健",
    "万达",
    "新华",
    "中天",
    "恒通",
    "百川",
    "锦程",
    "祥瑞",
    "嘉禾",
    "永泰",
    "鸿运",
    "立信",
    "创新",
    "科达",
    "惠民",
]
KINDS = ["科技", "电子", "能源", "制造", "物流", "医药", "建设", "通信", "环保", "软件", "机电", "材料"]
SUFFIX = "有限公司"
SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
    "桂",
    "华",
    "飞",
]
NEEDS = [
    "数据中心扩容",
    "产线自动化",
    "智能仓储",
    "安防升级",
    "云迁移",
    "能源管理",
    "办公网络",
    "ERP",
    "集成",
    "视频会议",
    "供应链平台",
]
COMPETITORS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Soylent"]

# Funnel order and how many opportunities sit in each stage (weights sum to 100).
FUNNEL = ["validating", "initiated", "guiding", "bidding", "negotiating", "won"]
STAGE_WEIGHTS = {
    "validating": 14,
    "initiated": 9,
    "guiding": 9,
    "bidding": 8,
    "negotiating": 6,
    "won": 22,
    "lost": 20,
    "abandoned": 12,
}
GATE_AT = {2: "ATI", 5: "ATB", 6: "ATC"}  # funnel position entered → the gate it crossed
WAITING_GATE = {1: "ATI", 4: "ATB", 5: "ATC"}  # open at this position → the next gate


# --- where the data set lives -------------------------------------------------------------------


def default_name(scale: int) -> str:
    return f"bench_{scale}"


def database_url(database: str, name: str) -> str:
    """The DATABASE_URL of a generated data set (it may not exist yet)."""
    if database == "postgres":
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    if database == "sqlite":
        return f"sqlite:///{BENCH_DIR / (name + '.sqlite3')}"
    raise ValueError(f"unknown database {database!r} (sqlite or postgres)")


def _psql(sql: str, url: str = PG_ADMIN_URL) -> str:
    out = subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def exists(database: str, name: str) -> bool:
    """Whether a complete data set of that name is there (the generator marks it at the end)."""
    if database == "postgres":
        if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            return False
        url = database_url(database, name)
        return _psql("SELECT to_regclass('bench_generated') IS NOT NULL", url) == "t"
    path = BENCH_DIR / (name + ".sqlite3")
    if not path.exists():
        return False
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return bool(con.execute("SELECT name FROM sqlite_master WHERE name = 'bench_generated'").fetchone())
    finally:
        con.close()


def drop(database: str, name: str) -> None:
    if database == "postgres":
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)


def ensure(scale: int, database: str, name: str | None = None) -> str:
    """The DATABASE_URL of the data set at ``scale``, built (in a subprocess) when missing."""
    name = name or default_name(scale)
    if not exists(database, name):
        cmd = [sys.executable, "-m", "bench.generate", "--scale", str(scale), "--database", database]
        subprocess.run([*cmd, "--db-name", name], check=True, cwd=ROOT)
    return database_url(database, name)


def _template_name() -> str:
    """The migrated database with the demo loaded, reused while the migrations stay the same."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "openltc").glob("*/migrations/*.py")):
        digest.update(f"{path.relative_to(ROOT)}:{path.stat().st_size}:{path.stat().st_mtime_ns}".encode())
    return f"bench_template_{digest.hexdigest()[:10]}"


def _create(database: str, name: str) -> tuple[str, bool]:
    """Creates the database from the template when there is one; True when it was."""
    drop(database, name)
    template = _template_name()
    if database == "postgres":
        if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'") == "1":
            _psql(f"CREATE DATABASE {name} TEMPLATE {template}")
            return database_url(database, name), True
        _psql(f"CREATE DATABASE {name}")
    else:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        source = BENCH_DIR / f"{template}.sqlite3"
        if source.exists():
            shutil.copyfile(source, BENCH_DIR / f"{name}.sqlite3")
            return database_url(database, name), True
    return database_url(database, name), False


def _save_template(database: str, name: str) -> None:
    """Keeps the freshly migrated demo database as the template of the next runs."""
    from django.db import connection

    template = _template_name()
    if database == "postgres":
        connection.close()
        for old in _psql("SELECT datname FROM pg_database WHERE datname LIKE 'bench_template_%'").split():
            _psql(f"DROP DATABASE IF EXISTS {old} WITH (FORCE)")
        _psql(f"CREATE DATABASE {template} TEMPLATE {name}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for stale in BENCH_DIR.glob("bench_template_*.sqlite3*"):
            stale.unlink()
        shutil.copyfile(BENCH_DIR / f"{name}.sqlite3", BENCH_DIR / f"{template}.sqlite3")


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openltc.config.settings.local")
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    import django

    django.setup()


# --- the bulk writer ----------------------------------------------------------------------------


class Writer:
    """Writes rows of one model: the columns named, every other column its default (or NULL).

    Values must already be in the database's text form for uuid/datetime/date columns (the
    ``ids``/``ts``/``day`` helpers give them); Decimal, int, str and bool pass as they are.
    """

    def __init__(self, model: Any, columns: list[str]) -> None:
        from django.db.models import JSONField
        from django.db.models.fields import NOT_PROVIDED

        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {unknown}")
        # An auto-increment key the database numbers itself is left out.
        rest = [
            f
            for f in model._meta.concrete_fields
            if f.attname not in columns
            and not (f.primary_key and f.get_internal_type().endswith("AutoField"))
        ]
        self.constants: tuple[Any, ...] = ()
        for f in rest:
            if f.primary_key or (f.unique and not f.null):
                raise ValueError(f"{model.__name__}.{f.name} is unique: give it a value per row")
            if f.default is not NOT_PROVIDED:
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = NOW_TEXT
            elif f.null:
                value = None
            elif f.get_internal_type() in ("CharField", "TextField", "SlugField"):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{f.name} is required: give it a value")
            if isinstance(f, JSONField):
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, datetime.datetime):
                value = ts(value)
            self.constants += (value,)
        self.columns = [fields[c].column for c in columns] + [f.column for f in rest]
        self.table = model._meta.db_table
        self.rows = 0
        self.seconds = 0.0

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        from django.db import connection, transaction

        started = time.perf_counter()
        const = self.constants
        cols = ", ".join(f'"{c}"' for c in self.columns)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The rows are built here while a thread of psycopg's sends the previous ones:
                # PostgreSQL parses and indexes them meanwhile instead of waiting for each buffer.
                # (psycopg's C write_row formats a row faster than building the COPY text of a
                # batch in Python: at 10^5 on a quiet machine 11.6-12.9 s against 13.8-17.1 s.)
                from psycopg.copy import QueuedLibpqWriter

                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(
                        f'COPY "{self.table}" ({cols}) FROM STDIN', writer=QueuedLibpqWriter(cursor.cursor)
                    ) as copy,
                ):
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row + const)
                        self.rows += 1
            else:
                marks = ", ".join("?" * len(self.columns))
                sql = f'INSERT INTO "{self.table}" ({cols}) VALUES ({marks})'
                raw = connection.connection
                chunk: list[tuple[Any, ...]] = []
                for row in rows:
                    chunk.append(row + const)
                    if len(chunk) >= BATCH:
                        raw.executemany(sql, chunk)
                        self.rows += len(chunk)
                        chunk = []
                if chunk:
                    raw.executemany(sql, chunk)
                    self.rows += len(chunk)
        self.seconds += time.perf_counter() - started


# Text forms shared by SQLite (Django stores naive UTC text, uuid as 32 hex) and PostgreSQL (COPY
# text input: "+00:00" keeps it UTC whatever the session's time zone; uuid accepts 32 hex).
UTC = datetime.UTC
SUFFIX_TZ = ""
NOW = datetime.datetime.now(UTC).replace(microsecond=0)
NOW_TEXT = ""


def ts(value: datetime.datetime) -> str:
    if value.tzinfo is UTC:  # every instant the generator makes: isoformat has "+00:00" already
        return value.isoformat(" ") if SUFFIX_TZ else value.isoformat(" ")[:-6]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ") + SUFFIX_TZ


def day(value: datetime.date) -> str:
    return value.isoformat()


RUN = random.getrandbits(32)


_ID_HEADS = [f"{table:08x}{RUN:08x}" for table in range(64)]


def ids(table: int, i: int) -> str:
    """A unique, insertion-ordered uuid (hex) for row ``i`` of generated table ``table``."""
    return f"{_ID_HEADS[table]}{i:016x}"


def dashed(hex_id: str) -> str:
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


# --- the bulk tables' secondary structure, built once after the load -----------------------------

#: The models the generator writes in bulk (:meth:`Generator._write` refuses any other): their
#: secondary indexes, foreign keys (PostgreSQL) and FTS triggers (SQLite) are out of the way
#: during the load and built once at the end (:func:`deferred_structure`).
BULK_MODELS = (
    "customers.Customer",
    "customers.Contact",
    "leads.Lead",
    "opportunities.Opportunity",
    "opportunities.OpportunityStageChange",
    "opportunities.OpportunityTeamMember",
    "decisions.DecisionCase",
    "decisions.Decision",
    "contracts.Contract",
    "contracts.ContractVersion",
    "contracts.ContractLine",
    "contracts.PaymentMilestone",
    "contracts.ReceivablePlanLine",
    "delivery.DeliveryProject",
    "delivery.PlanItem",
    "cash.Invoice",
    "cash.InvoiceLine",
    "cash.Receipt",
    "cash.Allocation",
)
#: Session settings of the PostgreSQL index builds and foreign-key validations (bench tuning;
#: override with BENCH_PG_MAINTENANCE_WORK_MEM, BENCH_PG_PARALLEL_MAINTENANCE_WORKERS,
#: BENCH_PG_WORK_MEM).
PG_MAINTENANCE_WORK_MEM = os.environ.get("BENCH_PG_MAINTENANCE_WORK_MEM", "1GB")
PG_PARALLEL_MAINTENANCE_WORKERS = int(os.environ.get("BENCH_PG_PARALLEL_MAINTENANCE_WORKERS", "2"))
PG_WORK_MEM = os.environ.get("BENCH_PG_WORK_MEM", "256MB")
#: SQLite page cache of the loading connection in MiB (its CREATE INDEX sorts in it; the default
#: is 2 MiB); BENCH_SQLITE_CACHE_MIB overrides it.
SQLITE_CACHE_MIB = int(os.environ.get("BENCH_SQLITE_CACHE_MIB", "512"))


class StructureMismatch(RuntimeError):
    """The schema after the rebuild is not the one captured before the load."""


def bulk_tables() -> list[str]:
    from django.apps import apps

    return [apps.get_model(label)._meta.db_table for label in BULK_MODELS]


def schema_snapshot() -> set[tuple[str, ...]]:
    """Every index, constraint and trigger definition of the schema (SQLite: every object of
    ``sqlite_master``), to compare before the load and after the rebuild."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master")
            return {tuple(row) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() "
            "UNION ALL "
            "SELECT 'constraint', c.relname, k.conname, pg_get_constraintdef(k.oid) "
            "  || CASE WHEN k.convalidated THEN '' ELSE ' (not validated)' END "
            "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "UNION ALL "
            "SELECT 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal "
            "UNION ALL "  # the foreign keys' own triggers are named by oid: count them per table
            "SELECT 'internal triggers', c.relname, '', count(*)::text "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND t.tgisinternal "
            "GROUP BY c.relname"
        )
        return {tuple(row) for row in cursor.fetchall()}


def _pg_deferrable(tables: list[str]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The bulk tables' foreign keys and secondary indexes as (table, name, definition).

    Unique indexes (primary keys, unique constraints, Django's partial unique constraints) and any
    index backing a constraint or that a foreign key references stay: uniqueness is checked while
    loading. (Recreating a partial index from ``pg_get_indexdef`` does not always give back the
    same definition: ``status IN (…)`` on a varchar comes back with a cast per element.)"""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE k.contype = 'f' AND c.relname = ANY(%s) "
            "AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2",
            [tables],
        )
        fks = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT c.relname, x.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace "
            "AND NOT i.indisprimary AND NOT i.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY 1, 2",
            [tables],
        )
        indexes = [tuple(row) for row in cursor.fetchall()]
    return fks, indexes  # type: ignore[return-value]


def _sqlite_deferrable(tables: list[str]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The bulk tables' secondary indexes (those with SQL: not the automatic ones of a primary
    key or UNIQUE column) and the lead search's FTS triggers, as (table, name, definition)."""
    from django.db import connection

    from openltc.leads.search import FTS_TABLE

    marks = ", ".join("%s" for _ in tables)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY 1, 2",
            tables,
        )
        indexes = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'leads_lead' AND name LIKE %s ESCAPE '\\' ORDER BY 2",
            [FTS_TABLE.replace("_", "\\_") + "\\_%"],
        )
        triggers = [tuple(row) for row in cursor.fetchall()]
    return triggers, indexes  # type: ignore[return-value]


@contextlib.contextmanager
def deferred_structure(tables: list[str], say: Callable[[str], None] = print) -> Iterator[dict[str, float]]:
    """Loads ``tables`` without their secondary structure, then builds it once.

    Before the body: captures the schema, drops the tables' secondary indexes, and their foreign
    keys (PostgreSQL; on SQLite ``PRAGMA foreign_keys`` is off instead) and the lead search's FTS
    triggers (SQLite). After it: recreates the indexes, re-adds the foreign keys as they were
    (PostgreSQL validates every row) or runs ``PRAGMA foreign_key_check`` (SQLite, must be
    empty), recreates the triggers and rebuilds the FTS index, and compares the schema with the
    one captured (:class:`StructureMismatch` when it differs). It all runs in one transaction: on
    any failure the database is rolled back to the schema and rows it had before.

    Yields the phases' timings in seconds (``structure_drop_s``, ``index_build_s``,
    ``fk_validation_s``, ``fts_rebuild_s``, ``verify_s``), filled in as they run.
    """
    from django.db import connection, transaction

    connection.ensure_connection()
    sqlite = connection.vendor == "sqlite"
    quote = connection.ops.quote_name
    timings: dict[str, float] = {}
    if sqlite:
        if connection.in_atomic_block:
            raise RuntimeError("deferred_structure: on SQLite it must start outside a transaction")
        if not connection.disable_constraint_checking():
            raise RuntimeError("deferred_structure: PRAGMA foreign_keys could not be turned off")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_MIB * 1024:d}")
    try:
        with transaction.atomic():
            before = schema_snapshot()
            started = time.perf_counter()
            keys, indexes = (_sqlite_deferrable if sqlite else _pg_deferrable)(tables)
            with connection.cursor() as cursor:
                for table, name, _sql in keys:
                    cursor.execute(
                        f"DROP TRIGGER {quote(name)}"
                        if sqlite
                        else f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}"
                    )
                for _table, name, _sql in indexes:
                    cursor.execute(f"DROP INDEX {quote(name)}")
            timings["structure_drop_s"] = time.perf_counter() - started
            what = "FTS trigger(s)" if sqlite else "foreign key(s)"
            say(
                f"  out of the way for the load: {len(indexes)} secondary index(es), {len(keys)} {what} "
                f"on {len(tables)} tables ({timings['structure_drop_s']:.1f} s)"
            )
            yield timings
            with connection.cursor() as cursor:
                started = time.perf_counter()
                if not sqlite:
                    cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_MAINTENANCE_WORK_MEM}'")
                    cursor.execute(
                        f"SET LOCAL max_parallel_maintenance_workers = {PG_PARALLEL_MAINTENANCE_WORKERS:d}"
                    )
                    cursor.execute(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")
                for _table, _name, sql in indexes:
                    cursor.execute(sql)
                timings["index_build_s"] = time.perf_counter() - started
                say(f"  {len(indexes)} index(es) built in {timings['index_build_s']:.1f} s")
                started = time.perf_counter()
                if sqlite:
                    cursor.execute("PRAGMA foreign_key_check")
                    violations = cursor.fetchall()
                    if violations:
                        raise StructureMismatch(
                            f"{len(violations)} foreign key violation(s) (table, rowid, parent, fk): "
                            f"{violations[:10]}"
                        )
                else:
                    for table, name, definition in keys:
                        cursor.execute(
                            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                        )
                timings["fk_validation_s"] = time.perf_counter() - started
                say(
                    f"  foreign keys {'checked' if sqlite else f're-added and validated ({len(keys)})'} "
                    f"in {timings['fk_validation_s']:.1f} s"
                )
                if sqlite and keys:
                    from openltc.leads.search import FTS_TABLE

                    started = time.perf_counter()
                    for _table, _name, sql in keys:
                        cursor.execute(sql)
                    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
                    timings["fts_rebuild_s"] = time.perf_counter() - started
                    say(
                        f"  {FTS_TABLE} triggers recreated and index rebuilt in {timings['fts_rebuild_s']:.1f} s"
                    )
            started = time.perf_counter()
            after = schema_snapshot()
            if after != before:
                missing = sorted(before - after)
                extra = sorted(after - before)
                raise StructureMismatch(
                    f"schema differs from the one before the load: missing {missing[:10]}, "
                    f"unexpected {extra[:10]}"
                )
            timings["verify_s"] = time.perf_counter() - started
            say(f"  schema identical to the one before the load ({len(after)} definitions)")
    finally:
        if sqlite:
            connection.enable_constraint_checking()
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {cache_size:d}")


# --- the data set -------------------------------------------------------------------------------


def _company(i: int) -> str:
    """The i-th of 864,000 distinct company names (scrambled so neighbours differ)."""
    n = len(CITIES) * len(WORDS) ** 2 * len(KINDS)
    k = (i * 7_919 + 13) % n
    k, a = divmod(k, len(CITIES))
    k, b = divmod(k, len(WORDS))
    k, c = divmod(k, len(WORDS))
    d = k % len(KINDS)
    return f"{CITIES[a]}{WORDS[b]}{WORDS[c]}{KINDS[d]}"


class Generator:
    def __init__(self, scale: int, seed: int = 20261126, say: Callable[[str], None] = print) -> None:
        self.n = scale
        self.rng = random.Random(seed)
        self.say = say
        self.tables: dict[str, dict[str, float]] = {}

    def _done(self, writer: Writer) -> None:
        name = writer.model._meta.label
        entry = self.tables.setdefault(name, {"rows": 0, "seconds": 0.0})
        entry["rows"] += writer.rows
        entry["seconds"] += writer.seconds
        rate = writer.rows / writer.seconds if writer.seconds else 0
        self.say(f"  {name:<40} {writer.rows:>10,} rows {writer.seconds:7.1f} s {rate:>9,.0f} rows/s")

    def _write(self, model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        if model._meta.label not in BULK_MODELS:
            raise ValueError(f"{model._meta.label} is not in BULK_MODELS: add it there")
        writer = Writer(model, columns)
        writer.write(rows)
        self._done(writer)

    # The context every table needs: users, units, configuration from the demo.
    def context(self) -> None:
        from django.contrib.contenttypes.models import ContentType

        from openltc.cash.models import IssuingEntity
        from openltc.opportunities.models import Opportunity
        from openltc.org.models import User
        from openltc.org.roles import Role

        reps = list(
            User.objects.filter(role_assignments__role=Role.SALES_REP, is_active=True)
            .exclude(home_unit=None)
            .distinct()
            .order_by("username")
        )
        if not reps:
            raise SystemExit("the demo has no sales reps; run `openltc demo` first")
        self.reps = [(u.pk, u.home_unit_id) for u in reps]
        self.ceo = User.objects.get(username="ceo").pk
        fr = list(User.objects.filter(role_assignments__role=Role.FULFILMENT).order_by("username"))
        self.frs = [u.pk for u in fr] or [self.reps[0][0]]
        self.opportunity_type = ContentType.objects.get_for_model(Opportunity).pk
        self.entity = IssuingEntity.objects.order_by("pk").values_list("pk", flat=True).first()
        if self.entity is None:
            raise SystemExit("no issuing entity configured (cash demo missing)")
        from openltc.analytics.selectors import stage_table

        self.stages = stage_table()

    def customers(self) -> None:
        from openltc.customers.models import Contact, Customer
        from openltc.customers.normalize import normalize_company_name, normalize_person_name

        rnd = self.rng.random
        count = max(self.n * 3 // 10, 1)
        self.n_customers = count
        self.customer_owner: list[int] = []
        reps = self.reps

        def customer_rows() -> Iterator[tuple[Any, ...]]:
            for i in range(count):
                name = _company(i)
                rep, unit = reps[i % len(reps)]
                self.customer_owner.append(i % len(reps))
                created = ts(NOW - datetime.timedelta(days=200 + int(rnd() * 1301)))
                yield (
                    ids(1, i),
                    created,
                    created,
                    name,
                    f"{name}{SUFFIX}",
                    normalize_company_name(name),
                    unit,
                    rep,
                    "active",
                )

        self._write(
            Customer,
            [
                "id",
                "created_at",
                "updated_at",
                "name",
                "legal_name",
                "normalized_name",
                "org_unit_id",
                "owner_id",
                "lifecycle_status",
            ],
            customer_rows(),
        )

        def contact_rows() -> Iterator[tuple[Any, ...]]:
            for i in range(count):
                given = GIVEN[int(rnd() * len(GIVEN))] + GIVEN[int(rnd() * len(GIVEN))]
                person = f"{SURNAMES[int(rnd() * len(SURNAMES))]}{given}"
                phone = f"139{10_000_000 + int(rnd() * 90_000_000)}"
                yield (
                    ids(2, i),
                    NOW_TEXT,
                    NOW_TEXT,
                    ids(1, i),
                    person,
                    normalize_person_name(person),
                    phone,
                    phone,
                    f"c{i}@customer{i % 997}.test",
                    -3 + int(rnd() * 7),
                )

        self._write(
            Contact,
            [
                "id",
                "created_at",
                "updated_at",
                "customer_id",
                "name",
                "normalized_name",
                "phone",
                "phone_digits",
                "email",
                "stance",
            ],
            contact_rows(),
        )

    def plan_opportunities(self) -> None:
        """Decides every opportunity's path first, so leads, cases and contracts agree with it."""
        rng = self.rng
        stages = list(STAGE_WEIGHTS)
        weights = list(STAGE_WEIGHTS.values())
        self.opps: list[tuple[Any, ...]] = []
        n = self.n
        won_seen = 0
        self.contract_of: dict[int, int] = {}
        n_contracts = max(n // 10, 1)
        # The instants' text, made once here for the opportunity, its stage changes, team and cases.
        self.opp_times: list[list[str]] = []
        rnd = rng.random
        timedelta = datetime.timedelta
        position = {stage: FUNNEL.index(stage) + 1 for stage in FUNNEL}
        n_reps = len(self.reps)
        drawn = rng.choices(stages, weights, k=n)
        left_at = rng.choices([1, 2, 3, 4, 5], [30, 20, 15, 25, 10], k=n)
        for i, stage in enumerate(drawn):
            if stage in ("lost", "abandoned"):
                left = reached = left_at[i]
            else:
                reached = position[stage]
                left = 0
            signs = stage == "won" and won_seen < n_contracts
            if signs:
                self.contract_of[i] = won_seen
                won_seen += 1
            age = 200 + int(rnd() * 531) if signs else 1 + int(rnd() * 730)
            created = NOW - timedelta(days=age, seconds=int(rnd() * 86_400))
            moves = reached + (1 if left else 0)
            steps = sorted([rnd() for _ in range(moves - 1)])
            span = (NOW - created) * (0.3 if signs else 0.9)
            times = [created] + [created + span * s for s in steps]
            amount = Decimal(5_000 + int(rnd() * 4_995_000)) * 10
            currency = "USD" if rnd() < 0.05 else "CNY"
            self.opps.append((stage, reached, left, times, amount, currency, int(rnd() * n_reps)))
            self.opp_times.append([ts(t) for t in times])
        # Deals won beyond the contract quota still need a contract in real life; here they are
        # won and waiting for contract drafting.
        self.n_contracts = won_seen

    def leads(self) -> None:
        from openltc.leads.models import Lead

        rng = self.rng
        n = self.n
        sources = ["campaign", "exhibition", "web", "visit", "partner", "referral", "tender_notice", "email"]
        statuses = ["new", "validating", "nurturing", "qualified", "disqualified"]
        reasons = ["no_budget", "low_product_fit", "duplicate", "unclear_target", "poor_data"]
        converted = min(n * 3 // 10, len(self.opps))
        self.lead_of_opp: dict[int, int] = {}
        # The first 30 % of opportunities (by index, every stage) come from a converted lead.
        for i in range(converted):
            self.lead_of_opp[i] = i
        reps = self.reps
        n_customers = self.n_customers
        # Draws index their list with random() (randint/choice cost several Python calls each).
        rnd = rng.random
        timedelta = datetime.timedelta
        maturities = ["cold", "warm", "hot"]

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(n):
                need = NEEDS[i % len(NEEDS)]
                person = f"{SURNAMES[int(rnd() * len(SURNAMES))]}{GIVEN[int(rnd() * len(GIVEN))]}"
                if i < converted:
                    stage, _r, _l, times, amount, currency, rep_i = self.opps[i]
                    customer_i = i % n_customers
                    company = _company(customer_i)
                    rep, unit = reps[rep_i]
                    created = times[0] - timedelta(days=3 + int(rnd() * 58))
                    status, reason = "converted", ""
                    customer: str | None = ids(1, customer_i)
                    contact = ids(2, customer_i)
                    conv = self.opp_times[i][0]
                    value: Decimal | None = amount
                    owner: int | None = rep
                else:
                    company = _company(n_customers + i)
                    created = NOW - timedelta(days=int(rnd() * 731), seconds=int(rnd() * 86_400))
                    status = statuses[int(rnd() * len(statuses))]
                    owner, unit = reps[int(rnd() * len(reps))] if rnd() > 0.15 else (None, reps[0][1])
                    if owner is None and status not in ("new", "disqualified"):
                        status = "new"
                    reason = reasons[int(rnd() * len(reasons))] if status == "disqualified" else ""
                    customer = contact = None
                    conv = None
                    value = Decimal(100 + int(rnd() * 49_900)) * 1000
                currency = "CNY"
                created_text = ts(created)
                yield (
                    ids(3, i),
                    created_text,
                    created_text,
                    f"{company} · {need}",
                    sources[int(rnd() * len(sources))],
                    customer,
                    company,
                    contact,
                    person,
                    f"+86 139 {1000 + int(rnd() * 9000)} {i % 10000:04d}",
                    f"lead{i:07d}@{'mail' if i % 3 else 'corp'}{i % 101}.test",
                    unit,
                    owner,
                    value,
                    currency,
                    maturities[int(rnd() * 3)],
                    status,
                    reason,
                    created_text if owner else None,
                    conv,
                    owner if conv else None,
                )

        self._write(
            Lead,
            [
                "id",
                "created_at",
                "updated_at",
                "title",
                "source",
                "customer_id",
                "company_name",
                "contact_id",
                "contact_name",
                "contact_phone",
                "contact_email",
                "org_unit_id",
                "owner_id",
                "estimated_value",
                "currency",
                "maturity",
                "status",
                "disqualify_reason",
                "assigned_at",
                "converted_at",
                "converted_by_id",
            ],
            rows(),
        )

    def opportunities(self) -> None:
        from openltc.opportunities.models import Opportunity, OpportunityStageChange, OpportunityTeamMember

        rng = self.rng
        st = self.stages
        reps = self.reps
        n_customers = self.n_customers
        reasons = ["price", "solution", "relationship", "no_budget", "project_cancelled", "low_value"]
        rnd = rng.random
        texts = self.opp_times

        def rows() -> Iterator[tuple[Any, ...]]:
            for i, (stage, reached, _left, times, amount, currency, rep_i) in enumerate(self.opps):
                rep, unit = reps[rep_i]
                customer_i = i % n_customers
                closed = stage in ("won", "lost", "abandoned")
                if closed:
                    expected = times[-1].date()
                else:
                    expected = (NOW + datetime.timedelta(days=-60 + int(rnd() * 361))).date()
                info = st[stage]
                entered = texts[i][-1]
                yield (
                    ids(4, i),
                    texts[i][0],
                    entered,
                    f"{PREFIX}OPP-{i + 1:07d}",
                    f"{_company(customer_i)} {NEEDS[i % len(NEEDS)]}",
                    ids(1, customer_i),
                    ids(2, customer_i),
                    ids(3, i) if i in self.lead_of_opp else None,
                    amount,
                    currency,
                    day(expected),
                    stage,
                    entered,
                    info.probability,
                    info.category,
                    rep,
                    unit,
                    "ABC"[int(rnd() * 3)] if reached >= 2 else None,
                    reasons[int(rnd() * len(reasons))] if stage in ("lost", "abandoned") else "",
                    COMPETITORS[int(rnd() * len(COMPETITORS))] if stage == "lost" else "",
                    entered if closed else None,
                )

        self._write(
            Opportunity,
            [
                "id",
                "created_at",
                "updated_at",
                "number",
                "title",
                "customer_id",
                "contact_id",
                "origin_lead_id",
                "amount",
                "currency",
                "expected_close_date",
                "stage",
                "stage_entered_at",
                "probability",
                "forecast_category",
                "owner_id",
                "org_unit_id",
                "grade",
                "close_reason",
                "close_competitor",
                "closed_at",
            ],
            rows(),
        )

        probability = {stage: info.probability for stage, info in st.items()}

        def changes() -> Iterator[tuple[Any, ...]]:
            for i, (stage, reached, left, _times, amount, currency, rep_i) in enumerate(self.opps):
                path = FUNNEL[:reached] + ([stage] if left else [])
                previous = ""
                opp = ids(4, i)
                rep = reps[rep_i][0]
                for to_stage, at in zip(path, texts[i], strict=True):
                    yield (opp, previous, to_stage, at, rep, amount, currency, probability[to_stage])
                    previous = to_stage

        self._write(
            OpportunityStageChange,
            [
                "opportunity_id",
                "from_stage",
                "to_stage",
                "changed_at",
                "changed_by_id",
                "amount",
                "currency",
                "probability",
            ],
            changes(),
        )

        def team() -> Iterator[tuple[Any, ...]]:
            for i, opp in enumerate(self.opps):
                created = texts[i][0]
                yield (ids(6, i), created, created, ids(4, i), reps[opp[6]][0], "AR", created)

        self._write(
            OpportunityTeamMember,
            ["id", "created_at", "updated_at", "opportunity_id", "user_id", "role", "joined_at"],
            team(),
        )

    def decisions(self) -> None:
        from openltc.decisions.models import Decision, DecisionCase

        rng = self.rng
        reps = self.reps
        decided: list[tuple[int, int, str, str, int]] = []  # case, opp index, gate, decided_at, level

        rnd = rng.random
        timedelta = datetime.timedelta
        texts = self.opp_times
        subject_type = self.opportunity_type

        def cases() -> Iterator[tuple[Any, ...]]:
            k = 0
            for i, (stage, reached, _left, times, amount, currency, rep_i) in enumerate(self.opps):
                rep, unit = reps[rep_i]
                subject = dashed(ids(4, i))
                number = f"{PREFIX}OPP-{i + 1:07d}"
                grade = "B"
                level = 1 if amount < 2_000_000 else (2 if amount < 20_000_000 else 3)
                for pos, gate in GATE_AT.items():
                    if reached < pos:
                        continue
                    at = texts[i][pos - 1]
                    submitted = ts(
                        times[pos - 1] - timedelta(days=1 + int(rnd() * 10), hours=int(rnd() * 24))
                    )
                    decided.append((k, i, gate, at, level))
                    yield (
                        ids(7, k), submitted, at, gate, subject_type, subject,
                        number, f"{gate} · {number}", unit, amount, currency, grade, level,
                        "decided", "approved", rep, rep, submitted, at,
                    )  # fmt: skip
                    k += 1
                waiting = (
                    WAITING_GATE.get(reached) if stage == FUNNEL[reached - 1] and stage != "won" else None
                )
                if waiting and rnd() < 0.3:
                    submitted = ts(NOW - timedelta(days=int(rnd() * 21), hours=int(rnd() * 24)))
                    yield (
                        ids(7, k), submitted, submitted, waiting, subject_type, subject,
                        number, f"{waiting} · {number}", unit, amount, currency, grade, 1,
                        "awaiting_decision", "", rep, rep, submitted, None,
                    )  # fmt: skip
                    k += 1

        self._write(
            DecisionCase,
            [
                "id", "created_at", "updated_at", "gate", "subject_type_id", "subject_id",
                "subject_repr", "title", "org_unit_id", "amount", "currency", "grade", "routed_level",
                "status", "outcome", "created_by_id", "submitted_by_id", "submitted_at", "decided_at",
            ],
            cases(),
        )  # fmt: skip
        ceo = self.ceo

        def decisions() -> Iterator[tuple[Any, ...]]:
            for k, _i, gate, at, level in decided:
                yield (
                    ids(8, k),
                    at,
                    at,
                    ids(7, k),
                    ceo,
                    "approved",
                    f"{gate}: approved",
                    at,
                    level,
                    3,
                    "single",
                )

        self._write(
            Decision,
            [
                "id", "created_at", "updated_at", "case_id", "decided_by_id", "outcome", "rationale",
                "decided_at", "routed_level", "decider_level", "quorum_rule",
            ],
            decisions(),
        )  # fmt: skip

    def contracts(self) -> None:
        from openltc.contracts.models import (
            Contract,
            ContractLine,
            ContractVersion,
            PaymentMilestone,
            ReceivablePlanLine,
        )

        rng = self.rng
        reps = self.reps
        # contract index → (opp index, gross, currency, signed date, owner, unit, customer index)
        self.contract_rows: list[tuple[Any, ...]] = []
        for i, c in self.contract_of.items():
            _s, _r, _l, times, amount, currency, rep_i = self.opps[i]
            signed = (times[-1] + datetime.timedelta(days=rng.randint(3, 30))).date()
            self.contract_rows.append((c, i, amount, currency, signed, rep_i, i % self.n_customers))
        self.contract_rows.sort()
        today = NOW.date()
        milestones = [
            ("advance", "signature", Decimal("30"), 30),
            ("preliminary_acceptance", "preliminary_acceptance", Decimal("60"), 60),
            ("final_acceptance", "final_acceptance", Decimal("10"), 30),
        ]
        self.milestones = milestones
        # plan line amounts and trigger dates per contract, kept for invoices
        self.plan: list[list[tuple[Decimal, datetime.date]]] = []
        for _c, _i, amount, _cur, signed, _rep, _cust in self.contract_rows:
            parts = []
            rest = amount
            for m, (_k, _t, pct, _d) in enumerate(milestones):
                part = rest if m == len(milestones) - 1 else (amount * pct / 100).quantize(CENT)
                rest -= part
                trigger = min(signed + datetime.timedelta(days=(0, 90, 180)[m]), today)
                parts.append((part, trigger))
            self.plan.append(parts)

        def contracts() -> Iterator[tuple[Any, ...]]:
            for c, i, amount, currency, signed, rep_i, cust in self.contract_rows:
                rep, unit = reps[rep_i]
                tax = (amount * 13 / 113).quantize(CENT)
                status = "executing"
                at = ts(datetime.datetime.combine(signed, datetime.time(10), UTC))
                yield (
                    ids(10, c), at, at, f"{PREFIX}CT-{c + 1:07d}", f"{_company(cust)} 合同",
                    ids(4, i), ids(1, cust), "本公司", currency, unit, rep, status, at,
                    ids(11, c), amount - tax, tax, amount, day(signed),
                )  # fmt: skip

        def versions() -> Iterator[tuple[Any, ...]]:
            for c, _i, amount, _cur, signed, _rep, _cust in self.contract_rows:
                tax = (amount * 13 / 113).quantize(CENT)
                at = ts(datetime.datetime.combine(signed, datetime.time(10), UTC))
                # Written as drafts: the database refuses lines and milestones on a frozen version.
                yield (ids(11, c), at, at, ids(10, c), 1, "draft", amount - tax, tax, amount, None)

        from django.db import transaction

        with transaction.atomic():  # contract ↔ current version point at each other
            self._write(
                Contract,
                [
                    "id", "created_at", "updated_at", "number", "title", "opportunity_id",
                    "customer_id", "signing_entity", "currency", "org_unit_id", "owner_id", "status",
                    "status_changed_at", "current_version_id", "total_net", "total_tax",
                    "total_gross", "signed_on",
                ],
                contracts(),
            )  # fmt: skip
            self._write(
                ContractVersion,
                [
                    "id", "created_at", "updated_at", "contract_id", "number", "status", "total_net",
                    "total_tax", "total_gross", "frozen_at",
                ],
                versions(),
            )  # fmt: skip

        def lines() -> Iterator[tuple[Any, ...]]:
            for c, _i, amount, _cur, _signed, _rep, _cust in self.contract_rows:
                tax = (amount * 13 / 113).quantize(CENT)
                net = amount - tax
                yield (
                    ids(12, c),
                    NOW_TEXT,
                    NOW_TEXT,
                    ids(11, c),
                    1,
                    "解决方案及实施",
                    Decimal(1),
                    net,
                    Decimal(13),
                    net,
                    tax,
                    amount,
                )

        self._write(
            ContractLine,
            [
                "id", "created_at", "updated_at", "version_id", "position", "description", "quantity",
                "unit_price", "tax_rate", "net_amount", "tax_amount", "gross_amount",
            ],
            lines(),
        )  # fmt: skip

        def payment_milestones() -> Iterator[tuple[Any, ...]]:
            for c, *_rest in self.contract_rows:
                for m, (kind, trigger, pct, due) in enumerate(milestones):
                    part = self.plan[c][m][0]
                    yield (
                        ids(13, c * 3 + m),
                        NOW_TEXT,
                        NOW_TEXT,
                        ids(11, c),
                        m + 1,
                        kind,
                        kind,
                        pct,
                        part,
                        trigger,
                        due,
                    )

        self._write(
            PaymentMilestone,
            [
                "id", "created_at", "updated_at", "version_id", "position", "kind", "name",
                "percentage", "amount", "trigger_event", "due_days",
            ],
            payment_milestones(),
        )  # fmt: skip

        def plan_lines() -> Iterator[tuple[Any, ...]]:
            for c, _i, _amount, currency, _signed, _rep, _cust in self.contract_rows:
                for m, (_kind, _trigger, _pct, due) in enumerate(milestones):
                    part, trigger_day = self.plan[c][m]
                    k = c * 3 + m
                    yield (
                        ids(14, k),
                        NOW_TEXT,
                        NOW_TEXT,
                        ids(10, c),
                        ids(13, k),
                        part,
                        currency,
                        day(trigger_day),
                        day(trigger_day + datetime.timedelta(days=due)),
                    )

        self._write(
            ReceivablePlanLine,
            [
                "id", "created_at", "updated_at", "contract_id", "milestone_id", "planned_amount",
                "currency", "trigger_date", "planned_due_date",
            ],
            plan_lines(),
        )  # fmt: skip

        self._contract_atc()
        from django.db import connection

        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE contracts_contractversion SET status = 'signed', frozen_at = created_at "
                "WHERE status = 'draft' AND contract_id IN "
                "(SELECT id FROM contracts_contract WHERE number LIKE %s)",
                [f"{PREFIX}CT-%"],
            )
        self.say(f"  versions signed and frozen in {time.perf_counter() - started:.1f} s")

    def _contract_atc(self) -> None:
        """The approved contract-level ATC case and decision every signed contract stands on."""
        from django.contrib.contenttypes.models import ContentType

        from openltc.contracts.models import Contract
        from openltc.decisions.models import Decision, DecisionCase

        contract_type = ContentType.objects.get_for_model(Contract).pk
        reps = self.reps

        def cases() -> Iterator[tuple[Any, ...]]:
            for c, _i, amount, currency, signed, rep_i, _cust in self.contract_rows:
                rep, unit = reps[rep_i]
                at = datetime.datetime.combine(signed, datetime.time(9), UTC)
                number = f"{PREFIX}CT-{c + 1:07d}"
                yield (
                    ids(15, c), ts(at), ts(at), "ATC", contract_type, dashed(ids(10, c)), number,
                    f"ATC · {number}", unit, amount, currency, 1, "decided", "approved", rep, rep,
                    ts(at - datetime.timedelta(days=2)), ts(at),
                )  # fmt: skip

        self._write(
            DecisionCase,
            [
                "id", "created_at", "updated_at", "gate", "subject_type_id", "subject_id",
                "subject_repr", "title", "org_unit_id", "amount", "currency", "routed_level",
                "status", "outcome", "created_by_id", "submitted_by_id", "submitted_at", "decided_at",
            ],
            cases(),
        )  # fmt: skip
        ceo = self.ceo

        def decisions() -> Iterator[tuple[Any, ...]]:
            for c, _i, _amount, _cur, signed, _rep, _cust in self.contract_rows:
                at = ts(datetime.datetime.combine(signed, datetime.time(9), UTC))
                yield (ids(16, c), at, at, ids(15, c), ceo, "approved", "ATC: approved", at, 1, 3, "single")

        self._write(
            Decision,
            [
                "id", "created_at", "updated_at", "case_id", "decided_by_id", "outcome", "rationale",
                "decided_at", "routed_level", "decider_level", "quorum_rule",
            ],
            decisions(),
        )  # fmt: skip

    def delivery(self) -> None:
        from openltc.delivery.models import DeliveryProject, PlanItem

        reps = self.reps
        frs = self.frs

        def projects() -> Iterator[tuple[Any, ...]]:
            for c, _i, _amount, currency, signed, rep_i, cust in self.contract_rows:
                finish = signed + datetime.timedelta(days=240)
                yield (
                    ids(20, c), NOW_TEXT, NOW_TEXT, f"{PREFIX}DP-{c + 1:07d}", f"{_company(cust)} 交付",
                    ids(10, c), reps[rep_i][1], frs[c % len(frs)], "executing" if finish > NOW.date() else "closed",
                    day(signed), day(finish), currency,
                )  # fmt: skip

        self._write(
            DeliveryProject,
            [
                "id", "created_at", "updated_at", "number", "name", "contract_id", "org_unit_id",
                "fr_id", "status", "planned_start", "planned_finish", "currency",
            ],
            projects(),
        )  # fmt: skip
        today = NOW.date()

        def items() -> Iterator[tuple[Any, ...]]:
            for c, _i, _amount, _cur, signed, _rep, _cust in self.contract_rows:
                for m, (kind, _trigger, _pct, _due) in enumerate(self.milestones):
                    part, trigger_day = self.plan[c][m]
                    start = signed + datetime.timedelta(days=(0, 30, 120)[m])
                    finish = max(start, signed + datetime.timedelta(days=(0, 90, 180)[m]))
                    done = finish <= today
                    k = c * 3 + m
                    yield (
                        ids(21, k), NOW_TEXT, NOW_TEXT, ids(20, c), "engineering", "milestone", kind,
                        frs[c % len(frs)], day(start), day(finish), day(finish) if done else None,
                        "done" if done else "in_progress", 100 if done else 50, ids(14, k), part,
                    )  # fmt: skip

        self._write(
            PlanItem,
            [
                "id", "created_at", "updated_at", "project_id", "stream", "kind", "name", "owner_id",
                "planned_start", "planned_finish", "actual_finish", "status", "progress",
                "plan_line_id", "planned_value",
            ],
            items(),
        )  # fmt: skip

    def cash(self) -> None:
        from openltc.cash.models import Allocation, Invoice, InvoiceLine, Receipt

        rng = self.rng
        reps = self.reps
        today = NOW.date()
        # Ten invoices per contract: plan line 1 (30 %) in three, line 2 (60 %) in six, line 3 in one.
        split = (3, 6, 1)
        invoices: list[tuple[Any, ...]] = []
        receipts: list[tuple[Any, ...]] = []
        k = 0
        r = 0
        rnd = rng.random
        timedelta = datetime.timedelta
        zero = Decimal(0)
        for c, _i, _amount, currency, _signed, rep_i, cust in self.contract_rows:
            for m, parts in enumerate(split):
                planned, trigger_day = self.plan[c][m]
                each = (planned / parts).quantize(CENT)
                for p in range(parts):
                    gross = each if p < parts - 1 else planned - each * (parts - 1)
                    tax = (gross * 13 / 113).quantize(CENT)
                    issued = min(trigger_day + timedelta(days=p * 7), today)
                    age = (today - issued).days
                    paid_chance = 0.95 if age > 120 else (0.7 if age > 45 else 0.3)
                    paid = zero
                    if rnd() < paid_chance:
                        paid = gross if rnd() > 0.05 else (gross / 2).quantize(CENT)
                        received = day(min(issued + timedelta(days=5 + int(rnd() * 86)), today))
                        receipts.append((r, k, paid, received, c, cust, currency, rep_i))
                        r += 1
                    issued_text = day(issued)
                    due = day(issued + timedelta(days=30))
                    invoices.append((k, c, m, gross, tax, issued_text, due, paid, currency, rep_i, cust))
                    k += 1
        self.n_invoices = k
        entity = self.entity
        # Invoices are dated 09:00 UTC and receipts 15:00 UTC on their day.
        at_nine = " 09:00:00" + SUFFIX_TZ
        at_three = " 15:00:00" + SUFFIX_TZ

        def invoice_rows() -> Iterator[tuple[Any, ...]]:
            for k, c, _m, gross, tax, issued, due, paid, currency, rep_i, cust in invoices:
                at = issued + at_nine
                yield (
                    ids(30, k), at, at, f"{PREFIX}INV-{k + 1:08d}", entity, ids(10, c), ids(1, cust),
                    "settled" if paid == gross else "open", issued, due, currency, gross - tax,
                    tax, gross, paid, reps[rep_i][0],
                )  # fmt: skip

        self._write(
            Invoice,
            [
                "id", "created_at", "updated_at", "number", "issuing_entity_id", "contract_id",
                "customer_id", "status", "issue_date", "due_date", "currency", "net_amount",
                "tax_amount", "gross_amount", "allocated_amount", "collection_owner_id",
            ],
            invoice_rows(),
        )  # fmt: skip

        def line_rows() -> Iterator[tuple[Any, ...]]:
            for k, c, m, gross, tax, *_rest in invoices:
                yield (
                    ids(31, k),
                    NOW_TEXT,
                    NOW_TEXT,
                    ids(30, k),
                    ids(14, c * 3 + m),
                    "里程碑开票",
                    Decimal(13),
                    gross - tax,
                    tax,
                    gross,
                )

        self._write(
            InvoiceLine,
            [
                "id", "created_at", "updated_at", "invoice_id", "plan_line_id", "description",
                "tax_rate", "net_amount", "tax_amount", "gross_amount",
            ],
            line_rows(),
        )  # fmt: skip

        def receipt_rows() -> Iterator[tuple[Any, ...]]:
            for r, _k, paid, received, c, cust, currency, rep_i in receipts:
                at = received + at_three
                yield (
                    ids(32, r), at, at, f"{PREFIX}RC-{r + 1:08d}", ids(1, cust), ids(10, c), reps[rep_i][1],
                    received, paid, currency, _company(cust), paid, "received",
                )  # fmt: skip

        self._write(
            Receipt,
            [
                "id", "created_at", "updated_at", "number", "customer_id", "contract_id", "org_unit_id",
                "received_on", "amount", "currency", "payer", "allocated_amount", "status",
            ],
            receipt_rows(),
        )  # fmt: skip

        def allocation_rows() -> Iterator[tuple[Any, ...]]:
            for r, k, paid, received, *_rest in receipts:
                at = received + at_three
                yield (ids(33, r), at, at, ids(32, r), ids(30, k), paid, received)

        self._write(
            Allocation,
            ["id", "created_at", "updated_at", "receipt_id", "invoice_id", "amount", "allocated_on"],
            allocation_rows(),
        )

    def run(self) -> None:
        started = time.perf_counter()
        self.context()
        for step in (
            self.customers,
            self.plan_opportunities,
            self.leads,
            self.opportunities,
            self.decisions,
            self.contracts,
            self.delivery,
            self.cash,
        ):
            step()
        self.bulk_seconds = time.perf_counter() - started


def _finish(vendor: str) -> float:
    """Planner statistics after the bulk load, and the completion mark."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_generated (scale integer, generated_at text)")
        cursor.execute("INSERT INTO bench_generated VALUES (%s, %s)", [0, NOW.isoformat()])
    if vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        autocommit = raw.autocommit
        raw.autocommit = True
        raw.execute("VACUUM (ANALYZE)")
        raw.autocommit = autocommit
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def add_data_set_arguments(parser: argparse.ArgumentParser, *, runs: int) -> None:
    """The options of a benchmark that reads a generated data set: its size, database and name,
    and how many timed runs each measurement takes."""
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--db-name", default="")
    parser.add_argument("--runs", type=int, default=runs)


def open_data_set(args: argparse.Namespace) -> str:
    """Builds the data set the options name unless it is there, and points Django at it."""
    url = ensure(args.scale, args.database, args.db_name or default_name(args.scale))
    _setup_django(url)
    return url


def generate(
    scale: int, database: str, name: str, *, check: bool = False, keep_structure: bool = False
) -> dict[str, Any]:
    global SUFFIX_TZ, NOW_TEXT
    total_started = time.perf_counter()
    url, from_template = _create(database, name)
    _setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    SUFFIX_TZ = "+00:00" if connection.vendor == "postgresql" else ""
    NOW_TEXT = ts(NOW)
    print(f"generating scale {scale:,} into {url}", flush=True)
    started = time.perf_counter()
    if not from_template:
        call_command("migrate", verbosity=0)
        call_command("demo", quiet_logins=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        _save_template(database, name)
    base_s = time.perf_counter() - started
    print(
        f"  migrated demo database {'copied from the template' if from_template else 'built'} in {base_s:.1f} s",
        flush=True,
    )
    gen = Generator(scale)
    started = time.perf_counter()
    phases: dict[str, float] = {}
    if keep_structure:
        gen.run()
    else:
        with deferred_structure(bulk_tables()) as phases:
            gen.run()
    load_and_build_s = time.perf_counter() - started
    finish_s = _finish(connection.vendor)
    total_s = time.perf_counter() - total_started
    rows = int(sum(t["rows"] for t in gen.tables.values()))
    print(
        f"  {rows:,} rows loaded in {gen.bulk_seconds:.1f} s ({rows / gen.bulk_seconds:,.0f} rows/s); "
        f"loaded and indexed in {load_and_build_s:.1f} s ({rows / load_and_build_s:,.0f} rows/s); "
        f"analyze {finish_s:.1f} s; total {total_s:.1f} s",
        flush=True,
    )
    result: dict[str, Any] = {
        "machine": machine(),
        "scale": scale,
        "database": database,
        "vendor": connection.vendor,
        "name": name,
        "url": url,
        "tables": gen.tables,
        "rows": rows,
        "bulk_s": gen.bulk_seconds,
        "structure_deferred": not keep_structure,
        **phases,
        "load_and_build_s": load_and_build_s,
        "base_s": base_s,
        "base_from_template": from_template,
        "analyze_s": finish_s,
        "total_s": total_s,
    }
    if database == "sqlite":
        result["file_mib"] = round((BENCH_DIR / f"{name}.sqlite3").stat().st_size / 2**20)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            result["file_mib"] = round(cursor.fetchone()[0] / 2**20)
    if check:
        from openltc.core.integrity import run_checks

        started = time.perf_counter()
        violations = run_checks()
        result["integrity_s"] = time.perf_counter() - started
        result["integrity_violations"] = [str(v) for v in violations]
        print(
            f"  check-integrity: {len(violations)} violation(s) in {result['integrity_s']:.1f} s", flush=True
        )
        for v in violations[:20]:
            print(f"    {v}")
    save(f"generate-{database}-{scale}", result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=int, default=100_000, help="leads and opportunities (default 100,000)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--db-name", default="", help="database (file) name; default bench_<scale>")
    parser.add_argument("--check", action="store_true", help="run openltc check-integrity at the end")
    parser.add_argument(
        "--keep-structure",
        action="store_true",
        help="load with every index, foreign key and trigger in place (slower; for comparison)",
    )
    args = parser.parse_args(argv)
    if not 100 <= args.scale <= 5_000_000:
        print("--scale must be between 100 and 5,000,000", file=sys.stderr)
        return 2
    name = args.db_name or default_name(args.scale)
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        print("--db-name: letters, digits and _ only, starting with a letter", file=sys.stderr)
        return 2
    if args.database == "postgres" and shutil.which("psql") is None:
        print("psql is needed to create the PostgreSQL database", file=sys.stderr)
        return 2
    result = generate(args.scale, args.database, name, check=args.check, keep_structure=args.keep_structure)
    return 1 if result.get("integrity_violations") else 0


if __name__ == "__main__":
    raise SystemExit(main())
