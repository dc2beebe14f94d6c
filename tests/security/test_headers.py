"""Finding 6: no CSP, no HSTS, cookies not Secure, no setting to turn them on, and
`check --deploy` warned W004/W008/W012/W016."""

import os
import secrets
import subprocess
import sys

from django.conf import settings as django_settings
from django.test import Client

from tests.live.daphne import ROOT

PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "TRUSTED_PROXY_COUNT": "1",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "tiaojie.example.gov.cn",
    "PII_KEY": secrets.token_hex(32),
}


def test_pages_carry_a_strict_csp(world):
    r = Client().get("/login/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"


def test_https_settings_give_hsts_and_secure_httponly_cookies(world, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    c = Client()
    page = c.get("/login/", secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf = page.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"]
    r = c.post(
        "/login/",
        {
            "username": "head",
            "password": django_settings.DEMO_PASSWORD,
            "csrfmiddlewaretoken": csrf.value,
        },
        secure=True,
    )
    assert r.status_code == 302
    session = r.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]


def test_check_deploy_is_clean_with_production_settings():
    env = {**os.environ, **PRODUCTION}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout
