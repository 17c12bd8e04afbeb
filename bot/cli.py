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
    add.add_argument("--admin", action="store_true", help="make an administrator")
    commands.add_parser("serve", help="run the portal only")
    commands.add_parser("train", help="train the assistant if its data changed")
    commands.add_parser("run", help="train if needed and run all three services")
    args = parser.parse_args(argv)
    handlers = {"worker": _worker_add, "serve": _serve, "train": _train, "run": _run}
    return handlers[args.command](args)


def _worker_add(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from bot.store import Store

    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 12:
        print("Please use a password of at least 12 characters.", file=sys.stderr)
        return 2

    async def add() -> None:
        store = Store(load_settings().database_url)
        try:
            await store.create_schema()
            await store.add_worker(args.username, password, is_admin=args.admin)
        finally:
            await store.close()

    try:
        asyncio.run(add())
    except IntegrityError:
        print(f"A worker called {args.username!r} already exists.", file=sys.stderr)
        return 1
    print(f"Worker {args.username!r} created.")
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
    from bot.stack import train

    print(f"Model: {train(load_settings())}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.stack import Stack, train, with_secrets

    settings = with_secrets(load_settings())
    VAR_DIR.mkdir(exist_ok=True)
    print("Checking the assistant's model (trains only when the training data changed)...")
    train(settings, log=VAR_DIR / "logs" / "train.log")
    stack = Stack(settings, VAR_DIR / "logs")
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the services on TERM too
    try:
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
