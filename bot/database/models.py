"""The draft-map store's tables (SQLAlchemy 2.x).

An `Answer` is what a person typed for one question, exactly; it is the unit that the
action server writes (idempotently: one row per respondent and question key, so a
retried call can never make a second one). Items are derived from answers when they
are written, so that workers can review and edit items while the answer itself stays
as typed; the scale and the network are derived from answers when the map is read.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Worker(Base):
    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)  # an administrator
    # "worker", "duty", "manager" or "administrator" (bot/core/vocabulary.py: WORKER_KINDS).
    kind: Mapped[str] = mapped_column(String(20), default="worker")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Switched off (`mapbot worker disable`): no sign-in, and no session or token works.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A worker who signs in through the council's OpenID Connect provider is this
    # issuer's subject (never matched on e-mail); both empty for a local account.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255), default=None)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), default=None)
    # Made by `mapbot demo` (and deleted by `mapbot demo --remove`), never a real person.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject",
                                       name="uq_workers_oidc_identity"),)


class LoginToken(Base):
    __tablename__ = "login_tokens"
    # Only a hash of the bearer token is stored, so a database leak gives no access.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(100))
    child_name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(ForeignKey("workers.id"))
    # Who the case belongs to now: its creator until it is handed over.
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("workers.id"), index=True,
        default=lambda context: context.get_current_parameters()["created_by"])
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Made up by `mapbot demo` (its reference starts DEMO-): no real family's words.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    respondents: Mapped[list[Respondent]] = relationship(
        back_populates="case", order_by="Respondent.created_at"
    )


class Round(Base):
    """One round of mapping of a case (the first, then one a review): invitations belong
    to the round that was current when they were made."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("case_id", "number"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Marked "filed in the case record" by the case's owner: retention then counts the
    # round's time from this moment (bot/services/retention.py).
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filed_by: Mapped[str | None] = mapped_column(String(150))


class Analysis(Base):
    """The worker's part of a round's map (danger statements, safety goals, grey areas,
    next steps, judgement) as JSON; `version` counts saves, so a stale save is refused."""

    __tablename__ = "analyses"
    round_id: Mapped[str] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(150))


