"""The portal database's migrations (Alembic): `upgrade` brings any database to head.

- versions/0001_*: the schema of the release before migrations existed (f551cb0);
- versions/0002_*: this round's columns (worker kinds, case owners, flag levels, ...);
- versions/0003_*: switching a local account off (`disabled_at`);
- versions/0004_*: a council account's OpenID Connect identity (issuer, subject);
- versions/0005_*: the managers' figures: questions skipped or not understood (counts);
- versions/0006_*: the demo's made-up worker and case (`demo`);
- versions/0007_*: who helped a person answer, items' language, safe contact (issue 23);
- versions/0009_*: rounds of mapping, and the worker's part of the map (`analyses`);
- a new change: README.md, "Upgrading".

A database made before Alembic existed (the portal ran `create_all`) has the tables but
no `alembic_version` table: `upgrade` recognises its revision from its columns, stamps
it and upgrades it from there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, pool, text

HERE = Path(__file__).resolve().parent
BASELINE = "0001"  # the previous release's schema

# The tables and columns of the previous release (f551cb0's bot/database/models.py), to recognise
# a database it made.
BASELINE_COLUMNS: dict[str, set[str]] = {
    "workers": {"id", "username", "password_hash", "is_admin", "created_at"},
    "login_tokens": {"token_hash", "worker_id", "expires_at"},
    "cases": {"id", "reference", "child_name", "created_by", "created_at"},
    "case_access": {"case_id", "worker_id"},
    "respondents": {"id", "case_id", "role", "name", "token_hash", "conversation_id",
                    "status", "created_at", "expires_at", "revoked_at", "started_at",
                    "submitted_at", "held_reply"},
    "answers": {"id", "respondent_id", "question_key", "kind", "question", "text", "value",
                "parts", "section", "category", "house", "position", "created_at",
                "updated_at"},
    "items": {"id", "answer_id", "respondent_id", "section", "category", "house", "text",
              "original_text", "question", "confidence", "status", "position",
              "created_at"},
    "messages": {"id", "respondent_id", "sender", "text", "data", "created_at"},
    "flags": {"id", "case_id", "respondent_id", "category", "text", "created_at",
              "acknowledged_by", "acknowledged_at", "escalated_at"},
    "alerts": {"id", "flag_id", "channel", "event", "attempts", "next_attempt_at",
               "delivered_at", "last_error"},
    "web_sessions": {"id_hash", "worker_id", "csrf_token", "created_at", "last_seen_at"},
    "audit_events": {"id", "at", "worker_id", "username", "action", "target_type",
                     "target_id", "case_id", "via", "detail"},
}


class UnknownSchema(RuntimeError):
    """The database has tables but no revision, and they match no known release."""


def sync_url(url: str) -> str:
    """The plain (synchronous) driver for a portal database URL."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            return "sqlite:///" + url.removeprefix(prefix)
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url:
        config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def current_columns(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {table: {column["name"] for column in inspector.get_columns(table)}
            for table in inspector.get_table_names() if table != "alembic_version"}


def recognise(connection: Connection) -> str | None:
    """The revision of a database without `alembic_version`: None when it has none of
    the portal's tables, the baseline when its tables are the previous release's, head
    when they are this release's (made by `create_all`); anything else is refused."""
    from bot.database.models import Base

    ours = {name: {column.name for column in table.columns}
            for name, table in Base.metadata.tables.items()}
    found = current_columns(connection)
    if not found.keys() & (ours.keys() | BASELINE_COLUMNS.keys()):
        return None  # none of the portal's tables (others, e.g. Rasa's, are left alone)
    for revision, expected in ((BASELINE, BASELINE_COLUMNS), (head(), ours)):
        if {name: found.get(name) for name in expected} == expected:
            return revision
    raise UnknownSchema(
        "The database has tables but no alembic_version, and its tables match neither "
        "the previous release nor this one; upgrade it by hand (README.md: Upgrading).")


def upgrade(url: str) -> None:
    """Bring the database at `url` to head (synchronously: call it in a thread)."""
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # Copying a table (batch mode) drops the old one; with foreign keys on,
                # that would delete the rows that refer to it. Off outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            upgrade_connection(connection)
            connection.commit()
            if connection.dialect.name == "sqlite":
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if problems:
                    raise RuntimeError(f"foreign keys broken by the upgrade: {problems[:5]}")
    finally:
        engine.dispose()


def upgrade_connection(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Portals starting together: one upgrades, the others wait and find it done.
        connection.execute(text("SELECT pg_advisory_xact_lock(7318100417)"))
    current = MigrationContext.configure(connection).get_current_revision()
    if current == head():
        return
    config = alembic_config(connection=connection)
    if current is None:
        found = recognise(connection)
        if found is not None:
            command.stamp(config, found)
            if found == head():
                return
    command.upgrade(config, "head")
