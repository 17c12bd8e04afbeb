"""The database's migrations (bot/database/migrations): a database made by the previous release,
with data in it, is upgraded at start losing nothing; a fresh database upgraded to head
has exactly the tables of bot/database/models.py.

Runs on SQLite, and on PostgreSQL when MAPBOT_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, select, text

from bot.database.migrations import UnknownSchema, alembic_config, sync_url, upgrade
from bot.database.models import Base, Worker
from bot.services.store import Store

HEAD = "0012_suggested_sections"  # the current head revision
TABLES = {"workers", "login_tokens", "cases", "case_access", "respondents", "answers",
          "items", "messages", "flags", "alerts", "web_sessions", "audit_events",
          "question_events", "rounds", "analyses", "alembic_version"}


def _engine(url: str) -> Engine:
    return create_engine(sync_url(url))


def _previous_release(url: str) -> Engine:
    """A database as the previous release left it: its tables (revision 1), made by
    `create_all`, so without Alembic's record."""
    command.upgrade(alembic_config(url), "0001")
    engine = _engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
    return engine


def _moment(dialect: str, hour: int) -> str:
    """A time as the previous release stored it."""
    if dialect == "sqlite":
        return f"2026-03-0{hour} 0{hour}:15:00.000000"
    return f"2026-03-0{hour} 0{hour}:15:00+00"


def _utc(hour: int) -> datetime:
    return datetime(2026, 3, hour, hour, 15, tzinfo=timezone.utc)


def _fill(engine: Engine) -> None:
    """One of everything, through plain SQL in the previous release's columns."""
    d = engine.dialect.name
    t = {n: _moment(d, n) for n in range(1, 8)}
    rows = [
        "INSERT INTO workers (id, username, password_hash, is_admin, created_at) VALUES "
        f"('w1', 'alice', 'hash-a', false, '{t[1]}'), ('w2', 'root', 'hash-r', true, '{t[1]}')",
        "INSERT INTO login_tokens (token_hash, worker_id, expires_at) VALUES "
        f"('tok1', 'w1', '{t[7]}')",
        "INSERT INTO cases (id, reference, child_name, created_by, created_at) VALUES "
        f"('c1', 'REF-1', 'Sam', 'w1', '{t[2]}')",
        "INSERT INTO case_access (case_id, worker_id) VALUES ('c1', 'w2')",
        "INSERT INTO respondents (id, case_id, role, name, token_hash, conversation_id, "
        "status, created_at, expires_at, revoked_at, started_at, submitted_at, held_reply) "
        f"VALUES ('r1', 'c1', 'child', 'Sam', 'th1', 'conv1', 'started', '{t[3]}', '{t[7]}', "
        f"NULL, '{t[3]}', NULL, 'held words')",
        "INSERT INTO answers (id, respondent_id, question_key, kind, question, text, value, "
        "parts, section, category, house, position, created_at, updated_at) VALUES "
        "('a1', 'r1', 'worries', 'text', 'What worries you?', 'The shouting at night', "
        f"NULL, '[]', 'worries', 'home', NULL, 2, '{t[4]}', '{t[4]}'), "
        "('a2', 'r1', 'scale', 'scale', 'How safe, 0 to 10?', 'six', 6, NULL, NULL, NULL, "
        f"NULL, 3, '{t[4]}', '{t[5]}')",
        "INSERT INTO items (id, answer_id, respondent_id, section, category, house, text, "
        "original_text, question, confidence, status, position, created_at) VALUES "
        "('i1', 'a1', 'r1', 'worries', 'home', 'house_of_worries', 'Shouting at night', "
        f"'The shouting at night', 'What worries you?', 0.75, 'approved', 1, '{t[4]}')",
        "INSERT INTO messages (respondent_id, sender, text, data, created_at) VALUES "
        f"('r1', 'person', 'The shouting at night', NULL, '{t[4]}')",
        "INSERT INTO flags (id, case_id, respondent_id, category, text, created_at, "
        "acknowledged_by, acknowledged_at, escalated_at) VALUES "
        f"('f1', 'c1', 'r1', 'violence', 'he hits me', '{t[5]}', NULL, NULL, '{t[6]}')",
        "INSERT INTO alerts (id, flag_id, channel, event, attempts, next_attempt_at, "
        "delivered_at, last_error) VALUES "
        f"('al1', 'f1', 'email', 'raised', 1, '{t[5]}', '{t[5]}', NULL), "
        f"('al2', 'f1', 'webhook', 'escalated', 3, '{t[7]}', NULL, 'timed out')",
        "INSERT INTO web_sessions (id_hash, worker_id, csrf_token, created_at, last_seen_at) "
        f"VALUES ('s1', 'w1', 'csrf1', '{t[1]}', '{t[2]}')",
        "INSERT INTO audit_events (at, worker_id, username, action, target_type, target_id, "
        f"case_id, via, detail) VALUES ('{t[2]}', 'w1', 'alice', 'view', 'case', 'c1', "
        "'c1', 'web', NULL)",
    ]
    with engine.begin() as connection:
        for statement in rows:
            connection.exec_driver_sql(statement)


