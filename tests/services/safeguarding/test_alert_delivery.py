"""Safeguarding alerts, delivered by `AlertSender.tick()` to real local receivers: a
webhook HTTP server and an SMTP server on 127.0.0.1 (no mocked transport anywhere)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.alert_routes import Contact, first, legacy_chain
from bot.services.alerts import AlertSender
from bot.services.store import FLAG_REPEAT_MINUTES
from tests.services.safeguarding.safeguarding_support import (
    ALERT_TO,
    CHILD_NAME,
    DISCLOSURE,
    DUTY_TO,
    PERSON_NAME,
    PUBLIC_URL,
    REFERENCE,
    WEBHOOK_SECRET,
    age_flags,
    all_alerts,
    all_flags,
    flagged,
    make_due,
    new_family,
    verify_signature,
)

# Words that must never leave MapBot in an alert: what was written, and who is involved.
PRIVATE = (DISCLOSURE, "belt", "drunk", CHILD_NAME, "Alexandra", PERSON_NAME, "Jolene")



async def raise_flag(store, settings, family, text: str = DISCLOSURE,
                     category: str = "hurting_now") -> dict:
    return await store.raise_flag(family.respondent_id, category, flagged(text),
                                  first(settings, store.clock()))


def channels(settings, step: int) -> list[str]:
    """The channels of one step of the alert addresses (no office hours set here)."""
    steps = legacy_chain(settings)
    return [contact.channel for contact in steps[step - 1]] if step <= len(steps) else []


def assert_private(text: str) -> None:
    for secret in PRIVATE:
        assert secret.lower() not in text.lower(), f"the alert gives away {secret!r}"


# Raised: what each channel gets --------------------------------------------------------------


async def test_raising_a_flag_writes_one_alert_per_channel_and_sends_nothing_yet(
        store, settings, family, webhook, smtp):
    assert legacy_chain(settings) == [
        [Contact("webhook", webhook.url), Contact("email", ALERT_TO)],
        [Contact("webhook", webhook.url), Contact("email", DUTY_TO)]]
    flag = await raise_flag(store, settings, family)
    alerts = await all_alerts(store)
    assert sorted((a.channel, a.event) for a in alerts) == [
        ("email", "raised"), ("webhook", "raised")]
    assert all(a.flag_id == flag["id"] and a.attempts == 0 and a.delivered_at is None
               for a in alerts)
    assert webhook.requests == [] and smtp.mails == []  # the outbox is only written here


async def test_webhook_gets_one_signed_json_post_without_what_was_written(
        store, settings, sender, family, webhook):
    flag = await raise_flag(store, settings, family)
    await sender.tick()

    assert len(webhook.requests) == 1
    request = webhook.requests[0]
    assert request.path == "/hooks/mapbot"
    assert request.headers["content-type"].startswith("application/json")
    verify_signature(request.headers["x-mapbot-signature"], request.body, WEBHOOK_SECRET)
    body = request.json
    assert body["event"] == "safeguarding_flag.raised"
    assert body["flag_id"] == flag["id"]
    assert body["case_reference"] == REFERENCE
    assert body["url"] == f"{PUBLIC_URL}/flags/{flag['id']}"  # the page, for a person
    assert body["map_url"] == f"{PUBLIC_URL}/api/v1/cases/{family.case['id']}/map"
    assert_private(request.body.decode())
    assert family.token not in request.body.decode()


async def test_the_signature_does_not_verify_with_another_secret_or_body(
        store, settings, sender, family, webhook):
    await raise_flag(store, settings, family)
    await sender.tick()
    request = webhook.requests[0]
    header = request.headers["x-mapbot-signature"]
    with pytest.raises(AssertionError, match="does not verify"):
        verify_signature(header, request.body, "not-the-secret")
    tampered = request.body.replace(REFERENCE.encode(), b"CASE-OTHER")
    with pytest.raises(AssertionError, match="does not verify"):
        verify_signature(header, tampered, WEBHOOK_SECRET)


async def test_email_goes_to_the_alert_address_with_the_reference_and_nothing_private(
        store, settings, sender, family, smtp):
    flag = await raise_flag(store, settings, family)
    await sender.tick()

    assert len(smtp.mails) == 1
    mail = smtp.mails[0]
    assert mail.rcpt_tos == [ALERT_TO]
    assert mail.message["To"] == ALERT_TO
    assert REFERENCE in mail.subject
    assert "NOT YET ACKNOWLEDGED" not in mail.subject
    # A page a person can open (sign in, then the board at the flag), not the JSON API.
    assert f"{PUBLIC_URL}/flags/{flag['id']}" in mail.body.splitlines()
    assert "/api/" not in mail.body
    assert_private(mail.raw)


async def test_a_delivered_alert_is_marked_and_never_sent_again(
        store, settings, sender, family, webhook, smtp):
    await raise_flag(store, settings, family)
    await sender.tick()
    for alert in await all_alerts(store):
        assert alert.delivered_at is not None and alert.attempts == 1
        assert alert.last_error is None
    for _ in range(3):
        await make_due(store)  # even when due again, a delivered alert stays delivered
        await sender.tick()
    assert len(webhook.requests) == 1
    assert len(smtp.mails) == 1


async def test_each_flag_gets_its_own_alerts(store, settings, sender, alice, webhook, smtp):
    first = await new_family(store, alice, reference="CASE-A")
    second = await new_family(store, alice, reference="CASE-B", name="Sam Carer")
    flags = [await raise_flag(store, settings, first),
             await raise_flag(store, settings, second, "he hits me")]
    await sender.tick()
    assert sorted(r.json["flag_id"] for r in webhook.requests) == sorted(f["id"] for f in flags)
    assert sorted(r.json["case_reference"] for r in webhook.requests) == ["CASE-A", "CASE-B"]
    assert sorted(any(ref in m.subject for ref in ("CASE-A", "CASE-B")) for m in smtp.mails) == [
        True, True]


# Receivers down: retried until delivered, exactly once --------------------------------------


async def test_webhook_answering_500_is_retried_with_backoff_until_delivered_once(
        store, settings, sender, family, webhook, smtp):
    webhook.status = 500
    await raise_flag(store, settings, family)
    # The back-off is measured from the moment the sender recorded the failure (the time
    # it passed to the store), not from whenever the test looks: no wall-clock margin.
    failed_at = []
    record_failure = store.alert_failed

    async def alert_failed(alert_id, error, retry_in_seconds, now=None):
        failed_at.append(now)
        await record_failure(alert_id, error, retry_in_seconds, now=now)

    store.alert_failed = alert_failed
    await sender.tick()

    (alert,) = [a for a in await all_alerts(store) if a.channel == "webhook"]
    assert alert.delivered_at is None and alert.attempts == 1
    assert "500" in alert.last_error
    first_wait = alert.next_attempt_at.replace(tzinfo=None) - failed_at[-1].replace(tzinfo=None)
    assert first_wait == timedelta(seconds=5)
    assert len(smtp.mails) == 1  # the other channel is not held up

    await sender.tick()  # not due yet: the back-off holds it
    assert len(webhook.requests) == 1

    await make_due(store)
    await sender.tick()
    (alert,) = [a for a in await all_alerts(store) if a.channel == "webhook"]
    assert alert.delivered_at is None and alert.attempts == 2
    second_wait = alert.next_attempt_at.replace(tzinfo=None) - failed_at[-1].replace(tzinfo=None)
    assert second_wait == timedelta(seconds=10)  # the back-off doubles

    webhook.status = 200
    await make_due(store)
    await sender.tick()
    for _ in range(2):
        await make_due(store)
        await sender.tick()
    assert [r.status for r in webhook.requests] == [500, 500, 200]
    assert len(webhook.delivered) == 1
    (alert,) = [a for a in await all_alerts(store) if a.channel == "webhook"]
    assert alert.delivered_at is not None and alert.attempts == 3
    assert len(smtp.mails) == 1


async def test_webhook_refusing_connections_is_retried_until_it_is_back(
        store, settings, sender, family, webhook, smtp):
    webhook.stop()
    await raise_flag(store, settings, family)
    for _ in range(3):
        await make_due(store)
        await sender.tick()
    (alert,) = [a for a in await all_alerts(store) if a.channel == "webhook"]
    assert alert.delivered_at is None and alert.attempts == 3 and alert.last_error
    assert webhook.requests == []

    webhook.start()  # back, on the same port
    for _ in range(3):
        await make_due(store)
        await sender.tick()
    assert len(webhook.requests) == 1 and len(webhook.delivered) == 1
    body = webhook.requests[0].json
    assert body["event"] == "safeguarding_flag.raised"
    verify_signature(webhook.requests[0].headers["x-mapbot-signature"],
                     webhook.requests[0].body, WEBHOOK_SECRET)
    assert len(smtp.mails) == 1


async def test_smtp_server_answering_try_later_is_retried_until_delivered_once(
        store, settings, sender, family, webhook, smtp):
    smtp.mailbox.fail = True
    await raise_flag(store, settings, family)
    for _ in range(2):
        await make_due(store)
        await sender.tick()
    (alert,) = [a for a in await all_alerts(store) if a.channel == "email"]
    assert alert.delivered_at is None and alert.attempts == 2 and "451" in alert.last_error
    assert len(webhook.delivered) == 1  # the webhook went at the first tick

    smtp.mailbox.fail = False
    for _ in range(3):
        await make_due(store)
        await sender.tick()
    assert len(smtp.mails) == 1
    assert smtp.mails[0].rcpt_tos == [ALERT_TO]
    assert len(webhook.requests) == 1


async def test_smtp_server_down_is_retried_until_it_is_back(
        store, settings, sender, family, webhook, smtp):
    smtp.stop()
    await raise_flag(store, settings, family)
    for _ in range(2):
        await make_due(store)
        await sender.tick()
    (alert,) = [a for a in await all_alerts(store) if a.channel == "email"]
    assert alert.delivered_at is None and alert.attempts == 2 and alert.last_error

    smtp.start()
    for _ in range(3):
        await make_due(store)
        await sender.tick()
    assert len(smtp.mails) == 1
    (alert,) = [a for a in await all_alerts(store) if a.channel == "email"]
    assert alert.delivered_at is not None and alert.attempts == 3


async def test_alerts_wait_in_the_outbox_for_a_sender_started_later(
        store, settings, family, webhook, smtp):
    """A restart of the portal loses nothing: the alerts are rows, not memory."""
    webhook.stop()
    first = AlertSender(settings, store)
    await raise_flag(store, settings, family)
    await first.tick()
    await first.close()
    webhook.start()
    await make_due(store)
    second = AlertSender(settings, store)
    try:
        await second.tick()
    finally:
        await second.close()
    assert len(webhook.delivered) == 1 and len(smtp.mails) == 1


# Escalation -------------------------------------------------------------------------------


async def test_an_unacknowledged_flag_is_escalated_once_and_only_once(
        store, settings, family, webhook, smtp):
    sender = AlertSender(replace(settings, escalate_after_minutes=0), store)
    try:
        flag = await raise_flag(store, settings, family)
        for _ in range(4):
            await make_due(store)
            await sender.tick()
    finally:
        await sender.close()

    events = sorted(r.json["event"] for r in webhook.requests)
    assert events == ["safeguarding_flag.escalated", "safeguarding_flag.raised"]
    escalated = next(r for r in webhook.requests
                     if r.json["event"] == "safeguarding_flag.escalated")
    verify_signature(escalated.headers["x-mapbot-signature"], escalated.body, WEBHOOK_SECRET)
    assert escalated.json["flag_id"] == flag["id"]
    assert escalated.json["case_reference"] == REFERENCE
    assert_private(escalated.body.decode())

    assert len(smtp.to(ALERT_TO)) == 1 and len(smtp.to(DUTY_TO)) == 1
    assert len(smtp.mails) == 2
    duty = smtp.to(DUTY_TO)[0]
    assert duty.message["To"] == DUTY_TO
    assert REFERENCE in duty.subject and "NOT YET ACKNOWLEDGED" in duty.subject
    assert_private(duty.raw)

    (stored,) = await all_flags(store)
    assert stored.escalated_at is not None
    assert sorted((a.channel, a.event) for a in await all_alerts(store)) == [
        ("email", "escalated"), ("email", "raised"),
        ("webhook", "escalated"), ("webhook", "raised")]


async def test_an_acknowledged_flag_is_never_escalated(store, settings, alice, family,
                                                       webhook, smtp):
    sender = AlertSender(replace(settings, escalate_after_minutes=0), store)
    try:
        flag = await raise_flag(store, settings, family)
        acknowledged = await store.acknowledge_flag(alice, flag["id"])
        assert acknowledged["acknowledged_by"] == "alice"
        for _ in range(3):
            await make_due(store)
            await sender.tick()
    finally:
        await sender.close()
    assert [r.json["event"] for r in webhook.requests] == ["safeguarding_flag.raised"]
    assert smtp.to(DUTY_TO) == [] and len(smtp.to(ALERT_TO)) == 1
    (stored,) = await all_flags(store)
    assert stored.escalated_at is None
    assert {a.event for a in await all_alerts(store)} == {"raised"}


async def test_a_flag_is_not_escalated_before_its_time(store, settings, sender, family,
                                                      webhook, smtp):
    assert settings.escalate_after_minutes == 30
    await raise_flag(store, settings, family)
    for _ in range(2):
        await make_due(store)
        await sender.tick()
    assert [r.json["event"] for r in webhook.requests] == ["safeguarding_flag.raised"]
    assert smtp.to(DUTY_TO) == []


async def test_a_flag_older_than_the_limit_is_escalated(store, settings, sender, family,
                                                       webhook, smtp):
    await raise_flag(store, settings, family)
    await sender.tick()
    await age_flags(store, settings.escalate_after_minutes + 1)
    await sender.tick()
    await sender.tick()
    assert sorted(r.json["event"] for r in webhook.requests) == [
        "safeguarding_flag.escalated", "safeguarding_flag.raised"]
    assert len(smtp.to(DUTY_TO)) == 1


async def test_an_escalation_waiting_for_a_receiver_is_dropped_once_acknowledged(
        store, settings, alice, family, webhook, smtp):
    sender = AlertSender(replace(settings, escalate_after_minutes=0), store)
    try:
        webhook.stop()
        smtp.stop()
        flag = await raise_flag(store, settings, family)
        await sender.tick()  # escalated alerts are queued; nothing can be delivered
        await store.acknowledge_flag(alice, flag["id"])
        webhook.start()
        smtp.start()
        for _ in range(2):
            await make_due(store)
            await sender.tick()
    finally:
        await sender.close()
    assert "safeguarding_flag.escalated" not in [r.json["event"] for r in webhook.requests]
    assert smtp.to(DUTY_TO) == []


async def test_two_senders_at_once_deliver_each_alert_once(store, settings, family,
                                                           webhook, smtp):
    webhook.delay = 1.0  # a receiver that takes a moment to answer, as real ones do
    senders = [AlertSender(settings, store), AlertSender(settings, store)]
    try:
        await raise_flag(store, settings, family)
        await asyncio.gather(*(sender.tick() for sender in senders))
    finally:
        for sender in senders:
            await sender.close()
    assert len(webhook.requests) == 1
    assert len(smtp.mails) == 1


# Repeats --------------------------------------------------------------------------------


async def test_the_same_words_again_within_ten_minutes_raise_no_second_flag(
        store, settings, sender, family, webhook, smtp):
    assert FLAG_REPEAT_MINUTES == 10
    first = await raise_flag(store, settings, family)
    again = await raise_flag(store, settings, family)
    assert again["id"] == first["id"]
    await sender.tick()
    assert len(await all_flags(store)) == 1
    assert len(await all_alerts(store)) == 2
    assert len(webhook.requests) == 1 and len(smtp.mails) == 1


async def test_other_words_or_another_person_or_later_raise_a_new_flag(
        store, settings, alice, family):
    """Every flag is stored; a person's later flags join their open flag's alerts."""
    first = await raise_flag(store, settings, family)
    other_words = await raise_flag(store, settings, family, "he hits me")
    other_person = await raise_flag(
        store, settings, await new_family(store, alice, reference="CASE-2", name="Sam Carer"))
    assert len({first["id"], other_words["id"], other_person["id"]}) == 3

    await age_flags(store, FLAG_REPEAT_MINUTES + 1)
    later = await raise_flag(store, settings, family)
    assert later["id"] != first["id"]
    assert len(await all_flags(store)) == 4
    # Alerts for the first flag (2) and the other person's (2); the same person's other
    # flags joined their first flag's alerts, which nobody acknowledged.
    assert len(await all_alerts(store)) == 4


# Channels that are not configured -----------------------------------------------------------


async def test_with_no_channel_configured_the_flag_is_stored_without_alerts(
        store, settings, family, webhook, smtp):
    quiet = replace(settings, alert_webhook_url="", smtp_host="", escalate_after_minutes=0)
    assert channels(quiet, 1) == [] and channels(quiet, 2) == []
    flag = await store.raise_flag(family.respondent_id, "hurting_now", DISCLOSURE,
                                  first(quiet, store.clock()))
    sender = AlertSender(quiet, store)
    try:
        for _ in range(2):
            await sender.tick()  # no crash, nothing to send, nowhere to send it
    finally:
        await sender.close()
    (stored,) = await all_flags(store)
    assert stored.id == flag["id"] and stored.text == DISCLOSURE
    assert await all_alerts(store) == []
    assert webhook.requests == [] and smtp.mails == []


async def test_only_the_configured_channel_gets_alerts(store, settings, family, webhook, smtp):
    webhook_only = replace(settings, smtp_host="", escalate_after_minutes=0)
    assert channels(webhook_only, 1) == ["webhook"]
    await store.raise_flag(family.respondent_id, "hurting_now", DISCLOSURE,
                           first(webhook_only, store.clock()))
    sender = AlertSender(webhook_only, store)
    try:
        await sender.tick()
        await sender.tick()
    finally:
        await sender.close()
    assert sorted(r.json["event"] for r in webhook.requests) == [
        "safeguarding_flag.escalated", "safeguarding_flag.raised"]
    assert smtp.mails == []
    assert {a.channel for a in await all_alerts(store)} == {"webhook"}


async def test_email_without_an_address_is_off(settings):
    assert channels(replace(settings, alert_email_to=""), 1) == ["webhook"]
    assert channels(replace(settings, duty_email_to=""), 2) == ["webhook"]
    assert channels(replace(settings, duty_email_to=""), 1) == ["webhook", "email"]


# Case references that an email header cannot hold ------------------------------------------


async def test_a_reference_with_a_line_break_still_gets_its_email(
        store, settings, sender, alice, webhook, smtp):
    family = await new_family(store, alice, reference="CASE 7\nNorth team")
    await raise_flag(store, settings, family)
    await sender.tick()
    assert len(webhook.delivered) == 1
    assert json.loads(webhook.requests[0].body)["case_reference"] == "CASE 7\nNorth team"
    assert len(smtp.mails) == 1
