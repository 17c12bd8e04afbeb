"""Cases, and who may see them: sharing and handing over."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import OWNER, SHARING_KINDS, VIEWER
from bot.database.models import Case, CaseAccess, Flag, Item, Respondent, Round, Worker
from bot.services.common import TEAM, Common, Conflict, NotFound, ReadOnly, kind_of
from bot.services.rounds import FIRST_LABEL
from bot.services.shapes import AccessJson, CaseDetailJson, CaseJson, CaseTeamJson


class CasesService(Common):
    """Cases, and who may see them."""

    async def create_case(self, worker: Worker, reference: str, child_name: str) -> CaseJson:
        async with self.sessions.begin() as session:
            case = Case(reference=reference, child_name=child_name, created_by=worker.id)
            session.add(case)
            await session.flush()
            session.add(Round(case_id=case.id, number=1, label=FIRST_LABEL,
                              started_at=case.created_at))
            return self._case_json(case)

    async def list_cases(self, worker: Worker) -> list[CaseJson]:
        async with self.sessions() as session:
            cases = await session.scalars(
                select(Case).where(self._visible_to(worker)).order_by(Case.created_at.desc())
            )
            return [self._case_json(case) for case in cases]

    async def case_detail(self, worker: Worker, case_id: str,
                          allowed: tuple[str, ...] = TEAM) -> CaseDetailJson:
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id, allowed)
            respondents = await self._respondents(session, case.id)
            return CaseDetailJson(
                **self._case_json(case),
                respondents=[self._respondent_json(r) for r in respondents],
            )

    async def access(self, worker: Worker, case_id: str) -> tuple[str, str | None]:
        """The worker's access to the case, and why, for the audit log, when it is a
        look from outside the case's team ("as duty: open flag"); NotFound if none."""
        async with self.sessions() as session:
            case, access = await self._access(session, worker, case_id)
            if case is None or access is None:
                raise NotFound
            if access in TEAM:
                return access, None
            open_flag = await session.scalar(select(Flag.id).where(
                Flag.case_id == case_id, Flag.acknowledged_at.is_(None)).limit(1))
            return access, f"as {access}: {'open flag' if open_flag else 'flagged case'}"

    async def case_team(self, case_id: str) -> CaseTeamJson:
        """The owner's username and the viewers', for the case screen."""
        async with self.sessions() as session:
            owner = await session.scalar(select(Worker.username).join(
                Case, Case.owner_id == Worker.id).where(Case.id == case_id))
            viewers = await session.scalars(select(Worker.username).join(
                CaseAccess, CaseAccess.worker_id == Worker.id)
                .where(CaseAccess.case_id == case_id).order_by(func.lower(Worker.username)))
            return {"owner": owner, "viewers": list(viewers)}

    async def give_access(self, worker: Worker, case_id: str, username: str,
                          role: str) -> AccessJson:
        """Share the case with another worker ("viewer"), or hand it over ("owner"): the
        new owner changes it from now on and the former owner keeps reading it."""
        async with self.sessions.begin() as session:
            case = await self._case_to_share(session, worker, case_id)
            other = await self._worker_named(session, username)
            if other.id == case.owner_id:
                if role == VIEWER:
                    raise Conflict(f"{username} owns this case already.")
                return {"case_id": case.id, "username": username, "role": OWNER}
            given = await session.get(CaseAccess, (case.id, other.id))
            if role == VIEWER:
                if given is None:
                    session.add(CaseAccess(case_id=case.id, worker_id=other.id,
                                           granted_by=worker.username))
                return {"case_id": case.id, "username": username, "role": VIEWER}
            if given is not None:
                await session.delete(given)
            if await session.get(CaseAccess, (case.id, case.owner_id)) is None:
                session.add(CaseAccess(case_id=case.id, worker_id=case.owner_id,
                                       granted_by=worker.username))
            case.owner_id = other.id
            return {"case_id": case.id, "username": username, "role": OWNER}

    async def take_access(self, worker: Worker, case_id: str, username: str) -> None:
        """Take a viewer's access back (an owner is replaced by handing the case over)."""
        async with self.sessions.begin() as session:
            case = await self._case_to_share(session, worker, case_id)
            other = await session.scalar(select(Worker).where(Worker.username == username))
            if other is not None and other.id == case.owner_id:
                raise Conflict("The owner's access cannot be taken back: hand the case "
                               "over to someone else first.")
            given = None if other is None else await session.get(
                CaseAccess, (case.id, other.id))
            if given is None:
                raise NotFound
            await session.delete(given)

    async def _case_to_share(self, session: AsyncSession, worker: Worker,
                             case_id: str) -> Case:
        """Its owner, managers and administrators share a case; anyone else who can see
        it only reads it."""
        case, access = await self._access(session, worker, case_id)
        if case is None or (access is None and kind_of(worker) not in SHARING_KINDS):
            raise NotFound
        if access != OWNER and kind_of(worker) not in SHARING_KINDS:
            raise ReadOnly
        return case

    @staticmethod
    async def _worker_named(session: AsyncSession, username: str) -> Worker:
        other = await session.scalar(select(Worker).where(Worker.username == username))
        if other is None:
            raise Conflict(f"There is no worker called {username}.")
        return other

    async def people_and_open_flags(self, case_ids: list[str]
                                    ) -> tuple[list[Respondent], list[Flag]]:
        """In one session, for a list of cases (the caller has them from `list_cases`):
        their respondents, oldest first, and their open flags, oldest first."""
        async with self.sessions() as session:
            respondents = await session.scalars(select(Respondent).where(
                Respondent.case_id.in_(case_ids)).order_by(Respondent.created_at))
            flags = await session.scalars(select(Flag).where(
                Flag.case_id.in_(case_ids), Flag.acknowledged_at.is_(None))
                .order_by(Flag.created_at))
            return list(respondents), list(flags)

    async def demo_cases(self, case_ids: list[str]) -> set[str]:
        """Which of these cases are the demo's (`mapbot demo`), for the screens to say so."""
        async with self.sessions() as session:
            return set(await session.scalars(select(Case.id).where(
                Case.id.in_(case_ids), Case.demo.is_(True))))

    async def case_of(self, model: type[Item] | type[Flag] | type[Respondent],
                      object_id: str) -> str | None:
        """The case an item, a flag or a respondent (an invitation) belongs to, or None
        if there is no such thing; the caller checks the worker's access to that case."""
        async with self.sessions() as session:
            if model is Item:
                return await session.scalar(select(Respondent.case_id).join(
                    Item, Item.respondent_id == Respondent.id).where(Item.id == object_id))
            if model is Flag:
                return await session.scalar(select(Flag.case_id).where(Flag.id == object_id))
            return await session.scalar(select(Respondent.case_id).where(
                Respondent.id == object_id))
