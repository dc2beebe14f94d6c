from mediation.law.choices import State
from mediation.models import CaseEvent


def test_people_lifecycle_to_archived(world):
    case = world.make_case(State.ARCHIVED)
    assert case.state == State.ARCHIVED
    assert case.number.startswith("（")
    events = CaseEvent.objects.filter(case=case)
    transitions = [e.payload["data"]["transition"] for e in events if e.type == "case.transitioned"]
    assert transitions == ["accept", "begin", "reach_agreement", "close", "archive"]
    assert events.first().type == "case.created"