def _rows(engine: Engine, table: str, order: str) -> list[dict]:
    """Every row as SQLAlchemy reads it (times in UTC, aware)."""
    columns = Base.metadata.tables[table]
    with engine.connect() as connection:
        found = connection.execute(select(columns).order_by(columns.c[order])).mappings()
        return [{key: (value.replace(tzinfo=timezone.utc)
                       if isinstance(value, datetime) and value.tzinfo is None
                       else value.astimezone(timezone.utc)
                       if isinstance(value, datetime) else value)
                 for key, value in row.items()} for row in found]


async def test_the_previous_release_s_database_is_upgraded_at_start_losing_nothing(
        empty_database_url: str) -> None:
    engine = _previous_release(empty_database_url)
    try:
        _fill(engine)
        store = Store(empty_database_url)
        try:
            await store.create_schema()  # what the portal and `mapbot` do at start
            # The upgraded database is usable by this release's code.
            async with store.sessions() as session:
                owner, viewer = await session.get(Worker, "w1"), await session.get(Worker, "w2")
            assert [c["reference"] for c in await store.list_cases(owner)] == ["REF-1"]
            assert [c["reference"] for c in await store.list_cases(viewer)] == ["REF-1"]
        finally:
            await store.close()

        with engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar_one() == HEAD
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []

        assert _rows(engine, "workers", "id") == [
            {"id": "w1", "username": "alice", "password_hash": "hash-a", "is_admin": False,
             "kind": "worker", "created_at": _utc(1), "oidc_issuer": None, "oidc_subject": None,
             "disabled_at": None, "demo": False},
            {"id": "w2", "username": "root", "password_hash": "hash-r", "is_admin": True,
             "kind": "administrator", "created_at": _utc(1), "oidc_issuer": None,
             "oidc_subject": None, "disabled_at": None, "demo": False}]
        assert _rows(engine, "login_tokens", "token_hash") == [
            {"token_hash": "tok1", "worker_id": "w1", "expires_at": _utc(7)}]
        assert _rows(engine, "cases", "id") == [
            {"id": "c1", "reference": "REF-1", "child_name": "Sam", "created_by": "w1",
             "owner_id": "w1", "created_at": _utc(2), "demo": False}]
        assert _rows(engine, "case_access", "case_id") == [
            {"case_id": "c1", "worker_id": "w2", "granted_by": None, "granted_at": _utc(2)}]
        assert _rows(engine, "respondents", "id") == [
            {"id": "r1", "case_id": "c1", "role": "child", "name": "Sam", "token_hash": "th1",
             "conversation_id": "conv1", "status": "started", "created_at": _utc(3),
             "expires_at": _utc(7), "revoked_at": None, "started_at": _utc(3),
             "submitted_at": None, "held_reply": "held words", "pending_check": None,
             "named_in_family_copy": None, "assisted": None, "contact_sms": None,
             "contact_email": None, "contact_safe": False, "contact_shared_ok": False,
             "invitation_sent_at": None, "reminded_at": None, "relationship": None,
             "question_set": None, "round_id": "c1",
             "easy_read": False}]  # 0011: the ordinary wording
        # The case's first round (its id the case's), which its invitation belongs to.
        assert _rows(engine, "rounds", "id") == [
            {"id": "c1", "case_id": "c1", "number": 1, "label": "First mapping",
             "started_at": _utc(2), "filed_at": None, "filed_by": None}]  # 0010: unfiled
        assert _rows(engine, "analyses", "round_id") == []
        assert _rows(engine, "answers", "id") == [
            {"id": "a1", "respondent_id": "r1", "question_key": "worries", "kind": "text",
             "question": "What worries you?", "text": "The shouting at night", "value": None,
             "private": False, "parts": "[]", "section": "worries", "category": "home",
             "house": None, "position": 2, "created_at": _utc(4), "updated_at": _utc(4)},
            {"id": "a2", "respondent_id": "r1", "question_key": "scale", "kind": "scale",
             "question": "How safe, 0 to 10?", "text": "six", "value": 6, "private": False,
             "parts": None, "section": None, "category": None, "house": None, "position": 3,
             "created_at": _utc(4), "updated_at": _utc(5)}]
        assert _rows(engine, "items", "id") == [
            {"id": "i1", "answer_id": "a1", "respondent_id": "r1", "section": "worries",
             "category": "home", "house": "house_of_worries", "text": "Shouting at night",
             "original_text": "The shouting at night", "question": "What worries you?",
             "confidence": 0.75, "status": "approved", "private": False, "position": 1,
             "created_at": _utc(4), "language": "en", "safeguarding_checked": True,
             "suggested_section": None, "moved_from": None}]  # 0012: nothing suggested
        assert _rows(engine, "messages", "id") == [
            {"id": 1, "respondent_id": "r1", "sender": "person",
             "text": "The shouting at night", "data": None, "created_at": _utc(4)}]
        assert _rows(engine, "flags", "id") == [
            {"id": "f1", "case_id": "c1", "respondent_id": "r1", "category": "violence",
             "level": "immediate", "text": "he hits me", "created_at": _utc(5),
             "acknowledged_by": None, "acknowledged_at": None, "escalated_at": _utc(6),
             "collapsed_into": None, "alert_period": None, "alert_step": None,
             "alerted_at": None, "language": None}]
        assert _rows(engine, "alerts", "id") == [
            {"id": "al1", "flag_id": "f1", "channel": "email", "event": "raised",
             "address": None, "step": 1, "period": None, "created_at": _utc(5),
             "attempts": 1, "next_attempt_at": _utc(5), "delivered_at": _utc(5),
             "last_error": None},
            {"id": "al2", "flag_id": "f1", "channel": "webhook", "event": "escalated",
             "address": None, "step": 1, "period": None, "created_at": _utc(6),
             "attempts": 3, "next_attempt_at": _utc(7), "delivered_at": None,
             "last_error": "timed out"}]
        assert _rows(engine, "web_sessions", "id_hash") == [
            {"id_hash": "s1", "worker_id": "w1", "csrf_token": "csrf1", "created_at": _utc(1),
             "last_seen_at": _utc(2)}]
        assert _rows(engine, "audit_events", "id") == [
            {"id": 1, "at": _utc(2), "worker_id": "w1", "username": "alice",
             "action": "view", "target_type": "case", "target_id": "c1", "case_id": "c1",
             "via": "web", "detail": None}]
    finally:
        engine.dispose()


