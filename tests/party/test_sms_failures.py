"""The head's view of undelivered messages to parties (#29: "the organisation sees delivery
failures"): every message about the organisation's cases the gateway has not taken, with
its retry state, and the count in the head's nav and on the queue."""

import re

from django.test import Client

from mediation.law.choices import State
from mediation.models import SmsMessage, SmsStatus

from .conftest import APPLICANT_PHONE


def _gateway_down(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"
    settings.SMS_HTTP_TIMEOUT_SECONDS = 0.5


def test_the_head_sees_failed_and_retried_messages(
    world, settings, django_capture_on_commit_callbacks
):
    # each message is tried once its case commits, with the settings of that moment
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        delivered = world.make_case(State.ACCEPTED)  # file backend: sent
    _gateway_down(settings)
    settings.SMS_MAX_ATTEMPTS = 1
    with capture(execute=True):
        given_up = world.make_case(State.ACCEPTED)
    settings.SMS_MAX_ATTEMPTS = 5
    with capture(execute=True):
        retried = world.make_case(State.ACCEPTED)
        elsewhere = world.make_case(State.ACCEPTED, org=world.other)
    assert set(SmsMessage.objects.filter(case=delivered).values_list("status", flat=True)) == {
        SmsStatus.SENT
    }
    head = Client()
    head.force_login(world.head)
    page = head.get("/sms/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'<tr data-sms="(\d+)" data-status="(\w+)">', html)
    shown = {int(pk): status for pk, status in rows}
    expected = SmsMessage.objects.filter(case__in=[given_up, retried])
    assert shown == {m.pk: m.status for m in expected}
    assert set(shown.values()) == {"failed", "queued"}
    # given up first, then those still retried
    assert [s for _pk, s in rows] == sorted(s for _pk, s in rows)
    assert "不再重试" in html and "发送失败" in html and "待发送" in html
    assert given_up.number in html and retried.number in html
    assert delivered.number not in html and elsewhere.number not in html
    # phones masked in the list, never in full
    assert APPLICANT_PHONE not in html and APPLICANT_PHONE[:3] + "****" in html
    assert 'name="viewport"' in html  # the phone-first layout of every page
    # the count on the head's queue (home) and in the nav
    home = head.get("/cases/").content.decode()
    assert 'id="sms-banner"' in home and f"有 {len(shown)} 条当事人短信未能发出" in home
    nav = re.search(r'id="nav-sms"[^>]*>短信送达 <span class="count-dot">(\d+)<', home)
    assert nav and int(nav.group(1)) == len(shown)


def test_no_failures_no_banner_and_others_are_refused(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.make_case(State.ACCEPTED)
    head = Client()
    head.force_login(world.head)
    home = head.get("/cases/").content.decode()
    assert 'id="sms-banner"' not in home and 'id="nav-sms"' in home
    assert "所有短信均已发出" in head.get("/sms/").content.decode()
    for user in (world.mediator, world.outsider, world.supervisor):
        client = Client()
        client.force_login(user)
        assert client.get("/sms/").status_code == 403
        assert 'id="nav-sms"' not in client.get("/cases/").content.decode()
