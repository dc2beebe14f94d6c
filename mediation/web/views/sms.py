"""The organisation's undelivered messages to parties (#29, DESIGN.md §12.2): the head
sees every message about the organisation's cases that the gateway has not taken yet,
with its retry state, so a notice the parties never got is noticed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from mediation import policies
from mediation.law.identity import mask_phone
from mediation.ops import sms

if TYPE_CHECKING:
    from django.http import HttpResponse

    from mediation.policies import Actor

    from .. import AuthedRequest

PAGE_SIZE = 50


def failure_count(user: Actor) -> int | None:
    """The count for the head's nav and queue; None for whoever does not follow them."""
    orgs = policies.sms_watch_orgs(user)
    return sms.undelivered(orgs).count() if orgs else None


@login_required
def sms_failures(request: AuthedRequest) -> HttpResponse:
    orgs = policies.sms_watch_orgs(request.user)
    if not orgs:
        return render(
            request, "error.html", {"message": _("只有调解组织负责人可以查看")}, status=403
        )
    page = Paginator(sms.undelivered(orgs), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "m": m,
            # the head handles these cases, but a list shows phones masked (DESIGN §9)
            "phone": mask_phone(m.phone),
        }
        for m in page.object_list
    ]
    return render(request, "cases/sms_failures.html", {"page": page, "rows": rows, "nav": "sms"})