def _differences(engine: Engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_a_fresh_database_upgraded_to_head_has_exactly_the_models_tables(
        empty_database_url: str) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)  # a second start changes nothing
    engine = _engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        assert _differences(engine) == []
        with engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar_one() == HEAD
    finally:
        engine.dispose()


def test_the_comparison_would_see_a_missing_column(empty_database_url: str) -> None:
    """The check above can fail: a database at revision 1 differs from the models."""
    command.upgrade(alembic_config(empty_database_url), "0001")
    engine = _engine(empty_database_url)
    try:
        added = {(d[0], d[3].name) for d in _differences(engine) if d[0] == "add_column"}
        assert ("add_column", "kind") in added
        assert ("add_column", "owner_id") in added
    finally:
        engine.dispose()


def test_a_database_made_by_create_all_of_this_release_is_stamped_head(
        empty_database_url: str) -> None:
    engine = _engine(empty_database_url)
    try:
        Base.metadata.create_all(engine)
        upgrade(empty_database_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar_one() == HEAD
    finally:
        engine.dispose()


def test_tables_of_no_known_release_are_refused(empty_database_url: str) -> None:
    engine = _engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE workers (id VARCHAR(32) PRIMARY KEY)"))
        with pytest.raises(UnknownSchema):
            upgrade(empty_database_url)
        assert "alembic_version" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_another_application_s_table_is_left_alone(empty_database_url: str) -> None:
    """Rasa's trackers may share the database: their table is not the portal's."""
    engine = _engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY)"))
            connection.execute(text("INSERT INTO events (id) VALUES (41)"))
        upgrade(empty_database_url)
        assert set(inspect(engine).get_table_names()) == TABLES | {"events"}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT id FROM events")).scalar_one() == 41
    finally:
        engine.dispose()
