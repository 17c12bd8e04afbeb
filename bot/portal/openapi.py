"""The OpenAPI document of the public API (contract: shared/contract/public-interface.md)."""

from __future__ import annotations

import copy
from typing import Any

from bot.core.draft_map import CATEGORIES, HOUSES, SECTIONS
from bot.core.vocabulary import (
    ASSISTED,
    CASE_ROLES,
    CHILD_ROLES,
    FLAG_LEVELS,
    ITEM_STATUSES,
    QUESTION_SETS,
    RESPONDENT_STATUSES,
    ROLES,
)
from bot.portal.exports import FORMATS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_BEARER: list[dict] = [{"bearer": []}]
_STR = {"type": "string"}
# Required words: something other than spaces (the API answers 422 otherwise).
# What `inputs.is_control` refuses: C0, DEL, C1 and the bidirectional controls.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = r"\x00-\x1f\x7f-\x9f" + _BIDI
_VISIBLE = r"[^\s" + _CONTROLS + "]"
_ONE_LINE = "^[^" + _CONTROLS + "]*" + _VISIBLE + "[^" + _CONTROLS + "]*$"
_IN_LINES = r"\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI  # tab and line feed allowed
_LINES = "^[^" + _IN_LINES + "]*" + _VISIBLE + "[^" + _IN_LINES + "]*$"
_WORDS = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": _ONE_LINE}
_NSTR = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": ["string", "null"], "format": "date-time"}
_AUTH_ERRORS = {"401": _error("Not signed in"), "404": _error("Not found")}


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


# Exports: the draft (every item not rejected) or the accepted items only.
_ONLY = {"name": "only", "in": "query", "required": False,
         "schema": {"enum": ["draft", "accepted"], "default": "draft"}}
# The copy that may be shared with the family (bot/core/family_copy.py).
_COPY = {"name": "copy", "in": "query", "required": False, "schema": {"enum": ["family"]}}


def _export(kind: str) -> dict:
    """`GET /api/v1/cases/{id}/map.<kind>`, for each format in the export registry."""
    content_type = FORMATS[kind].content_type.split(";")[0]
    body = (_MAP if content_type == "application/json" else {"type": "string"} | (
        {} if content_type.startswith("text/") else {"format": "binary"}))
    return {"get": {
        "security": _BEARER, "parameters": [_path_param("id"), _ONLY, _COPY],
        "responses": {"200": {"description": f"The map as {FORMATS[kind].words}; "
                                             "Content-Disposition names the file "
                                             "map-<reference>-round-<n>-<YYYY-MM-DD>-"
                                             "<draft|reviewed>." + kind,
                              "content": {content_type: {"schema": body}}},
                      **_AUTH_ERRORS, "422": _error("Unknown value of `only` or `copy`"),
                      **({"503": _error("The council's Word template or LibreOffice failed; "
                                        "nothing on the map changed")}
                         if FORMATS[kind].may_fail else {})}}}


