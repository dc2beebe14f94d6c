"""Every decision a task may offer is declared on its flow node (`forms=`), and the API
schema integrators generate clients from describes exactly those: the court's
withdraw_suit and resume_trial (委托调解 after filing) were offered but missing from it
while the schema kept its own list."""

from pathlib import Path

import pytest
import yaml

from workflows import court
from workflows.api import TASK_NODES, TASK_TYPES, decision_components
from workflows.common import NoteForm

SCHEMA = yaml.safe_load((Path(__file__).parents[2] / "docs" / "openapi.yaml").read_text())


def test_the_schema_describes_every_declared_decision_and_nothing_else():
    components = SCHEMA["components"]["schemas"]
    declared = {
        name: (node.kind, decision)
        for node in TASK_NODES
        for name, decision, _form in decision_components(node)
    }
    assert {n for n in components if n.startswith("Decision") and n != "Decision"} == set(declared)
    for name, (_kind, decision) in declared.items():
        assert components[name]["properties"]["decision"]["enum"] == [decision]
    assert TASK_TYPES == [node.kind for node in TASK_NODES] and len(set(TASK_TYPES)) == 10
    outcome = {d for n, (k, d) in declared.items() if k == "court.outcome"}
    assert {"withdraw_suit", "resume_trial"} <= outcome


def test_a_decision_offered_but_not_declared_is_refused(monkeypatch):
    node = court.CourtReferralFlow.outcome
    monkeypatch.setattr(node, "_decisions", lambda task: {"surprise": NoteForm})
    with pytest.raises(RuntimeError, match=r"court\.outcome offers undeclared decisions"):
        node.decisions_for(None)


def test_a_node_without_decisions_offers_all_it_declares_and_no_ambiguity():
    """Most nodes offer every form they declare, always; one decision with two forms
    (which a task then picks) cannot do without its own decisions(task)."""
    from workflows.nodes import CaseTaskNode
    from workflows.petition import PetitionFlow

    review = PetitionFlow.review
    assert review.decisions_for(None) == dict(review.forms)
    with pytest.raises(ValueError, match="two forms"):
        CaseTaskNode(
            "x.y", org=None, handler=None, forms=[("accept", NoteForm), ("accept", NoteForm)]
        )
