"""The worker's part of the map, rounds and the scales over them, in real Chromium
against the real three services (issue 20).

Two people answer through the chat API; the worker builds a danger statement on their
words on the board, saves it, meets a 409 from a second tab, starts a second round, and
sees the chart with both rounds. axe-core finds no WCAG 2.2 A/AA violation on any of
these screens. Screenshots: tests/artifacts/screenshots/worker-part-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Family, Worker
from tests.e2e.test_worker_screens import check_screen, play, sign_in, unique

pytestmark = pytest.mark.stack

MUM = {"worried_about": "He is falling behind at school", "scale": "7"}
NAN = {"know_worries": "Nobody checks on him at night", "scale": "4"}  # the network set
STATEMENT = ("Mum and Nan are worried that Jamie is alone at night and falling behind, "
             "and that he may get hurt if nothing changes.")


def _answer(worker: Worker, case_id: str, role: str, name: str, answers: dict) -> None:
    family: Family = worker.invite(case_id, role, name)
    play(family, answers)


def _item_id(worker: Worker, case_id: str, words: str) -> str:
    (found,) = [i["id"] for i in worker.map(case_id)["items"] if i["text"] == words]
    return found


def test_the_worker_s_part_rounds_and_the_chart(page, stack, worker: Worker) -> None:
    case_id = worker.new_case(child_name="Jamie", reference=unique("R"))
    _answer(worker, case_id, "parent", "Mum", MUM)
    _answer(worker, case_id, "network", "Nan", NAN)
    mum_worry = _item_id(worker, case_id, MUM["worried_about"])
    nan_worry = _item_id(worker, case_id, NAN["know_worries"])

    sign_in(page, "worker1")
    page.goto(f"/cases/{case_id}/board")
    expect(page.locator(".scale-all")).to_have_text("Everyone's numbers: Mum 7, Nan 4")
    part = page.locator("#worker-part")
    scaffolds = part.locator(".scaffolds")
    expect(scaffolds).to_contain_text(f"“{MUM['worried_about']}” – Mum (parent)")
    expect(scaffolds).to_contain_text(f"“{NAN['know_worries']}” – Nan (family network)")
    expect(scaffolds).to_contain_text("How would that affect Jamie?")
    check_screen(page, "part-01-board")

    # A second tab, open on the same version before the first one saves.
    other = page.context.new_page()
    other.goto(f"/cases/{case_id}/board")

    # The danger statement in the worker's words, on both people's words as evidence.
    part.get_by_label("New danger statement").fill(STATEMENT)
    entry = part.locator(".analysis-entry", has=page.get_by_label("New danger statement"))
    entry.locator("summary").click()
    entry.get_by_label(f"“{MUM['worried_about']}” – Mum (parent)").check()
    entry.get_by_label(f"“{NAN['know_worries']}” – Nan (family network)").check()
    part.get_by_label("New next step").fill("Family network meeting")
    part.get_by_label("Who", exact=True).fill("Jo (social worker)")
    part.get_by_label("By when").fill("15 January")
    part.get_by_label("Your number from 0 to 10").select_option("4")
    part.get_by_label("Why this number").fill("Nan is willing to help at night.")
    part.get_by_role("button", name="Save your part").click()
    expect(page.locator(".notice")).to_contain_text(
        "Your part of the map is saved.")
    expect(page.locator("#worker-part .saved-state")).to_contain_text("Saved by worker1")
    expect(page.get_by_label("Danger statement 1")).to_have_value(STATEMENT)
    check_screen(page, "part-02-saved")

    saved = worker.client.get(f"/api/v1/cases/{case_id}/analysis",
                              headers=worker.headers).json()
    assert saved["version"] == 1 and saved["updated_by"] == "worker1"
    assert [(d["text"], d["evidence"]) for d in saved["danger_statements"]] == [
        (STATEMENT, [mum_worry, nan_worry])]
    assert [(s["text"], s["who"], s["by"]) for s in saved["next_steps"]] == [
        ("Family network meeting", "Jo (social worker)", "15 January")]
    assert saved["judgement"] == {"value": 4, "why": "Nan is willing to help at night."}

    # The second tab saves what it read before: refused, kindly, its words kept to copy.
    other.get_by_label("New grey area").fill("Whether Dad still visits")
    other.get_by_role("button", name="Save your part").click()
    problem = other.locator("#analysis-problem")
    expect(problem).to_contain_text("Someone saved the worker's part of this map after "
                                    "you opened it, so your changes were not saved.")
    expect(problem).to_contain_text("Grey areas: Whether Dad still visits")
    expect(other.get_by_label("Danger statement 1")).to_have_value(STATEMENT)
    check_screen(other, "part-03-stale-409")
    other.close()
    assert worker.client.get(f"/api/v1/cases/{case_id}/analysis",
                             headers=worker.headers).json()["grey_areas"] == []

    # A second round for the review; Mum answers again in it.
    page.get_by_text("Start a new round for a review").click()
    page.get_by_label("Name of the new round").fill("Review conference, March")
    page.get_by_role("button", name="Start the new round").click()
    expect(page.locator("#round-title")).to_have_text("Round 2: Review conference, March")
    _answer(worker, case_id, "parent", "Mum", dict(MUM, scale="8"))
    page.reload()

    # The chart with both rounds, and the same numbers in its table.
    history = page.locator(".scale-history")
    chart = history.locator("svg.scale-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text=re.compile(r"^Round \d$"))).to_have_text(
        ["Round 1", "Round 2"])
    expect(chart.locator("text", has_text="Mum (parent): 8")).to_have_count(1)
    expect(chart.locator("text", has_text="Nan (family network): 4")).to_have_count(1)
    rows = history.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_text(re.compile(r"Mum \(parent\)\s*7\s*8"))
    expect(rows.nth(1)).to_have_text(re.compile(r"Nan \(family network\)\s*4\s*no number"))
    # The review starts from what was agreed last time, on the words it rested on.
    expect(page.get_by_label("Danger statement 1")).to_have_value(STATEMENT)
    expect(page.get_by_label(f"“{NAN['know_worries']}” – Nan (family network) (an "
                             "earlier round)")).to_be_checked()
    check_screen(page, "part-04-second-round-chart")

    # The first round stays readable.
    page.get_by_role("link", name="Round 1: First mapping").click()
    expect(page.locator(".rounds")).to_contain_text("This is an earlier round")
    expect(page.locator(".scale-all")).to_have_text("Everyone's numbers: Mum 7, Nan 4")
    expect(page.locator("#worker-part")).to_have_count(0)
    check_screen(page, "part-05-first-round")
