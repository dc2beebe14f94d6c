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
