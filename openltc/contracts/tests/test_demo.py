"""Demo builder: deterministic, idempotent, skips without customers."""

from __future__ import annotations

import io

import pytest

from openltc.contracts import demo
from openltc.contracts.models import Contract
from openltc.contracts.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_skips_without_customers():
    out = io.StringIO()
    demo.build(stdout=out)
    assert "skipped" in out.getvalue()
    assert not Contract.objects.exists()


def test_builds_once(rep, finance):
    make_customer(rep, rep.home_unit, name="Demo customer")
    demo.build(stdout=io.StringIO())
    statuses = sorted(Contract.objects.values_list("status", flat=True))
    assert statuses == ["draft", "draft", "under_review", "under_review", "under_review", "under_review"]
    reworked = Contract.objects.get(title__startswith="私有云")
    assert reworked.versions.count() == 2
    demo.build(stdout=io.StringIO())
    assert Contract.objects.count() == len(demo.PLANS)


def test_full_path_amendment_and_closure_with_the_demo_organisation(monkeypatch):
    """With the demo organisation, one contract is amended through ATAC and one closed by ATCC."""
    from openltc.contracts import closure, conditions
    from openltc.contracts.choices import ChangeStatus, ContractStatus, VersionStatus
    from openltc.decisions import demo as decisions_demo
    from openltc.org import demo as org_demo
    from openltc.org.models import User

    monkeypatch.setattr(closure, "_REGISTRY", {})
    conditions.register()
    org_demo.build(stdout=io.StringIO())
    decisions_demo._bodies(None)
    owner = User.objects.get(username="sh.ar")
    make_customer(owner, owner.home_unit, name="Demo customer")
    out = io.StringIO()
    demo.build(stdout=out)
    amended = Contract.objects.get(changes__isnull=False)
    assert amended.status == ContractStatus.EXECUTING, out.getvalue()
    change = amended.changes.get()
    assert change.status == ChangeStatus.ARCHIVED
    assert amended.current_version_id == change.amendment_id
    assert list(amended.versions.order_by("number").values_list("status", flat=True)) == [
        VersionStatus.SUPERSEDED,
        VersionStatus.ARCHIVED,
    ]
    assert amended.owner == owner
    assert Contract.objects.filter(status=ContractStatus.CLOSED).count() == 1, out.getvalue()
