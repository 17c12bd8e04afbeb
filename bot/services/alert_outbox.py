"""The alert outbox: alerts waiting to be sent, their escalation, and their trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.core.alert_routes import Route
from bot.core.draft_map import iso
from bot.database.models import Alert, Case, Flag, Respondent
from bot.services.common import Common, _aware
from bot.services.shapes import AlertJson, AlertTrailJson


@dataclass(frozen=True)
class AlertJob:
    """One alert to deliver, with what the alert may say (never the words written)."""

    alert_id: str
    channel: str
    event: str
    attempts: int
    flag_id: str
    case_id: str
    case_reference: str
    respondent_role: str
    category: str
    created_at: str
    address: str  # the email address or webhook URL it goes to


@dataclass(frozen=True)
class Head:
    """An alerted flag whose alerts are open: how far along its chain it is."""

    flag_id: str
    period: str
    step: int
    alerted_at: datetime


class AlertOutboxService(Common):
    """The alert outbox."""

    async def overdue_heads(self, minutes: int, now: datetime) -> list[Head]:
        """Alerted flags whose alerts are still open, not acknowledged within `minutes` of
        their last step, with an open `immediate` flag among them (a `concern` waits
        for the worker, not for the next contact)."""
        async with self.sessions() as session:
            heads = await session.scalars(select(Flag).where(
                Flag.alert_step.is_not(None), Flag.collapsed_into.is_(None),
                Flag.alerted_at <= now - timedelta(minutes=minutes)))
            found = []
            for head in heads:
                urgent = await session.scalar(select(func.count()).select_from(Flag).where(
                    or_(Flag.id == head.id, Flag.collapsed_into == head.id),
                    Flag.acknowledged_at.is_(None), Flag.level == "immediate"))
                if urgent:
                    # the query's alert_step is set, and with it alert_period and alerted_at
                    assert head.alert_period is not None and head.alert_step is not None
                    assert head.alerted_at is not None
                    found.append(Head(head.id, head.alert_period, head.alert_step,
                                      _aware(head.alerted_at)))
            return found

    async def advance(self, head: Head, route: Route, now: datetime) -> bool:
        """Move a flag's alerts to the next step; conditional, so that of several portals
        only one does it. False if someone else did, or there is no one left to tell."""
        if not route.contacts:
            return False
        async with self.sessions.begin() as session:
            claimed = await session.execute(update(Flag).where(
                Flag.id == head.flag_id, Flag.alert_step == head.step,
                Flag.alert_period == head.period)
                .values(alert_step=route.step, alert_period=route.period, alerted_at=now,
                        escalated_at=now))
            if cast("CursorResult[Any]", claimed).rowcount != 1:  # an UPDATE's result
                return False
            session.add_all(self._alerts(head.flag_id, route, "escalated", now))
            return True

    async def due_alerts(self, now: datetime | None = None, limit: int = 50) -> list[AlertJob]:
        now = now or self.clock()
        grouped = aliased(Flag)
        still_open = (select(grouped.id).where(
            or_(grouped.id == Flag.id, grouped.collapsed_into == Flag.id),
            grouped.acknowledged_at.is_(None)).correlate(Flag).exists())
        async with self.sessions() as session:
            rows = await session.execute(
                select(Alert, Flag, Case, Respondent)
                .join(Flag, Alert.flag_id == Flag.id).join(Case, Flag.case_id == Case.id)
                .join(Respondent, Flag.respondent_id == Respondent.id)
                .where(Alert.delivered_at.is_(None), Alert.next_attempt_at <= now,
                       # an escalation is moot once the person's flags are acknowledged
                       or_(Alert.event != "escalated", still_open))
                .order_by(Alert.next_attempt_at).limit(limit))
            return [AlertJob(alert.id, alert.channel, alert.event, alert.attempts, flag.id,
                             case.id, case.reference, respondent.role, flag.category,
                             iso(flag.created_at), alert.address or "")
                    for alert, flag, case, respondent in rows]

    async def claim_alert(self, alert_id: str, lease_seconds: float = 60,
                          now: datetime | None = None) -> bool:
        """Take an alert for sending; with several portals only one of them gets it."""
        now = now or self.clock()
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Alert).where(Alert.id == alert_id, Alert.delivered_at.is_(None),
                                    Alert.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=lease_seconds)))
            return cast("CursorResult[Any]", result).rowcount == 1  # an UPDATE's result

    async def alert_delivered(self, alert_id: str, now: datetime | None = None) -> None:
        async with self.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            assert alert is not None  # its id came from due_alerts
            alert.delivered_at, alert.attempts = now or self.clock(), alert.attempts + 1

    async def alert_failed(self, alert_id: str, error: str, retry_in_seconds: float,
                           now: datetime | None = None) -> None:
        async with self.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            assert alert is not None  # its id came from due_alerts
            alert.attempts += 1
            alert.last_error = error
            alert.next_attempt_at = (now or self.clock()) + timedelta(seconds=retry_in_seconds)

    async def alert_trail(self, case_id: str) -> dict[str, AlertTrailJson]:
        """Where each flag's alerts went and when, by flag id: `{"alerts": [...],
        "collapsed": bool}` (a flag that joined an earlier one's alerts shows those)."""
        async with self.sessions() as session:
            flags = list(await session.execute(select(Flag.id, Flag.collapsed_into).where(
                Flag.case_id == case_id)))
            rows = await session.scalars(select(Alert).join(Flag, Alert.flag_id == Flag.id)
                                         .where(Flag.case_id == case_id)
                                         .order_by(Alert.created_at, Alert.channel))
            by_flag: dict[str, list[AlertJson]] = {}
            for alert in rows:
                by_flag.setdefault(alert.flag_id, []).append({
                    "channel": alert.channel, "address": alert.address, "event": alert.event,
                    "step": alert.step, "period": alert.period,
                    "created_at": iso(alert.created_at),
                    "delivered_at": iso(alert.delivered_at), "attempts": alert.attempts})
            return {flag_id: {"alerts": by_flag.get(head or flag_id, []),
                              "collapsed": head is not None}
                    for flag_id, head in flags}
