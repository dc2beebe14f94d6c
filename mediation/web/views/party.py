"""/party/: the parties' own page (DESIGN.md §12.2), phones first. Sign-in by phone and a
one-time code (two small forms, `phone` then `code`, each sent with Enter), then the
party's cases with their state, next step and notices, a read receipt per notice, and an
evidence upload. The same door as /api/party/ (mediation.actions.party_access)."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mediation.actions import party_access as parties
from mediation.actions import party_signing as signing
from mediation.errors import DomainError, InvalidFields, NotVisible, StateConflict
from mediation.models import PartySession
from mediation.ops.ratelimit import client_ip

SESSION_KEY = "party_token"
PHONE_KEY = "party_phone"


def _session(request: HttpRequest) -> PartySession | None:
    return parties.session_for(request.session.get(SESSION_KEY))


def _first_error(exc: DomainError) -> str:
    for messages in exc.errors.values():
        return str(next(iter(messages)))
    return exc.detail


@never_cache
def party_home(request: HttpRequest) -> HttpResponse:
    session = _session(request)
    if session is None:
        return _sign_in(request)
    if request.method == "POST" and request.POST.get("action") == "logout":
        parties.end_session(request.session.pop(SESSION_KEY, None))
        return HttpResponseRedirect(reverse("party_home"))
    return render(
        request,
        "party/home.html",
        {"cases": signing.my_cases(session), "message": request.session.pop("party_msg", "")},
    )


def _sign_in(request: HttpRequest) -> HttpResponse:
    status, error, info = 200, "", ""
    phone = request.session.get(PHONE_KEY, "")
    step = "code" if phone else "phone"
    if request.method == "POST":
        try:
            if "code" in request.POST and phone:
                if parties.check_quota(client_ip(request)).exceeded:
                    raise InvalidFields(
                        _("尝试过于频繁"), {"code": [_("尝试过于频繁，请稍后再试")]}
                    )
                token = parties.start_session(phone, request.POST.get("code", "").strip())
                request.session.cycle_key()  # a new session id at sign-in (fixation)
                request.session[SESSION_KEY] = token
                request.session.pop(PHONE_KEY, None)
                return HttpResponseRedirect(reverse("party_home"))
            if request.POST.get("action") == "restart":
                request.session.pop(PHONE_KEY, None)
                return HttpResponseRedirect(reverse("party_home"))
            phone = parties.mobile_or_400(request.POST.get("phone", ""))
            if parties.code_quota(phone, client_ip(request)).exceeded:
                error, status = _("获取验证码过于频繁，请稍后再试"), 429
            else:
                parties.request_code(phone)
                request.session[PHONE_KEY] = phone
                step = "code"
                info = _("如该号码已在案件中登记，验证码已发送，5分钟内有效。")
        except InvalidFields as exc:
            error, status = _first_error(exc), 400
    return render(
        request,
        "party/sign_in.html",
        {"step": step, "phone": phone, "error": error, "info": info},
        status=status,
    )


@require_POST
def party_notice_read(request: HttpRequest, pk: int, nid: str) -> HttpResponse:
    session = _session(request)
    if session is None:
        return HttpResponseRedirect(reverse("party_home"))
    try:
        parties.read_notice(session, pk, nid, client_ip(request))
    except NotVisible:
        return render(request, "404.html", status=404)
    return HttpResponseRedirect(reverse("party_home") + f"#case-{pk}")


@require_POST
def party_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request)
    if session is None:
        return HttpResponseRedirect(reverse("party_home"))
    try:
        parties.upload_evidence(session, pk, request.FILES.get("file"), client_ip(request))
        request.session["party_msg"] = _("证据材料已提交")
    except NotVisible:
        return render(request, "404.html", status=404)
    except InvalidFields as exc:
        request.session["party_msg"] = _first_error(exc)
    return HttpResponseRedirect(reverse("party_home") + f"#case-{pk}")


@require_POST
def party_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The signature pad's form: the drawn PNG (filled in by party.js), the document and
    the hash of the text the party read."""
    session = _session(request)
    if session is None:
        return HttpResponseRedirect(reverse("party_home"))
    body = {key: request.POST.get(key, "") for key in ("document", "sha256", "signature")}
    try:
        signing.sign_online(session, pk, body, client_ip(request))
        request.session["party_msg"] = _("已签署")
    except NotVisible:
        return render(request, "404.html", status=404)
    except StateConflict as exc:
        request.session["party_msg"] = exc.detail
    except InvalidFields as exc:
        request.session["party_msg"] = _first_error(exc)
    return HttpResponseRedirect(reverse("party_home") + f"#case-{pk}")
