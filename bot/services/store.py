"""The draft-map store: every read and write of the portal's database.

Async SQLAlchemy throughout, so no database call blocks the portal's event loop.
Each public method opens its own short session; nothing is shared between requests.

The services are split by aggregate, one module each, and `Store` is all of them
together, so that callers keep one object (`store.create_case(...)`):

- `engine`: the engine and its sessions, made once (`Engine`), its schema and lifecycle;
- `accounts`: workers and signing in;
- `oidc_accounts`: workers who sign in with their council account (OpenID Connect);
- `cases`: cases, and who may see them (sharing and handing over);
- `invitations`: the respondents of a case and their chat links;
- `conversation`: messages, held replies, the check the portal waits on;
- `answers`: a respondent's answers, and sending them;
- `map_items`: the draft map and its items;
- `rounds`: rounds of mapping, and the scales over them;
- `analysis`: the worker's part of the map (danger statements, next steps, ...);
- `flags`: safeguarding flags;
- `alert_outbox`: the alerts waiting to go, their escalation and their trail;
- `stats`: the managers' figures (counts only) and the question events they count;
- `reach`: where a person's link and reminder may be sent (GOV.UK Notify), and when;
- `common`: the errors, the access levels and the helpers these share;
- `shapes`: the named shapes (TypedDicts) of what they return.

Only the service layer (bot/services) opens database sessions
(tests/services/test_layers.py checks it).
"""

from __future__ import annotations

from bot.services.accounts import AccountsService
from bot.services.alert_outbox import AlertJob, AlertOutboxService, Head
from bot.services.analysis import AnalysisService
from bot.services.answers import AnswersService
from bot.services.cases import CasesService
from bot.services.common import (
    CHANGE,
    LOOK,
    TEAM,
    Closed,
    Conflict,
    Invalid,
    NotFound,
    ReadOnly,
    kind_of,
)
from bot.services.conversation import Conversation, ConversationService
from bot.services.engine import Engine, async_url
from bot.services.flags import FLAG_REPEAT_MINUTES, FlagsService
from bot.services.invitations import InvitationsService
from bot.services.map_items import MapService
from bot.services.oidc_accounts import OidcAccountsService
from bot.services.reach import ReachService
from bot.services.stats import StatsService

__all__ = [
    "CHANGE", "FLAG_REPEAT_MINUTES", "LOOK", "TEAM", "AlertJob", "Closed", "Conflict",
    "Conversation", "Head", "Invalid", "NotFound", "ReadOnly", "Store", "async_url", "kind_of",
]


class Store(Engine, AccountsService, CasesService, InvitationsService, ConversationService,
            AnswersService, MapService, AnalysisService, FlagsService, AlertOutboxService,
            OidcAccountsService, StatsService, ReachService):
    """Every service on one engine: `Store(database_url)`, then `await store.close()`."""
