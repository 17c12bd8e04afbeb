"""All settings in one place, read from the environment (and `.env` via python-dotenv).

Every service gets its settings from here: the portal directly, the Rasa server and
the action server through the environment that `bot.operations.stack` hands them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
# Kept HTTP connections between the services close after this long idle: well before
# the servers' own keep-alive timeout (Sanic 21.12's 5 s for Rasa and the action server),
# so a request never goes out on a connection the server is closing just then.
HTTP_KEEPALIVE_SECONDS = 2.0


def load_dotenv_file() -> None:
    """Read `.env` from the repository root without overriding real environment values."""
    try:
        from dotenv import load_dotenv
    except ImportError:  # the Rasa environment does not need python-dotenv
        return
    load_dotenv(ROOT / ".env", override=False)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def turns_at_once(value: object) -> int:
    """MAPBOT_RASA_TURNS_AT_ONCE (the portal's settings, and the Rasa channel's credential
    that `bot.operations.stack` fills from them): a whole number from 1; empty means the default."""
    text = "" if value is None else str(value).strip()
    if not text:
        return Settings.rasa_turns_at_once
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"MAPBOT_RASA_TURNS_AT_ONCE must be a whole number from 1, "
                         f"not {text!r}.")
    return int(text)


def rasa_patches_on(value: object) -> bool:
    """MAPBOT_RASA_PATCHES: `on` (the default; also empty) installs MapBot's replacements of
    Rasa internals when Rasa starts (bot/rasa_patches), `off` runs stock Rasa with MapBot's
    channel and tracker store only. Read in the Rasa server too (stdlib only here)."""
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "on"):
        return True
    if text == "off":
        return False
    raise ValueError(f"MAPBOT_RASA_PATCHES must be 'on' or 'off', not {value!r}.")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    database_url: str = f"sqlite:///{VAR_DIR / 'mapbot.db'}"
    tracker_database_url: str = f"sqlite:///{VAR_DIR / 'rasa-trackers.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    # Several Rasa servers (comma-separated), each with its own action server; empty:
    # just `rasa_url`. The portal routes each conversation to one of them
    # (bot/portal/rasa_client.py).
    rasa_urls: str = ""
    action_port: int = 5055
    # Rasa's lock store: Redis when set (redis://[:password@]host:port/db), else in memory.
    redis_url: str = field(default="", repr=False)
    portal_internal_url: str = ""
    # Rasa -> action server, and action server -> portal's internal endpoint.
    action_secret: str = field(default="", repr=False)
    internal_secret: str = field(default="", repr=False)
    # Signs the tokens the action server uses for Rasa's (otherwise closed) HTTP API.
    rasa_jwt_secret: str = field(default="", repr=False)
    # Portal -> Rasa's mapbot channel (bot/rasa_plugins/secure_rest.py).
    rasa_channel_secret: str = field(default="", repr=False)
    model_dir: str = str(ROOT / "models")
    invitation_days: int = 28
    login_hours: int = 8
    # The worker screens' browser sessions (bot/services/web_sessions.py).
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    max_message_chars: int = 4000
    # Where "Leave this page quickly" on the family chat goes: a neutral site.
    quick_exit_url: str = "https://www.bbc.co.uk/weather"
    rasa_timeout_seconds: float = 30.0
    # Turns each Rasa server runs at once; the others wait their turn, in the order
    # they came (bot/rasa_plugins/secure_rest.py). Enough that Rasa has other turns to work
    # on while some wait for their action server; few enough that a turn, once started,
    # is not slowed by many others (2, 4 and 8 measured: bench/FINDINGS.md, 28).
    rasa_turns_at_once: int = 8
    # MapBot's replacements of Rasa internals (bot/rasa_patches); False: stock Rasa.
    rasa_patches: bool = True
    # Safeguarding alerts (see bot/services/alerts.py); a channel with no address is off.
    alert_webhook_url: str = ""
    alert_webhook_secret: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "mapbot@localhost"
    alert_email_to: str = ""
    duty_email_to: str = ""
    escalate_after_minutes: int = 30
    # Who is alerted, by the clock (bot/core/alert_routes.py). Office hours, e.g.
    # "Mon-Fri 09:00-17:00", in `timezone`; everything else is out of hours.
    office_hours: str = "Mon-Fri 09:00-17:00"
    timezone: str = "Europe/London"
    # Each period's contacts in the order they are tried: steps separated by ";", the
    # contacts of one step (email addresses and webhook URLs) by ",". A flag nobody
    # acknowledged within `escalate_after_minutes` goes to the next step. Empty: the
    # period uses the alert addresses above (webhook and alert_email_to, then the
    # webhook again and duty_email_to).
    office_hours_contacts: str = ""
    out_of_hours_contacts: str = ""
    retention_days: int = 365  # after everyone sent their answers; `mapbot purge --expired`
    alert_poll_seconds: float = 5.0

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def internal_url(self) -> str:
        return (self.portal_internal_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def rasa_servers(self) -> list[str]:
        """Every Rasa server the portal may use, in the order given (the first is
        `rasa_url` when only one is set)."""
        urls = [url.strip().rstrip("/") for url in self.rasa_urls.split(",") if url.strip()]
        return urls or [self.rasa_url.rstrip("/")]

    @property
    def rasa_port(self) -> int:
        return urlsplit(self.rasa_servers[0]).port or 5005

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"


def load_settings() -> Settings:
    load_dotenv_file()
    return Settings(
        host=_env("MAPBOT_HOST", Settings.host),
        port=_env_int("MAPBOT_PORT", Settings.port),
        public_url=_env("MAPBOT_PUBLIC_URL", ""),
        database_url=_env("MAPBOT_DATABASE_URL", Settings.database_url),
        tracker_database_url=_env("MAPBOT_TRACKER_DATABASE_URL", Settings.tracker_database_url),
        rasa_url=_env("MAPBOT_RASA_URL", Settings.rasa_url),
        rasa_urls=_env("MAPBOT_RASA_URLS", ""),
        rasa_turns_at_once=turns_at_once(os.environ.get("MAPBOT_RASA_TURNS_AT_ONCE")),
        rasa_patches=rasa_patches_on(os.environ.get("MAPBOT_RASA_PATCHES")),
        action_port=_env_int("MAPBOT_ACTION_PORT", Settings.action_port),
        redis_url=_env("MAPBOT_REDIS_URL", ""),
        portal_internal_url=_env("MAPBOT_PORTAL_INTERNAL_URL", ""),
        action_secret=_env("MAPBOT_ACTION_SECRET", ""),
        internal_secret=_env("MAPBOT_INTERNAL_SECRET", ""),
        rasa_jwt_secret=_env("MAPBOT_RASA_JWT_SECRET", ""),
        rasa_channel_secret=_env("MAPBOT_RASA_CHANNEL_SECRET", ""),
        model_dir=_env("MAPBOT_MODEL_DIR", Settings.model_dir),
        invitation_days=_env_int("MAPBOT_INVITATION_DAYS", Settings.invitation_days),
        login_hours=_env_int("MAPBOT_LOGIN_HOURS", Settings.login_hours),
        session_idle_minutes=_env_int("MAPBOT_SESSION_IDLE_MINUTES",
                                      Settings.session_idle_minutes),
        session_absolute_hours=_env_int("MAPBOT_SESSION_ABSOLUTE_HOURS",
                                        Settings.session_absolute_hours),
        # The contract promises at least 2,000 characters.
        max_message_chars=max(2000, _env_int("MAPBOT_MAX_MESSAGE_CHARS",
                                             Settings.max_message_chars)),
        quick_exit_url=_env("MAPBOT_QUICK_EXIT_URL", Settings.quick_exit_url),
        alert_webhook_url=_env("MAPBOT_ALERT_WEBHOOK_URL", ""),
        alert_webhook_secret=_env("MAPBOT_ALERT_WEBHOOK_SECRET", ""),
        smtp_host=_env("MAPBOT_SMTP_HOST", ""),
        smtp_port=_env_int("MAPBOT_SMTP_PORT", Settings.smtp_port),
        smtp_user=_env("MAPBOT_SMTP_USER", ""),
        smtp_password=_env("MAPBOT_SMTP_PASSWORD", ""),
        smtp_from=_env("MAPBOT_SMTP_FROM", Settings.smtp_from),
        alert_email_to=_env("MAPBOT_ALERT_EMAIL_TO", ""),
        duty_email_to=_env("MAPBOT_DUTY_EMAIL_TO", ""),
        retention_days=_env_int("MAPBOT_RETENTION_DAYS", Settings.retention_days),
        escalate_after_minutes=_env_int("MAPBOT_ESCALATE_AFTER_MINUTES",
                                        Settings.escalate_after_minutes),
        office_hours=_env("MAPBOT_OFFICE_HOURS", Settings.office_hours),
        timezone=_env("MAPBOT_TIMEZONE", Settings.timezone),
        office_hours_contacts=_env("MAPBOT_OFFICE_HOURS_CONTACTS", ""),
        out_of_hours_contacts=_env("MAPBOT_OUT_OF_HOURS_CONTACTS", ""),
        alert_poll_seconds=float(_env("MAPBOT_ALERT_POLL_SECONDS",
                                      str(Settings.alert_poll_seconds))),
    )
