"""A flood of flags from one link (issue 21, item 1): every flag is kept, and the duty
inbox gets one alert a person, even when the messages arrive all at once."""

from __future__ import annotations

import asyncio

from bot.core.alert_routes import first
from tests.services.safeguarding.safeguarding_support import (
    DISCLOSURE,
    all_alerts,
    all_flags,
    flagged,
)

AT_ONCE = 12


async def test_flags_raised_all_at_once_share_one_alert(store, settings, family):
    """Twelve different disclosures from one person at the same moment (a flood of
    refused messages does not wait for the conversation's lock): twelve flags, and the
    alerts of one (one per channel: the webhook and the email)."""
    texts = [flagged(f"{DISCLOSURE} ({n})") for n in range(AT_ONCE)]
    await asyncio.gather(*(store.raise_flag(family.respondent_id, "hurting_now", text,
                                            first(settings, store.clock()))
                           for text in texts))
    flags = await all_flags(store)
    assert sorted(flag.text for flag in flags) == sorted(texts)
    heads = [flag for flag in flags if flag.collapsed_into is None]
    assert len(heads) == 1
    assert sorted(alert.channel for alert in await all_alerts(store)) == ["email", "webhook"]
