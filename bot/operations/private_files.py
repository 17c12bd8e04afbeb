"""Files only the service's user can read: the databases, their WAL files, the logs.

They hold what families wrote. Every `mapbot` command, and every service the stack
starts, runs with the umask 077 (new files 0600, folders 0700); files made by a release
before this one (0644) are made private when the portal starts.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from bot.config import ROOT, VAR_DIR, Settings

PRIVATE_UMASK = 0o077
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def keep_private() -> None:
    """From now on this process (and what it starts) creates private files."""
    os.umask(PRIVATE_UMASK)


def sqlite_files(url: str) -> list[Path]:
    """An SQLite database's file and the files SQLite keeps beside it."""
    if not url.startswith("sqlite:///"):
        return []
    path = Path(url.removeprefix("sqlite:///"))
    path = path if path.is_absolute() else ROOT / path
    return [Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES]


def private_paths(settings: Settings) -> list[Path]:
    """`var/`, what is in it and in its logs, and the SQLite databases wherever they are."""
    logs = VAR_DIR / "logs"
    inside = [*VAR_DIR.glob("*"), *logs.glob("*")] if VAR_DIR.is_dir() else []
    return [VAR_DIR, *inside, *sqlite_files(settings.database_url),
            *sqlite_files(settings.tracker_database_url)]


def make_private(paths: Iterable[Path]) -> None:
    """Take group's and others' access away from each path that exists."""
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISLNK(mode) and mode & 0o077:
            path.chmod(stat.S_IMODE(mode) & 0o700)
