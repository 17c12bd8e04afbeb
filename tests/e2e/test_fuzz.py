"""Every endpoint of the OpenAPI document, fuzzed: no 500s, and every answer matches it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from bot.portal.openapi import OPENAPI

schema = schemathesis.openapi.from_dict(OPENAPI)


@pytest.fixture(scope="module")
def bearer(portal) -> dict[str, str]:
    from tests.e2e.conftest import login

    return login(portal, "worker2").headers


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case, stack, bearer) -> None:
    case.call_and_validate(base_url=f"http://127.0.0.1:{stack.settings.port}", headers=bearer)
