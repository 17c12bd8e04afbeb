"""The demo's rows (`mapbot demo`): a worker and a case marked as the demo's, and their
removal, Rasa's conversation store included (`mapbot demo --remove`).

Nothing but the marked rows is touched: a real worker or case is never removed, and a
real worker who happens to be called like the demo worker stops the demo instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from bot.core.vocabulary import WORKER
from bot.database.models import AuditEvent, Case, Respondent, Worker
from bot.services.retention import compact_all, delete_tracker_events
from bot.services.store import Store

DEMO_USERNAME = "demo"
DEMO_REFERENCE = "DEMO-1"  # every demo case's reference starts "DEMO-"
DEMO_CHILD = "Jamie"


class NameTaken(Exception):
    """A real worker has the demo worker's username."""


@dataclass(frozen=True)
class Invited:
    role: str
    name: str
    token: str


@dataclass(frozen=True)
class Removed:
    cases: int
    workers: int
    tracker_events: int


async def create_demo(store: Store, password: str, people: list[tuple[str, str]],
                      days: int) -> tuple[str, list[Invited]]:
    """The demo worker (a social worker) and their demo case with an invitation for each
    of `people` (role, name); the case's id and the invitations."""
    async with store.sessions() as session:
        taken = await session.scalar(select(Worker).where(Worker.username == DEMO_USERNAME))
    if taken is not None and not taken.demo:
        raise NameTaken(DEMO_USERNAME)
    worker_id = await store.add_worker(DEMO_USERNAME, password, kind=WORKER)
    async with store.sessions.begin() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None  # just made
        worker.demo = True
        case = Case(reference=DEMO_REFERENCE, child_name=DEMO_CHILD, created_by=worker_id,
                    demo=True)
        session.add(case)
        await session.flush()
        case_id = case.id
    invited = []
    for role, name in people:
        _, token = await store.create_invitation(worker, case_id, role, name, days)
        invited.append(Invited(role, name, token))
    return case_id, invited


async def remove_demo(store: Store, tracker_url: str) -> Removed:
    """Every demo case (with its people, answers, flags and alerts), its conversations in
    Rasa's store, the demo worker, and what the audit log holds about them."""
    async with store.sessions() as session:
        workers = list(await session.scalars(select(Worker.id).where(Worker.demo.is_(True))))
        # A case the demo worker made on the screens is the demo's too.
        cases = list(await session.scalars(select(Case.id).where(
            or_(Case.demo.is_(True), Case.created_by.in_(workers)))))
        conversations = list(await session.scalars(select(Respondent.conversation_id).where(
            Respondent.case_id.in_(cases))))
    # Rasa's copy first: if this fails, the demo is still marked, to remove again.
    events = await asyncio.to_thread(delete_tracker_events, tracker_url, conversations)
    async with store.sessions.begin() as session:
        await session.execute(delete(AuditEvent).where(or_(
            AuditEvent.case_id.in_(cases), AuditEvent.worker_id.in_(workers))))
        await session.execute(delete(Case).where(Case.id.in_(cases)))  # cascades
        await session.execute(delete(Worker).where(Worker.id.in_(workers)))
    if cases or workers:
        await asyncio.to_thread(compact_all, (store.database_url, tracker_url))
    return Removed(len(cases), len(workers), events)
