"""The pieces of the fan-out that need no socket: encoding, groups, de-duplication."""

import json

from mediation.live import relay as live


def test_event_text_is_plain_utf8_json():
    msg = {"id": 1, "type": "case.created", "case": {"number": "（2026）红人调字第0001号"}}
    text = live.encode(msg)
    assert json.loads(text) == msg
    assert "红人调字" in text  # UTF-8 text, not \\u escapes


def test_groups_of_an_event():
    assert live.groups_for([3, 5], 7) == ["org.3", "org.5", "case.7", "district"]


def test_deduper_forgets_only_old_ids():
    d = live.Deduper(size=3)
    assert [d.first_time(i) for i in (1, 2, 1, 3)] == [True, True, False, True]
    d.first_time(4)  # evicts 1
    assert d.first_time(1) and not d.first_time(3)
