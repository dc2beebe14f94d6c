"""The request examples in the OpenAPI document (mediation/api/examples.py) are what a
generated client's docs show and what schemathesis's examples phase sends first: each must
be valid by its own operation's request schema, made strict (no key the schema does not
declare), and each must name an operation that takes a JSON body."""

import pytest

from mediation.api.examples import EXAMPLES
from tests import contract


def _json_bodies() -> dict[str, dict]:
    bodies = {}
    for item in contract.document()["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                media = op.get("requestBody", {}).get("content", {}).get("application/json")
                if media is not None:
                    bodies[op["operationId"]] = media
    return bodies


@pytest.mark.parametrize("op_id", sorted(EXAMPLES))
def test_each_example_is_valid_by_its_request_schema(op_id):
    media = _json_bodies().get(op_id)
    assert media is not None, f"{op_id}: no operation with a JSON body"
    assert media.get("examples") == EXAMPLES[op_id]  # served in the document
    validator = contract._validator(media["schema"])
    for name, example in EXAMPLES[op_id].items():
        errors = [e.message for e in validator.iter_errors(example["value"])]
        assert not errors, f"{op_id}/{name}: {errors}"


def test_an_invalid_example_would_be_caught():
    """The check can fail: a body with an undeclared key and a wrong type is refused."""
    media = _json_bodies()["cases_register"]
    validator = contract._validator(media["schema"])
    bad = {**EXAMPLES["cases_register"]["window"]["value"], "org": "22", "colour": "red"}
    assert len(list(validator.iter_errors(bad))) >= 2
