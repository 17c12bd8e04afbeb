"""The NLU's reading of each part of a message, made in the turn itself.

The action that stores an answer routes each sentence or clause to its map section by
the NLU's intent ranking (actions/forms.py). Asked from the action server, each part was
a call back into this Rasa server, waiting behind every other conversation's turn: under
load that nested wait made answers with several parts the slowest turns of all
(bench/FINDINGS.md). Here the parts are read before the turn runs, and their readings go
with the message (metadata `parts_read`, {part: {"intent", "intent_ranking"}}).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.understanding.splitting import PARTS_KEY, WHOLE_KEY, answer_parts

logger = logging.getLogger(__name__)
MAX_PARTS = 20  # a longer message has its further parts read by the action, as before


def parts_to_read(text: str) -> list[str]:
    """The parts of an answer the action would ask about: not the whole message (the
    turn reads it anyway), not a button's payload."""
    if not text.strip() or text.lstrip().startswith("/"):
        return []
    whole = text.strip()
    return list(dict.fromkeys(part for part in answer_parts(text) if part != whole))[:MAX_PARTS]


async def read_parts(agent: Any, metadata: dict[str, Any], text: str) -> dict[str, Any]:
    """The metadata to send with the message: as given, with the parts' readings."""
    metadata = {key: value for key, value in metadata.items() if key != PARTS_KEY}
    given = metadata.get("text")
    person_text = given if isinstance(given, str) else text
    readings = {}
    # A child's answer is kept whole (actions/forms.py): no part of it is read alone.
    for part in [] if metadata.get(WHOLE_KEY) else parts_to_read(person_text):
        try:
            parse = await agent.parse_message(part)
        except Exception as error:  # noqa: BLE001 - the action asks for it, or stays unsure
            logger.warning("a part of a message could not be read (%s)", type(error).__name__)
            continue
        readings[part] = {"intent": parse.get("intent"),
                          "intent_ranking": parse.get("intent_ranking")}
    if readings:
        metadata[PARTS_KEY] = readings
    return metadata
