"""Who may see a case: sharing (viewer) and handing over (owner) through the API, worker
kinds (duty, manager, administrator) and their look at flagged cases, `GET /api/v1/flags`,
and the audit log of all of it."""

from __future__ import annotations

import asyncio
import io

import pytest
from sqlalchemy import select

from bot.database.models import Worker as WorkerRow
from bot.operations.cli import main
from bot.services import audit
from tests.portal.portal_support import PASSWORD, Worker

DISCLOSURE = "my dad hits me when mum is out"
FLAG_KEYS = {"id", "kind", "category", "level", "respondent_id", "text", "created_at",
             "acknowledged_by", "acknowledged_at", "case_id"}


async def add(portal, username: str, kind: str = "worker") -> Worker:
    worker_id = await portal.store.add_worker(username, PASSWORD, kind=kind)
    token, _ = await portal.store.login(username, PASSWORD, hours=1)
    return Worker(worker_id, username, token)


async def give(portal, owner: Worker, case_id: str, username: str, role: str = "viewer"):
    _, response = await portal.client.post(f"/api/v1/cases/{case_id}/access",
                                           json={"username": username, "role": role},
                                           headers=owner.headers)
    return response


async def take(portal, worker: Worker, case_id: str, username: str):
    _, response = await portal.client.delete(f"/api/v1/cases/{case_id}/access/{username}",
                                             headers=worker.headers)
    return response


async def status(portal, worker: Worker, method: str, path: str, **body) -> int:
    _, response = await getattr(portal.client, method)(path, headers=worker.headers, **body)
    return response.status


async def flagged_case(portal, owner: Worker, reference: str = "CASE-0001") -> tuple[str, dict]:
    case = await portal.create_case(owner, reference)
    invitation = await portal.invite(owner, case["id"], role="child", name="Kit")
    _, response = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                           json={"text": DISCLOSURE})
    assert response.status == 200
    (flag,) = (await portal.draft_map(owner, case["id"]))["flags"]
    return case["id"], flag


async def details(portal, username: str) -> list[tuple[str, str, str | None]]:
    return [(e.action, e.target_type, e.detail)
            for _, e in await audit.events(portal.store, username=username)]


# Sharing ------------------------------------------------------------------------------------


async def test_a_viewer_reads_and_acknowledges_but_does_not_change(portal, alice, bob):
    case_id, flag = await flagged_case(portal, alice)
    assert await status(portal, bob, "get", f"/api/v1/cases/{case_id}/map") == 404

    response = await give(portal, alice, case_id, "bob")
    assert response.status == 201
    assert response.json == {"case_id": case_id, "username": "bob", "role": "viewer"}
    _, listed = await portal.client.get("/api/v1/cases", headers=bob.headers)
    assert [c["id"] for c in listed.json["cases"]] == [case_id]
    assert await status(portal, bob, "get", f"/api/v1/cases/{case_id}/map") == 200
    assert await status(portal, bob, "post", f"/api/v1/cases/{case_id}/invitations",
                        json={"role": "parent", "name": "Sam"}) == 403
    assert await status(portal, bob, "post", f"/api/v1/flags/{flag['id']}/acknowledge") == 200
    # A viewer does not share the case further.
    await add(portal, "carol")
    assert (await give(portal, bob, case_id, "carol")).status == 403

    assert (await take(portal, alice, case_id, "bob")).status == 204
    for path in (f"/api/v1/cases/{case_id}/map", f"/api/v1/cases/{case_id}"):
        assert await status(portal, bob, "get", path) == 404
    _, listed = await portal.client.get("/api/v1/cases", headers=bob.headers)
    assert listed.json["cases"] == []
    assert ("share", "case", "for bob; role=viewer") in await details(portal, "alice")
    assert ("unshare", "case", "from bob") in await details(portal, "alice")


