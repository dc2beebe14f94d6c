"""三员分立: system, security and audit administrators, each with their own admin pages,
behind TOTP; no account holds two of the roles; every admin action is in the admin log."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.admin_roles import AUDIT, SECURITY, SYSTEM, ensure_groups
from mediation import policies

PAGES = {
    "/admin/mediation/organization/": {SYSTEM},
    # memberships (business roles) are the security administrator's (DESIGN §12.5)
    "/admin/mediation/membership/": {SECURITY},
    # the official calendar (DESIGN §12.1): the system administrator keeps it
    "/admin/mediation/holiday/": {SYSTEM},
    "/admin/auth/user/": {SYSTEM, SECURITY},
    "/admin/axes/accessattempt/": {SECURITY, AUDIT},
    "/admin/knox/authtoken/": {SECURITY},
    "/admin/otp_totp/totpdevice/": {SECURITY},
    "/admin/admin/logentry/": {AUDIT},
    "/admin/mediation/caseevent/": {AUDIT},
    "/admin/axes/accesslog/": {AUDIT},
    "/admin/mediation/auditevent/": {AUDIT},
    "/admin/mediation/adminchange/": {SYSTEM, SECURITY, AUDIT},
    # who holds which administrator role, and the changes waiting for confirmation
    "/admin/separation/": {SYSTEM, SECURITY, AUDIT},
}


@pytest.fixture
def admins(world, django_user_model):
    ensure_groups()
    made = {}
    for role in (SYSTEM, SECURITY, AUDIT):
        user = django_user_model.objects.create_user(
            f"admin-{len(made)}", password="Xt-admin-2026!", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        made[role] = (user, device)
    return made


def verified_client(user, device) -> Client:
    c = Client()
    c.force_login(user)
    session = c.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return c


@pytest.mark.parametrize("role", [SYSTEM, SECURITY, AUDIT])
def test_role_by_admin_page_matrix(admins, role):
    c = verified_client(*admins[role])
    assert c.get("/admin/").status_code == 200
    for path, allowed in PAGES.items():
        status = c.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


def test_password_alone_does_not_open_the_admin(admins):
    user, device = admins[SYSTEM]
    c = Client()
    c.force_login(user)  # password, no second factor
    r = c.get("/admin/mediation/organization/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
    # The login form asks for the TOTP code and accepts the right one.
    bad = Client().post(
        "/admin/login/",
        {"username": user.username, "password": "Xt-admin-2026!", "otp_token": "000000"},
    )
    assert bad.status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code throttles the device for a moment
    code = f"{totp(device.bin_key):06d}"
    ok = Client().post(
        "/admin/login/?next=/admin/",
        {
            "username": user.username,
            "password": "Xt-admin-2026!",
            "otp_device": device.persistent_id,
            "otp_token": code,
        },
    )
    assert ok.status_code == 302, ok.content.decode()[:300]


def test_no_account_holds_two_administrator_roles(admins):
    user, _device = admins[SYSTEM]
    audit = Group.objects.get(name=AUDIT)
    with pytest.raises(ValidationError), transaction.atomic():
        user.groups.add(audit)
    assert [g.name for g in user.groups.all()] == [SYSTEM]


def test_admin_actions_are_in_the_log_the_auditor_reads(admins, world):
    sec_client = verified_client(*admins[SECURITY])
    r = sec_client.post(
        "/admin/mediation/membership/add/",
        {"user": world.outsider.pk, "org": world.home.pk, "role": "mediator"},
    )
    assert r.status_code == 302, r.content.decode()[:800]
    entry = LogEntry.objects.get(user=admins[SECURITY][0])
    auditor = verified_client(*admins[AUDIT])
    listing = auditor.get("/admin/admin/logentry/").content.decode()
    assert entry.object_repr in listing
    # The auditor reads but cannot change or delete the log.
    assert (
        auditor.post(f"/admin/admin/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_security_admin_cannot_make_superusers(admins, world):
    c = verified_client(*admins[SECURITY])
    page = c.get(f"/admin/auth/user/{world.mediator.pk}/change/").content.decode()
    assert 'name="is_active"' in page and 'name="is_superuser"' not in page
    assert 'name="username"' not in page  # profile fields are the system admin's


def test_enrol_command_prints_a_one_time_link_not_a_key(admins, world, capsys):
    # The installer's command: the owner opens the link and makes the key (#30).
    call_command("totp_enroll", world.supervisor.username)
    out = capsys.readouterr().out
    assert "/account/second-factor/" in out and "otpauth" not in out and "secret" not in out
    assert not TOTPDevice.objects.filter(user=world.supervisor).exists()
    # An account that has a second factor gets a new one only through a confirmed change.
    with pytest.raises(CommandError):
        call_command("totp_enroll", admins[AUDIT][0].username)


def test_the_system_administrator_keeps_the_calendar(admins):
    assert policies.may_keep_calendar(admins[SYSTEM][0])
    assert not policies.may_keep_calendar(admins[SECURITY][0])
    assert not policies.may_keep_calendar(admins[AUDIT][0])
