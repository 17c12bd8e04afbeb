"""Runs the action server on loopback, refusing every call without the shared secret."""

from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.request import Request
from sanic.response import json

from bot.core import sentence_meaning
from bot.core.security_compare import secrets_match
from bot.operations.gc_freeze import freeze_startup_objects


def build_app(secret: str) -> Sanic:
    if not secret:
        raise SystemExit("MAPBOT_ACTION_SECRET is not set: refusing to run without it.")
    app = create_app("actions", cors_origins=None)

    @app.middleware("request")
    async def require_secret(request: Request):
        if request.path == "/health":
            return None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets_match(given.strip(), secret):
            # Say nothing about the request: rasa-sdk's own errors would echo it.
            return json({"error": "Not allowed."}, status=401)
        return None

    @app.after_server_start
    async def freeze(app: Sanic, loop) -> None:
        # The sorting models read the sentence encoder: load it (and check its weights)
        # before the first answer, not during it.
        sentence_meaning.encoder()
        freeze_startup_objects()

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="MapBot action server")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("MAPBOT_ACTION_PORT", "5055")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = build_app(os.environ.get("MAPBOT_ACTION_SECRET", ""))
    app.run(host="127.0.0.1", port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
