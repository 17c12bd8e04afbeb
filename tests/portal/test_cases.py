"""Cases and invitations, and that one worker never reaches another worker's case."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.database.models import CaseAccess, Respondent
from tests.portal.portal_support import parse_iso

ROLES = ["parent", "carer", "network", "young_person", "child"]
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


# Cases -------------------------------------------------------------------------------


async def test_create_case(portal, alice):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    _, response = await portal.client.post(
        "/api/v1/cases", json={"reference": "  REF/2024/17 ", "child_name": "Zoë O'Brien"},
        headers=alice.headers)
    assert response.status == 201
    case = response.json
    assert set(case) == {"id", "reference", "child_name", "created_at"}
    assert isinstance(case["id"], str) and case["id"]
    assert case["reference"] == "REF/2024/17"
    assert case["child_name"] == "Zoë O'Brien"
    assert before <= parse_iso(case["created_at"]) <= datetime.now(timezone.utc)


MALFORMED_CASES = [
    {}, {"reference": "R1"}, {"child_name": "Sam"}, {"reference": "", "child_name": "Sam"},
    {"reference": "R1", "child_name": "   "}, {"reference": 17, "child_name": "Sam"},
    {"reference": "R1", "child_name": None}, {"reference": "R1", "child_name": ["Sam"]},
    {"reference": "R" * 101, "child_name": "Sam"}, {"reference": "R1", "child_name": "S" * 101},
    {"reference": "R1", "child_name": "Sam\x00"}, [], "R1", None,
]


async def test_create_case_rejects_malformed_bodies(portal, alice):
    statuses = {}
    for body in MALFORMED_CASES:
        _, response = await portal.client.post("/api/v1/cases", json=body,
                                               headers=alice.headers)
        statuses[repr(body)] = response.status
    _, response = await portal.client.post("/api/v1/cases", content=b"reference=R1",
                                           headers=alice.headers)
    statuses["form body"] = response.status
    assert {body: status for body, status in statuses.items() if status != 422} == {}
    _, listing = await portal.client.get("/api/v1/cases", headers=alice.headers)
    assert listing.json == {"cases": []}


async def test_list_shows_only_my_cases(portal, alice, bob):
    mine = [await portal.create_case(alice, f"A-{n}", f"Child A{n}") for n in range(2)]
    theirs = await portal.create_case(bob, "B-1", "Child B")
    _, response = await portal.client.get("/api/v1/cases", headers=alice.headers)
    assert response.status == 200
    assert set(response.json) == {"cases"}
    cases = response.json["cases"]
    assert {c["id"] for c in cases} == {c["id"] for c in mine}
    assert "Child B" not in response.text and theirs["id"] not in response.text
    for listed in cases:
        assert listed == next(c for c in mine if c["id"] == listed["id"])
    _, response = await portal.client.get("/api/v1/cases", headers=bob.headers)
    assert [c["id"] for c in response.json["cases"]] == [theirs["id"]]


async def test_get_case_with_its_respondents(portal, alice, case):
    first = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    second = await portal.invite(alice, case["id"], "child", "Alex")
    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}", headers=alice.headers)
    assert response.status == 200
    detail = response.json
    assert {k: detail[k] for k in case} == case
    respondents = detail["respondents"]
    assert [r["id"] for r in respondents] == [first["id"], second["id"]]
    assert [(r["role"], r["name"], r["status"]) for r in respondents] == [
        ("parent", "Jo Parent", "invited"), ("child", "Alex", "invited")]
    for respondent in respondents:
        assert respondent["submitted_at"] is None
        # The link's secret is never shown again after the invitation was made.
        assert "token" not in respondent
    assert first["token"] not in response.text and second["token"] not in response.text


async def test_unknown_case_is_404(portal, alice):
    for path in (f"/api/v1/cases/{UNKNOWN_ID}", f"/api/v1/cases/{UNKNOWN_ID}/map"):
        _, response = await portal.client.get(path, headers=alice.headers)
        assert response.status == 404, path
    _, response = await portal.client.post(f"/api/v1/cases/{UNKNOWN_ID}/invitations",
                                           json={"role": "parent", "name": "Jo"},
                                           headers=alice.headers)
    assert response.status == 404


# Another worker's case --------------------------------------------------------------


@pytest.fixture
async def alices_case(portal, alice, case) -> dict:
    """Alice's case with a submitted answer, so that it has an invitation and an item."""
    invitation = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    await portal.answer(invitation["conversation_id"], "worries", kind="item",
                        section="worries", text="Dad drinks at weekends.")
    await portal.submit(invitation["conversation_id"])
    item = (await portal.draft_map(alice, case["id"]))["items"][0]
    return {"case": case, "invitation": invitation, "item": item}