# GET /api/v1/cases/{id}/case-record-fields (bot/portal/case_record_fields.py)
_RECORD_FIELDS = {"get": {
    "security": _BEARER,
    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                   {"name": "only", "in": "query", "required": False,
                    "schema": {"enum": ["draft", "accepted"], "default": "draft"}}],
    "responses": {
        "200": _json({"type": "object", "required": ["fields"], "properties": {
            "fields": {"type": "array", "items": {
                "type": "object", "required": ["name", "text"],
                "properties": {"name": {"type": "string"}, "text": {"type": "string"}}}}}},
            "One plain-text block per field of the council's mapping form"),
        **_AUTH_ERRORS, "422": _error("Unknown value of `only`")}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": _STR}},
    "Case": {"type": "object", "required": ["id", "reference", "child_name", "created_at"],
             "properties": {"id": _STR, "reference": _STR, "child_name": _STR,
                            "created_at": _TIME}},
    "Respondent": {"type": "object", "required": ["id", "role", "name", "status"],
                   "properties": {"id": _STR, "role": _STR, "name": _STR,
                                  "status": {"enum": list(RESPONDENT_STATUSES)},
                                   "relationship": _NSTR, "submitted_at": _NTIME,
                                   "assisted": {"enum": [*ASSISTED, None]}}},
    "Item": {"type": "object",
             "required": ["id", "respondent_id", "section", "text", "original_text",
                          "question", "confidence", "status", "created_at"],
             "properties": {
                 "id": _STR, "respondent_id": _STR,
                 "section": {"enum": list(SECTIONS)},
                 "category": {"enum": [*CATEGORIES, None]},
                 "house": {"enum": [*HOUSES, None]},
                 "text": _STR, "original_text": _STR, "question": _STR,
                 "confidence": {"type": "number"},
                 "status": {"enum": list(ITEM_STATUSES)},
                 "private": {"type": "boolean"},
                 "suggested_section": {"enum": [*SECTIONS, None]},
                 "language": {"type": "string", "pattern": "^[a-z]{2}$"},
                 "safeguarding_checked": {"type": "boolean"},
                 "created_at": _TIME}},
    "Flag": {"type": "object",
             "required": ["id", "kind", "respondent_id", "text", "created_at",
                          "acknowledged_by", "acknowledged_at"],
             "properties": {"id": _STR, "kind": {"const": "safeguarding"},
                            "respondent_id": _STR, "text": _STR, "category": _STR,
                            "level": {"enum": list(FLAG_LEVELS)},
                            "created_at": _TIME, "acknowledged_by": _NSTR,
                            "acknowledged_at": _NTIME}},
    "Message": {"type": "object", "required": ["text"],
                "properties": {"text": _STR, "custom": {"type": "object"},
                               "buttons": {"type": "array", "items": {
                                   "type": "object", "required": ["title", "payload"],
                                   "properties": {"title": _STR, "payload": _STR}}}}},
}

_SCHEMAS["Round"] = {"type": "object", "required": ["id", "number", "label", "started_at"],
                     "properties": {"id": _STR, "number": {"type": "integer", "minimum": 1},
                                    "label": _STR, "started_at": _TIME}}
