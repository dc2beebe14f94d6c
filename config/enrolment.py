"""The owner's own second-factor enrolment (三员分立, config.separation): a one-time link
opened by its owner, signed in with their password; the TOTP key is generated here and
shown to them alone, and takes effect once a code from their authenticator confirms it."""

import base64

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import separation


def _device(request: HttpRequest, user: User, enrolment_pk: int) -> TOTPDevice:
    """The unconfirmed device of this enrolment in this session, made on first sight."""
    key = f"factor_enrolment:{enrolment_pk}"
    device = TOTPDevice.objects.filter(
        pk=request.session.get(key), user=user, confirmed=False
    ).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
        request.session[key] = device.pk
    return device


def enrol_view(request: HttpRequest, token: str) -> HttpResponse:
    enrolment = separation.open_enrolment(token)
    if enrolment is None:
        return render(request, "account/enrol.html", {"gone": True}, status=404)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    assert isinstance(request.user, User)
    if request.user.pk != enrolment.user_id:
        # Only the owner may enrol; to anyone else the link does not exist.
        return render(request, "account/enrol.html", {"gone": True}, status=404)
    device = _device(request, request.user, enrolment.pk)
    context = {
        "device": device,
        "config_url": device.config_url,
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    if request.method == "POST":
        code = (request.POST.get("otp_token") or "").strip()
        try:
            ok = code.isdigit() and separation.enrol(request.user, enrolment, device, code)
        except separation.ChangeConflict:
            return render(request, "account/enrol.html", {"gone": True}, status=409)
        if ok:
            return render(request, "account/enrol.html", {"done": True})
        context["error"] = _("动态口令不正确，请用身份验证器中当前显示的6位数字重试")
        return render(request, "account/enrol.html", context, status=400)
    return render(request, "account/enrol.html", context)