def _no_leak(response, alices_case) -> None:
    for secret in ("Alex Example", "CASE-0001", "Jo Parent", "Dad drinks",
                   alices_case["invitation"]["token"]):
        assert secret not in response.text


async def test_another_worker_cannot_read_the_case(portal, bob, alices_case):
    case_id = alices_case["case"]["id"]
    for path in (f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/map"):
        _, response = await portal.client.get(path, headers=bob.headers)
        assert response.status == 404, path
        _no_leak(response, alices_case)
    _, response = await portal.client.get("/api/v1/cases", headers=bob.headers)
    assert response.json == {"cases": []}


async def test_another_worker_cannot_invite_to_the_case(portal, alice, bob, alices_case):
    case_id = alices_case["case"]["id"]
    _, response = await portal.client.post(f"/api/v1/cases/{case_id}/invitations",
                                           json={"role": "network", "name": "Mallory"},
                                           headers=bob.headers)
    assert response.status == 404
    _no_leak(response, alices_case)
    assert "token" not in response.json
    _, detail = await portal.client.get(f"/api/v1/cases/{case_id}", headers=alice.headers)
    assert [r["name"] for r in detail.json["respondents"]] == ["Jo Parent"]


async def test_another_worker_cannot_revoke_the_invitation(portal, alice, bob, alices_case):
    invitation = alices_case["invitation"]
    _, response = await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                                             headers=bob.headers)
    assert response.status == 404
    _no_leak(response, alices_case)
    assert (await portal.respondent(invitation["id"])).revoked_at is None
    _, page = await portal.client.get(f"/chat/{invitation['token']}")
    assert page.status == 200


async def test_another_worker_cannot_edit_the_items(portal, alice, bob, alices_case):
    item = alices_case["item"]
    _, response = await portal.client.patch(
        f"/api/v1/items/{item['id']}", json={"text": "Nothing to worry about.",
                                             "status": "rejected"}, headers=bob.headers)
    assert response.status == 404
    _no_leak(response, alices_case)
    items = (await portal.draft_map(alice, alices_case["case"]["id"]))["items"]
    assert items == [item]


async def test_a_worker_given_the_case_reads_it_but_does_not_change_it(
        portal, alice, bob, alices_case):
    case_id = alices_case["case"]["id"]
    async with portal.store.sessions.begin() as session:
        session.add(CaseAccess(case_id=case_id, worker_id=bob.id))  # a viewer
    _, response = await portal.client.get("/api/v1/cases", headers=bob.headers)
    assert [c["id"] for c in response.json["cases"]] == [case_id]
    _, response = await portal.client.get(f"/api/v1/cases/{case_id}/map", headers=bob.headers)
    assert response.status == 200
    assert [i["id"] for i in response.json["items"]] == [alices_case["item"]["id"]]
    _, response = await portal.client.patch(f"/api/v1/items/{alices_case['item']['id']}",
                                            json={"status": "accepted"}, headers=bob.headers)
    assert response.status == 403
    assert response.json == {"error": "You can read this case but not change it."}
    _, response = await portal.client.post(f"/api/v1/cases/{case_id}/invitations",
                                           json={"role": "parent", "name": "Sam"},
                                           headers=bob.headers)
    assert response.status == 403


# Invitations ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
async def test_invite_each_role(portal, alice, case, settings, role):
    _, response = await portal.client.post(f"/api/v1/cases/{case['id']}/invitations",
                                           json={"role": role, "name": "  Sam Smith "},
                                           headers=alice.headers)
    assert response.status == 201
    invitation = response.json
    assert set(invitation) == {"id", "token", "url", "role", "name", "relationship",
                               "questions", "expires_at"}
    assert invitation["role"] == role
    assert invitation["name"] == "Sam Smith"
    assert invitation["url"] == f"{settings.base_url}/chat/{invitation['token']}"
    expected = datetime.now(timezone.utc) + timedelta(days=settings.invitation_days)
    assert abs(parse_iso(invitation["expires_at"]) - expected) < timedelta(minutes=1)


BAD_INVITATIONS = [
    {"role": role, "name": "Sam"} for role in (
        "Parent", "PARENT", "parent ", "father", "worker", "admin", "", None, 1, ["parent"],
        "young person", "young-person", "children")
] + [
    {"role": "parent"}, {"role": "parent", "name": ""}, {"role": "parent", "name": "  "},
    {"role": "parent", "name": 3}, {"role": "parent", "name": "N" * 101},
    {"role": "parent", "name": "Sam\x00"}, {"name": "Sam"}, {}, [], None,
]