async def test_handing_over_makes_the_new_owner_and_keeps_the_old_one_reading(
        portal, alice, bob):
    case = await portal.create_case(alice)
    invitation = await portal.invite(alice, case["id"])
    response = await give(portal, alice, case["id"], "bob", role="owner")
    assert response.status == 201 and response.json["role"] == "owner"
    assert ("hand_over", "case", "for bob; role=owner") in await details(portal, "alice")

    assert await status(portal, bob, "delete", f"/api/v1/invitations/{invitation['id']}") == 204
    assert await status(portal, alice, "get", f"/api/v1/cases/{case['id']}/map") == 200
    assert await status(portal, alice, "post", f"/api/v1/cases/{case['id']}/invitations",
                        json={"role": "parent", "name": "Sam"}) == 403
    # The new owner takes the former owner's reading access back; then it is 404.
    assert (await take(portal, bob, case["id"], "alice")).status == 204
    assert await status(portal, alice, "get", f"/api/v1/cases/{case['id']}/map") == 404
    # The owner's own access is not taken back: the case would belong to nobody.
    response = await take(portal, bob, case["id"], "bob")
    assert response.status == 409
    assert response.json == {"error": "The owner's access cannot be taken back: hand the "
                                      "case over to someone else first."}


async def test_sharing_is_404_for_a_worker_who_cannot_see_the_case(portal, alice, bob):
    case = await portal.create_case(alice)
    assert (await give(portal, bob, case["id"], "bob")).status == 404
    assert (await take(portal, bob, case["id"], "alice")).status == 404
    assert (await give(portal, alice, "0" * 32, "bob")).status == 404


async def test_sharing_refuses_bad_requests(portal, alice, bob):
    case = await portal.create_case(alice)
    response = await give(portal, alice, case["id"], "nobody")
    assert response.status == 409
    assert response.json == {"error": "There is no worker called nobody."}
    assert (await give(portal, alice, case["id"], "bob", role="admin")).status == 422
    assert (await give(portal, alice, case["id"], "alice")).status == 409  # owns it
    assert (await take(portal, alice, case["id"], "bob")).status == 404  # never given


async def test_a_manager_shares_any_case_and_duty_does_not(portal, alice, bob):
    manager = await add(portal, "mona", "manager")
    duty = await add(portal, "dev", "duty")
    case = await portal.create_case(alice)
    assert (await give(portal, duty, case["id"], "bob")).status == 404
    assert (await give(portal, manager, case["id"], "bob")).status == 201
    assert await status(portal, bob, "get", f"/api/v1/cases/{case['id']}/map") == 200
    assert (await give(portal, manager, case["id"], "bob", role="owner")).status == 201
    assert (await take(portal, manager, case["id"], "alice")).status == 204
    assert await status(portal, alice, "get", f"/api/v1/cases/{case['id']}") == 404
    # Managers share without reading: an unflagged case's map stays closed to them.
    assert await status(portal, manager, "get", f"/api/v1/cases/{case['id']}/map") == 404


# Duty, managers and administrators: flags across cases --------------------------------------


async def test_open_flags_are_listed_oldest_first_for_each_kind(portal, alice, bob):
    duty = await add(portal, "dev", "duty")
    first_case, first = await flagged_case(portal, alice, "CASE-A")
    second_case, second = await flagged_case(portal, bob, "CASE-B")

    _, response = await portal.client.get("/api/v1/flags", headers=duty.headers)
    assert response.status == 200
    assert [(f["id"], f["case_id"]) for f in response.json["flags"]] == [
        (first["id"], first_case), (second["id"], second_case)]
    assert all(set(f) == FLAG_KEYS for f in response.json["flags"])
    assert response.json["flags"][0]["text"] == DISCLOSURE
    assert ("view", "flags", "as duty: open flags") in await details(portal, "dev")

    _, response = await portal.client.get("/api/v1/flags", headers=alice.headers)
    assert [f["id"] for f in response.json["flags"]] == [first["id"]]
    await give(portal, bob, second_case, "alice")
    _, response = await portal.client.get("/api/v1/flags", headers=alice.headers)
    assert [f["id"] for f in response.json["flags"]] == [first["id"], second["id"]]

    assert await status(portal, alice, "post", f"/api/v1/flags/{first['id']}/acknowledge") == 200
    _, response = await portal.client.get("/api/v1/flags", headers=duty.headers)
    assert [f["id"] for f in response.json["flags"]] == [second["id"]]
    assert await status(portal, alice, "get", "/api/v1/flags") == 200
    _, response = await portal.client.get("/api/v1/flags")
    assert response.status == 401


