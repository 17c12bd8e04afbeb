"""Which kind of worker a council account is, from its groups (OpenID Connect sign-in).

`MAPBOT_OIDC_GROUP_KINDS` maps the values of the provider's group claim to MapBot's worker
kinds: "mapbot-workers=worker; mapbot-duty=duty". Pairs are separated by ";" and split at
their last "=", so a group named like a directory path ("CN=MapBot,OU=Staff") works.
"""

from __future__ import annotations

from bot.core.vocabulary import WORKER_KINDS


def parse_group_kinds(text: str) -> dict[str, str]:
    """The group → kind mapping; a kind MapBot does not know stops the start."""
    mapping: dict[str, str] = {}
    for pair in text.split(";"):
        if not pair.strip():
            continue
        group, equals, kind = pair.rpartition("=")
        group, kind = group.strip(), kind.strip()
        if not equals or not group or kind not in WORKER_KINDS:
            raise ValueError(f"MAPBOT_OIDC_GROUP_KINDS: {pair.strip()!r} is not "
                             f"'group=kind' with a kind from {', '.join(WORKER_KINDS)}.")
        mapping[group] = kind
    return mapping


def kind_for_groups(claim: object, mapping: dict[str, str]) -> str | None:
    """The most trusted kind any of the groups gives, or None when none gives one.

    A provider sends the claim as a list of strings, or a single string."""
    groups = [claim] if isinstance(claim, str) else claim if isinstance(claim, list) else []
    kinds = {mapping[group] for group in groups if isinstance(group, str) and group in mapping}
    # WORKER_KINDS runs from the least to the most trusted.
    return max(kinds, key=WORKER_KINDS.index) if kinds else None
