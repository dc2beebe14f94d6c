"""三员分立 (DESIGN §12.5, #30). The attack this closes: the security administrator gave two
dormant accounts second factors with a key he chose, made them security and audit
administrators, switched his own group and logged in as both; the system administrator
gave himself org-head and supervisor memberships."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import separation
from config.admin_roles import AUDIT, ROLE_PERMISSIONS, SECURITY, SYSTEM, ensure_groups
from mediation.models import AdminChange, AuditEvent, FactorEnrolment, Membership

from .test_admin_roles import verified_client

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Xt-admin-2026!"


@pytest.fixture
def admins(world, django_user_model):
    ensure_groups()  # a flushed test database has lost the migration's rows
    made = {}
    for role in (SYSTEM, SECURITY, AUDIT):
        user = django_user_model.objects.create_user(
            f"admin-{len(made)}", password=PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        made[role] = (user, device)
    return made


@pytest.fixture
def dormant(django_user_model):
    return django_user_model.objects.create_user("dormant", password=PASSWORD)


def client_of(admins, role) -> Client:
    return verified_client(*admins[role])


# -- the groups from the first migrate ----------------------------------------------------


@pytest.mark.slow
def test_the_three_groups_have_their_permissions_after_the_first_migrate(tmp_path):
    # Before, post_migrate filled the groups before every app's permissions existed: they
    # were empty until a second `migrate`.
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "fresh.sqlite3")}
    env.pop("DATABASE_URL", None)
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    out = subprocess.run(
        [
            *run,
            "shell",
            "-c",
            "from django.contrib.auth.models import Group\n"
            "for g in Group.objects.order_by('name'):\n"
            "    print(g.name, sorted(f'{p.content_type.app_label}.{p.codename}' "
            "for p in g.permissions.all()))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    for name, perms in ROLE_PERMISSIONS.items():
        assert f"{name} {sorted(perms)}" in out, out


def test_the_migration_grants_what_the_code_declares(db):
    source = (ROOT / "mediation/migrations/0007_admin_separation.py").read_text()
    frozen = next(
        ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ROLE_PERMISSIONS"
    )
    assert frozen == ROLE_PERMISSIONS
    for name, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(perms), name


# -- who may hold what ---------------------------------------------------------------------


def test_no_administrator_holds_a_business_role(admins, world):
    system = admins[SYSTEM][0]
    with pytest.raises(ValidationError), transaction.atomic():
        Membership.objects.create(user=system, org=world.home, role="org_head")
    # Nor does an account with a membership become an administrator.
    with pytest.raises(ValidationError), transaction.atomic():
        world.mediator.groups.add(Group.objects.get(name=AUDIT))
    assert not world.mediator.groups.exists()


def test_the_system_administrator_cannot_give_himself_memberships(admins, world):
    # Memberships are the security administrator's now, and never for an administrator.
    c = client_of(admins, SYSTEM)
    body = {"user": admins[SYSTEM][0].pk, "org": world.home.pk, "role": "org_head"}
    assert c.post("/admin/mediation/membership/add/", body).status_code == 403
    sec = client_of(admins, SECURITY)
    for user in (admins[SYSTEM][0], admins[SECURITY][0]):
        r = sec.post("/admin/mediation/membership/add/", {**body, "user": user.pk})
        assert r.status_code == 200 and "三员分立" in r.content.decode()
    assert not Membership.objects.filter(user__groups__isnull=False).exists()


def test_nobody_changes_their_own_roles_or_factor(admins):
    sec_user, sec_device = admins[SECURITY]
    c = client_of(admins, SECURITY)
    page = c.get(f"/admin/auth/user/{sec_user.pk}/change/").content.decode()
    assert 'name="is_active"' not in page and 'name="groups"' not in page
    with pytest.raises(PermissionDenied):
        separation.request_change(sec_user, "grant_role", sec_user, SYSTEM)
    r = c.post(
        "/admin/separation/request/", {"kind": "reset_factor", "username": sec_user.username}
    )
    assert "不能修改自己" in r.content.decode()
    assert (
        c.post(f"/admin/otp_totp/totpdevice/{sec_device.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert not AdminChange.objects.exists()


def test_the_security_administrator_alone_cannot_switch_off_another_administrator(admins, world):
    c = client_of(admins, SECURITY)
    auditor = admins[AUDIT][0]
    page = c.get(f"/admin/auth/user/{auditor.pk}/change/").content.decode()
    assert 'name="is_active"' not in page
    c.post(f"/admin/auth/user/{auditor.pk}/change/", {"is_active": "", "is_staff": ""})
    auditor.refresh_from_db()
    assert auditor.is_active and auditor.is_staff
    # An ordinary account stays his to switch off.
    page = c.get(f"/admin/auth/user/{world.mediator.pk}/change/").content.decode()
    assert 'name="is_active"' in page
    # Revoking the role waits for a second administrator, then takes the admin away.
    change = separation.request_change(admins[SECURITY][0], "revoke_role", auditor, AUDIT)
    assert auditor.groups.exists()
    separation.confirm_change(admins[SYSTEM][0], change)
    auditor.refresh_from_db()
    assert not auditor.groups.exists() and not auditor.is_staff


def test_the_attack_of_the_security_administrator_is_refused(admins, dormant):
    c = client_of(admins, SECURITY)
    # No device with a key of his choosing …
    assert c.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    assert (
        c.post(
            "/admin/otp_totp/totpdevice/add/", {"user": dormant.pk, "name": "x", "key": "00" * 20}
        ).status_code
        == 403
    )
    # … no groups set on the user page …
    audit = Group.objects.get(name=AUDIT)
    c.post(
        f"/admin/auth/user/{dormant.pk}/change/",
        {"groups": [audit.pk], "is_active": "on", "is_staff": "on"},
    )
    assert not dormant.groups.exists()
    # … and a requested role does nothing until another administrator confirms it.
    r = c.post(
        "/admin/separation/request/", {"kind": "grant_role", "username": "dormant", "role": AUDIT}
    )
    assert r.status_code == 200 and "等待另一名管理员确认" in r.content.decode()
    assert not dormant.groups.exists()
    change = AdminChange.objects.get()
    # The requester cannot confirm his own request, nor the auditor, who changes nothing.
    assert c.post(f"/admin/separation/{change.pk}/confirm/").status_code == 403
    auditor = client_of(admins, AUDIT)
    assert auditor.post(f"/admin/separation/{change.pk}/confirm/").status_code == 403
    change.refresh_from_db()
    assert change.state == "pending"  # the auditor changes nothing
    assert not dormant.groups.exists()


def test_a_second_administrator_confirms_and_the_owner_enrols(admins, dormant):
    sec, system = client_of(admins, SECURITY), client_of(admins, SYSTEM)
    sec.post(
        "/admin/separation/request/", {"kind": "grant_role", "username": "dormant", "role": AUDIT}
    )
    change = AdminChange.objects.get()
    page = system.get("/admin/separation/").content.decode()
    assert f'data-change="{change.pk}"' in page and "dormant" in page
    r = system.post(f"/admin/separation/{change.pk}/confirm/")
    html = r.content.decode()
    assert r.status_code == 200 and "/account/second-factor/" in html
    assert [g.name for g in dormant.groups.all()] == [AUDIT]
    # The link, not a key: the confirming administrator never sees the secret.
    link = html.split("data-enrol-link>")[1].split("<")[0]
    path = link[link.index("/account/") :]
    assert not TOTPDevice.objects.filter(user=dormant).exists()
    # A confirmed change cannot be confirmed again.
    assert system.post(f"/admin/separation/{change.pk}/confirm/").status_code == 409
    # Someone else opening the link finds nothing.
    assert client_of(admins, SECURITY).get(path).status_code == 404
    # The owner signs in with his password and makes his own key.
    owner = Client()
    assert owner.get(path).status_code == 302
    owner.force_login(dormant)
    page = owner.get(path)
    assert page.status_code == 200
    secret = page.content.decode().split("data-secret>")[1].split("<")[0]
    device = TOTPDevice.objects.get(user=dormant)
    assert not device.confirmed
    assert owner.post(path, {"otp_token": "000000"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()
    code = f"{totp(device.bin_key):06d}"
    assert secret  # shown to the owner only
    r = owner.post(path, {"otp_token": code})
    assert r.status_code == 200 and "data-enrolled" in r.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    # The link is spent.
    assert owner.get(path).status_code == 404
    assert FactorEnrolment.objects.get().used_at is not None
    types = list(AuditEvent.objects.values_list("type", flat=True))
    assert types == ["admin.change_requested", "admin.change_confirmed", "admin.factor_enrolled"]
    # The assessor's page: who holds which role, with a second factor.
    auditor = client_of(admins, AUDIT)
    assert 'href="/admin/separation/"' in auditor.get("/admin/").content.decode()
    auditor_page = auditor.get("/admin/separation/").content.decode()
    assert 'data-role="审计管理员" data-username="dormant"' in auditor_page


def test_a_factor_reset_waits_for_confirmation(admins):
    audit_user, old = admins[AUDIT]
    sec_user = admins[SECURITY][0]
    change = separation.request_change(sec_user, "reset_factor", audit_user)
    assert TOTPDevice.objects.filter(pk=old.pk).exists()
    with pytest.raises(PermissionDenied):
        separation.confirm_change(audit_user, change)  # the account concerned
    token = separation.confirm_change(admins[SYSTEM][0], change)
    assert token and not TOTPDevice.objects.filter(user=audit_user).exists()


def test_seal_superuser(admins, admin_user, world):
    with pytest.raises(CommandError):  # the audit role has nobody with a second factor
        TOTPDevice.objects.filter(user=admins[AUDIT][0]).delete()
        call_command("seal_superuser")
    TOTPDevice.objects.create(user=admins[AUDIT][0], name="phone", confirmed=True)
    call_command("seal_superuser")
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser and not admin_user.is_active
    assert not admin_user.has_usable_password()
    assert not Client().login(username=admin_user.username, password="password")
    assert AuditEvent.objects.filter(type="admin.superuser_sealed").exists()


def test_no_back_door_in_the_admin(admin_client, world):
    # A superuser neither edits groups' permissions, nor adds API tokens or second factors
    # for others, nor changes the flows' rows (case data moves only through the actions).
    group = Group.objects.get(name=SYSTEM)
    assert (
        admin_client.post(f"/admin/auth/group/{group.pk}/change/", {"name": SYSTEM}).status_code
        == 403
    )
    assert admin_client.get("/admin/knox/authtoken/add/").status_code == 403
    assert admin_client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    for path in ("/admin/viewflow/process/", "/admin/viewflow/task/"):
        assert admin_client.get(path).status_code == 200
        assert admin_client.get(f"{path}add/").status_code == 403
