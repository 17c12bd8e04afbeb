"""Worker login, and the bearer token that every worker route needs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.database.models import LoginToken
from tests.portal.portal_support import PASSWORD, SECRET, parse_iso

URL_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,}$")


async def login(client, username: str, password: str):
    _, response = await client.post("/api/v1/login",
                                     json={"username": username, "password": password})
    return response


# Login -------------------------------------------------------------------------------


async def test_login_gives_a_token_and_its_expiry(client, alice, settings):
    response = await login(client, "alice", PASSWORD)
    assert response.status == 200
    body = response.json
    assert set(body) == {"token", "expires_at"}
    assert URL_SAFE_TOKEN.match(body["token"])
    expires_at = parse_iso(body["expires_at"])
    expected = datetime.now(timezone.utc) + timedelta(hours=settings.login_hours)
    assert abs(expires_at - expected) < timedelta(minutes=1)


async def test_login_token_works_as_bearer(client, alice):
    token = (await login(client, "alice", PASSWORD)).json["token"]
    for scheme in ("Bearer", "bearer"):
        _, response = await client.get("/api/v1/cases",
                                       headers={"Authorization": f"{scheme} {token}"})
        assert response.status == 200, scheme
        assert response.json == {"cases": []}


async def test_each_login_gets_its_own_token(client, alice):
    tokens = {(await login(client, "alice", PASSWORD)).json["token"] for _ in range(3)}
    assert len(tokens) == 3


async def test_login_token_is_stored_only_as_a_hash(client, alice, store):
    token = (await login(client, "alice", PASSWORD)).json["token"]
    async with store.sessions() as session:
        stored = list(await session.scalars(select(LoginToken.token_hash)))
    assert stored and token not in stored
    assert all(token not in value for value in stored)


async def test_unknown_user_and_wrong_password_get_the_same_401(client, alice):
    unknown = await login(client, "mallory", PASSWORD)
    wrong = await login(client, "alice", "not the password")
    empty = await login(client, "alice", "")
    assert unknown.status == wrong.status == empty.status == 401
    assert unknown.body == wrong.body == empty.body
    assert unknown.content_type == wrong.content_type
    assert "token" not in unknown.json


MALFORMED_LOGINS = [
    b"", b"not json", b'{"username": "alice", "password": ', b"[]", b'"alice"', b"null",
    b"{}", b'{"username": "alice"}', b'{"password": "x"}',
    b'{"username": 1, "password": "x"}', b'{"username": "alice", "password": null}',
    b'{"username": "alice", "password": 12345}', b'{"username": "   ", "password": "x"}',
    b'{"username": ["alice"], "password": "x"}', b'{"username": "ali\\u0000ce", "password": "x"}',
]


async def test_malformed_login_is_422(client, alice):
    answers = {}
    for body in MALFORMED_LOGINS:
        _, response = await client.post("/api/v1/login", content=body,
                                        headers={"Content-Type": "application/json"})
        answers[body] = (response.status, set(response.json))
    assert {body: a for body, a in answers.items() if a != (422, {"error"})} == {}


async def test_overlong_password_is_refused_before_hashing(client, alice):
    response = await login(client, "alice", "x" * 100_000)
    assert response.status in (413, 422)


# Bearer token on every worker route -------------------------------------------------


@pytest.fixture
async def owned(portal, alice, case) -> dict:
    """Real ids of alice's things, so that a 401 cannot be a 404 in disguise."""
    invitation = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    conversation = invitation["conversation_id"]
    await portal.answer(conversation, "worries", kind="item", section="worries",
                        text="The flat is cold.")
    await portal.submit(conversation)
    _, response = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                           json={"text": "my dad hits me"})
    assert response.status == 200
    draft = await portal.draft_map(alice, case["id"])
    return {"case": case["id"], "invitation": invitation["id"], "item": draft["items"][0]["id"],
            "flag": draft["flags"][0]["id"], "family_token": invitation["token"]}


WORKER_ROUTES = [
    ("get", "/api/v1/cases", None),
    ("post", "/api/v1/cases", {"reference": "R-2", "child_name": "Sam"}),
    ("get", "/api/v1/cases/{case}", None),
    ("post", "/api/v1/cases/{case}/invitations", {"role": "carer", "name": "Chris"}),
    ("get", "/api/v1/cases/{case}/map", None),
    ("patch", "/api/v1/items/{item}", {"status": "accepted"}),
    ("delete", "/api/v1/invitations/{invitation}", None),
    ("post", "/api/v1/flags/{flag}/acknowledge", None),
    ("get", "/api/v1/cases/{case}/map.docx", None),
    ("get", "/api/v1/cases/{case}/map.html", None),
]


async def _expired_token(portal) -> str:
    worker = await portal.add_worker("eve")
    async with portal.store.sessions.begin() as session:
        await session.execute(update(LoginToken).where(LoginToken.worker_id == worker.id)
                              .values(expires_at=datetime.now(timezone.utc)
                                      - timedelta(seconds=1)))
    return worker.token


@pytest.mark.parametrize(("method", "path", "body"), WORKER_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in WORKER_ROUTES])
async def test_worker_routes_need_a_valid_bearer(portal, alice, owned, method, path, body):
    last = alice.token[-1]
    bad_headers = {
        "missing": {},
        "empty": {"Authorization": "Bearer "},
        "garbage": {"Authorization": "Bearer abc.def.ghi"},
        "no scheme": {"Authorization": alice.token},
        "basic": {"Authorization": f"Basic {alice.token}"},
        "altered": {"Authorization": f"Bearer {alice.token[:-1]}{'AB'[last == 'A']}"},
        "expired": {"Authorization": f"Bearer {await _expired_token(portal)}"},
        "family token": {"Authorization": f"Bearer {owned['family_token']}"},
        "internal secret": {"Authorization": f"Bearer {SECRET}"},
    }
    url = path.format(**owned)
    for kind, headers in bad_headers.items():
        kwargs = {"headers": headers} | ({"json": body} if body is not None else {})
        _, response = await getattr(portal.client, method)(url, **kwargs)
        assert response.status == 401, kind
        assert set(response.json) == {"error"}, kind
        assert "Alex Example" not in response.text and "CASE-0001" not in response.text

    # Nothing happened: the case list, the invitation and the item are as they were.
    detail = (await portal.client.get(f"/api/v1/cases/{owned['case']}",
                                      headers=alice.headers))[1].json
    assert len(detail["respondents"]) == 1
    assert detail["respondents"][0]["revoked_at"] is None
    cases = (await portal.client.get("/api/v1/cases", headers=alice.headers))[1].json["cases"]
    assert len(cases) == 1
    draft = await portal.draft_map(alice, owned["case"])
    assert [item["status"] for item in draft["items"]] == ["draft"]
    assert [flag["acknowledged_at"] for flag in draft["flags"]] == [None]


async def test_expiry_is_checked_on_each_request(portal, alice):
    _, response = await portal.client.get("/api/v1/cases", headers=alice.headers)
    assert response.status == 200
    async with portal.store.sessions.begin() as session:
        await session.execute(update(LoginToken).values(
            expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    _, response = await portal.client.get("/api/v1/cases", headers=alice.headers)
    assert response.status == 401
