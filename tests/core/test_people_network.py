"""People in the network: everyone named, "how they help" only where it was said of
them, and one entry per person however many people named them (issue 18).

Every expected value below is written by hand from the words of the answer."""

from __future__ import annotations

import pytest

from bot.core.draft_map import AnswerView, network_from_answers, public
from bot.core.family_copy import family_copy
from bot.core.understanding.people import Person, help_for, mentions, parse_people
from bot.portal.exports import arrange

EXAMPLE = "My mum Jean helps every day. My friend Amy takes him to football."


def _network(*answers: tuple[str, str, str], roles: dict[str, str] | None = None,
             private: bool = False) -> list[dict]:
    """(respondent id, kind, text) answers, in the order given, to the map's network."""
    views = [AnswerView(who, "helpers" if kind == "network" else "how_help", kind, "?",
                        text, None, private) for who, kind, text in answers]
    return network_from_answers(views, roles)


def _people(entries: list[dict]) -> list[tuple[str, str | None, str | None]]:
    return [(e["name"], e["relationship"], e["how_they_help"]) for e in entries]


# Everyone named -------------------------------------------------------------------------


def test_every_person_of_the_example_with_the_sentence_said_of_them() -> None:
    assert [(m.person, m.sentence, m.says_more) for m in mentions(EXAMPLE)] == [
        (Person("Jean", "mum"), "My mum Jean helps every day.", True),
        (Person("Amy", "friend"), "My friend Amy takes him to football.", True)]


@pytest.mark.parametrize(("text", "people"), [
    ("my nan", [("Nan", "nan")]),
    ("Jean and Amy", [("Jean", None), ("Amy", None)]),
    ("Jean and Amy both help. My nan too.", [("Jean", None), ("Amy", None), ("Nan", "nan")]),
    ("Jean (my mum) and Amy", [("Jean", "mum"), ("Amy", None)]),
    ("His dad doesn't help. My sister Kelly does.", [("Kelly", "sister")]),
    ("Mrs. Patel. And Grandad", [("Mrs. Patel", None), ("Grandad", "grandad")]),
    ("My nan!\nMy uncle Dave", [("Nan", "nan"), ("Dave", "uncle")]),
])
def test_names_relationships_and_several_in_a_sentence(text: str, people: list) -> None:
    assert parse_people(text) == [Person(name, rel) for name, rel in people]


@pytest.mark.parametrize(("text", "people"), [
    ("My mum, not my dad", [("Mum", "mum")]),
    ("anyone but his dad", []),
    ("Anyone but his dad, my mum maybe", [("Mum", "mum")]),
    ("everyone except his dad", []),
    ("My sister Kelly. Never his dad", [("Kelly", "sister")]),
    ("My mum helps but his dad doesn't", [("Mum", "mum")]),
    ("my nan but not when dad is there", [("Nan", "nan")]),
    ("Nobody except my nan", [("Nan", "nan")]),
    ("Apart from my mum, nobody", [("Mum", "mum")]),
    ("Not just my mum but also Kelly", [("Mum", "mum"), ("Kelly", None)]),
])
def test_people_left_out_are_not_named(text: str, people: list) -> None:
    assert parse_people(text) == [Person(name, rel) for name, rel in people]


@pytest.mark.parametrize(("text", "people"), [
    ("He goes to Scouts on Monday and Tuesday", []),
    ("Football helps him", []),
    ("My friend takes him to Tesco", [("Friend", "friend")]),
    ("They help when I can see my GP", []),
    ("Christmas and Easter at my nan's", []),
])
def test_days_places_and_things_are_not_people(text: str, people: list) -> None:
    assert parse_people(text) == [Person(name, rel) for name, rel in people]


@pytest.mark.parametrize(("text", "says_more"), [
    ("my mum and my sister Kelly", False),
    ("Nan, and Mrs Patel at school", False),
    ("My mum, not my dad", False),
    ("my friend Amy, she is lovely", True),
    ("my nan but not when dad is there", True),  # the condition is said of Nan
])
def test_a_sentence_that_only_names_says_nothing_of_how_they_help(text: str,
                                                                  says_more: bool) -> None:
    assert {m.says_more for m in mentions(text)} == {says_more}


# "How do they help?" -----------------------------------------------------------------------

JEAN, AMY = Person("Jean", "mum"), Person("Amy", "friend")


def test_how_they_help_goes_to_the_people_it_names() -> None:
    said = help_for("Jean has him after school. Amy takes him to football.", [JEAN, AMY])
    assert said == {JEAN: ["Jean has him after school."],
                    AMY: ["Amy takes him to football."]}


