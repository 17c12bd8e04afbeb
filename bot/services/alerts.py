"""Safeguarding alerts: a signed webhook and an email, retried until delivered.

Alerts sit in an outbox table, written in the same moment as the flag, so none is lost
when a receiver is down or the portal restarts. A loop in the portal delivers what is
due, backs off after failures, and escalates flags nobody acknowledged in time.
No alert carries what the person wrote: only the case reference, the time and a link.
Who is alerted depends on the clock (bot/core/alert_routes.py): office hours and out of hours
have their own contacts, tried in order while nobody acknowledges the flag.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

import httpx

from bot.config import Settings
from bot.core.alert_routes import next_route
from bot.services.store import AlertJob, Store

log = logging.getLogger("mapbot.alerts")
MAX_BACKOFF_SECONDS = 600
Clock = Callable[[], datetime]  # an aware UTC datetime; tests pass their own


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def flag_url(base_url: str, flag_id: str) -> str:
    """The page for a person: it asks them to sign in, then opens the case's board at
    the flag (bot/portal/web.py, `/flags/<id>`)."""
    return f"{base_url}/flags/{flag_id}"


def payload(job: AlertJob, base_url: str) -> dict:
    return {"event": f"safeguarding_flag.{job.event}", "flag_id": job.flag_id,
            "case_id": job.case_id, "case_reference": job.case_reference,
            "respondent_role": job.respondent_role, "category": job.category,
            "created_at": job.created_at, "url": flag_url(base_url, job.flag_id),
            "map_url": f"{base_url}/api/v1/cases/{job.case_id}/map"}


def email(job: AlertJob, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    urgent = "NOT YET ACKNOWLEDGED: " if job.event == "escalated" else ""
    reference = " ".join(job.case_reference.split())  # a header must be one line
    message["Subject"] = f"{urgent}MapBot safeguarding flag, case {reference}"
    message["From"] = settings.smtp_from
    message["To"] = job.address
    message.set_content(
        f"A message in MapBot may be a safeguarding disclosure.\n\n"
        f"Case reference: {job.case_reference}\nWho wrote it: the {job.respondent_role}\n"
        f"When: {job.created_at}\n\nPlease sign in to MapBot, read the message and "
        f"acknowledge the flag:\n{flag_url(settings.base_url, job.flag_id)}\n\n"
        f"If the same person writes more while this flag is open, it is on the same page "
        f"and no other email is sent.\n"
        f"This email does not contain what was written.\n")
    return message


class AlertSender:
    def __init__(self, settings: Settings, store: Store, clock: Clock | None = None) -> None:
        self.settings, self.store, self._clock = settings, store, clock
        self.http = httpx.AsyncClient(timeout=10)

    def clock(self) -> datetime:
        """The store's clock unless this sender was given its own."""
        return (self._clock or self.store.clock)()

    async def close(self) -> None:
        await self.http.aclose()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                log.exception("alert loop failed; trying again")
            await asyncio.sleep(self.settings.alert_poll_seconds)

    async def tick(self) -> None:
        """Escalate overdue flags, then deliver every alert that is due."""
        await self.escalate()
        now = self.clock()
        for job in await self.store.due_alerts(now):
            if not await self.store.claim_alert(job.alert_id, now=now):
                continue  # another portal is sending it
            try:
                await self.deliver(job)
            except Exception as error:  # noqa: BLE001 - any failure is retried later
                delay = min(MAX_BACKOFF_SECONDS, 5 * 2 ** job.attempts)
                await self.store.alert_failed(job.alert_id, str(error)[:500], delay,
                                              now=self.clock())
                log.warning("alert %s via %s failed (%s); retry in %ss", job.alert_id,
                            job.channel, error, delay)
            else:
                await self.store.alert_delivered(job.alert_id, now=self.clock())

    async def escalate(self) -> int:
        """Each open flag nobody acknowledged in time goes to its next contact (in the
        period it is now); a flag at the end of its chain waits for a person."""
        now = self.clock()
        moved = 0
        for head in await self.store.overdue_heads(self.settings.escalate_after_minutes, now):
            route = next_route(self.settings, head.period, head.step, now)
            moved += await self.store.advance(head, route, now)
        return moved

    async def deliver(self, job: AlertJob) -> None:
        if job.channel == "webhook":
            body = json.dumps(payload(job, self.settings.base_url)).encode()
            headers = {"Content-Type": "application/json", "X-MapBot-Signature": sign(
                self.settings.alert_webhook_secret, int(time.time()), body)}
            response = await self.http.post(job.address, content=body, headers=headers)
            response.raise_for_status()
        else:
            await asyncio.to_thread(self._send_email, email(job, self.settings))

    def _send_email(self, message: EmailMessage) -> None:
        settings = self.settings
        if settings.smtp_tls == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=10,
                context=smtp_tls_context(settings))
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10)
        with smtp:
            if settings.smtp_tls == "starttls":
                # Raises when the server offers no STARTTLS: never fall back to plain text.
                smtp.starttls(context=smtp_tls_context(settings))
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)


def smtp_tls_context(settings: Settings) -> ssl.SSLContext:
    """Verifies the server's certificate and name, against `smtp_ca_file` when it is set
    (a council's own CA), else the system's CAs."""
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


def check_email_settings(settings: Settings) -> None:
    """At start: a password is never sent over plain SMTP."""
    if settings.smtp_host and settings.smtp_user and settings.smtp_tls == "off":
        raise ValueError("MAPBOT_SMTP_USER is set but MAPBOT_SMTP_TLS is off: the SMTP "
                         "password would be sent in plain text. Use starttls or tls.")
