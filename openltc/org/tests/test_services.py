import pytest
from django.db import transaction

from openltc.core.errors import DomainError, NotFound
from openltc.core.models import AuditEvent
from openltc.org import services
from openltc.org.models import OrgUnit, RoleAssignment, User
from openltc.org.roles import Role


@pytest.mark.django_db
def test_user_create_hashes_password_and_audits(admin_user):
    user = services.user_create(
        actor=admin_user, username="new.rep", email="New.Rep@Example.test", password="a-Long-passphrase-9"
    )
    assert user.email == "new.rep@example.test"
    assert user.check_password("a-Long-passphrase-9")
    event = AuditEvent.objects.get(action="user.created", subject_id=str(user.pk))
    assert event.actor == admin_user
    assert "password" not in event.after


@pytest.mark.django_db
def test_user_create_refuses_weak_password_and_writes_nothing(admin_user):
    with pytest.raises(DomainError) as exc:
        services.user_create(actor=admin_user, username="weak", password="123")
    assert "password" in exc.value.field_errors
    assert not User.objects.filter(username="weak").exists()
    assert not AuditEvent.objects.filter(action="user.created").exists()


@pytest.mark.django_db
def test_email_is_unique_case_insensitively(admin_user, rep):
    with pytest.raises(DomainError, match="already has this e-mail"):
        services.user_create(actor=admin_user, username="dup", email="REP@example.test")


@pytest.mark.django_db
def test_login_by_email_or_username(client, rep):
    for login in ("rep", "REP@example.test"):
        response = client.post("/accounts/login/", {"username": login, "password": "pw-Secret-123"})
        assert response.status_code == 302, login
        assert client.get("/").context["user"] == rep
        client.post("/accounts/logout/")


@pytest.mark.django_db
def test_org_unit_move_repaths_subtree(admin_user, org):
    services.org_unit_update(actor=admin_user, unit=org.sh, data={"parent": org.south})
    org.sh_team.refresh_from_db()
    assert org.sh_team.path == "/HQ/SOUTH/SH/SH-T1/"
    assert AuditEvent.objects.filter(action="org_unit.updated", subject_id=str(org.sh.pk)).exists()


@pytest.mark.django_db
def test_org_unit_cannot_move_under_itself(admin_user, org):
    with pytest.raises(DomainError, match="cannot be moved under itself"):
        services.org_unit_update(actor=admin_user, unit=org.east, data={"parent": org.sh_team})
    org.east.refresh_from_db()
    assert org.east.path == "/HQ/EAST/"


@pytest.mark.django_db
def test_org_unit_code_is_validated(admin_user):
    with pytest.raises(DomainError) as exc:
        services.org_unit_create(actor=admin_user, code="bad code!", name="X", kind=OrgUnit.Kind.TEAM)
    assert "code" in exc.value.field_errors


@pytest.mark.django_db
def test_sdt_member_needs_decision_level(admin_user, rep, org):
    with pytest.raises(DomainError, match="An SDT member needs a decision level."):
        services.role_assign(actor=admin_user, user=rep, role=Role.SDT_MEMBER, org_unit=org.sh)
    assert not RoleAssignment.objects.filter(user=rep, role=Role.SDT_MEMBER).exists()


@pytest.mark.django_db(transaction=True)
def test_role_assignment_notifies_by_email_after_commit(admin_user, rep, org, mailoutbox):
    services.role_assign(actor=admin_user, user=rep, role=Role.SALES_MANAGER, org_unit=org.sh)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["rep@example.test"]
    assert "Sales manager" in mailoutbox[0].body


@pytest.mark.django_db(transaction=True)
def test_no_email_when_the_transaction_rolls_back(admin_user, rep, org, mailoutbox):
    def assign_then_fail():
        with transaction.atomic():
            services.role_assign(actor=admin_user, user=rep, role=Role.SALES_MANAGER, org_unit=org.sh)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        assign_then_fail()
    assert mailoutbox == []
    assert not RoleAssignment.objects.filter(user=rep, role=Role.SALES_MANAGER).exists()
    assert not AuditEvent.objects.filter(action="role.assigned").exists()


@pytest.mark.django_db
def test_failing_service_leaves_neither_change_nor_event(admin_user, org, monkeypatch):
    """A failure after the write and the audit event rolls both back."""
    import openltc.org.services as org_services

    def exploding_repath(old, new):
        raise RuntimeError("disk full")

    monkeypatch.setattr(org_services, "_repath_subtree", exploding_repath)
    with pytest.raises(RuntimeError):
        services.org_unit_update(actor=admin_user, unit=org.sh, data={"code": "SHX"})
    org.sh.refresh_from_db()
    assert org.sh.code == "SH"
    assert not AuditEvent.objects.filter(action="org_unit.updated").exists()
    assert org.sh.history.count() == 1  # only the creation; the failed change left no history row


@pytest.mark.django_db
def test_field_history_is_kept(admin_user, org):
    services.org_unit_update(actor=admin_user, unit=org.sh, data={"name": "Shanghai"})
    names = list(org.sh.history.order_by("history_date").values_list("name", flat=True))
    assert names == ["SH unit", "Shanghai"]


@pytest.mark.django_db
def test_token_lifecycle(rep):
    token, secret = services.api_token_create(user=rep, name="laptop")
    assert secret.startswith("oltc_")
    assert token.key_hash != secret
    assert secret not in token.key_hash
    assert services.api_token_authenticate(secret) == rep
    services.api_token_revoke(actor=rep, token_id=token.pk)
    assert services.api_token_authenticate(secret) is None
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


@pytest.mark.django_db
def test_token_of_someone_else_cannot_be_revoked(rep, other_rep):
    token, _secret = services.api_token_create(user=rep, name="laptop")
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=other_rep, token_id=token.pk)


@pytest.mark.django_db
def test_token_needs_a_name(rep):
    with pytest.raises(DomainError, match="Give the token a name"):
        services.api_token_create(user=rep, name="  ")


@pytest.mark.django_db
def test_inactive_user_token_is_refused(rep):
    _token, secret = services.api_token_create(user=rep, name="x")
    User.objects.filter(pk=rep.pk).update(is_active=False)
    assert services.api_token_authenticate(secret) is None
