"""Template context for every page: which desks the user's nav offers, and their unread
alerts (banner and counter)."""

from . import alerts, policies


def desks(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .forms import registrable_orgs

    return {
        "desk_nav": {
            "register": bool(registrable_orgs(user)),
            "petition": bool(policies.may_transfer_petition(user)),
            "court": bool(policies.may_refer_to_mediation(user)),
        },
        "alerts": alerts.summary(user),
    }