@pytest.mark.parametrize("kind", ["duty", "manager", "administrator"])
async def test_oversight_reads_a_flagged_case_read_only_and_acknowledges(portal, alice, kind):
    looker = await add(portal, "olly", kind)
    case_id, flag = await flagged_case(portal, alice)
    plain = await portal.create_case(alice, "CASE-QUIET")
    assert await status(portal, looker, "get", f"/api/v1/cases/{plain['id']}/map") == 404

    _, response = await portal.client.get(f"/api/v1/cases/{case_id}/map",
                                          headers=looker.headers)
    assert response.status == 200 and [f["id"] for f in response.json["flags"]] == [flag["id"]]
    assert await status(portal, looker, "post", f"/api/v1/cases/{case_id}/invitations",
                        json={"role": "parent", "name": "Sam"}) == 403
    assert await status(portal, looker, "get", f"/api/v1/cases/{case_id}/map.docx") == 403
    _, response = await portal.client.post(f"/api/v1/flags/{flag['id']}/acknowledge",
                                           headers=looker.headers)
    assert response.status == 200 and response.json["acknowledged_by"] == "olly"
    # Acknowledged: still a flagged case, so its map can be read again.
    assert await status(portal, looker, "get", f"/api/v1/cases/{case_id}/map") == 200
    assert await details(portal, "olly") == [
        ("view", "map", f"as {kind}: flagged case"),
        ("acknowledge", "flag", f"as {kind}: open flag"),
        ("refused", "case", "read only"),  # the export
        ("refused", "case", "read only"),  # the invitation
        ("view", "map", f"as {kind}: open flag"),
        ("refused", "case", "not found or not theirs")]  # the case without a flag
    # The owner's own looks carry no "why".
    assert ("view", "map", None) in await details(portal, "alice")


async def test_a_plain_worker_still_gets_404_for_another_workers_flag(portal, alice, bob):
    case_id, flag = await flagged_case(portal, alice)
    assert await status(portal, bob, "get", f"/api/v1/cases/{case_id}/map") == 404
    assert await status(portal, bob, "post", f"/api/v1/flags/{flag['id']}/acknowledge") == 404
    _, response = await portal.client.get("/api/v1/flags", headers=bob.headers)
    assert response.json == {"flags": []}


# The command line --------------------------------------------------------------------------


@pytest.mark.parametrize("flag, kind, is_admin", [
    ([], "worker", False), (["--duty"], "duty", False), (["--manager"], "manager", False),
    (["--admin"], "administrator", True)])
async def test_worker_add_makes_each_kind(portal, settings, monkeypatch, flag, kind, is_admin):
    monkeypatch.setenv("MAPBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    # The command runs its own event loop, so it runs in a thread of its own here.
    code = await asyncio.to_thread(main, ["worker", "add", "kim", "--password-stdin", *flag])
    assert code == 0
    async with portal.store.sessions() as session:
        row = await session.scalar(select(WorkerRow).where(WorkerRow.username == "kim"))
    assert (row.kind, row.is_admin) == (kind, is_admin)


def test_worker_add_takes_one_kind_only(capsys):
    with pytest.raises(SystemExit):
        main(["worker", "add", "kim", "--password-stdin", "--duty", "--manager"])
    assert "not allowed with argument" in capsys.readouterr().err
