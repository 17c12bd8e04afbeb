"""The draft-map store: every read and write of the portal's database.

Async SQLAlchemy throughout, so no database call blocks the portal's event loop.
Each public method opens its own short session; nothing is shared between requests.

The services are split by aggregate, one module each, and `Store` is all of them
together, so that callers keep one object (`store.create_case(...)`):

- `engine`: the engine and its sessions, made once (`Engine`), its schema and lifecycle;
- `accounts`: workers and signing in;
- `cases`: cases, and who may see them (sharing and handing over);
- `invitations`: the respondents of a case and their chat links;
- `conversation`: messages, held replies, the check the portal waits on;
- `answers`: a respondent's answers, and sending them;
- `map_items`: the draft map and its items;
- `flags`: safeguarding flags;
- `alert_outbox`: the alerts waiting to go, their escalation and their trail;
- `common`: the errors, the access levels and the helpers these share;
- `shapes`: the named shapes (TypedDicts) of what they return.

Only the service layer (bot/services) opens database sessions
(tests/services/test_layers.py checks it).
"""

from __future__ import annotations

from bot.services.accounts import AccountsService
from bot.services.alert_outbox import AlertJob, AlertOutboxService, Head
from bot.services.answers import AnswersService
from bot.services.cases import CasesService
from bot.services.common import (
    CHANGE,
    LOOK,
    TEAM,
    Closed,
    Conflict,
    NotFound,
    ReadOnly,
    kind_of,
)
from bot.services.conversation import Conversation, ConversationService
from bot.services.engine import Engine, async_url
from bot.services.flags import FLAG_REPEAT_MINUTES, FlagsService
from bot.services.invitations import InvitationsService
from bot.services.map_items import MapService

__all__ = [
    "CHANGE", "FLAG_REPEAT_MINUTES", "LOOK", "TEAM", "AlertJob", "Closed", "Conflict",
    "Conversation", "Head", "NotFound", "ReadOnly", "Store", "async_url", "kind_of",
]


class Store(Engine, AccountsService, CasesService, InvitationsService, ConversationService,
            AnswersService, MapService, FlagsService, AlertOutboxService):
    """Every service on one engine: `Store(database_url)`, then `await store.close()`."""