def test_a_sentence_naming_nobody_reads_on_from_the_one_before() -> None:
    said = help_for("My mum cooks. She also cleans. Amy drives.", [JEAN, AMY])
    assert said == {JEAN: ["My mum cooks.", "She also cleans."], AMY: ["Amy drives."]}


def test_how_they_help_naming_nobody_is_about_everyone() -> None:
    said = help_for("They pick him up from school", [JEAN, AMY])
    assert said == {JEAN: ["They pick him up from school"],
                    AMY: ["They pick him up from school"]}


def test_how_one_person_helps_is_about_them_whatever_it_names() -> None:
    assert help_for("Amy's mum drives", [JEAN]) == {JEAN: ["Amy's mum drives"]}


# The network of one respondent -------------------------------------------------------------


def test_the_example_gives_two_people_each_with_their_own_help() -> None:
    network = _network(("sarah", "network", EXAMPLE))
    assert _people(network) == [
        ("Jean", "mum", "My mum Jean helps every day."),
        ("Amy", "friend", "My friend Amy takes him to football.")]


def test_how_they_help_answer_is_not_copied_onto_everyone() -> None:
    network = _network(("sarah", "network", "Jean and Amy"),
                       ("sarah", "network_how", "Jean has him for tea. Amy takes him to "
                                                "football on Saturdays."))
    assert _people(network) == [("Jean", None, "Jean has him for tea."),
                                ("Amy", None, "Amy takes him to football on Saturdays.")]


def test_own_sentence_and_the_how_answer_are_both_kept() -> None:
    network = _network(("sarah", "network", EXAMPLE),
                       ("sarah", "network_how", "Amy also gives me a break."))
    assert _people(network) == [
        ("Jean", "mum", "My mum Jean helps every day."),
        ("Amy", "friend", "My friend Amy takes him to football. Amy also gives me a break.")]


def test_how_they_help_belongs_to_the_answer_it_follows() -> None:
    """"Who would you call first?" has no "How do they help?" of its own."""
    network = _network(("sarah", "network", "my sister Kelly"),
                       ("sarah", "network_how", "She has him at weekends"),
                       ("sarah", "network", "my neighbour Joan"))
    assert _people(network) == [("Kelly", "sister", "She has him at weekends"),
                                ("Joan", "neighbour", None)]


# One entry per person across respondents ----------------------------------------------------

ROLES = {"sarah": "parent", "dave": "parent", "tia": "child", "pat": "network",
         "jo": "carer"}


def test_three_people_naming_the_same_nan_give_one_entry_naming_all_three() -> None:
    network = _network(("sarah", "network", "His nan picks him up from school"),
                       ("dave", "network", "Nan"),
                       ("tia", "network", "my nan"), roles=ROLES)
    assert len(network) == 1
    [nan] = network
    assert (nan["respondent_id"], nan["name"], nan["relationship"]) == ("sarah", "Nan", "nan")
    assert [(n["respondent_id"], n["name"], n["how_they_help"]) for n in nan["named_by"]] == [
        ("sarah", "Nan", "His nan picks him up from school"),
        ("dave", "Nan", None), ("tia", "Nan", None)]


def test_a_name_said_with_different_words_for_a_grandmother_is_one_person() -> None:
    network = _network(("sarah", "network", "my mum Pat has him on Fridays"),
                       ("tia", "network", "Nanny Pat"),
                       ("jo", "network", "his gran Pat"), roles=ROLES)
    assert [(e["name"], [(n["respondent_id"], n["name"], n["relationship"])
                         for n in e["named_by"]]) for e in network] == [
        ("Pat", [("sarah", "Pat", "mum"), ("tia", "Nanny Pat", "nanny"),
                 ("jo", "Pat", "gran")])]


def test_two_amys_with_different_relationships_stay_two() -> None:
    network = _network(("sarah", "network", "my friend Amy"),
                       ("jo", "network", "his cousin Amy"), roles=ROLES)
    assert [(e["respondent_id"], e["name"], e["relationship"]) for e in network] == [
        ("sarah", "Amy", "friend"), ("jo", "Amy", "cousin")]


def test_an_amy_who_could_be_either_stays_on_her_own() -> None:
    network = _network(("sarah", "network", "my friend Amy"),
                       ("jo", "network", "his cousin Amy"),
                       ("pat", "network", "Amy"), roles=ROLES)
    # Pat was invited before Jo: her Amy is listed second, on her own all the same
    assert [(e["respondent_id"], e["relationship"]) for e in network] == [
        ("sarah", "friend"), ("pat", None), ("jo", "cousin")]


