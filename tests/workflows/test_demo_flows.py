from mediation.law.choices import State
from mediation.models import Case
from mediation.ops import demo
from workflows.models import CaseTask

OPEN = ["NEW", "ASSIGNED", "STARTED"]


def test_seeded_confirmations_run_through_the_flow(db):
    demo.seed()
    confirmed = Case.objects.filter(state=State.CONFIRMED, confirmation_court__isnull=False)
    rejected = Case.objects.filter(state=State.CONFIRMATION_REJECTED)
    confirming = Case.objects.filter(state=State.CONFIRMING)
    assert confirmed.exists() and rejected.exists() and confirming.exists()
    for case in [*confirmed, *rejected]:
        decide = CaseTask.objects.get(case=case, kind="confirmation.decide")
        assert decide.status == "DONE"
        assert decide.completed_by.username == "judge"
    for case in confirming:
        assert (
            CaseTask.objects.filter(
                case=case, kind="confirmation.register", status__in=OPEN
            ).count()
            == 1
        )
    # no open task is left on a case that has moved past it
    for task in CaseTask.objects.filter(status__in=OPEN).exclude(kind=""):
        expects = task.flow_task.expects
        assert not expects or task.case.state in expects, (task.kind, task.case.state)
