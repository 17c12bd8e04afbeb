"""The Figures screen in real Chromium, on a real portal process (`mapbot serve`): an
administrator signs in, reads the charts and their tables, axe-core finds no WCAG 2.2 A/AA
violation, and the CSV downloads with the same numbers. The Rasa server is not needed
(the figures never ask it), so its address points at a port nothing listens on.

The data is built through the services, with literal times; the expected words and
numbers are written out by hand.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from bot.database.models import Respondent, Worker
from bot.operations.stack import free_port
from bot.services.store import Store
from tests.database_fixtures import postgres_database, postgres_server
from tests.e2e.conftest import add_worker, asked, axe_violations, login, screenshot

PASSWORD = "a long enough password for figures"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


async def build(url: str) -> None:
    """One case: a parent who sent their answers in 30 minutes and found it easy, a child
    invited who has not started, one flag acknowledged after 2 hours, one skip."""
    store = Store(url)
    try:
        await store.create_schema()
        await store.add_worker("morgan", PASSWORD, kind="administrator")
        ana_id = await store.add_worker("ana", PASSWORD)
        async with store.sessions() as session:
            ana = await session.scalar(select(Worker).where(Worker.id == ana_id))
        assert ana is not None
        case = await store.create_case(ana, "CASE-0042", "Robin Example")
        parent, _ = await store.create_invitation(ana, case["id"], "parent", "Jo Parent", 30)
        await store.create_invitation(ana, case["id"], "child", "Kit Child", 30)
        async with store.sessions() as session:
            conversation = await session.scalar(select(Respondent.conversation_id).where(
                Respondent.id == parent["id"]))
        assert conversation is not None
        await store.save_answer(conversation, "ease", "feedback", "Was this easy?", "easy",
                                value=2)
        await store.note_question_events(parent["id"], 2, [
            {"text": "We can skip that.", "custom": {"skipped": "going_well"}}])
        flag = await store.raise_flag(parent["id"], "harm", "he hurts me", None,
                                      "immediate", now=at("2026-11-03T10:10"))
        await store.acknowledge_flag(ana, flag["id"], now=at("2026-11-03T12:10"))
        async with store.sessions.begin() as session:
            await session.execute(update(Respondent).where(Respondent.role == "parent").values(
                created_at=at("2026-11-03T09:00"), started_at=at("2026-11-03T10:00"),
                submitted_at=at("2026-11-03T10:30"), status="submitted"))
            await session.execute(update(Respondent).where(Respondent.role == "child").values(
                created_at=at("2026-11-20T09:00")))
    finally:
        await store.close()


@pytest.fixture
def database(tmp_path) -> Iterator[str]:
    server = postgres_server()
    if server is None:
        yield f"sqlite:///{tmp_path / 'figures.db'}"
        return
    with postgres_database(server, "mapbot_figures") as url:
        yield url


@pytest.fixture
def figures_portal(database, tmp_path) -> Iterator[str]:
    # In a thread of its own: Playwright's sync API keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, build(database)).result()
    port = free_port()
    env = os.environ | {
        "MAPBOT_PORT": str(port), "MAPBOT_DATABASE_URL": database,
        "MAPBOT_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "MAPBOT_ACTION_PORT": str(free_port()), "PYTHONPATH": str(Path.cwd())}
    log = (tmp_path / "portal.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot.operations.cli", "serve"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/login", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


def test_an_administrator_reads_the_figures_and_downloads_them(browser, figures_portal) -> None:
    context = browser.new_context(base_url=figures_portal, accept_downloads=True)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Figures")

    summary = page.locator(".figures-summary")
    expect(summary).to_contain_text("Invitations sent2")
    expect(summary).to_contain_text("Sent back (answers sent to the worker)1")
    expect(summary).to_contain_text("30 minutes (from 1 person)")
    expect(summary).to_contain_text("1 raised, 1 acknowledged, 0 still open")
    expect(summary).to_contain_text("Middle (median) wait for acknowledgement2 hours")

    by_role = page.get_by_role("table", name="Invitations by role: the numbers")
    expect(by_role.get_by_role("row")).to_have_text([
        "Role Sent Started Sent back", "parent 1 1 1", "child 1 0 0"], use_inner_text=True)
    by_month = page.get_by_role("table", name="Invitations over time, by month: the numbers")
    expect(by_month.get_by_role("row")).to_have_text([
        "Month Sent Started Sent back", "2026-11 2 1 1"], use_inner_text=True)
    questions = page.get_by_role(
        "table", name="Questions skipped or not understood: the numbers")
    expect(questions).to_contain_text("What is going well for your family at the moment?")
    expect(page.get_by_role("img", name="Invitations by role")).to_be_visible()
    expect(page.get_by_role("img", name="Invitations by role")).to_contain_text("Sent: 1")
    for words in ("Jo Parent", "Kit Child", "Robin Example", "he hurts me"):
        expect(page.locator("body")).not_to_contain_text(words)

    screenshot(page, "worker-figures")
    violations = axe_violations(page)
    assert not violations, "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download every figure (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("mapbot-figures-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert ["invitations", "by_role", "parent", "sent_back", "1"] in rows
    assert ["completion", "total", "", "median_minutes", "30.0"] in rows
    assert ["flags", "total", "", "median_wait_minutes", "120.0"] in rows
    assert ["questions", "question", "going_well", "skipped", "1"] in rows
    assert ["ease", "role", "parent", "easy", "1"] in rows
    context.close()


# Through the real assistant ------------------------------------------------------------


def test_the_real_assistant_s_skip_and_i_dont_understand_are_counted(stack, portal,
                                                                     worker) -> None:
    """The action server marks them, Rasa carries the marks, the portal counts them."""
    add_worker(stack.settings, "figures_manager", "--admin")
    manager = login(portal, "figures_manager")

    def counts() -> dict[str, tuple[int, int]]:
        response = portal.get("/api/v1/stats", headers=manager.headers)
        assert response.status_code == 200, response.text
        return {row["question"]: (row["skipped"], row["not_understood"])
                for row in response.json()["questions"]}

    before = counts()
    family = worker.invite(worker.new_case(reference="C-FIG"), "parent", "Jo Parent")
    family.say("hello")
    assert asked(family.say("yes")) == "like_child"
    again = family.say("I don't understand")
    assert asked(again) == "like_child"
    assert asked(family.say("/skip")) == "going_well"
    after = counts()
    was = before.get("like_child", (0, 0))
    assert after["like_child"] == (was[0] + 1, was[1] + 1)
    assert {key: value for key, value in after.items() if key != "like_child"} == {
        key: value for key, value in before.items() if key != "like_child"}
