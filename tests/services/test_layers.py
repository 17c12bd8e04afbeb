"""The layers: only the service layer (bot/services) opens database sessions.

The screens, the API, the operations and the core logic ask a service
(`bot.services.store.Store` and the modules beside it) and get typed values back; the
database layer (bot/database: models, engines, migrations) may keep its own
connections. Scanned from the source, so a new module is checked as soon as it exists.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "actions", "bench")
LAYERS = ("bot/services/", "bot/database/")  # the only places that open sessions
# Modules outside the layers that may, and why.
ALLOWED = {
    # Rasa's own SQLTrackerStore, subclassed: Rasa's tracker tables, in the Rasa
    # server's process (which has no Store); Rasa's code opens its sessions.
    "bot/rasa_plugins/tracker_store.py",
}
# What opening a session (or a database of one's own) looks like.
SESSION_MAKERS = {"AsyncSession", "async_sessionmaker", "sessionmaker", "scoped_session",
                  "async_scoped_session", "create_engine", "create_async_engine"}


def session_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each session opened, or session factory named, in the source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "sessions":
            found.append((node.lineno, f"{ast.unparse(node)} (a store's sessions)"))
        elif isinstance(node, ast.Attribute) and node.attr in SESSION_MAKERS:
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Name) and node.id in SESSION_MAKERS:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.ImportFrom):
            found += [(node.lineno, f"import of {alias.name}") for alias in node.names
                      if alias.name in SESSION_MAKERS]
    return sorted(set(found))


def _modules() -> list[Path]:
    return sorted(path for folder in SCANNED for path in (ROOT / folder).rglob("*.py")
                  if ".venv" not in path.parts)


def test_no_module_outside_the_services_opens_a_session():
    outside = [path for path in _modules()
               if not path.relative_to(ROOT).as_posix().startswith(LAYERS)]
    assert len(outside) > 20 and any(p.name == "web.py" for p in outside)
    problems = [f"{path.relative_to(ROOT).as_posix()}:{line}: {what}"
                for path in outside
                if path.relative_to(ROOT).as_posix() not in ALLOWED
                for line, what in session_uses(path.read_text(encoding="utf-8"))]
    assert not problems, ("Only bot/services opens database sessions; add a service "
                          "method instead:\n" + "\n".join(problems))


def test_the_exceptions_still_need_to_be_exceptions():
    """An allowed module that no longer opens sessions leaves the list."""
    for name in ALLOWED:
        assert session_uses((ROOT / name).read_text(encoding="utf-8")), name


def test_the_scan_sees_what_it_looks_for():
    source = '''
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy import orm

async def screen(store, session: AsyncSession):
    async with store.sessions() as session:
        pass
    async with store.sessions.begin() as session:
        pass
    maker = orm.sessionmaker()
'''
    assert [line for line, _ in session_uses(source)] == [2, 5, 6, 8, 10]
    assert session_uses("from bot.services import web_sessions\n"
                        "store.respondent('x')\nweb_sessions.end(store, None)\n") == []
