"""A council account's kind from its group claim (bot/core/council_groups.py)."""

from __future__ import annotations

import pytest

from bot.core.council_groups import kind_for_groups, parse_group_kinds

KINDS = parse_group_kinds("staff=worker; duty-rota = duty;managers=manager;"
                          "CN=MapBot Admins,OU=IT=administrator;")


def test_the_mapping_is_read_pair_by_pair():
    assert KINDS == {"staff": "worker", "duty-rota": "duty", "managers": "manager",
                     "CN=MapBot Admins,OU=IT": "administrator"}
    assert parse_group_kinds("") == {}


@pytest.mark.parametrize("text", ["staff=boss", "staff", "=worker", "staff=worker;x=Admin"])
def test_a_mapping_mapbot_cannot_follow_stops_the_start(text):
    with pytest.raises(ValueError, match="MAPBOT_OIDC_GROUP_KINDS"):
        parse_group_kinds(text)


@pytest.mark.parametrize("claim,kind", [
    (["staff"], "worker"),
    (["everyone", "staff", "managers"], "manager"),
    (["duty-rota", "staff"], "duty"),
    (["CN=MapBot Admins,OU=IT", "staff"], "administrator"),
    ("managers", "manager"),  # some providers send one group as a string
    (["finance", "Staff"], None),  # exact values only
    ([], None), (None, None), ({"staff": True}, None), ([["staff"]], None),
])
def test_the_most_trusted_kind_any_group_gives(claim, kind):
    assert kind_for_groups(claim, KINDS) == kind
