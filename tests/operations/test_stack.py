"""bot/operations/stack.py: what the end-to-end tests and the benchmark start from (the
services themselves are started by tests/e2e)."""

from __future__ import annotations

from bot.operations.stack import Stack, endpoints_yaml, local_settings, rasa_instances


def test_local_settings_take_three_free_ports_and_random_secrets(tmp_path) -> None:
    first = local_settings("sqlite:///a.db", "sqlite:///t.db", alert_poll_seconds=0.5)
    second = local_settings("sqlite:///a.db", "sqlite:///t.db")
    ports = {first.port, first.action_port, int(first.rasa_url.rsplit(":", 1)[1])}
    assert len(ports) == 3
    assert first.rasa_url.startswith("http://127.0.0.1:")
    assert first.alert_poll_seconds == 0.5
    assert (first.database_url, first.tracker_database_url) == ("sqlite:///a.db",
                                                                "sqlite:///t.db")
    for name in ("action_secret", "internal_secret", "rasa_jwt_secret",
                 "rasa_channel_secret"):
        assert len(getattr(first, name)) >= 32
        assert getattr(first, name) != getattr(second, name)


def test_one_rasa_server_gets_its_own_action_server_and_in_memory_locks(tmp_path) -> None:
    settings = local_settings("sqlite:///a.db", "sqlite:///t.db")
    [instance] = rasa_instances(settings)
    text = endpoints_yaml(settings, instance)
    assert f"url: http://127.0.0.1:{settings.action_port}/webhook" in text
    assert "type: in_memory" in text and "${MAPBOT_ACTION_SECRET}" in text
    assert settings.action_secret not in text  # secrets stay in the environment
    stack = Stack(settings, tmp_path)
    assert stack.names() == ["actions", "rasa", "portal"]
    assert stack.ports()["portal"] == settings.port
