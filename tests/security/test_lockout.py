"""Finding 2: one lockout for every way in (login page, admin login, token endpoint),
counted in the database that every process shares; forged X-Forwarded-For gives no new
address. 5 failures of one account from one address lock that pair for 30 minutes, longer
with every further failure; 100 from everywhere lock the account (#30)."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

PASSWORD = "Hongsi-Bao#2026"


@pytest.fixture
def head(world):
    world.head.set_password(PASSWORD)
    world.head.is_staff = True
    world.head.save()
    return world.head


def page_login(client, password, **extra):
    return client.post("/login/", {"username": "head", "password": password}, **extra)


def admin_login(client, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "head", "password": password}, **extra
    )


def token_login(password, **extra):
    return APIClient().post(
        "/api/auth/token/", {"username": "head", "password": password}, format="json", **extra
    )


def test_locked_on_the_login_page_means_no_token_either(head):
    client = Client()
    for _ in range(4):
        assert page_login(client, "wrong").status_code == 200
    # The fifth failure locks, and says so at once.
    assert page_login(client, "wrong").status_code == 429
    r = page_login(client, PASSWORD)
    assert r.status_code == 429 and "账号已临时锁定" in r.content.decode()
    assert "_auth_user_id" not in client.session
    # The right password through the token endpoint is refused too, in the API's shape.
    r = token_login(PASSWORD)
    assert r.status_code == 429
    body = r.json()
    assert "登录失败次数过多" in body["detail"] and body["retry_after"] == 30 * 60
    assert "token" not in body
    # And the admin's login.
    assert admin_login(Client(), PASSWORD).status_code == 429


def test_admin_login_failures_count_and_lock(head):
    client = Client()
    for _ in range(4):
        assert admin_login(client, "wrong").status_code == 200
    assert admin_login(client, "wrong").status_code == 429
    assert admin_login(client, PASSWORD).status_code == 429
    assert token_login(PASSWORD).status_code == 429
    assert page_login(Client(), PASSWORD).status_code == 429


def test_token_failures_lock_the_login_page(head):
    for _ in range(4):
        assert token_login("wrong").status_code == 400
    assert token_login("wrong").status_code == 429
    assert token_login(PASSWORD).status_code == 429
    assert page_login(Client(), PASSWORD).status_code == 429


def test_failures_are_counted_in_the_shared_database(head):
    """Every daphne process reads the same rows: the count is not per process."""
    assert settings.AXES_HANDLER == "config.lockout.PairLockoutHandler"
    for _ in range(3):
        token_login("wrong", REMOTE_ADDR="10.1.0.1")
    for _ in range(2):
        page_login(Client(), "wrong", REMOTE_ADDR="10.1.0.1")
    rows = AccessAttempt.objects.filter(username="head")
    assert {a.ip_address for a in rows} == {"10.1.0.1"}
    assert sum(a.failures_since_start for a in rows) == 5
    assert token_login(PASSWORD, REMOTE_ADDR="10.1.0.1").status_code == 429
    # Refused while locked, and not counted.
    assert sum(a.failures_since_start for a in rows.all()) == 5
    assert token_login(PASSWORD, REMOTE_ADDR="10.1.0.1").status_code == 429


def test_five_requests_from_elsewhere_do_not_lock_an_administrator_out(head):
    # #30: anyone could lock any account, administrators included, with five requests.
    for _ in range(5):
        token_login("wrong", REMOTE_ADDR="198.51.100.7")
    assert token_login(PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert admin_login(Client(), PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    # The administrator at his own desk is not affected.
    assert token_login(PASSWORD, REMOTE_ADDR="10.2.0.5").status_code == 200


def test_delays_grow_with_each_failure_while_locked(head):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            token_login("wrong")
        r = token_login(PASSWORD)  # locked: refused, and not counted either way
        assert r.status_code == 429 and r.json()["retry_after"] == 30 * 60
        # the counted doors' headers (#31): the limit, nothing left, when it opens again
        assert (r["RateLimit-Limit"], r["RateLimit-Remaining"]) == ("5", "0")
        assert r["RateLimit-Reset"] == r["Retry-After"] == str(30 * 60)
        clock.shift(dt.timedelta(minutes=31))
        token_login("wrong")  # the sixth failure after the lock: 60 minutes this time
        clock.shift(dt.timedelta(minutes=45))
        r = token_login(PASSWORD)
        assert r.status_code == 429 and r.json()["retry_after"] == 15 * 60
        clock.shift(dt.timedelta(minutes=16))
        token_login("wrong")  # the seventh: 120 minutes
        clock.shift(dt.timedelta(minutes=119))
        assert token_login(PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=2))
        assert token_login(PASSWORD).status_code == 200
        assert not AccessAttempt.objects.filter(username="head").exists()


def test_an_account_wide_limit_far_higher(head, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 20
    for i in range(20):
        token_login("wrong", REMOTE_ADDR=f"203.0.113.{i // 4}")  # 4 from each: no pair lock
    # Locked from every address, a new one included.
    assert token_login(PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 429


def test_the_security_administrator_unlocks(head, world, django_user_model):
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.admin_roles import SECURITY, ensure_groups

    from .test_admin_roles import verified_client

    for _ in range(5):
        token_login("wrong")
    assert token_login(PASSWORD).status_code == 429
    ensure_groups()
    guard = django_user_model.objects.create_user("sec", password="x", is_staff=True)
    guard.groups.add(Group.objects.get(name=SECURITY))
    device = TOTPDevice.objects.create(user=guard, name="phone", confirmed=True)
    c = verified_client(guard, device)
    ids = list(AccessAttempt.objects.filter(username="head").values_list("pk", flat=True))
    r = c.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    assert token_login(PASSWORD).status_code == 200


def test_lock_lasts_thirty_minutes(head):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            token_login("wrong")
        clock.shift(dt.timedelta(minutes=29))
        assert token_login(PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=32))
        assert token_login(PASSWORD).status_code == 200


def test_four_failures_then_success_resets(head):
    for _ in range(4):
        token_login("wrong")
    assert token_login(PASSWORD).status_code == 200
    for _ in range(4):
        token_login("wrong")
    assert token_login(PASSWORD).status_code == 200


def test_forged_forwarded_for_gives_no_new_address(client, world, settings):
    """Behind one nginx (TRUSTED_PROXY_COUNT=1) the client is the entry nginx appended; the
    entries a client writes itself are ignored, so the portal's per-address limit holds."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_RATE_PER_IP = 20
    settings.PORTAL_RATE_PER_CASE = 1000
    statuses = []
    for i in range(40):
        r = client.post(
            "/track/",
            {"number": f"（2026）红人调字第{i + 100:04d}号", "phone": "13900000000"},
            REMOTE_ADDR="127.0.0.1",  # nginx
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7",
        )
        statuses.append(r.status_code)
    assert statuses[:20] == [404] * 20
    assert set(statuses[20:]) == {429}
    # Another real client behind the same nginx is not affected.
    r = client.post(
        "/track/",
        {"number": "（2026）红人调字第0001号", "phone": "13900000000"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert r.status_code == 404


def test_without_trusted_proxies_the_header_is_ignored(rf, settings):
    from config.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.2")
    assert client_ip(request) == "1.2.3.4"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"
