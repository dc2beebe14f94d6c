"""Template context every page needs: which desks' links the nav shows for this user."""

from . import policies
from .choices import OrgKind, Role


def desks(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def nav():
        from .models import Organization

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

    # Computed only when a template reads it (error pages, fragments don't).
    return {"nav_desks": nav}
