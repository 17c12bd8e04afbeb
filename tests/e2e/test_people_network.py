"""People named through the whole stack (issue 18): everyone named in an answer, each with
what was said of them, and the same person named by two people shown once on the board,
with both of them as who named her (real Chromium)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Family, Worker, asked, skip_rest_and_send, skip_to_question
from tests.e2e.test_worker_screens import check_screen, sign_in

EXAMPLE = "My mum Jean helps every day. My friend Amy takes him to football."



def _name_helpers(family: Family, helpers: str, how: str | None = None) -> None:
    """Answer "Who helps?" (and "How do they help?", or skip it), then send."""
    skip_to_question(family, "helpers")
    messages = family.say(helpers)
    assert asked(messages) == "how_help"
    if how is not None:
        messages = family.say(how)
    skip_rest_and_send(family, messages)


def test_everyone_named_gets_their_own_help(worker: Worker) -> None:
    case_id = worker.new_case()
    _name_helpers(worker.invite(case_id, "parent", "Sarah"), EXAMPLE,
                  "Amy also brings him home after")
    assert [(p["name"], p["relationship"], p["how_they_help"])
            for p in worker.map(case_id)["network"]] == [
        ("Jean", "mum", "My mum Jean helps every day."),
        ("Amy", "friend", "My friend Amy takes him to football. "
                          "Amy also brings him home after")]


def test_one_person_named_by_two_shows_once_with_both_on_the_board(worker: Worker,
                                                                   page) -> None:
    case_id = worker.new_case(child_name="Leo", reference="C-PEOPLE")
    _name_helpers(worker.invite(case_id, "parent", "Sarah"), EXAMPLE)
    _name_helpers(worker.invite(case_id, "parent", "Dave"), "Nanny Jean",
                  "She has him every Friday")
    network = worker.map(case_id)["network"]
    assert [(p["name"], p["relationship"]) for p in network] == [
        ("Jean", "mum"), ("Amy", "friend")]  # the contract's entry: the first who named her

    sign_in(page, "worker1")
    page.goto(f"/cases/{case_id}/board")
    rows = page.locator(".network tbody tr")
    expect(rows).to_have_count(2)
    jean = rows.filter(has=page.get_by_role("rowheader", name="Jean", exact=True))
    expect(jean).to_have_count(1)
    expect(jean.locator(".named-by")).to_have_text("Sarah (parent), Dave (parent)")
    expect(jean).to_contain_text("Sarah (parent): My mum Jean helps every day.")
    expect(jean).to_contain_text("Dave (parent): She has him every Friday")
    amy = rows.filter(has=page.get_by_role("rowheader", name="Amy", exact=True))
    expect(amy.locator(".named-by")).to_have_text("Sarah (parent)")
    check_screen(page, "board-network-merged")
