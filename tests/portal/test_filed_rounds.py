"""The board's "Mark as filed in the case record" (issue 22, retention by the life of
the map): the owner's button, with CSRF, audited, shown with the date, and taken back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.database.models import AuditEvent, Round
from tests.portal.test_access import give
from tests.portal.test_board_rounds import _text, browser_of  # noqa: F401 - fixture

BUTTON = "Mark as filed in the case record"


async def _rounds(portal) -> list[tuple[int, bool, str | None]]:
    async with portal.store.sessions() as session:
        return [(r.number, r.filed_at is not None, r.filed_by) for r in
                await session.scalars(select(Round).order_by(Round.number))]


async def test_the_owner_marks_a_round_filed_and_takes_it_back(portal, alice, case,
                                                               browser_of):  # noqa: F811
    headers, csrf = await browser_of(alice)
    board = f"/cases/{case['id']}/board"
    _, screen = await portal.client.get(board, headers=headers)
    assert BUTTON in screen.text and "was filed in the case record" not in screen.text
    action = f"/cases/{case['id']}/rounds/1/filed"

    _, forged = await portal.client.post(action, data={"filed": "yes"}, headers=headers)
    assert forged.status == 403 and await _rounds(portal) == [(1, False, None)]

    _, filed = await portal.client.post(action, data={"csrf_token": csrf, "filed": "yes"},
                                        headers=headers)
    assert filed.status == 303
    assert filed.headers["location"] == f"{board}?done=round_filed#filing"
    assert await _rounds(portal) == [(1, True, "alice")]
    _, screen = await portal.client.get(board + "?done=round_filed", headers=headers)
    words = _text(screen.text)
    assert "Marked as filed in the case record." in words
    assert "This round was filed in the case record on " in words and " by alice." in words
    assert BUTTON not in words and "Take back the filed mark" in words

    _, undone = await portal.client.post(action, data={"csrf_token": csrf, "filed": "no"},
                                         headers=headers)
    assert undone.status == 303 and await _rounds(portal) == [(1, False, None)]
    async with portal.store.sessions() as session:
        logged = (await session.execute(select(AuditEvent.target_type, AuditEvent.detail)
                                        .where(AuditEvent.action == "edit")
                                        .order_by(AuditEvent.at))).all()
    assert [tuple(row) for row in logged] == [
        ("round", "marked filed in the case record"), ("round", "took back the filed mark")]


async def test_a_viewer_sees_the_date_but_cannot_file(portal, alice, bob, case,
                                                      browser_of):  # noqa: F811
    assert (await give(portal, alice, case["id"], "bob")).status == 201
    headers, csrf = await browser_of(bob)
    _, screen = await portal.client.get(f"/cases/{case['id']}/board", headers=headers)
    assert screen.status == 200 and BUTTON not in screen.text
    _, refused = await portal.client.post(f"/cases/{case['id']}/rounds/1/filed",
                                          data={"csrf_token": csrf, "filed": "yes"},
                                          headers=headers)
    assert refused.status in (403, 404) and await _rounds(portal) == [(1, False, None)]
    owner, owner_csrf = await browser_of(alice)
    await portal.client.post(f"/cases/{case['id']}/rounds/1/filed",
                             data={"csrf_token": owner_csrf, "filed": "yes"}, headers=owner)
    _, screen = await portal.client.get(f"/cases/{case['id']}/board", headers=headers)
    assert "This round was filed in the case record on " in _text(screen.text)
    assert BUTTON not in screen.text and "Take back the filed mark" not in screen.text


@pytest.mark.parametrize(("changes", "days"), [
    ({"retention_days": 365}, 365),
    ({"retention_days": 365, "retention_unfiled_days": 400, "retention_filed_days": 30}, 400),
    ({"retention_days": 365, "retention_filed_days": 500}, 500)])
async def test_the_privacy_notice_names_the_longest_a_round_is_kept(make_app, changes, days):
    """The adult notice stays true with two times: it names the longer one as a most."""
    _, notice = await make_app(**changes).asgi_client.get("/privacy")
    assert (f"It deletes your answers at most {days} days after the last thing that "
            "happened in the case.") in notice.text
