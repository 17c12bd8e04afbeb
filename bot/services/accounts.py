"""Workers' accounts and signing in."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.draft_map import iso
from bot.core.security import hash_password, new_token, token_hash, verify_password
from bot.core.vocabulary import ADMINISTRATOR, WORKER, WORKER_KINDS
from bot.database.models import LoginToken, WebSession, Worker, utcnow
from bot.services.common import Common, _aware, kind_of
from bot.services.shapes import WorkerJson


class AccountsService(Common):
    """Workers and signing in."""

    async def add_worker(self, username: str, password: str, is_admin: bool = False,
                         kind: str = WORKER) -> str:
        if kind not in WORKER_KINDS:
            raise ValueError(f"unknown worker kind {kind!r}")
        is_admin = is_admin or kind == ADMINISTRATOR
        password_hash = await asyncio.to_thread(hash_password, password)
        async with self.sessions.begin() as session:
            worker = Worker(username=username, password_hash=password_hash, is_admin=is_admin,
                            kind=ADMINISTRATOR if is_admin else kind)
            session.add(worker)
            await session.flush()
            return worker.id

    async def login(self, username: str, password: str, hours: int) -> tuple[str, datetime] | None:
        worker = await self.authenticate(username, password)
        return None if worker is None else await self.login_token(worker, hours)

    async def authenticate(self, username: str, password: str) -> Worker | None:
        """The worker with this username and password, or None (every failure takes as
        long: a switched-off account's password is checked all the same)."""
        async with self.sessions() as session:
            worker = await session.scalar(select(Worker).where(Worker.username == username))
        stored = worker.password_hash if worker else None
        if not await asyncio.to_thread(verify_password, stored, password) or worker is None:
            return None
        return None if worker.disabled_at is not None else worker

    async def login_token(self, worker: Worker, hours: int) -> tuple[str, datetime]:
        """A new API bearer token for a signed-in worker, and when it expires."""
        token = new_token()
        expires_at = utcnow() + timedelta(hours=hours)
        async with self.sessions.begin() as session:
            session.add(LoginToken(token_hash=token_hash(token), worker_id=worker.id,
                                   expires_at=expires_at))
        return token, expires_at

    async def worker_for_token(self, token: str) -> Worker | None:
        async with self.sessions() as session:
            row = await session.get(LoginToken, token_hash(token))
            if row is None or _aware(row.expires_at) <= utcnow():
                return None
            worker = await session.get(Worker, row.worker_id)
            return None if worker is None or worker.disabled_at is not None else worker

    async def end_expired_tokens(self) -> int:
        """Remove API tokens that can no longer be used (housekeeping at each sign-in)."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                delete(LoginToken).where(LoginToken.expires_at <= utcnow()))
        return _count(result)

    async def sign_out_everywhere(self, worker_id: str, keep_session: str | None = None) -> int:
        """End every screen session and API token of the worker (except the screen
        session whose hash is `keep_session`); how many ended."""
        async with self.sessions.begin() as session:
            return await _end_all(session, worker_id, keep_session)

    async def set_password(self, worker_id: str, password: str,
                           keep_session: str | None = None) -> None:
        """A new password; every other session and token ends in the same transaction
        (someone who knew the old one may be signed in)."""
        password_hash = await asyncio.to_thread(hash_password, password)
        async with self.sessions.begin() as session:
            await session.execute(update(Worker).where(Worker.id == worker_id)
                                  .values(password_hash=password_hash))
            await _end_all(session, worker_id, keep_session)

    async def has_workers(self) -> bool:
        """Whether anyone has an account yet (the first run says how to make one)."""
        async with self.sessions() as session:
            return await session.scalar(select(Worker.id).limit(1)) is not None

    async def worker_id(self, username: str) -> str | None:
        async with self.sessions() as session:
            return await session.scalar(select(Worker.id).where(Worker.username == username))

    async def set_disabled(self, username: str, disabled: bool) -> bool:
        """Switch an account off (every session and token ends with it) or on again;
        False when there is no such worker."""
        async with self.sessions.begin() as session:
            worker_id = await session.scalar(
                select(Worker.id).where(Worker.username == username))
            if worker_id is None:
                return False
            await session.execute(update(Worker).where(Worker.id == worker_id)
                                  .values(disabled_at=utcnow() if disabled else None))
            if disabled:
                await _end_all(session, worker_id)
        return True

    async def workers(self) -> list[WorkerJson]:
        """Every worker, by username (the administrators' list of workers)."""
        async with self.sessions() as session:
            rows = await session.scalars(select(Worker).order_by(func.lower(Worker.username)))
            return [{"id": w.id, "username": w.username, "is_admin": w.is_admin,
                     "kind": kind_of(w), "created_at": iso(w.created_at)} for w in rows]


async def _end_all(session: AsyncSession, worker_id: str, keep_session: str | None = None
                   ) -> int:
    sessions = delete(WebSession).where(WebSession.worker_id == worker_id)
    if keep_session is not None:
        sessions = sessions.where(WebSession.id_hash != keep_session)
    tokens = delete(LoginToken).where(LoginToken.worker_id == worker_id)
    return _count(await session.execute(sessions)) + _count(await session.execute(tokens))


def _count(result: object) -> int:
    return cast("CursorResult[Any]", result).rowcount or 0  # a DELETE's result
