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
    for name in ("action_secret", "internal_secret", "rasa_channel_secret"):
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


# Each service's environment (issue 21, items 4 and 10) ------------------------------------

def _secrets(settings) -> dict[str, str]:
    return {name: getattr(settings, name) for name in (
        "action_secret", "internal_secret", "rasa_channel_secret")}


def test_no_secret_is_on_any_command_line_and_rasas_api_is_off(tmp_path) -> None:
    stack = Stack(local_settings("sqlite:///a.db", "sqlite:///t.db"), tmp_path, instances=2)
    commands = stack.commands()
    assert set(commands) == {"portal", "rasa", "actions", "rasa-2", "actions-2"}
    for command in commands.values():
        for secret in _secrets(stack.settings).values():
            assert not any(secret in part for part in command)
    for name in ("rasa", "rasa-2"):
        assert not {"--enable-api", "--auth-token"} & set(commands[name])
        assert not any(part.startswith("--jwt") for part in commands[name])


def test_each_service_gets_only_its_own_secrets(tmp_path, monkeypatch) -> None:
    # A portal setting the stack does not know, as `.env` put it into `mapbot run`'s own
    # environment.
    monkeypatch.setenv("MAPBOT_SOME_PORTAL_TOKEN", "portal-token-from-dotenv")
    settings = local_settings("postgresql://mapbot:portal-db-password@db/mapbot",
                              "postgresql://rasa:tracker-db-password@db/trackers",
                              smtp_password="smtp-password", alert_webhook_secret="webhook-secret")
    stack = Stack(settings, tmp_path)
    s = _secrets(stack.settings)
    own = {"portal": {"internal_secret", "rasa_channel_secret"},
           "rasa": {"rasa_channel_secret", "action_secret"},
           "actions": {"action_secret", "internal_secret"}}
    for name, mine in own.items():
        text = "\n".join(stack.env(name).values())
        for secret in s:
            assert (s[secret] in text) == (secret in mine), (name, secret)
    for name in ("rasa", "actions"):
        text = "\n".join(stack.env(name).values())
        for word in ("portal-db-password", "smtp-password", "webhook-secret",
                     "portal-token-from-dotenv"):
            assert word not in text, (name, word)
    assert "tracker-db-password" in stack.env("rasa")["MAPBOT_TRACKER_URL"]
    assert "tracker-db-password" not in "\n".join(stack.env("actions").values())
    # The portal purges Rasa's copy of the conversations it purges (retention).
    assert "tracker-db-password" in stack.env("portal")["MAPBOT_TRACKER_DATABASE_URL"]
    assert "MAPBOT_RASA_URL" not in stack.env("actions")  # it never calls Rasa
    portal = stack.env("portal")
    assert portal["MAPBOT_SMTP_PASSWORD"] == "smtp-password"
    assert portal["MAPBOT_SOME_PORTAL_TOKEN"] == "portal-token-from-dotenv"
    assert "portal-db-password" in portal["MAPBOT_DATABASE_URL"]


def test_the_portal_cannot_take_other_secrets_from_dotenv(tmp_path, monkeypatch) -> None:
    """The portal reads `.env` itself; what it was not given must stay out all the same."""
    import os

    import bot.config

    settings = local_settings("sqlite:///a.db", "sqlite:///t.db")
    environment = Stack(settings, tmp_path).env("portal")
    (tmp_path / ".env").write_text("MAPBOT_ACTION_SECRET=from-dotenv-action\n"
                                   "MAPBOT_REDIS_URL=redis://from-dotenv:6379/0\n"
                                   "MAPBOT_INVITATION_DAYS=9\n")
    monkeypatch.setattr(bot.config, "ROOT", tmp_path)
    monkeypatch.setattr(os, "environ", dict(environment))
    portal = bot.config.load_settings()
    assert (portal.action_secret, portal.redis_url) == ("", "")
    assert portal.tracker_database_url == settings.tracker_database_url
    assert portal.invitation_days == 9  # its own settings still come from .env
    assert portal.internal_secret == settings.internal_secret


def test_the_portals_redis_goes_to_the_portal_and_rasas_to_rasa(tmp_path, monkeypatch) -> None:
    import os

    import bot.config

    settings = local_settings("sqlite:///a.db", "sqlite:///t.db",
                              redis_url="redis://:rasa-lock-password@locks:6379/0",
                              portal_redis_url="redis://:portal-password@shared:6379/1",
                              portal_redis_prefix="county-a")
    stack = Stack(settings, tmp_path)
    for name in ("rasa", "actions"):
        assert "portal-password" not in "\n".join(stack.env(name).values()), name
    assert "rasa-lock-password" not in "\n".join(stack.env("portal").values())
    monkeypatch.setattr(bot.config, "ROOT", tmp_path)  # no .env
    monkeypatch.setattr(os, "environ", dict(stack.env("portal")))
    portal = bot.config.load_settings()
    assert portal.portal_redis_url == "redis://:portal-password@shared:6379/1"
    assert (portal.portal_redis_prefix, portal.redis_url) == ("county-a", "")
