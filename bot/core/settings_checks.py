"""Settings that would leave a door open: checked once at start, so the portal refuses
to start rather than run unsafely (issue 21, item 10)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bot.config import Settings
from bot.core.alert_routes import OFFICE, OUT_OF_HOURS, chain

MIN_SECRET_CHARS = 32


class UnsafeSettings(ValueError):
    """A setting that would leave MapBot open, with what to do about it."""


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_problem(url: str) -> str | None:
    """Why a webhook URL is refused, or None: alerts must travel encrypted, except to a
    receiver on this machine."""
    parts = urlsplit(url)
    if not parts.hostname:
        return f"the webhook URL {url!r} has no host."
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname)):
        return None
    return (f"the webhook URL {url!r} must start with https:// (plain http:// only to "
            f"127.0.0.1 or localhost).")


def check(settings: Settings) -> None:
    secret = settings.internal_secret
    if secret and len(secret) < MIN_SECRET_CHARS:
        raise UnsafeSettings(f"MAPBOT_INTERNAL_SECRET must be at least {MIN_SECRET_CHARS} "
                             f"random characters (it has {len(secret)}).")
    hooks = {contact.address for period in (OFFICE, OUT_OF_HOURS)
             for step in chain(settings, period) for contact in step
             if contact.channel == "webhook"}
    for url in sorted(hooks):
        problem = webhook_problem(url)
        if problem:
            raise UnsafeSettings(f"Safeguarding alerts: {problem}")
    if hooks and not settings.alert_webhook_secret:
        raise UnsafeSettings("MAPBOT_ALERT_WEBHOOK_SECRET is empty, but a webhook is set: "
                             "alerts must be signed. Set a long random secret.")