def test_an_amy_without_a_relationship_joins_the_only_amy() -> None:
    network = _network(("sarah", "network", "my friend Amy"),
                       ("pat", "network", "Amy from next door"), roles=ROLES)
    assert [[n["respondent_id"] for n in e["named_by"]] for e in network] == [
        ["sarah", "pat"]]


@pytest.mark.parametrize(("first", "second"), [
    ("Nan", "Gran"),  # often the two grandmothers
    ("my mum", "my mum"),  # a parent's mum and the child's mum
    ("Nan", "Nanny Pat"),  # maybe the same nan, maybe the other one
])
def test_roles_alone_match_only_exactly_and_of_the_same_family(first: str,
                                                               second: str) -> None:
    network = _network(("sarah", "network", first), ("tia", "network", second),
                       roles=ROLES)
    assert [e["respondent_id"] for e in network] == ["sarah", "tia"]


def test_two_adults_own_mums_are_two_people() -> None:
    network = _network(("sarah", "network", "my mum"), ("dave", "network", "my mum"),
                       roles=ROLES)
    assert len(network) == 2


def test_the_contract_json_holds_the_first_namer_and_no_more() -> None:
    draft = {"respondents": [], "items": [], "scales": [], "flags": [],
             "network": _network(("sarah", "network", "Nan picks him up"),
                                 ("tia", "network", "my nan"), roles=ROLES)}
    assert public(draft)["network"] == [{"respondent_id": "sarah", "name": "Nan",
                                         "relationship": "nan",
                                         "how_they_help": "Nan picks him up"}]


# Where the merged network shows -----------------------------------------------------------

RESPONDENTS = [
    {"id": "sarah", "role": "parent", "name": "Sarah", "relationship": None,
     "status": "submitted", "submitted_at": "2026-12-01T10:00:00Z", "assisted": None,
     "named_in_family_copy": True},
    {"id": "pat", "role": "network", "name": "Pat", "relationship": None,
     "status": "submitted", "submitted_at": "2026-12-01T10:00:00Z", "assisted": None,
     "named_in_family_copy": False},
    {"id": "tia", "role": "child", "name": "Tia", "relationship": None,
     "status": "submitted", "submitted_at": "2026-12-01T10:00:00Z", "assisted": None,
     "named_in_family_copy": False},
]


def _draft(network: list[dict]) -> dict:
    return {"schema": "mapbot.draft-map/1",
            "case": {"id": "c", "reference": "R-1", "child_name": "Tia"},
            "generated_at": "2026-12-01T10:00:00Z", "respondents": RESPONDENTS,
            "items": [], "scales": [], "network": network, "flags": [],
            "history": {"scales": []}}


def test_the_board_shows_one_row_with_everyone_who_named_them_and_their_words() -> None:
    network = _network(("tia", "network", "my nan Sue, she makes me laugh"),
                       ("sarah", "network", "His nan Sue"),
                       ("sarah", "network_how", "She has him after school"),
                       ("pat", "network", "Sue"), roles=ROLES)
    [row] = arrange(_draft(network)).network
    # in the order people were invited (Sarah, then Tia, then Pat), whoever answered first
    assert row["speaker"] == "Sarah (parent), Tia (child), Pat (family network)"
    assert row["relationship_words"] == "nan"
    assert row["help_lines"] == ["Sarah (parent): She has him after school",
                                 "Tia (child): my nan Sue, she makes me laugh"]


def test_the_family_copy_shows_adults_naming_and_never_what_was_said() -> None:
    network = _network(("tia", "network", "Nanny Sue, she makes me laugh"),
                       ("sarah", "network", "his nan Sue has him after school"),
                       ("pat", "network", "Sue"), roles=ROLES)
    copy = family_copy(_draft(network))
    [entry] = copy["network"]
    assert (entry["respondent_id"], entry["name"], entry["how_they_help"]) == (
        "sarah", "Sue", None)  # the child's "Nanny Sue" is not in the family's copy
    [row] = arrange(copy, "family").network
    assert row["speaker"] == "Sarah (parent), Someone in the family network"
    assert row["help_lines"] == []


def test_the_family_copy_leaves_out_a_person_only_a_child_named() -> None:
    network = _network(("tia", "network", "my teacher Mrs Khan"), roles=ROLES)
    assert family_copy(_draft(network))["network"] == []

