"""The questions are asked inside the Rasa server, by the action server's own code.

A question turn made two calls to the action server: the form's validator (which
understands the answer and hands it to the portal), then `action_ask_<slot>`, which only
words the next question from `actions/texts.yml` and reads nothing else. The second
call was 8% of the Rasa server's busy time, a round trip, and most of the action
server's work (bench/FINDINGS.md). Here Rasa runs the ask actions in its own process:
the same call body (`RemoteAction._action_call_format`), the same rasa-sdk executor as
the action server, the reply through JSON and then Rasa's own checks, so what the
person sees is the same. Everything that reads or writes the portal stays on the action
server, which still serves the ask actions too.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.actions import action as rasa_action
from rasa.shared.core.domain import Domain
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection as SdkRejection

from actions.forms import ASK_ACTIONS

stock_action_for_name_or_text = rasa_action.action_for_name_or_text


class LocalEndpoint:
    """An action endpoint that runs the ask actions in this process."""

    def __init__(self, endpoint: EndpointConfig | None) -> None:
        self.kwargs = dict(endpoint.kwargs) if endpoint else {}  # selective domain etc.
        self.executor = ActionExecutor()
        for ask in ASK_ACTIONS:
            self.executor.register_action(ask)
        self.names = frozenset(self.executor.actions)  # looked up for every action run

    async def request(self, json: dict[str, Any] | None = None, **_: Any) -> dict | None:
        call = _over_the_wire(json or {})  # the action gets its own copy, as over HTTP
        try:
            return _over_the_wire(await self.executor.run(call))
        except SdkRejection as rejection:  # what the action server answers with a 400
            raise rasa_action.ActionExecutionRejection(
                rejection.action_name, rejection.message) from rejection
        except Exception as error:  # what Rasa raises when the action server fails
            raise RasaException(f"Failed to execute custom action "
                                f"'{call.get('next_action')}'") from error


def _over_the_wire(body: Any) -> Any:
    """As a body travels between Rasa and the action server: through JSON."""
    return None if body is None else json.loads(json.dumps(body))


# endpoint id -> (the endpoint, kept so that its id is not reused, its local twin)
_LOCAL: dict[int, tuple[EndpointConfig | None, LocalEndpoint]] = {}


def local_endpoint(endpoint: EndpointConfig | None) -> LocalEndpoint:
    key = id(endpoint)
    if key not in _LOCAL:
        _LOCAL[key] = (endpoint, LocalEndpoint(endpoint))
    return _LOCAL[key][1]


def action_for_name_or_text(action_name_or_text: str, domain: Domain,
                            action_endpoint: EndpointConfig | None) -> rasa_action.Action:
    found = stock_action_for_name_or_text(action_name_or_text, domain, action_endpoint)
    if isinstance(found, rasa_action.RemoteAction):
        local = local_endpoint(action_endpoint)
        if action_name_or_text in local.names:
            return rasa_action.RemoteAction(action_name_or_text, local)
    return found


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {"rasa.core.actions.action.action_for_name_or_text": action_for_name_or_text}
USES = ("rasa.core.actions.action.RemoteAction",
        "rasa.core.actions.action.ActionExecutionRejection")
