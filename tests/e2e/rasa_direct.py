"""Talking to Rasa's channel directly, and reading its tracker store, as tests must."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from bot.operations.stack import Stack


def rasa_call(stack: Stack, sender: str, text: str, turn: int | None = None,
              secret: str | None = "", path: str = "/webhooks/mapbot/webhook",
              scheme: str = "Bearer", instance: int = 0) -> httpx.Response:
    """A call to Rasa's channel, as the portal makes it (or as anyone else might), to the
    `instance`th Rasa server (from 0)."""
    secret = stack.settings.rasa_channel_secret if secret == "" else secret
    headers = {"Authorization": f"{scheme} {secret}"} if secret else {}
    metadata = {"text": text} | ({} if turn is None else {"turn": turn})
    return httpx.post(stack.rasa[instance].url + path, headers=headers, timeout=60,
                      json={"sender": sender, "message": text, "metadata": metadata})


def tracker_texts(stack: Stack, sender: str) -> list[str]:
    """Everything the person said in Rasa's tracker store, read from its database."""
    url = stack.settings.tracker_database_url
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sql(
                "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' "
                "ORDER BY id"), {"sender": sender}).scalars().all()
    finally:
        engine.dispose()
    return [json.loads(row)["text"] for row in rows]
