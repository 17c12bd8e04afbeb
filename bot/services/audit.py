"""The audit log: who viewed, edited, exported or acknowledged what, and when.

Both the worker screens and the worker API write to it. An event names the worker, the
action, the kind and id of the thing, its case, where it came from (web or api) and a
short detail made only of field names and fixed values (never what anybody wrote).
Only administrators can read it.
"""

from __future__ import annotations

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
    "add_worker": "added",
    "share": "gave access to",
    "unshare": "took access back from",
    "hand_over": "handed over",
}
# Values that are fixed words (safe to log); anything else is logged by field name only.
FIXED_VALUES = {*SECTIONS, *CATEGORIES, *ITEM_STATUSES, *ROLES, *CASE_ROLES, *WORKER_KINDS,
                "docx", "html", "json", "family", None,
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
    if target_type == "invitation":
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
    via = "api" if request.path.startswith("/api/") else "web"
    await write(request.app.ctx.store, request.ctx.worker, action, target_type, target_id,
                case_id=case_id, via=via, changes=changes, why=why)


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
