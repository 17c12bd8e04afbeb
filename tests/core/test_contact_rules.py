"""Where a link or a reminder may go: only where safe, never a child's to a shared phone
unless the worker said so."""

from __future__ import annotations

from bot.core.contact_rules import Contact, destinations, keys


def test_nothing_goes_where_contact_is_not_safe() -> None:
    contact = Contact("parent", "07700 900111", "sam@example.org", safe=False,
                      shared_ok=False)
    assert destinations(contact, set()) == []


def test_an_adult_gets_both_where_safe_even_on_a_shared_phone() -> None:
    contact = Contact("parent", "07700 900111", "sam@example.org", safe=True,
                      shared_ok=False)
    others = keys("+44 7700 900111", None)
    assert destinations(contact, others) == [("sms", "07700 900111"),
                                             ("email", "sam@example.org")]


def test_a_child_s_link_never_goes_to_the_family_s_phone_unless_allowed() -> None:
    others = keys("07700 900111", "Family@Example.org")
    child = Contact("child", "+44 (0)7700-900111", "family@example.org", safe=True,
                    shared_ok=False)
    assert destinations(child, others) == []
    own = Contact("young_person", "07700 900999", "family@example.org", safe=True,
                  shared_ok=False)
    assert destinations(own, others) == [("sms", "07700 900999")]
    allowed = Contact("child", "07700 900111", None, safe=True, shared_ok=True)
    assert destinations(allowed, others) == [("sms", "07700 900111")]
