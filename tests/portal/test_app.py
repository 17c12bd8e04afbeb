"""The app as a whole: schema at start-up, /healthz, the OpenAPI document, headers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from bot.database.models import Base
from bot.portal.app import create_app

CONTRACT_OPERATIONS = [
    ("post", "/api/v1/login"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{id}"),
    ("post", "/api/v1/cases/{id}/invitations"),
    ("delete", "/api/v1/invitations/{id}"),
    ("post", "/api/v1/chat/{token}/messages"),
    ("get", "/api/v1/cases/{id}/map"),
    ("patch", "/api/v1/items/{id}"),
    ("post", "/api/v1/flags/{id}/acknowledge"),
    ("get", "/api/v1/cases/{id}/map.docx"),
    ("get", "/api/v1/cases/{id}/map.html"),
    ("get", "/healthz"),
    ("get", "/api/v1/respondents/{id}/data"),
    ("delete", "/api/v1/respondents/{id}"),
    ("get", "/api/v1/stats"),
]


# Start-up ---------------------------------------------------------------------------


async def test_listener_creates_the_schema_on_an_empty_database(make_app, store, drop_tables):
    async with store.engine.connect() as conn:
        before = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert not before & set(Base.metadata.tables)

    client = make_app().asgi_client
    _, response = await client.get("/api/v1/openapi.json")
    assert response.status == 200

    async with store.engine.connect() as conn:
        after = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= after
    # A worker can be added and can log in straight away.
    await store.add_worker("first", "pw-first-worker")
    _, response = await client.post("/api/v1/login",
                                     json={"username": "first", "password": "pw-first-worker"})
    assert response.status == 200


async def test_two_apps_in_one_process_get_distinct_names(settings, store):
    assert create_app(settings, store=store).name != create_app(settings, store=store).name


# /healthz ----------------------------------------------------------------------------


async def test_healthz_names_rasa_when_it_is_down(client):
    _, response = await client.get("/healthz")
    assert response.status == 503
    body = response.json
    assert body["status"] == "unavailable"
    assert body["down"] == ["rasa"]  # its action server is behind it: unknown


async def test_healthz_ok_when_everything_answers(fake_rasa, client, settings):
    _, response = await client.get("/healthz")
    assert response.status == 200
    assert response.json == {"status": "ok"}
    # Every call to Rasa carries the channel's secret.
    assert set(fake_rasa.authorization) == {f"Bearer {settings.rasa_channel_secret}"}


async def test_healthz_names_the_action_server_alone(fake_rasa, client):
    fake_rasa.actions_up = False
    _, response = await client.get("/healthz")
    assert response.status == 503
    assert response.json["down"] == ["actions"]


# OpenAPI -----------------------------------------------------------------------------


@pytest.fixture
async def openapi(client) -> dict:
    _, response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    assert response.content_type.startswith("application/json")
    return response.json


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


async def test_openapi_is_a_3_1_document(openapi):
    assert re.fullmatch(r"3\.1\.\d+", openapi["openapi"])
    assert openapi["info"]["title"] and openapi["info"]["version"]
    assert isinstance(openapi["paths"], dict) and openapi["paths"]
    schemes = openapi["components"]["securitySchemes"]
    for path, operations in openapi["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            assert operation["responses"], (path, method)
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status), (path, method, status)
                assert response["description"], (path, method, status)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), (path, method)
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(schemes), (path, method)


async def test_openapi_refs_all_resolve(openapi):
    for ref in _refs(openapi):
        assert ref.startswith("#/"), ref
        node = openapi
        for part in ref[2:].split("/"):
            node = node[part]
        assert isinstance(node, dict)


@pytest.mark.parametrize(("method", "path"), CONTRACT_OPERATIONS)
async def test_openapi_documents_the_contract_operation(openapi, method, path):
    assert method in openapi["paths"].get(path, {}), f"{method.upper()} {path} missing"


async def test_openapi_worker_operations_need_the_bearer(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            worker_only = path.startswith(("/api/v1/cases", "/api/v1/items",
                                           "/api/v1/invitations", "/api/v1/flags",
                                           "/api/v1/respondents", "/api/v1/stats"))
            assert bool(operation.get("security")) == worker_only, (method, path)


def _documented_limit(openapi: dict) -> int:
    operation = openapi["paths"]["/api/v1/chat/{token}/messages"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return schema["properties"]["text"]["maxLength"]


async def test_openapi_documents_the_message_limit(openapi, settings):
    assert _documented_limit(openapi) == settings.max_message_chars >= 2000


async def test_openapi_follows_a_configured_message_limit(make_app):
    _, response = await make_app(max_message_chars=2500).asgi_client.get("/api/v1/openapi.json")
    assert _documented_limit(response.json) == 2500


# Headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("get", "/api/v1/openapi.json", {}, 200),
    ("get", "/healthz", {}, 503),
    ("post", "/api/v1/login", {"json": {"username": "nobody", "password": "x"}}, 401),
    ("post", "/api/v1/login", {"json": []}, 422),
    ("get", "/api/v1/cases", {}, 401),
    ("get", "/api/v1/no-such-route", {}, 404),
    ("get", "/chat/no-such-token", {}, 404),
    ("post", "/api/v1/chat/no-such-token/messages", {"json": {"text": "hi"}}, 404),
])
async def test_no_store_on_every_answer(client, method, path, kwargs, status):
    _, response = await getattr(client, method)(path, **kwargs)
    assert response.status == status
    assert "no-store" in response.headers.get("cache-control", "")
    assert response.headers.get("x-content-type-options") == "nosniff"


async def test_no_store_on_worker_answers(portal, alice, case, invitation):
    responses = []
    for method, path in [("get", "/api/v1/cases"), ("get", f"/api/v1/cases/{case['id']}"),
                         ("get", f"/api/v1/cases/{case['id']}/map"),
                         ("delete", f"/api/v1/invitations/{invitation['id']}")]:
        _, response = await getattr(portal.client, method)(path, headers=alice.headers)
        responses.append(response)
    _, login = await portal.client.post("/api/v1/login",
                                        json={"username": "alice", "password": "wrong"})
    responses.append(login)
    assert [r.status for r in responses] == [200, 200, 200, 204, 401]
    for response in responses:
        assert "no-store" in response.headers.get("cache-control", ""), response.url


async def test_no_store_on_the_chat_page(client, invitation):
    _, page = await client.get(f"/chat/{invitation['token']}")
    assert page.status == 200
    assert "no-store" in page.headers.get("cache-control", "")


# A method a path does not have -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/cases/abc/analysis", "/api/v1/cases",
                                  "/api/v1/items/abc", "/healthz"])
async def test_a_method_the_path_lacks_is_405_naming_the_methods_it_has(client, path):
    _, response = await client.request("trace", path)
    assert response.status == 405
    allowed = {method.strip() for method in response.headers.get("allow", "").split(",")}
    expected = {"/api/v1/cases/abc/analysis": {"GET", "PUT"}, "/api/v1/cases": {"GET", "POST"},
                "/api/v1/items/abc": {"PATCH"}, "/healthz": {"GET"}}[path]
    assert expected <= allowed, response.headers
