"""Safeguarding alerts: a signed webhook and an email, retried until delivered.

Alerts sit in an outbox table, written in the same moment as the flag, so none is lost
when a receiver is down or the portal restarts. A loop in the portal delivers what is
due, backs off after failures, and escalates flags nobody acknowledged in time.
No alert carries what the person wrote: only the case reference, the time and a link.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import time
from email.message import EmailMessage

import httpx

from bot.config import Settings
from bot.store import AlertJob, Store

log = logging.getLogger("mapbot.alerts")
MAX_BACKOFF_SECONDS = 600


def channels(settings: Settings, event: str) -> list[str]:
    """The channels that are configured for this kind of alert."""
    found = ["webhook"] if settings.alert_webhook_url else []
    to = settings.duty_email_to if event == "escalated" else settings.alert_email_to
    if settings.smtp_host and to:
        found.append("email")
    return found


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def payload(job: AlertJob, base_url: str) -> dict:
    return {"event": f"safeguarding_flag.{job.event}", "flag_id": job.flag_id,
            "case_id": job.case_id, "case_reference": job.case_reference,
            "respondent_role": job.respondent_role, "category": job.category,
            "created_at": job.created_at, "map_url": f"{base_url}/api/v1/cases/{job.case_id}/map"}


def email(job: AlertJob, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    urgent = "NOT YET ACKNOWLEDGED: " if job.event == "escalated" else ""
    reference = " ".join(job.case_reference.split())  # a header must be one line
    message["Subject"] = f"{urgent}MapBot safeguarding flag, case {reference}"
    message["From"] = settings.smtp_from
    message["To"] = settings.duty_email_to if job.event == "escalated" else settings.alert_email_to
    message.set_content(
        f"A message in MapBot may be a safeguarding disclosure.\n\n"
        f"Case reference: {job.case_reference}\nWho wrote it: the {job.respondent_role}\n"
        f"When: {job.created_at}\n\nPlease sign in to MapBot, read the message and "
        f"acknowledge the flag:\n{settings.base_url}/api/v1/cases/{job.case_id}/map\n\n"
        f"This email does not contain what was written.\n")
    return message


class AlertSender:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.http = httpx.AsyncClient(timeout=10)

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
        await self.store.escalate_overdue(self.settings.escalate_after_minutes,
                                          channels(self.settings, "escalated"))
        for job in await self.store.due_alerts():
            if not await self.store.claim_alert(job.alert_id):
                continue  # another portal is sending it
            try:
                await self.deliver(job)
            except Exception as error:  # noqa: BLE001 - any failure is retried later
                delay = min(MAX_BACKOFF_SECONDS, 5 * 2 ** job.attempts)
                await self.store.alert_failed(job.alert_id, str(error)[:500], delay)
                log.warning("alert %s via %s failed (%s); retry in %ss", job.alert_id,
                            job.channel, error, delay)
            else:
                await self.store.alert_delivered(job.alert_id)

    async def deliver(self, job: AlertJob) -> None:
        if job.channel == "webhook":
            body = json.dumps(payload(job, self.settings.base_url)).encode()
            headers = {"Content-Type": "application/json", "X-MapBot-Signature": sign(
                self.settings.alert_webhook_secret, int(time.time()), body)}
            response = await self.http.post(self.settings.alert_webhook_url, content=body,
                                            headers=headers)
            response.raise_for_status()
        else:
            await asyncio.to_thread(self._send_email, email(job, self.settings))

    def _send_email(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            if self.settings.smtp_user:
                smtp.starttls()
                smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            smtp.send_message(message)
