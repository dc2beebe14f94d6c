"""docs/state-machine.md is the output of `draw_machines`: the picture cannot drift."""

import re
from io import StringIO

from django.core.management import call_command

from mediation.management.commands import draw_machines


def test_committed_diagram_is_current():
    committed = draw_machines.OUTPUT.read_text(encoding="utf-8")
    assert committed == draw_machines.render(), "run `make docs` and commit docs/state-machine.md"


def test_command_writes_the_file(tmp_path):
    target = tmp_path / "machines.md"
    out = StringIO()
    call_command("draw_machines", output=str(target), stdout=out)
    assert target.read_text(encoding="utf-8") == draw_machines.render()
    assert "4 networks" in out.getvalue()


def _section(text, network):
    start = text.index(f"(`{network}`)")
    end = text.find("\n## ", start)
    return text[start : end if end > 0 else None]


def test_network_differences_are_drawn():
    text = draw_machines.render()
    judicial = _section(text, "judicial")
    assert "confirming" not in judicial and not re.search(r"\bresume\b", judicial)
    assert "refer 移送（诉讼）" in judicial
    assert "refer 移送（仲裁、诉讼、行政裁决、法律援助）" in _section(text, "administrative")
    people = _section(text, "people")
    assert "agreed --> confirming: request_confirmation" in people
    assert "refer 移送（仲裁、诉讼、法律援助）" in people
    for network in ("people", "administrative", "judicial", "lawyer"):
        section = _section(text, network)
        assert section.count("```mermaid") == 1
        assert "[*] --> registered" in section and "archived --> [*]" in section


def test_edges_match_the_model():
    edges = draw_machines.machine("people")
    assert {(e["source"], e["target"], e["name"]) for e in edges} >= {
        ("registered", "accepted", "accept"),
        ("accepted", "accepted", "reassign"),
        ("closed", "archived", "archive"),
    }
    # 31, and suspend_clock / resume_clock from accepted and mediating
    assert len(edges) == 35
    # judicial: no request_confirmation (2 sources), confirm, reject_confirmation,
    # withdraw_confirmation, resume
    assert len(draw_machines.machine("judicial")) == 35 - 6
