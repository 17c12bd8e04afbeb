"""Safeguarding flags: raised, levelled, acknowledged, listed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.alert_routes import Route
from bot.core.vocabulary import OVERSIGHT_KINDS
from bot.database.models import Case, Flag, Respondent, Worker, new_id
from bot.services.common import LOOK, Common, NotFound, kind_of
from bot.services.shapes import FlagJson, OpenFlagJson

FLAG_REPEAT_MINUTES = 10  # the same words sent again (a retry) raise no second flag


class FlagsService(Common):
    """Safeguarding flags."""

    async def raise_flag(self, respondent_id: str, category: str, text: str,
                         route: Route | None, level: str = "immediate",
                         now: datetime | None = None,
                         language: str | None = None) -> FlagJson:
        """Store the flag and its alerts in one transaction, before anything else.

        `route` is where its alerts go (None: no alerts, as for a `concern` or in the
        demo case). While an
        earlier alerted flag of the same person is open, the new flag joins its alerts
        instead: one family cannot flood the inbox, and every flag is still stored."""
        now = now or self.clock()
        async with self.sessions.begin() as session:
            # The person's row is locked until this commits (PostgreSQL; SQLite's writes
            # take turns anyway): a flood of messages at once, each raising a flag, must
            # find the first one's alerts and join them, not each start their own.
            respondent = await session.scalar(select(Respondent).where(
                Respondent.id == respondent_id).with_for_update())
            assert respondent is not None  # its id came from its chat token
            since = now - timedelta(minutes=FLAG_REPEAT_MINUTES)
            same = await session.scalar(select(Flag).where(
                Flag.respondent_id == respondent_id, Flag.text == text,
                Flag.created_at >= since))
            if same is not None:
                return self._flag_json(same)
            if await _demo(session, respondent.case_id):
                route = None  # the demo's made-up words alert nobody
            flag = Flag(id=new_id(), case_id=respondent.case_id, respondent_id=respondent_id,
                        category=category, text=text, level=level, created_at=now,
                        language=language)
            session.add(flag)
            await session.flush()
            if route is not None:
                await self._alert_or_join(session, flag, route, now)
            return self._flag_json(flag)

    async def _alert_or_join(self, session: AsyncSession, flag: Flag, route: Route,
                             now: datetime) -> None:
        head = await self._open_head(session, flag.respondent_id, flag.id,
                                     urgent_only=flag.level == "immediate")
        if head is not None:
            flag.collapsed_into = head.id
            return
        flag.alert_period, flag.alert_step, flag.alerted_at = route.period, route.step, now
        session.add_all(self._alerts(flag.id, route, "raised", now))

    async def _open_head(self, session: AsyncSession, respondent_id: str,
                         other_than: str, urgent_only: bool = False) -> Flag | None:
        """The person's alerted flag whose alerts are still open, if any. An urgent flag
        joins only an urgent one: joining a `concern` would send no alert that says so."""
        query = select(Flag).where(
            Flag.respondent_id == respondent_id, Flag.id != other_than,
            Flag.alert_step.is_not(None), Flag.collapsed_into.is_(None))
        if urgent_only:
            query = query.where(Flag.level == "immediate")
        heads = await session.scalars(query)
        for head in heads:
            if await self._thread_open(session, head.id):
                return head
        return None

    @staticmethod
    async def _thread_open(session: AsyncSession, head_id: str) -> bool:
        """A flag's alerts stay open while it, or a flag collapsed into it, is open."""
        return (await session.scalar(select(func.count()).select_from(Flag).where(
            or_(Flag.id == head_id, Flag.collapsed_into == head_id),
            Flag.acknowledged_at.is_(None))) or 0) > 0

    async def set_flag_level(self, flag_id: str, level: str, route: Route | None,
                             now: datetime | None = None) -> FlagJson:
        """Change a flag's level; with a `route`, a flag that never alerted alerts now
        (or joins its person's open alerts)."""
        now = now or self.clock()
        async with self.sessions.begin() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            if flag.level != level:
                flag.level = level
                if (route is not None and flag.alert_step is None
                        and flag.collapsed_into is None
                        and not await _demo(session, flag.case_id)):
                    await self._alert_or_join(session, flag, route, now)
            return self._flag_json(flag)

    async def latest_flag(self, respondent_id: str, category: str) -> FlagJson | None:
        async with self.sessions() as session:
            flag = await session.scalar(select(Flag).where(
                Flag.respondent_id == respondent_id, Flag.category == category)
                .order_by(Flag.created_at.desc()).limit(1))
            return self._flag_json(flag) if flag is not None else None

    async def acknowledge_flag(self, worker: Worker, flag_id: str,
                               now: datetime | None = None) -> FlagJson:
        """The case's owner and viewers, and duty workers, managers and administrators."""
        async with self.sessions.begin() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            await self._case_for(session, worker, flag.case_id, LOOK)
            if flag.acknowledged_at is None:
                flag.acknowledged_by, flag.acknowledged_at = worker.username, now or self.clock()
            return self._flag_json(flag)

    async def same_person_open(self, flag_id: str) -> list[str]:
        """The open flags of the person who wrote this one, in its case, oldest first
        (to acknowledge a flood of their messages at once, after reading them)."""
        async with self.sessions() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            ids = await session.scalars(select(Flag.id).where(
                Flag.respondent_id == flag.respondent_id, Flag.case_id == flag.case_id,
                Flag.acknowledged_at.is_(None)).order_by(Flag.created_at, Flag.id))
            return list(ids)

    async def open_flags(self, worker: Worker) -> list[OpenFlagJson]:
        """Open flags this worker may see, oldest first: their cases' (their own and
        those shared with them), or every case's for duty, managers and administrators."""
        query = (select(Flag, Case.reference, Respondent.name, Respondent.role)
                 .join(Case, Flag.case_id == Case.id)
                 .join(Respondent, Flag.respondent_id == Respondent.id)
                 .where(Flag.acknowledged_at.is_(None)).order_by(Flag.created_at, Flag.id))
        if kind_of(worker) not in OVERSIGHT_KINDS:
            query = query.where(self._visible_to(worker))
        async with self.sessions() as session:
            rows = await session.execute(query)
            return [OpenFlagJson(**self._flag_json(flag), case_id=flag.case_id,
                                 case_reference=ref, respondent_name=name, respondent_role=role)
                    for flag, ref, name, role in rows]

    async def flag_case(self, flag_id: str) -> str:
        async with self.sessions() as session:
            case_id = await session.scalar(select(Flag.case_id).where(Flag.id == flag_id))
        if case_id is None:
            raise NotFound
        return case_id


async def _demo(session: AsyncSession, case_id: str) -> bool:
    return bool(await session.scalar(select(Case.demo).where(Case.id == case_id)))
