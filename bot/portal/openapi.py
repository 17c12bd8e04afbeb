"""The OpenAPI document of the public API (contract: shared/contract/public-interface.md)."""

from __future__ import annotations

import copy
from typing import Any

from bot.core.draft_map import CATEGORIES, HOUSES, SECTIONS
from bot.core.vocabulary import (
    CASE_ROLES,
    FLAG_LEVELS,
    ITEM_STATUSES,
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
_VISIBLE = r"[^\s\x00-\x1f\x7f]"
_ONE_LINE = r"^[^\x00-\x1f\x7f]*" + _VISIBLE + r"[^\x00-\x1f\x7f]*$"
_LINES = r"^[^\x00-\x08\x0b-\x1f\x7f]*" + _VISIBLE + r"[^\x00-\x08\x0b-\x1f\x7f]*$"
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
        "responses": {"200": {"description": f"The map as {FORMATS[kind].words}",
                              "content": {content_type: {"schema": body}}},
                      **_AUTH_ERRORS, "422": _error("Unknown value of `only` or `copy`")}}}


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
                                  "submitted_at": _NTIME}},
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

_MAP = {"type": "object",
        "required": ["schema", "case", "generated_at", "respondents", "items", "scales",
                     "network", "flags"],
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
            "flags": {"type": "array", "items": _ref("Flag")}}}

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
                "respondents": {"type": "array", "items": _ref("Respondent")}}}]}),
                **_AUTH_ERRORS}}},
        "/api/v1/cases/{id}/invitations": {"post": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "requestBody": _body({"type": "object", "required": ["role", "name"], "properties": {
                "role": {"enum": list(ROLES)},
                "name": _WORDS}}),
            "responses": {"201": _json({"type": "object", "required": [
                "id", "token", "url", "role", "name", "expires_at"], "properties": {
                "id": _STR, "token": _STR, "url": _STR, "role": _STR, "name": _STR,
                "expires_at": _TIME}}, "Created"), **_AUTH_ERRORS,
                "422": _error("Malformed body")}}},
        "/api/v1/invitations/{id}": {"delete": {
            "security": _BEARER, "parameters": [_path_param("id")],
            "responses": {"204": {"description": "Revoked"}, **_AUTH_ERRORS}}},
        "/api/v1/cases/{id}/map": {"get": {
            "security": _BEARER, "parameters": [_path_param("id"), _COPY],
            "responses": {"200": _json(_MAP), **_AUTH_ERRORS,
                          "422": _error("Unknown value of `copy`")}}},
        **{f"/api/v1/cases/{{id}}/map.{kind}": _export(kind) for kind in FORMATS},
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
