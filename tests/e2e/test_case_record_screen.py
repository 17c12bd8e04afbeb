"""Into the case record, in real Chromium against the real three services (issue 20).

A parent answers through the chat API; the worker saves a danger statement on their
words, opens the board, finds "For the case record" with one block per field of the
council's form, presses Copy (by mouse, then from the keyboard) and the clipboard holds
the block, word for word, while the status line says "Copied". The PDF/A link gives a
PDF/A file named for the case, round, day and state. axe-core finds no WCAG 2.2 A/AA
violation. Screenshots: tests/artifacts/screenshots/worker-case-record-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Worker
from tests.e2e.test_worker_screens import check_screen, play, sign_in, unique
from tests.portal.test_case_record import pdf_tools_ready

pytestmark = pytest.mark.stack

MUM = {"worried_about": "He is falling behind at school", "scale": "7"}
STATEMENT = "Jamie may fall further behind and lose his friends if nothing changes."
FIELDS = ["Summary of concerns", "Strengths and safety", "What needs to happen", "Scaling",
          "Child's views", "Network"]


@pytest.fixture
def clipboard_page(browser, stack):
    """A page whose context may read and write the clipboard, as a worker's browser
    asked "Allow this site to copy?" would."""
    context = browser.new_context(base_url=f"http://127.0.0.1:{stack.settings.port}",
                                  permissions=["clipboard-read", "clipboard-write"],
                                  accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def _map_with_a_statement(worker: Worker) -> tuple[str, str]:
    reference = unique("REC")
    case_id = worker.new_case(child_name="Jamie", reference=reference)
    play(worker.invite(case_id, "parent", "Mum"), MUM)
    (worry,) = [i["id"] for i in worker.map(case_id)["items"]
                if i["text"] == MUM["worried_about"]]
    saved = worker.client.put(f"/api/v1/cases/{case_id}/analysis", headers=worker.headers,
                              json={"version": 0, "danger_statements": [
                                  {"text": STATEMENT, "evidence": [worry]}]})
    assert saved.status_code == 200, saved.text
    return case_id, reference


def test_the_worker_copies_a_block_for_the_case_record(clipboard_page, stack,
                                                       worker: Worker, tmp_path) -> None:
    page = clipboard_page
    case_id, reference = _map_with_a_statement(worker)
    expected = worker.client.get(f"/api/v1/cases/{case_id}/case-record-fields",
                                 headers=worker.headers).json()["fields"]
    assert [field["name"] for field in expected] == FIELDS
    concerns = expected[0]["text"]
    # The block holds the parent's words and the worker's statement resting on them.
    assert f"- “{MUM['worried_about']}” – Mum (parent) (to review)" in concerns
    assert f"- {STATEMENT}\n  Resting on: “{MUM['worried_about']}” – Mum (parent)" in concerns

    sign_in(page, "worker1")
    page.goto(f"/cases/{case_id}/board")
    record = page.locator("#case-record")
    expect(record.get_by_role("heading", name="For the case record")).to_be_visible()
    for field in expected:  # one read-only block per field, with the API's text
        block = record.get_by_label(field["name"], exact=True)
        expect(block).to_have_value(field["text"])
        expect(block).to_have_attribute("readonly", "")
    record.scroll_into_view_if_needed()
    check_screen(page, "case-record-01-blocks")

    # Copy with the mouse: the clipboard holds the block word for word.
    record.get_by_role("button", name="Copy Summary of concerns").click()
    status = record.get_by_role("status")
    expect(status).to_have_text("Copied: Summary of concerns. Paste it into that field of "
                                "the case record.")
    assert page.evaluate("navigator.clipboard.readText()") == concerns
    check_screen(page, "case-record-02-copied")

    # And from the keyboard: Tab from the block to its button, then Enter.
    record.get_by_label("Scaling", exact=True).focus()
    page.keyboard.press("Tab")
    expect(record.get_by_role("button", name="Copy Scaling")).to_be_focused()
    page.keyboard.press("Enter")
    expect(status).to_have_text("Copied: Scaling. Paste it into that field of the case "
                                "record.")
    assert page.evaluate("navigator.clipboard.readText()") == expected[3]["text"]
    assert "Mum 7" in expected[3]["text"]

    if not pdf_tools_ready():  # off CI without LibreOffice: the rest needs it
        return
    # The PDF/A from the board's export row: named for the case, round, day and state.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (draft)").click()
    name = download.value.suggested_filename
    assert re.fullmatch(rf"map-{reference}-round-1-\d{{4}}-\d\d-\d\d-draft\.pdf", name), name
    path = tmp_path / name
    download.value.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
