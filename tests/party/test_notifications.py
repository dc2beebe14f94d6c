"""SMS notifications (DESIGN.md §12.2): a notice issued, a session recorded with its time
and place, the case ended — each at most 70 characters, with no ID number."""

import re

from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import SmsMessage, SmsStatus
from mediation.ops import sms
from tests.conftest import APPLICANT, RESPONDENT

from .conftest import APPLICANT_PHONE, RESPONDENT_PHONE, sms_lines

ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def test_parties_are_told_of_acceptance_sessions_and_the_end(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.MEDIATING)
        services.add_session(
            case,
            world.mediator,
            {
                "held_at": timezone.now().isoformat(),
                "place": "红寺堡镇人民调解委员会调解室" * 5,  # too long for one message
                "attendees": "双方当事人",
                "record": "双方陈述意见。",
            },
        )
        services.perform(case, "fail", world.mediator, {"reason": "no_agreement", "routes": "诉讼"})
    lines = sms_lines()
    texts = [m["text"] for m in lines]
    assert {m["phone"] for m in lines} == {APPLICANT_PHONE, RESPONDENT_PHONE}
    assert sum("受理" in t for t in texts) == 2
    assert sum("调解通知" in t for t in texts) == 2
    assert sum("调解终止" in t for t in texts) == 2
    for text in texts:
        assert len(text) <= sms.MAX_CHARS, text
        assert not ID_NUMBER.search(text)
        assert APPLICANT["id_number"] not in text and RESPONDENT["id_number"] not in text
    assert all(m.status == SmsStatus.SENT for m in SmsMessage.objects.filter(case=case))


def test_a_failed_notice_is_shown_to_the_organisation(
    world, settings, django_capture_on_commit_callbacks
):
    from django.test import Client

    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"
    settings.SMS_HTTP_TIMEOUT_SECONDS = 0.5
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.ACCEPTED)
    assert SmsMessage.objects.filter(case=case, status=SmsStatus.QUEUED).count() == 2
    staff = Client()
    staff.force_login(world.mediator)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "短信通知" in page and 'data-status="queued"' in page and "待发送" in page
