"""Shared fixtures: a small organisation with two regions and named personas.

rep         sales rep / AR in Shanghai team 1 (East region)
teammate    solution / SR in the same team
other_rep   sales rep / AR in Guangzhou team 1 (South region): "rep of another region"
manager     sales manager of the Shanghai office (manages the SH subtree); office SDT
region_vp   sales manager of the East region; region SDT
finance     finance at company level (sees all, manages none)
executive   executive at company level; company SDT
admin       superuser
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from openltc.org.models import OrgUnit, RoleAssignment, User
from openltc.org.roles import DecisionLevel, Role

pytest_plugins = ["tests.browser.fixtures"]


# The longest tests of `make test` (minutes each), longest first. xdist hands tests out one at a
# time (Makefile: --maxschedchunk 1), so starting these first keeps both workers busy to the end
# instead of leaving one of them alone with a long test at the tail of the run.
LONGEST_FIRST = (
    "tests/fuzz/test_bad_input_generated.py::test_bad_values_in_every_form_of_every_page",
    "tests/queries/test_query_counts.py",
    "tests/contract/test_permission_contract.py",
    "tests/browser/test_lead_to_cash_journey.py",
    "tests/properties/test_gate_process.py",
    "tests/fuzz/test_api_fuzz.py",
    "tests/browser/test_opportunity_journey.py",
    "tests/browser/",
    "openltc/guidance/tests/test_api_fuzz.py",
    "openltc/core/tests/test_backup.py",
    "tests/fuzz/",
)


@pytest.hookimpl(tryfirst=True)  # before pytest-django's (stable) sort of database tests after the others
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, p in enumerate(LONGEST_FIRST) if item.nodeid.startswith(p)), len(LONGEST_FIRST))

    items.sort(key=rank)
    _skip_fuzz_deep(items)


def _skip_fuzz_deep(items: list[pytest.Item]) -> None:
    """``fuzz_deep`` tests (long API fuzzing) run on demand only. The same variable makes the
    generated bad-input tests (tests/fuzz/test_bad_input_generated.py, in every run) send their
    whole catalogue instead of the bounded sample."""
    if os.environ.get("OPENLTC_FUZZ_DEEP"):
        return
    skip = pytest.mark.skip(reason="on demand: set OPENLTC_FUZZ_DEEP=1")
    for item in items:
        if "fuzz_deep" in item.keywords:
            item.add_marker(skip)


# The configuration that data migrations load: (migration module, loader, model that is empty
# when the configuration is missing). Transactional tests flush the database, which removes it.
CONFIGURATION_LOADERS = [
    ("openltc.customers.migrations.0003_default_config_lists", "seed", "customers.CustomerTier"),
    ("openltc.leads.migrations.0002_default_configuration", "create_defaults", "leads.NurturingCriterion"),
    (
        "openltc.opportunities.migrations.0002_default_stage_settings",
        "create_defaults",
        "opportunities.StageSetting",
    ),
    (
        "openltc.opportunities.migrations.0005_default_assessment_settings",
        "create_defaults",
        "opportunities.GradeSetting",
    ),
    ("openltc.opportunities.migrations.0006_a_grade_roles_without_finance", "forwards", None),
    ("openltc.decisions.migrations.0002_default_configuration", "load", "decisions.DelegationRule"),
    (
        "openltc.contracts.migrations.0002_frozen_version_guard_and_departments",
        "add_departments",
        "contracts.CountersignDepartment",
    ),
    ("openltc.guidance.migrations.0002_default_playbooks", "create_playbooks", "guidance.Playbook"),
    ("openltc.delivery.migrations.0002_default_settings", "create_defaults", "delivery.EvidenceFileType"),
    ("openltc.cash.migrations.0002_defaults", "create_defaults", "cash.CashPolicy"),
    ("openltc.analytics.migrations.0002_default_settings", "create", "analytics.AnalyticsSettings"),
]


@pytest.fixture(autouse=True)
def _configuration_after_a_flush(request: Any) -> None:
    """Transactional tests start with the migration-loaded configuration (stage settings, the
    delegation matrix, checklists, countersign departments, evidence types…): an earlier
    transactional test's flush removed it. Each loader runs only when its table is empty."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps as django_apps
    from django.db import transaction

    ran_previous = False
    for module, loader, probe in CONFIGURATION_LOADERS:
        if probe is None:
            needed = ran_previous
        else:
            needed = not django_apps.get_model(probe).objects.exists()
        ran_previous = needed
        if needed:
            with transaction.atomic():
                getattr(import_module(module), loader)(django_apps, None)


