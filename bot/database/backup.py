"""`mapbot backup` and `mapbot restore` for the SQLite default.

SQLite's own backup API copies each database while MapBot runs: the copy is one
consistent moment of it (the write-ahead log included), never a file caught half
written, which a plain `cp` of a database in use can be. Both databases go into one
folder, readable by this user only. PostgreSQL has its own tools (pg_dump and
pg_restore; see the README's "Operations").
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.config import ROOT, Settings

# The file each database is kept in, inside a backup folder.
NAMES = {"portal": "mapbot.db", "trackers": "rasa-trackers.db"}


class NotSQLite(Exception):
    """A database that is not SQLite (the README says how to back PostgreSQL up)."""


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///` URL (a relative one is under the repository)."""
    if not url.startswith("sqlite:///"):
        raise NotSQLite(url.split("://", 1)[0])
    path = Path(url.removeprefix("sqlite:///"))
    return path if path.is_absolute() else ROOT / path


def databases(settings: Settings) -> dict[str, Path]:
    """Each database's file, by its name in a backup folder (one file, once)."""
    portal = sqlite_path(settings.database_url)
    trackers = sqlite_path(settings.tracker_database_url)
    return {"portal": portal} | ({"trackers": trackers} if trackers != portal else {})


def _copy(source: Path, target: Path) -> None:
    """One consistent copy, made in a single step of the backup API (so a write that
    comes meanwhile waits for the copy, rather than the copy restarting)."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=-1)
        writer.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
    finally:
        writer.close()
        reader.close()


def backup(settings: Settings, folder: Path) -> list[Path]:
    """Copy both databases into `folder` (made private; files that are already there
    are never overwritten). The files written."""
    sources = databases(settings)
    missing = [str(path) for path in sources.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(f"there is no database at {', '.join(missing)} yet")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    targets = {name: folder / NAMES[name] for name in sources}
    there = [str(path) for path in targets.values() if path.exists()]
    if there:
        raise FileExistsError(f"{', '.join(there)} already exists")
    for name, source in sources.items():
        _copy(source, targets[name])
    return list(targets.values())


def _holds_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def restore(settings: Settings, folder: Path) -> list[Path]:
    """Copy a backup folder's databases to where the settings say they are. Refuses a
    place that already holds a database: nothing is ever overwritten. The files written."""
    targets = databases(settings)
    sources = {name: folder / NAMES[name] for name in targets}
    missing = [str(path) for path in sources.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(f"the backup has no {', '.join(missing)}")
    full = [str(path) for path in targets.values() if _holds_tables(path)]
    if full:
        raise FileExistsError(f"{', '.join(full)} already holds a database")
    for name, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)  # empty, or a log without its database
        _copy(sources[name], target)
    return list(targets.values())
