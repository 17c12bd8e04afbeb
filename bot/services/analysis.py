"""The worker's part of the map (bot/core/analysis.py): one a round, saved whole, with
a version so that a save made from a stale page is refused instead of overwriting."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.core import analysis
from bot.core.draft_map import iso
from bot.database.models import Analysis, Case, Item, Respondent, Round, Worker, new_id, utcnow
from bot.services.common import CHANGE, TEAM, Conflict, Invalid
from bot.services.rounds import RoundsService
from bot.services.shapes import AnalysisJson

STALE = ("Someone saved the worker's part of this map after you opened it, so your "
         "changes were not saved. Read it again, then make your changes to that.")
NOT_THIS_CASE = "Evidence can only be items of this case's map."
UNKNOWN_ENTRY = "An entry's id must be one MapBot gave it (leave the id out for a new one)."


class AnalysisService(RoundsService):
    """Read and save the worker's part of a case's current round."""

    async def analysis(self, worker: Worker, case_id: str,
                       allowed: tuple[str, ...] = TEAM) -> AnalysisJson:
        await self._ensure_rounds(case_id)
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id, allowed)
            current = await self._round(session, case)
            stored = await session.get(Analysis, current.id)
            return await self._analysis_json(session, case, current, stored)

    async def save_analysis(self, worker: Worker, case_id: str, version: int,
                            content: dict) -> AnalysisJson:
        """Save `content` over the version read; Conflict if another save came first,
        Invalid for evidence that is not an item of this case."""
        await self._ensure_rounds(case_id)
        try:
            async with self.sessions.begin() as session:
                case = await self._case_for(session, worker, case_id, CHANGE)
                current = await self._round(session, case)
                stored = await session.get(Analysis, current.id)
                await self._check(session, case, stored, content)
                saved = analysis.with_ids(content, new_id)
                await self._write(session, case, current, stored, version, saved, worker)
                return await self._analysis_json(
                    session, case, current, await session.get(Analysis, current.id))
        except IntegrityError:  # two first saves at once: the second is stale
            raise Conflict(STALE) from None

    async def _check(self, session, case: Case, stored: Analysis | None,
                     content: dict) -> None:
        known = analysis.entry_ids(json.loads(stored.content)) if stored else set()
        if analysis.entry_ids(content) - known:
            raise Invalid(UNKNOWN_ENTRY)
        evidence = analysis.evidence_of(content)
        if evidence - await self._on_map(session, case, evidence):
            raise Invalid(NOT_THIS_CASE)

    @staticmethod
    async def _on_map(session, case: Case, ids: set[str]) -> set[str]:
        """Those of `ids` that are items on this case's map (sent, not erased)."""
        if not ids:
            return set()
        return set(await session.scalars(select(Item.id).join(
            Respondent, Item.respondent_id == Respondent.id).where(
            Item.id.in_(ids), Respondent.case_id == case.id,
            Respondent.status == "submitted")))

    @staticmethod
    async def _write(session, case: Case, current: Round, stored: Analysis | None,
                     version: int, content: dict, worker: Worker) -> None:
        """Compare and set: the row changes only if it is still at `version`."""
        now, text = utcnow(), json.dumps(content, ensure_ascii=False)
        if stored is None:
            if version != 0:
                raise Conflict(STALE)
            session.add(Analysis(round_id=current.id, case_id=case.id, version=1,
                                 content=text, updated_at=now, updated_by=worker.username))
            await session.flush()
            return
        done = await session.execute(
            update(Analysis).where(Analysis.round_id == current.id,
                                   Analysis.version == version)
            .values(version=version + 1, content=text, updated_at=now,
                    updated_by=worker.username)
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise Conflict(STALE)
        await session.refresh(stored)

    async def _analysis_json(self, session, case: Case, current: Round,
                             stored: Analysis | None) -> AnalysisJson:
        content = json.loads(stored.content) if stored else analysis.empty()
        # Evidence whose words were erased since (a person's erasure) is no longer shown.
        content = analysis.keep_evidence(content, await self._on_map(
            session, case, analysis.evidence_of(content)))
        people = await self._respondents(session, case.id)
        in_round = [p for p in people if p.status == "submitted"
                    and (p.round_id == current.id or (p.round_id is None
                                                     and current.number == 1))]
        worries = await session.scalars(select(Item).where(
            Item.respondent_id.in_([p.id for p in in_round]), Item.section == "worries",
            Item.status != "rejected").order_by(Item.created_at, Item.position))
        names = {p.id: p.name for p in in_round}
        scaffolds = analysis.scaffolds(({"id": i.id, "respondent_id": i.respondent_id}
                                        for i in worries), names, case.child_name)
        return {"version": stored.version if stored else 0,
                **{name: content[name] for name in analysis.LISTS},  # type: ignore[typeddict-item]
                "judgement": content["judgement"],
                "scaffolds": {"danger_statements": scaffolds},
                "updated_at": iso(stored.updated_at) if stored else None,
                "updated_by": stored.updated_by if stored else None}
