"""The portal's side of the conversation with the Rasa server (REST channel on loopback)."""

from __future__ import annotations

import json
import re
import unicodedata

import httpx

# Button payloads a person may send as text. Anything else that starts with "/" would be
# read by Rasa as a command (e.g. "/restart"), so it is passed on as plain words instead.
_PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?$", re.DOTALL)
_ALLOWED_ENTITIES: dict[str, dict[str, re.Pattern[str]]] = {
    "affirm": {}, "deny": {}, "skip": {}, "stop": {}, "explain": {}, "send": {},
    "change": {}, "remove": {}, "dont_know": {},
    "choose_house": {"house": re.compile(r"^(good_things|worries|dreams)$")},
    "change_answer": {"answer_key": re.compile(r"^[a-z0-9_]{1,80}$")},
    "remove_answer": {"answer_key": re.compile(r"^[a-z0-9_]{1,80}$")},
}
START_PAYLOAD = "/start"
# U+2060 WORD JOINER: invisible, and not stripped by Rasa, so "/restart" stays words.
_DEFANG = "\u2060"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RasaUnavailable(Exception):
    pass


def clean_text(text: str) -> str:
    """Drop what no database or screen can hold (NUL and other control characters,
    lone surrogates); every other character, spelling and space is kept as typed."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    return _CONTROL.sub("", text)


def _has_surrogates(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cs" for ch in text)


def is_allowed_payload(text: str) -> bool:
    match = _PAYLOAD.match(text.strip())
    if not match or match["intent"] not in _ALLOWED_ENTITIES:
        return False
    if not match["entities"]:
        return True
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return False
    allowed = _ALLOWED_ENTITIES[match["intent"]]
    return isinstance(entities, dict) and bool(entities) and all(
        key in allowed and isinstance(value, str) and allowed[key].match(value)
        for key, value in entities.items()
    )


def text_for_rasa(text: str) -> str:
    if text.lstrip().startswith("/") and not is_allowed_payload(text):
        return _DEFANG + text.lstrip()
    return text


def merge_messages(raw: list[dict]) -> list[dict]:
    """Rasa sends `custom` as a message of its own; fold it into the text before it,
    so every message has the contract's shape."""
    messages: list[dict] = []
    for message in raw:
        if "text" not in message and "custom" in message and messages:
            messages[-1].setdefault("custom", {}).update(message["custom"])
            continue
        merged = {"text": message.get("text", "")}
        if message.get("buttons"):
            merged["buttons"] = [
                {"title": b.get("title", ""), "payload": b.get("payload", "")}
                for b in message["buttons"]
            ]
        if message.get("custom"):
            merged["custom"] = dict(message["custom"])
        messages.append(merged)
    return messages


class RasaClient:
    def __init__(self, base_url: str, timeout: float) -> None:
        # One pooled client for the portal's life: connections to Rasa are reused.
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def send(self, conversation_id: str, text: str, metadata: dict) -> list[dict]:
        body = {"sender": conversation_id, "message": text, "metadata": metadata}
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}")
        return merge_messages(response.json())

    async def healthy(self) -> bool:
        try:
            return (await self._http.get("/", timeout=3)).status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        await self._http.aclose()
