"""Constant-time secret comparison, with no dependencies (both environments use it)."""

from __future__ import annotations

import hmac


def secrets_match(given: str | None, expected: str) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
