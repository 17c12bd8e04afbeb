"""Questions made for each person (issue 19), through the public chat endpoint with the
real three services: a professional, a carer and a network member each get their own
questions, every adult the common scale, and "Was this easy to do?" stays off the map."""

from __future__ import annotations

from tests.e2e.conftest import Family, Worker, asked, payloads, texts

COMMON = "From 0 to 10, how safe is {child} from the worries?"

PROFESSIONAL = {
    "what_you_see": "I teach her every day in Year 5",
    "attendance_health": "/skip",
    "worried_about": "She often comes to school hungry",
    "going_well": "She has two good friends in class",
    "future_danger": "That she stops coming to school",
    "service_offer": "A place at breakfast club from Monday",
    "safe_needs": "Mum needs help with food shopping",
    "scale": "6",
    "scale_why": "She is in school every day",
    "scale_higher": "Her coming in with breakfast inside her",
    "common_scale": "4",
    "with_you": '/with_you{"with_you": "nobody"}',
    "ease": "Yes, it was easy",
    "ease_comment": "Clear questions",
}
CARER = {
    "like_child": "He is gentle with the dog",
    "settled": "He sleeps through the night now",
    "child_would_say": "/skip",
    "worried_about": "He gets upset after phone calls",
    "worker_worried": "/skip",
    "future_danger": "/skip",
    "family_contact": "Seeing his mum on Saturdays goes well when I am there",
    "harder": "/skip",
    "helpers": "/skip",
    "safe_needs": "/skip",
    "first_sign": "/skip",
    "scale": "/skip",
    "common_scale": "8",
    "with_you": "/skip",
    "ease": "/skip",
}
NETWORK = {
    "like_child": "She is funny",
    "seen_well": "Sunday dinners at mine are happy",
    "know_worries": "Her mum is often very tired",
    "future_danger": "/skip",
    "could_do": "I can have her after school on Tuesdays",
    "call_first": "my sister Jo",
    "safe_needs": "/skip",
    "scale": "/skip",
    "common_scale": "3",
    "with_you": '/with_you{"with_you": "helped"}',
    "ease": "No, it was hard",
    "ease_comment": "/skip",
}


