"""Template context every page needs: which desks' links the nav shows for this user, and
their unread alerts (banner and nav counter)."""

from mediation import policies
from mediation.law.choices import OrgKind, Role

from . import alerts


def desks(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def nav():
        from mediation.models import Organization

        roles = policies.roles_by_org(user)
        supervisor = policies.is_supervisor(user)
        committee = Organization.objects.filter(
            pk__in=[o for o, r in roles.items() if r & {Role.MEDIATOR, Role.ORG_HEAD}],
            kind=OrgKind.PEOPLE_COMMITTEE,
        ).exists()
        return {
            "screenings": supervisor or committee,
            "consultations": supervisor or bool(policies.consultation_orgs(user)),
        }

    from .forms import registrable_orgs

    # Computed only when a template reads it (error pages, fragments don't).
    return {
        "nav_desks": nav,
        "desk_nav": {
            "register": bool(registrable_orgs(user)),
            "petition": bool(policies.may_transfer_petition(user)),
            "court": bool(policies.may_refer_to_mediation(user)),
        },
        "alerts": alerts.summary(user),
    }
