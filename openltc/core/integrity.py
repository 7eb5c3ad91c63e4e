"""Cross-record integrity checks: what must hold in the database whatever wrote it.

Each check is a function that yields one human-readable string per violation and yields
nothing when all is well. ``openltc check-integrity`` runs every registered check and exits
non-zero when any check reports a violation; the reliability tests run it after fuzzing,
crashes and restores.

Apps add their own invariants (a contract is never past a gate without its approved decision,
billed ≤ billable, allocations ≤ receipts, ...) in one of two ways:

* a module ``openltc/<app>/integrity.py`` that calls :func:`register` at import time; it is
  imported automatically before the checks run (like ``rules.py``), or
* ``openltc.core.integrity.register("<app>.<rule>", fn)`` in ``AppConfig.ready``.

Checks must be read-only and should be set-based (one or a few queries, not one per row), so
the command stays fast on a production-sized database.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction

Check = Callable[[], Iterable[str]]

#: Report at most this many violations per check; the rest are summed up in one line.
MAX_REPORTED = 50


@dataclass(frozen=True)
class Violation:
    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


_registry: dict[str, Check] = {}
_discovered = False


def register(name: str, fn: Check) -> Check:
    """Adds (or replaces) the check ``name``. Returns ``fn`` so it can be used as a decorator helper."""
    _registry[name] = fn
    return fn


def unregister(name: str) -> None:
    _registry.pop(name, None)


def autodiscover() -> None:
    """Imports ``<app>.integrity`` for every OpenLTC app so their checks are registered."""
    global _discovered
    if _discovered:
        return
    for app in getattr(settings, "OPENLTC_APPS", []):
        module_name = f"{app}.integrity"
        if module_name == __name__ or importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name)
    _discovered = True


def registered() -> dict[str, Check]:
    autodiscover()
    return dict(sorted(_registry.items()))


def run_checks(names: Iterable[str] | None = None) -> list[Violation]:
    """Runs the named checks (all when ``names`` is None) and returns every violation found.

    A check that crashes is itself reported as a violation: an integrity check that cannot run
    is no evidence that the data is sound.
    """
    checks = registered()
    wanted = list(checks) if names is None else list(names)
    unknown = [n for n in wanted if n not in checks]
    if unknown:
        raise KeyError(f"Unknown integrity check(s): {', '.join(unknown)}")
    found: list[Violation] = []
    for name in wanted:
        count = 0
        try:
            for message in checks[name]():
                count += 1
                if count <= MAX_REPORTED:
                    found.append(Violation(name, message))
        except Exception as exc:  # a crashing check must not look like a clean database
            found.append(Violation(name, f"the check could not run: {type(exc).__name__}: {exc}"))
        if count > MAX_REPORTED:
            found.append(Violation(name, f"... and {count - MAX_REPORTED} more"))
    return found


# --- generic checks that hold on any OpenLTC database ---------------------------------------


def check_audit_subject_types() -> Iterator[str]:
    """Every audit event names a subject type whose model still exists in the code."""
    from django.contrib.contenttypes.models import ContentType

    from openltc.core.models import AuditEvent

    # order_by() drops the default ordering, which would otherwise defeat DISTINCT.
    used = list(AuditEvent.objects.order_by().values_list("subject_type_id", flat=True).distinct())
    types = {ct.pk: ct for ct in ContentType.objects.filter(pk__in=used)}
    for type_id in used:
        ct = types.get(type_id)
        if ct is None:
            yield f"audit events point to content type {type_id}, which does not exist"
        elif ct.model_class() is None:
            yield f"audit events point to {ct.app_label}.{ct.model}, a model that no longer exists"


def _unit_rows() -> dict[int, tuple[str, str, int | None]]:
    from openltc.org.models import OrgUnit

    return {
        pk: (code, path, parent)
        for pk, code, path, parent in OrgUnit.objects.values_list("pk", "code", "path", "parent_id")
    }


def _broken_units(units: dict[int, tuple[str, str, int | None]]) -> dict[int, str]:
    """Org units whose materialised path disagrees with their chain of parents, with the reason."""
    broken: dict[int, str] = {}
    for pk, (code, path, parent) in units.items():
        if parent is None:
            expected = f"/{code}/"
        elif parent not in units:
            broken[pk] = f"org unit {code} (id {pk}) has parent id {parent}, which does not exist"
            continue
        else:
            expected = f"{units[parent][1]}{code}/"
        if path != expected:
            broken[pk] = f"org unit {code} (id {pk}) has path {path!r}; its parents give {expected!r}"
    # A unit below a broken unit is orphaned too, even if its own path matches its parent's.
    changed = True
    while changed:
        changed = False
        for pk, (code, _path, parent) in units.items():
            if pk not in broken and parent in broken:
                broken[pk] = f"org unit {code} (id {pk}) lies below a unit whose path is inconsistent"
                changed = True
    return broken


def check_org_unit_paths() -> Iterator[str]:
    """Every org unit's path is its parent's path plus its own code; no cycles, no lost parents."""
    yield from _broken_units(_unit_rows()).values()


def _org_unit_models() -> Iterator[tuple[type[models.Model], str]]:
    """Business models that belong to an org unit directly: (model, FK attname)."""
    from openltc.org.models import OrgUnit

    for model in apps.get_models():
        rule = getattr(model, "visibility", None)
        lookup = getattr(rule, "org_unit", None)
        if not lookup or "__" in lookup:
            continue
        try:
            field = model._meta.get_field(lookup)
        except Exception:  # noqa: BLE001 — a visibility naming no field is reported below
            yield model, f"!{lookup}"
            continue
        if isinstance(field, models.ForeignKey) and field.related_model is OrgUnit:
            yield model, field.attname


def check_business_rows_org_units() -> Iterator[str]:
    """No business record belongs to an org unit that is missing or whose path is orphaned.

    Visibility is decided by path prefix, so such a record would silently vanish from (or leak
    into) every manager's view.
    """
    units = _unit_rows()
    broken = set(_broken_units(units))
    for model, attname in _org_unit_models():
        label = model._meta.label
        if attname.startswith("!"):
            yield f"{label}.visibility names org unit field {attname[1:]!r}, which the model lacks"
            continue
        manager = model._base_manager
        missing = manager.exclude(**{f"{attname}__isnull": True}).exclude(**{f"{attname}__in": list(units)})
        count = missing.count()
        if count:
            yield f"{count} {label} row(s) point to an org unit that does not exist"
        if broken:
            orphaned = manager.filter(**{f"{attname}__in": list(broken)}).count()
            if orphaned:
                yield f"{orphaned} {label} row(s) belong to an org unit whose path is orphaned"


def check_foreign_keys() -> Iterator[str]:
    """Every foreign key points to an existing row.

    SQLite: ``PRAGMA foreign_key_check`` lists dangling references. PostgreSQL enforces foreign
    keys itself; we still make pending deferred constraints fire now and report constraints that
    were added ``NOT VALID`` and never validated.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            rows = cursor.fetchall()
        for table, rowid, parent, _fk_index in rows:
            yield f"{table} row {rowid} points to a missing row of {parent}"
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE NOT convalidated AND contype IN ('f', 'c') ORDER BY 1, 2"
            )
            for table, name in cursor.fetchall():
                yield f"constraint {name} on {table} is not validated"
        if connection.in_atomic_block:
            # Inside a transaction, deferred foreign keys are only checked at commit: check now.
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            except (IntegrityError, DatabaseError) as exc:
                yield f"a foreign key does not hold: {str(exc).strip().splitlines()[0]}"
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


register("core.audit_subject_types", check_audit_subject_types)
register("org.unit_paths", check_org_unit_paths)
register("core.business_rows_org_units", check_business_rows_org_units)
register("core.foreign_keys", check_foreign_keys)
