"""The cached tracker store reads and writes exactly what Rasa's SQL store does, and
never uses a remembered tracker that the database no longer agrees with."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.rasa_plugins.tracker_store import CachedSQLTrackerStore
from tests.rasa.conftest import DOMAIN_FILE

SENDER = "conversation-1"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_FILE))


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'trackers.db'}"


def cached(url: str, domain: Domain, **options) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=domain, dialect="sqlite", host=url, **options)


def plain(url: str, domain: Domain) -> SQLTrackerStore:
    """Rasa's own store: what another Rasa server, or Rasa without MapBot, would see."""
    return SQLTrackerStore(domain=domain, dialect="sqlite", host=url)


def turn(tracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "inform_strength", "confidence": 0.9}))
    tracker.update(SlotSet("like_child", text))
    tracker.update(BotUttered(f"You said {text}"))
    tracker.update(ActionExecuted("action_listen"))


async def saved_conversation(store: SQLTrackerStore, sender: str = SENDER):
    """A conversation one turn in, saved, as the next turn reads it (a new conversation's
    tracker is remembered from its first read)."""
    tracker = await store.get_or_create_tracker(sender)
    turn(tracker, "kind")
    await store.save(tracker)
    return await store.retrieve(sender)


def events_of(tracker) -> list[dict]:
    return [event.as_dict() for event in tracker.events]


async def test_it_writes_and_reads_what_rasas_store_does(url: str, domain: Domain) -> None:
    store = cached(url, domain)
    tracker = await store.get_or_create_tracker(SENDER)
    for text in ("kind", "funny", "loves football"):
        turn(tracker, text)
        await store.save(tracker)
        tracker = await store.retrieve(SENDER)
    from_rasa = await plain(url, domain).retrieve(SENDER)
    assert events_of(from_rasa) == events_of(tracker)
    assert from_rasa.get_slot("like_child") == "loves football"
    assert store.stored_count(SENDER) == len(tracker.events)


async def test_an_unchanged_conversation_is_not_read_again(url: str, domain: Domain) -> None:
    store = cached(url, domain)
    tracker = await saved_conversation(store)
    assert await store.retrieve(SENDER) is tracker  # remembered, and still right
    turn(tracker, "funny")
    await store.save(tracker)
    assert await store.retrieve(SENDER) is tracker  # and after its next turn was saved


async def test_a_write_by_another_server_is_read_from_the_database(url: str,
                                                                    domain: Domain) -> None:
    store = cached(url, domain)
    tracker = await saved_conversation(store)

    other = plain(url, domain)  # a failover: another server carried the conversation on
    theirs = await other.retrieve(SENDER)
    turn(theirs, "funny")
    await other.save(theirs)

    mine = await store.retrieve(SENDER)
    assert mine is not tracker
    assert events_of(mine) == events_of(theirs)
    turn(mine, "loves football")  # and writing on from there loses nothing
    await store.save(mine)
    assert events_of(await other.retrieve(SENDER)) == events_of(mine)


async def test_a_turn_that_was_never_saved_is_forgotten(url: str, domain: Domain) -> None:
    store = cached(url, domain)
    tracker = await saved_conversation(store)
    saved = events_of(tracker)
    turn(tracker, "this turn failed before it was saved")

    again = await store.retrieve(SENDER)
    assert again is not tracker
    assert events_of(again) == saved


async def test_a_purged_conversation_is_gone(url: str, domain: Domain) -> None:
    store = cached(url, domain)
    await saved_conversation(store)
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # as `mapbot purge` does
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": SENDER})
    engine.dispose()
    assert await store.retrieve(SENDER) is None


async def test_without_a_cache_every_read_goes_to_the_database(url: str,
                                                               domain: Domain) -> None:
    store = cached(url, domain, cache_size=0)
    tracker = await saved_conversation(store)
    again = await store.retrieve(SENDER)
    assert again is not tracker
    assert events_of(again) == events_of(tracker)


