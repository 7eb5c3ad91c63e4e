"""`openltc check-integrity`: clean data passes; violations planted with raw SQL are reported."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from openltc.core import integrity
from openltc.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _messages(names=None):
    return [str(v) for v in integrity.run_checks(names)]


def _unit_table():
    from openltc.org.models import OrgUnit

    return connection.ops.quote_name(OrgUnit._meta.db_table)


def test_clean_organisation_passes_and_command_says_ok(org, rep):
    out = io.StringIO()

    call_command("check_integrity", stdout=out)

    assert _messages() == []
    assert "Integrity OK" in out.getvalue()
    assert "no violations" in out.getvalue()


def test_generic_checks_are_registered():
    names = set(integrity.registered())

    assert {
        "core.audit_subject_types",
        "org.unit_paths",
        "core.business_rows_org_units",
        "core.foreign_keys",
    } <= names


def test_inconsistent_org_unit_path_is_reported_with_its_subtree(org):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_unit_table()} SET path = %s WHERE code = %s", ["/HQ/WRONG/SH/", "SH"])

    found = _messages(["org.unit_paths"])

    assert any("org unit SH " in m and "'/HQ/WRONG/SH/'" in m and "'/HQ/EAST/SH/'" in m for m in found)
    assert any("org unit SH-T1 " in m for m in found)  # its path was built from the wrong one
    assert not any("org unit GZ" in m for m in found)


def test_command_exits_non_zero_with_a_report(org):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_unit_table()} SET path = %s WHERE code = %s", ["/nowhere/", "GZ"])
    err = io.StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("check_integrity", stderr=err)

    assert excinfo.value.returncode == 1
    assert "Integrity check failed" in str(excinfo.value)
    assert "[org.unit_paths] org unit GZ " in err.getvalue()


def test_audit_event_with_a_vanished_model_is_reported(org, rep):
    ghost = ContentType.objects.create(app_label="retired_app", model="ghost")
    AuditEvent.objects.create(actor=rep, action="ghost.created", subject_type=ghost, subject_id="1")

    found = _messages(["core.audit_subject_types"])

    assert found == [
        "[core.audit_subject_types] audit events point to retired_app.ghost, a model that no longer exists"
    ]


def test_dangling_foreign_key_is_reported(org):
    # Django's foreign keys are deferred: the dangling reference is accepted until commit,
    # which the test never reaches; the check must see it all the same.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_unit_table()} SET parent_id = %s WHERE code = %s", [987654, "SH-T1"])

    found = _messages(["core.foreign_keys", "org.unit_paths"])
    with connection.cursor() as cursor:  # repair, or the test case's own constraint check fails
        cursor.execute(f"UPDATE {_unit_table()} SET parent_id = %s WHERE code = %s", [org.sh.pk, "SH-T1"])

    assert any(m.startswith("[core.foreign_keys]") for m in found), found
    assert any("org unit SH-T1 " in m and "parent id 987654, which does not exist" in m for m in found)


def test_subtree_below_a_broken_unit_is_orphaned_too(org):
    with connection.cursor() as cursor:  # SH-T1's own path still agrees with its parent's
        cursor.execute(f"UPDATE {_unit_table()} SET path = %s WHERE code = %s", ["/X/SH/", "SH"])
        cursor.execute(f"UPDATE {_unit_table()} SET path = %s WHERE code = %s", ["/X/SH/SH-T1/", "SH-T1"])

    found = _messages(["org.unit_paths"])

    assert any("org unit SH-T1 " in m and "below a unit whose path is inconsistent" in m for m in found)


def test_business_row_in_an_orphaned_unit_is_reported():
    models = list(integrity._org_unit_models())
    if not models:
        pytest.skip("no business model belongs to an org unit yet")
    from django.core.management import call_command as run

    run("demo", "--quiet-logins", stdout=io.StringIO())
    populated = [(m, a) for m, a in models if m._base_manager.exclude(**{f"{a}__isnull": True}).exists()]
    if not populated:
        pytest.skip("the demo data has no business rows in an org unit")
    model, attname = populated[0]
    unit_id = model._base_manager.exclude(**{f"{attname}__isnull": True}).values_list(attname, flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_unit_table()} SET path = %s WHERE id = %s", ["/lost/", unit_id])

    found = _messages(["core.business_rows_org_units"])

    assert any(
        model._meta.label in m and "belong to an org unit whose path is orphaned" in m for m in found
    ), found


def test_app_checks_registered_later_are_run_and_a_crashing_check_counts_as_a_violation():
    def always_bad():
        yield "an invoice bills more than its contract"

    def crashes():
        raise RuntimeError("boom")
        yield  # pragma: no cover

    integrity.register("test.always_bad", always_bad)
    integrity.register("test.crashes", crashes)
    try:
        found = _messages(["test.always_bad", "test.crashes"])
    finally:
        integrity.unregister("test.always_bad")
        integrity.unregister("test.crashes")

    assert found == [
        "[test.always_bad] an invoice bills more than its contract",
        "[test.crashes] the check could not run: RuntimeError: boom",
    ]


def test_many_violations_are_capped_in_the_report():
    integrity.register("test.many", lambda: (f"row {i}" for i in range(integrity.MAX_REPORTED + 7)))
    try:
        found = _messages(["test.many"])
    finally:
        integrity.unregister("test.many")

    assert len(found) == integrity.MAX_REPORTED + 1
    assert found[-1] == "[test.many] ... and 7 more"


def test_unknown_check_name_is_a_clear_command_error():
    with pytest.raises(CommandError, match="Unknown integrity check"):
        call_command("check_integrity", "--check", "no.such_check")


def test_cli_alias_maps_check_integrity(monkeypatch):
    from openltc import cli

    seen = {}
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.setdefault("argv", argv)
    )

    cli.main(["check-integrity", "--list"])

    assert seen["argv"] == ["openltc", "check_integrity", "--list"]
