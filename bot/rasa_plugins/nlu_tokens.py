"""The short-lived token the action server shows to read a text with Rasa's NLU.

Minted by the action server (actions/nlu.py) for each call, checked by the mapbot channel's
`/parse` route (secure_rest.py); both hold MAPBOT_RASA_JWT_SECRET. Rasa's own HTTP API is
off: a token opens nothing but that one route, and only for a minute.
"""

from __future__ import annotations

import time

import jwt

ALGORITHM = "HS256"
SUBJECT = "mapbot-actions"
AUDIENCE = "mapbot-nlu"
LIFETIME_SECONDS = 60
# Rasa and its action server share a machine; this only absorbs rounding to seconds.
LEEWAY_SECONDS = 5
REQUIRED = ["exp", "iat", "aud", "sub"]


def mint(secret: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    claims = {"sub": SUBJECT, "aud": AUDIENCE, "iat": issued,
              "exp": issued + LIFETIME_SECONDS}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def valid(token: str, secret: str) -> bool:
    """Signed with `secret`, for this route, from the action server, and fresh: issued
    now (not later) and expiring within LIFETIME_SECONDS of being issued."""
    if not token or not secret:
        return False
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE,
                            options={"require": REQUIRED}, leeway=LEEWAY_SECONDS)
    except jwt.PyJWTError:
        return False
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int) or not isinstance(expires, int):
        return False
    # A token that lives longer than the action server's would be a standing key.
    return (claims["sub"] == SUBJECT and 0 < expires - issued <= LIFETIME_SECONDS
            and issued <= time.time() + LEEWAY_SECONDS)
