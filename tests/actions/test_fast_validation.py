"""The prebuilt validator accepts and refuses action replies exactly as Rasa's does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import rasa_addons  # noqa: F401 - installs the validator, as Rasa's import of the channel does

SPEC = RemoteAction.action_response_format_spec()
GOOD = [{"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}]
BAD = [{"events": 5}, {"responses": "hello"}, {"events": [1, 2]}]


@pytest.mark.parametrize("reply", GOOD)
def test_good_replies_pass(reply: dict) -> None:
    validate(reply, SPEC)  # Rasa's own check agrees
    assert RemoteAction("a", None)._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", BAD)
def test_bad_replies_fail_with_rasas_message(reply: dict) -> None:
    with pytest.raises(ValidationError):
        validate(reply, SPEC)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("a", None)._validate_action_result(reply)
