"""Invitations and reminders by text message or email, through GOV.UK Notify.

Off while MAPBOT_NOTIFY_API_KEY is empty. Only where the worker recorded that it is
safe to contact the person there (bot/core/contact_rules.py). The invitation carries
the person's link, sent once when the invitation is made (the link itself is never
stored: only its hash). The reminder does not carry the link, for the same reason: it
asks them to use the link they were sent; one reminder a person, ever.
"""

from __future__ import annotations

import asyncio
import logging

from bot.config import Settings
from bot.core.contact_rules import SMS, destinations
from bot.services.reach import Reachable
from bot.services.store import Store

log = logging.getLogger("mapbot.notify")


class Notify:
    """The Notify client (blocking: called in a thread), with the council's templates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = None
        if settings.notify_api_key:
            from notifications_python_client.notifications import NotificationsAPIClient

            self.client = NotificationsAPIClient(settings.notify_api_key,
                                                 base_url=settings.notify_base_url)

    async def send(self, person: Reachable, kind: str, link: str | None = None) -> bool:
        """Send `kind` ("invitation" or "reminder") everywhere it may go; True if any went."""
        if self.client is None:
            return False
        sent = False
        for channel, address in destinations(person.contact, person.others):
            template = getattr(self.settings, f"notify_{channel}_{kind}_template")
            values = {"name": person.name} | ({"link": link} if link else {})
            try:
                await asyncio.to_thread(self._send, channel, address, template, values,
                                        f"{kind}-{person.id}")
                sent = True
            except Exception as problem:  # noqa: BLE001 - one failure stops nothing else
                # Never the address or the link in the log: only whose, and what failed.
                log.warning("Notify did not take the %s %s for respondent %s: %s",
                            channel, kind, person.id, type(problem).__name__)
        return sent

    def _send(self, channel: str, address: str, template: str, values: dict,
              reference: str) -> None:
        assert self.client is not None
        if channel == SMS:
            self.client.send_sms_notification(phone_number=address, template_id=template,
                                              personalisation=values, reference=reference)
        else:
            self.client.send_email_notification(email_address=address, template_id=template,
                                                personalisation=values, reference=reference)


async def send_invitation(store: Store, notify: Notify, respondent_id: str, link: str) -> None:
    person = await store.reachable(respondent_id)
    if await notify.send(person, "invitation", link):
        await store.mark_invitation_sent(respondent_id)


async def send_reminders(store: Store, notify: Notify) -> int:
    """One pass: every person now due their one reminder gets it. How many were due."""
    if notify.client is None or notify.settings.reminder_days <= 0:
        return 0
    due = await store.claim_reminders(notify.settings.reminder_days)
    for person in due:
        await notify.send(person, "reminder")
    return len(due)


async def remind_forever(store: Store, notify: Notify) -> None:
    """The portal's schedule: a pass every `reminder_poll_seconds`."""
    while True:
        try:
            await send_reminders(store, notify)
        except asyncio.CancelledError:
            return
        except Exception:  # noqa: BLE001 - the schedule must outlive any one failure
            log.exception("sending reminders failed; trying again later")
        await asyncio.sleep(notify.settings.reminder_poll_seconds)
