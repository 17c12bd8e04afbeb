"""The audit log: who viewed, edited, exported or acknowledged what, and when.

Both the worker screens and the worker API write to it. An event names the worker, the
action, the kind and id of the thing, its case, where it came from (web or api) and a
short detail made only of field names and fixed values (never what anybody wrote).
Only administrators can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sanic import Request
from sqlalchemy import select

from bot.core.draft_map import CATEGORIES, ITEM_STATUSES, SECTIONS, iso
from bot.core.vocabulary import CASE_ROLES, ROLES, WORKER_KINDS
from bot.database.models import AuditEvent, Case, Flag, Item, Respondent, Worker
from bot.services.store import Store

ACTIONS = {
    "view": "viewed",
    "edit": "edited",
    "export": "exported",
    "acknowledge": "acknowledged",
    "create": "created",
    "invite": "invited",
    "revoke": "stopped the link of",
    "sign_in": "signed in",
    "sign_out": "signed out",
    "sign_out_all": "signed out everywhere",
    "change_password": "changed the password of",
    "add_worker": "added",
    "share": "gave access to",
    "unshare": "took access back from",
    "hand_over": "handed over",
    "sign_in_failed": "failed to sign in",
    "locked_out": "was made to wait before signing in again",
    "refused": "was refused",
    "data_copy": "made a copy of the data held about",
    "erase": "erased the words of",
}
# The ids in MapBot's paths; anything else in a refused path is logged as no id.
_ID = re.compile(r"^[0-9a-f]{32}$")
# The path parameters that name what a refused request was after.
TARGETS = (("item_id", "item"), ("flag_id", "flag"), ("invitation_id", "invitation"),
           ("respondent_id", "respondent"), ("case_id", "case"))
# Values that are fixed words (safe to log); anything else is logged by field name only.
FIXED_VALUES = {*SECTIONS, *CATEGORIES, *ITEM_STATUSES, *ROLES, *CASE_ROLES, *WORKER_KINDS,
                "docx", "html", "json", "csv", "family", None,
                True, False}


@dataclass(frozen=True)
class Event:
    at: str
    username: str
    action: str
    action_words: str
    target_type: str
    target_id: str | None
    case_id: str | None
    case_reference: str | None
    via: str
    detail: str | None


def invitation_changes(role: str, questions: str | None) -> dict:
    """What an invitation's audit line says: the role, and the question set of an adult."""
    return {"role": role} | ({"questions": questions} if questions else {})


def describe(changes: dict | None) -> str | None:
    """A detail line that never contains people's words: `status=accepted; text changed`."""
    if not changes:
        return None
    parts = []
    for name, value in changes.items():
        if name != "text" and isinstance(value, (str, bool, type(None))) and (
                value in FIXED_VALUES):
            parts.append(f"{name}={'none' if value is None else value}")
        else:
            parts.append(f"{name} changed")
    return "; ".join(parts)[:200]


async def _case_of(session, target_type: str, target_id: str | None) -> str | None:
    if target_id is None:
        return None
    if target_type in ("case", "map", "access"):
        return target_id
    if target_type == "item":
        return await session.scalar(select(Respondent.case_id).join(
            Item, Item.respondent_id == Respondent.id).where(Item.id == target_id))
    if target_type == "flag":
        return await session.scalar(select(Flag.case_id).where(Flag.id == target_id))
    if target_type in ("invitation", "respondent"):
        return await session.scalar(select(Respondent.case_id).where(
            Respondent.id == target_id))
    return None


async def write(store: Store, worker: Worker, action: str, target_type: str,
                target_id: str | None, *, case_id: str | None = None, via: str = "web",
                changes: dict | None = None, why: str | None = None) -> None:
    """`why` is a fixed phrase from MapBot's own code (never anyone's words): why a
    worker outside the case's team looked, e.g. "as duty: open flag"."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    async with store.sessions.begin() as session:
        if case_id is None:
            case_id = await _case_of(session, target_type, target_id)
        session.add(AuditEvent(worker_id=worker.id, username=worker.username, action=action,
                               target_type=target_type, target_id=target_id, case_id=case_id,
                               via=via, detail=_detail(why, changes)))


def _detail(why: str | None, changes: dict | None) -> str | None:
    return "; ".join(part for part in (why, describe(changes)) if part)[:200] or None


async def record(request: Request, action: str, target_type: str, target_id: str | None,
                 *, case_id: str | None = None, changes: dict | None = None,
                 why: str | None = None) -> None:
    """One line in a handler: the worker and the channel come from the request."""
    await write(request.app.ctx.store, request.ctx.worker, action, target_type, target_id,
                case_id=case_id, via=_via(request), changes=changes, why=why)


def _via(request: Request) -> str:
    return "api" if request.path.startswith("/api/") else "web"


async def sign_in_attempt(request: Request, username: str | None, worker: Worker | None,
                          checked: bool) -> None:
    """A sign-in through either door: signed in, or a wrong username or password (and
    the one that makes the next tries wait). Tries refused while waiting were never
    checked and are not written, so a flood of them cannot flood the log."""
    store, via = request.app.ctx.store, _via(request)
    if worker is not None:
        await write(store, worker, "sign_in", "worker", worker.id, via=via)
        return
    if not checked or not username:
        return
    await _anonymous(store, username, "sign_in_failed", via)
    address = request.remote_addr or request.ip
    if await request.app.ctx.login_limiter.wait_seconds(username, address):
        await _anonymous(store, username, "locked_out", via)


async def _anonymous(store: Store, username: str, action: str, via: str) -> None:
    """An event with the username as typed (checked words), not an account."""
    async with store.sessions.begin() as session:
        session.add(AuditEvent(worker_id=None, username=username[:150], action=action,
                               target_type="worker", target_id=None, via=via))


async def refused(request: Request, kwargs: dict, why: str) -> None:
    """A worker was refused something (404 or read-only): what it was, if its id is one."""
    target_type, target_id = "path", None
    for name, kind in TARGETS:
        if name in kwargs:
            target_type = kind
            target_id = kwargs[name] if _ID.match(str(kwargs[name])) else None
            break
    await write(request.app.ctx.store, request.ctx.worker, "refused", target_type,
                target_id, via=_via(request), why=why)


async def events(store: Store, *, username: str | None = None, case_id: str | None = None,
                 before: int | None = None, limit: int = 200) -> list[tuple[int, Event]]:
    """The newest events first, with their ids (for paging with `before`)."""
    query = (select(AuditEvent, Case.reference)
             .outerjoin(Case, Case.id == AuditEvent.case_id)
             .order_by(AuditEvent.id.desc()).limit(limit))
    if username:
        query = query.where(AuditEvent.username == username)
    if case_id:
        query = query.where(AuditEvent.case_id == case_id)
    if before:
        query = query.where(AuditEvent.id < before)
    async with store.sessions() as session:
        rows = await session.execute(query)
        return [(event.id, _event(event, reference)) for event, reference in rows]


def _event(event: AuditEvent, reference: str | None) -> Event:
    at: datetime = event.at
    return Event(iso(at), event.username, event.action, ACTIONS.get(event.action, event.action),
                 event.target_type, event.target_id, event.case_id, reference, event.via,
                 event.detail)
