"""The `mapbot` command."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time

from bot.config import VAR_DIR, load_settings


def main(argv: list[str] | None = None) -> int:
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
    purge = commands.add_parser("purge", help="delete cases' conversations and answers")
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", help="the id of one case to purge now")
    which.add_argument("--expired", action="store_true",
                       help="every case sent more than MAPBOT_RETENTION_DAYS days ago")
    commands.add_parser("serve", help="run the portal only")
    commands.add_parser("train", help="train the assistant if its data changed")
    run = commands.add_parser("run", help="train if needed and run all three services")
    run.add_argument("--no-portal", action="store_true",
                     help="run only the Rasa servers and their action servers (one per "
                          "URL in MAPBOT_RASA_URLS), for a machine behind other portals")
    args = parser.parse_args(argv)
    handlers = {"worker": _worker_add, "serve": _serve, "train": _train, "run": _run,
                "purge": _purge}
    return handlers[args.command](args)


def _worker_add(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from bot.services.store import Store

    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 12:
        print("Please use a password of at least 12 characters.", file=sys.stderr)
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
    from bot.services.retention import cases_due, purge_case
    from bot.services.store import Store

    settings = load_settings()

    async def purge() -> int:
        store = Store(settings.database_url)
        try:
            await store.create_schema()
            due = [args.case] if args.case else await cases_due(store, settings.retention_days)
            for case_id in due:
                done = await purge_case(store, settings.tracker_database_url, case_id)
                print(f"Purged case {done.case_id}: {done.conversations} conversations, "
                      f"{done.answers} answers, {done.tracker_events} conversation events.")
            return len(due)
        finally:
            await store.close()

    try:
        count = asyncio.run(purge())
    except LookupError as error:
        print(f"Nothing purged: {error}.", file=sys.stderr)
        return 1
    print(f"{count} case(s) purged.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.portal.app import create_app

    settings = load_settings()
    VAR_DIR.mkdir(exist_ok=True)
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False,
            motd=False)
    return 0


def _train(args: argparse.Namespace) -> int:
    from bot.operations.stack import train

    print(f"Model: {train(load_settings())}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.operations.stack import Stack, train, with_secrets

    settings = with_secrets(load_settings())
    VAR_DIR.mkdir(exist_ok=True)
    print("Checking the assistant's model (trains only when the training data changed)...")
    train(settings, log=VAR_DIR / "logs" / "train.log")
    stack = Stack(settings, VAR_DIR / "logs")
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the services on TERM too
    try:
        if getattr(args, "no_portal", False):
            stack.start(*[name for name in stack.names() if name != "portal"])
            stack.wait_rasa()
            print(f"{len(stack.rasa)} Rasa server(s) running "
                  f"({time.monotonic() - started:.0f}s to ready): "
                  f"{', '.join(i.url for i in stack.rasa)}  (logs in var/logs)", flush=True)
            while True:
                time.sleep(3600)
        stack.start()
        stack.wait_healthy()
        print(f"MapBot is running ({time.monotonic() - started:.0f}s to healthy): "
              f"{settings.base_url}/  (logs in var/logs; press Ctrl-C to stop)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping MapBot...")
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
