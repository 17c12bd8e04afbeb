"""Validate action-server replies with a validator built once.

Rasa 3.6 calls `jsonschema.validate()` on every action-server reply, which checks the
schema itself again on every call: profiles put that at 44% of the Rasa server's busy
time under load (bench/FINDINGS.md). The same validation, with the same errors, runs
here with a validator built once at start-up.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions import action
from rasa.shared.constants import DOCS_BASE_URL

_SCHEMA = action.RemoteAction.action_response_format_spec()
_VALIDATOR = validator_for(_SCHEMA)(_SCHEMA)


def _validate_action_result(self: action.RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _VALIDATOR.validate(result)
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure "
                          "your response from the Action endpoint is valid. For more "
                          f"information about the format visit {DOCS_BASE_URL}/custom-actions")
        raise
    return True


def install() -> None:
    action.RemoteAction._validate_action_result = _validate_action_result
