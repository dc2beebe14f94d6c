"""The named test world: the demo organisations and roles of DESIGN.md §10, and
`make_case` to build a case in any state through the transition service."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.live import caps
from mediation.models import OrganRemit
from mediation.ops.demo import build_accounts, build_organizations


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests that drive the ASGI app in-process count their events: no background sweep.
    settings.DEADLINE_SWEEP_SECONDS = 0
    settings.WEBHOOK_POLL_SECONDS = 0
    # Sockets that never resume get their live events after this wait (tests/live covers
    # the hold itself with the production default).
    settings.SOCKET_RESUME_WAIT_SECONDS = 0.05
    caps.reset()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Stored documents and attachments go to a temporary store, never the work tree's."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _fresh_clocks():
    """The calendar and limits are cached per process; a test's rolled-back Holiday or
    TimeLimit rows must not outlive it."""
    from mediation.law import clocks

    clocks.reset_cache()
    yield
    clocks.reset_cache()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request, django_db_modify_db_settings_parallel_suffix, tmp_path_factory
):
    """A real daphne process (tests marked `live`) opens the test database too: on SQLite
    that needs a file instead of the default in-memory database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and any(
        item.get_closest_marker("live") for item in request.session.items
    ):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    if db["ENGINE"].endswith("postgresql") and "replica" not in settings.DATABASES:
        # A statistics replica for tests/ops/test_replica.py: a second connection to the
        # test database (a TEST mirror). Unused until a test sets STATISTICS_REPLICA.
        options = {k: v for k, v in db.get("OPTIONS", {}).items() if k != "pool"}
        settings.DATABASES["replica"] = {
            **db,
            "CONN_MAX_AGE": 0,
            "OPTIONS": {**options, "connect_timeout": 2},
            "TEST": {**db.get("TEST", {}), "MIRROR": "default"},
        }


def pytest_collection_modifyitems(config, items):
    is_pg = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not is_pg:
            item.add_marker(skip_pg)


APPLICANT = {
    "role": "applicant",
    "kind": "person",
    "name": "马建国",
    "gender": "male",
    "ethnicity": "回族",
    "id_number": "640303195503010030",
    "phone": "13995312345",
    "address": "红寺堡镇中圈塘村",
    "tags": ["veteran"],
}
RESPONDENT = {
    "role": "respondent",
    "kind": "person",
    "name": "杨学军",
    "gender": "male",
    "ethnicity": "汉族",
    "id_number": "640303198001010018",
    "phone": "13895300001",
    "address": "红寺堡镇弘德村",
}


def case_body(org, **overrides):
    body = {
        "org": org.pk,
        "channel": "walk_in",
        "category": "neighbour",
        "summary": "双方因院墙排水问题发生争执。",
        "claims": "请求改建排水沟。",
        "amount": "3000.00",
        "region": "红寺堡镇",
        "parties": [dict(APPLICANT), dict(RESPONDENT)],
    }
    if org.kind == "admin_organ" and "category" not in overrides:
        # an administrative organ mediates only within its remit (mediation.law.remits)
        remit = OrganRemit.objects.filter(subtype=org.subtype).first()
        body["category"] = remit.categories[0] if remit else body["category"]
    body.update(overrides)
    return body


# Path of transitions from `registered` to each state, with who runs each step.
AGREEMENT = {
    "form": "written",
    "facts": "被申请人修建院墙致申请人院内雨水倒灌，双方就排水沟改建和损失赔偿发生争议。",
    "responsibilities": "被申请人修建院墙未留排水通道，应承担主要责任。",
    "terms": "被申请人于十日内改建排水沟并赔偿申请人三千元。",
    "performance_method": "现金支付",
    "performance_due": None,
    "effective_date": None,
}


