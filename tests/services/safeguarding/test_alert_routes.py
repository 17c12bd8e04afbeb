"""Alerts by the clock: office hours and out of hours each have their own contacts, a
flag nobody acknowledges goes to the next one, and one person's flags share one alert
while it is open. The clock is the test's own (`store.clock`); the receivers are the
real local webhook and SMTP servers of conftest.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.alert_routes import (
    OFFICE,
    OUT_OF_HOURS,
    Contact,
    RouteError,
    check,
    first,
    parse_chain,
    period_at,
)
from bot.portal.app import create_app
from bot.services.alerts import AlertSender
from tests.database_fixtures import fast_test_app
from tests.services.safeguarding.safeguarding_support import (
    DISCLOSURE,
    all_alerts,
    all_flags,
    flagged,
    new_family,
)

TEAM = "children-team@example.org"
TEAM_LEAD = "team-lead@example.org"
EDT = "emergency-duty@example.org"
EDT_MANAGER = "edt-manager@example.org"
# Monday 7 December 2026 (GMT: London time is UTC).
MONDAY = datetime(2026, 12, 7, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def routed(settings, webhook):
    return replace(settings, office_hours="Mon-Fri 09:00-17:00", timezone="Europe/London",
                   escalate_after_minutes=30,
                   office_hours_contacts=f"{TEAM}; {TEAM_LEAD}",
                   out_of_hours_contacts=f"{EDT}, {webhook.url}; {EDT_MANAGER}")



async def raise_at(store, routed, family, clock: Clock, text: str = DISCLOSURE) -> dict:
    store.clock = clock
    return await store.raise_flag(family.respondent_id, "hurting_now", flagged(text),
                                  first(routed, clock()))


async def tick(routed, store) -> None:
    sender = AlertSender(routed, store)
    try:
        await sender.tick()
    finally:
        await sender.close()


def sent(store_alerts) -> list[tuple[str, str, int, str]]:
    return sorted((a.address, a.event, a.step, a.period) for a in store_alerts)


# Office hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize("moment, expected", [
    (datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc), OFFICE),  # Monday 09:00 GMT
    (datetime(2026, 12, 7, 8, 59, tzinfo=timezone.utc), OUT_OF_HOURS),
    (datetime(2026, 12, 7, 16, 59, tzinfo=timezone.utc), OFFICE),
    (datetime(2026, 12, 7, 17, 0, tzinfo=timezone.utc), OUT_OF_HOURS),
    (datetime(2026, 12, 11, 12, 0, tzinfo=timezone.utc), OFFICE),  # Friday
    (datetime(2026, 12, 12, 12, 0, tzinfo=timezone.utc), OUT_OF_HOURS),  # Saturday
    (datetime(2026, 12, 13, 12, 0, tzinfo=timezone.utc), OUT_OF_HOURS),  # Sunday
    # Summer time: 08:30 UTC is 09:30 in London, 16:30 UTC is 17:30.
    (datetime(2026, 7, 6, 8, 30, tzinfo=timezone.utc), OFFICE),
    (datetime(2026, 7, 6, 16, 30, tzinfo=timezone.utc), OUT_OF_HOURS),
])
def test_office_hours_are_local_time(routed, moment, expected):
    assert period_at(routed, moment) == expected


def test_contacts_are_read_as_steps(webhook):
    assert parse_chain(f"a@x.org, {webhook.url}; b@x.org", "X") == [
        [Contact("email", "a@x.org"), Contact("webhook", webhook.url)],
        [Contact("email", "b@x.org")]]


@pytest.mark.parametrize("change, message", [
    ({"office_hours": "weekdays 9 to 5"}, "MAPBOT_OFFICE_HOURS must look like"),
    ({"office_hours": "Mon-Fri 17:00-09:00"}, "must open before it closes"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"out_of_hours_contacts": "the duty phone"},
     "MAPBOT_OUT_OF_HOURS_CONTACTS: 'the duty phone' is neither"),
])
def test_a_mistake_in_the_settings_is_caught_at_start(routed, change, message):
    with pytest.raises(RouteError, match=message):
        check(replace(routed, **change))


# Routing and escalation -------------------------------------------------------------------------


async def test_out_of_hours_a_flag_goes_to_the_out_of_hours_contacts(
        store, routed, family, webhook, smtp):
    clock = Clock(MONDAY.replace(hour=22))  # Monday 22:00
    flag = await raise_at(store, routed, family, clock)
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT]]
    assert [r.json["flag_id"] for r in webhook.requests] == [flag["id"]]
    assert smtp.to(TEAM) == []
    assert sent(await all_alerts(store)) == [
        (EDT, "raised", 1, OUT_OF_HOURS), (webhook.url, "raised", 1, OUT_OF_HOURS)]


async def test_in_office_hours_a_flag_goes_to_the_office_contacts(
        store, routed, family, webhook, smtp):
    clock = Clock(MONDAY.replace(hour=10))
    await raise_at(store, routed, family, clock)
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[TEAM]]
    assert webhook.requests == []


async def test_an_unacknowledged_flag_goes_to_the_next_contact_in_time(
        store, routed, family, webhook, smtp):
    clock = Clock(MONDAY.replace(hour=22))
    await raise_at(store, routed, family, clock)
    await tick(routed, store)

    clock.move(minutes=29)  # not yet
    await tick(routed, store)
    assert smtp.to(EDT_MANAGER) == []

    clock.move(minutes=1)  # 30 minutes: the next contact
    await tick(routed, store)
    (mail,) = smtp.to(EDT_MANAGER)
    assert mail.subject.startswith("NOT YET ACKNOWLEDGED: ")
    (stored,) = await all_flags(store)
    assert (stored.alert_period, stored.alert_step) == (OUT_OF_HOURS, 2)

    clock.move(minutes=60)  # nobody left in the chain: nothing more until morning
    await tick(routed, store)
    assert len(smtp.mails) == 2 and len(webhook.requests) == 1

    clock.now = MONDAY.replace(day=8, hour=9, minute=5)  # Tuesday morning: the office
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT], [EDT_MANAGER], [TEAM]]
    assert sent(await all_alerts(store)) == [  # sorted by address
        (TEAM, "escalated", 1, OFFICE), (EDT_MANAGER, "escalated", 2, OUT_OF_HOURS),
        (EDT, "raised", 1, OUT_OF_HOURS), (webhook.url, "raised", 1, OUT_OF_HOURS)]


async def test_at_closing_time_the_next_contact_is_the_out_of_hours_team(
        store, routed, family, webhook, smtp):
    clock = Clock(MONDAY.replace(hour=16, minute=50))
    await raise_at(store, routed, family, clock)
    await tick(routed, store)
    clock.move(minutes=30)  # 17:20: they have not been told yet
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[TEAM], [EDT]]
    assert smtp.to(TEAM_LEAD) == []
    assert len(webhook.requests) == 1


async def test_an_acknowledged_flag_goes_no_further(store, routed, alice, family, smtp):
    clock = Clock(MONDAY.replace(hour=22))
    flag = await raise_at(store, routed, family, clock)
    await tick(routed, store)
    clock.move(minutes=10)
    await store.acknowledge_flag(alice, flag["id"])
    clock.move(minutes=60)
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT]]


# One alert a person ---------------------------------------------------------------------------


async def test_one_persons_flags_share_one_alert_while_it_is_open(
        store, routed, alice, family, webhook, smtp):
    clock = Clock(MONDAY.replace(hour=22))
    first_flag = await raise_at(store, routed, family, clock)
    for minutes, text in ((1, "he hits me"), (2, "my dad hurts me"), (3, "i am scared of dad")):
        clock.move(minutes=minutes)
        await raise_at(store, routed, family, clock, text)
    await tick(routed, store)
    assert len(await all_flags(store)) == 4  # every flag stored
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT]]  # one alert
    assert len(webhook.requests) == 1
    trail = await store.alert_trail(family.case["id"])
    flags = await all_flags(store)
    assert [trail[f.id]["collapsed"] for f in flags] == [False, True, True, True]
    assert {len(trail[f.id]["alerts"]) for f in flags} == {2}

    # The first flag acknowledged, the others still open: the alert is still open, and
    # goes on to the next contact.
    await store.acknowledge_flag(alice, first_flag["id"])
    clock.move(minutes=30)
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT], [EDT_MANAGER]]

    # All acknowledged: the person's next flag alerts again.
    for flag in flags[1:]:
        await store.acknowledge_flag(alice, flag.id)
    clock.move(minutes=5)
    await raise_at(store, routed, family, clock, "he said he will kill me")
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT], [EDT_MANAGER], [EDT]]


async def test_another_persons_flag_alerts_on_its_own(store, routed, alice, family, smtp):
    clock = Clock(MONDAY.replace(hour=22))
    await raise_at(store, routed, family, clock)
    other = await new_family(store, alice, reference="CASE-OTHER", name="Sam Carer")
    await raise_at(store, routed, other, clock, "he hits me")
    await tick(routed, store)
    assert [m.rcpt_tos for m in smtp.mails] == [[EDT], [EDT]]
    assert sorted("CASE-OTHER" in m.subject for m in smtp.mails) == [False, True]


async def test_a_disclosure_in_the_chat_at_night_alerts_the_out_of_hours_contacts(
        store, routed, family, webhook, monkeypatch, one_ssl_context):
    """Through the portal itself: its safeguarding step routes by the store's clock."""
    monkeypatch.setattr(AlertSender, "run_forever", _nothing)
    store.clock = Clock(MONDAY.replace(day=12, hour=3))  # Saturday 03:00
    app = fast_test_app(create_app(routed, store=store))
    _, response = await app.asgi_client.post(f"/api/v1/chat/{family.token}/messages",
                                             json={"text": DISCLOSURE})
    assert response.status == 200
    assert sent(await all_alerts(store)) == [
        (EDT, "raised", 1, OUT_OF_HOURS), (webhook.url, "raised", 1, OUT_OF_HOURS)]
    (flag,) = await all_flags(store)
    assert flag.created_at.replace(tzinfo=timezone.utc) == MONDAY.replace(day=12, hour=3)


async def _nothing(*args) -> None:
    return None
