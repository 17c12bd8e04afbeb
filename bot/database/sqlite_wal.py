"""SQLite in WAL mode, for the portal's store and Rasa's tracker store alike.

WAL lets reads go on during a write; NORMAL syncs at checkpoints instead of on every
commit (a power cut, not a crash of a service, may lose the last moments).
`secure_delete` overwrites what a deletion frees (a purged case's words) with zeros
instead of leaving it in free pages; builds differ in their default, so it is set here.
"""

from __future__ import annotations

from typing import Any


def use_wal(connection: Any) -> None:
    """On a new DBAPI connection (a SQLAlchemy `connect` listener calls it)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
