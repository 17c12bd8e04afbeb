"""The shapes the services return, named: plain dicts at run time (they go out as the
JSON API as they are, a fixed public contract), typed here so that callers and readers
know what each holds. Times are ISO 8601 strings (`bot.core.draft_map.iso`), or None.
"""

from __future__ import annotations

from typing import Any, TypedDict


class CaseJson(TypedDict):
    id: str
    reference: str
    child_name: str
    created_at: str | None


class RespondentSummaryJson(TypedDict):
    """A respondent as the map shows them."""

    id: str
    role: str
    name: str
    status: str
    submitted_at: str | None
    relationship: str | None  # who they are to the child; a professional's job
    named_in_family_copy: bool
    assisted: str | None  # "worker", "advocate", "interpreter": who helped them answer


class RespondentJson(RespondentSummaryJson, total=False):
    """A respondent (an invitation) as the case shows them: with their link's dates."""

    # The worker's map only, once sent: "Was anyone with you while you answered?" in the
    # worker's words (bot/core/with_you.py), None unanswered; never in the family's copy.
    with_you: str | None
    # The worker's map only: a child's whole answer to "Which grown-ups do you trust?"
    # ("Nobody", "my nan but not when dad is there"), kept as they gave it.
    trusted_words: str | None

    expires_at: str | None
    revoked_at: str | None
    questions: str | None  # the adult question set they get (None for a child)
    easy_read: bool  # Easy Read: the shortest wording, with pictures (issue 23)


class CaseDetailJson(CaseJson):
    respondents: list[RespondentJson]


class CaseTeamJson(TypedDict):
    owner: str | None
    viewers: list[str]


class AccessJson(TypedDict):
    """Access given to a case: "viewer", or "owner" for a case handed over."""

    case_id: str
    username: str
    role: str


class WorkerJson(TypedDict):
    id: str
    username: str
    is_admin: bool
    kind: str
    created_at: str | None


class AnswerJson(TypedDict):
    key: str
    kind: str
    question: str
    text: str
    value: int | None
    section: str | None
    category: str | None
    house: str | None
    private: bool


class ItemJson(TypedDict):
    id: str
    respondent_id: str
    section: str
    category: str | None
    house: str | None
    text: str
    original_text: str
    question: str
    confidence: float
    status: str
    private: bool
    suggested_section: str | None
    moved_from: str | None  # internal: the question's column, where MapBot moved the words
    language: str  # ISO 639-1
    safeguarding_checked: bool  # False: in a language the check cannot read
    created_at: str | None


class FlagJson(TypedDict):
    id: str
    kind: str  # "safeguarding"
    respondent_id: str
    text: str
    category: str
    level: str
    created_at: str | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    language: str | None  # internal: a message not checked, in this language


class OpenFlagJson(FlagJson):
    """An open flag in a worker's list of them, with whose case and words it is."""

    case_id: str
    case_reference: str
    respondent_name: str
    respondent_role: str


class MapCaseJson(TypedDict):
    id: str
    reference: str
    child_name: str


class RoundJson(TypedDict):
    id: str
    number: int
    label: str
    started_at: str | None


class AnalysisJson(TypedDict):
    """The worker's part of the map (bot/core/analysis.py), as the contract shows it."""

    version: int
    danger_statements: list[dict[str, Any]]
    safety_goals: list[dict[str, Any]]
    grey_areas: list[dict[str, Any]]
    next_steps: list[dict[str, Any]]
    judgement: dict[str, Any]
    scaffolds: dict[str, list[dict[str, Any]]]
    updated_at: str | None
    updated_by: str | None


class DraftMapJson(TypedDict):
    """The draft map (`bot.core.draft_map.SCHEMA`): what the exports are made from."""

    schema: str
    case: MapCaseJson
    generated_at: str | None
    respondents: list[RespondentJson]
    items: list[ItemJson]
    scales: list[dict[str, Any]]
    network: list[dict[str, Any]]
    flags: list[FlagJson]
    round: RoundJson
    history: dict[str, list[dict[str, Any]]]
    analysis: dict[str, str]


class AlertJson(TypedDict):
    """One alert of a flag's trail: where it went, and when."""

    channel: str
    address: str | None
    event: str
    step: int
    period: str | None
    created_at: str | None
    delivered_at: str | None
    attempts: int


class AlertTrailJson(TypedDict):
    alerts: list[AlertJson]
    collapsed: bool
