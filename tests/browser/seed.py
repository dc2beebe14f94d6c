"""Seed the browser-test server's own database (run in a subprocess with its settings):
the named test world and a few cases, printed as JSON for the tests."""

import json
import os
import sys


def main():
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.browser.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from mediation.actions import services
    from mediation.law.choices import State
    from mediation.ops.demo import build_accounts, build_organizations
    from tests.conftest import World

    with transaction.atomic():
        orgs = build_organizations()
        users = build_accounts(orgs)
    world = World(
        orgs=orgs,
        users=users,
        **users,
        home=orgs["红寺堡镇人民调解委员会"],
        other=orgs["太阳山镇人民调解委员会"],
        court=orgs["红寺堡区人民法院"],
    )
    out = {}
    for name, state in (
        ("accepted", State.ACCEPTED),
        ("live", State.ACCEPTED),
        ("live_list", State.REGISTERED),
        ("screenshot", State.MEDIATING),
    ):
        if name != "screenshot":
            case = world.make_case(state)
        else:
            # a session is dated within the case (after it began, never in the future)
            from django.utils import timezone

            began = timezone.now() - dt.timedelta(days=2)
            case = world.make_case(state, now=began)
            held = timezone.localtime(began + dt.timedelta(days=1))
            services.add_session(
                case,
                world.mediator,
                {
                    "held_at": held.strftime("%Y-%m-%dT%H:%M"),
                    "place": "红寺堡镇调解室",
                    "attendees": "马建国、杨学军、调解员马桂兰",
                    "record": "双方陈述了院墙排水问题的经过，同意在十日内再次协商。",
                },
            )
        out[name] = {"id": case.pk, "number": case.number}
    # a failed dispute whose applicant qualifies for legal aid (low income)
    from tests.conftest import RESPONDENT
    from tests.helpers import plain_party

    aid = world.make_case(
        State.FAILED,
        parties=[{**plain_party("applicant", "罗玉梅"), "tags": ["low_income"]}, dict(RESPONDENT)],
    )
    out["legal_aid"] = {"id": aid.pk, "number": aid.number}
    # an agreed dispute whose two parties sign in on their phones (/party/)
    signing = world.make_case(
        State.AGREED,
        parties=[
            {**plain_party("applicant", "周玉兰"), "phone": "13600000021"},
            {
                **plain_party("respondent", "韩志强", birth=dt.date(1979, 3, 2)),
                "phone": "13600000022",
            },
        ],
    )
    out["party_agreed"] = {"id": signing.pk, "number": signing.number}
    for name, state in (
        ("conflict", State.MEDIATING),
        ("risk", State.MEDIATING),
        ("correct", State.ACCEPTED),
        ("confirming", State.CONFIRMING),
    ):
        case = world.make_case(state)
        out[name] = {"id": case.pk, "number": case.number}
    # registered ten days ago: its acceptance deadline is long past, for the server's sweep
    late = world.make_case(State.REGISTERED, now=timezone.now() - dt.timedelta(days=10))
    out["overdue"] = {"id": late.pk, "number": late.number}
    # a notice the gateway refused for good, for the head's SMS page (/sms/)
    from mediation.models import Case, SmsMessage, SmsStatus

    now = timezone.now()
    SmsMessage.objects.create(
        phone="13600000021",
        text="【大调解】您的纠纷已受理，案号（2026）红人调字第0001号，请留意调解通知。",
        purpose="notice",
        case=Case.objects.get(pk=out["accepted"]["id"]),
        status=SmsStatus.FAILED,
        attempts=5,
        last_error="http: <urlopen error [Errno 111] Connection refused> https://sms.example.invalid/api/v1/send",
        created_at=now,
        next_attempt_at=now,
    )
    out["home"] = world.home.pk
    # the demo adviser on the register, serving one village of 红寺堡镇 (#32)
    from mediation.county import advisers

    office = orgs["红寺堡镇司法所"]
    row = advisers.register_adviser(
        world.supervisor,
        {"name": "何文华", "kind": "lawyer", "org": office.pk, "user": world.adviser.pk},
    )
    village = orgs["红寺堡镇中圈塘村人民调解委员会"]
    advisers.assign_village(world.supervisor, row.pk, {"village": village.pk})
    # the year's subsidy standard, trainings and assessments: the county pages at 390 px (#32)
    from mediation.county import subsidies
    from mediation.county.demo import seed_training_and_targets

    amounts = {"simple": "100", "general": "200", "difficult": "400", "major": "800"}
    extras = {f: "50" for f in subsidies.AMOUNT_FIELDS if f.startswith("extra_")}
    subsidies.set_standard(
        world.supervisor, {"year": timezone.localdate(now).year, **amounts, **extras}, now=now
    )
    seed_training_and_targets(world.supervisor, now)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
