"""The schemathesis check of our own (st_hooks.py) tells a generic field message — the
schema promising what the validation does not keep — from a rule's refusal."""

from types import SimpleNamespace

import pytest

from tests.integrator import st_hooks


@pytest.mark.parametrize(
    "message",
    [
        "请填写合法的整数值。",
        "期望为一个包含物件的列表，得到的类型是“str”。",
        "该字段不能为 null。",
        "该字段是必填项。",
        "确保该变量包含不超过 50 字符 (目前字符数 51)。",
        "“maybe” 不是合法选项。",
    ],
)
def test_generic_field_messages_are_recognised(message):
    assert st_hooks.is_generic(message)


@pytest.mark.parametrize(
    "message",
    [
        "身份证号码校验码不符",
        "高风险须报告公安机关（《人民调解法》第二十五条）",
        "信访人同意转交人民调解方可转办（《信访工作条例》第三十三条）",
    ],
)
def test_a_rules_refusal_is_not_generic(message):
    assert not st_hooks.is_generic(message)


class _Response:
    def __init__(self, status, body):
        self.status_code, self._body = status, body

    def json(self):
        return self._body


def _case(positive: bool):
    mode = SimpleNamespace(is_positive=positive)
    return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)))


def test_the_check_fails_a_positive_case_refused_generically():
    body = {
        "detail": "输入有误",
        "errors": {"parties": [{}, {"id_number": ["该字段不能为 null。"]}]},
    }
    with pytest.raises(AssertionError, match=r"parties\[1\]\.id_number"):
        st_hooks.schema_states_what_is_refused(None, _Response(400, body), _case(True))


def test_the_check_passes_rules_and_negative_cases():
    rule = {
        "detail": "输入有误",
        "errors": {"reported_to": ["高风险须报告（《人民调解法》第二十五条）"]},
    }
    assert st_hooks.schema_states_what_is_refused(None, _Response(400, rule), _case(True)) is None
    generic = {"detail": "输入有误", "errors": {"org": ["请填写合法的整数值。"]}}
    assert (
        st_hooks.schema_states_what_is_refused(None, _Response(400, generic), _case(False)) is None
    )
