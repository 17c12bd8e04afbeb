"""Signing workers in with their council account: OpenID Connect through Authlib.

The authorization code flow with PKCE (S256), state and nonce:

1. `start`: Authlib makes the provider's authorization URL with a fresh random state,
   nonce and code verifier (only the verifier's S256 challenge goes to the provider).
   The browser keeps the three in a short-lived HttpOnly cookie (bot/portal/oidc_web.py).
2. `finish`: the provider sent the browser back with a code and the state, which must
   be the cookie's (checked in oidc_web.py). The code is exchanged together with the
   verifier and MapBot's client secret; Authlib checks the ID token's signature against
   the provider's published keys, its issuer, audience, expiry and nonce. The userinfo
   endpoint adds the claims that the ID token leaves out (often the groups).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import BaseApp
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc.errors import JoseError

from bot.config import Settings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0


class SignInFailed(Exception):
    """The provider's answer could not be trusted or understood (logged, never shown)."""


@dataclass(frozen=True)
class Pending:
    """A sign-in on its way through the provider, kept in the browser's cookie."""

    state: str
    nonce: str
    verifier: str
    next: str

    def to_cookie(self) -> str:
        return base64.urlsafe_b64encode(json.dumps(asdict(self)).encode()).decode()

    @classmethod
    def from_cookie(cls, value: str | None) -> Pending | None:
        try:
            data = json.loads(base64.urlsafe_b64decode((value or "").encode()))
            return cls(**{name: str(data[name]) for name in ("state", "nonce", "verifier",
                                                               "next")})
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, and their group claim as it came."""

    issuer: str
    subject: str
    username: str
    groups: object


class _AuthlibClient(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):
    """Authlib's framework-neutral OpenID Connect client on httpx (no Sanic integration
    exists); discovery, PKCE, nonce and ID-token checks are all Authlib's."""

    client_cls = AsyncOAuth2Client


class CouncilProvider:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = _AuthlibClient(
            None, client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                           "timeout": TIMEOUT_SECONDS})

    async def start(self, next_path: str) -> tuple[str, Pending]:
        """The provider's sign-in address, and what the browser keeps until it is back."""
        try:
            await self._metadata()
            made = await self.client.create_authorization_url(self.settings.oidc_callback_url)
        except (httpx.HTTPError, AuthlibBaseError, ValueError) as error:
            raise _failed("discovery", error) from error
        return made["url"], Pending(made["state"], made["nonce"], made["code_verifier"],
                                    next_path)

    async def finish(self, pending: Pending, params: dict[str, str]) -> Identity:
        """The identity from the provider's answer; SignInFailed when it cannot be trusted."""
        issuer = self.settings.oidc_issuer
        if params.get("iss", issuer) != issuer:  # RFC 9207: an answer from another provider
            raise SignInFailed("the answer names another issuer")
        try:
            metadata = await self._metadata()
            token = await self.client.fetch_access_token(
                redirect_uri=self.settings.oidc_callback_url, code=params.get("code", ""),
                code_verifier=pending.verifier)
            claims = await self.client.parse_id_token(
                token, nonce=pending.nonce,
                claims_options={"iss": {"essential": True, "value": issuer},
                                "aud": {"essential": True,
                                        "value": self.settings.oidc_client_id}})
            if claims is None:
                raise SignInFailed("no ID token")
            extra = await self._userinfo(metadata, token, str(claims["sub"]))
        except (httpx.HTTPError, AuthlibBaseError, JoseError, ValueError, KeyError) as error:
            raise _failed("code exchange or ID token", error) from error
        everything = extra | dict(claims)
        name = everything.get("preferred_username") or everything.get("email") or claims["sub"]
        return Identity(issuer, str(claims["sub"]), str(name),
                        everything.get(self.settings.oidc_group_claim))

    async def _metadata(self) -> dict[str, Any]:
        metadata = await self.client.load_server_metadata()
        if metadata.get("issuer") != self.settings.oidc_issuer:
            raise ValueError("the discovery document names another issuer")
        return metadata

    async def _userinfo(self, metadata: dict[str, Any], token: dict,
                        subject: str) -> dict[str, Any]:
        if not metadata.get("userinfo_endpoint"):
            return {}
        info = dict(await self.client.userinfo(token=token))
        if info.get("sub") != subject:  # OpenID Connect Core 5.3.2
            raise ValueError("userinfo is about someone else")
        return info


def _failed(step: str, error: Exception) -> SignInFailed:
    logger.warning("council sign-in failed at %s: %s", step, type(error).__name__)
    return SignInFailed(step)