def _play(family: Family, answers: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Answers each question by its key; the questions asked in order, and their words."""
    family.say("hello")
    messages = family.say("/affirm")
    order: list[str] = []
    words: dict[str, str] = {}
    while (question := asked(messages)) is not None or "/carry_on" in payloads(messages):
        if question is None:  # a safeguarding check spoke first: carry on
            messages = family.say("/carry_on")
            continue
        assert question in answers, (question, texts(messages))
        order.append(question)
        words[question] = texts(messages)
        messages = family.say(answers[question])
    assert "Here is what you told me" in texts(messages)
    sent = family.say("/send")
    assert any(m.get("custom", {}).get("status") == "submitted" for m in sent)
    return order, words


def test_a_professional_answers_their_own_questions_and_is_named_by_their_job(
        worker: Worker) -> None:
    case_id = worker.new_case(child_name="Ruby")
    family = worker.invite(case_id, "professional", "Ms Green", relationship="Class teacher")
    order, words = _play(family, PROFESSIONAL)
    assert order == list(PROFESSIONAL)
    assert "What do you see of Ruby in your work?" in words["what_you_see"]
    assert "What help can your service give Ruby and the family next?" in words[
        "service_offer"]
    assert COMMON.format(child="Ruby") in words["common_scale"]
    assert "Was this easy to do?" in words["ease"]

    draft = worker.map(case_id)
    (person,) = draft["respondents"]
    assert (person["role"], person["relationship"]) == ("professional", "Class teacher")
    by_text = {item["text"]: item for item in draft["items"]}
    assert by_text["A place at breakfast club from Monday"]["section"] == "needs"
    assert by_text["That she stops coming to school"]["question"] == (
        "If nothing changed, what are you worried could happen to Ruby?")
    assert not {"Yes, it was easy", "Clear questions"} & set(by_text)
    assert [(s["value"], s["why"]) for s in draft["scales"]] == [
        (6, "She is in school every day"), (4, None)]
    page = worker.client.get(f"/api/v1/cases/{case_id}/map.html", headers=worker.headers)
    assert "Ms Green (Class teacher)" in page.text
    assert "Clear questions" not in page.text


def test_a_carer_is_asked_about_a_child_who_lives_with_them(worker: Worker) -> None:
    case_id = worker.new_case(child_name="Leo")
    order, words = _play(worker.invite(case_id, "carer", "Pat"), CARER)
    assert "before_problem" not in order and "going_well" not in order
    assert order.index("family_contact") > order.index("worried_about")
    assert "How is Leo getting on, living with you?" in words["settled"]
    assert "cannot stay at home" not in words["scale"]
    assert "Leo is settled and safe with you" in words["scale"]
    # skipping "easy?" skips its comment
    assert order[-3:] == ["common_scale", "with_you", "ease"]
    draft = worker.map(case_id)
    assert [s["value"] for s in draft["scales"]] == [8]  # the common scale alone
    texts_on_map = {item["text"] for item in draft["items"]}
    assert "Seeing his mum on Saturdays goes well when I am there" in texts_on_map


def test_a_network_member_and_a_carer_the_worker_chose_to_ask_as_one(worker: Worker) -> None:
    case_id = worker.new_case(child_name="Mia")
    order, words = _play(worker.invite(case_id, "network", "Dee"), NETWORK)
    assert order == list(NETWORK)
    assert "What could you do to help keep Mia safe? When could you do it?" in words[
        "could_do"]
    # A carer who is also the parent's sister: the worker chose the network's questions.
    aunt = worker.invite(case_id, "carer", "Jo", relationship="Aunt", questions="network")
    aunt_order, _ = _play(aunt, NETWORK)
    assert aunt_order == list(NETWORK)
    draft = worker.map(case_id)
    assert {p["name"] for p in draft["network"]} == {"Jo"}  # "who would you call first?"
    assert sorted(s["value"] for s in draft["scales"]) == [3, 3]


def test_the_ease_buttons_are_offered_to_every_adult(worker: Worker) -> None:
    family = worker.invite(worker.new_case(), "parent", "Lee")
    family.say("hello")
    messages = family.say("/affirm")
    while asked(messages) != "ease":
        messages = family.say("/skip")
    assert payloads(messages)[:4] == ["Yes, it was easy", "Partly", "No, it was hard",
                                      "/skip"]


def test_the_invitation_screen_asks_and_shows_the_job_and_the_questions(
        page, worker: Worker) -> None:
    from playwright.sync_api import expect

    from tests.e2e.conftest import axe_violations
    from tests.e2e.test_worker_screens import sign_in

    case_id = worker.new_case(child_name="Ruby", reference="C-QS")
    sign_in(page, "worker1")
    page.goto(f"/cases/{case_id}")
    page.get_by_label("Who are they?").select_option("professional")
    page.get_by_label("Their name").fill("Ms Green")
    page.get_by_label("Who they are to Ruby (optional)").fill("Class teacher")
    page.get_by_role("button", name="Make their link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The link for Ms Green (professional)")
    expect(page.locator("main")).to_contain_text("Who they are to Ruby: Class teacher")
    expect(page.locator("main")).to_contain_text("Questions: A professional's questions")
    expect(page.locator("article.letter")).to_contain_text("what you see of Ruby in your work")
    assert axe_violations(page) == []

    # A carer who is also the parent's sister, asked as family and friends are.
    page.goto(f"/cases/{case_id}")
    page.get_by_label("Who are they?").select_option("carer")
    page.get_by_label("Their name").fill("Kelly")
    page.get_by_label("Which questions? (adults only)").select_option("network")
    page.get_by_role("button", name="Make their link").click()
    expect(page.locator("main")).to_contain_text("Questions: Family and friends' questions")
    page.goto(f"/cases/{case_id}")
    people = page.locator("table.people-table")
    expect(people).to_contain_text("professional (Class teacher)")
    expect(people).to_contain_text("carer, asked family and friends' questions")
    assert axe_violations(page) == []
