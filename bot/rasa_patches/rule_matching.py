"""RulePolicy's rule matching, over the turns a rule can reach only.

For each prediction (two or three a turn), Rasa 3.6's `RulePolicy._get_possible_keys`
walks back through every turn of the conversation, filtering the rules by each turn.
A turn further back than a rule is long never rules it out (`_is_rule_applicable` says
so), so no turn further back than the longest rule can change the result: here the walk
stops there. On long conversations the walk was 9% of the Rasa server's busy time
(bench/FINDINGS.md).
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

stock_get_possible_keys = RulePolicy._get_possible_keys
_LONGEST = "_mapbot_longest_rules"


def longest_rule(policy: RulePolicy, lookup: dict[str, Any]) -> int:
    """How many turns the longest rule in `lookup` has (lookups are fixed once loaded)."""
    known = policy.__dict__.setdefault(_LONGEST, {})
    if id(lookup) not in known:
        known[id(lookup)] = (lookup, max((len(policy._rule_key_to_state(key))
                                          for key in lookup), default=0))
    return known[id(lookup)][1]


def _get_possible_keys(self: RulePolicy, lookup: dict[str, Any],
                       states: list[dict[str, Any]]) -> set[str]:
    reach = longest_rule(self, lookup)
    return stock_get_possible_keys(self, lookup, states[-reach:] if reach else [])


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {"rasa.core.policies.rule_policy.RulePolicy._get_possible_keys": _get_possible_keys}
USES = ("rasa.core.policies.rule_policy.RulePolicy._rule_key_to_state",)