async def test_the_oldest_conversations_make_room(url: str, domain: Domain) -> None:
    store = cached(url, domain, cache_size=2)
    trackers = {}
    for sender in ("a", "b", "c"):
        trackers[sender] = await saved_conversation(store, sender)
    assert await store.retrieve("c") is trackers["c"]
    again = await store.retrieve("a")  # the oldest was forgotten: read from the database
    assert again is not trackers["a"]
    assert events_of(again) == events_of(trackers["a"])


async def test_a_new_model_forgets_trackers_built_for_the_old_one(url: str,
                                                                   domain: Domain) -> None:
    store = cached(url, domain)
    tracker = await saved_conversation(store)
    store.domain = domain  # what Rasa does when it loads a model
    again = await store.retrieve(SENDER)
    assert again is not tracker
    assert events_of(again) == events_of(tracker)


async def test_one_turn_asks_the_database_once(url: str, domain: Domain,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = cached(url, domain)
    tracker = await saved_conversation(store)
    counts = []
    count = store.stored_count
    monkeypatch.setattr(store, "stored_count", lambda sender: counts.append(sender) or
                        count(sender))

    await store.retrieve(SENDER)
    await store.retrieve(SENDER)
    assert len(counts) == 2  # outside a turn, every read is checked

    counts.clear()
    with store.one_turn(SENDER):
        replay_check = await store.retrieve(SENDER)
        for_the_turn = await store.retrieve(SENDER)
        turn(for_the_turn, "funny")
        await store.save(for_the_turn)
    assert replay_check is for_the_turn is tracker
    assert len(counts) == 1
    assert events_of(await plain(url, domain).retrieve(SENDER)) == events_of(tracker)

    counts.clear()
    await store.retrieve(SENDER)
    assert len(counts) == 1  # the turn is over: checked again


def rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in found]


async def test_the_rows_written_are_rasas_own(tmp_path: Path, domain: Domain) -> None:
    ours_url, rasas_url = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    ours, rasas = cached(ours_url, domain), plain(rasas_url, domain)
    tracker = await ours.get_or_create_tracker(SENDER)
    await rasas.save(tracker)
    for text in ("kind", "funny"):
        turn(tracker, text)
        await ours.save(tracker)
        await rasas.save(tracker)
    assert rows(ours_url) == rows(rasas_url)
    assert len(rows(ours_url)) == len(tracker.events)
    assert {row[3] for row in rows(ours_url)} >= {"inform_strength"}


async def test_a_tracker_made_afresh_after_a_failed_read_changes_nothing(
        url: str, domain: Domain) -> None:
    """Rasa's fail-safe store answers a failed read with no tracker, and a new one is
    made and saved: as in Rasa, it must neither overwrite nor be taken for the stored
    conversation."""
    store = cached(url, domain)
    tracker = await saved_conversation(store)
    turn(tracker, "funny")
    await store.save(tracker)
    stored = events_of(await plain(url, domain).retrieve(SENDER))

    fresh = store.init_tracker(SENDER)  # what get_or_create_tracker makes then
    fresh.update(ActionExecuted("action_listen"))
    await store.save(fresh)
    turn(fresh, "this turn ran on the fresh tracker")
    await store.save(fresh)

    assert events_of(await plain(url, domain).retrieve(SENDER)) == stored
    assert events_of(await store.retrieve(SENDER)) == stored


async def test_a_turn_that_ran_on_the_old_model_is_not_remembered(url: str,
                                                                   domain: Domain) -> None:
    store = cached(url, domain)
    tracker = await saved_conversation(store)
    running = await store.retrieve(SENDER)
    store.domain = domain  # a new model loads while the turn runs
    turn(running, "funny")
    await store.save(running)
    again = await store.retrieve(SENDER)
    assert again is not tracker
    assert events_of(again) == events_of(running)
