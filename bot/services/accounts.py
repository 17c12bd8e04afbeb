"""Workers' accounts and signing in."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.core.draft_map import iso
from bot.core.security import hash_password, new_token, token_hash, verify_password
from bot.core.vocabulary import ADMINISTRATOR, WORKER, WORKER_KINDS
from bot.database.models import LoginToken, Worker, utcnow
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
        """The worker with this username and password, or None (both failures take as long)."""
        async with self.sessions() as session:
            worker = await session.scalar(select(Worker).where(Worker.username == username))
        stored = worker.password_hash if worker else None
        if not await asyncio.to_thread(verify_password, stored, password) or worker is None:
            return None
        return worker

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
            return await session.get(Worker, row.worker_id)

    async def workers(self) -> list[WorkerJson]:
        """Every worker, by username (the administrators' list of workers)."""
        async with self.sessions() as session:
            rows = await session.scalars(select(Worker).order_by(func.lower(Worker.username)))
            return [{"id": w.id, "username": w.username, "is_admin": w.is_admin,
                     "kind": kind_of(w), "created_at": iso(w.created_at)} for w in rows]
