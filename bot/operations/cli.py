"""The `mapbot` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import VAR_DIR, load_settings
from bot.operations.private_files import keep_private, make_private, private_paths


def main(argv: list[str] | None = None) -> int:
    keep_private()  # databases, WAL files and logs: the service's user only
    parser = argparse.ArgumentParser(prog="mapbot", description="MapBot")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="manage worker accounts")
    worker_commands = worker.add_subparsers(dest="worker_command", required=True)
    add = worker_commands.add_parser("add", help="create a worker account")
    add.add_argument("username")
    add.add_argument("--password-stdin", action="store_true", required=True,
                     help="read the password from standard input")
    kinds = add.add_mutually_exclusive_group()
    kinds.add_argument("--admin", action="store_true", help="make an administrator")
    kinds.add_argument("--duty", action="store_true",
                       help="make a duty worker (sees every open flag, opens flagged cases)")
    kinds.add_argument("--manager", action="store_true",
                       help="make a manager (as duty, and shares and hands over cases)")
    for name, words in (("disable", "switch an account off: no sign-in, and every session "
                                    "and API token ends at once"),
                        ("enable", "switch an account on again")):
        switch = worker_commands.add_parser(name, help=words)
        switch.add_argument("username")
    password = worker_commands.add_parser(
        "password", help="set a worker's password (it signs them out everywhere)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", required=True,
                          help="read the password from standard input")
    purge = commands.add_parser("purge", help="delete cases' conversations and answers")
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", help="the id of one case to purge now")
    which.add_argument("--expired", action="store_true",
                       help="every case whose links are all closed and that has had no "
                            "activity for MAPBOT_RETENTION_DAYS days (the portal also does "
                            "this every MAPBOT_PURGE_EVERY_HOURS)")
    commands.add_parser("serve", help="run the portal only")
    commands.add_parser("train", help="train the assistant if its data changed")
    run = commands.add_parser("run", help="train if needed and run all three services")
    run.add_argument("--no-portal", action="store_true",
                     help="run only the Rasa servers and their action servers (one per "
                          "URL in MAPBOT_RASA_URLS), for a machine behind other portals")
    demo = commands.add_parser(
        "demo", help="while MapBot runs: a demo worker and a made-up family's case, "
                     "answered through the real conversation")
    demo.add_argument("--remove", action="store_true",
                      help="delete the demo worker, the demo case and its conversations")
    backup = commands.add_parser(
        "backup", help="copy both SQLite databases into a folder (safe while MapBot runs)")
    backup.add_argument("folder", type=Path, help="a new or empty folder")
    restore = commands.add_parser(
        "restore", help="put a backup's databases where the settings say (MapBot stopped)")
    restore.add_argument("folder", type=Path, help="a folder made by mapbot backup")
    _deploy_commands(commands)
    args = parser.parse_args(argv)
    handlers = {"worker": _worker, "serve": _serve, "train": _train, "run": _run,
                "purge": _purge, "demo": _demo, "backup": _backup, "restore": _restore,
                "units": _units, "start": _start}
    return handlers[args.command](args)


def _worker(args: argparse.Namespace) -> int:
    commands = {"add": _worker_add, "disable": _worker_switch, "enable": _worker_switch,
                "password": _worker_password}
    return commands[args.worker_command](args)


def _read_password() -> str | None:
    """The password from standard input, or None (after saying why) when too short."""
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 12:
        print("Please use a password of at least 12 characters.", file=sys.stderr)
        return None
    return password


def _on_store(work):
    """Run `work(store)` on the configured database (its schema brought up to date)."""
    from bot.services.store import Store

    async def run():
        store = Store(load_settings().database_url)
        try:
            await store.create_schema()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _worker_switch(args: argparse.Namespace) -> int:
    off = args.worker_command == "disable"
    if not _on_store(lambda store: store.set_disabled(args.username, off)):
        print(f"There is no worker called {args.username!r}.", file=sys.stderr)
        return 1
    print(f"Worker {args.username!r} " + ("switched off, and signed out everywhere."
                                          if off else "switched on again."))
    return 0


def _worker_password(args: argparse.Namespace) -> int:
    password = _read_password()
    if password is None:
        return 2

    async def change(store) -> bool:
        worker_id = await store.worker_id(args.username)
        if worker_id is not None:
            await store.set_password(worker_id, password)
        return worker_id is not None

    if not _on_store(change):
        print(f"There is no worker called {args.username!r}.", file=sys.stderr)
        return 1
    print(f"Password of {args.username!r} set; they are signed out everywhere.")
    return 0


def _deploy_commands(commands: argparse._SubParsersAction) -> None:
    from bot.operations.deploy import AS_WRITTEN

    units = commands.add_parser("units", help="write the systemd units (deploy/systemd) for "
                                              "an install prefix")
    units.add_argument("--out", required=True, help="the folder to write them to")
    units.add_argument("--prefix", default=AS_WRITTEN.prefix,
                       help="where MapBot is installed (with .venv and .venv-rasa)")
    units.add_argument("--state-dir", default=AS_WRITTEN.state_dir)
    units.add_argument("--env-file", default=AS_WRITTEN.env_file)
    units.add_argument("--user", default=AS_WRITTEN.user)
    start = commands.add_parser("start", help="become one Rasa server or action server, "
                                              "as its systemd unit runs it")
    start.add_argument("kind", choices=["rasa", "actions"])
    start.add_argument("number", type=int, help="which of MAPBOT_RASA_URLS, from 1")


def _units(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.operations.deploy import Install, hidden_paths, write_units

    install = Install(args.prefix, args.state_dir, args.env_file, args.user)
    for written in write_units(install, Path(args.out)):
        print(written)
    for path in hidden_paths(install.prefix):
        print(f"Warning: {path} is in a folder the units hide from the services "
              f"(ProtectHome=yes): install MapBot and its Python elsewhere, e.g. "
              f"pyenv with PYENV_ROOT=/opt/pyenv.", file=sys.stderr)
    return 0


def _start(args: argparse.Namespace) -> int:
    from bot.operations.deploy import start

    start(args.kind, args.number)


def _worker_add(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from bot.services.store import Store

    password = _read_password()
    if password is None:
        return 2

    async def add() -> None:
        store = Store(load_settings().database_url)
        try:
            await store.create_schema()
            await store.add_worker(args.username, password, kind=_kind(args))
        finally:
            await store.close()

    try:
        asyncio.run(add())
    except IntegrityError:
        print(f"A worker called {args.username!r} already exists.", file=sys.stderr)
        return 1
    print(f"Worker {args.username!r} created.")
    return 0


def _kind(args: argparse.Namespace) -> str:
    from bot.core.vocabulary import ADMINISTRATOR, DUTY, MANAGER, WORKER

    return (ADMINISTRATOR if args.admin else DUTY if args.duty
            else MANAGER if args.manager else WORKER)


def _purge(args: argparse.Namespace) -> int:
    from bot.services.retention import OpenFlags, compact_all, purge_case, purge_due
    from bot.services.store import Store

    settings = load_settings()

    async def purge() -> list:
        store = Store(settings.database_url)
        try:
            await store.create_schema()
            if not args.case:
                done, due = await purge_due(store, settings, by="mapbot purge")
                for case_id in due.held:
                    print(f"Kept case {case_id}: it is past its retention time, but it has "
                          f"safeguarding flags nobody has acknowledged. Please read and "
                          f"acknowledge them first.", file=sys.stderr)
                return done
            done = [await purge_case(store, settings.tracker_database_url, args.case)]
            await asyncio.to_thread(compact_all, (settings.database_url,
                                                  settings.tracker_database_url))
            return done
        finally:
            await store.close()

    try:
        done = asyncio.run(purge())
    except LookupError as error:
        print(f"Nothing purged: {error}.", file=sys.stderr)
        return 1
    except OpenFlags as error:
        print(f"Nothing purged: case {args.case} has {error} safeguarding flag(s) nobody has "
              f"acknowledged. Please read and acknowledge them first.", file=sys.stderr)
        return 1
    for purged in done:
        what = (f"round {purged.round_id} of case" if purged.round_id else "case")
        print(f"Purged {what} {purged.case_id}: {purged.conversations} conversations, "
              f"{purged.answers} answers, {purged.tracker_events} conversation events.")
    print(f"{sum(not p.round_id for p in done)} case(s) purged.")
    if rounds := sum(bool(p.round_id) for p in done):
        print(f"{rounds} round(s) purged from cases that keep other rounds.")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.operations.demo import make_demo, remove_demo

    return remove_demo(load_settings()) if args.remove else make_demo(load_settings())


def _backup(args: argparse.Namespace) -> int:
    from bot.database.backup import NotSQLite, backup

    try:
        written = backup(load_settings(), args.folder)
    except NotSQLite:
        print("mapbot backup copies SQLite databases. For PostgreSQL, please use pg_dump "
              "(the README's \"Backups\" says how).", file=sys.stderr)
        return 1
    except (FileNotFoundError, FileExistsError) as problem:
        print(f"Nothing was copied: {problem}.", file=sys.stderr)
        return 1
    for path in written:
        print(f"Copied to {path}")
    print(f"Backup done. Keep {args.folder} somewhere safe: it holds what families wrote.")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from bot.database.backup import NotSQLite, restore

    try:
        written = restore(load_settings(), args.folder)
    except NotSQLite:
        print("mapbot restore puts back SQLite databases. For PostgreSQL, please use "
              "pg_restore (the README's \"Backups\" says how).", file=sys.stderr)
        return 1
    except FileNotFoundError as problem:
        print(f"Nothing was restored: {problem}.", file=sys.stderr)
        return 1
    except FileExistsError as problem:
        print(f"Nothing was restored: {problem}. Please move it away first (or set "
              "MAPBOT_DATABASE_URL and MAPBOT_TRACKER_DATABASE_URL to a new place).",
              file=sys.stderr)
        return 1
    for path in written:
        print(f"Restored {path}")
    print("Restore done. Start MapBot as usual.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.portal.app import create_app

    settings = load_settings()
    VAR_DIR.mkdir(exist_ok=True)
    make_private(private_paths(settings))  # files made before umask 077 was set
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False,
            motd=False)
    return 0


def _train(args: argparse.Namespace) -> int:
    from bot.operations.stack import train

    print(f"Model: {train(load_settings())}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.operations.stack import with_secrets
    from bot.operations.supervisor import run

    return run(with_secrets(load_settings()), portal=not getattr(args, "no_portal", False))


if __name__ == "__main__":
    sys.exit(main())
