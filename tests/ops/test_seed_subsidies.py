"""seed_demo's 以案定补 data: standards, graded committee cases, last month's sheets."""

from mediation.law.choices import State
from mediation.law.subsidies import PAID_OUTCOMES
from mediation.models import (
    Case,
    CaseSubsidy,
    Indicator,
    MediatorGrade,
    SubsidyLine,
    SubsidyStandard,
    TrainingSession,
)
from mediation.ops import demo


def test_the_demo_grades_every_ended_committee_case_once(db, monkeypatch):
    # a slice of ended cases keeps it fast (the plan starts with open ones)
    plan = [State.AGREED] * 6 + [State.FAILED] * 4 + [State.CLOSED] * 6 + [State.WITHDRAWN] * 2
    monkeypatch.setattr(demo, "PLAN", plan)
    demo.seed(count=len(plan))
    ended = Case.objects.filter(org__kind="people_committee", outcome__in=PAID_OUTCOMES)
    assert ended.exists()
    assert CaseSubsidy.objects.count() == ended.count() == SubsidyLine.objects.count()
    assert SubsidyStandard.objects.count() == 2
    lines = SubsidyLine.objects.count()
    demo.seed(count=len(plan))  # again: nothing more
    assert SubsidyLine.objects.count() == lines


def test_the_demo_has_trainings_assessments_and_targets(db, monkeypatch):
    monkeypatch.setattr(demo, "PLAN", [State.AGREED] * 2)
    demo.seed(count=2)
    assert TrainingSession.objects.count() >= 1
    assert MediatorGrade.objects.exists()
    assert Indicator.objects.count() == 6
    counts = (TrainingSession.objects.count(), MediatorGrade.objects.count())
    demo.seed(count=2)
    assert (TrainingSession.objects.count(), MediatorGrade.objects.count()) == counts
