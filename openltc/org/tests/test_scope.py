import pytest

from openltc.core.visibility import Scope, forget_scope, user_scope
from openltc.org.models import RoleAssignment
from openltc.org.roles import Role


def test_scope_covers_only_paths_for_the_action():
    scope = Scope(view_paths=("/HQ/EAST/",), manage_paths=("/HQ/EAST/SH/",))
    assert scope.covers("/HQ/EAST/HZ/", "view") is True
    assert scope.covers("/HQ/EAST/HZ/", "change") is False
    assert scope.covers("/HQ/EAST/SH/T1/", "change") is True
    assert scope.covers("/HQ/EASTERN/", "view") is False
    assert scope.covers(None, "view") is False


@pytest.mark.django_db
def test_rep_has_no_subtree_reach(rep):
    scope = user_scope(rep)
    assert scope.everything is False
    assert scope.view_paths == ()
    assert scope.manage_paths == ()


@pytest.mark.django_db
def test_manager_sees_and_manages_own_subtree_only(manager, org):
    scope = user_scope(manager)
    assert scope.view_paths == (org.sh.path,)
    assert scope.manage_paths == (org.sh.path,)
    assert not scope.covers(org.gz.path, "view")


@pytest.mark.django_db
def test_finance_sees_company_but_manages_nothing(finance, org):
    scope = user_scope(finance)
    assert scope.covers(org.gz_team.path, "view")
    assert not scope.covers(org.gz_team.path, "change")


@pytest.mark.django_db
def test_nested_paths_are_collapsed_and_cache_is_forgotten(manager, org):
    assert user_scope(manager).view_paths == (org.sh.path,)
    RoleAssignment.objects.create(user=manager, role=Role.LEAD_MANAGER, org_unit=org.east)
    assert user_scope(manager).view_paths == (org.sh.path,)  # cached for this user object
    forget_scope(manager)
    assert user_scope(manager).view_paths == (org.east.path,)


@pytest.mark.django_db
def test_expired_assignment_gives_no_reach(org, rep):
    import datetime

    RoleAssignment.objects.create(
        user=rep,
        role=Role.SALES_MANAGER,
        org_unit=org.east,
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2020, 12, 31),
    )
    forget_scope(rep)
    assert user_scope(rep).view_paths == ()


@pytest.mark.django_db
def test_superuser_sees_everything(admin_user):
    assert user_scope(admin_user).everything is True
