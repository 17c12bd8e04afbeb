"""Helpers for the portal tests (kept out of conftest.py, so that test modules can import
them by a name no other test directory uses)."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, select

from bot.database.models import Respondent
from bot.services.store import Store

SECRET = "s3cret-" * 6  # the portal takes no internal secret under 32 characters
PASSWORD = "correct horse battery staple"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_iso(value: str) -> datetime:
    assert isinstance(value, str) and ISO_UTC.match(value), f"not ISO 8601 UTC with Z: {value!r}"
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=timezone.utc)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Worker:
    id: str
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Portal:
    """The client plus the calls that most tests need, all through the public API
    (and the internal endpoint, as the action server calls it)."""

    client: object
    store: Store
    secret_headers: dict = field(default_factory=lambda: {"Authorization": f"Bearer {SECRET}"})

    async def add_worker(self, username: str) -> Worker:
        worker_id = await self.store.add_worker(username, PASSWORD)
        token, _ = await self.store.login(username, PASSWORD, hours=1)
        return Worker(worker_id, username, token)

    async def create_case(self, worker: Worker, reference: str = "CASE-0001",
                          child_name: str = "Alex Example") -> dict:
        _, response = await self.client.post(
            "/api/v1/cases", json={"reference": reference, "child_name": child_name},
            headers=worker.headers)
        assert response.status == 201, response.text
        return response.json

    async def invite(self, worker: Worker, case_id: str, role: str = "parent",
                     name: str = "Jo Parent") -> dict:
        _, response = await self.client.post(
            f"/api/v1/cases/{case_id}/invitations", json={"role": role, "name": name},
            headers=worker.headers)
        assert response.status == 201, response.text
        invitation = response.json
        invitation["conversation_id"] = await self.conversation_id(invitation["id"])
        return invitation

    async def conversation_id(self, respondent_id: str) -> str:
        """The Rasa sender id; only the database knows it (never the browser)."""
        async with self.store.sessions() as session:
            return await session.scalar(
                select(Respondent.conversation_id).where(Respondent.id == respondent_id))

    async def respondent(self, respondent_id: str) -> Respondent:
        async with self.store.sessions() as session:
            return await session.get(Respondent, respondent_id)

    async def count(self, model) -> int:
        async with self.store.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model))

    async def put_answer(self, conversation_id: str, key: str, *, headers: dict | None = None,
                         **body):
        _, response = await self.client.put(
            f"/internal/v1/conversations/{conversation_id}/answers/{key}", json=body,
            headers=self.secret_headers if headers is None else headers)
        return response

    async def answer(self, conversation_id: str, key: str, **body) -> dict:
        body.setdefault("question", f"Question {key}?")
        response = await self.put_answer(conversation_id, key, **body)
        assert response.status == 200, response.text
        return response.json

    async def submit(self, conversation_id: str) -> dict:
        _, response = await self.client.post(
            f"/internal/v1/conversations/{conversation_id}/submit", headers=self.secret_headers)
        assert response.status == 200, response.text
        return response.json

    async def draft_map(self, worker: Worker, case_id: str) -> dict:
        _, response = await self.client.get(f"/api/v1/cases/{case_id}/map",
                                            headers=worker.headers)
        assert response.status == 200, response.text
        return response.json