class CaseAccess(Base):
    """Workers other than the owner who were given the case to read (viewers): they
    read it and acknowledge its flags, but do not change it."""

    __tablename__ = "case_access"
    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    worker_id: Mapped[str] = mapped_column(
        ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True
    )
    granted_by: Mapped[str | None] = mapped_column(String(150))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Respondent(Base):
    """One invited person and their invitation link (one link per person)."""

    __tablename__ = "respondents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The round of mapping the invitation belongs to (None only for a row written by a
    # release before rounds, which counts as the case's first round).
    round_id: Mapped[str | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The Rasa sender id: random, never the token, never chosen by the client.
    conversation_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    status: Mapped[str] = mapped_column(String(20), default="invited")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The assistant's reply held back while the person reads the safeguarding help.
    held_reply: Mapped[str | None] = mapped_column(Text)
    # A question the portal itself asked and is waiting on ("safe_now"), or None.
    pending_check: Mapped[str | None] = mapped_column(String(20))
    # Whether their name may go beside their words in copies shared with the family
    # (None: not asked or not answered, which counts as no).
    named_in_family_copy: Mapped[bool | None] = mapped_column(Boolean)
    # Who helped them answer, as the worker said at invitation: "worker", "advocate",
    # "interpreter" (bot/core/vocabulary.py: ASSISTED), or None.
    assisted: Mapped[str | None] = mapped_column(String(20))
    # Where the link and one reminder may go (GOV.UK Notify), only if the worker recorded
    # that it is safe to contact them there (`contact_safe`); `contact_shared_ok`: the
    # worker said a child's link may go to a number or address someone else in the case
    # was also given (a shared family phone).
    contact_sms: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_safe: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_shared_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    invitation_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who they are to the child ("Nan", or a professional's job: "Class teacher").
    # Named `relationship_to_child` here: `relationship` is SQLAlchemy's own word.
    relationship_to_child: Mapped[str | None] = mapped_column("relationship", String(100))
    # The adult question set the worker chose (None: the role's own; vocabulary.py).
    question_set: Mapped[str | None] = mapped_column(String(20))
    # Easy Read (issue 23): the shortest wording, with pictures (adults; a child keeps
    # the children's wording).
    easy_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    case: Mapped[Case] = relationship(back_populates="respondents")


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("respondent_id", "question_key"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    question_key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    # The understood number, for scale answers only.
    value: Mapped[int | None] = mapped_column(Integer)
    # "I don't want my family to see this": kept out of copies shared with the family.
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # The assistant's reading of the answer: its parts and their sections (JSON).
    parts: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    house: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Item(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    answer_id: Mapped[str] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    section: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    house: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    original_text: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The answer's language (ISO 639-1); the safeguarding check reads English only, so
    # an item in another language is not checked until someone reads it.
    language: Mapped[str] = mapped_column(String(8), default="en")
    safeguarding_checked: Mapped[bool] = mapped_column(Boolean, default=True)
    # A column a child's words suggest, shown to the worker, never applied by itself.
    suggested_section: Mapped[str | None] = mapped_column(String(20))
    # The question's column, where MapBot moved an adult's words away from it.
    moved_from: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(Base):
    """The transcript as the portal saw it: what the person sent and what they were told."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(10))  # "person" or "bot"
    text: Mapped[str] = mapped_column(Text)
    # A bot message's buttons and custom data as JSON, so the chat page can show them again.
    data: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Flag(Base):
    """A possible safeguarding disclosure: stored the moment it is typed."""

    __tablename__ = "flags"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    # "immediate" (someone may be in danger now) or "concern" (harm described in an
    # answer, past or already known): see bot/core/safeguarding/assess.py.
    level: Mapped[str] = mapped_column(String(10), default="immediate")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(150))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # One alert a person: a flag raised while an earlier alerted flag of the same person
    # is open joins that flag's alerts (its id here) instead of alerting again.
    collapsed_into: Mapped[str | None] = mapped_column(String(32), index=True)
    # The flag's alert chain (bot/services/alerts.py), for a flag that alerted: the period whose
    # contacts were used ("office" or "out_of_hours"), the step reached (1: the first
    # contacts) and when that step's alerts were written.
    alert_period: Mapped[str | None] = mapped_column(String(20))
    alert_step: Mapped[int | None] = mapped_column(Integer)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A message in another language (ISO 639-1), flagged as not checked: None otherwise.
    language: Mapped[str | None] = mapped_column(String(8))


class Alert(Base):
    """An outbox row: one alert to one channel, retried until it is delivered."""

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    flag_id: Mapped[str] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # "webhook" or "email"
    event: Mapped[str] = mapped_column(String(20))  # "raised" or "escalated"
    # Where it goes (an email address or a webhook URL), fixed when it is written, so
    # the board can show where each alert went; which step and period of the chain.
    address: Mapped[str | None] = mapped_column(String(500))
    step: Mapped[int] = mapped_column(Integer, default=1)
    period: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class WebSession(Base):
    """A signed-in worker's browser session (the worker screens; see bot/services/web_sessions.py).

    Only a hash of the cookie value is stored, so a database leak signs nobody in.
    """

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(
        ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Who viewed, edited, exported or acknowledged what, and when (bot/services/audit.py).

    Never holds what anybody wrote: only ids, kinds of change and field names.
    No foreign keys, so the log outlives what it talks about.
    """

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    worker_id: Mapped[str | None] = mapped_column(String(32), index=True)
    username: Mapped[str] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(20))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str | None] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    via: Mapped[str] = mapped_column(String(10))  # "web" or "api"
    detail: Mapped[str | None] = mapped_column(String(200))


class QuestionEvent(Base):
    """A question left without an answer ("skipped": skip, "I don't know", "nothing") or
    met with "I don't understand" ("explained": asked again in simpler words), for the
    managers' figures (bot/services/stats.py). Counts only: never what anybody wrote.

    One row a turn and event: a turn replayed after a lost reply is not counted twice."""

    __tablename__ = "question_events"
    __table_args__ = (UniqueConstraint("respondent_id", "turn", "event", "question_key",
                                       name="uq_question_events_turn"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(20))  # "skipped" or "explained"
    turn: Mapped[int] = mapped_column(Integer)  # the person's message number (chat.py)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