class World(SimpleNamespace):
    def org(self, name):
        return self.orgs[name]

    def make_case(self, state=State.REGISTERED, org=None, registrar=None, now=None, **overrides):
        """A case registered and moved to `state` through the transition service."""
        org = org or self.home
        now = now or timezone.now()
        registrar = registrar or self.intake
        case = services.register_case(registrar, case_body(org, **overrides), now=now)
        return self.advance(case, state, now=now)

    def register_confirmation(self, case, number=None, now=None):
        """The court clerk registers the pending application under a 民特 number."""
        from workflows.models import CaseTask
        from workflows.services import complete_task

        task = CaseTask.objects.get(case=case, kind="confirmation.register", status="NEW")
        clerk = self.staff(task.org, "clerk")
        year = timezone.localdate(now).year if now else timezone.localdate().year
        number = number or f"（{year}）宁0303民特{case.pk}号"
        complete_task(task.pk, clerk, {"decision": "register", "number": number}, now=now)
        case.refresh_from_db()
        return case

    def staff(self, org, role):
        from mediation.models import Membership

        return Membership.objects.filter(org=org, role=role).order_by("id").first().user

    def advance(self, case, state, now=None):
        now = now or timezone.now()
        if state == State.REGISTERED:
            return case
        head = self.staff(case.org, "org_head")
        mediator = self.staff(case.org, "mediator")
        if case.org_id == self.home.pk:
            head, mediator = self.head, self.mediator
        run = lambda name, user, data=None: services.perform(case, name, user, data or {}, now=now)  # noqa: E731
        if state == State.DECLINED:
            return run("decline", head, {"reason": "不属于受理范围", "routes": "可向法院起诉"})
        if state == State.WITHDRAWN:
            return run("withdraw", head, {"note": "申请人撤回"})
        case = run("accept", head, {"mediator": mediator.pk})
        if state == State.ACCEPTED:
            return case
        case = run("begin", mediator, {"consent": True})
        if state == State.MEDIATING:
            return case
        if state in (State.FAILED, State.REFERRED):
            case = run("fail", mediator, {"reason": "no_agreement", "routes": "可向法院起诉"})
            if state == State.REFERRED:
                case = run("refer", mediator, {"route": "litigation"})
            return case
        today = timezone.localdate(now)
        case = run(
            "reach_agreement",
            mediator,
            {
                **AGREEMENT,
                "performance_due": (today + dt.timedelta(days=10)).isoformat(),
                "effective_date": today.isoformat(),
            },
        )
        if state == State.AGREED:
            return case
        if state in (State.CONFIRMING, State.CONFIRMED, State.CONFIRMATION_REJECTED):
            case = run(
                "request_confirmation",
                mediator,
                {"court": self.court.pk, "joint_application": True, "paper_signatures": True},
            )
            if state == State.CONFIRMING:
                return case
            # Only a judge rules, and only on an application the clerk registered.
            self.register_confirmation(case, now=now)
            if state == State.CONFIRMED:
                case = run("confirm", self.judge)
            elif state == State.CONFIRMATION_REJECTED:
                case = run("reject_confirmation", self.judge, {"grounds": "违反法律规定"})
            return case
        services.add_follow_up(
            case,
            mediator,
            {"date": today.isoformat(), "performed": True, "early_reason": "已提前履行完毕"},
            now=now,
        )
        case = run("close", mediator, {"note": "已履行"})
        if state == State.ARCHIVED:
            case = run("archive", head)
        return case


@pytest.fixture
def world(db):
    orgs = build_organizations()
    users = build_accounts(orgs)
    return World(
        orgs=orgs,
        users=users,
        **users,
        home=orgs["红寺堡镇人民调解委员会"],
        other=orgs["太阳山镇人民调解委员会"],
        court=orgs["红寺堡区人民法院"],
        tribunal=orgs["红寺堡区人民法院太阳山人民法庭"],
        land_arbitration=orgs["红寺堡区农村土地承包仲裁委员会"],
        traffic_police=orgs["红寺堡区公安局交通警察大队"],
        lawyer_studio=orgs["红寺堡区律师调解工作室"],
        petition_bureau=orgs["红寺堡区信访局"],
        arbitration=orgs["红寺堡区劳动人事争议仲裁委员会"],
        center=orgs["红寺堡区公共法律服务中心"],
    )


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin client, past the admin's second factor: the admin asks every
    account for a TOTP code (issue 14), so the session carries a verified device."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, name="test", confirmed=True)
    client = Client()
    client.force_login(admin_user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture(autouse=True)
def _api_contract(request, monkeypatch):
    """Every /api/ response a test receives through Django's test client is checked against
    the OpenAPI document (tests/contract.py): a documented status and exactly the declared
    shape. A test that breaks the contract on purpose says so with `no_contract`."""
    if request.node.get_closest_marker("no_contract"):
        return
    from django.test.client import Client

    from tests import contract

    original = Client.request

    def checked(self, **kwargs):
        response = original(self, **kwargs)
        contract.check(
            kwargs.get("REQUEST_METHOD", "GET"),
            kwargs.get("PATH_INFO", ""),
            response.status_code,
            response.get("Content-Type", ""),
            b"" if getattr(response, "streaming", False) else response.content,
        )
        return response

    monkeypatch.setattr(Client, "request", checked)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests import contract

    if contract.STRICT["validated"]:
        terminalreporter.write_line(
            "openapi-core validated {validated} API responses, refused {refused}".format(
                **contract.STRICT
            )
        )


# A Wednesday mid-month, in a year the official calendar knows, far from any holiday: a
# test whose cases were made "n days ago" or that counts "this month" runs here, so it does
# not depend on the day or hour the suite runs (a Monday left a one-working-day clock
# running; a Friday 元旦 moved a 15-day one past the weekend).
WEDNESDAY = dt.datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def on_a_wednesday():
    with time_machine.travel(WEDNESDAY, tick=True):
        yield