# The worker's part, as bot/portal/inputs.py checks it.
_TEXT = {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": _LINES}
_ENTRY_ID = {"type": "string", "pattern": "^[A-Za-z0-9]{1,32}$"}
_ENTRY_ID_OR_NEW = {**_ENTRY_ID, "type": ["string", "null"]}  # null: a new entry
_OPTIONAL_WORDS = {"type": ["string", "null"], "maxLength": 100, "pattern": "^$|" + _ONE_LINE}
_STATEMENT = {"type": "object", "required": ["text"], "additionalProperties": False,
              "properties": {"id": _ENTRY_ID_OR_NEW, "text": _TEXT,
                             "evidence": {"type": "array", "items": _ENTRY_ID,
                                          "maxItems": 100,
                                          "description": "Item ids of this case's map"}}}
_STEP = {"type": "object", "required": ["text"], "additionalProperties": False,
         "properties": {"id": _ENTRY_ID_OR_NEW, "text": _TEXT,
                        "who": _OPTIONAL_WORDS, "by": _OPTIONAL_WORDS}}
_ANALYSIS_FIELDS = {
    "version": {"type": "integer", "minimum": 0},
    "danger_statements": {"type": "array", "items": _STATEMENT, "maxItems": 100},
    "safety_goals": {"type": "array", "items": _STATEMENT, "maxItems": 100},
    "grey_areas": {"type": "array", "items": _STATEMENT, "maxItems": 100},
    "next_steps": {"type": "array", "items": _STEP, "maxItems": 100},
    "judgement": {"type": "object", "additionalProperties": False, "properties": {
        "value": {"type": ["integer", "null"], "minimum": 0, "maximum": 10},
        "why": {"type": ["string", "null"], "maxLength": 4000, "pattern": "^$|" + _LINES}}}}
_SCHEMAS["Analysis"] = {"type": "object", "properties": _ANALYSIS_FIELDS | {
    "scaffolds": {"type": "object", "properties": {"danger_statements": {
        "type": "array", "items": {"type": "object", "properties": {
            "who": {"type": "array", "items": _STR},
            "evidence": {"type": "array", "items": _STR},
            "prompts": {"type": "array", "items": _STR}}}}}},
    "updated_at": _NTIME, "updated_by": _NSTR}}
_ROUND_QUERY = {"name": "round", "in": "query", "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 999999},
                "description": "An earlier round's map (default: the current round)"}

_MAP = {"type": "object",
        "required": ["schema", "case", "generated_at", "respondents", "items", "scales",
                     "network", "flags", "round", "history", "analysis"],
        "properties": {
            "schema": {"const": "mapbot.draft-map/1"},
            "case": {"type": "object"}, "generated_at": _TIME,
            "respondents": {"type": "array", "items": _ref("Respondent")},
            "items": {"type": "array", "items": _ref("Item")},
            "scales": {"type": "array", "items": {"type": "object", "properties": {
                "respondent_id": _STR, "question": _STR,
                "value": {"type": "integer", "minimum": 0, "maximum": 10},
                "why": _NSTR, "one_point_higher": _NSTR}}},
            "network": {"type": "array", "items": {"type": "object", "properties": {
                "respondent_id": _STR, "name": _STR, "relationship": _NSTR,
                "how_they_help": _NSTR}}},
            "flags": {"type": "array", "items": _ref("Flag")},
            "round": _ref("Round"),
            "history": {"type": "object", "properties": {"scales": {
                "type": "array", "items": {"type": "object", "properties": {
                    "round": {"type": "integer"}, "respondent_id": _STR, "role": _STR,
                    "name": _STR, "value": {"type": "integer"}}}}}},
            "analysis": {"type": "object", "properties": {"see": _STR}}}}

# A person's data (bot/services/personal_data.py).
_OWNER_ONLY = "Only the case's owner or an administrator"
_HELD: dict[str, Any] = {"type": "object", "required": ["text", "redact"],
                         "properties": {"text": _STR, "redact": {"type": "boolean"}}}
_PERSON_DATA = {
    "type": "object",
    "required": ["respondent", "case", "answers", "items", "messages", "flags",
                 "named_by_others"],
    "properties": {
        "respondent": {"type": "object"}, "case": {"type": "object", "properties": {
            "id": _STR, "reference": _STR}},
        "answers": {"type": "array", "items": _HELD}, "items": {"type": "array", "items": _HELD},
        "messages": {"type": "array", "items": _HELD | {"properties": {
            **_HELD["properties"], "sender": {"enum": ["person", "bot"]}}}},
        "flags": {"type": "array", "items": _HELD},
        "named_by_others": {"type": "array", "items": _HELD | {"properties": {
            **_HELD["properties"], "source": {"enum": ["answer", "message", "flag"]},
            "respondent_id": _STR, "role": _STR, "redact": {"const": True}}}}}}
_KEPT = {"type": "object", "required": ["kind", "id", "why"], "properties": {
    "kind": {"enum": ["invitation", "flag"]}, "id": _STR, "why": _STR}}

_COUNT = {"type": "integer", "minimum": 0}
_NMINUTES = {"type": ["number", "null"], "minimum": 0}
_MEASURES = {"sent": _COUNT, "started": _COUNT, "sent_back": _COUNT}


def _counted(key: str, schema: dict, counts: dict) -> dict:
    """An array of rows: one key (a role, a worker, a month) and its counts."""
    return {"type": "array", "items": {"type": "object", "required": [key, *counts],
                                       "properties": {key: schema, **counts}}}


_EASE = {"easy": _COUNT, "partly": _COUNT, "hard": _COUNT}
# `GET /api/v1/stats` (bot/services/stats.py): counts, minutes and times; never words.
_STATS = {"type": "object",
          "required": ["generated_at", "invitations", "completion", "questions", "flags",
                       "ease"],
          "properties": {
              "generated_at": _TIME,
              "invitations": {"type": "object", "properties": {
                  "total": {"type": "object", "properties": _MEASURES},
                  "by_role": _counted("role", _STR, _MEASURES),
                  "by_worker": _counted("worker", _STR, _MEASURES),
                  "by_month": _counted("month", {"type": "string", "pattern":
                                                 r"^\d{4}-\d{2}$"}, _MEASURES)}},
              "completion": {"type": "object", "properties": {
                  "completed": _COUNT, "median_minutes": _NMINUTES}},
              "questions": _counted("question", _STR, {"skipped": _COUNT,
                                                       "not_understood": _COUNT}),
              "flags": {"type": "object", "properties": {
                  "raised": _COUNT, "acknowledged": _COUNT, "open": _COUNT,
                  "median_wait_minutes": _NMINUTES, "longest_wait_minutes": _NMINUTES,
                  "each": {"type": "array", "items": {"type": "object", "properties": {
                      "level": {"enum": list(FLAG_LEVELS)}, "raised_at": _TIME,
                      "acknowledged_at": _NTIME, "open": {"type": "boolean"},
                      "waited_minutes": {"type": "number", "minimum": 0}}}}}},
              "ease": {"type": "object", "properties": {
                  "answers": _COUNT, **_EASE, "by_role": _counted("role", _STR, _EASE)}}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "MapBot", "version": "1"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": _SCHEMAS,
    },
    "paths": {
        "/api/v1/login": {"post": {
            "requestBody": _body({"type": "object", "required": ["username", "password"],
                                  "properties": {"username": _WORDS | {"maxLength": 150},
                                                 "password": {"type": "string",
                                                              "maxLength": 1024}}}),
            "responses": {
                "200": _json({"type": "object", "required": ["token", "expires_at"],
                              "properties": {"token": _STR, "expires_at": _TIME}}),
                "401": _error("Unknown user or wrong password (the same answer)"),
                "422": _error("Malformed body"),
                "429": _error("Too many attempts for this account or address; wait")}}},
        "/api/v1/cases": {
            "post": {"security": _BEARER,
                     "requestBody": _body({"type": "object",
                                           "required": ["reference", "child_name"],
                                           "properties": {"reference": _WORDS,
                                                          "child_name": _WORDS}}),
                     "responses": {"201": _json(_ref("Case"), "Created"),
                                   "401": _error("Not signed in"),
                                   "422": _error("Malformed body")}},
            "get": {"security": _BEARER,
                    "responses": {"200": _json({"type": "object", "properties": {
                        "cases": {"type": "array", "items": _ref("Case")}}}),
                        "401": _error("Not signed in")}}},
        "/api/v1/cases/{id}": {"get": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "responses": {"200": _json({"allOf": [_ref("Case"), {"type": "object", "properties": {
                "respondents": {"type": "array", "items": {"allOf": [
                    _ref("Respondent"), {"type": "object", "properties": {
                        "easy_read": {"type": "boolean"}}}]}}}}]}),
                **_AUTH_ERRORS}}},
        "/api/v1/cases/{id}/invitations": {"post": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "requestBody": _body({"type": "object", "required": ["role", "name"], "properties": {
                "role": {"enum": list(ROLES)},
                "name": _WORDS, "relationship": _WORDS,
                # Optional: which adult question set they get; left out, their role's own.
                "questions": {"enum": list(QUESTION_SETS)},
                "assisted": {"enum": list(ASSISTED)},
                # Easy Read: the shortest wording, with pictures; null is refused.
                "easy_read": {"type": "boolean"},
                "contact": {"type": "object", "required": ["safe_to_contact"],
                            "additionalProperties": False, "properties": {
                                "sms": {"type": "string", "pattern": r"^\+?[0-9 ()-]{7,20}$"},
                                "email": {"type": "string", "maxLength": 320,
                                          "pattern": r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"},
                                "safe_to_contact": {"type": "boolean"},
                                "shared_phone_ok": {"type": "boolean"}}}},
                # A child's questions are the three houses: no adult set for them.
                "if": {"required": ["role"], "properties": {"role": {"enum": list(CHILD_ROLES)}}},
                "then": {"not": {"required": ["questions"]}}}),
            "responses": {"201": _json({"type": "object", "required": [
                "id", "token", "url", "role", "name", "relationship", "expires_at"],
                "properties": {
                "id": _STR, "token": _STR, "url": _STR, "role": _STR, "name": _STR,
                "relationship": _NSTR, "questions": _NSTR,
                "expires_at": _TIME}}, "Created"), **_AUTH_ERRORS,
                "422": _error("Malformed body")}}},
        "/api/v1/invitations/{id}": {"delete": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "responses": {"204": {"description": "Revoked"}, **_AUTH_ERRORS}}},
        "/api/v1/cases/{id}/map": {"get": {
            "security": _BEARER, "parameters": [_path_param("id"), _COPY, _ROUND_QUERY],
            "responses": {"200": _json(_MAP), **_AUTH_ERRORS,
                          "422": _error("Unknown value of `copy` or `round`")}}},
        "/api/v1/cases/{id}/rounds": {"post": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "requestBody": _body({"type": "object", "required": ["label"],
                                  "properties": {"label": _WORDS}}),
            "responses": {"201": _json(_ref("Round"), "A new round; new invitations "
                                                      "belong to it"), **_AUTH_ERRORS,
                          "403": _error("Only the case's owner"),
                          "422": _error("Malformed body")}}},
        "/api/v1/cases/{id}/analysis": {
            "get": {"security": _BEARER, "parameters": [_path_param("id")],
                    "responses": {"200": _json(_ref("Analysis"), "The worker's part of "
                                               "the current round's map"), **_AUTH_ERRORS}},
            "put": {"security": _BEARER, "parameters": [_path_param("id")],
                    "requestBody": _body({"type": "object", "required": ["version"],
                                          "additionalProperties": False,
                                          "properties": _ANALYSIS_FIELDS | {
                                              "scaffolds": {"type": "object"},
                                              "updated_at": _NTIME,
                                              "updated_by": _NSTR}}),
                    "responses": {"200": _json(_ref("Analysis"), "Saved"), **_AUTH_ERRORS,
                                  "403": _error("Only the case's owner"),
                                  "409": _error("Someone saved after this version was read"),
                                  "422": _error("Malformed body, or evidence that is not "
                                                "an item of this case")}}},
        **{f"/api/v1/cases/{{id}}/map.{kind}": _export(kind) for kind in FORMATS},
        "/api/v1/cases/{id}/case-record-fields": _RECORD_FIELDS,
        "/api/v1/items/{id}": {"patch": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "requestBody": _body({"type": "object", "minProperties": 1,
                                  "additionalProperties": False, "properties": {
                "section": _SCHEMAS["Item"]["properties"]["section"],
                "category": _SCHEMAS["Item"]["properties"]["category"],
                "status": _SCHEMAS["Item"]["properties"]["status"],
                "private": {"type": "boolean"},
                "text": {"type": "string", "maxLength": 4000, "pattern": _LINES}}}),
            "responses": {"200": _json(_ref("Item")), **_AUTH_ERRORS,
                          "422": _error("Malformed body")}}},
        "/api/v1/flags/{id}/acknowledge": {"post": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "responses": {"200": _json(_ref("Flag")), **_AUTH_ERRORS}}},
        "/api/v1/flags": {"get": {
            "security": _BEARER,
            "responses": {"200": _json({"type": "object", "required": ["flags"], "properties": {
                "flags": {"type": "array", "items": {"allOf": [_ref("Flag"), {
                    "type": "object", "required": ["case_id"],
                    "properties": {"case_id": _STR}}]}}}},
                "Open flags this worker may see, oldest first"),
                "401": _error("Not signed in")}}},
        "/api/v1/stats": {"get": {
            "security": _BEARER,
            "responses": {"200": _json(_STATS, "The service's figures: counts only, never "
                                               "what anyone wrote"),
                          "401": _error("Not signed in"),
                          "403": _error("Only administrators")}}},
        "/api/v1/cases/{id}/access": {"post": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "requestBody": _body({"type": "object", "required": ["username", "role"],
                                  "properties": {"username": _WORDS,
                                                 "role": {"enum": list(CASE_ROLES)}}}),
            "responses": {"201": _json({"type": "object", "properties": {
                "case_id": _STR, "username": _STR, "role": {"enum": list(CASE_ROLES)}}},
                "Shared (viewer) or handed over (owner)"), **_AUTH_ERRORS,
                "403": _error("Only the case's owner, a manager or an administrator"),
                "409": _error("No such worker, or they own the case already"),
                "422": _error("Malformed body")}}},
        "/api/v1/cases/{id}/access/{username}": {"delete": {
            "security": _BEARER, "parameters": [_path_param("id"), _path_param("username")],
            "responses": {"204": {"description": "Access taken back"}, **_AUTH_ERRORS,
                          "403": _error("Only the case's owner, a manager or an "
                                        "administrator"),
                          "409": _error("The owner's access: hand the case over instead")}}},
        "/api/v1/respondents/{id}/data": {"get": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "description": "Everything MapBot holds about one person, for their request "
                           "for it; other people's words are marked `redact`. Audited.",
            "responses": {"200": _json(_PERSON_DATA), **_AUTH_ERRORS,
                          "403": _error(_OWNER_ONLY)}}},
        "/api/v1/respondents/{id}": {"delete": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "description": "Erase the person's words from the map, the portal's store and "
                           "Rasa's tracker store; their link stops. Audited, without content.",
            "responses": {"200": _json({"type": "object", "required": ["erased", "kept"],
                                        "properties": {"erased": {"const": True},
                                                       "kept": {"type": "array",
                                                                "items": _KEPT}}},
                                       "Erased; `kept` lists what the law lets MapBot keep"),
                          **_AUTH_ERRORS, "403": _error(_OWNER_ONLY),
                          "409": _error("A safeguarding flag of theirs nobody has "
                                        "acknowledged: acknowledge it first")}}},
        "/api/v1/chat/{token}/messages": {"post": {
            "parameters": [_path_param("token")],
            "requestBody": _body({"type": "object", "required": ["text"],
                                  "properties": {"text": {"type": "string", "minLength": 1,
                                                          "pattern": _VISIBLE,
                                                          "maxLength": 4000}}}),
            "responses": {
                "200": _json({"type": "object", "required": ["messages"], "properties": {
                    "messages": {"type": "array", "items": _ref("Message")}}}),
                "404": _error("Unknown link"), "410": _error("Revoked or expired link"),
                "422": _error("Malformed body, empty text or text too long"),
                "429": _error("Too many messages"),
                "503": _error("The assistant is not available; send again in a moment")}}},
        "/healthz": {"get": {"responses": {
            # "degraded": some Rasa servers are down (named), but one can still serve.
            "200": _json({"type": "object", "properties": {
                "status": {"enum": ["ok", "degraded"]},
                "down": {"type": "array", "items": _STR}}}),
            "503": _json({"type": "object", "properties": {
                "status": _STR, "down": {"type": "array", "items": _STR}}},
                "A service is down")}}},
    },
}


def document(max_message_chars: int) -> dict:
    """The document for this portal: the message limit is whatever it is configured to."""
    found = copy.deepcopy(OPENAPI)
    body = found["paths"]["/api/v1/chat/{token}/messages"]["post"]["requestBody"]
    body["content"]["application/json"]["schema"]["properties"]["text"]["maxLength"] = (
        max_message_chars)
    return found
