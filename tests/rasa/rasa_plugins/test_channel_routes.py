"""The mapbot channel (bot/rasa_plugins/secure_rest.py) serves the portal's routes and
nothing else: the action server sorts answers itself, so no route reads a text with the
NLU for anyone (`/webhooks/mapbot/parse` is gone: 404)."""

from __future__ import annotations

from bot.rasa_plugins.secure_rest import SecureRestInput
from tests.rasa.rasa_plugins.test_channel_turns import SECRET


def test_the_channel_has_only_the_portals_routes() -> None:
    blueprint = SecureRestInput(SECRET).blueprint(on_new_message=None)
    routes = {(route.uri, method) for route in blueprint._future_routes
              for method in route.methods}
    assert routes == {("/", "GET"), ("/webhook", "POST")}
