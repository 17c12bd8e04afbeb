"""A conversation's lock for one turn: Rasa's ticket lock (`LockStore.lock`), which does
not wait for ever behind a ticket whose server died.

A Rasa server killed mid-turn leaves its ticket in the lock store (Redis) until it
expires (`TICKET_LOCK_LIFETIME`). The turn sent to another server meanwhile waits behind
it with a ticket of the same lifetime, issued a moment later, checking once a second.
When both tickets expire between two checks, which is likely when the dead turn had
only just begun, Rasa 3.6 keeps waiting for a ticket that no longer exists, until
something deletes the lock: the turn hangs until the portal gives up. Here a waiting
turn whose own ticket expired takes a new one, behind any turn that came since, so it
goes next once nothing unexpired is ahead of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rasa.core.lock_store import LOCK_LIFETIME, LockStore

WAIT_SECONDS = 1.0  # between checks, as Rasa's own


@asynccontextmanager
async def conversation_lock(store: LockStore, conversation_id: str,
                            lifetime: float = LOCK_LIFETIME,
                            wait_seconds: float = WAIT_SECONDS) -> AsyncIterator[None]:
    """Hold `conversation_id`'s lock for the body, as `store.lock(...)` does."""
    ticket = store.issue_ticket(conversation_id, lifetime)
    try:
        while True:
            lock = store.get_lock(conversation_id)
            if lock is None or not lock.is_locked(ticket):
                break  # no lock left (every ticket gone), or this ticket's turn
            if all(held.number != ticket for held in lock.tickets):  # expired, waiting
                ticket = store.issue_ticket(conversation_id, lifetime)
                continue
            await asyncio.sleep(wait_seconds)
            store.update_lock(conversation_id)
        yield
    finally:
        store.cleanup(conversation_id, ticket)
