"""Finding 8: weak passwords (`zhangsan1`) were accepted. Now composition (three of four
classes), a 12-character floor, and no reuse of the last five passwords (等保 2.0)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from .test_tokens import client_with


def change(world, settings, old, new):
    login = {"username": "head", "password": old}
    token = APIClient().post("/api/auth/token/", login, format="json").json()["token"]
    return client_with(token).post(
        "/api/auth/password/", {"old_password": old, "new_password": new}, format="json"
    )


@pytest.mark.parametrize(
    ("weak", "why"),
    [
        ("zhangsan1", "至少需要12个字符"),
        ("zhangsanlisi2026", "至少3类"),
        ("ZHANGSANLISI", "至少3类"),
        ("123456789012345", "只包含数字"),
    ],
)
def test_weak_passwords_refused_in_chinese(world, settings, weak, why):
    r = change(world, settings, settings.DEMO_PASSWORD, weak)
    assert r.status_code == 400
    messages = " ".join(r.json()["errors"]["new_password"])
    assert why in messages, messages


def test_history_refuses_recent_passwords(world, settings):
    passwords = [f"Hongsibao#{i:02d}x" for i in range(7)]
    old = settings.DEMO_PASSWORD
    for pw in passwords[:6]:
        assert change(world, settings, old, pw).status_code == 200
        old = pw
    # The current one and the five before it are refused …
    for pw in passwords[1:6]:
        r = change(world, settings, old, pw)
        assert r.status_code == 400 and "最近5次" in " ".join(r.json()["errors"]["new_password"])
    # … the sixth-oldest has aged out, and a new one is fine.
    assert change(world, settings, old, passwords[0]).status_code == 200
    assert world.head.password_history.count() == 5


def test_strong_password_accepted(world):
    validate_password("Ma-Jianguo-2026", world.head)
    with pytest.raises(ValidationError):
        validate_password("headheadheadhead", world.head)


@pytest.mark.parametrize(
    "common", ["Passw0rd1234", "Qwerty123456!", "P@ssword2026!", "!!Dragon2024"]
)
def test_common_passwords_refused_however_decorated(world, settings, common):
    # #30: these passed composition and length; NIST SP 800-63B asks for a blocklist.
    r = change(world, settings, settings.DEMO_PASSWORD, common)
    assert r.status_code == 400
    assert "过于常见" in " ".join(r.json()["errors"]["new_password"])


def test_a_long_passphrase_is_accepted(world, settings):
    # NIST SP 800-63B / ASVS 2.1.2: length instead of character classes.
    r = change(world, settings, settings.DEMO_PASSWORD, "hongsibao river wheat harvest")
    assert r.status_code == 200, r.content
    with pytest.raises(ValidationError):
        validate_password("password password", world.head)  # short and all lower case