async def test_invite_refuses_other_roles_and_malformed_bodies(portal, alice, case):
    statuses = {}
    for body in BAD_INVITATIONS:
        _, response = await portal.client.post(f"/api/v1/cases/{case['id']}/invitations",
                                               json=body, headers=alice.headers)
        statuses[repr(body)] = response.status
    assert {body: status for body, status in statuses.items() if status != 422} == {}
    assert await portal.count(Respondent) == 0


async def test_invitation_tokens_are_long_random_and_distinct(portal, alice, case, store):
    invitations = [await portal.invite(alice, case["id"], "network", f"Person {n}")
                   for n in range(12)]
    tokens = [i["token"] for i in invitations]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        # 22 url-safe characters carry 132 bits; the contract asks for at least 128.
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", token), token
    # Not derived from the respondent's id or each other: no shared prefix of note.
    assert len({t[:6] for t in tokens}) == len(tokens)
    assert all(i["id"] not in i["token"] for i in invitations)
    # Only hashes are stored, and the Rasa sender id is not the token either.
    async with store.sessions() as session:
        rows = (await session.execute(select(Respondent.token_hash,
                                             Respondent.conversation_id))).all()
    stored = {value for row in rows for value in row}
    assert not stored & set(tokens)
    assert not any(token in value for token in tokens for value in stored)


async def test_revoke_stops_the_link_at_once(portal, alice, case, invitation):
    token = invitation["token"]
    _, page = await portal.client.get(f"/chat/{token}")
    assert page.status == 200
    _, response = await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                                             headers=alice.headers)
    assert response.status == 204
    assert response.body == b""
    _, page = await portal.client.get(f"/chat/{token}")
    assert page.status == 410
    assert "text/html" in page.content_type
    _, message = await portal.client.post(f"/api/v1/chat/{token}/messages",
                                          json={"text": "hello"})
    assert message.status == 410
    # The worker still sees who was invited, now with the time the link was revoked.
    _, detail = await portal.client.get(f"/api/v1/cases/{case['id']}", headers=alice.headers)
    [respondent] = detail.json["respondents"]
    parse_iso(respondent["revoked_at"])


async def test_revoke_twice_and_unknown(portal, alice, invitation):
    for _ in range(2):
        _, response = await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                                                 headers=alice.headers)
        assert response.status == 204
    _, response = await portal.client.delete(f"/api/v1/invitations/{UNKNOWN_ID}",
                                             headers=alice.headers)
    assert response.status == 404


async def test_revoking_one_link_leaves_the_others(portal, alice, case):
    first = await portal.invite(alice, case["id"], "parent", "Jo")
    second = await portal.invite(alice, case["id"], "carer", "Chris")
    await portal.client.delete(f"/api/v1/invitations/{first['id']}", headers=alice.headers)
    assert (await portal.client.get(f"/chat/{first['token']}"))[1].status == 410
    assert (await portal.client.get(f"/chat/{second['token']}"))[1].status == 200


async def test_expired_link_is_410(portal, invitation):
    async with portal.store.sessions.begin() as session:
        await session.execute(update(Respondent).where(Respondent.id == invitation["id"])
                              .values(expires_at=datetime.now(timezone.utc)
                                      - timedelta(seconds=1)))
    _, page = await portal.client.get(f"/chat/{invitation['token']}")
    assert page.status == 410
    _, message = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                          json={"text": "hello"})
    assert message.status == 410


@pytest.mark.parametrize("token", ["no-such-token", "A" * 43, "x", "%2e%2e"])
async def test_unknown_link_is_404(portal, invitation, token):
    _, page = await portal.client.get(f"/chat/{token}")
    assert page.status == 404
    assert "text/html" in page.content_type
    _, message = await portal.client.post(f"/api/v1/chat/{token}/messages",
                                          json={"text": "hello"})
    assert message.status == 404
    for response in (page, message):
        assert invitation["token"] not in response.text
        assert "Alex Example" not in response.text and "Jo Parent" not in response.text


async def test_chat_page_for_a_live_link(portal, invitation):
    _, page = await portal.client.get(f"/chat/{invitation['token']}")
    assert page.status == 200
    assert "text/html" in page.content_type
    assert f"/api/v1/chat/{invitation['token']}/messages" in page.text
