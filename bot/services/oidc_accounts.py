"""Workers who sign in with their council account (OpenID Connect).

Such a worker is found by the provider's issuer and subject, never by e-mail or name, so
a person who changes their e-mail stays themselves and nobody can take over an account
by naming it. They have no password (a local sign-in never matches them). Their kind is
set from their groups at every sign-in.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import ADMINISTRATOR
from bot.database.models import LoginToken, WebSession, Worker
from bot.services.common import Common

USERNAME_MAX = 150


class OidcAccountsService(Common):
    """Council accounts: made or updated at sign-in; their access ended when refused."""

    async def oidc_sign_in(self, issuer: str, subject: str, username: str,
                           kind: str) -> Worker:
        """The worker for this identity, made at their first sign-in, with `kind` now."""
        try:
            return await self._oidc_sign_in(issuer, subject, username, kind)
        except IntegrityError:  # their first sign-in twice at once: the other one won
            return await self._oidc_sign_in(issuer, subject, username, kind)

    async def _oidc_sign_in(self, issuer: str, subject: str, username: str,
                            kind: str) -> Worker:
        async with self.sessions.begin() as session:
            worker = await _identity(session, issuer, subject)
            if worker is None:
                worker = Worker(username=await _free_username(session, username, issuer,
                                                              subject),
                                password_hash="", oidc_issuer=issuer, oidc_subject=subject)
                session.add(worker)
            worker.kind, worker.is_admin = kind, kind == ADMINISTRATOR
            await session.flush()
            return worker

    async def oidc_refused(self, issuer: str, subject: str) -> Worker | None:
        """The provider gives this identity no MapBot kind any more: every session and
        API token of theirs ends now. Returns the worker, if they had signed in before."""
        async with self.sessions.begin() as session:
            worker = await _identity(session, issuer, subject)
            if worker is not None:
                await session.execute(delete(WebSession).where(
                    WebSession.worker_id == worker.id))
                await session.execute(delete(LoginToken).where(
                    LoginToken.worker_id == worker.id))
            return worker


async def _identity(session: AsyncSession, issuer: str, subject: str) -> Worker | None:
    return await session.scalar(select(Worker).where(
        Worker.oidc_issuer == issuer, Worker.oidc_subject == subject))


async def _free_username(session: AsyncSession, wanted: str, issuer: str,
                         subject: str) -> str:
    """`wanted` (their preferred username or e-mail), or, when another account has it
    (a local account of the same name is a different person until an administrator says
    otherwise), `wanted` with a short mark of this identity."""
    wanted = wanted[:USERNAME_MAX - 9] or "council-user"
    if await session.scalar(select(Worker.id).where(Worker.username == wanted)) is None:
        return wanted
    mark = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
    return f"{wanted}-{mark}"
