"""All settings in one place, read from the environment (and `.env` via python-dotenv).

Every service gets its settings from here: the portal directly, the Rasa server and
the action server through the environment that `bot.operations.stack` hands them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
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


def _env_days(name: str) -> int | None:
    """A number of days, or None when unset (the setting then follows another)."""
    value = _env(name, "")
    return int(value) if value else None


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


def proxies_count(value: object) -> int:
    """MAPBOT_PROXIES_COUNT: a whole number from 0 (the default; also empty)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError(f"MAPBOT_PROXIES_COUNT must be a whole number from 0, not {text!r}.")
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


SMTP_TLS_MODES = ("starttls", "tls", "off")


def smtp_tls_mode(value: object) -> str:
    """MAPBOT_SMTP_TLS: `starttls` (the default; also empty), `tls` (TLS from the first
    byte, usually port 465) or `off` (plain SMTP, only for a relay on this machine)."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return Settings.smtp_tls
    if text not in SMTP_TLS_MODES:
        raise ValueError(f"MAPBOT_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, "
                         f"not {value!r}.")
    return text


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
    # The portals' own Redis (may be the same server, another db number): the chat rate
    # limit, the sign-in limits and the per-conversation lock, shared by every portal
    # (bot/portal/shared_state.py); else in each portal's memory. Keys start with the prefix.
    portal_redis_url: str = field(default="", repr=False)
    portal_redis_prefix: str = "mapbot-portal"
    portal_internal_url: str = ""
    # Besides loopback, the networks (comma-separated, e.g. "10.1.0.0/16") whose
    # action servers may call the portal's internal endpoint (bot/portal/peers.py).
    internal_networks: str = ""
    # Rasa -> action server, and action server -> portal's internal endpoint.
    action_secret: str = field(default="", repr=False)
    internal_secret: str = field(default="", repr=False)
    # Portal -> Rasa's mapbot channel (bot/rasa_plugins/secure_rest.py).
    rasa_channel_secret: str = field(default="", repr=False)
    model_dir: str = str(ROOT / "models")
    invitation_days: int = 28
    login_hours: int = 8
    # Reverse proxies in front of the portal (Sanic's PROXIES_COUNT, REAL_IP_HEADER and
    # FORWARDED_SECRET): how many proxies add themselves to X-Forwarded-For, a header
    # the proxy sets to the client's address, or the secret in its `Forwarded` header.
    # All unset: the portal is reached directly, and forwarded headers are ignored
    # (a client could write them). Sign-in limits and HSTS use what these make trusted.
    proxies_count: int = 0
    real_ip_header: str = ""
    forwarded_secret: str = field(default="", repr=False)
    # The worker screens' browser sessions (bot/services/web_sessions.py).
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    max_message_chars: int = 4000
    # Who the privacy notices name (bot/portal/privacy.py): the council that runs
    # MapBot, how to reach it about people's data, and its data protection officer.
    council_name: str = ""
    council_contact: str = ""
    dpo_contact: str = ""
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
    # Certificates are always verified; "off" sends in plain text, for a local relay only.
    smtp_tls: str = "starttls"
    # A CA bundle (PEM) for the SMTP server's certificate; empty: the system's CAs.
    smtp_ca_file: str = ""
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
    # A case is purged this many days after its last activity, once every link is closed
    # (bot/services/retention.py), by the portal every `purge_every_hours` (0: only by
    # `mapbot purge --expired`).
    retention_days: int = 365
    # A round marked "filed in the case record" is purged this many days after filing; an
    # unfiled round this many days after its own last activity, once its links are closed.
    # Unset (None), each is `retention_days`: a council's one number keeps meaning what
    # it meant, and nothing is deleted sooner than it chose unless it sets these.
    retention_filed_days: int | None = None
    retention_unfiled_days: int | None = None
    purge_every_hours: float = 24.0
    alert_poll_seconds: float = 5.0
    # Sign-in with the council's OpenID Connect provider (bot/portal/oidc.py); off while
    # `oidc_issuer` is empty. `oidc_group_kinds`: "group=kind; group=kind"
    # (bot/core/council_groups.py). Such a worker's screens session lasts at most
    # `oidc_session_minutes`, then the provider is asked again.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_redirect_url: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_group_claim: str = "groups"
    oidc_group_kinds: str = ""
    oidc_session_minutes: int = 60
    # `mapbot run`: where its services' logs and its own (supervisor.log) go, and how it
    # restarts a service that exited or stopped answering (bot/operations/supervisor.py):
    # first after `restart_backoff_seconds`, each further pause twice as long up to
    # `restart_backoff_max_seconds`; a service restarted `restarts_per_minute` times in
    # a minute is left down (a restart would not help; someone has to look).
    log_dir: str = str(VAR_DIR / "logs")
    restart_backoff_seconds: float = 1.0
    restart_backoff_max_seconds: float = 30.0
    restarts_per_minute: int = 5
    # Answers in other languages (bot/core/answer_language.py): the languages (ISO 639-1,
    # comma-separated) whose reply "your social worker will arrange an interpreter" the
    # person also gets in their own language (texts in bot/core/interpreter_replies.yml).
    interpreter_languages: str = "pl,ro,ur,pa,pt,ar"
    # GOV.UK Notify (bot/services/notify.py): off while `notify_api_key` is empty. The
    # templates have a ((link)) (invitation) or ((name)) (both) placeholder.
    notify_api_key: str = field(default="", repr=False)
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_sms_invitation_template: str = ""
    notify_email_invitation_template: str = ""
    notify_sms_reminder_template: str = ""
    notify_email_reminder_template: str = ""
    # One reminder, this many days after a conversation started and was not sent (0: none).
    reminder_days: int = 3
    reminder_poll_seconds: float = 3600.0
    # The map for the case record (bot/portal/case_record.py, docs/word-template.md): the
    # council's Word template (a .docx with placeholders; empty: MapBot's plain one),
    # LibreOffice for the PDF/A made from it (empty: `soffice` found on PATH) and how long
    # one conversion may take, and the council's mapping-form fields for the copy blocks
    # (bot/portal/case_record_fields.yml when empty; checked at start).
    word_template: str = ""
    soffice: str = ""
    soffice_timeout_seconds: float = 60.0
    case_record_fields: str = ""

    @property
    def filed_days(self) -> int:
        return (self.retention_days if self.retention_filed_days is None
                else self.retention_filed_days)

    @property
    def unfiled_days(self) -> int:
        return (self.retention_days if self.retention_unfiled_days is None
                else self.retention_unfiled_days)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def oidc_callback_url(self) -> str:
        return self.oidc_redirect_url or f"{self.base_url}/login/oidc/callback"

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
    return _with_oidc(_settings())


def _settings() -> Settings:
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
        portal_redis_url=_env("MAPBOT_PORTAL_REDIS_URL", ""),
        portal_redis_prefix=_env("MAPBOT_PORTAL_REDIS_PREFIX", Settings.portal_redis_prefix),
        portal_internal_url=_env("MAPBOT_PORTAL_INTERNAL_URL", ""),
        internal_networks=_env("MAPBOT_INTERNAL_NETWORKS", ""),
        action_secret=_env("MAPBOT_ACTION_SECRET", ""),
        internal_secret=_env("MAPBOT_INTERNAL_SECRET", ""),
        rasa_channel_secret=_env("MAPBOT_RASA_CHANNEL_SECRET", ""),
        model_dir=_env("MAPBOT_MODEL_DIR", Settings.model_dir),
        invitation_days=_env_int("MAPBOT_INVITATION_DAYS", Settings.invitation_days),
        login_hours=_env_int("MAPBOT_LOGIN_HOURS", Settings.login_hours),
        proxies_count=proxies_count(os.environ.get("MAPBOT_PROXIES_COUNT")),
        real_ip_header=_env("MAPBOT_REAL_IP_HEADER", ""),
        forwarded_secret=_env("MAPBOT_FORWARDED_SECRET", ""),
        session_idle_minutes=_env_int("MAPBOT_SESSION_IDLE_MINUTES",
                                      Settings.session_idle_minutes),
        session_absolute_hours=_env_int("MAPBOT_SESSION_ABSOLUTE_HOURS",
                                        Settings.session_absolute_hours),
        # The contract promises at least 2,000 characters.
        max_message_chars=max(2000, _env_int("MAPBOT_MAX_MESSAGE_CHARS",
                                             Settings.max_message_chars)),
        quick_exit_url=_env("MAPBOT_QUICK_EXIT_URL", Settings.quick_exit_url),
        council_name=_env("MAPBOT_COUNCIL_NAME", ""),
        council_contact=_env("MAPBOT_COUNCIL_CONTACT", ""),
        dpo_contact=_env("MAPBOT_DPO_CONTACT", ""),
        alert_webhook_url=_env("MAPBOT_ALERT_WEBHOOK_URL", ""),
        alert_webhook_secret=_env("MAPBOT_ALERT_WEBHOOK_SECRET", ""),
        smtp_host=_env("MAPBOT_SMTP_HOST", ""),
        smtp_port=_env_int("MAPBOT_SMTP_PORT", Settings.smtp_port),
        smtp_user=_env("MAPBOT_SMTP_USER", ""),
        smtp_password=_env("MAPBOT_SMTP_PASSWORD", ""),
        smtp_from=_env("MAPBOT_SMTP_FROM", Settings.smtp_from),
        smtp_tls=smtp_tls_mode(os.environ.get("MAPBOT_SMTP_TLS")),
        smtp_ca_file=_env("MAPBOT_SMTP_CA_FILE", ""),
        alert_email_to=_env("MAPBOT_ALERT_EMAIL_TO", ""),
        duty_email_to=_env("MAPBOT_DUTY_EMAIL_TO", ""),
        retention_days=_env_int("MAPBOT_RETENTION_DAYS", Settings.retention_days),
        retention_filed_days=_env_days("MAPBOT_RETENTION_FILED_DAYS"),
        retention_unfiled_days=_env_days("MAPBOT_RETENTION_UNFILED_DAYS"),
        purge_every_hours=float(_env("MAPBOT_PURGE_EVERY_HOURS",
                                     str(Settings.purge_every_hours))),
        escalate_after_minutes=_env_int("MAPBOT_ESCALATE_AFTER_MINUTES",
                                        Settings.escalate_after_minutes),
        office_hours=_env("MAPBOT_OFFICE_HOURS", Settings.office_hours),
        timezone=_env("MAPBOT_TIMEZONE", Settings.timezone),
        office_hours_contacts=_env("MAPBOT_OFFICE_HOURS_CONTACTS", ""),
        out_of_hours_contacts=_env("MAPBOT_OUT_OF_HOURS_CONTACTS", ""),
        alert_poll_seconds=float(_env("MAPBOT_ALERT_POLL_SECONDS",
                                      str(Settings.alert_poll_seconds))),
        log_dir=_env("MAPBOT_LOG_DIR", Settings.log_dir),
        restart_backoff_seconds=float(_env("MAPBOT_RESTART_BACKOFF_SECONDS",
                                           str(Settings.restart_backoff_seconds))),
        restart_backoff_max_seconds=float(_env("MAPBOT_RESTART_BACKOFF_MAX_SECONDS",
                                               str(Settings.restart_backoff_max_seconds))),
        restarts_per_minute=_env_int("MAPBOT_RESTARTS_PER_MINUTE",
                                     Settings.restarts_per_minute),
        interpreter_languages=_env("MAPBOT_INTERPRETER_LANGUAGES",
                                   Settings.interpreter_languages),
        notify_api_key=_env("MAPBOT_NOTIFY_API_KEY", ""),
        notify_base_url=_env("MAPBOT_NOTIFY_BASE_URL", Settings.notify_base_url),
        notify_sms_invitation_template=_env("MAPBOT_NOTIFY_SMS_INVITATION_TEMPLATE", ""),
        notify_email_invitation_template=_env("MAPBOT_NOTIFY_EMAIL_INVITATION_TEMPLATE", ""),
        notify_sms_reminder_template=_env("MAPBOT_NOTIFY_SMS_REMINDER_TEMPLATE", ""),
        notify_email_reminder_template=_env("MAPBOT_NOTIFY_EMAIL_REMINDER_TEMPLATE", ""),
        reminder_days=_env_int("MAPBOT_REMINDER_DAYS", Settings.reminder_days),
        reminder_poll_seconds=float(_env("MAPBOT_REMINDER_POLL_SECONDS",
                                         str(Settings.reminder_poll_seconds))),
        word_template=_env("MAPBOT_WORD_TEMPLATE", ""),
        soffice=_env("MAPBOT_SOFFICE", ""),
        soffice_timeout_seconds=float(_env("MAPBOT_SOFFICE_TIMEOUT_SECONDS",
                                           str(Settings.soffice_timeout_seconds))),
        case_record_fields=_env("MAPBOT_CASE_RECORD_FIELDS", ""),
    )


def _with_oidc(settings: Settings) -> Settings:
    """MAPBOT_OIDC_*: checked now, so a mistake stops the start rather than a sign-in."""
    from bot.core.council_groups import parse_group_kinds

    settings = replace(
        settings,
        oidc_issuer=_env("MAPBOT_OIDC_ISSUER", "").rstrip("/"),
        oidc_client_id=_env("MAPBOT_OIDC_CLIENT_ID", ""),
        oidc_client_secret=_env("MAPBOT_OIDC_CLIENT_SECRET", ""),
        oidc_redirect_url=_env("MAPBOT_OIDC_REDIRECT_URL", ""),
        oidc_scopes=_env("MAPBOT_OIDC_SCOPES", Settings.oidc_scopes),
        oidc_group_claim=_env("MAPBOT_OIDC_GROUP_CLAIM", Settings.oidc_group_claim),
        oidc_group_kinds=_env("MAPBOT_OIDC_GROUP_KINDS", ""),
        oidc_session_minutes=_env_int("MAPBOT_OIDC_SESSION_MINUTES",
                                      Settings.oidc_session_minutes))
    if settings.oidc_enabled:
        missing = [f"MAPBOT_OIDC_{name.upper()}" for name in ("client_id", "client_secret",
                                                               "group_kinds")
                   if not getattr(settings, f"oidc_{name}")]
        if missing:
            raise ValueError(f"MAPBOT_OIDC_ISSUER is set, so {', '.join(missing)} "
                             "must be set too.")
        parse_group_kinds(settings.oidc_group_kinds)
    return settings