@pytest.fixture(autouse=True)
def _english_for_each_test() -> Any:
    """Each test starts in the test settings' language: a request made in an earlier test by a
    user who prefers Chinese leaves that language active in the worker thread."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@dataclass
class Org:
    hq: OrgUnit
    east: OrgUnit
    south: OrgUnit
    sh: OrgUnit
    sh_team: OrgUnit
    gz: OrgUnit
    gz_team: OrgUnit


def make_unit(code: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    unit = OrgUnit(code=code, name=f"{code} unit", kind=kind, parent=parent)
    unit.path = unit.compute_path()
    unit.save()
    return unit


def make_user(
    username: str, *roles: tuple[str, OrgUnit, int | None], home: OrgUnit | None = None, **extra: Any
) -> User:
    user = User.objects.create_user(
        username=username, email=f"{username}@example.test", password="pw-Secret-123", home_unit=home, **extra
    )
    for role, unit, level in roles:
        RoleAssignment.objects.create(user=user, role=role, org_unit=unit, decision_level=level)
    return user


@pytest.fixture
def org(db: Any) -> Org:
    hq = make_unit("HQ", OrgUnit.Kind.COMPANY)
    east = make_unit("EAST", OrgUnit.Kind.REGION, hq)
    south = make_unit("SOUTH", OrgUnit.Kind.REGION, hq)
    sh = make_unit("SH", OrgUnit.Kind.OFFICE, east)
    gz = make_unit("GZ", OrgUnit.Kind.OFFICE, south)
    return Org(
        hq=hq,
        east=east,
        south=south,
        sh=sh,
        sh_team=make_unit("SH-T1", OrgUnit.Kind.TEAM, sh),
        gz=gz,
        gz_team=make_unit("GZ-T1", OrgUnit.Kind.TEAM, gz),
    )


@pytest.fixture
def rep(org: Org) -> User:
    return make_user("rep", (Role.SALES_REP, org.sh_team, None), home=org.sh_team)


@pytest.fixture
def teammate(org: Org) -> User:
    return make_user("teammate", (Role.SOLUTION, org.sh_team, None), home=org.sh_team)


@pytest.fixture
def other_rep(org: Org) -> User:
    return make_user("other_rep", (Role.SALES_REP, org.gz_team, None), home=org.gz_team)


@pytest.fixture
def manager(org: Org) -> User:
    return make_user(
        "manager",
        (Role.SALES_MANAGER, org.sh, None),
        (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE),
        home=org.sh,
    )


@pytest.fixture
def region_vp(org: Org) -> User:
    return make_user(
        "region_vp",
        (Role.SALES_MANAGER, org.east, None),
        (Role.SDT_MEMBER, org.east, DecisionLevel.REGION),
        home=org.east,
    )


@pytest.fixture
def finance(org: Org) -> User:
    return make_user("finance", (Role.FINANCE, org.hq, None), home=org.hq)


@pytest.fixture
def executive(org: Org) -> User:
    return make_user(
        "executive",
        (Role.EXECUTIVE, org.hq, None),
        (Role.SDT_MEMBER, org.hq, DecisionLevel.COMPANY),
        home=org.hq,
    )


@pytest.fixture
def admin_user(org: Org) -> User:
    return make_user("admin", home=org.hq, is_staff=True, is_superuser=True)


@pytest.fixture
def api_client_for() -> Any:
    """Returns a function giving a Django test client authenticated by a fresh API token."""
    from django.test import Client

    from openltc.org.services import api_token_create

    def _make(user: User) -> Client:
        _token, secret = api_token_create(user=user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return _make
